"""Views of results: confusion matrix, per-class metrics, errors, feature maps."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fashionzoo.datasets import class_names
from fashionzoo.plotting._common import (
    as_images,
    axes_grid,
    grid_title,
    image_cmap,
    new_axes,
)

__all__ = [
    "conv_layers",
    "feature_maps",
    "plot_confident_errors",
    "plot_confusion_matrix",
    "plot_feature_maps",
    "plot_per_class_metrics",
]

_NORMALIZE_TITLES = {
    None: "counts",
    "true": "normalised over true classes (recall on the diagonal)",
    "pred": "normalised over predicted classes (precision on the diagonal)",
    "all": "normalised over all images",
}


def _labels(
    y_true: np.ndarray, y_pred: np.ndarray, labels: ArrayLike | None
) -> np.ndarray:
    return np.union1d(y_true, y_pred) if labels is None else np.asarray(labels)


def plot_confusion_matrix(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    labels: ArrayLike | None = None,
    target_names: Sequence[str] | None = None,
    normalize: str | None = None,
    cmap: str = "Blues",
    colorbar: bool = True,
    ax: Any = None,
) -> Any:
    """Confusion matrix with class names, as counts or normalised.

    A thin layer over :class:`sklearn.metrics.ConfusionMatrixDisplay` that
    names the Fashion-MNIST classes, slants the column labels so they do not
    overlap and sizes the numbers for a 10x10 grid.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels (e.g. ``result.y_true`` and
        ``result.y_pred`` of :func:`fashionzoo.evaluation.evaluate`).
    labels : array-like, default=None
        Labels to index the matrix; the sorted union of both by default.
    target_names : sequence of str, default=None
        Axis names, see :func:`fashionzoo.datasets.class_names`.
    normalize : {None, "true", "pred", "all"}, default=None
        None for counts; else as in :func:`sklearn.metrics.confusion_matrix`.
    cmap : str, default="Blues"
        Colour map.
    colorbar : bool, default=True
        Whether to add a colour bar.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new figure if None.

    Returns
    -------
    display : sklearn.metrics.ConfusionMatrixDisplay
        ``display.confusion_matrix`` is the matrix, ``display.ax_`` and
        ``display.figure_`` the Axes and Figure.

    Examples
    --------
    >>> from fashionzoo.plotting import plot_confusion_matrix
    >>> disp = plot_confusion_matrix([0, 1, 1, 9], [0, 1, 9, 9])
    >>> disp.confusion_matrix.tolist()
    [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    >>> [t.get_text() for t in disp.ax_.get_xticklabels()]
    ['T-shirt/top', 'Trouser', 'Ankle boot']
    """
    from sklearn.metrics import ConfusionMatrixDisplay

    if normalize not in _NORMALIZE_TITLES:
        msg = f"normalize must be None, 'true', 'pred' or 'all'; got normalize={normalize!r}."
        raise ValueError(msg)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    labels = _labels(y_true, y_pred, labels)
    names = class_names(labels, target_names)
    ax = new_axes(ax, (0.6 * len(labels) + 2.6, 0.55 * len(labels) + 2.0))
    display = ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        labels=labels,
        display_labels=names,
        normalize=normalize,
        values_format="d" if normalize is None else ".2f",
        cmap=cmap,
        colorbar=colorbar,
        xticks_rotation=40,
        text_kw={"fontsize": 9 if len(labels) <= 10 else 7},
        ax=ax,
    )
    for label in display.ax_.get_xticklabels():
        label.set_horizontalalignment("right")
        label.set_rotation_mode("anchor")
    if normalize is not None:
        # Hide the noise of 0.00 cells so the mistakes stand out.
        for text in display.text_.ravel():
            if text.get_text() in ("0.00", "-0.00"):
                text.set_text("")
    display.ax_.set_title(
        f"Confusion matrix, {_NORMALIZE_TITLES[normalize]}", fontsize=10
    )
    return display


def plot_per_class_metrics(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    labels: ArrayLike | None = None,
    target_names: Sequence[str] | None = None,
    metrics: Sequence[str] = ("precision", "recall"),
    ax: Any = None,
) -> Any:
    """Per-class precision and recall (and f1 if asked) as grouped bars.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    labels : array-like, default=None
        Classes to show; the sorted union of both by default.
    target_names : sequence of str, default=None
        Class names, see :func:`fashionzoo.datasets.class_names`.
    metrics : sequence of {"precision", "recall", "f1"}, default=("precision", "recall")
        Bars per class, in this order.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new figure if None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        One bar container per metric (``ax.containers``, labelled with the
        metric); bar widths are the values; y tick labels the classes.

    Examples
    --------
    >>> from fashionzoo.plotting import plot_per_class_metrics
    >>> ax = plot_per_class_metrics([0, 0, 1, 1], [0, 1, 1, 1])
    >>> [round(float(b.get_width()), 2) for b in ax.containers[0]]  # precision
    [1.0, 0.67]
    """
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    allowed = {"precision": 0, "recall": 1, "f1": 2, "f1-score": 2}
    bad = [m for m in metrics if m not in allowed]
    if bad or not metrics:
        msg = (
            f"metrics must be among 'precision', 'recall', 'f1'; got {list(metrics)!r}."
        )
        raise ValueError(msg)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    labels = _labels(y_true, y_pred, labels)
    names = class_names(labels, target_names)
    values = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    ax = new_axes(ax, (7.5, 0.28 * len(labels) * len(metrics) + 1.6))
    height = 0.8 / len(metrics)
    positions = np.arange(len(labels))
    for k, metric in enumerate(metrics):
        offset = (k - (len(metrics) - 1) / 2) * height
        bars = ax.barh(
            positions + offset,
            values[allowed[metric]],
            height=height,
            label=metric.replace("-score", ""),
            color=f"C{k}",
        )
        ax.bar_label(bars, fmt="%.2f", padding=2, fontsize=7)
    ax.set_yticks(positions, names)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.12)
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.grid(axis="x", alpha=0.3)
    ax.legend(
        loc="lower right", bbox_to_anchor=(1, 1.0), ncols=len(metrics), frameon=False
    )
    accuracy = accuracy_score(y_true, y_pred)
    names_shown = [m.replace("-score", "") for m in metrics]
    shown = (
        f"{', '.join(names_shown[:-1])} and {names_shown[-1]}"
        if len(names_shown) > 1
        else names_shown[0]
    )
    ax.set_xlabel("score")
    ax.set_title(
        f"Per-class {shown}\n(accuracy {accuracy:.4f}, {y_true.size:,} images)",
        loc="left",
        fontsize=10,
    )
    return ax


def plot_confident_errors(
    X: ArrayLike,
    y_true: ArrayLike,
    y_proba: Any,
    *,
    classes: ArrayLike | None = None,
    target_names: Sequence[str] | None = None,
    n_images: int = 16,
    ncols: int | None = None,
    ax: Any = None,
) -> Any:
    """The wrongly classified images the model was most sure of.

    Parameters
    ----------
    X : array-like of shape (n_samples, 784) or (n_samples, 28, 28)
        Images.
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples, n_classes) or fitted classifier
        Predicted probabilities (columns in the order of ``classes``), or a
        fitted classifier whose ``predict_proba(X)`` and ``classes_`` are used.
    classes : array-like of shape (n_classes,), default=None
        Label of each column of ``y_proba``; ``0..n_classes-1`` by default.
    target_names : sequence of str, default=None
        Class names, see :func:`fashionzoo.datasets.class_names`.
    n_images : int, default=16
        How many errors to show, most confident first.
    ncols : int, default=None
        Columns of the grid; about the square root of ``n_images`` by default.
    ax : matplotlib.axes.Axes, default=None
        Axes whose area holds the grid; a new figure if None.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One Axes per error, in order, titled ``"true: <name>\\npred: <name>
        (<probability>)"``; with no error, one Axes saying so.
    """
    if hasattr(y_proba, "predict_proba"):
        estimator = y_proba
        y_proba = estimator.predict_proba(X)
        classes = estimator.classes_ if classes is None else classes
    proba = np.asarray(y_proba, dtype=float)
    images = as_images(X)
    y_true = np.asarray(y_true)
    if not (proba.ndim == 2 and proba.shape[0] == images.shape[0] == y_true.shape[0]):
        msg = (
            f"X, y_true and y_proba must describe the same images; got "
            f"{images.shape[0]} images, {y_true.shape[0]} labels and "
            f"probabilities of shape {proba.shape}."
        )
        raise ValueError(msg)
    classes = np.arange(proba.shape[1]) if classes is None else np.asarray(classes)
    names = dict(zip(classes.tolist(), class_names(classes, target_names), strict=True))
    y_pred = classes[np.argmax(proba, axis=1)]
    confidence = proba.max(axis=1)
    wrong = np.flatnonzero(y_pred != y_true)
    order = wrong[np.argsort(-confidence[wrong], kind="stable")][:n_images]
    count = max(1, order.size)
    ncols = ncols or min(count, math.ceil(math.sqrt(n_images)))
    nrows = math.ceil(count / ncols)
    fig, axes = axes_grid(ax, nrows, ncols, (1.75 * ncols + 0.3, 2.0 * nrows + 0.5))
    panels = axes.ravel()
    for panel in panels:
        panel.set_axis_off()
    if order.size == 0:
        panels[0].text(0.5, 0.5, "No errors", ha="center", va="center", fontsize=12)
    for panel, i in zip(panels, order, strict=False):
        panel.imshow(images[i], cmap=image_cmap(), interpolation="nearest")
        true_name = names.get(y_true[i].item(), str(y_true[i]))
        panel.set_title(
            f"true: {true_name}\npred: {names[y_pred[i].item()]} ({confidence[i]:.2f})",
            fontsize=8,
        )
    grid_title(
        fig,
        ax,
        f"The {order.size} most confident errors ({wrong.size:,} wrong of "
        f"{y_true.size:,} images)",
    )
    return fig


# --------------------------------------------------------------- feature maps
def _model_of(estimator: Any) -> Any:
    model = getattr(estimator, "model_", estimator)
    if not hasattr(model, "layers"):
        msg = (
            f"Expected a fitted fashionzoo estimator (with model_) or a keras.Model; "
            f"got {type(estimator).__name__}. Call fit first."
        )
        raise TypeError(msg)
    return model


def conv_layers(estimator: Any) -> list[str]:
    """Names of the 2-D convolution layers of a fitted estimator, in order.

    Nested networks are searched too; a name is the path from the outer
    model, e.g. ``"lenet5/conv1"``.

    Parameters
    ----------
    estimator : fitted estimator or keras.Model
        The model to search (``estimator.model_``).

    Returns
    -------
    names : list of str
        Paths usable as ``layer=`` in :func:`feature_maps` and
        :func:`plot_feature_maps`.
    """
    from fashionzoo.models.parts import convolution_paths

    return list(convolution_paths(_model_of(estimator)))


def _find_chain(model: Any, layer: str | int | None) -> tuple[Any, ...]:
    from fashionzoo.models.parts import convolution_paths

    found = convolution_paths(model)
    if not found:
        msg = f"The model {model.name!r} has no Conv2D layer to show feature maps of."
        raise ValueError(msg)
    paths, chains = list(found), list(found.values())
    if layer is None:
        return chains[0]
    if isinstance(layer, (int, np.integer)) and not isinstance(layer, bool):
        if not -len(chains) <= layer < len(chains):
            msg = (
                f"layer={layer} is out of range: the model has {len(chains)} "
                f"convolution layers ({', '.join(paths)})."
            )
            raise IndexError(msg)
        return chains[layer]
    matches = [
        c for c, p in zip(chains, paths, strict=True) if layer in (p, c[-1].name)
    ]
    if len(matches) != 1:
        import difflib

        close = difflib.get_close_matches(
            str(layer), paths + [c[-1].name for c in chains], 1
        )
        hint = f" Did you mean {close[0]!r}?" if close else ""
        what = "is ambiguous" if matches else "is not a convolution layer"
        msg = f"layer={layer!r} {what}; convolution layers: {', '.join(paths)}.{hint}"
        raise ValueError(msg)
    return matches[0]


def feature_maps(
    estimator: Any, images: ArrayLike, layer: str | int | None = None
) -> NDArray[np.float32]:
    """Activations of one convolution layer for some images.

    Parameters
    ----------
    estimator : fitted estimator or keras.Model
        A fitted fashionzoo estimator; the maps come from ``model_``, which
        takes raw pixels (the scaling is inside the model).
    images : array-like
        One image (28, 28), (784,) or (28, 28, 1), or a batch of them, with
        pixels in the scale used at fit (0-255 for uint8 training data).
    layer : str or int, default=None
        Layer name (``"conv2"``), path (``"lenet5/conv2"``) or index among
        :func:`conv_layers` (negative counts from the end); the first
        convolution layer if None.

    Returns
    -------
    maps : ndarray of shape (n_images, height, width, n_filters)
        The layer's output at inference (augmentation off).
    """
    model = _model_of(estimator)
    return _maps(estimator, model, _find_chain(model, layer), images)


def _maps(estimator: Any, model: Any, chain: tuple[Any, ...], images: ArrayLike) -> Any:
    from fashionzoo._keras import keras

    shape = tuple(getattr(estimator, "image_shape_", model.input.shape[1:]))
    x = np.asarray(images, dtype=np.float32).reshape((-1, *shape))
    from fashionzoo.models.parts import output_model

    sub = output_model(model, chain)
    return np.asarray(
        keras.ops.convert_to_numpy(sub(x, training=False)), dtype=np.float32
    )


def plot_feature_maps(
    estimator: Any,
    image: ArrayLike,
    layer: str | int | None = None,
    *,
    max_maps: int = 32,
    ncols: int | None = None,
    cmap: str = "viridis",
    ax: Any = None,
) -> Any:
    """The feature maps of one convolution layer for one image (study 003).

    The first panel is the input image; then one panel per filter, each
    with its own colour scale (bright = strong activation).

    Parameters
    ----------
    estimator : fitted estimator or keras.Model
        See :func:`feature_maps`.
    image : array-like of shape (28, 28), (784,) or (28, 28, 1)
        One image, pixels in the scale used at fit.
    layer : str or int, default=None
        See :func:`feature_maps`; the first convolution if None.
    max_maps : int, default=32
        Show at most this many filters (the first ones).
    ncols : int, default=None
        Panels per row; up to 8 by default.
    cmap : str, default="viridis"
        Colour map of the maps.
    ax : matplotlib.axes.Axes, default=None
        Axes whose area holds the grid; a new figure if None.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Panel 0 shows the image, panel ``k + 1`` filter ``k``
        (``fig.axes[k + 1].images[0].get_array()`` is ``maps[0, :, :, k]``).
    """
    model = _model_of(estimator)
    chain = _find_chain(model, layer)
    path = "/".join(x.name for x in chain)
    maps = _maps(estimator, model, chain, image)
    if maps.shape[0] != 1:
        msg = (
            f"plot_feature_maps shows one image; got {maps.shape[0]}. Pass image=X[i]."
        )
        raise ValueError(msg)
    n_filters = maps.shape[-1]
    shown = min(n_filters, max_maps)
    panels_needed = shown + 1
    if ncols is None:  # at most 8 per row, rows as full as possible
        ncols = math.ceil(panels_needed / math.ceil(panels_needed / 8))
    nrows = math.ceil(panels_needed / ncols)
    fig, axes = axes_grid(ax, nrows, ncols, (1.45 * ncols + 0.2, 1.6 * nrows + 0.5))
    panels = axes.ravel()
    for panel in panels:
        panel.set_axis_off()
    shape = tuple(getattr(estimator, "image_shape_", model.input.shape[1:]))
    picture = np.asarray(image, dtype=np.float32).reshape(shape[:2])
    panels[0].imshow(picture, cmap=image_cmap(), interpolation="nearest")
    panels[0].set_title("input", fontsize=8)
    for k in range(shown):
        fmap = maps[0, :, :, k]
        panels[k + 1].imshow(fmap, cmap=cmap, interpolation="nearest")
        flat = " (constant)" if fmap.max() == fmap.min() else ""
        panels[k + 1].set_title(f"filter {k}{flat}", fontsize=8)
    h, w = maps.shape[1:3]
    more = f", first {shown}" if shown < n_filters else ""
    grid_title(fig, ax, f"Feature maps of {path}: {n_filters} filters of {h}x{w}{more}")
    return fig
