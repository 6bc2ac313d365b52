"""Where a network looks: input-gradient saliency, Grad-CAM and their overlays.

The gradients are backend code (``fashionzoo._backends.<name>.gradient``);
everything here calls Keras layers and ``keras.ops`` only, so it runs on
every backend that has the primitive (TensorFlow and JAX).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fashionzoo.plotting._common import axes_grid, grid_title, image_cmap

__all__ = ["GradCAMDisplay", "gradcam", "plot_gradcam", "saliency_map"]

#: Images per gradient call: bounds the memory of the feature maps and tapes.
_CHUNK = 256

_COLLAPSE = ("Flatten", "GlobalAveragePooling2D", "GlobalMaxPooling2D")
_KINDS = ("gradcam", "saliency")


# ------------------------------------------------------------ model anatomy
def _model_of(estimator: Any) -> Any:
    model = getattr(estimator, "model_", None)
    if model is None or not hasattr(model, "layers"):
        msg = (
            f"Expected a fitted fashionzoo estimator (with model_); got "
            f"{type(estimator).__name__}. Call fit first, or create_estimator(..., "
            f"pretrained=True)."
        )
        raise TypeError(msg)
    return model


def _layer_chains(model: Any, chain: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every layer of ``model`` with the chain of nested models leading to it."""
    from fashionzoo.models.parts import _inner

    found: list[tuple[Any, ...]] = []
    for layer in model.layers:
        found.append((*chain, layer))
        if (inner := _inner(layer)) is not None:
            found.extend(_layer_chains(inner, (*chain, layer)))
    return found


def _input_of(layer: Any) -> Any:
    from fashionzoo._keras import keras

    return keras.Operation.input.fget(layer)


def _producer(tensor: Any) -> Any:
    history = getattr(tensor, "_keras_history", None)
    return None if history is None else history[0]


def _is_map(layer: Any) -> bool:
    """Whether ``layer`` outputs one 4-D (batch, height, width, channels) tensor."""
    from fashionzoo._keras import keras

    if isinstance(layer, keras.layers.InputLayer):
        return False
    try:
        shape = layer.output.shape
    except (AttributeError, ValueError):  # not called, or called several times
        return False
    return len(shape) == 4


def _path(chain: tuple[Any, ...]) -> str:
    return "/".join(layer.name for layer in chain)


def _listing(names: list[str], last: int = 8) -> str:
    """The names, or the last ``last`` of them after a count of the others."""
    if len(names) <= last:
        return ", ".join(names)
    return f"{len(names) - last} more, then " + ", ".join(names[-last:])


def _default_map(model: Any) -> tuple[Any, ...]:
    """The chain to the last 4-D map: the input of the last Flatten / global pooling."""
    chains = _layer_chains(model)
    collapses = [c for c in chains if type(c[-1]).__name__ in _COLLAPSE]
    from fashionzoo.models.parts import _CONVOLUTIONS, _inner, convolution_paths

    layers = [c[-1] for c in chains]
    for chain in reversed(collapses):
        feeder = _producer(_input_of(chain[-1]))
        if feeder is None or not _is_map(feeder) or feeder not in layers:
            continue
        upstream = layers[: layers.index(feeder) + 1]
        held = _inner(feeder)  # a nested backbone: its convolutions count
        if any(isinstance(layer, _CONVOLUTIONS) for layer in upstream) or (
            held is not None and convolution_paths(held)
        ):
            return (*chain[:-1], feeder)
    maps = [c for c in chains if _is_map(c[-1])]
    hint = (
        f" Its 4-D maps: {_listing([_path(c) for c in maps])}; pass one as layer=."
        if maps
        else ""
    )
    msg = (
        f"Grad-CAM needs a convolutional network: the model {model.name!r} has no "
        f"convolution feeding a Flatten or global pooling layer.{hint} "
        f"saliency_map works for any network."
    )
    raise ValueError(msg)


def _find_map(model: Any, layer: str | None) -> tuple[Any, ...]:
    if layer is None:
        return _default_map(model)
    maps = [c for c in _layer_chains(model) if _is_map(c[-1])]
    matches = [c for c in maps if layer in (_path(c), c[-1].name)]
    if len(matches) == 1:
        return matches[0]
    import difflib

    names = [_path(c) for c in maps]
    close = difflib.get_close_matches(str(layer), names + [c[-1].name for c in maps], 1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    what = "is ambiguous" if matches else "is not a layer with a 4-D feature map"
    msg = (
        f"layer={layer!r} {what} in model {model.name!r}; layers with feature "
        f"maps: {_listing(names)}.{hint}"
    )
    raise ValueError(msg)


def _tail(model: Any, chain: tuple[Any, ...]) -> list[Any]:
    """The layers from the map of ``chain`` to ``model``'s output, checked to be a chain.

    ``chain`` runs from the top model down to the map's layer (nested
    networks in between). At each level, from the innermost out, the layers
    after the current one must each take the output of the one before (true
    after the last feature map of every zoo network).
    """
    from fashionzoo.models.parts import _inner

    levels = [model, *chain]
    tail: list[Any] = []
    for depth in range(len(levels) - 1, 0, -1):
        layers = _inner(levels[depth - 1]).layers
        previous = levels[depth]
        for nxt in layers[layers.index(previous) + 1 :]:
            if _producer(_input_of(nxt)) is not previous:
                msg = (
                    f"The layers after {_path(chain)!r} do not form a chain "
                    f"({nxt.name!r} does not take the output of {previous.name!r}), "
                    f"so Grad-CAM cannot continue from there. Pass layer= a map "
                    f"after the last skip connection (layer=None picks one)."
                )
                raise ValueError(msg)
            tail.append(nxt)
            previous = nxt
    # A head that is itself a model (the transfer models' Sequential "head"):
    # its layers, so that the final softmax can be left out of the scores.
    while tail and (held := _inner(tail[-1])) is not None:
        inner = [x for x in held.layers if not _is_input(x)]
        for before, after in itertools.pairwise(inner):
            if _producer(_input_of(after)) is not before:
                return tail
        tail[-1:] = inner
    return tail


def _is_input(layer: Any) -> bool:
    from fashionzoo._keras import keras

    return isinstance(layer, keras.layers.InputLayer)


def _scores(tail: list[Any], maps: Any) -> Any:
    """Class scores (logits) of the tail for feature maps ``maps``.

    A final softmax (a ``Dense`` with softmax activation, as in every zoo
    network, or a softmax layer) is left out, so the scores are the logits
    Grad-CAM is defined on; a tail ending otherwise gives the log of its
    output.
    """
    from fashionzoo._keras import keras

    x = keras.ops.cast(maps, "float32")
    *body, last = tail
    for layer in body:
        x = layer(x, training=False)
    softmax = keras.activations.softmax
    if isinstance(last, keras.layers.Dense) and last.activation is softmax:
        x = keras.ops.matmul(keras.ops.cast(x, last.kernel.dtype), last.kernel)
        if last.use_bias:
            x = x + last.bias
        return keras.ops.cast(x, "float32")
    if isinstance(last, keras.layers.Softmax) or (
        isinstance(last, keras.layers.Activation) and last.activation is softmax
    ):
        return keras.ops.cast(x, "float32")
    out = keras.ops.cast(last(x, training=False), "float32")
    return keras.ops.log(keras.ops.maximum(out, 1e-30))


# -------------------------------------------------------------- the maps
def _softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _target_indices(estimator: Any, target: Any, n: int) -> NDArray[np.intp] | None:
    """Column indices of ``target`` (labels of ``classes_``); None: the predicted ones."""
    if target is None:
        return None
    classes = list(np.asarray(estimator.classes_).tolist())
    labels = np.asarray(target)
    flat = np.broadcast_to(labels, (n,)) if labels.ndim == 0 else labels
    if flat.shape != (n,):
        msg = f"target must be one label or one label per image ({n}); got shape {labels.shape}."
        raise ValueError(msg)
    missing = sorted({v for v in flat.tolist() if v not in classes}, key=str)
    if missing:
        msg = (
            f"target holds labels the estimator does not know: {missing}. "
            f"Its classes_: {classes}."
        )
        raise ValueError(msg)
    return np.array([classes.index(v) for v in flat.tolist()], dtype=np.intp)


def _resize(maps: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear resize of (n, h, w) maps, pixel centres aligned (half-pixel)."""

    def axis(out: int, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pos = np.clip((np.arange(out) + 0.5) * size / out - 0.5, 0, size - 1)
        lo = np.floor(pos).astype(np.intp)
        return lo, np.minimum(lo + 1, size - 1), (pos - lo).astype(maps.dtype)

    y0, y1, wy = axis(height, maps.shape[1])
    x0, x1, wx = axis(width, maps.shape[2])
    rows = maps[:, y0] * (1 - wy)[:, None] + maps[:, y1] * wy[:, None]
    return rows[:, :, x0] * (1 - wx) + rows[:, :, x1] * wx


def _normalise(maps: np.ndarray) -> np.ndarray:
    """Each map divided by its maximum: [0, 1]; an all-zero map stays zero."""
    peak = maps.reshape(len(maps), -1).max(axis=1)
    peak = np.where(peak > 0, peak, 1.0)
    return np.clip(maps / peak[:, None, None], 0.0, 1.0).astype(np.float32)


def _explain(
    estimator: Any, X: ArrayLike, target: Any, kind: str, layer: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(maps, proba, explained column, images) for ``kind`` in ``_KINDS``."""
    from fashionzoo._config import device_scope

    with device_scope():  # where the estimator predicts
        return _explain_here(estimator, X, target, kind, layer)


def _explain_here(
    estimator: Any, X: ArrayLike, target: Any, kind: str, layer: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from fashionzoo._backends import current
    from fashionzoo._keras import keras
    from fashionzoo.models.parts import output_model

    model = _model_of(estimator)
    images = estimator._predict_images(X)
    n = images.shape[0]
    columns = _target_indices(estimator, target, n)
    backend = current()
    if kind == "gradcam":
        chain = _find_map(model, layer)
        tail = _tail(model, chain)
        head = output_model(model, chain)
    elif layer is not None:
        msg = "layer= is for kind='gradcam'; saliency maps are taken at the input."
        raise ValueError(msg)
    maps, probas, picked = [], [], []
    for start in range(0, n, _CHUNK):
        x = images[start : start + _CHUNK].astype(np.float32)
        if kind == "gradcam":
            feats = np.asarray(
                keras.ops.convert_to_numpy(head(x, training=False)), dtype=np.float32
            )
            proba = _softmax(
                np.asarray(keras.ops.convert_to_numpy(_scores(tail, feats)), np.float64)
            )
        else:
            proba = np.asarray(
                keras.ops.convert_to_numpy(model(x, training=False)), np.float64
            )
        cols = (
            proba.argmax(axis=1) if columns is None else columns[start : start + len(x)]
        )
        onehot = np.eye(proba.shape[1], dtype=np.float32)[cols]
        if kind == "gradcam":

            def score(v: Any, onehot: np.ndarray = onehot) -> Any:
                return keras.ops.sum(_scores(tail, v) * onehot, axis=-1)

            grads = backend.gradient(score, feats)
            weights = grads.mean(axis=(1, 2))
            cam = np.maximum(np.einsum("nhwk,nk->nhw", feats, weights), 0.0)
            maps.append(_resize(cam, *x.shape[1:3]))
        else:

            def prob(v: Any, onehot: np.ndarray = onehot) -> Any:
                out = keras.ops.cast(model(v, training=False), "float32")
                return keras.ops.sum(out * onehot, axis=-1)

            grads = backend.gradient(prob, x)
            maps.append(np.abs(grads).max(axis=-1))
        probas.append(proba)
        picked.append(cols)
    return (
        _normalise(np.concatenate(maps)),
        np.concatenate(probas).astype(np.float32),
        np.concatenate(picked),
        images,
    )


def saliency_map(
    estimator: Any, X: ArrayLike, target: Any = None
) -> NDArray[np.float32]:
    """Input-gradient saliency: how much each pixel moves a class probability.

    The map of an image is ``|d p_c / d x|``, the absolute gradient of the
    probability of class ``c`` with respect to the input pixels
    (Simonyan et al., 2014, "Deep inside convolutional networks"),
    divided by its maximum. It works for any network of the zoo.

    Parameters
    ----------
    estimator : fitted fashionzoo estimator
        A network estimator (``model_``), e.g. from
        :func:`fashionzoo.create_estimator`.
    X : array-like of images
        As for the estimator's ``predict``: (n, 784), (n, 28, 28) or
        (n, 28, 28, 1), pixels in the scale used at fit.
    target : label or array-like of labels, default=None
        Class to explain, one for all images or one per image (labels of
        ``classes_``); the predicted class if None.

    Returns
    -------
    maps : ndarray of shape (n, height, width), float32
        In [0, 1], 1 at each image's most influential pixel; (n, 28, 28)
        for Fashion-MNIST images.

    Raises
    ------
    NotImplementedError
        Keras runs on a backend without gradients here (torch); TensorFlow
        and JAX are done.
    ValueError
        ``target`` holds a label the estimator does not know.

    See Also
    --------
    gradcam : Class activation maps of the last convolutional feature map.
    plot_gradcam : Either map over the images.

    Notes
    -----
    The model runs at inference (dropout off, batch normalisation on its
    moving statistics, augmentation off) on each image as given:
    test-time augmentation (``tta``) is not applied, so the predicted class
    is that of the plain image.
    """
    return _explain(estimator, X, target, "saliency", None)[0]


def gradcam(
    estimator: Any, X: ArrayLike, target: Any = None, layer: str | None = None
) -> NDArray[np.float32]:
    """Grad-CAM: where the last feature map holds the evidence for a class.

    For feature maps ``A_k`` of a convolutional layer and the class score
    ``y_c`` (the logit, before the softmax), the weight of map ``k`` is the
    spatial mean of ``d y_c / d A_k`` and the map is
    ``ReLU(sum_k w_k A_k)`` (Selvaraju et al., 2017), upsampled bilinearly
    to the image size and divided by its maximum.

    Parameters
    ----------
    estimator : fitted fashionzoo estimator
        A convolutional network estimator, e.g. from
        :func:`fashionzoo.create_estimator`.
    X : array-like of images
        As for the estimator's ``predict``, pixels in the scale used at fit.
    target : label or array-like of labels, default=None
        Class to explain, one for all images or one per image; the
        predicted class if None.
    layer : str, default=None
        Name (``"conv2"``) or path (``"lenet5/conv2"``) of a layer with a
        4-D output. None takes the last feature map of the network: the
        input of its ``Flatten`` or global pooling layer. The layers after
        it must form a chain (no skip connection around them).

    Returns
    -------
    maps : ndarray of shape (n, height, width), float32
        In [0, 1]; (n, 28, 28) for Fashion-MNIST images. An image whose
        map is zero everywhere (no positive evidence) gets zeros.

    Raises
    ------
    ValueError
        The network has no 4-D feature map before a ``Flatten`` or global
        pooling layer; ``layer`` names no such layer, or skip connections
        bypass the layers after it; ``target`` holds an unknown label.
    NotImplementedError
        Keras runs on a backend without gradients here (torch).

    See Also
    --------
    saliency_map : Input-gradient saliency, for any network.
    plot_gradcam : Either map over the images.

    Notes
    -----
    As in :func:`saliency_map`, test-time augmentation is not applied.

    Examples
    --------
    >>> import fashionzoo
    >>> from fashionzoo.datasets import load_sample
    >>> from fashionzoo.plotting import gradcam
    >>> est = fashionzoo.create_estimator("lenet5", pretrained=True)
    >>> gradcam(est, load_sample().data[:4]).shape
    (4, 28, 28)
    """
    return _explain(estimator, X, target, "gradcam", layer)[0]


# ------------------------------------------------------------------ display
class GradCAMDisplay:
    """Maps over images: Grad-CAM or saliency, with the class and probability.

    Make one with :func:`plot_gradcam`, or from arrays and call :meth:`plot`.

    Parameters
    ----------
    images : ndarray of shape (n, height, width)
        The images, in any pixel scale.
    maps : ndarray of shape (n, height, width)
        Maps in [0, 1].
    labels : sequence of str
        Title of each image's class (the explained one).
    probabilities : ndarray of shape (n,)
        Probability of that class.
    kind : {"gradcam", "saliency"}, default="gradcam"
        What the maps are, for the title.

    Attributes
    ----------
    ax_ : ndarray of matplotlib Axes, shape (nrows, ncols)
        One panel per image (extra panels hidden).
    figure_ : matplotlib.figure.Figure
    image_artists_ : list of matplotlib.image.AxesImage
        The grey image of each panel.
    map_artists_ : list of matplotlib.image.AxesImage
        The map overlaid on each panel.
    """

    def __init__(
        self,
        images: ArrayLike,
        maps: ArrayLike,
        labels: list[str],
        probabilities: ArrayLike,
        *,
        kind: str = "gradcam",
    ) -> None:
        self.images = np.asarray(images)
        self.maps = np.asarray(maps)
        self.labels = list(labels)
        self.probabilities = np.asarray(probabilities)
        self.kind = kind

    def plot(
        self,
        *,
        alpha: float = 0.5,
        cmap: str = "jet",
        ncols: int | None = None,
        ax: Any = None,
    ) -> GradCAMDisplay:
        """Draw each image in grey with its map over it.

        Parameters
        ----------
        alpha : float, default=0.5
            Opacity of the map where it is 1; each pixel's opacity is
            ``alpha * map``, so the image shows through where the map is low.
        cmap : str, default="jet"
            Colour map of the map (0 to 1).
        ncols : int, default=None
            Panels per row; up to 8 by default.
        ax : matplotlib Axes or array of Axes, default=None
            Axes whose area holds the grid, or one Axes per image; a new
            figure if None.

        Returns
        -------
        self : GradCAMDisplay
        """
        n = len(self.images)
        if n == 0:
            msg = "No images to plot; pass at least one."
            raise ValueError(msg)
        if ncols is None:
            ncols = math.ceil(n / math.ceil(n / 8))
        nrows = math.ceil(n / ncols)
        fig, axes = axes_grid(ax, nrows, ncols, (1.5 * ncols + 0.2, 1.7 * nrows + 0.5))
        self.image_artists_, self.map_artists_ = [], []
        for k, panel in enumerate(axes.ravel()):
            panel.set_axis_off()
            if k >= n:
                continue
            self.image_artists_.append(
                panel.imshow(self.images[k], cmap=image_cmap(), interpolation="nearest")
            )
            self.map_artists_.append(
                panel.imshow(
                    self.maps[k],
                    cmap=cmap,
                    alpha=alpha * np.clip(self.maps[k], 0.0, 1.0),
                    vmin=0.0,
                    vmax=1.0,
                    interpolation="bilinear",
                )
            )
            panel.set_title(
                f"{self.labels[k]}\n{self.probabilities[k]:.2f}", fontsize=8
            )
        what = "Grad-CAM" if self.kind == "gradcam" else "Input-gradient saliency"
        grid_title(fig, ax, f"{what} (class, probability)")
        self.ax_, self.figure_ = axes, fig
        return self


def plot_gradcam(
    estimator: Any,
    X: ArrayLike,
    *,
    kind: str = "gradcam",
    target: Any = None,
    layer: str | None = None,
    alpha: float = 0.5,
    cmap: str = "jet",
    ncols: int | None = None,
    target_names: list[str] | None = None,
    ax: Any = None,
) -> GradCAMDisplay:
    """Where a network looks: each image with its Grad-CAM or saliency map over it.

    Parameters
    ----------
    estimator : fitted fashionzoo estimator
        See :func:`gradcam`.
    X : array-like of images
        A few images (one panel each), as for ``predict``.
    kind : {"gradcam", "saliency"}, default="gradcam"
        :func:`gradcam` (convolutional networks) or :func:`saliency_map`
        (any network).
    target : label or array-like of labels, default=None
        Class to explain; the predicted class if None.
    layer : str, default=None
        Feature map for Grad-CAM, see :func:`gradcam`.
    alpha : float, default=0.5
        Opacity of the map where it is 1 (``alpha * map`` per pixel).
    cmap : str, default="jet"
        Colour map of the map.
    ncols : int, default=None
        Panels per row; up to 8 by default.
    target_names : list of str, default=None
        Class names, see :func:`fashionzoo.datasets.class_names`.
    ax : matplotlib Axes or array of Axes, default=None
        Where to draw; a new figure if None.

    Returns
    -------
    display : GradCAMDisplay
        ``display.ax_`` holds the panels, ``display.map_artists_[i]`` the
        map of image ``i``; titles name the explained class and its
        probability (at inference, without test-time augmentation).

    Examples
    --------
    >>> import fashionzoo
    >>> from fashionzoo.datasets import load_sample
    >>> from fashionzoo.plotting import plot_gradcam
    >>> est = fashionzoo.create_estimator("lenet5", pretrained=True)
    >>> display = plot_gradcam(est, load_sample().data[:8])
    >>> display.ax_.shape
    (1, 8)
    """
    from fashionzoo.datasets import class_names

    if kind not in _KINDS:
        msg = f"kind must be one of {', '.join(map(repr, _KINDS))}; got {kind!r}."
        raise ValueError(msg)
    maps, proba, cols, images = _explain(estimator, X, target, kind, layer)
    names = class_names(estimator.classes_, target_names)
    display = GradCAMDisplay(
        images[..., 0],
        maps,
        [names[c] for c in cols],
        proba[np.arange(len(cols)), cols],
        kind=kind,
    )
    return display.plot(alpha=alpha, cmap=cmap, ncols=ncols, ax=ax)
