"""A linear SVM over the index's vectors: which affair a question's words point to, or none of ours.

Retrieval compares a question with each text on its own; the SVM learns, for every affair at once, which
words and character n-grams tell it apart from the others and from the questions that are no affair of
ours. It reads colloquial, misspelt and long questions much better than the closest example does, so the
ranker gets its margins as features. The ranker learns from out-of-fold margins (each training question
scored by a model that never saw it), the same way it learns from leave-one-out similarities.
"""

from __future__ import annotations

import os

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from sklearn.preprocessing import normalize as l2_normalize
from sklearn.svm import LinearSVC

FOLDS = 3
# The full model and the fold models are fitted side by side in at most this many processes (and no more than the
# machine has processors): the SVMs are half of a fit's time.
FIT_PROCESSES = 4
STRENGTH = 1.0
# Weights smaller than this are dropped: the model stays sparse (a few per cent of its entries), so that
# thousands of affairs fit in memory, and the margins barely move.
MIN_WEIGHT = 1e-3
# The bias of a class that had no example to learn from: never anyone's best.
ABSENT = -10.0
# How many nearest classes each class learns against in full, and how many other rows it samples.
RIVALS = 80
OTHERS = 2000


class LinearModel:
    """One-vs-rest linear SVMs with sparse weights (features x classes): margins are one sparse product.

    Each class learns against the rows of its RIVALS nearest classes (by centroid), the class "none of
    ours" and a sample of the rest. With up to RIVALS + 1 classes that is every row, exactly liblinear's
    one-vs-rest; with thousands of affairs it keeps training time and memory linear in their number.
    """

    def __init__(self, features: sparse.csr_matrix, labels: np.ndarray, classes: int, none: int | None = None):
        """Fit on rows labelled 0 .. classes-1 (classes without rows never come first); `none` is the class of
        "none of ours" (the last by default), which every class learns against in full."""
        present = np.unique(labels)
        self._bias = np.full(classes, ABSENT, dtype=np.float32)
        if len(present) < 2:
            self._weights = sparse.csr_matrix((features.shape[1], classes), dtype=np.float32)
            if len(present) == 1:
                self._bias[present[0]] = 1.0
            return
        features = as_liblinear(features)
        rows_of = {int(c): np.flatnonzero(labels == c) for c in present}
        rivals = _rivals(features, labels, present)
        rng = np.random.default_rng(7)
        columns, weight_rows, values = [], [], []
        for c in present:
            chosen = _training_rows(int(c), rows_of, rivals[int(c)], len(labels),
                                    classes - 1 if none is None else none, rng)
            target = (labels[chosen] == c).astype(np.int64)
            if target.min() == target.max():  # no rival rows: the class is all there is
                self._bias[c] = 1.0
                continue
            model = LinearSVC(C=STRENGTH, random_state=0).fit(features[chosen], target)
            coef = model.coef_[0]
            kept = np.flatnonzero(np.abs(coef) >= MIN_WEIGHT)
            columns.append(np.full(len(kept), c))
            weight_rows.append(kept)
            values.append(coef[kept].astype(np.float32))
            self._bias[c] = model.intercept_[0]
        data = (np.concatenate(values), (np.concatenate(weight_rows), np.concatenate(columns))) if values else \
            (np.zeros(0, dtype=np.float32), (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)))
        self._weights = sparse.csr_matrix(data, shape=(features.shape[1], classes), dtype=np.float32)

    def margins(self, vectors: sparse.csr_matrix) -> np.ndarray:
        """(rows, classes): each class's margin for each vector."""
        return np.asarray((vectors @ self._weights).todense(), dtype=np.float32) + self._bias


def as_liblinear(features: sparse.spmatrix) -> sparse.csr_matrix:
    """CSR float64 with sorted indices, the form liblinear takes without a copy per fit (no copy if already)."""
    result = features.tocsr().astype(np.float64, copy=False)
    if not result.has_sorted_indices:
        result = result.sorted_indices()
    return result


def _rivals(features: sparse.csr_matrix, labels: np.ndarray, present: np.ndarray) -> dict[int, np.ndarray]:
    """For each class, the RIVALS classes whose centroids are closest to its own."""
    if len(present) <= RIVALS + 1:
        return {int(c): present[present != c] for c in present}
    membership = sparse.csr_matrix((np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))),
                                   shape=(int(present.max()) + 1, len(labels)))
    centroids = l2_normalize((membership @ features).tocsr())[present]
    closeness = np.asarray((centroids @ centroids.T).todense())
    np.fill_diagonal(closeness, -np.inf)
    nearest = np.argpartition(-closeness, RIVALS, axis=1)[:, :RIVALS]
    return {int(c): present[nearest[i]] for i, c in enumerate(present)}


def _training_rows(c: int, rows_of: dict[int, np.ndarray], rivals: np.ndarray, total: int, none: int,
                   rng: np.random.Generator) -> np.ndarray:
    """Rows one class learns from: its own, its rivals', none of ours', and a sample of everyone else's."""
    near = {c, none, *rivals.tolist()}
    chosen = [rows_of[k] for k in near if k in rows_of]
    if len(near) < len(rows_of):
        rest = np.setdiff1d(np.arange(total), np.concatenate(chosen), assume_unique=False)
        chosen.append(rng.choice(rest, size=min(OTHERS, len(rest)), replace=False))
    return np.sort(np.concatenate(chosen))


def _fit_side_by_side(features: sparse.csr_matrix, labels: np.ndarray, keeps: list[np.ndarray], classes: int,
                      none: int) -> list[LinearModel]:
    """One model per mask of rows (the full model, then the fold models), fitted in up to FIT_PROCESSES processes
    at once. Each fit seeds its own solver, so the models are the same as fitted one after another."""
    processes = min(len(keeps), FIT_PROCESSES, os.cpu_count() or 1)
    if processes < 2:
        return [LinearModel(features[keep], labels[keep], classes, none) for keep in keeps]
    return Parallel(n_jobs=processes, backend="loky")(
        delayed(LinearModel)(features[keep], labels[keep], classes, none) for keep in keeps)


class AffairClassifier:
    """The SVM over affairs, "none of ours" and the umbrella topics, with out-of-fold models for training the
    ranker."""

    def __init__(self, inside: sparse.csr_matrix, owners: np.ndarray, used: np.ndarray, questions: np.ndarray,
                 outside: sparse.csr_matrix, affairs: int, folds: int = FOLDS,
                 umbrella: sparse.csr_matrix | None = None, topics: np.ndarray | None = None):
        """`inside`: the vector of every affair text, `owners` its affair, `used` whether it is learned from
        (a long scope description is not) and `questions` whether it is a whole question (only those are held
        out: names and keywords always stay in); `outside`: out-of-scope questions, class `affairs`;
        `umbrella`: questions that name only a topic several affairs share, `topics` the topic's number k
        (class `affairs + 1 + k`; never held out, the ranker does not learn from them)."""
        if umbrella is None or topics is None:
            umbrella, topics = sparse.csr_matrix((0, inside.shape[1]), dtype=inside.dtype), np.zeros(0, np.int64)
        self._topics = int(topics.max()) + 1 if topics.size else 0
        self._classes = affairs + 1 + self._topics
        features = as_liblinear(sparse.vstack([inside, outside, umbrella]))  # once for the full and fold models
        labels = np.r_[owners, np.full(outside.shape[0], affairs), affairs + 1 + topics].astype(np.int64)
        learned = np.r_[used, np.ones(outside.shape[0] + umbrella.shape[0], dtype=bool)]
        held = np.r_[questions & used, np.ones(outside.shape[0], dtype=bool), np.zeros(umbrella.shape[0], bool)]
        rng = np.random.default_rng(5)
        self._fold = np.where(held, rng.integers(0, folds, size=len(labels)), -1)
        self._inside_count = inside.shape[0]
        keeps = [learned] + ([learned & (self._fold != f) for f in range(folds)] if folds >= 2 and held.any() else [])
        self._model, *self._fold_models = _fit_side_by_side(features, labels, keeps, self._classes, affairs)

    def margins(self, vectors: sparse.csr_matrix) -> np.ndarray:
        """(rows, affairs + 1 + topics): each affair's margin, that of "none of ours", then each umbrella
        topic's."""
        return self._model.margins(vectors)

    def held_out_margins(self, vectors: sparse.csr_matrix, inside: list[int | None],
                         outside: list[int | None]) -> np.ndarray:
        """Margins of training queries from the fold model that did not see them: a query made of inside
        example `inside[k]` (and perhaps out-of-scope question `outside[k]`) is scored by that example's
        fold model; one made of an out-of-scope question alone, by its fold model."""
        if not self._fold_models:
            return self.margins(vectors)
        fold = np.asarray([self._fold[i] if i is not None else
                           self._fold[self._inside_count + j] if j is not None else -1
                           for i, j in zip(inside, outside, strict=True)])
        result = np.zeros((vectors.shape[0], self._classes), dtype=np.float32)
        for f, model in [(-1, self._model), *enumerate(self._fold_models)]:  # -1: never held out
            rows = np.flatnonzero(fold == f)
            if rows.size:
                result[rows] = model.margins(vectors[rows])
        return result
