"""Test-time views: the mirrored and moved copies of an image whose predictions are averaged.

The view geometry is NumPy (:func:`tta_views`, :func:`view`,
:func:`average_views`, used by ``predict_proba``); the Keras layers
(:class:`TestTimeViews`, :class:`AverageViews`, and the older
:class:`HorizontalFlip` and :class:`Translate` kept so that models exported
by fashionzoo 0.1 load) do the same inside an exported graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fashionzoo._keras import keras

__all__ = [
    "TTA_MODES",
    "AverageViews",
    "HorizontalFlip",
    "TestTimeViews",
    "Translate",
    "average_views",
    "translate",
    "tta_views",
    "view",
]

#: The values of an estimator's ``tta`` besides True (= "flip") and False.
TTA_MODES = ("flip", "flip+shift")

#: One-pixel moves (down, right) of the "flip+shift" views.
_SHIFTS = ((1, 0), (-1, 0), (0, 1), (0, -1))


def tta_views(tta: Any) -> list[tuple[bool, int, int]]:
    """The ``(mirror, dy, dx)`` of each view; the first is the image itself.

    Parameters
    ----------
    tta : bool or {"flip", "flip+shift"}
        False: the image alone. True or "flip": the image and its mirror
        image. "flip+shift": those two, each also moved by one pixel up,
        down, left and right (10 views).

    Returns
    -------
    views : list of (bool, int, int)
    """
    if not tta:
        return [(False, 0, 0)]
    shifts = [(0, 0)] + (list(_SHIFTS) if tta == "flip+shift" else [])
    return [(mirror, dy, dx) for mirror in (False, True) for dy, dx in shifts]


def translate(images: Any, dy: int, dx: int, pad: Any = np.pad) -> Any:
    """``images`` (n, height, width, ...) moved ``dy`` pixels down, ``dx`` right.

    The uncovered rows and columns are background (0). ``pad`` is the
    array library's pad function: :func:`numpy.pad` here, ``keras.ops.pad``
    in the exported models' ``Translate`` layer, so both move images alike.
    """
    if not (dy or dx):
        return images
    ay, ax = abs(dy), abs(dx)
    h, w = images.shape[1:3]
    padded = pad(images, [(0, 0), (ay, ay), (ax, ax)] + [(0, 0)] * (images.ndim - 3))
    top, left = ay - dy, ax - dx
    return padded[:, top : top + h, left : left + w]


def view(images: np.ndarray, mirror: bool, dy: int, dx: int) -> np.ndarray:
    """``images`` (n, height, width, ...) mirrored left-right, then moved.

    Moved ``dy`` pixels down and ``dx`` right; the uncovered rows and
    columns are background (0).
    """
    return translate(images[:, :, ::-1] if mirror else images, dy, dx)


#: Images whose views go through the network together in :func:`average_views`
#: (bounds the stacked batch: 4,096 images x 10 views of 28x28 are 32 MB).
_CHUNK = 4096


def average_views(
    forward: Any, images: np.ndarray, views: list[tuple[bool, int, int]]
) -> np.ndarray:
    """The mean of ``forward`` over the ``views`` of ``images``, in one pass each.

    The views of a chunk of images are stacked into one batch (view ``k`` of
    image ``i`` at row ``k * n + i``, as the exported graphs'
    ``TestTimeViews`` layer stacks them), so the network runs once per chunk
    instead of once per view.

    Parameters
    ----------
    forward : callable
        (m, h, w, 1) images -> (m, n_classes) float32 probabilities.
    images : ndarray of shape (n, h, w, 1)
    views : list of (bool, int, int)
        From :func:`tta_views`.

    Returns
    -------
    ndarray of shape (n, n_classes)
    """
    parts = []
    for start in range(0, images.shape[0], _CHUNK):
        chunk = images[start : start + _CHUNK]
        stacked = np.concatenate([view(chunk, *v) for v in views])
        proba = forward(stacked)
        parts.append(proba.reshape(len(views), chunk.shape[0], -1).mean(axis=0))
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


@keras.saving.register_keras_serializable(package="fashionzoo")
class HorizontalFlip(keras.layers.Layer):
    """Mirror (n, h, w, c) images left-right, at training and at inference.

    Models exported by fashionzoo 0.1 hold it (one layer per mirrored view);
    it stays registered so that those files load with :func:`load_model`.

    Parameters
    ----------
    *args, **kwargs
        Passed to :class:`keras.layers.Layer` (``name``, ``dtype``).
    """

    def call(self, inputs: Any) -> Any:
        """The mirrored images."""
        return keras.ops.flip(inputs, axis=2)

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output has the input's shape."""
        return input_shape


@keras.saving.register_keras_serializable(package="fashionzoo")
class Translate(keras.layers.Layer):
    """Move (n, h, w, c) images ``dy`` pixels down and ``dx`` right.

    The uncovered rows and columns are background (0). Models exported by
    fashionzoo 0.1 with ``tta="flip+shift"`` hold it; it stays registered so
    that those files load.

    Parameters
    ----------
    dy, dx : int
        The move, in pixels (negative: up, left).
    **kwargs
        Passed to :class:`keras.layers.Layer` (``name``, ``dtype``).
    """

    def __init__(self, dy: int, dx: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dy, self.dx = int(dy), int(dx)

    def call(self, inputs: Any) -> Any:
        """The moved images."""
        return translate(inputs, self.dy, self.dx, pad=keras.ops.pad)

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output has the input's shape."""
        return input_shape

    def get_config(self) -> dict[str, Any]:
        """The layer's configuration, for saving."""
        return {**super().get_config(), "dy": self.dy, "dx": self.dx}


@keras.saving.register_keras_serializable(package="fashionzoo")
class TestTimeViews(keras.layers.Layer):
    """Stack the test-time views of (n, h, w, c) images into one (views * n) batch.

    View ``k`` of image ``i`` is row ``k * n + i``: the network then runs
    once on every view (one pass, not one per view), and
    :class:`AverageViews` averages its outputs back to ``n`` rows.

    Parameters
    ----------
    views : list of (bool, int, int)
        ``(mirror, dy, dx)`` of each view, as
        :func:`tta_views` gives them.
    **kwargs
        Passed to :class:`keras.layers.Layer` (``name``, ``dtype``).
    """

    def __init__(self, views: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.views = [(bool(m), int(dy), int(dx)) for m, dy, dx in views]

    def call(self, inputs: Any) -> Any:
        """The views, concatenated along the batch axis."""
        stacked = []
        for mirror, dy, dx in self.views:
            x = keras.ops.flip(inputs, axis=2) if mirror else inputs
            stacked.append(translate(x, dy, dx, pad=keras.ops.pad))
        return keras.ops.concatenate(stacked, axis=0)

    def compute_output_shape(self, input_shape: Any) -> Any:
        """``views`` times as many rows."""
        n = input_shape[0]
        return (None if n is None else n * len(self.views), *input_shape[1:])

    def get_config(self) -> dict[str, Any]:
        """The layer's configuration, for saving."""
        return {**super().get_config(), "views": [list(v) for v in self.views]}


@keras.saving.register_keras_serializable(package="fashionzoo")
class AverageViews(keras.layers.Layer):
    """Average (views * n, k) outputs of :class:`TestTimeViews` batches to (n, k).

    Parameters
    ----------
    n_views : int
        How many views each image has.
    **kwargs
        Passed to :class:`keras.layers.Layer` (``name``, ``dtype``).
    """

    def __init__(self, n_views: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.n_views = int(n_views)

    def call(self, inputs: Any) -> Any:
        """The mean over the views of each image."""
        columns = inputs.shape[-1]
        per_view = keras.ops.reshape(inputs, (self.n_views, -1, columns))
        return keras.ops.mean(per_view, axis=0)

    def compute_output_shape(self, input_shape: Any) -> Any:
        """``n_views`` times fewer rows."""
        n = input_shape[0]
        return (None if n is None else n // self.n_views, *input_shape[1:])

    def get_config(self) -> dict[str, Any]:
        """The layer's configuration, for saving."""
        return {**super().get_config(), "n_views": self.n_views}
