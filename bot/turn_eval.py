"""How two kinds of turns are taken in a conversation, with no intent classifier in front (each message goes
straight to the dialogue, as `bot.situation_eval` does for situation replies):

- a reply to a choice of affairs (`understand` while the choices are open): a line is
  `choices|first message|option ids, comma-separated|reply|expected`, the expected being an offered id or `none`
  (都不是);
- a question about another affair in the middle of the situation questions (`take_situation_answer` while the
  current affair's first question is pending): a line is `digression|current affair id|message|affair id meant`;
- a message after an affair's guide (`understand` once the guide is given): a line is
  `after_guide|affair id of the guide|message|meant`, meant being `this` (a follow-up on that guide), another
  affair's id, or `none` (nothing of ours).

`#` starts a comment. Usage:

    python -m bot.turn_eval eval/turns/heldout.tsv
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot.catalog.provider import Snapshot
from bot.dialogue import turns
from bot.situation_eval import print_tables

CHOICE_VERDICTS = ("picked right", "picked wrong", "asked again", "not taken")
DIGRESSION_VERDICTS = ("switched right", "offered, holds it", "left in the form", "wrong")
AFTER_GUIDE_VERDICTS = ("right", "offered, holds it", "declined", "wrong")
NONE_OF_THESE = "none"
THIS_GUIDE = "this"


@dataclass(frozen=True)
class ChoiceReply:
    """A reply to the affairs offered after a first message, and the one it means (or `none`)."""

    first: str
    options: tuple[str, ...]
    text: str
    expected: str


@dataclass(frozen=True)
class Digression:
    """A question about the affair `meant`, asked while the current affair's first question is pending."""

    current: str
    text: str
    meant: str


@dataclass(frozen=True)
class AfterGuide:
    """A message sent after the guide of affair `given`, and what it means: `this` guide, another affair, `none`."""

    given: str
    text: str
    meant: str


def read_turns(path: Path) -> tuple[list[ChoiceReply], list[Digression], list[AfterGuide]]:
    """The labelled turns of a file; a line of none of the shapes is an error naming file and line."""
    choices, digressions, after_guides = [], [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        kind, *fields = (f.strip() for f in line.split("|"))
        if kind == "choices" and len(fields) == 4 and fields[1]:
            first, options, text, expected = fields
            choices.append(ChoiceReply(first, tuple(options.split(",")), text, expected))
        elif kind == "digression" and len(fields) == 3:
            digressions.append(Digression(*fields))
        elif kind == "after_guide" and len(fields) == 3:
            after_guides.append(AfterGuide(*fields))
        else:
            raise ValueError(f"{path}:{number}: 应为 choices|首句|选项|回复|应选、digression|当前事项|问题|应为事项"
                             "或 after_guide|已答事项|问题|this、事项或 none")
    return choices, digressions, after_guides


def judge_choice(snap: Snapshot, reply: ChoiceReply) -> str:
    """picked right (the affair meant, or 都不是 taken as such), picked wrong (another affair, or none taken when
    one was meant), asked again (choices offered again, holding the one meant or not), or not taken."""
    state = turns.State(affair_state=turns.CLARIFY, clarify_options=reply.options)
    after = turns.understand(snap, state, reply.text, None, None, "12345").state
    if after.affair_state == turns.RESOLVED and after.affair:
        return "picked right" if after.affair == reply.expected else "picked wrong"
    if after.affair_state == turns.CLARIFY:
        return "asked again"
    declined = after.clarify_failures > state.clarify_failures
    if reply.expected == NONE_OF_THESE:
        return "picked right" if declined else "not taken"
    return "not taken"


def judge_digression(snap: Snapshot, turn: Digression) -> str | None:
    """switched right, offered (a choice holding the affair meant), left in the form (answer, 没听明白 …), or
    wrong (another affair, or a choice without it); None when the current affair asks nothing."""
    affair = snap.catalog.affairs.get(turn.current)
    if affair is None or not snap.catalog.pending_questions(affair, {}):
        return None
    state = turns.State(affair=turn.current, affair_state=turns.RESOLVED)
    after = turns.take_situation_answer(snap, state, turn.text).state
    if after.affair == turn.meant:
        return "switched right"
    if after.affair_state == turns.CLARIFY and turn.meant in after.clarify_options:
        return "offered, holds it"
    return "left in the form" if after.affair == turn.current else "wrong"


def judge_after_guide(snap: Snapshot, turn: AfterGuide) -> str:
    """right (a follow-up answered about the guide, the affair meant taken up, or nothing of ours declined),
    offered (a choice holding the affair meant), declined (ours, yet told it is not, or asked to say more), or
    wrong (answered about the guide, or about another affair, than the one meant)."""
    state = turns.State(affair=turn.given, affair_state=turns.DONE, district="330106")
    after = turns.understand(snap, state, turn.text, None, None, "12345")
    said = after.replies[0].text if after.replies else ""
    declined = said in (turns.not_mine_text("12345"), turns.ask_more_text())
    meant = turn.given if turn.meant == THIS_GUIDE else turn.meant
    if declined:
        return "right" if meant == NONE_OF_THESE else "declined"
    if after.state.affair_state == turns.CLARIFY:
        return "offered, holds it" if meant in after.state.clarify_options else "wrong"
    return "right" if after.state.affair == meant else "wrong"


def tables(snap: Snapshot, paths: list[Path]) -> list[str]:
    """Three markdown tables, one row per file: replies to choices, questions about another affair, and messages
    after a guide."""
    choice_rows = ["| set | replies | " + " | ".join(CHOICE_VERDICTS) + " | right % |",
                   "|---" * (len(CHOICE_VERDICTS) + 3) + "|"]
    digression_rows = ["| set | questions | " + " | ".join(DIGRESSION_VERDICTS) + " | switched right % |",
                       "|---" * (len(DIGRESSION_VERDICTS) + 3) + "|"]
    after_rows = ["| set | messages after a guide | " + " | ".join(AFTER_GUIDE_VERDICTS) + " | right % | wrong % |",
                  "|---" * (len(AFTER_GUIDE_VERDICTS) + 4) + "|"]
    for path in paths:
        choices, digressions, after_guides = read_turns(path)
        if choices:
            counts = Counter(judge_choice(snap, c) for c in choices)
            share = 100 * counts["picked right"] / len(choices)
            choice_rows.append(f"| {path.stem} | {len(choices)} | "
                               + " | ".join(str(counts[v]) for v in CHOICE_VERDICTS) + f" | {share:.1f} |")
        if digressions:
            judged = Counter(v for d in digressions if (v := judge_digression(snap, d)) is not None)
            total = sum(judged.values())
            share = 100 * judged["switched right"] / total if total else 0.0
            digression_rows.append(f"| {path.stem} | {total} | "
                                   + " | ".join(str(judged[v]) for v in DIGRESSION_VERDICTS) + f" | {share:.1f} |")
        if after_guides:
            counts = Counter(judge_after_guide(snap, a) for a in after_guides)
            right, wrong = (100 * counts[v] / len(after_guides) for v in ("right", "wrong"))
            after_rows.append(f"| {path.stem} | {len(after_guides)} | "
                              + " | ".join(str(counts[v]) for v in AFTER_GUIDE_VERDICTS)
                              + f" | {right:.1f} | {wrong:.1f} |")
    return [*choice_rows, "", *digression_rows, "", *after_rows]


def main(argv: list[str]) -> int:
    """Print the tables for the files given."""
    return print_tables(argv, __doc__ or "", tables)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
