"""Precision and recall of the extractor per entity kind on a labelled set (`python -m bot entities report FILE`).

The labelled set is a TSV file, one message a line: the text, a tab, and the entities it holds as
``kind=value`` pairs joined by ``;`` (no tab, or nothing after it, when it holds none). Values are the
canonical ones (`bot.entities.kinds`); a district may be written as its place code or official name.
Blank lines and lines starting with ``#`` are skipped::

    我在余杭区办的	district=余杭区
    手机尾号１２３４，编号ZJ2026330106000101	phone_last4=1234;case_number=ZJ2026330106000101
    余额不足
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.entities.extractor import EntityExtractor, default_extractor
from bot.entities.kinds import DISTRICT, KINDS, Entity


@dataclass(frozen=True)
class Labelled:
    """One labelled message: its text, its expected (kind, value) pairs, and where it is written."""

    text: str
    expected: tuple[tuple[str, str], ...]
    line: int


@dataclass
class Tally:
    """Counts for one kind: true positives, false positives, false negatives, and the misses."""

    kind: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Share of found entities that are right (1.0 when nothing was found)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of labelled entities that were found (1.0 when nothing is labelled)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def read_labelled(path: Path) -> list[Labelled]:
    """The labelled messages of a TSV file; raises ValueError naming the line of a malformed label."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        text, _, labels = line.partition("\t")
        expected = []
        for label in filter(None, (part.strip() for part in labels.split(";"))):
            kind, sep, value = label.partition("=")
            if not sep or kind not in KINDS or not value:
                raise ValueError(f"{path}:{number}: bad label {label!r} (kind=value, kinds: {', '.join(KINDS)})")
            expected.append((kind, value))
        rows.append(Labelled(text, tuple(expected), number))
    return rows


def _canonical(extractor: EntityExtractor) -> Callable[[str, str], str]:
    """Labels as the extractor writes values: a district's official name becomes its code."""
    codes = {p.name: code for code, p in extractor.places.items()}

    def canonical(kind: str, value: str) -> str:
        return codes.get(value, value) if kind == DISTRICT else value

    return canonical


def score(rows: Iterable[Labelled], extractor: EntityExtractor) -> dict[str, Tally]:
    """One tally per kind (in `KINDS` order) over the labelled messages."""
    canonical = _canonical(extractor)
    tallies = {kind: Tally(kind) for kind in KINDS}
    for row in rows:
        found: list[Entity] = extractor.extract(row.text)
        gold = Counter((k, canonical(k, v)) for k, v in row.expected)
        got = Counter((e.kind, str(e.value)) for e in found)
        for kind, tally in tallies.items():
            want = Counter({key: n for key, n in gold.items() if key[0] == kind})
            have = Counter({key: n for key, n in got.items() if key[0] == kind})
            hit = sum((want & have).values())
            tally.tp += hit
            tally.fp += sum(have.values()) - hit
            tally.fn += sum(want.values()) - hit
            if want != have:
                tally.misses.append(f"{row.line}: {row.text}  期望 {_pairs(want)}，识别 {_pairs(have)}")
    return tallies


def _pairs(counts: Counter[tuple[str, str]]) -> str:
    return ";".join(f"{k}={v}" for (k, v), n in sorted(counts.items()) for _ in range(n)) or "（无）"


def overall(tallies: dict[str, Tally]) -> Tally:
    """All kinds together (micro average)."""
    total = Tally("all")
    for tally in tallies.values():
        total.tp, total.fp, total.fn = total.tp + tally.tp, total.fp + tally.fp, total.fn + tally.fn
    return total


def table(tallies: dict[str, Tally]) -> str:
    """A plain-text table: per kind the labelled and found counts, precision and recall."""
    lines = [f"{'kind':<12} {'labelled':>8} {'found':>6} {'right':>6} {'precision':>9} {'recall':>7}"]
    for tally in [*tallies.values(), overall(tallies)]:
        lines.append(f"{tally.kind:<12} {tally.tp + tally.fn:>8} {tally.tp + tally.fp:>6} {tally.tp:>6} "
                     f"{tally.precision:>9.3f} {tally.recall:>7.3f}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """`python -m bot entities report FILE [--misses]`: print the table (and the misses); exit 0."""
    rows = read_labelled(args.file)
    tallies = score(rows, default_extractor())
    print(f"{args.file}: {len(rows)} 条")
    print(table(tallies))
    if args.misses:
        for tally in tallies.values():
            for miss in tally.misses:
                print(f"[{tally.kind}] {miss}")
    return 0
