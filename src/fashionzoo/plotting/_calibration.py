"""Reliability diagrams: how often the predicted class is right against how sure the model was."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fashionzoo.evaluation._calibration import N_BINS, ReliabilityBins, reliability_bins

__all__ = ["ReliabilityDisplay", "plot_reliability"]


class ReliabilityDisplay:
    """A reliability diagram of one or several models.

    Build it with :meth:`from_predictions`, :meth:`from_estimator` or
    :func:`plot_reliability`.

    Parameters
    ----------
    bins : dict of str to ReliabilityBins
        Per model, from :func:`fashionzoo.evaluation.reliability_bins`.

    Attributes
    ----------
    ax_ : matplotlib.axes.Axes
        The accuracy per bin, with the diagonal of perfect calibration.
    count_ax_ : matplotlib.axes.Axes
        Images per bin (log scale), below.
    figure_ : matplotlib.figure.Figure
    lines_ : dict of str to matplotlib.lines.Line2D
    """

    def __init__(self, bins: Mapping[str, ReliabilityBins]) -> None:
        self.bins = dict(bins)

    def plot(self, *, ax: Any = None) -> ReliabilityDisplay:
        """Draw the diagram.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Where the accuracy panel goes; the counts take its lower fifth.
            A new figure if None.

        Returns
        -------
        self
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, (ax, count_ax) = plt.subplots(
                2,
                1,
                figsize=(5.2, 5.6),
                height_ratios=(4, 1),
                sharex=True,
                layout="constrained",
            )
        else:
            count_ax = ax.inset_axes((0.0, -0.32, 1.0, 0.2), sharex=ax)
        ax.plot([0, 1], [0, 1], ls="--", color="0.55", lw=1, label="calibrated")
        self.lines_ = {}
        width = 1.0 / len(next(iter(self.bins.values())).count)
        for i, (name, b) in enumerate(self.bins.items()):
            centres = (b.edges[:-1] + b.edges[1:]) / 2
            filled = b.count > 0
            (line,) = ax.plot(
                b.confidence[filled],
                b.accuracy[filled],
                marker="o",
                ms=4,
                label=f"{name} (ECE {b.ece:.4f})",
            )
            self.lines_[name] = line
            shift = (i - (len(self.bins) - 1) / 2) * width / max(1, len(self.bins))
            count_ax.bar(
                centres + shift,
                b.count,
                width=width / max(1, len(self.bins)),
                color=line.get_color(),
                alpha=0.7,
            )
        ax.set(xlim=(0, 1), ylim=(0, 1.02), ylabel="accuracy in the bin")
        ax.set_aspect("auto")
        ax.legend(loc="upper left", fontsize=8)
        ax.tick_params(labelbottom=False)
        if len(self.bins) == 1:
            (b,) = self.bins.values()
            title = f"Reliability diagram, ECE {b.ece:.4f} ({len(b.count)} bins)"
        else:
            title = f"Reliability diagram ({len(next(iter(self.bins.values())).count)} bins)"
        ax.set_title(title, fontsize=10)
        count_ax.set_yscale("log")
        count_ax.set(xlabel="top probability (confidence)", ylabel="images")
        self.ax_, self.count_ax_, self.figure_ = ax, count_ax, ax.figure
        return self

    @classmethod
    def from_predictions(
        cls,
        y_true: Any,
        y_proba: Any,
        *,
        classes: Any = None,
        name: str = "model",
        n_bins: int = N_BINS,
        ax: Any = None,
    ) -> ReliabilityDisplay:
        """The diagram of one model's probabilities.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels.
        y_proba : array-like of shape (n_samples, n_classes)
            Predicted probabilities, one column per class (``predict_proba``).
        classes : array-like, default=None
            The label of each column; 0..n-1 if None.
        name : str, default="model"
            The legend's name.
        n_bins : int, default=15
            Number of equal-width bins of the top probability.
        ax : matplotlib.axes.Axes, default=None
            Where the accuracy panel goes; a new figure if None.

        Returns
        -------
        ReliabilityDisplay
        """
        bins = reliability_bins(y_true, y_proba, classes=classes, n_bins=n_bins)
        return cls({name: bins}).plot(ax=ax)

    @classmethod
    def from_estimator(
        cls,
        estimator: Any,
        X: Any,
        y: Any,
        *,
        name: str | None = None,
        n_bins: int = N_BINS,
        ax: Any = None,
    ) -> ReliabilityDisplay:
        """The diagram of a fitted classifier on ``X``, ``y``.

        Parameters
        ----------
        estimator : fitted classifier with ``predict_proba`` and ``classes_``
            The model to diagram.
        X : array-like of images
            The images to score, as ``estimator`` takes them.
        y : array-like of shape (n_samples,)
            Their true labels.
        name : str, default=None
            The legend's name; the class name if None.
        n_bins : int, default=15
            Number of equal-width bins of the top probability.
        ax : matplotlib.axes.Axes, default=None
            Where the accuracy panel goes; a new figure if None.

        Returns
        -------
        ReliabilityDisplay
        """
        return cls.from_predictions(
            y,
            estimator.predict_proba(X),
            classes=estimator.classes_,
            name=name or type(estimator).__name__,
            n_bins=n_bins,
            ax=ax,
        )


def plot_reliability(
    results: Any, *, n_bins: int = N_BINS, ax: Any = None
) -> ReliabilityDisplay:
    """Reliability diagram of one or several evaluated models.

    Each model's test images are put in ``n_bins`` equal-width bins of their
    top probability; the diagram shows the accuracy against the mean
    confidence of each bin (a calibrated model lies on the diagonal), the
    images per bin below, and the expected calibration error.

    Parameters
    ----------
    results : EvaluationResult, dict of str to EvaluationResult, or ComparisonResult
        From :func:`fashionzoo.evaluation.evaluate` (with probabilities) or
        :func:`fashionzoo.evaluation.compare`.
    n_bins : int, default=15
        Number of equal-width bins of the top probability.
    ax : matplotlib.axes.Axes, default=None
        Where the accuracy panel goes; a new figure if None.

    Returns
    -------
    ReliabilityDisplay

    Examples
    --------
    >>> import fashionzoo
    >>> from fashionzoo.datasets import load_sample
    >>> from fashionzoo.evaluation import evaluate
    >>> from fashionzoo.plotting import plot_reliability
    >>> X, y = load_sample(return_X_y=True)
    >>> result = evaluate(fashionzoo.InferenceModel("lenet5"), X, y)
    >>> disp = plot_reliability({"lenet5": result})
    >>> sorted(disp.lines_)
    ['lenet5']
    """
    runs = getattr(results, "runs", None)
    if runs is not None:  # a ComparisonResult
        results = {name: run.evaluation for name, run in runs.items()}
    if not isinstance(results, Mapping):
        results = {results.estimator: results}
    bins = {}
    for name, result in results.items():
        if result.y_proba is None:
            msg = (
                f"{name!r} has no probabilities (its estimator has no predict_proba), "
                "so it has no reliability diagram."
            )
            raise ValueError(msg)
        if len(result.labels) != result.y_proba.shape[1]:
            msg = (
                f"{name!r} was scored on labels {result.labels!r} that are not the "
                f"model's {result.y_proba.shape[1]} classes; its probabilities do "
                "not cover them."
            )
            raise ValueError(msg)
        bins[name] = reliability_bins(
            result.y_true, result.y_proba, classes=result.labels, n_bins=n_bins
        )
    return ReliabilityDisplay(bins).plot(ax=ax)
