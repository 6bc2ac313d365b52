"""Accuracy under corrupted images: :func:`evaluate_robustness` (NumPy only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fashionzoo.datasets._corruptions import (
    CORRUPTIONS,
    check_kind,
    check_severity,
    corrupt,
)

__all__ = ["RobustnessResult", "evaluate_robustness"]


@dataclass
class RobustnessResult:
    """What :func:`evaluate_robustness` measured.

    Attributes
    ----------
    estimator : str
        Class name (or ``name``) of the evaluated model.
    clean_accuracy : float
        Accuracy on the uncorrupted images.
    kinds : list of str
        The corruption kinds, in the order of the rows of ``accuracy``.
    severities : list of int
        The severities, in the order of the columns of ``accuracy``.
    accuracy : ndarray of shape (n_kinds, n_severities)
        Accuracy under each kind (row) and severity (column).
    n_samples : int
        Number of test images.
    random_state : int or None
        Seed passed to :func:`~fashionzoo.datasets.corrupt`.
    info : dict, default={}
        Keys of a :meth:`to_dict` record that are not fields, kept by
        :meth:`from_dict` and written back by :meth:`to_dict`.
    """

    estimator: str
    clean_accuracy: float
    kinds: list[str]
    severities: list[int]
    accuracy: np.ndarray
    n_samples: int
    random_state: Any = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def mean_corruption_accuracy(self) -> float:
        """Mean of ``accuracy`` over every kind and severity (as in MNIST-C)."""
        return float(self.accuracy.mean())

    @property
    def kind_accuracy(self) -> dict[str, float]:
        """Mean accuracy of each kind over the severities."""
        return {
            k: float(a)
            for k, a in zip(self.kinds, self.accuracy.mean(axis=1), strict=True)
        }

    @property
    def severity_accuracy(self) -> dict[int, float]:
        """Mean accuracy at each severity over the kinds."""
        return {
            s: float(a)
            for s, a in zip(self.severities, self.accuracy.mean(axis=0), strict=True)
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: clean and mean accuracy, and ``{kind: {severity: acc}}``.

        Returns
        -------
        dict
            The fields, ``mean_corruption_accuracy``, ``accuracy`` as
            ``{kind: {severity: acc}}`` (severities as str), and ``info``'s keys.
        """
        return {
            "estimator": self.estimator,
            "n_samples": self.n_samples,
            "random_state": self.random_state,
            "clean_accuracy": self.clean_accuracy,
            "mean_corruption_accuracy": self.mean_corruption_accuracy,
            "accuracy": {
                k: {str(s): float(a) for s, a in zip(self.severities, row, strict=True)}
                for k, row in zip(self.kinds, self.accuracy, strict=True)
            },
            **self.info,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RobustnessResult:
        """The result that :meth:`to_dict` gave ``d`` (extra keys go to ``info``).

        Parameters
        ----------
        d : dict
            A dict as :meth:`to_dict` returns it, e.g. read back from JSON.

        Returns
        -------
        RobustnessResult
        """
        acc = d["accuracy"]
        kinds = list(acc)
        severities = [int(s) for s in acc[kinds[0]]]
        own = {"estimator", "n_samples", "random_state", "clean_accuracy"}
        return cls(
            estimator=d["estimator"],
            clean_accuracy=float(d["clean_accuracy"]),
            kinds=kinds,
            severities=severities,
            accuracy=np.array([[acc[k][str(s)] for s in severities] for k in kinds]),
            n_samples=int(d["n_samples"]),
            random_state=d.get("random_state"),
            info={
                k: v
                for k, v in d.items()
                if k not in own | {"accuracy", "mean_corruption_accuracy"}
            },
        )

    def to_markdown(self) -> str:
        """A Markdown table: one row per kind, one column per severity, and the mean.

        Returns
        -------
        str
            The table, with a last row of the clean and mean accuracies.
        """
        head = ["kind", *(f"s{s}" for s in self.severities), "mean"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for k, row in zip(self.kinds, self.accuracy, strict=True):
            cells = [f"{a:.4f}" for a in row] + [f"{row.mean():.4f}"]
            lines.append(f"| {k} | " + " | ".join(cells) + " |")
        lines.append(
            f"| **clean** {self.clean_accuracy:.4f} | "
            + " | ".join(f"{a:.4f}" for a in self.accuracy.mean(axis=0))
            + f" | **{self.mean_corruption_accuracy:.4f}** |"
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return (
            f"{self.estimator}: clean accuracy {self.clean_accuracy:.4f}, mean "
            f"corruption accuracy {self.mean_corruption_accuracy:.4f} "
            f"({len(self.kinds)} kinds x {len(self.severities)} severities, "
            f"{self.n_samples} images)"
        )


def _name_of(estimator: Any) -> str:
    """A name for the result: an InferenceModel's file stem, else the class name."""
    path = getattr(estimator, "path_", None)
    stem = getattr(path, "stem", None)
    return stem if isinstance(stem, str) else type(estimator).__name__


def evaluate_robustness(
    estimator: Any,
    X_test: Any,
    y_test: Any,
    *,
    kinds: Sequence[str] | None = None,
    severities: Sequence[int] = (1, 2, 3, 4, 5),
    random_state: int | None = 0,
) -> RobustnessResult:
    """Accuracy of a fitted classifier under every corruption kind and severity.

    The mean corruption accuracy is the plain mean of the accuracy over all
    the kinds and severities evaluated, each (kind, severity) weighted
    equally, the summary that MNIST-C reports (Mu & Gilmer 2019; they report
    its complement, the mean error). The images are corrupted by
    :func:`fashionzoo.datasets.corrupt` with ``random_state``, so a seed gives
    the same test images to every model.

    Parameters
    ----------
    estimator : object
        Any fitted classifier with ``predict``: a fashionzoo estimator, a
        scikit-learn pipeline, or :class:`fashionzoo.inference.InferenceModel`.
    X_test : array-like of shape (n, 784), (n, 28, 28) or (n, 28, 28, 1)
        Test images, as ``estimator`` takes them.
    y_test : array-like of shape (n,)
        True labels.
    kinds : sequence of str, default=None
        Corruption kinds; ``None`` means all of
        :func:`~fashionzoo.datasets.list_corruptions`.
    severities : sequence of int, default=(1, 2, 3, 4, 5)
        Severities to evaluate, each 1-5.
    random_state : int or None, default=0
        Seed of the random corruption kinds.

    Returns
    -------
    result : RobustnessResult
        Clean accuracy, the (kind x severity) accuracy table, its mean
        (``mean_corruption_accuracy``), ``to_dict()`` and ``to_markdown()``.

    See Also
    --------
    fashionzoo.datasets.corrupt : The corruptions.
    fashionzoo.plotting.plot_robustness : Plot the result.

    Examples
    --------
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from fashionzoo.datasets import load_sample
    >>> from fashionzoo.evaluation import evaluate_robustness
    >>> X, y = load_sample(return_X_y=True)
    >>> clf = KNeighborsClassifier(3).fit(X[::2] / 255, y[::2])
    >>> res = evaluate_robustness(
    ...     clf, X[1::2] / 255, y[1::2], kinds=["inversion", "gaussian_noise"],
    ...     severities=(1, 5))
    >>> res.accuracy.shape
    (2, 2)
    >>> res.mean_corruption_accuracy < res.clean_accuracy
    True
    """
    if not hasattr(estimator, "predict"):
        msg = f"estimator must be a fitted classifier with predict; got {type(estimator).__name__}."
        raise TypeError(msg)
    kinds = list(CORRUPTIONS) if kinds is None else [check_kind(k) for k in kinds]
    if not kinds:
        msg = "kinds must name at least one corruption kind."
        raise ValueError(msg)
    severities = [check_severity(s) for s in severities]
    if not severities:
        msg = "severities must hold at least one severity from 1 to 5."
        raise ValueError(msg)
    y = np.asarray(y_test)
    X = np.asarray(X_test)
    if len(X) != len(y):
        msg = f"X_test and y_test have different lengths: {len(X)} and {len(y)}."
        raise ValueError(msg)

    def acc(images: np.ndarray) -> float:
        return float(np.mean(np.asarray(estimator.predict(images)) == y))

    table = np.empty((len(kinds), len(severities)))
    for i, kind in enumerate(kinds):
        for j, s in enumerate(severities):
            table[i, j] = acc(corrupt(X, kind, s, random_state=random_state))
    return RobustnessResult(
        estimator=_name_of(estimator),
        clean_accuracy=acc(X),
        kinds=kinds,
        severities=severities,
        accuracy=table,
        n_samples=len(y),
        random_state=random_state,
    )
