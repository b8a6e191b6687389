"""The SVM over affairs: sparse margins, classes without examples, out-of-fold answers, monotone ranker."""

from __future__ import annotations

import os

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.resolver import classifier
from bot.resolver.classifier import ABSENT, AffairClassifier, LinearModel
from bot.resolver.ranker import FEATURES, MONOTONE, Ranker

TEXTS = ["身份证 丢了 补办", "身份证 遗失 补领", "身份证 不见了", "护照 办理", "护照 出国 申请", "护照 第一次"]
OWNERS = np.array([0, 0, 0, 1, 1, 1])
OUTSIDE = ["银行卡 丢了 挂失", "手机卡 补办 营业厅", "信用卡 注销"]


def vectors(texts: list[str]) -> tuple[TfidfVectorizer, sparse.csr_matrix]:
    vectorizer = TfidfVectorizer(analyzer=str.split)
    return vectorizer, vectorizer.fit_transform(texts).tocsr()


def test_margins_name_the_affair_and_none_of_ours() -> None:
    vectorizer, matrix = vectors(TEXTS + OUTSIDE)
    classifier = AffairClassifier(matrix[:6], OWNERS, np.ones(6, dtype=bool), np.ones(6, dtype=bool), matrix[6:],
                                  affairs=3)
    margins = classifier.margins(vectorizer.transform(["身份证 丢了", "护照 申请", "银行卡 挂失"]).tocsr())
    assert margins.shape == (3, 4)
    assert margins.argmax(axis=1).tolist() == [0, 1, 3]  # affair 2 has no text: never anyone's best
    assert (margins[:, 2] == ABSENT).all()


def test_a_two_class_model_names_each_side() -> None:
    vectorizer, matrix = vectors(TEXTS)
    model = LinearModel(matrix, OWNERS, classes=2)
    margins = model.margins(vectorizer.transform(["身份证 补办", "护照 出国"]).tocsr())
    assert margins.argmax(axis=1).tolist() == [0, 1]
    assert np.allclose(margins[:, 0], -margins[:, 1], atol=0.05)  # one problem seen from either side


def test_with_many_classes_each_learns_against_its_nearest_rivals() -> None:
    from bot.resolver import classifier

    # classes 0..99 each own one word; class 2k and 2k+1 share a second word, so each pair is close
    texts = [f"w{c} pair{c // 2} x{i}" for c in range(100) for i in range(3)]
    labels = np.repeat(np.arange(100), 3)
    vectorizer, matrix = vectors(texts)
    rivals = classifier._rivals(matrix, labels, np.arange(100))
    assert all(len(r) == classifier.RIVALS for r in rivals.values())
    assert all((c ^ 1) in rivals[c] for c in range(100))  # the partner is always among the rivals
    model = LinearModel(matrix, labels, classes=100)
    margins = model.margins(vectorizer.transform([f"w{c} pair{c // 2}" for c in range(100)]).tocsr())
    assert (margins.argmax(axis=1) == np.arange(100)).all()


def test_held_out_margins_come_from_a_model_that_never_saw_the_question() -> None:
    texts = TEXTS + ["身份证 独一无二词"]
    owners = np.r_[OWNERS, 0]
    vectorizer, matrix = vectors(texts + OUTSIDE)
    classifier = AffairClassifier(matrix[:7], owners, np.ones(7, dtype=bool), np.ones(7, dtype=bool), matrix[7:],
                                  affairs=2)
    question = matrix[6]
    seen = classifier.margins(question)[0, 0]
    unseen = classifier.held_out_margins(question, [6], [None])[0, 0]
    assert unseen < seen  # its own word counts only in the model that learned from it


def test_unused_texts_are_not_learned_from() -> None:
    vectorizer, matrix = vectors(TEXTS + ["护照 户口 很长的 范围 说明"] + OUTSIDE)
    used = np.r_[np.ones(6, dtype=bool), False]
    classifier = AffairClassifier(matrix[:7], np.r_[OWNERS, 1], used, used, matrix[7:], affairs=2)
    word = vectorizer.transform(["户口"]).tocsr()
    assert np.allclose(classifier.margins(word)[0, :2], classifier.margins(word * 0)[0, :2])


def test_the_ranker_never_lowers_a_probability_when_the_evidence_for_a_candidate_grows() -> None:
    rng = np.random.default_rng(3)
    features = rng.normal(size=(4000, len(FEATURES))).astype(np.float32)
    push = np.asarray([MONOTONE[f] for f in FEATURES], dtype=np.float32)
    labels = (features @ push + rng.normal(scale=2.0, size=4000) > 0).astype(int)
    ranker = Ranker().fit(features, labels)
    row = np.zeros((1, len(FEATURES)), dtype=np.float32)
    svm = FEATURES.index("svm")
    steps = np.repeat(row, 20, axis=0)
    steps[:, svm] = np.linspace(-3, 6, 20)  # far beyond anything it learned from, too
    probabilities = ranker.probabilities(steps)
    assert (np.diff(probabilities) >= -1e-12).all()
    assert probabilities[-1] > probabilities[0]


def test_models_fitted_side_by_side_are_those_fitted_one_after_another(monkeypatch) -> None:
    rng = np.random.default_rng(3)
    features = sparse.random(900, 400, density=0.03, format="csr", random_state=4)
    labels = rng.integers(0, 12, size=900)
    keeps = [np.ones(900, dtype=bool), *(rng.integers(0, 3, size=900) != f for f in range(3))]
    monkeypatch.setattr(classifier, "FIT_PROCESSES", 1)
    alone = classifier._fit_side_by_side(features, labels, keeps, classes=12, none=11)
    monkeypatch.setattr(classifier, "FIT_PROCESSES", 4)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    together = classifier._fit_side_by_side(features, labels, keeps, classes=12, none=11)
    probe = sparse.random(50, 400, density=0.05, format="csr", random_state=5)
    for one, other in zip(alone, together, strict=True):
        assert np.array_equal(one.margins(probe), other.margins(probe))
