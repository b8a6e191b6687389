"""Scores each candidate affair for a question: how likely it is the one meant, from 0 to 1.

The ranker does not know affairs by name: it learns, from the knowledge's own questions and phrasings
(each compared with everything but itself), which similarity patterns mark the right affair and which
mark a near miss. So it serves any number of affairs, and an edit to the knowledge retrains it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from bot.resolver.index import ExampleIndex, Similarities

_EPS = 0.01
FEATURES = ("best", "top3", "profile", "best_share", "profile_share", "best_gap", "profile_gap", "rank",
            "outside", "outside_ratio", "known_words", "outside_words", "own_words", "bundle_unasked", "length",
            "not_ours")


@dataclass(frozen=True)
class QueryFacts:
    """What the ranker knows about a question apart from its similarities."""

    words: tuple[str, ...]
    bundle_marker: bool


def shortlist(best: np.ndarray, profile: np.ndarray, size: int) -> np.ndarray:
    """The `size` affairs with the highest retrieval score, best first."""
    combined = 0.5 * best + 0.5 * profile
    if size < combined.shape[0]:
        top = np.argpartition(-combined, size)[:size]
        return top[np.argsort(-combined[top])]
    return np.argsort(-combined)


class CandidateFeatures:
    """Feature rows for the shortlisted affairs of one question."""

    def __init__(self, index: ExampleIndex, affair_words: list[set[str]], is_bundle: np.ndarray):
        self.index = index
        self.affair_words = affair_words
        self.is_bundle = is_bundle

    def rows(self, sims: Similarities, k: int, facts: QueryFacts, candidates: np.ndarray) -> np.ndarray:
        """One row of FEATURES per candidate, for query k of the batch."""
        best, profile = sims.best[k], sims.profile[k]
        content = [w for w in facts.words if len(w) >= 2] or list(facts.words)
        known = _share(content, self.index.vocabulary)
        outside_only = _share(content, self.index.outside_vocabulary)
        top_best, top_profile = _two_largest(best), _two_largest(profile)
        length = np.log1p(len(content))
        out = np.zeros((len(candidates), len(FEATURES)), dtype=np.float32)
        for r, affair in enumerate(candidates):
            others_best = top_best[1] if best[affair] >= top_best[0] else top_best[0]
            others_profile = top_profile[1] if profile[affair] >= top_profile[0] else top_profile[0]
            out[r] = (best[affair], self.index.top_mean(sims.rows[k], affair), profile[affair],
                      best[affair] / max(top_best[0], _EPS), profile[affair] / max(top_profile[0], _EPS),
                      best[affair] - others_best, profile[affair] - others_profile, r,
                      sims.outside[k], sims.outside[k] / max(best[affair], _EPS), known, outside_only,
                      _share(content, self.affair_words[affair]),
                      float(self.is_bundle[affair] and not facts.bundle_marker), length, sims.not_ours[k])
        return out


def _two_largest(values: np.ndarray) -> tuple[float, float]:
    if values.shape[0] < 2:
        return (float(values.max(initial=0.0)), 0.0)
    first, second = np.partition(values, -2)[-2:][::-1]
    return float(max(first, second)), float(min(first, second))


def _share(words: list[str], vocabulary: set[str]) -> float:
    return sum(w in vocabulary for w in words) / len(words) if words else 0.0


class Ranker:
    """Logistic regression over candidate features and their pairwise products: P(candidate is meant).

    A linear model keeps a prediction to one small matrix product (well under a millisecond); the
    pairwise products let it weigh, say, a close example against an equally close out-of-scope one.
    """

    def __init__(self, strength: float = 1.0):
        self._model = make_pipeline(PolynomialFeatures(degree=2, include_bias=False), StandardScaler(),
                                    LogisticRegression(C=strength, max_iter=2000))
        self._weights: np.ndarray | None = None
        self._constant = 0.0

    def fit(self, features: np.ndarray, labels: np.ndarray) -> Ranker:
        """Learn from candidate rows labelled 1 (the affair meant) or 0."""
        if len(set(labels.tolist())) < 2:
            self._constant = float(labels.mean()) if len(labels) else 0.0
            return self
        self._model.fit(features, labels)
        self._weights = self._model[-1].coef_.ravel()
        return self

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """P(the affair meant) for each candidate row."""
        if self._weights is None:
            return np.full(features.shape[0], self._constant, dtype=np.float64)
        expanded = self._model[1].transform(self._model[0].transform(features))
        logits = expanded @ self._weights + self._model[-1].intercept_[0]
        return 1.0 / (1.0 + np.exp(-logits))
