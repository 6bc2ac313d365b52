"""Plots of corrupted images and of accuracy under corruption; Matplotlib imported inside."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from fashionzoo.plotting._common import mosaic

__all__ = [
    "CorruptionsDisplay",
    "RobustnessDisplay",
    "plot_corruptions",
    "plot_robustness",
]


class RobustnessDisplay:
    """Accuracy against severity, one line per corruption kind.

    Made by :func:`plot_robustness`; ``plot(ax=None)`` draws it again.

    Parameters
    ----------
    results : sequence of RobustnessResult
        From :func:`fashionzoo.evaluation.evaluate_robustness`, one per panel.

    Attributes
    ----------
    ax_ : matplotlib Axes or ndarray of Axes
        The Axes drawn on (an array of them for several results).
    figure_ : matplotlib Figure
        The figure.
    lines_ : list of dict
        Per panel, ``{kind: Line2D}``.
    """

    def __init__(self, results: Sequence[Any]) -> None:
        self.results = list(results)

    def plot(self, ax: Any = None) -> RobustnessDisplay:
        """Draw the panels on ``ax`` (one Axes per result) or on a new figure.

        Parameters
        ----------
        ax : matplotlib Axes or sequence of Axes, default=None
            Where to draw, one Axes per result; a new figure if None.

        Returns
        -------
        self
        """
        import matplotlib.pyplot as plt

        m = len(self.results)
        if ax is None:
            fig, axes = plt.subplots(
                1,
                m,
                figsize=(5.2 * m, 4.2),
                squeeze=False,
                sharey=True,
                layout="constrained",
            )
            axes = axes.ravel()
        else:
            axes = np.asarray(ax, dtype=object).ravel()
            if axes.size != m:
                msg = f"ax must hold {m} Axes, one per result; got {axes.size}."
                raise ValueError(msg)
            fig = axes[0].figure
        cmap = plt.get_cmap("tab20")
        self.lines_ = []
        for a, res in zip(axes, self.results, strict=True):
            lines = {}
            for i, (kind, row) in enumerate(zip(res.kinds, res.accuracy, strict=True)):
                (lines[kind],) = a.plot(
                    res.severities,
                    row,
                    marker="o",
                    ms=3,
                    color=cmap(i % 20),
                    label=kind,
                )
            a.axhline(res.clean_accuracy, color="k", ls="--", lw=1, label="clean")
            a.set_xticks(res.severities)
            a.set_xlabel("severity")
            a.set_ylabel("accuracy")
            a.set_ylim(0, 1)
            a.set_title(f"{res.estimator}: mean {res.mean_corruption_accuracy:.3f}")
            a.grid(alpha=0.3)
            self.lines_.append(lines)
        axes[-1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
        self.ax_ = axes[0] if m == 1 else axes
        self.figure_ = fig
        return self


def plot_robustness(result_or_results: Any, ax: Any = None) -> RobustnessDisplay:
    """Plot accuracy against corruption severity, one line per kind.

    Parameters
    ----------
    result_or_results : RobustnessResult or sequence of them
        From :func:`fashionzoo.evaluation.evaluate_robustness`; several
        results give one panel each, side by side with a shared y axis.
    ax : matplotlib Axes or sequence of Axes, default=None
        Where to draw (one Axes per result); a new figure if None.

    Returns
    -------
    display : RobustnessDisplay
        With ``ax_``, ``figure_`` and ``lines_``. The clean accuracy is the
        dashed line, the mean corruption accuracy is in the title.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from fashionzoo.datasets import load_sample
    >>> from fashionzoo.evaluation import evaluate_robustness
    >>> from fashionzoo.plotting import plot_robustness
    >>> X, y = load_sample(return_X_y=True)
    >>> clf = KNeighborsClassifier(3).fit(X[::2] / 255, y[::2])
    >>> res = evaluate_robustness(clf, X[1::2] / 255, y[1::2], kinds=["contrast"])
    >>> disp = plot_robustness(res)
    >>> list(disp.lines_[0])
    ['contrast']
    """
    results = (
        [result_or_results]
        if hasattr(result_or_results, "accuracy")
        else list(result_or_results)
    )
    if not results or not all(hasattr(r, "accuracy") for r in results):
        msg = "plot_robustness takes a RobustnessResult or a non-empty list of them."
        raise TypeError(msg)
    return RobustnessDisplay(results).plot(ax=ax)


class CorruptionsDisplay:
    """A grid of images under every corruption kind (rows) and severity (columns).

    Made by :func:`plot_corruptions`.

    Parameters
    ----------
    images : ndarray of shape (n_kinds, n_severities, n_images, h, w)
        The corrupted images, on the scale of the input.
    kinds : list of str
        The corruption kinds, one row each.
    severities : list of int
        The severities, one column group each.
    vmax : float
        The white of the grey scale: 255 for uint8 or 0-255 images, else 1.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    image_ : matplotlib AxesImage
        The mosaic (one image, NaN separators).
    """

    def __init__(
        self, images: np.ndarray, kinds: list[str], severities: list[int], vmax: float
    ) -> None:
        self.images = images
        self.kinds = kinds
        self.severities = severities
        self.vmax = vmax

    def plot(self, ax: Any = None) -> CorruptionsDisplay:
        """Draw the grid on ``ax`` or on a new figure.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; a new figure if None.

        Returns
        -------
        self
        """
        import matplotlib.pyplot as plt

        nk, ns, ni, h, w = self.images.shape
        ncols = ns * ni
        if ax is None:
            _, ax = plt.subplots(
                figsize=(0.75 * ncols + 1.6, 0.75 * nk + 0.6), layout="constrained"
            )
        tiles = [
            self.images[k, s, i]
            for k in range(nk)
            for s in range(ns)
            for i in range(ni)
        ]
        cmap = plt.get_cmap("gray").with_extremes(bad="#c8c8c8")
        self.image_ = ax.imshow(
            mosaic(tiles, nk, ncols),
            cmap=cmap,
            vmin=0,
            vmax=self.vmax,
            interpolation="nearest",
        )
        ax.set_yticks([k * (h + 1) + h / 2 for k in range(nk)], self.kinds)
        ax.set_xticks(
            [(s * ni + ni / 2) * (w + 1) - 0.5 for s in range(ns)],
            [f"severity {s}" for s in self.severities],
        )
        ax.tick_params(length=0)
        ax.xaxis.tick_top()
        for spine in ax.spines.values():
            spine.set_visible(False)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


def plot_corruptions(
    X: ArrayLike,
    kinds: Sequence[str] | None = None,
    severities: Sequence[int] = (1, 2, 3, 4, 5),
    *,
    random_state: int | None = 0,
    ax: Any = None,
) -> CorruptionsDisplay:
    """Show one or a few images under every corruption kind and severity.

    Rows are kinds, columns severities (each holding the images side by
    side). Pixels are drawn as they are (0 black, maximum white), so what is
    shown is what the network sees: the inversion of a garment is dark on a
    light background.

    Parameters
    ----------
    X : array-like of shape (n, 784), (n, 28, 28) or (n, 28, 28, 1), or (28, 28)
        A few images (one to about four reads well).
    kinds : sequence of str, default=None
        Kinds to show; None means every kind.
    severities : sequence of int, default=(1, 2, 3, 4, 5)
        Severities, one column group each.
    random_state : int or None, default=0
        Seed of the random kinds.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure if None.

    Returns
    -------
    display : CorruptionsDisplay
        With ``images``, ``ax_``, ``figure_`` and ``image_``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from fashionzoo.datasets import load_sample
    >>> from fashionzoo.plotting import plot_corruptions
    >>> X, y = load_sample(return_X_y=True)
    >>> disp = plot_corruptions(X[:2], kinds=["rotation", "jpeg"])
    >>> disp.images.shape
    (2, 5, 2, 28, 28)
    """
    from fashionzoo.datasets._corruptions import CORRUPTIONS, check_kind, corrupt

    X = np.asarray(X)
    if X.ndim == 2 and X.shape[0] == X.shape[1] and X.shape[1] != 784:
        X = X[None]  # a single (h, w) image
    kinds = list(CORRUPTIONS) if kinds is None else [check_kind(k) for k in kinds]
    severities = list(severities)
    flat = X.reshape(len(X), -1)
    side = round(np.sqrt(flat.shape[1]))
    images = np.stack(
        [
            np.stack(
                [
                    corrupt(flat, k, s, random_state=random_state).reshape(
                        -1, side, side
                    )
                    for s in severities
                ]
            )
            for k in kinds
        ]
    ).astype(np.float64)
    vmax = 255.0 if X.dtype == np.uint8 or float(X.max(initial=0)) > 1 else 1.0
    return CorruptionsDisplay(images, kinds, severities, vmax).plot(ax=ax)
