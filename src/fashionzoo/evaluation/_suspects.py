"""Suspect labels: images whose given label disagrees with out-of-fold predictions.

Confident learning (Northcutt, Jiang and Chuang, "Confident Learning:
Estimating Uncertainty in Dataset Labels", JAIR 70, 2021), as the cleanlab
library implements it by default (``find_label_issues`` with
``filter_by="prune_by_noise_rate"``, ranked by self-confidence):

1. each class ``j`` gets a threshold ``t_j``: the mean predicted probability
   of ``j`` over the images labelled ``j``;
2. the confident joint ``C[i, j]`` counts the images labelled ``i`` whose
   probability of ``j`` reaches ``t_j`` (the likeliest such ``j`` when
   several do), rescaled so each row sums to the images labelled ``i``;
3. for every ``i != j``, the ``round(C[i, j])`` images labelled ``i`` with the
   largest margin ``p_j - p_i`` are label issues;
4. issues are ranked by self-confidence, the probability of the given label
   (lowest first); the suggested label is the likeliest class.

The probabilities must come from models that did not see the image
(:func:`find_suspect_labels` cross-validates). Written here rather than
taken from cleanlab: these steps are some sixty lines of NumPy, and cleanlab
would bring pandas and its own dependencies to every install.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["SuspectLabels", "find_label_issues", "find_suspect_labels"]


@dataclass(frozen=True)
class SuspectLabels:
    """Images whose labels look wrong, most suspect first.

    Attributes
    ----------
    index : ndarray of int
        Rows of the data.
    given, suggested : ndarray
        The label each image has, and the likeliest class.
    self_confidence : ndarray of float
        The out-of-fold probability of the given label (lower: more suspect).
    proba : ndarray of shape (n_samples, n_classes)
        The out-of-fold probabilities of every image.
    classes : ndarray
    """

    index: NDArray[np.int64]
    given: NDArray[Any]
    suggested: NDArray[Any]
    self_confidence: NDArray[np.float64]
    proba: NDArray[np.float64]
    classes: NDArray[Any]

    def __len__(self) -> int:
        return len(self.index)

    def rows(self, top: int | None = None) -> list[dict[str, Any]]:
        """The suspects as dicts (``index``, ``given``, ``suggested``, ``score``).

        Parameters
        ----------
        top : int, default=None
            Only the first ``top``.

        Returns
        -------
        list of dict
        """
        end = len(self) if top is None else min(top, len(self))
        return [
            {
                "index": int(self.index[k]),
                "given": self.given[k].item(),
                "suggested": self.suggested[k].item(),
                "score": round(float(self.self_confidence[k]), 6),
            }
            for k in range(end)
        ]


def find_label_issues(y: Any, proba: Any, *, classes: Any = None) -> SuspectLabels:
    """Label issues among ``y`` given out-of-fold probabilities (confident learning).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The given labels.
    proba : array-like of shape (n_samples, n_classes)
        Out-of-fold predicted probabilities.
    classes : array-like of shape (n_classes,), default=None
        The label of each column; the sorted labels of ``y`` if None.

    Returns
    -------
    SuspectLabels
    """
    y = np.asarray(y).ravel()
    proba = np.asarray(proba, dtype=np.float64)
    classes = np.unique(y) if classes is None else np.asarray(classes)
    if proba.shape != (len(y), len(classes)):
        msg = (
            f"proba must have shape (n_samples, n_classes) = ({len(y)}, "
            f"{len(classes)}); got {proba.shape}."
        )
        raise ValueError(msg)
    labels = np.searchsorted(classes, y)
    if not np.array_equal(classes[np.clip(labels, 0, len(classes) - 1)], y):
        msg = f"y holds labels that are not among the classes {classes.tolist()!r}."
        raise ValueError(msg)
    k = len(classes)
    counts = np.bincount(labels, minlength=k)
    with np.errstate(invalid="ignore"):
        thresholds = np.bincount(labels, proba[np.arange(len(y)), labels], k) / counts
    above = proba >= np.nan_to_num(thresholds, nan=np.inf)[None, :]
    confident = np.where(above, proba, -1.0).argmax(axis=1)
    has_one = above.any(axis=1)
    joint = np.zeros((k, k))
    np.add.at(joint, (labels[has_one], confident[has_one]), 1)
    rows = joint.sum(axis=1, keepdims=True)
    calibrated = np.divide(
        joint * counts[:, None], rows, out=np.zeros_like(joint), where=rows > 0
    )
    issue = np.zeros(len(y), dtype=bool)
    for i in range(k):
        members = np.flatnonzero(labels == i)
        for j in range(k):
            n_remove = round(calibrated[i, j]) if i != j else 0
            if n_remove <= 0 or members.size == 0:
                continue
            margin = proba[members, j] - proba[members, i]
            issue[members[np.argsort(-margin, kind="stable")[:n_remove]]] = True
    index = np.flatnonzero(issue)
    confidence = proba[index, labels[index]]
    order = np.argsort(confidence, kind="stable")
    index = index[order]
    return SuspectLabels(
        index=index.astype(np.int64),
        given=y[index],
        suggested=classes[proba[index].argmax(axis=1)],
        self_confidence=confidence[order],
        proba=proba,
        classes=classes,
    )


def find_suspect_labels(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    cv: Any = 5,
    n_jobs: int | None = None,
    random_state: int = 0,
) -> SuspectLabels:
    """Cross-validate ``estimator`` and rank the images whose labels look wrong.

    Every image is scored by a model fitted on the other folds
    (:func:`sklearn.model_selection.cross_val_predict`, stratified and
    shuffled with ``random_state``), then :func:`find_label_issues` applies
    confident learning to those probabilities.

    Parameters
    ----------
    estimator : classifier with ``predict_proba``
        Unfitted or fitted; cloned for each fold.
    X : array-like of images
        The images to check.
    y : array-like of shape (n_samples,)
        Their given labels.
    cv : int or cross-validation splitter, default=5
        Number of stratified folds, or a splitter as scikit-learn takes it.
    n_jobs : int, default=None
        Folds fitted in parallel.
    random_state : int, default=0
        Seed of the folds when ``cv`` is an int.

    Returns
    -------
    SuspectLabels
    """
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    y = np.asarray(y).ravel()
    if isinstance(cv, int):
        cv = StratifiedKFold(cv, shuffle=True, random_state=random_state)
    proba = cross_val_predict(
        estimator, X, y, cv=cv, method="predict_proba", n_jobs=n_jobs
    )
    return find_label_issues(y, proba, classes=np.unique(y))
