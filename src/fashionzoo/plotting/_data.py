"""Views of the data: samples per class, class balance, pixel correlation, t-SNE."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from fashionzoo.datasets import class_names
from fashionzoo.plotting._common import as_images, image_cmap, mosaic, new_axes

__all__ = ["plot_class_balance", "plot_pixel_correlation", "plot_samples", "plot_tsne"]


def plot_samples(
    X: ArrayLike,
    y: ArrayLike,
    *,
    n_per_class: int = 10,
    target_names: Sequence[str] | None = None,
    random_state: int | None = 0,
    ax: Any = None,
) -> Any:
    """A grid of images: one row per class, ``n_per_class`` random images each.

    Parameters
    ----------
    X : array-like of shape (n_samples, 784) or (n_samples, 28, 28)
        Images.
    y : array-like of shape (n_samples,)
        Labels; one row per distinct label, in sorted order.
    n_per_class : int, default=10
        Images per row. A class with fewer images leaves blank tiles.
    target_names : sequence of str, default=None
        Row labels, see :func:`fashionzoo.datasets.class_names`.
    random_state : int or None, default=0
        Seed of the random choice of images.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new figure if None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The images form one mosaic (``ax.images[0]``); the y tick labels
        name the classes.

    Examples
    --------
    >>> from fashionzoo.datasets import load_sample
    >>> from fashionzoo.plotting import plot_samples
    >>> X, y = load_sample(return_X_y=True)
    >>> ax = plot_samples(X, y, n_per_class=8)
    >>> [t.get_text() for t in ax.get_yticklabels()][:2]
    ['T-shirt/top', 'Trouser']
    """
    images = as_images(X)
    y = np.asarray(y)
    if y.shape[0] != images.shape[0]:
        msg = f"X holds {images.shape[0]} images but y {y.shape[0]} labels."
        raise ValueError(msg)
    if n_per_class < 1:
        msg = f"n_per_class must be at least 1; got {n_per_class}."
        raise ValueError(msg)
    rng = np.random.default_rng(random_state)
    labels = np.unique(y)
    tiles: list[Any] = []
    for label in labels:
        idx = np.flatnonzero(y == label)
        chosen = np.sort(rng.choice(idx, min(n_per_class, idx.size), replace=False))
        row = [images[i].astype(np.float64) for i in chosen]
        tiles.extend(row + [None] * (n_per_class - len(row)))
    h = images.shape[1]
    grid = mosaic(tiles, len(labels), n_per_class)
    ax = new_axes(ax, (0.55 * n_per_class + 1.6, 0.55 * len(labels) + 0.6))
    ax.imshow(
        grid, cmap=image_cmap(), interpolation="nearest", vmin=0, vmax=images.max()
    )
    ax.set_yticks(np.arange(len(labels)) * (h + 1) + (h - 1) / 2)
    ax.set_yticklabels(class_names(labels, target_names))
    ax.set_xticks([])
    ax.tick_params(axis="y", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(f"{n_per_class} random images per class")
    return ax


def plot_class_balance(
    y: ArrayLike | Mapping[str, ArrayLike],
    *,
    target_names: Sequence[str] | None = None,
    ax: Any = None,
) -> Any:
    """Images per class as horizontal bars, one bar group per label set.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or mapping of str to array-like
        Labels, or several label sets by name (``{"train": y_train,
        "test": y_test}``) drawn side by side.
    target_names : sequence of str, default=None
        Class names, see :func:`fashionzoo.datasets.class_names`.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new figure if None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        One bar container per label set (``ax.containers``); bar widths are
        the counts, y tick labels the class names.

    Examples
    --------
    >>> from fashionzoo.datasets import load_sample
    >>> from fashionzoo.plotting import plot_class_balance
    >>> _, y = load_sample(return_X_y=True)
    >>> ax = plot_class_balance(y)
    >>> [int(bar.get_width()) for bar in ax.containers[0]][:3]
    [100, 100, 100]
    """
    sets = (
        {k: np.asarray(v) for k, v in y.items()}
        if isinstance(y, Mapping)
        else {"": np.asarray(y)}
    )
    labels = np.unique(np.concatenate(list(sets.values())))
    names = class_names(labels, target_names)
    ax = new_axes(ax, (7.0, 0.35 * len(labels) * max(1, len(sets)) ** 0.5 + 1.2))
    height = 0.8 / len(sets)
    positions = np.arange(len(labels))
    for k, (name, values) in enumerate(sets.items()):
        counts = np.array([np.sum(values == label) for label in labels])
        offset = (k - (len(sets) - 1) / 2) * height
        bars = ax.barh(positions + offset, counts, height=height, label=name or None)
        ax.bar_label(bars, padding=2, fontsize=8)
    ax.set_yticks(positions, names)
    ax.invert_yaxis()
    ax.set_xlabel("images")
    ax.margins(x=0.12)
    total = ", ".join(
        f"{name} {len(values):,}" if name else f"{len(values):,} images"
        for name, values in sets.items()
    )
    ax.set_title(f"Class balance ({total})")
    if len(sets) > 1:
        ax.legend(loc="lower right")
    return ax


def _pixel_correlation(X: np.ndarray, chunk: int = 10_000) -> np.ndarray:
    """Pearson correlation of the columns of X; NaN for constant columns."""
    n = X.shape[0]
    mean = X.mean(axis=0, dtype=np.float64)
    cov = np.zeros((X.shape[1], X.shape[1]))
    for start in range(0, n, chunk):
        block = X[start : start + chunk].astype(np.float64) - mean
        cov += block.T @ block
    std = np.sqrt(np.diag(cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = cov / np.outer(std, std)
    corr[std == 0, :] = np.nan
    corr[:, std == 0] = np.nan
    return np.clip(corr, -1.0, 1.0)


def plot_pixel_correlation(
    X: ArrayLike,
    *,
    max_samples: int | None = None,
    random_state: int | None = 0,
    ax: Any = None,
) -> Any:
    """Heatmap of the correlation between every pair of pixels (study 001).

    Study 001 plotted ``df.corr()`` of the 784 pixel columns: the bands
    28 pixels apart show that neighbours, in a row and in a column, move
    together. Pixels that never change (0 in every image) have no
    correlation and are drawn grey.

    Parameters
    ----------
    X : array-like of shape (n_samples, 784) or (n_samples, 28, 28)
        Images; pixels are numbered row by row (``row * 28 + column``).
    max_samples : int, default=None
        Use a random subset of this many images; all if None.
    random_state : int or None, default=0
        Seed of the subset.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new figure if None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        ``ax.images[0].get_array()`` is the (784, 784) correlation matrix.

    Examples
    --------
    >>> from fashionzoo.datasets import load_sample
    >>> from fashionzoo.plotting import plot_pixel_correlation
    >>> X, _ = load_sample(return_X_y=True)
    >>> ax = plot_pixel_correlation(X)
    >>> ax.images[0].get_array().shape
    (784, 784)
    """
    images = as_images(X)
    n, h, w = images.shape
    flat = images.reshape(n, h * w)
    if max_samples is not None and max_samples < n:
        rng = np.random.default_rng(random_state)
        flat = flat[np.sort(rng.choice(n, max_samples, replace=False))]
    corr = _pixel_correlation(flat)
    ax = new_axes(ax, (7.2, 6.0))
    im = ax.imshow(
        corr,
        cmap=image_cmap("coolwarm", "#bbbbbb"),
        vmin=-1,
        vmax=1,
        interpolation="nearest",
    )
    ticks = np.arange(0, h * w, w * 4)
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)
    ax.set_xlabel(f"pixel (row × {w} + column)")
    ax.set_ylabel(f"pixel (row × {w} + column)")
    ax.figure.colorbar(im, ax=ax, shrink=0.85, label="Pearson correlation")
    ax.set_title(f"Correlation between the {h * w} pixels ({flat.shape[0]:,} images)")
    return ax


def plot_tsne(
    X: ArrayLike,
    y: ArrayLike,
    *,
    n_samples: int = 2000,
    perplexity: float = 30.0,
    random_state: int = 0,
    target_names: Sequence[str] | None = None,
    features: bool = False,
    ax: Any = None,
) -> Any:
    """A 2-D t-SNE map of a stratified sample of images (study 003).

    The pixels are scaled to [0, 1], reduced to 50 dimensions with PCA (as
    the scikit-learn documentation advises for t-SNE on many features) and
    embedded with :class:`sklearn.manifold.TSNE`, seeded.

    Parameters
    ----------
    X : array-like of shape (n_samples, 784) or (n_samples, 28, 28)
        Images (0-255).
    y : array-like of shape (n_samples,)
        Labels, one colour each.
    n_samples : int, default=2000
        Size of the stratified sample embedded (t-SNE is quadratic in it).
    perplexity : float, default=30.0
        The t-SNE perplexity; lowered to ``(n - 1) / 3`` for tiny samples.
    random_state : int, default=0
        Seed of the sample, PCA and t-SNE.
    target_names : sequence of str, default=None
        Legend names, see :func:`fashionzoo.datasets.class_names`.
    features : bool, default=False
        ``X`` holds feature vectors, not pixels: a network's embeddings
        (``est.embed(images)``), mapped as they are.

        .. versionadded:: 0.2.0
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new figure if None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        One scatter collection per class (``ax.collections``), labelled with
        the class name in the legend.
    """
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE
    from sklearn.model_selection import train_test_split

    y = np.asarray(y)
    if features:
        flat = np.asarray(X, dtype=np.float32).reshape(len(y), -1)
    else:
        images = as_images(X)
        flat = images.reshape(images.shape[0], -1).astype(np.float32)
        if flat.max() > 1.0:
            flat /= 255.0
    if n_samples < flat.shape[0]:
        flat, _, y, _ = train_test_split(
            flat, y, train_size=n_samples, stratify=y, random_state=random_state
        )
    n = flat.shape[0]
    reduced = PCA(
        n_components=min(50, n, flat.shape[1]), random_state=random_state
    ).fit_transform(flat)
    embedding = TSNE(
        n_components=2,
        perplexity=min(perplexity, (n - 1) / 3),
        init="pca",
        learning_rate="auto",
        random_state=random_state,
    ).fit_transform(reduced)
    labels = np.unique(y)
    names = class_names(labels, target_names)
    ax = new_axes(ax, (8.5, 6.5))
    colors = [f"C{k % 10}" for k in range(len(labels))]
    for label, name, color in zip(labels, names, colors, strict=True):
        mask = y == label
        ax.scatter(
            embedding[mask, 0],
            embedding[mask, 1],
            s=6,
            color=color,
            label=name,
            alpha=0.8,
        )
    ax.legend(
        loc="center left", bbox_to_anchor=(1.01, 0.5), markerscale=2.5, frameon=False
    )
    ax.set_xticks([])
    ax.set_yticks([])
    what = "embeddings" if features else "images"
    ax.set_title(f"t-SNE of {n:,} {what} (PCA to {reduced.shape[1]} dimensions first)")
    return ax
