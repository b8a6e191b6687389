"""Understanding free-text answers to situation questions (是的, 不是本地户口, 孩子八岁)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.catalog.domain import Option, Question
from bot.entities import AGE, Entity, extract
from bot.entities.numerals import CN_DIGITS, CN_UNITS, NUMERAL_CHARS, in_chinese, parse_number
from bot.entities.rules import CHILDREN, GROWN_UPS, RELATIVES
from bot.resolver.text import normalize as _normalize

# A quantity written in characters (七十, 十六): read as digits in answers and hints alike, so 没到七十 meets 没到70.
_QUANTITY = re.compile(f"[{''.join(CN_DIGITS)}]*[{''.join(CN_UNITS)}][{''.join(CN_DIGITS)}{''.join(CN_UNITS)}]*")


def normalize(text: str) -> str:
    """The resolver's normalisation, with quantities in digits."""
    return _QUANTITY.sub(lambda m: str(parse_number(m.group()) or m.group()), _normalize(text))


_YES = ("是的", "是啊", "对的", "对", "没错", "嗯", "有", "是")
_NO = ("不是", "没有", "不对", "否", "不", "没")


OLDEST: int = 150


@dataclass(frozen=True)
class AgeSaid:
    """The ages a message allows the person, from `low` to `high`: 十岁 is 10 to 10, 未满16周岁 is 0 to 15."""

    low: int
    high: int

    @classmethod
    def exactly(cls, age: int) -> AgeSaid:
        """An age said as it is (他75岁了)."""
        return cls(age, age)


# Words that make an age said a limit: 未满16周岁, 不到16岁 and 16岁以下 are under it; 16岁以上 and 满16周岁 at
# least it; 超过16岁, more than it.
_UNDER_BEFORE = re.compile("(?:未满|不满|没满|未到|没到|不到|不足|小于|低于|快满?|快到|还差)$")
_UNDER_AFTER = re.compile("(?:以下|之下|以内)")
_AT_LEAST_BEFORE = re.compile("(?:已满|年满|满|已过|过了)$")
_AT_LEAST_AFTER = re.compile("(?:以上|之上|及以上)")
_MORE_BEFORE = re.compile("(?:超过|超出|大于|高于|多于)$")


def _age_said(text: str, entity: Entity) -> AgeSaid:
    """The ages an age entity allows, by the words around it."""
    age, before, after = int(entity.value), text[:entity.start], text[entity.end:]
    if _UNDER_BEFORE.search(before) or _UNDER_AFTER.match(after):
        return AgeSaid(0, max(age - 1, 0))
    if _MORE_BEFORE.search(before):
        return AgeSaid(age + 1, OLDEST)
    if _AT_LEAST_BEFORE.search(before) or _AT_LEAST_AFTER.match(after):
        return AgeSaid(age, OLDEST)
    return AgeSaid.exactly(age)


def _ages(text: str) -> list[AgeSaid]:
    """Every age a text mentions (八岁, 16周岁, 未满十六岁), read by bot.entities, the one place ages are defined."""
    return [_age_said(text, e) for e in extract(text) if e.kind == AGE]


def age_in(text: str) -> AgeSaid | None:
    """The first age a text mentions, as the ages it allows."""
    return next(iter(_ages(text)), None)


# Someone other than the speaker, named in a message: an age the speaker gives as their own is not theirs.
_SOMEONE_ELSE = re.compile("|".join(RELATIVES))
_CLAUSE = re.compile(r"[，,。；;！!？?、\s]+")


def age_of_the_person(text: str) -> AgeSaid | None:
    """The one age a first message gives (他75岁了, 我女儿十岁, 孩子不到16岁), unless it is the speaker's own in a
    message about someone else (我今年30岁，想给孩子办身份证); None when no age, or more than one, is given."""
    ages = [e for e in extract(text) if e.kind == AGE]
    if len(ages) != 1:
        return None
    clause = _CLAUSE.split(text[:ages[0].start])[-1]
    if clause.startswith(("我", "本人")) and not _SOMEONE_ELSE.search(clause) and _SOMEONE_ELSE.search(text):
        return None
    return _age_said(text, ages[0])


# A first message for a grown-up (我老伴的身份证过期了, 帮我妈补社保卡) is about someone at least this old, unless it
# also names a child or the speaker's own part in it (我的, 我和我妈): then whose age it is stays open.
GROWN_UP_AGE = 18
_GROWN_UP = "|".join(GROWN_UPS)
# 给我妈, 我爸的, 我老伴……他的: the grown-up is the one the affair is for
_FOR_A_GROWN_UP = re.compile(f"(?:给|帮|替|为|陪|带)我?家?(?:{_GROWN_UP})|(?:{_GROWN_UP})(?:的|.*[他她]的)")
_CHILD_OR_SPEAKER = re.compile("|".join((*CHILDREN, "孙", "学生", "未成年", "我的", "我自己", "本人", "我和", "我跟",
                                         "我们", "咱们", "全家", "一家")))


def _grown_up_option(question: Question, text: str) -> Option | None:
    """The option of an age question that fits everyone grown up (已满16周岁), for a message about a grown-up;
    None when the message names a child or the speaker too, or when the options part grown-ups (已满60周岁)."""
    if not _FOR_A_GROWN_UP.search(text) or _CHILD_OR_SPEAKER.search(text):
        return None
    return _option_for_age(question, AgeSaid(GROWN_UP_AGE, OLDEST))


_NUMBER = re.compile(f"[{''.join(NUMERAL_CHARS)}]+")


def _asks_an_age(question: Question) -> bool:
    """Whether the options are ages (未满16周岁 / 已满16周岁)."""
    return any(_by_age(question, age) for age in (0, OLDEST))


# Words that make a number a limit rather than the age (不到16, 快满16, 16以下), an ordinal (第一个), and letters
# (wei man 16).
_NOT_AN_AGE = re.compile("[a-z不没未差快满到超过以第个项]")
# a number that counts things (补一张, 跑两趟, 三本证): no age
_COUNTED = re.compile(f"[{''.join(NUMERAL_CHARS)}]+[张本次趟份件套辆遍块元]")


def _bare_number(norm: str) -> int | None:
    """The one number in a short answer (七十二了, 72), or None when there is none, more than one, or a word
    that makes it a limit or counts things with it (补一张, 跑两趟)."""
    if _NOT_AN_AGE.search(norm) or _COUNTED.search(norm):
        return None
    numbers = _NUMBER.findall(norm)
    return parse_number(numbers[0]) if len(numbers) == 1 else None


def _option_for_age(question: Question, age: AgeSaid) -> Option | None:
    """The option of an age question that every age said allows fits (未满16周岁 for 不到16岁; none for 已满16周岁
    among 未满60周岁 / 已满60周岁)."""
    youngest = _by_age(question, age.low)
    return youngest if youngest == _by_age(question, age.high) else None


def _by_age(question: Question, age: int) -> Option | None:
    """Options labelled 未满N周岁 / 已满N周岁 (or N周岁以上/以下) chosen by an age."""
    for option in question.options:
        label = option.label
        match = re.search(r"(\d+)周?岁", label)  # 9座以下 or 不满1年 is no age
        if not match:
            continue
        limit = int(match.group(1))
        under = any(w in label for w in ("未满", "不满", "以下", "小于"))
        over = any(w in label for w in ("已满", "以上", "满", "大于"))
        if under and age < limit or over and not under and age >= limit:
            return option
    return None


_NEGATIONS = ("不是", "不", "非", "没", "没有", "未")
# words that say a thing is not needed (暂时不用开发票, 无需刻章); 要不要 asks, it does not say
_NO_NEED = ("不用", "不要", "不需要", "无需", "不必", "用不着")
_ASKS_EITHER_WAY = re.compile(r"(.)不\1$")
_UNSURE = ("知道", "清楚", "确定", "记得")


# A question that 是 or 不是 can answer asks one of these (营业执照还在吗？ 是否已满16周岁？).
_YES_NO_QUESTION = re.compile("吗|是否|有没有|能否|是不是|要不要|会不会|能不能|可不可以")


def _yes_no(question: Question, norm: str) -> Option | None:
    """是/不是 for a two-option question asked as yes or no (`_yes_and_no` tells which option each chooses); not
    for one that offers two alternatives (第一次申请，还是去领证？) or asks which (是哪类车辆？): 嗯 answers neither."""
    if len(norm) > 4 or any(w in norm for w in _UNSURE) or not asked_as_yes_or_no(question):
        return None
    yes, no = _yes_and_no(question)
    if norm.startswith(_NO):
        return no
    if norm.startswith(_YES):
        return yes
    return None


# Hints by which maintainers mark the option a bare 是 (or 不是) chooses.
_YES_HINTS = frozenset({"是", "有", "对", "要", "需要"})
_NO_HINTS = frozenset({"不是", "没有", "不用", "不要", "不需要", "否"})


def asked_as_yes_or_no(question: Question) -> bool:
    """Whether a bare 是 or 不是 answers the question: two options, asked as yes or no (营业执照还在吗？), not as two
    alternatives (第一次申请，还是去领证？)."""
    return len(question.options) == 2 and bool(_YES_NO_QUESTION.search(question.ask)) and "还是" not in question.ask


def _yes_and_no(question: Question) -> tuple[Option, Option]:
    """The options 是 and 不是 choose, (yes, no), as marked (`marked_yes_and_no`); unmarked, the first is 是."""
    return marked_yes_and_no(question) or (question.options[0], question.options[1])


def marked_yes_and_no(question: Question) -> tuple[Option, Option] | None:
    """The options 是 and 不是 choose, (yes, no), when the knowledge marks them: the one with a yes hint (是, 有) or
    without a no hint (不是, 没有) when only one has it (股东里有没有公司？ 没有 is 都是自然人, whichever comes first);
    else the one whose label starts with a negation (不是, 没有，还在有效期内, 未满16周岁) is 不是; else None, and only
    the order of the options would tell."""
    first, second = question.options
    for words, marks_yes in ((_YES_HINTS, True), (_NO_HINTS, False)):
        in_first, in_second = (bool(words.intersection(o.hints)) for o in (first, second))
        if in_first != in_second:
            return (first, second) if in_first == marks_yes else (second, first)
    if first.label.startswith(_NEGATIONS) != second.label.startswith(_NEGATIONS):
        return (second, first) if first.label.startswith(_NEGATIONS) else (first, second)
    return None


# words of losing that hold a 不 and negate nothing (找不着了, 寻不到, 不见了): the lexicon reads them as 遗失
_LOSING = re.compile(r"[找寻]不[着到见]|不见")


# pronouns of dialect read as those of the hints (阿拉帮伊办: 我帮他办)
DIALECT_PRONOUNS = {"阿拉": "我", "伊": "他", "侬": "你", "俺": "我"}
_DIALECT_PRONOUN = re.compile("|".join(DIALECT_PRONOUNS))


def _with_readings(text: str, readings: Sequence[str]) -> str:
    """The answer and what its words mean, but not a reading that rewrites a clause that negates (不是安徽的 does
    not say 外省; in 我妈没工作，杭州余杭的户口 the 没 is not where 余杭 is read as 浙江); a word of losing negates
    nothing (找不着了 reads 遗失)."""
    negating = [clause for clause in map(normalize, _clauses(text))
                if any(n in _LOSING.sub("", clause) for n in _NEGATIONS)]
    kept = [reading for reading in map(normalize, readings) if all(clause in reading for clause in negating)]
    plain = normalize(_DIALECT_PRONOUN.sub(lambda m: DIALECT_PRONOUNS[m.group()], text))
    return "|".join([normalize(text), *kept, *([plain] if plain != normalize(text) else [])])


def _negated(text: str, word: str) -> bool:
    """True when every mention of `word` follows a negation in its clause (不是本地户口, 没有房, 暂时不用开发票; not
    不是，个体户, nor 要不要开发票)."""
    marked = "|".join(n for n in map(normalize, _clauses(text)) if n)
    starts = [m.start() for m in re.finditer(re.escape(word), marked)]
    return bool(starts) and all(_negates(marked[max(0, s - 3):s]) for s in starts)


def _negates(before: str) -> bool:
    """Whether the characters before a word negate it."""
    return before.endswith(_NEGATIONS + _NO_NEED) and not _ASKS_EITHER_WAY.search(before)


# A yes hint (是, 有) chooses only in an answer this short: in 我们是外地来打工的 the 是 says nothing.
SHORT_ANSWER = 3


def parse_answer(question: Question, text: str, readings: Sequence[str] = ()) -> str | None:
    """The option value the text chooses, or None when it is unclear. `readings` are what the text's words
    mean where it does not say so itself (安徽 is 外省, 杭州 is in 浙江); they count unless the text negates."""
    norm = normalize(text)
    if not norm:
        return None
    for index, option in enumerate(question.options, 1):
        if norm in (normalize(option.value), normalize(option.label), str(index), f"第{index}个"):
            return option.value
    age = age_in(norm)
    if age is None and _asks_an_age(question) and (number := _bare_number(norm)) is not None:
        age = AgeSaid.exactly(number)  # 他今年72了: to an age question, the one number given is the age
    if age is not None:
        option = _option_for_age(question, age)
        if option:
            return option.value
    said = _with_readings(text, readings)
    hits, negated = [], []
    for option in question.options:
        words = [normalize(w) for w in (option.label, *option.hints) if normalize(w)]
        found = [w for w in words if w in said and w not in _NO and (w not in _YES or len(norm) <= SHORT_ANSWER)]
        if any(_negated(text, w) for w in found):
            negated.append(option)
            continue
        longest = max((len(w) for w in found), default=0)
        if longest:
            hits.append((longest, option))
    if negated and not hits and len(question.options) == 2:
        return next(o for o in question.options if o not in negated).value
    if hits:
        hits.sort(key=lambda h: h[0], reverse=True)
        if len(hits) == 1 or hits[0][0] > hits[1][0]:
            return hits[0][1].value
    option = _yes_no(question, norm) or _yes_no(question, _first_clause(text)) or _typed_in_pinyin(question, text)
    return option.value if option else None


def _clauses(text: str) -> list[str]:
    """The clauses of a reply, as typed (不是，个体户 → 不是, 个体户)."""
    return [c for c in _CLAUSE.split(text.strip()) if c]


def answers_then_explains(question: Question, text: str) -> bool:
    """不是，个体户 to 是否属于登记备案人员: a 是 or 不是 that the rest of the reply bears out (the rest alone chooses
    the same option) answers the question; it does not correct the affair, as 不是，我要办驾照 does."""
    clauses = _clauses(text)
    if len(clauses) < 2:
        return False
    said = _yes_no(question, normalize(clauses[0]))
    return said is not None and parse_answer(question, "，".join(clauses[1:])) == said.value


def _first_clause(text: str) -> str:
    """The first clause of a reply of several (不是，个体户 → 不是), normalised; empty for a reply of one."""
    clauses = _clauses(text)
    return normalize(clauses[0]) if len(clauses) > 1 else ""


# A pinyin answer must spell at least this many letters of an option (yiman16, waisheng) to choose it.
SHORTEST_PINYIN_ANSWER = 4


def _spelled(words: str) -> str:
    """Words as typed in toneless pinyin without spaces, digits kept: 已满16周岁 → yiman16zhousui."""
    from pypinyin import Style, lazy_pinyin  # only for messages with latin letters

    return re.sub(r"[^a-z0-9]", "", "".join(lazy_pinyin(words, style=Style.NORMAL)).lower())


_DIGITS = re.compile(r"\d+")


def _said(number: re.Match[str]) -> str:
    """Digits as they are said, for their pinyin (16 → 十六 → shiliu)."""
    return in_chinese(int(number.group()))


def _typed_in_pinyin(question: Question, text: str) -> Option | None:
    """The option an answer typed in pinyin chooses (yi man 16, yiman shiliu, waisheng hukou, bu shi): it spells
    the start of the option's label or one of its hints, numbers as digits or as said, or, for a yes/no question,
    是 or 不是; None when unclear."""
    typed = re.sub(r"[^a-z0-9]", "", text.lower())
    if len(typed) < 2 or not re.search(r"[a-z]", typed):
        return None
    if len(question.options) == 2:
        if typed in {_spelled(w) for w in _NO}:
            return question.options[1]
        if typed in {_spelled(w) for w in _YES}:
            return question.options[0]
    best: list[tuple[int, Option]] = []
    for option in question.options:
        spellings = [s for w in (option.label, *option.hints) if len(w) >= 2
                     for s in dict.fromkeys((_spelled(w), _spelled(_DIGITS.sub(_said, w))))]
        found = [len(s) for s in spellings if len(s) >= SHORTEST_PINYIN_ANSWER and s in typed]
        found += [len(typed) for s in spellings if len(typed) >= SHORTEST_PINYIN_ANSWER and s.startswith(typed)]
        if found:
            best.append((max(found), option))
    best.sort(key=lambda b: b[0], reverse=True)
    if len(best) == 1 or best and best[0][0] > best[1][0]:
        return best[0][1]
    return None


def option_named(question: Question, text: str) -> Option | None:
    """The option whose label a reply is, as its button sends it, or None."""
    said = normalize(text)
    return next((o for o in question.options if normalize(o.label) == said), None) if said else None


# 不知道, 不清楚: the person cannot say which option is theirs
NOT_SURE = re.compile(r"不知道|不清楚|不确定|不记得|记不清|搞不清|说不清|没数")


def _unsure(word: str) -> bool:
    """Whether a hint says the person does not know (不清楚): an answer only to a question asked. 我也搞不清楚，到底
    怎么弄 says nothing of earlier work years."""
    return NOT_SURE.search(word) is not None


def prefill(questions: list[tuple[str, Question]], text: str, readings: Sequence[str] = (),
            first_message: bool = False, claimants: Sequence[Question] = ()) -> dict[str, str]:
    """Answers already given in a message (我老婆是外省的 → 投靠配偶, 外省; 他75岁了 → 已满16周岁). An age decides
    an age question before any word does (我孩子今年18了 is not a minor), and so does a `first_message`, the one
    that names the affair, for a grown-up (我老伴的身份证过期了); a reply that names one (等我问问我老婆) does not.
    `readings`: as for `parse_answer`. A word inside a longer one of the `claimants` (the question the text
    answers, when it was asked one) is theirs: 贷款 in 贷款还清了, said of the seller's mortgage, says nothing of how
    the buyer pays. Among the questions prefilled alone, each word counts for each (增加注册资本 says both what
    changes and how)."""
    answers = {}
    age = age_of_the_person(text)
    said = _with_readings(text, readings)

    def words_said(question: Question) -> dict[str, list[str]]:
        about_hukou = HUKOU_QUESTION.search(question.ask) is not None
        return {o.value: [w for w in map(normalize, (o.label, *o.hints))
                          if len(w) >= 2 and w not in _YES + _NO and not _unsure(w) and w in said
                          and not _negated(text, w) and not (about_hukou and _where_one_is(said, w))]
                for o in question.options}

    claimed = [w for claimant in claimants for ws in words_said(claimant).values() for w in ws]
    for key, question in questions:
        by_age = _option_for_age(question, age) if age is not None else \
            _grown_up_option(question, text) if first_message else None
        if by_age is not None:
            answers[key] = by_age.value
            continue
        said_for = words_said(question)
        hits = [value for value, ws in said_for.items()  # 股份有限公司 is not 有限公司: the longer word wins
                if any(not _inside_longer(w, [*claimed, *(o for v, os in said_for.items() if v != value for o in os)],
                                          said) for w in ws)]
        if len(hits) == 1:
            answers[key] = hits[0]
    return answers


# a question about where a hukou is (户口是在浙江省内吗？)
HUKOU_QUESTION = re.compile(r"户口|户籍")


def _where_one_is(text: str, word: str) -> bool:
    """True when every mention of `word` in `text` (an answer and its readings) says where the person is, not
    their hukou: 我人在外地出差 (在外地), 宝宝在上海生的 (read 在外省生的)."""
    marked = normalize(text)
    starts = [m.start() for m in re.finditer(re.escape(word), marked)]
    return bool(starts) and all(marked[max(0, s - 1):s] == "在" and "户" not in marked[max(0, s - 4):s]
                                for s in starts)


def _inside_longer(word: str, longer: list[str], said: str) -> bool:
    """True when every mention of `word` lies inside one of the `longer` words said (for the question answered, or
    for another option): in 贷款还清了, 贷款 is part of 贷款还清 (the seller's mortgage is paid off) and says nothing
    of how the buyer pays."""
    spans = [(m.start(), m.start() + len(w)) for w in longer if len(w) > len(word) and word in w
             for m in re.finditer(re.escape(w), said)]
    starts = [m.start() for m in re.finditer(re.escape(word), said)]
    return bool(spans) and all(any(a <= s and s + len(word) <= b for a, b in spans) for s in starts)
