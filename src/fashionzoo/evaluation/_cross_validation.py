"""Cross-validation that reports each fold as it ends, and a timed fit + evaluation."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from fashionzoo.evaluation._evaluate import EvaluationResult, evaluate

__all__ = ["CrossValidationResult", "FoldResult", "cross_validate", "fit_and_evaluate"]


@dataclass(frozen=True)
class FoldResult:
    """One fold of :func:`cross_validate`.

    Attributes
    ----------
    fold : int
        1-based number of the fold.
    n_folds : int
        Number of folds.
    n_train, n_test : int
        Images trained on and scored.
    accuracy : float
        Accuracy on the fold's held-out images.
    fit_seconds : float
        Wall time of the fold's ``fit``.
    """

    fold: int
    n_folds: int
    n_train: int
    n_test: int
    accuracy: float
    fit_seconds: float


@dataclass
class CrossValidationResult:
    """The folds of :func:`cross_validate`, in order.

    Attributes
    ----------
    folds : list of FoldResult
    """

    folds: list[FoldResult] = field(default_factory=list)

    @property
    def scores(self) -> np.ndarray:
        """Accuracy per fold."""
        return np.array([f.accuracy for f in self.folds])

    @property
    def fit_times(self) -> np.ndarray:
        """Fit seconds per fold."""
        return np.array([f.fit_seconds for f in self.folds])

    @property
    def mean(self) -> float:
        """Mean accuracy."""
        return float(self.scores.mean())

    @property
    def std(self) -> float:
        """Standard deviation of the accuracies."""
        return float(self.scores.std())


def _fit_fold(
    estimator: Any, X: Any, y: np.ndarray, train: np.ndarray, test: np.ndarray
) -> tuple[float, float]:
    from sklearn.base import clone
    from sklearn.utils import _safe_indexing

    fold = clone(estimator)
    start = time.perf_counter()
    fold.fit(_safe_indexing(X, train), y[train])
    fit_seconds = time.perf_counter() - start
    return float(fold.score(_safe_indexing(X, test), y[test])), fit_seconds


def cross_validate(
    estimator: Any,
    X: ArrayLike,
    y: ArrayLike,
    *,
    folds: int = 5,
    random_state: int | None = 0,
    n_jobs: int | None = 1,
    on_fold_start: Callable[[int, int, int], None] | None = None,
    on_fold_end: Callable[[FoldResult], None] | None = None,
) -> CrossValidationResult:
    """Stratified K-fold accuracy, telling each fold's result as soon as it ends.

    The folds are scikit-learn's ``StratifiedKFold(folds, shuffle=True,
    random_state=random_state)``; each fold fits a clone of ``estimator``,
    so the scores equal ``cross_val_score`` with that splitter. A
    ``KeyboardInterrupt`` stops at once (the folds that ended were already
    passed to ``on_fold_end``).

    Parameters
    ----------
    estimator : classifier
        Cloned for every fold.
    X : array-like of images
        Any layout the estimators take.
    y : array-like of shape (n_samples,)
        Class labels.
    folds : int, default=5
        Number of stratified folds.
    random_state : int or None, default=0
        Seed of the split.
    n_jobs : int or None, default=1
        Folds fitted in parallel processes (joblib); results still arrive in
        fold order.
    on_fold_start : callable, default=None
        ``on_fold_start(fold, n_folds, n_train)`` before each fold's fit
        (1-based ``fold``; only with ``n_jobs=1``).
    on_fold_end : callable, default=None
        ``on_fold_end(FoldResult)`` as soon as a fold is scored.

    Returns
    -------
    result : CrossValidationResult

    Examples
    --------
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from fashionzoo.datasets import load_sample
    >>> from fashionzoo.evaluation import cross_validate
    >>> X, y = load_sample(return_X_y=True)
    >>> result = cross_validate(KNeighborsClassifier(), X.reshape(1000, -1), y, folds=3)
    >>> len(result.folds), round(result.mean, 2)
    (3, 0.75)
    """
    from joblib import Parallel, delayed
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(y)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=random_state)
    splits = list(splitter.split(np.zeros(len(y)), y))
    result = CrossValidationResult()

    def record(k: int, score: float, seconds: float) -> None:
        train, test = splits[k]
        fold = FoldResult(k + 1, folds, len(train), len(test), score, seconds)
        result.folds.append(fold)
        if on_fold_end is not None:
            on_fold_end(fold)

    if n_jobs in (None, 1):
        for k, (train, test) in enumerate(splits):
            if on_fold_start is not None:
                on_fold_start(k + 1, folds, len(train))
            record(k, *_fit_fold(estimator, X, y, train, test))
        return result
    parallel = Parallel(n_jobs=n_jobs, return_as="generator")
    scores = parallel(
        delayed(_fit_fold)(estimator, X, y, train, test) for train, test in splits
    )
    for k, (score, seconds) in enumerate(scores):
        record(k, score, seconds)
    return result


def fit_and_evaluate(
    estimator: Any, X: ArrayLike, y: ArrayLike, X_test: ArrayLike, y_test: ArrayLike
) -> EvaluationResult:
    """Fit on ``X, y``, then :func:`evaluate` on the test set; the fit is timed.

    Parameters
    ----------
    estimator : classifier
        Fitted in place.
    X, y : array-like
        Training images and labels.
    X_test, y_test : array-like
        Test images and labels.

    Returns
    -------
    result : EvaluationResult
        With ``fit_seconds`` (the wall time of ``fit`` alone).
    """
    start = time.perf_counter()
    estimator.fit(X, y)
    fit_seconds = time.perf_counter() - start
    result = evaluate(estimator, X_test, y_test)
    result.fit_seconds = fit_seconds
    return result
