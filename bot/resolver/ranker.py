"""Scores each candidate affair for a question: how likely it is the one meant, from 0 to 1.

The ranker does not know affairs by name: it learns, from the knowledge's own questions and phrasings
(each compared with everything but itself, and scored by an SVM that never saw it), which patterns of
similarity and SVM margin mark the right affair and which mark a near miss. So it serves any number of
affairs, and an edit to the knowledge retrains it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import ThreadpoolController

from bot.resolver.index import Similarities

FEATURES = ("best", "profile", "best_gap", "profile_gap", "outside", "bundle_unasked", "not_ours", "svm", "svm_gap",
            "svm_none")
# +1: the probability can only rise with the feature; -1: only fall.
MONOTONE = {"best": 1, "profile": 1, "best_gap": 1, "profile_gap": 1, "outside": -1, "bundle_unasked": -1,
            "not_ours": -1, "svm": 1, "svm_gap": 1, "svm_none": 1}
# OpenMP threads the trees use to fit and to predict. A question's handful of rows gains nothing from more, and
# where other processes keep the cores busy (Rasa, the database, a background fit) the threads' spin-waiting
# multiplies the time: with one busy process on two cores, p95 of a question rose from 4 to 76-128 ms with a
# thread per core, and stayed at 6 ms with one; a ranker fit beside that process took 3.1 s with two threads and
# 1.7 s with one (1.0 s and 1.5 s on an idle machine). The probabilities are the same either way.
OPENMP_THREADS = 1
# The SVM's best affairs join the retrieval shortlist even when their wording is far from every example.
SVM_SHORTLIST = 2


@dataclass(frozen=True)
class QueryFacts:
    """What the ranker knows about a question apart from its similarities and margins."""

    bundle_marker: bool  # the person asks for things done together (一起办)


def shortlist(best: np.ndarray, profile: np.ndarray, size: int, margins: np.ndarray) -> np.ndarray:
    """The `size` affairs with the highest retrieval score, best first, then the SVM's best ones not among
    them (`margins`: one per affair, then "none of ours")."""
    combined = 0.5 * best + 0.5 * profile
    if size < combined.shape[0]:
        top = np.argpartition(-combined, size)[:size]
        chosen = top[np.argsort(-combined[top])]
    else:
        return np.argsort(-combined)
    affairs = margins[:-1]
    count = min(SVM_SHORTLIST, affairs.shape[0])
    favoured = np.argpartition(-affairs, count - 1)[:count] if count else np.zeros(0, dtype=np.int64)
    extra = [a for a in favoured[np.argsort(-affairs[favoured])] if a not in chosen]
    return np.r_[chosen, np.asarray(extra, dtype=chosen.dtype)] if extra else chosen


class CandidateFeatures:
    """Feature rows for the shortlisted affairs of one question."""

    def __init__(self, is_bundle: np.ndarray):
        self.is_bundle = is_bundle

    def rows(self, sims: Similarities, k: int, facts: QueryFacts, candidates: np.ndarray) -> np.ndarray:
        """One row of FEATURES per candidate, for query k of the batch."""
        best, profile = sims.best[k], sims.profile[k]
        top_best, top_profile = _two_largest(best), _two_largest(profile)
        margins = sims.margins[k]
        affair_margins, none_margin = margins[:-1], float(margins[-1])
        top_margin = _two_largest(affair_margins)
        out = np.zeros((len(candidates), len(FEATURES)), dtype=np.float32)
        for r, affair in enumerate(candidates):
            others_best = top_best[1] if best[affair] >= top_best[0] else top_best[0]
            others_profile = top_profile[1] if profile[affair] >= top_profile[0] else top_profile[0]
            mine = float(affair_margins[affair])
            others_margin = top_margin[1] if mine >= top_margin[0] else top_margin[0]
            out[r] = (best[affair], profile[affair], best[affair] - others_best, profile[affair] - others_profile,
                      sims.outside[k], float(self.is_bundle[affair] and not facts.bundle_marker),
                      sims.not_ours[k], mine, mine - others_margin, mine - none_margin)
        return out


def _two_largest(values: np.ndarray) -> tuple[float, float]:
    if values.shape[0] < 2:
        return (float(values.max(initial=0.0)), 0.0)
    first, second = np.partition(values, -2)[-2:][::-1]
    return float(max(first, second)), float(min(first, second))


class Ranker:
    """Gradient-boosted trees over the candidate features: P(candidate is meant).

    Each feature may only push one way (a closer example or a larger SVM margin never lowers the
    probability, a closer out-of-scope question never raises it), so that a question in a corner the
    training questions never reached (one that all but repeats an affair's name) is not misjudged.
    """

    def __init__(self) -> None:
        self._model = HistGradientBoostingClassifier(max_iter=200, max_leaf_nodes=15, random_state=0,
                                                     monotonic_cst=[MONOTONE[f] for f in FEATURES])
        self._constant: float | None = None

    def fit(self, features: np.ndarray, labels: np.ndarray) -> Ranker:
        """Learn from candidate rows labelled 1 (the affair meant) or 0."""
        if len(set(labels.tolist())) < 2:
            self._constant = float(labels.mean()) if len(labels) else 0.0
            return self
        with _openmp().limit(limits=OPENMP_THREADS):
            self._model.fit(features, labels)
        return self

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """P(the affair meant) for each candidate row."""
        if self._constant is not None or features.shape[0] == 0:
            return np.full(features.shape[0], self._constant or 0.0, dtype=np.float64)
        with _openmp().limit(limits=OPENMP_THREADS):
            return self._model.predict_proba(features)[:, 1]


@cache
def _openmp() -> ThreadpoolController:
    """The process's OpenMP thread pools (the trees'), found once on first use."""
    return ThreadpoolController().select(user_api="openmp")
