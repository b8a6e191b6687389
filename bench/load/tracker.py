"""The check against the tracker store: for each sender, the user messages stored (events of type 'user', in
id order) must be the messages it sent and got answered, in order, with nothing lost or doubled.

Turns that failed may or may not be stored (a message can be processed after the edge gave up waiting); they
are allowed anywhere in their place, never twice. Texts the edge masked before Rasa saw them (〔...〕) match any
text in their place.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, create_engine, text

from bench.load.records import Turn

MASKED = re.compile(r"〔[^〕]*〕")
BATCH = 500


@dataclass
class TrackerCheck:
    """What the tracker store holds compared with what was sent."""

    senders: int = 0
    answered: int = 0
    stored: int = 0
    lost: int = 0          # answered turns missing from the store
    reordered: int = 0     # stored out of the order they were sent in
    duplicated: int = 0    # stored more often than sent
    unexpected: int = 0    # stored user messages that were never sent by this sender
    examples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.reordered or self.duplicated or self.unexpected)

    def note(self, problem: str) -> None:
        if len(self.examples) < 5:
            self.examples.append(problem)


def same_text(sent: str, stored: str) -> bool:
    """Whether `stored` is `sent`, possibly with parts masked by the edge."""
    if sent == stored:
        return True
    if not MASKED.search(stored):
        return False
    pattern = ".+".join(re.escape(part) for part in MASKED.split(stored))
    return re.fullmatch(pattern, sent, flags=re.DOTALL) is not None


def compare(turns: list[Turn], stored: list[str], check: TrackerCheck) -> None:
    """Add one sender's comparison to `check`. `turns` in seq order, `stored` in id order."""
    sender = turns[0].sender if turns else "?"
    used: set[int] = set()
    last = -1
    for text_stored in stored:
        match = next((t.seq for t in turns if t.seq not in used and same_text(t.text, text_stored)), None)
        if match is None:
            again = any(same_text(t.text, text_stored) for t in turns)
            if again:
                check.duplicated += 1
                check.note(f"{sender[:13]}… stored {text_stored[:20]!r} twice")
            else:
                check.unexpected += 1
                check.note(f"{sender[:13]}… stored {text_stored[:20]!r}, never sent")
            continue
        used.add(match)
        if match < last:
            check.reordered += 1
            check.note(f"{sender[:13]}… turn {match} stored after turn {last}")
        last = max(last, match)
    for turn in turns:
        if turn.answered:
            check.answered += 1
            if turn.seq not in used:
                check.lost += 1
                check.note(f"{sender[:13]}… answered turn {turn.seq} {turn.text[:20]!r} not stored")


def stored_messages(url: str, senders: Iterable[str]) -> dict[str, list[str]]:
    """The user messages of these senders as stored, in id order."""
    senders = list(senders)
    found: dict[str, list[str]] = defaultdict(list)
    engine = create_engine(url, future=True)
    query = text("SELECT sender_id, data FROM events WHERE type_name = 'user' AND sender_id IN :senders "
                 "ORDER BY id").bindparams(bindparam("senders", expanding=True))
    try:
        with engine.connect() as connection:
            for start in range(0, len(senders), BATCH):
                for row in connection.execute(query, {"senders": senders[start:start + BATCH]}):
                    found[row.sender_id].append(str(json.loads(row.data).get("text") or ""))
    finally:
        engine.dispose()
    return found


def check_tracker(url: str, turns: list[Turn]) -> TrackerCheck:
    """Compare every sender's turns with the tracker store at `url`."""
    by_sender: dict[str, list[Turn]] = defaultdict(list)
    for turn in turns:
        by_sender[turn.sender].append(turn)
    stored = stored_messages(url, by_sender)
    check = TrackerCheck(senders=len(by_sender))
    for sender, own in by_sender.items():
        own.sort(key=lambda turn: turn.seq)
        check.stored += len(stored.get(sender, []))
        compare(own, stored.get(sender, []), check)
    return check
