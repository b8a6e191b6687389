"""Earlier situation answers a later reply changes (不对，我记错了，还没满16, once 已满16周岁 was recorded)."""

from __future__ import annotations

import re

from bot.catalog.catalog import PART_SEPARATOR
from bot.catalog.domain import Affair, Question
from bot.catalog.provider import Snapshot
from bot.dialogue.situations import normalize, option_named, parse_answer, prefill

# 我记错了, 刚才说错了, 选错了, 改一下: the person owns to a wrong answer given before
MISTAKE = re.compile(r"(?:记|说|搞|弄|选|点|填|答|写)错了?|改一下|更正一下|更正")
# what a reply may start with before its 不是 or 不对 (哦不对，…)
INTERJECTION = "(?:哦|噢|啊|嗯|呃|额)?"
# the same, a reply that starts by saying no (不对，还没满16), or one that says how things really are
# (孩子其实二十岁了): what follows may be an earlier answer given again
REVISION = re.compile(rf"^\s*{INTERJECTION}(?:不是|不对)|其实|实际上|{MISTAKE.pattern}")


def question_of(snap: Snapshot, affair: Affair, key: str) -> Question | None:
    """The situation question an answer key belongs to (a bundle's part's question for `part/question`)."""
    part, _, question_id = key.rpartition(PART_SEPARATOR)
    owner = snap.catalog.affair(part) if part else affair
    return next((q for q in owner.situations if q.id == question_id), None) if owner else None


def owns_a_mistake(text: str) -> bool:
    """Whether a reply says an answer given before was wrong (我记错了, 刚才点错了)."""
    return MISTAKE.search(text) is not None


def without_revision(text: str) -> str:
    """A reply without the words that take an answer back (不对，我记错了，还没满16 → 还没满16)."""
    return REVISION.sub("，", text).strip("，")


def changed_answers(snap: Snapshot, affair: Affair, answers: dict[str, str], text: str, readings: list[str],
                    asked: Question | None, told_after_the_guide: bool = False) -> dict[str, str]:
    """The recorded answers a reply gives otherwise: another option's label, as its button sends it, unless it is
    one of `asked` too; or, when the reply takes an answer back (不对…, 我记错了…), by an option's own words or an
    age, or as a reply to that one question would be read, by its words or its example replies (我记错了，冷静期已经
    满了), when the rest answers nothing `asked` now (不是，是外省, to 户口是在浙江省内吗, answers that) and no other
    question is read so. Empty when it changes none."""
    tapped = {key: option.value for key, value in answers.items()
              if (question := question_of(snap, affair, key)) is not None
              and (option := option_named(question, text)) is not None and option.value != value}
    if tapped and (asked is None or option_named(asked, text) is None):
        return tapped  # 已满16周岁, typed or tapped again once 未满16周岁 was recorded
    if not REVISION.search(text) and told_after_the_guide:  # 我自己办, once the guide listed an agent's papers
        recorded = {key: question for key in answers if (question := question_of(snap, affair, key)) is not None}
        given = prefill(list(recorded.items()), text, readings)
        said = {key: value for key, value in given.items() if value != answers[key]}
        return said if len(said) == 1 and _only_the_answer(recorded, said, text) else {}
    if not REVISION.search(text):
        return {}  # 我就是法人, to whose application it is: an answer, though 法人 is also what changes
    taken_back = without_revision(text)
    in_words, as_a_reply = {}, {}
    for key, value in answers.items():
        question = question_of(snap, affair, key)
        if question is None:
            continue
        said = prefill([(key, question)], text, readings).get(key)
        if said is not None and said != value:
            in_words[key] = said
        elif said is None and taken_back:
            said = parse_answer(question, taken_back) or snap.answer_examples.choose(question, taken_back)
            if said is not None and said != value:
                as_a_reply[key] = said
    answers_now = asked is not None and parse_answer(asked, taken_back) is not None
    return {**in_words, **as_a_reply} if len(as_a_reply) == 1 and not answers_now else in_words


def with_changes(snap: Snapshot, affair: Affair, answers: dict[str, str], changed: dict[str, str]) -> dict[str, str]:
    """The answers with `changed` in place, less those to questions only the old answers asked (a later question
    that 未满16周岁 no longer opens)."""
    new = {**answers, **changed}
    lost = _reached(snap, affair, answers).keys() - _reached(snap, affair, new).keys()
    return {key: value for key, value in new.items() if key not in lost}


def _reached(snap: Snapshot, affair: Affair, answers: dict[str, str]) -> dict[str, str]:
    """The answers to questions the other answers ask, in the order they are asked."""
    reached: dict[str, str] = {}
    while (asked := next((p.key for p in snap.catalog.pending_questions(affair, reached) if p.key in answers),
                         None)) is not None:
        reached[asked] = answers[asked]
    return reached


def told_back(snap: Snapshot, affair: Affair, answers: dict[str, str]) -> str:
    """Answers as the person reads them (未满16周岁；外省户口; a preference with what it is about)."""
    labels = []
    for key, value in answers.items():
        question = question_of(snap, affair, key)
        option = question.option(value) if question else None
        label = option.label if option else value
        labels.append(f"{question.preference}：{label}" if question and question.preference else label)
    return "；".join(labels)


def another_option(snap: Snapshot, affair: Affair, key: str, value: str) -> str | None:
    """The label of an option of the question answered under `key` other than `value`, as an example of a change."""
    question = question_of(snap, affair, key)
    return next((o.label for o in question.options if o.value != value), None) if question else None


# what a remark may say besides an option's words and still say nothing else (是我自己办的呀)
_AROUND_AN_ANSWER = re.compile(r"我们?|他们?|她|是|的|了|就|都|也|还|要|去|办|弄|吧|啊|呀|呢|哦|嘛|[\s，。,.!！~]")
# how much else a remark may say (一个人, 就我俩)
_ELSE_AT_MOST = 2


def _only_the_answer(questions: dict[str, Question], said: dict[str, str], text: str) -> bool:
    """Whether a remark is the words of the one answer it changes and nothing more (我自己办, 是我儿子的), not a
    remark about something else that happens to hold them (公司的工牌丢了, after a divorce's guide)."""
    [(key, value)] = said.items()
    option = questions[key].option(value)
    if option is None:
        return False
    rest = normalize(text)
    for word in sorted(map(normalize, (option.label, *option.hints)), key=len, reverse=True):
        rest = rest.replace(word, "") if word else rest
    return len(_AROUND_AN_ANSWER.sub("", rest)) <= _ELSE_AT_MOST
