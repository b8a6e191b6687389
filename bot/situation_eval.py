"""How well replies to situation questions are understood: each labelled reply is given to its question in a
conversation (`take_situation_answer`) and the answer recorded is compared with the label.

A file holds one reply per line, `affair id|question id|reply|option value`; `#` starts a comment. Usage:

    python -m bot.situation_eval eval/situations/heldout.tsv
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.catalog.provider import Snapshot, snapshot_from_knowledge
from bot.config import PROJECT_ROOT
from bot.dialogue import turns
from bot.dialogue.situations import normalize

VERDICTS = ("right", "wrong", "suggested right", "suggested wrong", "not understood", "switched", "not asked")
# How many earlier questions may stand before the one a reply answers (the longest form asks fewer).
DEEPEST = 6


@dataclass(frozen=True)
class LabelledReply:
    """A reply to one affair's situation question and the option it means."""

    affair: str
    question: str
    text: str
    value: str


def read_replies(path: Path) -> list[LabelledReply]:
    """The labelled replies of a file; a line without four fields is an error naming file and line."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("|")
        if len(fields) != 4:
            raise ValueError(f"{path}:{number}: 应为 事项|问题|回答|选项 四栏")
        rows.append(LabelledReply(*(f.strip() for f in fields)))
    return rows


def pending_at(snap: Snapshot, affair_id: str, question_id: str) -> turns.State | None:
    """A conversation about the affair whose next question is `question_id`, earlier questions answered (the
    first way found); None when no answers lead there (a preference, or a question a bundle settles itself)."""
    affair = snap.catalog.affairs.get(affair_id)
    if affair is None:
        return None
    frontier: list[dict[str, str]] = [{}]
    for _ in range(DEEPEST):
        following = []
        for answers in frontier:
            pending = snap.catalog.pending_questions(affair, answers)
            if not pending:
                continue
            if pending[0].question.id == question_id:
                return turns.State(affair=affair_id, affair_state=turns.RESOLVED, answers=answers)
            following += [{**answers, pending[0].key: o.value} for o in pending[0].question.options]
        frontier = following
    return None


def judge(snap: Snapshot, reply: LabelledReply) -> str:
    """right, wrong (another option recorded), suggested right or wrong (nothing recorded, and the person asked
    whether they meant the option labelled or another: 您是说“…”吗？), not understood (asked again), switched
    (another affair), or not asked (the question never comes up as the first pending one)."""
    state = pending_at(snap, reply.affair, reply.question)
    if state is None:
        return "not asked"
    affair = snap.catalog.affairs[reply.affair]
    key = snap.catalog.pending_questions(affair, state.answers)[0].key
    after = turns.take_situation_answer(snap, state, reply.text).state
    if after.affair != reply.affair:
        return "switched"
    recorded = after.answers.get(key)
    if recorded is not None:
        return "right" if recorded == reply.value else "wrong"
    if after.suggested_answer is None:
        return "not understood"
    return "suggested right" if after.suggested_answer == turns.suggestion_of(key, reply.value) else "suggested wrong"


def in_knowledge(snap: Snapshot, reply: LabelledReply) -> bool:
    """Whether the reply is, after normalisation, an example reply or hint of its question in the knowledge: such a
    line says nothing about replies in new words."""
    affair = snap.catalog.affairs.get(reply.affair)
    question = next((q for q in affair.situations if q.id == reply.question), None) if affair else None
    if question is None:
        return False
    known = {normalize(t) for o in question.options for t in (o.label, *o.hints, *o.examples)}
    return normalize(reply.text) in known


def table(snap: Snapshot, paths: list[Path]) -> list[str]:
    """A markdown table: per file, the count of each verdict and the share understood right."""
    lines = ["| set | replies | in knowledge | " + " | ".join(VERDICTS) + " | right % |",
             "|---" * (len(VERDICTS) + 4) + "|"]
    for path in paths:
        replies = read_replies(path)
        counts = Counter(judge(snap, r) for r in replies)
        known = sum(in_knowledge(snap, r) for r in replies)
        asked = sum(counts[v] for v in VERDICTS if v != "not asked")
        share = 100 * counts["right"] / asked if asked else 0.0
        lines.append(f"| {path.stem} | {len(replies)} | {known} | " + " | ".join(str(counts[v]) for v in VERDICTS)
                     + f" | {share:.1f} |")
    return lines


def print_tables(argv: list[str], usage: str, tables_of: Callable[[Snapshot, list[Path]], list[str]]) -> int:
    """The command of a scorer of conversation turns: its usage when no file is given, else its tables for the
    files given, scored against the knowledge."""
    if not argv:
        print(usage)
        return 2
    snap = snapshot_from_knowledge(PROJECT_ROOT / "knowledge")
    print("\n".join(tables_of(snap, [Path(a) for a in argv])))
    return 0


def main(argv: list[str]) -> int:
    """Print the table for the files given."""
    return print_tables(argv, __doc__ or "", table)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
