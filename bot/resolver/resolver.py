"""Ranks affairs for a text and decides: one affair, a short list to choose from, or none."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from bot.catalog.catalog import Catalog
from bot.catalog.domain import Affair
from bot.resolver.text import Analyzer

# The lexicon word for "done together" (一起办, 一次办完 ...): only then is a one-thing bundle meant.
BUNDLE_MARKER = "一件事"

# How much each field of an affair counts when building its profile.
FIELD_WEIGHTS = {"name": 3.0, "short_name": 3.0, "alias": 2.0, "keyword": 1.0, "question": 1.0, "scope": 0.5}


@dataclass(frozen=True)
class ResolverSettings:
    """Decision thresholds; see README (resolver) for how they were chosen."""

    min_score: float = 0.16
    sure_margin: float = 0.05
    clarify_ratio: float = 0.75
    max_choices: int = 5
    phrase_weight: float = 0.4
    bundle_penalty: float = 0.8

    @classmethod
    def from_env(cls) -> ResolverSettings:
        """Thresholds from RESOLVER_* environment variables, defaults otherwise."""
        base = cls()
        return cls(
            min_score=float(os.environ.get("RESOLVER_MIN_SCORE", base.min_score)),
            sure_margin=float(os.environ.get("RESOLVER_SURE_MARGIN", base.sure_margin)),
            clarify_ratio=float(os.environ.get("RESOLVER_CLARIFY_RATIO", base.clarify_ratio)),
            max_choices=int(os.environ.get("RESOLVER_MAX_CHOICES", base.max_choices)),
            phrase_weight=float(os.environ.get("RESOLVER_PHRASE_WEIGHT", base.phrase_weight)),
            bundle_penalty=float(os.environ.get("RESOLVER_BUNDLE_PENALTY", base.bundle_penalty)),
        )


@dataclass(frozen=True)
class Candidate:
    """An affair and how well it matches."""

    id: str
    name: str
    score: float


@dataclass(frozen=True)
class Resolution:
    """The decision: `affair` when sure, `clarify` ids to offer when unsure, both empty for none."""

    affair: str | None
    clarify: list[str] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)

    def as_json(self) -> dict:
        """The shape of `python -m bot resolve --json`."""
        return {"affair": self.affair, "clarify": self.clarify,
                "candidates": [{"id": c.id, "name": c.name, "score": round(c.score, 4)} for c in self.candidates]}


def affair_phrases(affair: Affair) -> list[tuple[str, float]]:
    """Every text that describes the affair, with the weight of its field."""
    phrases = [(affair.name, FIELD_WEIGHTS["name"]), (affair.short_name, FIELD_WEIGHTS["short_name"])]
    phrases += [(a, FIELD_WEIGHTS["alias"]) for a in affair.aliases]
    phrases += [(k, FIELD_WEIGHTS["keyword"]) for k in affair.keywords]
    phrases += [(q, FIELD_WEIGHTS["question"]) for q in affair.questions]
    phrases.append((affair.scope, FIELD_WEIGHTS["scope"]))
    return phrases


class Resolver:
    """A TF-IDF index over affair phrases, built once per catalog snapshot."""

    def __init__(self, catalog: Catalog, settings: ResolverSettings | None = None):
        self.settings = settings or ResolverSettings()
        self._affairs = sorted(catalog.affairs.values(), key=lambda a: a.id)
        vocabulary = [p for a in self._affairs for p in (a.short_name, *a.aliases, *a.keywords)]
        self.analyzer = Analyzer(catalog.lexicon, vocabulary)
        texts, weights, owners = [], [], []
        for index, affair in enumerate(self._affairs):
            for text, weight in affair_phrases(affair):
                texts.append(text)
                weights.append(weight)
                owners.append(index)
        self._vectorizer = TfidfVectorizer(analyzer=self.analyzer.features, sublinear_tf=True, dtype=np.float32)
        phrases = self._vectorizer.fit_transform(texts)
        # an affair's phrases are contiguous: their best score is a max over each slice
        self._starts = np.searchsorted(owners, np.arange(len(self._affairs))) if owners else np.zeros(0, int)
        self._phrases = phrases.tocsc()
        weighting = sparse.csr_matrix((weights, (owners, np.arange(len(texts)))),
                                      shape=(len(self._affairs), len(texts)), dtype=np.float32)
        self._profiles = l2_normalize(weighting @ phrases).tocsc()
        self._bundle_column = self._vectorizer.vocabulary_.get(f"w:{BUNDLE_MARKER}")
        self._is_bundle = np.asarray([a.is_bundle for a in self._affairs])
        self._labels = ["|".join("".join(self.analyzer.words(t)) for t in (a.name, a.short_name, *a.aliases,
                                                                                  *a.keywords))
                        for a in self._affairs]

    def _scores(self, text: str) -> np.ndarray | None:
        """The score of every affair for the text, or None when the text shares nothing with any."""
        if not self._affairs:
            return None
        query = self._vectorizer.transform([text])
        if query.nnz == 0:
            return None
        columns, values = query.indices, query.data
        profile_scores = self._profiles[:, columns] @ values
        phrase_scores = self._phrases[:, columns] @ values
        best_phrase = np.maximum.reduceat(phrase_scores, self._starts)
        w = self.settings.phrase_weight
        scores = w * best_phrase + (1 - w) * profile_scores
        if self._bundle_column is None or self._bundle_column not in columns:
            scores = scores * np.where(self._is_bundle, self.settings.bundle_penalty, 1.0)
        return scores

    def _candidates(self, scores: np.ndarray, indexes: np.ndarray) -> list[Candidate]:
        return [Candidate(self._affairs[i].id, self._affairs[i].short_name, float(scores[i]))
                for i in indexes if scores[i] > 0]

    def rank(self, text: str, limit: int | None = None) -> list[Candidate]:
        """Affairs with a positive score, best first (the best `limit` when given)."""
        scores = self._scores(text)
        if scores is None:
            return []
        if limit is not None and limit < len(scores):
            best = np.argpartition(-scores, limit)[:limit]
            return self._candidates(scores, best[np.argsort(-scores[best])])
        return self._candidates(scores, np.argsort(-scores))

    def _bare_topic(self, text: str) -> set[int]:
        """For a bare topic (身份证怎么办, 营业执照): the plain affairs whose names carry it; else empty.

        A message whose only content word names a subject shared by several affairs says nothing about
        which of them is meant, so the person is asked rather than given the closest guess.
        """
        content = [w for w in self.analyzer.words(text) if len(w) >= 2]
        if len(content) != 1:
            return set()
        word = content[0]
        return {i for i, (a, labels) in enumerate(zip(self._affairs, self._labels, strict=True))
                if not a.is_bundle and word in labels}

    def resolve(self, text: str) -> Resolution:
        """One affair when sure, choices when unsure, nothing when no affair fits."""
        scores = self._scores(text)
        if scores is None:
            return Resolution(None, [], [])
        most = self.settings.max_choices
        order = np.argpartition(-scores, most)[:most] if most < len(scores) else np.arange(len(scores))
        top = self._candidates(scores, order[np.argsort(-scores[order])])
        if not top or top[0].score < self.settings.min_score:
            return Resolution(None, [], top)
        topic = self._bare_topic(text)
        if len(topic) >= 2:
            members = np.fromiter(topic, dtype=int)
            ordered = members[np.argsort(-scores[members])][:most]
            return Resolution(None, [self._affairs[i].id for i in ordered], top)
        cutoff = top[0].score * self.settings.clarify_ratio
        choices = [c.id for c in top if c.score >= cutoff]
        second = top[1].score if len(top) > 1 else 0.0
        if len(choices) == 1 or top[0].score - second >= self.settings.sure_margin:
            return Resolution(top[0].id, [], top)
        return Resolution(None, choices, top)
