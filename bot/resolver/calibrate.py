"""Choosing the decide / ask / abstain thresholds from the knowledge's own questions, never from eval/.

Each training question (a phrasing, or an out-of-scope question) is scored by a ranker that was trained
without its fold, on features that leave the question itself out. The decisions those scores lead to,
under each threshold setting of a grid, are tallied like the evaluation does; the setting with the most
right answers whose wrong rate and out-of-scope abstention meet the targets is recommended.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np

from bot.resolver.ranker import Ranker
from bot.resolver.resolver import Candidate, Resolver, ResolverSettings, decide

FOLDS = 5
GRID = {"sure": (0.3, 0.4, 0.5, 0.6, 0.7, 0.8), "rival_ratio": (0.3, 0.5, 0.7),
        "plausible": (0.05, 0.1, 0.15, 0.2, 0.3)}


@dataclass(frozen=True)
class Outcome:
    """Shares of training questions under one threshold setting."""

    settings: ResolverSettings
    right: float
    asked: float
    wrong: float
    outside_abstained: float


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
    """Tally the decisions of one setting."""
    right = asked = wrong = outside = outside_abstained = 0
    for candidates, truth in zip(ranked, truths, strict=True):
        result = decide(candidates, [], settings)
        if truth < 0:
            outside += 1
            outside_abstained += result.affair is None and not result.clarify
            continue
        if result.affair is not None:
            right += result.affair == str(truth)
            wrong += result.affair != str(truth)
        elif str(truth) in result.clarify:
            asked += 1
        elif result.clarify:
            wrong += 1
    inside = max(len(truths) - outside, 1)
    return Outcome(settings, right / inside, asked / inside, wrong / inside, outside_abstained / max(outside, 1))


def calibrate(resolver: Resolver, max_wrong: float = 0.01, min_abstained: float = 0.97) -> list[Outcome]:
    """Every grid setting's outcome, the ones meeting the targets first, most right first."""
    ranked, truths = out_of_fold(resolver)
    outcomes = [outcome(ranked, truths, replace(resolver.settings, sure=s, rival_ratio=r, plausible=p))
                for s, r, p in itertools.product(GRID["sure"], GRID["rival_ratio"], GRID["plausible"])]
    return sorted(outcomes, key=lambda o: (not (o.wrong <= max_wrong and o.outside_abstained >= min_abstained),
                                           -o.right, o.wrong))
