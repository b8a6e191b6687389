"""Scoring the resolver on labelled question sets (the format of ../shared/eval/dev.tsv).

Every question gets one verdict: right, asked (the person is asked to choose, and the right affair is
among the choices, or only part of an ambiguous set is offered), wrong (another affair is named, or the
choices miss the one meant, or an out-of-scope question gets choices), abstained (nothing named, nothing
offered).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.resolver import Resolution

VERDICTS = ("right", "asked", "wrong", "abstained")
# How sure the interval of a share is meant to be (the pooled row of the table).
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Labelled:
    """One question and what the assistant should do with it."""

    file: str
    line: int
    text: str
    expect: str

    @property
    def group(self) -> str:
        """clear, ambiguous or out-of-scope."""
        return "out-of-scope" if self.expect == "-" else "ambiguous" if self.expect.startswith("?") else "clear"


def read_labelled(path: Path) -> list[Labelled]:
    """The questions of one TSV file (TEXT<TAB>EXPECT; # starts a comment)."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        text, expect = line.split("\t")
        rows.append(Labelled(str(path), number, text, expect.strip()))
    return rows


def tsv_files(path: Path) -> list[Path]:
    """The TSV files of a set: every one under a directory, or the file itself."""
    return sorted(path.rglob("*.tsv")) if path.is_dir() else [path]


def judge(expect: str, result: Resolution) -> str:
    """The verdict for one question."""
    chosen, offered = result.affair, set(result.clarify)
    if expect == "-":
        return "abstained" if chosen is None and not offered else "wrong"
    if chosen is None and not offered:
        return "abstained"
    if expect.startswith("?"):
        wanted = set(expect[1:].split("|"))
        if chosen is not None:
            return "wrong"
        return "right" if wanted <= offered else "asked" if wanted & offered else "wrong"
    if chosen is not None:
        return "right" if chosen == expect else "wrong"
    return "asked" if expect in offered else "wrong"


def is_right(row: Labelled, verdict: str) -> bool:
    """An out-of-scope question is answered right by abstaining."""
    return verdict == "right" or (row.expect == "-" and verdict == "abstained")


@dataclass
class Tally:
    """Verdict counts of one set of questions."""

    name: str
    counts: Counter = field(default_factory=Counter)
    right: int = 0
    seen: int = 0  # questions that are word for word a text the resolver learned from
    outside: int = 0  # questions that are no affair of ours (near misses) ...
    declined: int = 0  # ... and how many of them were declined
    misses: list[tuple[Labelled, Resolution, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many questions were scored."""
        return sum(self.counts.values())

    def share(self, count: int) -> float:
        """count as a share of the total."""
        return count / self.total if self.total else 0.0

    def declined_share(self) -> str:
        """The share of near misses declined (a target of its own), or a dash when the set has none."""
        return f"{self.declined / self.outside:.1%}" if self.outside else "—"

    def add(self, row: Labelled, result: Resolution) -> None:
        """Count one question's verdict and remember it when it was not right."""
        verdict = judge(row.expect, result)
        self.counts[verdict] += 1
        if row.group == "out-of-scope":
            self.outside += 1
            self.declined += verdict == "abstained"
        if is_right(row, verdict):
            self.right += 1
        else:
            self.misses.append((row, result, verdict))


def score(rows: Iterable[Labelled], resolve: Callable[[str], Resolution], name: str,
          learned_from: Callable[[str], bool] | None = None) -> Tally:
    """Resolve every question and tally the verdicts (and, with `learned_from`, how many questions the
    resolver learned from word for word: those say nothing about how it generalises)."""
    tally = Tally(name)
    for row in rows:
        tally.add(row, resolve(row.text))
        tally.seen += bool(learned_from and learned_from(row.text))
    return tally


def pooled(tallies: list[Tally], name: str) -> Tally:
    """Several sets' tallies as one, their questions together: one set of a few hundred questions reads a share
    to within about a point either way, so a target is best read on all of them at once."""
    together = Tally(name)
    for tally in tallies:
        together.counts.update(tally.counts)
        together.right += tally.right
        together.seen += tally.seen
        together.outside += tally.outside
        together.declined += tally.declined
        together.misses += tally.misses
    return together


def wilson_interval(count: int, total: int) -> tuple[float, float]:
    """The Wilson score interval (scipy's, at CONFIDENCE) of the share count / total; (0, 1) when there is
    nothing."""
    from scipy.stats import binomtest

    if total <= 0:
        return 0.0, 1.0
    interval = binomtest(count, total).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
    return float(interval.low), float(interval.high)


def interval_note(tally: Tally) -> str:
    """The intervals of a tally's right and wrong shares, for a row's name."""
    right = wilson_interval(tally.right, tally.total)
    wrong = wilson_interval(tally.counts["wrong"], tally.total)
    return (f"{CONFIDENCE * 100:.0f} % interval: right {right[0]:.1%}–{right[1]:.1%}, "
            f"wrong {wrong[0]:.1%}–{wrong[1]:.1%}")


def table(tallies: list[Tally]) -> str:
    """A Markdown table: right / asked / wrong / abstained counts and the shares that have targets (right, wrong,
    and near misses declined)."""
    lines = ["| set | questions | in training | right | asked | wrong | abstained | right % | wrong % "
             "| near misses declined |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for t in tallies:
        c = t.counts
        lines.append(f"| {t.name} | {t.total} | {t.seen} | {t.right} | {c['asked']} | {c['wrong']} | "
                     f"{c['abstained']} | {t.share(t.right):.1%} | {t.share(c['wrong']):.1%} | "
                     f"{t.declined_share()} |")
    return "\n".join(lines)


def miss_lines(tally: Tally) -> list[str]:
    """One line per question that was not right, with what the resolver did."""
    lines = []
    for row, result, verdict in tally.misses:
        did = result.affair or ("问：" + "|".join(result.clarify) if result.clarify else "不是我的事")
        lines.append(f"{verdict:9} {Path(row.file).name}:{row.line} {row.text}  → {did}  （应为 {row.expect}）")
    return lines
