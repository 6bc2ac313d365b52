"""Calibration: log loss, Brier score, expected calibration error, reliability bins.

NumPy only. The definitions, for ``n`` images, classes ``k`` and predicted
probabilities ``p``:

* log loss: ``-mean(log p[i, y_i])`` (probabilities clipped at 1e-15);
* Brier score: ``mean_i sum_k (p[i, k] - [y_i == k]) ** 2`` (the multi-class
  form, between 0 and 2);
* expected calibration error (ECE): the top probability of each image (its
  confidence) falls in one of ``n_bins`` equal-width bins of [0, 1]
  (15 by default, the first closed on both sides); ECE is
  ``sum_b (n_b / n) * |accuracy_b - confidence_b|``, the gap between how
  often the predicted class is right and how sure the model was, weighted by
  the share of images in each bin (Guo et al., "On Calibration of Modern
  Neural Networks", ICML 2017).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ReliabilityBins",
    "brier_score",
    "expected_calibration_error",
    "log_loss",
    "reliability_bins",
]

#: Bins of the expected calibration error.
N_BINS = 15


def _encoded(y_true: ArrayLike, y_proba: ArrayLike, classes: ArrayLike | None):
    proba = np.asarray(y_proba, dtype=np.float64)
    y = np.asarray(y_true).ravel()
    if proba.ndim != 2 or proba.shape[0] != y.shape[0]:
        msg = (
            f"y_proba must have shape (n_samples, n_classes) with one row per label; "
            f"got {proba.shape} for {y.shape[0]} labels."
        )
        raise ValueError(msg)
    labels = np.arange(proba.shape[1]) if classes is None else np.asarray(classes)
    if labels.shape[0] != proba.shape[1]:
        msg = (
            f"{labels.shape[0]} classes given for {proba.shape[1]} probability columns."
        )
        raise ValueError(msg)
    order = np.argsort(labels, kind="stable")
    where = np.searchsorted(labels[order], y)
    where = np.clip(where, 0, len(labels) - 1)
    found = labels[order][where] == y
    if not found.all():
        unknown = np.unique(y[~found])
        msg = (
            f"y_true holds labels {unknown.tolist()!r} that are not among the "
            f"model's classes {labels.tolist()!r}."
        )
        raise ValueError(msg)
    return order[where], proba


def log_loss(y_true: ArrayLike, y_proba: ArrayLike, *, classes=None) -> float:
    """Mean negative log-likelihood of the true classes.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities, one column per class (``predict_proba``).
    classes : array-like of shape (n_classes,), default=None
        The label of each column (``estimator.classes_``); 0..n-1 if None.

    Returns
    -------
    float
    """
    index, proba = _encoded(y_true, y_proba, classes)
    picked = np.clip(proba[np.arange(len(index)), index], 1e-15, 1.0)
    return float(-np.mean(np.log(picked)))


def brier_score(y_true: ArrayLike, y_proba: ArrayLike, *, classes=None) -> float:
    """Multi-class Brier score: mean squared distance to the one-hot labels (0-2).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities, one column per class (``predict_proba``).
    classes : array-like of shape (n_classes,), default=None
        The label of each column (``estimator.classes_``); 0..n-1 if None.

    Returns
    -------
    float
    """
    index, proba = _encoded(y_true, y_proba, classes)
    onehot = np.zeros_like(proba)
    onehot[np.arange(len(index)), index] = 1.0
    return float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))


@dataclass(frozen=True)
class ReliabilityBins:
    """Accuracy and confidence per bin of the top probability.

    Attributes
    ----------
    edges : ndarray of shape (n_bins + 1,)
    confidence, accuracy : ndarray of shape (n_bins,)
        Means per bin (NaN for an empty bin).
    count : ndarray of shape (n_bins,)
        Images per bin.
    ece : float
        Expected calibration error.
    """

    edges: NDArray[np.float64]
    confidence: NDArray[np.float64]
    accuracy: NDArray[np.float64]
    count: NDArray[np.int64]
    ece: float


def reliability_bins(
    y_true: ArrayLike, y_proba: ArrayLike, *, classes=None, n_bins: int = N_BINS
) -> ReliabilityBins:
    """Bin the images by their top probability and compare it with the accuracy.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities, one column per class (``predict_proba``).
    classes : array-like of shape (n_classes,), default=None
        The label of each column (``estimator.classes_``); 0..n-1 if None.
    n_bins : int, default=15
        Number of equal-width bins of [0, 1].

    Returns
    -------
    ReliabilityBins
    """
    if int(n_bins) < 1:
        msg = f"n_bins must be >= 1. Received: n_bins={n_bins!r}"
        raise ValueError(msg)
    index, proba = _encoded(y_true, y_proba, classes)
    confidence = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == index).astype(np.float64)
    edges = np.linspace(0.0, 1.0, int(n_bins) + 1)
    # bin b holds (edges[b], edges[b + 1]]; a confidence of 0 joins bin 0
    which = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(which, confidence, n_bins) / count
        mean_acc = np.bincount(which, correct, n_bins) / count
    filled = count > 0
    ece = float(
        np.sum(count[filled] * np.abs(mean_acc[filled] - mean_conf[filled]))
        / max(1, len(index))
    )
    return ReliabilityBins(edges, mean_conf, mean_acc, count.astype(np.int64), ece)


def expected_calibration_error(
    y_true: ArrayLike, y_proba: ArrayLike, *, classes=None, n_bins: int = N_BINS
) -> float:
    """Expected calibration error over ``n_bins`` equal-width bins of the top probability.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities, one column per class (``predict_proba``).
    classes : array-like of shape (n_classes,), default=None
        The label of each column (``estimator.classes_``); 0..n-1 if None.
    n_bins : int, default=15
        Number of equal-width bins of [0, 1].

    Returns
    -------
    float
        Between 0 (calibrated) and 1.

    Examples
    --------
    >>> import numpy as np
    >>> from fashionzoo.evaluation import expected_calibration_error
    >>> proba = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    >>> round(expected_calibration_error([0, 1, 0, 0], proba), 3)
    0.4
    """
    return reliability_bins(y_true, y_proba, classes=classes, n_bins=n_bins).ece
