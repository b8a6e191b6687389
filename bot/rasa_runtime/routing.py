"""Which first action the trained dialogue model takes for each labelled question.

`make eval` scores the resolver alone, but in a conversation the intent classifier and the rules come first:
a question read as a greeting gets 您好 and never reaches the resolver. This runs the trained model (NLU and
policies, no action server: only the prediction) on each question as the first message of a new conversation
and counts the in-scope questions whose first action does not read them through the resolver, and the
out-of-scope ones that the resolver never gets to decline (the case lookup asks for a case number instead of
saying 不在我能办理的范围内).

    python -m bot.rasa_runtime.routing models/onevisit.tar.gz eval/heldout ../shared/eval/dev.tsv
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.evaluation import Labelled, read_labelled, tsv_files

# The actions that read a first message through the resolver (actions/affairs.py): an affair question, and a
# question about one detail (fee, office ...), which finds its affair the same way.
RESOLVING_ACTIONS = frozenset({"action_resolve_affair", "action_answer_detail"})


@dataclass
class RoutingTally:
    """How the questions of one set were first handled."""

    name: str
    in_scope: int = 0
    elsewhere: Counter = field(default_factory=Counter)  # first action -> in-scope questions it kept from the resolver
    out_of_scope: int = 0
    outside_elsewhere: Counter = field(default_factory=Counter)  # ... and out-of-scope ones

    def add(self, row: Labelled, first_action: str) -> None:
        """Count one question and whether its first action is one that reads it through the resolver."""
        outside = row.expect == "-"
        if outside:
            self.out_of_scope += 1
        else:
            self.in_scope += 1
        if first_action not in RESOLVING_ACTIONS:
            (self.outside_elsewhere if outside else self.elsewhere)[first_action] += 1

    @property
    def missed(self) -> int:
        """In-scope questions whose first action is not the resolver's."""
        return sum(self.elsewhere.values())

    @property
    def outside_missed(self) -> int:
        """Out-of-scope questions whose first action is not the resolver's (which would decline them)."""
        return sum(self.outside_elsewhere.values())


class FirstActions:
    """The trained model's first action for a message opening a new conversation."""

    def __init__(self, model: Path):
        """Load the model (seconds); no action server is needed, nothing is executed."""
        from rasa.core.agent import Agent  # heavy: imported only when the model is used
        from rasa.utils.log_utils import configure_structlog

        configure_structlog(logging.WARNING)  # rasa's per-message debug lines would bury the table
        self._agent = Agent.load(str(model))
        self._count = 0

    async def first_action(self, text: str) -> str:
        """The action with the highest score after `text` as the first message of a new session.

        The session is opened the way actions/session.py opens one (no slot carried over); only `affair_state`
        influences the rules, and no message sets it, so slot extraction is not needed for the first action."""
        from rasa.core.channels.channel import UserMessage
        from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
        from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
        from rasa.shared.core.trackers import DialogueStateTracker

        processor = self._agent.processor
        self._count += 1
        sender = f"routing-{self._count}"
        parse = await processor.parse_message(UserMessage(text, sender_id=sender))
        opening = [ActionExecuted(ACTION_SESSION_START_NAME), SessionStarted(), ActionExecuted(ACTION_LISTEN_NAME),
                   UserUttered(text, parse["intent"], parse["entities"], parse)]
        tracker = DialogueStateTracker.from_events(sender, opening, processor.domain.slots)
        prediction = processor.predict_next_with_tracker(tracker)
        return max(prediction["scores"], key=lambda s: s["score"])["action"]


async def tally_sets(model: Path, sets: list[Path]) -> list[RoutingTally]:
    """One tally per set (a directory of TSV files, or one TSV file), in the order given."""
    first = FirstActions(model)
    tallies = []
    for path in sets:
        tally = RoutingTally(path.name)
        for file in tsv_files(path):
            for row in read_labelled(file):
                tally.add(row, await first.first_action(row.text))
        tallies.append(tally)
    return tallies


def table(tallies: list[RoutingTally]) -> list[str]:
    """A markdown table: per set, the in-scope questions, how many never reach the resolver and where they go;
    the same for the out-of-scope questions."""
    lines = ["| set | in scope | never reach the resolver | % | their first action "
             "| out of scope | never reach the resolver | % | their first action |",
             "|---|---|---|---|---|---|---|---|---|"]
    for t in [*tallies, _total(tallies)]:
        inside = _counted(t.in_scope, t.missed, t.elsewhere)
        outside = _counted(t.out_of_scope, t.outside_missed, t.outside_elsewhere)
        lines.append(f"| {t.name} | {inside} | {outside} |")
    return lines


def _counted(total: int, missed: int, elsewhere: Counter) -> str:
    """Questions, how many went elsewhere, their share and the commonest first actions, as table cells."""
    where = ", ".join(f"{action} {n}" for action, n in elsewhere.most_common(4))
    return f"{total} | {missed} | {100 * missed / total if total else 0.0:.1f} | {where}"


def _total(tallies: list[RoutingTally]) -> RoutingTally:
    """The sum of all tallies."""
    total = RoutingTally("**all**")
    for t in tallies:
        total.in_scope += t.in_scope
        total.elsewhere.update(t.elsewhere)
        total.out_of_scope += t.out_of_scope
        total.outside_elsewhere.update(t.outside_elsewhere)
    return total


def main(argv: list[str] | None = None) -> int:
    """Print the routing table for the sets given."""
    parser = argparse.ArgumentParser(description="在标注好的问题集上统计：哪些办事问题在对话里没有交给事项识别")
    parser.add_argument("model", type=Path)
    parser.add_argument("sets", nargs="+", type=Path)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    print("\n".join(table(asyncio.run(tally_sets(args.model, args.sets)))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
