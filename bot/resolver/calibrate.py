"""Choosing the decide / ask / abstain thresholds, never from the held-out evaluation sets.

Two sources can be used. The calibration set (eval/calibration/, written apart from both the training data and
the held-out sets, and used for nothing else) is resolved once; each threshold setting of a grid is then
applied to the same rankings (each question decided once per distinct path through the settings its decision
reads, not once per setting: see `grid_outcomes`). Without it, each training question is scored by a ranker
trained without its fold, on features that leave the question itself out (optimistic: a question is always
close to its own affair's other phrasings). Either way, among the settings whose wrong rate and out-of-scope
abstention meet the targets and whose right answers are within one standard error of the best, the one that
changes the fewest current settings is recommended.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from bot.evaluation import VERDICTS, Labelled, is_right, judge
from bot.resolver.ranker import Ranker
from bot.resolver.resolver import Candidate, Ranking, Resolver, ResolverSettings, decide

FOLDS = 5
# A default changes only when the best setting is right this much more often than the current one (or the
# current one misses a target): on some 650 questions a point is about one standard error, so a smaller gain
# is noise, and chasing it swaps settings back and forth from one change of the knowledge to the next.
MIN_GAIN = 0.01
WRONG_COST = 3.0
GRID = {"sure": (0.3, 0.6), "rival_ratio": (0.3, 0.5, 0.7), "plausible": (0.2, 0.3, 0.4),
        "not_ours": (0.2, 0.3, 0.4, 0.6), "overrule": (0.7, 0.8, 0.9, 0.95, 1.01),
        "not_ours_known": (0.3, 0.5, 1.01), "umbrella": (-0.25, 0.0, 0.25, 99.0),
        "widen": (-1.0, -0.5, 0.0, 99.0), "alternatives": (0.01, 0.03, 0.1, 99.0),
        "none_lead": (-0.5, -0.4, -0.3, 99.0)}


@dataclass(frozen=True)
class Outcome:
    """Shares of questions under one threshold setting, counted as the evaluation table counts them: an
    out-of-scope question is right when declined and wrong when an affair is named or offered."""

    settings: ResolverSettings
    right: float
    asked: float
    wrong: float
    outside_abstained: float
    questions: int = 0  # how many questions the shares are of

    def meets(self, max_wrong: float = 0.02, min_abstained: float = 0.95) -> bool:
        """Whether this setting meets the targets."""
        return self.wrong <= max_wrong and self.outside_abstained >= min_abstained

    @property
    def standard_error(self) -> float:
        """The standard error of the right share: how far it moves by chance on this many questions."""
        return float(np.sqrt(self.right * (1.0 - self.right) / max(self.questions, 1)))

    @property
    def utility(self) -> float:
        """Right answers (honest abstentions included), less three for each wrong one (a wrong affair is
        worse than a question); the order among settings that miss the targets."""
        return self.right - WRONG_COST * self.wrong


def out_of_fold(resolver: Resolver) -> tuple[list[list[Candidate]], np.ndarray]:
    """Every training question's candidates with out-of-fold probabilities, and its true affair (-1: none)."""
    features, labels, question, candidate, truth = resolver.training_rows(groups=True)
    fold_of = question % FOLDS
    probs = np.zeros(len(labels))
    for fold in range(FOLDS):
        test = fold_of == fold
        probs[test] = Ranker().fit(features[~test], labels[~test]).probabilities(features[test])
    count = int(question.max()) + 1 if len(question) else 0
    ranked: list[list[Candidate]] = [[] for _ in range(count)]
    truths = np.full(count, -1)
    for q, c, p, t in zip(question, candidate, probs, truth, strict=True):
        ranked[q].append(Candidate(str(c), "", float(p)))
        truths[q] = t
    return [sorted(r, key=lambda c: -c.score) for r in ranked], truths


def outcome(ranked: list[list[Candidate]], truths: np.ndarray, settings: ResolverSettings) -> Outcome:
    """Tally the decisions of one setting on the training questions (truth -1: no affair of ours)."""
    return grid_outcomes(_training_labels(truths), _deciding(ranked), [settings])[0]


def labelled_outcome(rankings: list[tuple[Labelled, Ranking]], settings: ResolverSettings) -> Outcome:
    """Tally the decisions of one setting on labelled questions, with the evaluation's verdicts."""
    return grid_outcomes([row for row, _ in rankings], [ranking.decide for _, ranking in rankings], [settings])[0]


def _deciding(ranked: list[list[Candidate]]) -> list[Callable[[ResolverSettings], Any]]:
    """For each training question's candidates, its decision under a setting."""
    return [lambda s, candidates=candidates: decide(candidates, [], s) for candidates in ranked]


def grid(base: ResolverSettings) -> list[ResolverSettings]:
    """Every threshold setting to try (the settings outside GRID as in `base`)."""
    return [replace(base, **dict(zip(GRID, values, strict=True)))
            for values in itertools.product(*GRID.values())]


def calibrate(resolver: Resolver, max_wrong: float = 0.02, min_abstained: float = 0.95,
              labelled: list[Labelled] | None = None, progress: bool = False) -> list[Outcome]:
    """Every grid setting's outcome, the ones meeting the targets first, most right first (then fewest
    wrong, then most out-of-scope questions declined).

    With `labelled` questions (the calibration set) the rankings of those questions are used;
    without, the out-of-fold rankings of the training questions. `progress` prints to stderr how many
    questions are done.
    """
    settings = grid(resolver.settings)
    if labelled:
        rankings = [resolver.ranking(row.text) for row in labelled]
        rows, decisions = labelled, [ranking.decide for ranking in rankings]
    else:
        ranked, truths = out_of_fold(resolver)
        rows, decisions = _training_labels(truths), _deciding(ranked)
    outcomes = grid_outcomes(rows, decisions, settings, progress)

    def order(o: Outcome) -> tuple:
        # among equally right settings, the fewer wrong and the more out-of-scope questions declined, the better
        return (0, -o.right, o.wrong, -o.outside_abstained) if o.meets(max_wrong, min_abstained) else \
            (1, -o.utility, o.wrong)

    return sorted(outcomes, key=order)


@dataclass
class _Node:
    """A point in one question's decision: the setting read next, or the verdict once nothing more is read."""

    setting: str | None = None
    children: dict[Any, _Node] = field(default_factory=dict)
    verdict: int | None = None


class _Reading:
    """Threshold settings that note, in order, which of them a decision reads and the values it got."""

    def __init__(self, settings: ResolverSettings):
        self._settings = settings
        self.read: list[tuple[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._settings, name)
        self.read.append((name, value))
        return value


def grid_outcomes(rows: Sequence[Labelled], decisions: Sequence[Callable[[ResolverSettings], Any]],
                  settings: list[ResolverSettings], progress: bool = False) -> list[Outcome]:
    """The outcome of every setting, counted as the evaluation table counts (an out-of-scope question is right when
    declined), without deciding each question once per setting (276,480 settings x 5,000 questions is hours).

    A question's decision reads a few settings, and which one it reads next depends only on the values it has
    read so far. So each question's decisions form a small tree: one decision per leaf, found by deciding once
    with any setting that reaches it, and every setting of the grid is sorted down the tree at once."""
    columns = {f.name: np.asarray([getattr(s, f.name) for s in settings]) for f in fields(ResolverSettings)}
    count = len(settings)
    right, asked, wrong = np.zeros(count, int), np.zeros(count, int), np.zeros(count, int)
    outside, declined = 0, np.zeros(count, int)
    for done, (row, decision) in enumerate(zip(rows, decisions, strict=True), 1):
        verdicts = np.empty(count, dtype=np.int8)
        tree = _Node()
        _sort_down(tree, tree, np.arange(count), columns, verdicts, _decider(row, decision, settings))
        right += np.asarray([is_right(row, v) for v in VERDICTS])[verdicts]
        asked += verdicts == VERDICTS.index("asked")
        wrong += verdicts == VERDICTS.index("wrong")
        if row.expect == "-":
            outside += 1
            declined += verdicts == VERDICTS.index("abstained")
        if progress and (done % 500 == 0 or done == len(rows)):
            print(f"校准：已完成 {done}/{len(rows)} 个问题", file=sys.stderr, flush=True)
    total = max(len(rows), 1)
    return [Outcome(s, float(right[k]) / total, float(asked[k]) / total, float(wrong[k]) / total,
                    float(declined[k]) / outside if outside else 0.0, len(rows)) for k, s in enumerate(settings)]


def _decider(row: Labelled, decision: Callable[[ResolverSettings], Any],
             settings: list[ResolverSettings]) -> Callable[[int], tuple[list[tuple[str, Any]], int]]:
    """Decide the question under setting k: the settings read, in order, and the verdict's index."""
    def decide_under(k: int) -> tuple[list[tuple[str, Any]], int]:
        reading = _Reading(settings[k])
        verdict = judge(row.expect, decision(reading))  # type: ignore[arg-type]
        return reading.read, VERDICTS.index(verdict)
    return decide_under


def _sort_down(node: _Node, root: _Node, chosen: np.ndarray, columns: dict[str, np.ndarray],
               verdicts: np.ndarray, decide_under: Callable[[int], tuple[list[tuple[str, Any]], int]]) -> None:
    """Give each setting in `chosen` (all of which reach `node` of the tree `root`) its verdict, deciding once per
    new leaf."""
    if node.verdict is None and node.setting is None:  # not reached before: decide, and note the path
        read, verdict = decide_under(int(chosen[0]))
        _note(root, read, verdict)
        if node.verdict is None and node.setting is None:
            raise RuntimeError("a decision read its settings differently under the same values")
    if node.verdict is not None:
        verdicts[chosen] = node.verdict
        return
    values = columns[node.setting][chosen]
    for value in np.unique(values):
        child = node.children.setdefault(value.item(), _Node())
        _sort_down(child, root, chosen[values == value], columns, verdicts, decide_under)


def _note(root: _Node, read: list[tuple[str, Any]], verdict: int) -> None:
    """Add one decision's path (the settings read and their values) and its verdict to the tree."""
    node = root
    for name, value in read:
        node.setting = name
        node = node.children.setdefault(value, _Node())
    node.verdict = verdict


def _training_labels(truths: np.ndarray) -> list[Labelled]:
    """The training questions as labelled rows (truth -1: no affair of ours)."""
    return [Labelled("training", k, "", "-" if truth < 0 else str(truth)) for k, truth in enumerate(truths)]


def changed(settings: ResolverSettings, current: ResolverSettings) -> list[str]:
    """The grid's settings whose values differ from the current ones."""
    return [name for name in GRID if getattr(settings, name) != getattr(current, name)]


def recommended(outcomes: list[Outcome], current: ResolverSettings, max_wrong: float = 0.02,
                min_abstained: float = 0.95) -> Outcome:
    """The setting to recommend from `calibrate`'s ordered outcomes: among those that meet the targets and
    are right within one standard error of the best, the one that changes the fewest current settings
    (then the most right). A grid of nine settings searched on some 1,500 questions finds rows that win by
    a question or two; those wins are chance, and taking them would move settings that make no difference.
    When no setting meets the targets, the best utility."""
    meeting = [o for o in outcomes if o.meets(max_wrong, min_abstained)]
    if not meeting:
        return outcomes[0]
    best = meeting[0]
    close = [o for o in meeting if o.right >= best.right - best.standard_error]
    return min(close, key=lambda o: (len(changed(o.settings, current)), -o.right, o.wrong))


def worth_changing(best: Outcome, current: Outcome, max_wrong: float = 0.02, min_abstained: float = 0.95) -> bool:
    """Whether the recommended setting should replace the current defaults (see MIN_GAIN).

    Only a setting that meets the targets may: when none does, the best-utility row trades right answers
    for fewer wrong ones on the calibration set, and twice that trade did not carry over to fresh
    questions (eval/README.md, "Advice that was not taken"), so it is shown for information only."""
    if not best.meets(max_wrong, min_abstained):
        return False
    return not current.meets(max_wrong, min_abstained) or best.right - current.right > MIN_GAIN
