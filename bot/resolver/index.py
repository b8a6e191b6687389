"""TF-IDF vectors of every text that describes an affair, and of the questions that are no affair of ours."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.preprocessing import normalize as l2_normalize

from bot.catalog.domain import OUT_OF_SCOPE, Affair
from bot.resolver.cancellation import Cancelled, never_cancelled, stop_if_cancelled
from bot.resolver.classifier import AffairClassifier
from bot.resolver.text import Analyzer

# How much each kind of text counts in an affair's profile (its weighted centroid).
FIELD_WEIGHTS = {"name": 3.0, "short_name": 3.0, "alias": 2.0, "keyword": 1.0, "question": 1.0,
                 "phrasing": 1.0, "scope": 0.5}
# Kinds of text that are whole questions a person might ask: they double as training queries.
QUERY_FIELDS = ("question", "phrasing")
# Kinds of text that name an affair.
NAME_FIELDS = ("name", "short_name", "alias")
_CHUNK = 512
NOT_OURS_FOLDS = 5
NOT_OURS_STRENGTH = 16.0
TWO_AFFAIRS_STRENGTH = 1.0
# The two-affair model is fitted only with at least this many questions of two affairs to learn from.
TWO_AFFAIRS_AT_LEAST = 5


@dataclass(frozen=True)
class Example:
    """One text of the index: whose it is (-1: no affair of ours), its kind and its weight."""

    text: str
    owner: int
    kind: str


def affair_examples(index: int, affair: Affair, phrasings: tuple[str, ...]) -> list[Example]:
    """Every text that describes the affair."""
    texts = [(affair.name, "name"), (affair.short_name, "short_name")]
    texts += [(a, "alias") for a in affair.aliases]
    texts += [(k, "keyword") for k in affair.keywords]
    texts += [(q, "question") for q in affair.questions]
    texts += [(p, "phrasing") for p in phrasings]
    texts.append((affair.scope, "scope"))
    return [Example(t, index, kind) for t, kind in texts if t]


@dataclass(frozen=True)
class TrainingQuery:
    """A training question: its text, the example rows it must not be compared with, its affair (-1: none)."""

    text: str
    inside: int | None
    outside: int | None
    label: int


@dataclass(frozen=True)
class Similarities:
    """How close a batch of queries is to each affair and to the questions that are no affair of ours."""

    rows: np.ndarray  # (queries, in-scope examples): cosine to every example
    best: np.ndarray  # (queries, affairs): closest example of each affair
    profile: np.ndarray  # (queries, affairs): cosine to each affair's profile
    outside: np.ndarray  # (queries,): closest question that is no affair of ours
    not_ours: np.ndarray  # (queries,): the word model's probability that the question is no affair of ours
    margins: np.ndarray  # (queries, affairs + 1): the SVM's margin of each affair, then of "none of ours"
    topics: np.ndarray  # (queries, umbrella topics): the SVM's margin of each topic several affairs share
    two_affairs: np.ndarray  # (queries,): the word model's probability that the question concerns two affairs


class ExampleIndex:
    """Vectors of affair texts (grouped by affair) and of out-of-scope questions, one vocabulary."""

    def __init__(self, analyzer: Analyzer, affairs: list[Affair], phrasings: dict[str, tuple[str, ...]],
                 base: ExampleIndex | None = None, umbrellas: list[tuple[str, ...]] | None = None,
                 two_affairs: list[str] | None = None, *, cancelled: Cancelled = never_cancelled):
        """Fit the vocabulary and the "not ours" model; with `base` (an index over the same affairs, lexicon
        and umbrella topics), keep base's vocabulary, weights and models and only vectorise the texts base
        lacks. `umbrellas`: for each topic several affairs share, the questions that name only the topic;
        `two_affairs`: the questions that concern two affairs or more at once. `cancelled` is asked before the
        word models and before the SVMs (FitCancelled when it answers True); it is not kept."""
        self.analyzer = analyzer
        self.examples = [e for i, a in enumerate(affairs) for e in affair_examples(i, a, phrasings.get(a.id, ()))]
        self.outside_texts = list(phrasings.get(OUT_OF_SCOPE, ()))
        self.two_affairs_texts = list(two_affairs or ())
        self.affair_count = len(affairs)
        umbrella_texts = [t for questions in umbrellas or [] for t in questions]
        topics = np.asarray([k for k, questions in enumerate(umbrellas or []) for _ in questions], dtype=np.int64)
        texts = [e.text for e in self.examples] + self.outside_texts
        if base is None:
            texts += umbrella_texts  # an extended index keeps base's classifier: it needs no vectors of them
            self.vectorizer = TfidfVectorizer(analyzer=analyzer.features, sublinear_tf=True, dtype=np.float32)
            matrix = self.vectorizer.fit_transform(texts).tocsr()
        else:
            self.vectorizer = base.vectorizer
            matrix = base._reuse_rows(texts)
        self.inside = matrix[:len(self.examples)]
        self.outside = matrix[len(self.examples):len(self.examples) + len(self.outside_texts)]
        self._umbrella_rows = matrix[len(self.examples) + len(self.outside_texts):]
        owners = np.fromiter((e.owner for e in self.examples), dtype=np.int64, count=len(self.examples))
        self.owners = owners
        self.starts = np.searchsorted(owners, np.arange(len(affairs)))
        weights = np.fromiter((FIELD_WEIGHTS[e.kind] for e in self.examples), dtype=np.float32,
                              count=len(self.examples))
        self.weights = weights
        membership = sparse.csr_matrix((weights, (owners, np.arange(len(owners)))),
                                       shape=(len(affairs), len(owners)), dtype=np.float32)
        raw = (membership @ self.inside).tocsr()
        self.profile_norms = np.sqrt(np.asarray(raw.multiply(raw).sum(axis=1)).ravel())
        self.raw_profiles = raw
        self.profiles = l2_normalize(raw)
        self._inside_t = self.inside.T.tocsr()
        self._outside_t = self.outside.T.tocsr()
        self._profiles_t = self.profiles.T.tocsr()
        self.name_rows = np.asarray([e.kind in NAME_FIELDS for e in self.examples], dtype=bool)
        if base is None:
            stop_if_cancelled(cancelled, "the word models")
            self._not_ours, self._not_ours_held_out = self._fit_not_ours()
            self._two_affairs = self._fit_two_affairs()
            stop_if_cancelled(cancelled, "the SVMs")
            kinds = [e.kind for e in self.examples]
            self.classifier = AffairClassifier(self.inside, owners, np.asarray([k != "scope" for k in kinds]),
                                               np.asarray([k in QUERY_FIELDS for k in kinds]), self.outside,
                                               len(affairs), umbrella=self._umbrella_rows,
                                               topics=topics)
        else:  # no held-out answers: an extended index serves questions, it does not train a ranker
            self._not_ours, self._not_ours_held_out = base._not_ours, {}
            self._two_affairs = base._two_affairs
            self.classifier = base.classifier
        known = {} if base is None else dict(zip((e.text for e in base.examples), base.example_words, strict=True))
        self.example_words = [known[e.text] if e.text in known else tuple(analyzer.words(e.text))
                              for e in self.examples]  # read once, used thrice
        self.vocabulary = {w for words in self.example_words for w in words}

    def _reuse_rows(self, texts: list[str]) -> sparse.csr_matrix:
        """Vectors of texts: the stored row of a text this index holds, a fresh one (same vocabulary) else."""
        stored = {e.text: ("inside", i) for i, e in enumerate(self.examples)}
        stored.update({t: ("outside", j) for j, t in enumerate(self.outside_texts)})
        fresh_texts = [t for t in dict.fromkeys(texts) if t not in stored]
        fresh = dict(zip(fresh_texts, range(len(fresh_texts)), strict=True))
        fresh_rows = self.transform(fresh_texts) if fresh_texts else None
        rows = []
        for text in texts:
            if text in stored:
                part, i = stored[text]
                rows.append((self.inside if part == "inside" else self.outside)[i])
            else:
                rows.append(fresh_rows[fresh[text]])
        if not rows:
            return sparse.csr_matrix((0, len(self.vectorizer.vocabulary_)), dtype=np.float32)
        return sparse.vstack(rows).tocsr()

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """TF-IDF vectors of texts in the index's vocabulary."""
        return self.vectorizer.transform(texts).tocsr()

    def _training_rows(self) -> list[int]:
        """The in-scope examples that are whole questions (they double as training queries)."""
        return [i for i, e in enumerate(self.examples) if e.kind in QUERY_FIELDS]

    def _fit_not_ours(self) -> tuple[LogisticRegression | None, dict[tuple[str, int], float]]:
        """A word-level model of "no affair of ours", and its out-of-fold answers for the training questions.

        Similarity alone cannot tell that 上海, 扣分 or 余额 make a question someone else's; a linear model
        over the same features learns which words do, from the phrasings and the umbrella topics' questions
        (a question that names only a shared topic is still ours) against the out-of-scope questions.
        """
        inside_rows = self._training_rows()
        if not inside_rows or self.outside.shape[0] < NOT_OURS_FOLDS:
            return None, {}
        umbrella = self._umbrella_rows
        features = sparse.vstack([self.inside[inside_rows], umbrella, self.outside]).tocsr()
        labels = np.r_[np.zeros(len(inside_rows) + umbrella.shape[0]), np.ones(self.outside.shape[0])]
        model = LogisticRegression(C=NOT_OURS_STRENGTH, solver="liblinear", class_weight="balanced")
        folds = StratifiedKFold(NOT_OURS_FOLDS, shuffle=True, random_state=5)
        held_out = cross_val_predict(model, features, labels, cv=folds, method="predict_proba")[:, 1]
        keys = [("inside", i) for i in inside_rows] + [("umbrella", u) for u in range(umbrella.shape[0])] + \
            [("outside", j) for j in range(self.outside.shape[0])]
        return model.fit(features, labels), dict(zip(keys, held_out.tolist(), strict=True))

    def _fit_two_affairs(self) -> LogisticRegression | None:
        """A word-level model of "this question concerns two affairs or more" (钱包丢了，身份证驾驶证都在里面;
        身份证不见了，过两天要住院，来得及吗), learned from the knowledge's questions of two affairs against every
        question and phrasing of one. The ranker cannot learn it: it learns from one-affair phrasings alone."""
        inside_rows = self._training_rows()
        if len(self.two_affairs_texts) < TWO_AFFAIRS_AT_LEAST or not inside_rows:
            return None
        two = self.transform(self.two_affairs_texts)
        features = sparse.vstack([self.inside[inside_rows], two]).tocsr()
        labels = np.r_[np.zeros(len(inside_rows)), np.ones(two.shape[0])]
        model = LogisticRegression(C=TWO_AFFAIRS_STRENGTH, solver="liblinear", class_weight="balanced")
        return model.fit(features, labels)

    def two_affairs(self, queries: sparse.csr_matrix) -> np.ndarray:
        """The word model's probability that each query concerns two affairs or more (0 without a model)."""
        if self._two_affairs is None:
            return np.zeros(queries.shape[0])
        return self._two_affairs.predict_proba(queries)[:, 1]

    def not_ours(self, queries: sparse.csr_matrix) -> np.ndarray:
        """The word model's probability that each query is no affair of ours (0 without a model)."""
        if self._not_ours is None:
            return np.zeros(queries.shape[0])
        return self._not_ours.predict_proba(queries)[:, 1]

    def similarities(self, queries: sparse.csr_matrix, not_ours: np.ndarray | None = None,
                     margins: np.ndarray | None = None, two_affairs: np.ndarray | None = None) -> Similarities:
        """Similarities of query vectors to every example, affair and out-of-scope question."""
        rows = np.asarray((queries @ self._inside_t).todense())
        profile = np.asarray((queries @ self._profiles_t).todense())
        outside = (np.asarray((queries @ self._outside_t).todense()).max(axis=1) if self.outside.shape[0]
                   else np.zeros(queries.shape[0], dtype=np.float32))
        judged = self.not_ours(queries) if not_ours is None else not_ours
        margins = self.classifier.margins(queries) if margins is None else margins
        split = self.affair_count + 1
        return Similarities(rows, self.best_per_affair(rows), profile, outside, judged, margins[:, :split],
                            margins[:, split:], self.two_affairs(queries) if two_affairs is None else two_affairs)

    def best_per_affair(self, rows: np.ndarray) -> np.ndarray:
        """The closest example of each affair, for each query row."""
        if rows.shape[1] == 0:
            return np.zeros((rows.shape[0], 0), dtype=np.float32)
        return np.maximum.reduceat(rows, self.starts, axis=1)

    def held_out(self, mixed_every: int = 3) -> Iterator[tuple[np.ndarray, Similarities, list[str]]]:
        """Leave-one-out similarities of every training query, in chunks: (labels, similarities, texts).

        Each question or phrasing of an affair (label: the affair's index) and each out-of-scope question
        (label: -1) is compared with everything but itself, and with its affair's profile less its own
        share, so that the ranker learns from scores that a new question would get. Every
        `mixed_every`-th phrasing is also joined to an out-of-scope question (label: the affair), the way
        people wrap what they need in other talk, so that a diluted but real match is learned too.
        """
        queries = [TrainingQuery(self.examples[i].text, i, None, self.examples[i].owner)
                   for i in self._training_rows()]
        queries += [TrainingQuery(t, None, j, -1) for j, t in enumerate(self.outside_texts)]
        if self.outside_texts and mixed_every:
            rng = np.random.default_rng(11)
            for q in queries[:len(queries) - len(self.outside_texts):mixed_every]:
                j = int(rng.integers(len(self.outside_texts)))
                queries.append(TrainingQuery(f"{self.outside_texts[j]}，{q.text}", q.inside, j, q.label))
        for start in range(0, len(queries), _CHUNK):
            chunk = queries[start:start + _CHUNK]
            vectors = self._vectors(chunk)
            margins = self.classifier.held_out_margins(vectors, [q.inside for q in chunk],
                                                       [q.outside for q in chunk])
            # the ranker does not read the two-affair model: training queries need not be scored by it
            sims = self.similarities(vectors, self._held_out_not_ours(chunk, vectors), margins, np.zeros(len(chunk)))
            if self.outside.shape[0]:
                outside = np.asarray((vectors @ self._outside_t).todense())
                for k, q in enumerate(chunk):
                    if q.outside is not None:
                        outside[k, q.outside] = -1.0
                sims.outside[:] = outside.max(axis=1)
            for k, q in enumerate(chunk):
                if q.inside is not None:
                    self._leave_out(sims, k, q.inside)
            yield np.asarray([q.label for q in chunk]), sims, [q.text for q in chunk]

    def _held_out_not_ours(self, chunk: list[TrainingQuery], vectors: sparse.csr_matrix) -> np.ndarray:
        """The word model's answer for training queries: out of fold for a plain one, fresh for a joined one."""
        fresh = self.not_ours(vectors)
        for k, q in enumerate(chunk):
            key = ("inside", q.inside) if q.outside is None else ("outside", q.outside) if q.inside is None else None
            if key is not None and key in self._not_ours_held_out:
                fresh[k] = self._not_ours_held_out[key]
        return fresh

    def _vectors(self, chunk: list[TrainingQuery]) -> sparse.csr_matrix:
        """Vectors of training queries: stored rows for plain ones, one batch transform for the joined texts."""
        joined = [k for k, q in enumerate(chunk) if q.inside is not None and q.outside is not None]
        fresh = dict(zip(joined, self.transform([chunk[k].text for k in joined]), strict=True)) if joined else {}
        return sparse.vstack([fresh[k] if k in fresh else
                              self.inside[q.inside] if q.inside is not None else self.outside[q.outside]
                              for k, q in enumerate(chunk)]).tocsr()

    def _leave_out(self, sims: Similarities, k: int, row: int) -> None:
        """Remove example `row`'s own contribution from query k's similarities."""
        affair = int(self.owners[row])
        sims.rows[k, row] = 0.0
        end = self.starts[affair + 1] if affair + 1 < len(self.starts) else sims.rows.shape[1]
        sims.best[k, affair] = sims.rows[k, self.starts[affair]:end].max()
        weight = float(self.weights[row])
        norm = float(self.profile_norms[affair])
        dot = sims.profile[k, affair] * norm  # x . raw profile
        rest = norm * norm - 2 * weight * dot + weight * weight
        sims.profile[k, affair] = (dot - weight) / np.sqrt(rest) if rest > 1e-9 else 0.0
