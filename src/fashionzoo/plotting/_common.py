"""Helpers shared by the plotting modules; Matplotlib imported inside."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Colour map for images: dark garment on a white background.
IMAGE_CMAP = "gray_r"
#: Colour of the lines between tiles of a mosaic.
SEPARATOR_COLOR = "#b0b0b0"


def new_axes(ax: Any, figsize: tuple[float, float]) -> Any:
    """``ax`` if given, else the Axes of a new constrained-layout figure."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def axes_grid(
    ax: Any, nrows: int, ncols: int, figsize: tuple[float, float]
) -> tuple[Any, NDArray[Any]]:
    """A (nrows, ncols) array of Axes and their figure.

    With ``ax=None`` a new figure is made. A single Axes is hidden and the
    grid drawn inside its area; a sequence of ``nrows * ncols`` Axes is used
    as it is.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        fig, axes = plt.subplots(
            nrows, ncols, figsize=figsize, squeeze=False, layout="constrained"
        )
        return fig, axes
    if isinstance(ax, (Sequence, np.ndarray)):
        axes = np.asarray(ax, dtype=object).ravel()
        if axes.size != nrows * ncols:
            msg = f"ax must hold {nrows * ncols} Axes for this plot; got {axes.size}."
            raise ValueError(msg)
        return axes[0].figure, axes.reshape(nrows, ncols)
    ax.set_axis_off()
    top = 0.93  # room for the title of the host Axes
    cell_w, cell_h = 1 / ncols, top / nrows
    gap_x, gap_y = 0.12 * cell_w, 0.25 * cell_h
    axes = np.empty((nrows, ncols), dtype=object)
    for i in range(nrows):
        for j in range(ncols):
            axes[i, j] = ax.inset_axes(
                [
                    j * cell_w + gap_x / 2,
                    top - (i + 1) * cell_h + gap_y / 2,
                    cell_w - gap_x,
                    cell_h - gap_y,
                ]
            )
    return ax.figure, axes


def grid_title(fig: Any, ax: Any, text: str) -> None:
    """Title a panel grid: the figure's if it is ours, else the host Axes'."""
    if ax is None:
        fig.suptitle(text, fontsize=10)
    elif not isinstance(ax, (Sequence, np.ndarray)):
        ax.set_title(text, fontsize=10)


def as_images(X: ArrayLike) -> NDArray[Any]:
    """Images as an (n, h, w) array from (n, h*w) square rows or (n, h, w[, 1])."""
    X = np.asarray(X)
    if X.ndim == 4 and X.shape[-1] == 1:
        return X[..., 0]
    if X.ndim == 3:
        return X
    if X.ndim == 2:
        side = math.isqrt(X.shape[1])
        if side * side != X.shape[1]:
            msg = (
                f"Rows of {X.shape[1]} pixels are not square images. Pass "
                f"(n, 784) rows or (n, 28, 28) images."
            )
            raise ValueError(msg)
        return X.reshape(X.shape[0], side, side)
    msg = f"Expected images of shape (n, 784), (n, 28, 28) or (n, 28, 28, 1); got {X.shape}."
    raise ValueError(msg)


def mosaic(
    images: Sequence[NDArray[Any] | None], nrows: int, ncols: int, pad: int = 1
) -> NDArray[np.float64]:
    """Tile (h, w) images row by row, with ``pad`` NaN pixels between tiles.

    ``None`` entries leave their tile NaN (drawn in the separator colour).
    """
    h, w = next(np.shape(im) for im in images if im is not None)
    out = np.full((nrows * (h + pad) - pad, ncols * (w + pad) - pad), np.nan)
    for k, image in enumerate(images):
        if image is None:
            continue
        r, c = divmod(k, ncols)
        out[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = (
            image
        )
    return out


def image_cmap(name: str = IMAGE_CMAP, bad: str = SEPARATOR_COLOR) -> Any:
    """A copy of colour map ``name`` that draws NaN in ``bad``."""
    import matplotlib as mpl

    return mpl.colormaps[name].with_extremes(bad=bad)


def history_of(obj: Any) -> dict[str, list[float]]:
    """The per-epoch history dict of an estimator (``history_``) or a dict."""
    history = getattr(obj, "history_", obj)
    if hasattr(history, "history") and not isinstance(history, dict):
        history = history.history  # a keras.callbacks.History
    if not isinstance(history, dict):
        msg = (
            f"Expected a fitted estimator with history_ or a dict of per-epoch "
            f"lists; got {type(obj).__name__}."
        )
        raise TypeError(msg)
    return history


def is_history(obj: Any) -> bool:
    """Whether ``obj`` is a dict of per-epoch numeric lists (one run)."""
    if not isinstance(obj, dict) or not obj:
        return False
    return all(
        isinstance(v, (list, tuple, np.ndarray))
        and all(isinstance(x, (int, float, np.number)) for x in v)
        for v in obj.values()
    )
