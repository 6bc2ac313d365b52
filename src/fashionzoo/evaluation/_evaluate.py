"""evaluate(): accuracy, classification report, confusion matrix and timings."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fashionzoo._labels import check_label_kinds
from fashionzoo.datasets._names import class_names
from fashionzoo.evaluation._calibration import (
    brier_score,
    expected_calibration_error,
    log_loss,
)

logger = logging.getLogger(__name__)

__all__ = ["EvaluationResult", "evaluate"]


def _jsonable(value: Any) -> Any:
    """Turn NumPy scalars and arrays (also nested in dicts/lists) into Python."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


@dataclass
class EvaluationResult:
    """What :func:`evaluate` measured on one test set.

    Attributes
    ----------
    estimator : str
        Class name of the evaluated estimator.
    accuracy : float
        Fraction of correct predictions.
    n_samples : int
        Number of images evaluated.
    labels : list
        Class labels, in the order of the rows of ``confusion_matrix``.
    target_names : list of str
        A readable name per label.
    confusion_matrix : ndarray of shape (n_classes, n_classes)
        Counts; row = true class, column = predicted class.
    report : dict
        :func:`sklearn.metrics.classification_report` as a dict.
    report_text : str
        The same report as text.
    precision, recall, f1, support : ndarray of shape (n_classes,)
        Per-class metrics, in the order of ``labels``.
    predict_seconds : float
        Wall time of ``predict_proba`` (or ``predict``) on all images.
    images_per_second : float
        ``n_samples / predict_seconds``.
    y_true, y_pred : ndarray of shape (n_samples,)
        True and predicted labels, for plots.
    y_proba : ndarray of shape (n_samples, n_classes) or None
        Predicted probabilities, if the estimator has ``predict_proba``.
    fit_seconds : float or None
        Wall time of the fit, when :func:`fit_and_evaluate` fitted it.
    log_loss, brier_score, ece : float or None
        Calibration of ``y_proba`` (None without probabilities):
        :func:`~fashionzoo.evaluation.log_loss`,
        :func:`~fashionzoo.evaluation.brier_score` and the expected
        calibration error over 15 bins of the top probability
        (:func:`~fashionzoo.evaluation.expected_calibration_error`).

        .. versionadded:: 0.2.0
    """

    estimator: str
    accuracy: float
    n_samples: int
    labels: list[Any]
    target_names: list[str]
    confusion_matrix: NDArray[np.int64]
    report: dict[str, Any]
    report_text: str
    precision: NDArray[np.float64]
    recall: NDArray[np.float64]
    f1: NDArray[np.float64]
    support: NDArray[np.int64]
    predict_seconds: float
    images_per_second: float
    y_true: NDArray[Any] = field(repr=False)
    y_pred: NDArray[Any] = field(repr=False)
    y_proba: NDArray[np.float32] | None = field(default=None, repr=False)
    fit_seconds: float | None = None
    log_loss: float | None = None
    brier_score: float | None = None
    ece: float | None = None

    def to_dict(self, *, include_predictions: bool = False) -> dict[str, Any]:
        """The result as plain Python types, ready for :func:`json.dumps`.

        Parameters
        ----------
        include_predictions : bool, default=False
            Also include ``y_true``, ``y_pred`` and ``y_proba`` (large).

        Returns
        -------
        result : dict
            Every attribute, arrays as (nested) lists; per-class metrics also
            as ``per_class`` keyed by class name.
        """
        out: dict[str, Any] = {
            "estimator": self.estimator,
            "accuracy": self.accuracy,
            "n_samples": self.n_samples,
            "labels": self.labels,
            "target_names": self.target_names,
            "confusion_matrix": self.confusion_matrix,
            "per_class": {
                name: {
                    "precision": self.precision[i],
                    "recall": self.recall[i],
                    "f1": self.f1[i],
                    "support": self.support[i],
                }
                for i, name in enumerate(self.target_names)
            },
            "classification_report": self.report,
            "classification_report_text": self.report_text,
            "predict_seconds": self.predict_seconds,
            "images_per_second": self.images_per_second,
            "fit_seconds": self.fit_seconds,
            "log_loss": self.log_loss,
            "brier_score": self.brier_score,
            "ece": self.ece,
        }
        if include_predictions:
            out["y_true"] = self.y_true
            out["y_pred"] = self.y_pred
            out["y_proba"] = self.y_proba
        return _jsonable(out)

    def __str__(self) -> str:
        lines = [
            f"{self.estimator} on {self.n_samples} images",
            f"accuracy: {self.accuracy:.4f}",
            *(
                [
                    (
                        f"log loss: {self.log_loss:.4f}  Brier score: "
                        f"{self.brier_score:.4f}  ECE (15 bins): {self.ece:.4f}"
                    )
                ]
                if self.ece is not None
                else []
            ),
            (
                f"predict time: {self.predict_seconds:.2f} s "
                f"({self.images_per_second:,.0f} images/s)"
            ),
            "",
            self.report_text.rstrip(),
        ]
        return "\n".join(lines)


def evaluate(
    estimator: Any,
    X: ArrayLike,
    y: ArrayLike,
    *,
    target_names: Sequence[str] | None = None,
) -> EvaluationResult:
    """Score a fitted classifier on a test set: metrics, report and timings.

    Parameters
    ----------
    estimator : fitted classifier
        A fitted fashionzoo estimator or any scikit-learn classifier with
        ``predict`` (and ideally ``predict_proba`` and ``classes_``).
    X : array-like of images
        Test images in the format the estimator was fitted on, e.g. (n, 784)
        or (n, 28, 28) uint8.
    y : array-like of shape (n_samples,)
        True labels.
    target_names : sequence of str, default=None
        Class names, see :func:`~fashionzoo.datasets.class_names`; by default the integer labels
        0-9 get the Fashion-MNIST names.

    Returns
    -------
    result : EvaluationResult
        Accuracy, :func:`~sklearn.metrics.classification_report` (dict and
        text), confusion matrix, per-class precision/recall/f1/support,
        prediction time and throughput. ``str(result)`` is a readable
        summary and ``result.to_dict()`` is JSON-serialisable.

    See Also
    --------
    fashionzoo.plotting.plot_confusion_matrix : Draw ``result.y_true`` against ``result.y_pred``.

    Examples
    --------
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from fashionzoo.datasets import load_sample
    >>> from fashionzoo.evaluation import evaluate
    >>> X, y = load_sample(return_X_y=True)
    >>> knn = KNeighborsClassifier().fit(X[:800], y[:800])
    >>> result = evaluate(knn, X[800:], y[800:])
    >>> result.n_samples, result.confusion_matrix.shape
    (200, (10, 10))
    >>> round(result.accuracy, 2)
    0.78
    """
    from sklearn.metrics import (
        accuracy_score,
        classification_report,
        confusion_matrix,
        precision_recall_fscore_support,
    )

    y_true = np.asarray(y)
    if y_true.ndim != 1:
        y_true = y_true.ravel()
    if getattr(estimator, "classes_", None) is not None:
        check_label_kinds(estimator.classes_, y_true)  # before predicting
    start = time.perf_counter()
    y_proba = None
    if hasattr(estimator, "predict_proba") and hasattr(estimator, "classes_"):
        y_proba = np.asarray(estimator.predict_proba(X))
        y_pred = np.asarray(estimator.classes_)[np.argmax(y_proba, axis=1)]
    else:
        y_pred = np.asarray(estimator.predict(X))
    seconds = time.perf_counter() - start
    if y_pred.shape[0] != y_true.shape[0]:
        msg = (
            f"X and y have different lengths: {y_pred.shape[0]} predictions and "
            f"{y_true.shape[0]} labels. Pass one label per image."
        )
        raise ValueError(msg)
    known = getattr(estimator, "classes_", None)
    if known is None:
        check_label_kinds(y_pred, y_true)
    labels = np.unique(y_true) if known is None else np.union1d(known, y_true)
    names = class_names(labels, target_names)
    report = classification_report(
        y_true,
        y_pred,
        labels=labels,
        target_names=names,
        output_dict=True,
        zero_division=0,
    )
    text = classification_report(
        y_true, y_pred, labels=labels, target_names=names, digits=4, zero_division=0
    )
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    n = int(y_true.shape[0])
    calibration = _calibration(y_true, y_proba, known)
    logger.debug(
        "evaluated %s on %d images in %.2f s", type(estimator).__name__, n, seconds
    )
    return EvaluationResult(
        estimator=type(estimator).__name__,
        accuracy=float(accuracy_score(y_true, y_pred)),
        n_samples=n,
        labels=_jsonable(labels.tolist()),
        target_names=names,
        confusion_matrix=confusion_matrix(y_true, y_pred, labels=labels),
        report=_jsonable(report),
        report_text=text,
        precision=np.asarray(precision, dtype=np.float64),
        recall=np.asarray(recall, dtype=np.float64),
        f1=np.asarray(f1, dtype=np.float64),
        support=np.asarray(support, dtype=np.int64),
        predict_seconds=float(seconds),
        images_per_second=float(n / seconds) if seconds > 0 else float("inf"),
        y_true=y_true,
        y_pred=y_pred,
        y_proba=y_proba,
        **calibration,
    )


def _calibration(y_true, y_proba, classes) -> dict[str, float | None]:
    """Log loss, Brier score and ECE, where the probabilities cover every label."""
    none: dict[str, float | None] = {"log_loss": None, "brier_score": None, "ece": None}
    if y_proba is None or classes is None or not np.isin(y_true, classes).all():
        return none
    return {
        "log_loss": log_loss(y_true, y_proba, classes=classes),
        "brier_score": brier_score(y_true, y_proba, classes=classes),
        "ece": expected_calibration_error(y_true, y_proba, classes=classes),
    }
