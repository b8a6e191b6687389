"""The ranker's trees fit and predict on one OpenMP thread: on a machine whose other processes keep the cores busy,
a thread per core waits for busy cores on every question (see `OPENMP_THREADS`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from threadpoolctl import ThreadpoolController

from bot.resolver.ranker import FEATURES, Ranker


def openmp_threads() -> list[int]:
    """The thread count of every OpenMP pool loaded in this process, as a call would use it now."""
    return [pool["num_threads"] for pool in ThreadpoolController().select(user_api="openmp").info()]


@pytest.fixture
def rows() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    features = rng.random((400, len(FEATURES))).astype(np.float32)
    return features, (features[:, 0] > 0.5).astype(int)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: there is only one thread anyway")
def test_the_trees_fit_and_predict_on_one_openmp_thread(rows: tuple[np.ndarray, np.ndarray],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    features, labels = rows
    assert openmp_threads() and max(openmp_threads()) > 1  # outside the ranker, OpenMP uses every core
    ranker = Ranker()
    seen: dict[str, list[int]] = {}
    model = ranker._model
    fit, predict = model.fit, model.predict_proba

    def noting(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        """`call`, noting the OpenMP thread counts in force when it begins."""
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            seen[name] = openmp_threads()
            return call(*args, **kwargs)
        return wrapped

    monkeypatch.setattr(model, "fit", noting("fit", fit))
    monkeypatch.setattr(model, "predict_proba", noting("predict", predict))

    ranker.fit(features, labels)
    probabilities = ranker.probabilities(features[:6])

    assert seen == {"fit": [1] * len(seen["fit"]), "predict": [1] * len(seen["predict"])}
    assert max(openmp_threads()) > 1  # the limit is lifted again after each call
    assert probabilities.shape == (6,) and ((probabilities >= 0) & (probabilities <= 1)).all()
