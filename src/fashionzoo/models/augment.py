"""Data augmentation as Keras layers inside the training graph.

The layers change images only when called with ``training=True`` (as
``model.fit`` does); at inference they return their input, so two calls to
``predict`` give identical output. Images are expected scaled to [0, 1] with
shape ``(28, 28, 1)`` and a black (0) background.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from fashionzoo._keras import keras, layers, ops

__all__ = ["AUGMENT_PRESETS", "RandomErasing", "augment_strengths", "make_augmentation"]

#: Named augmentation strengths accepted by :func:`make_augmentation`.
#:
#: ``flip``: random horizontal flip; ``shift``: largest translation as a
#: fraction of the side (0.1 = 2.8 pixels); ``zoom``: largest zoom in or out as
#: a fraction; ``erasing``: probability of random erasing.
AUGMENT_PRESETS: dict[str, dict[str, Any]] = {
    # Study 003's set: flip, shift, zoom and random erasing.
    "standard": {"flip": True, "shift": 0.1, "zoom": 0.1, "erasing": 0.5},
    # Flip and a 2-pixel translation, as in the fast CIFAR-10 training records.
    "light": {"flip": True, "shift": 0.07, "zoom": 0.0, "erasing": 0.0},
}

_DEFAULT_STRENGTHS: dict[str, Any] = {
    "flip": False,
    "shift": 0.0,
    "zoom": 0.0,
    "erasing": 0.0,
}


def _pair(name: str, value: Any) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        msg = (
            f"{name} must be a pair of numbers (low, high). Received: {name}={value!r}"
        )
        raise ValueError(msg) from None
    return low, high


@keras.saving.register_keras_serializable(package="fashionzoo")
class RandomErasing(layers.Layer):
    """Erase a random rectangle of each image (Zhong et al., 2017).

    With probability ``probability`` an image gets one rectangle whose area is
    a fraction in ``scale`` of the image and whose aspect ratio (height over
    width) is in ``ratio``, filled with uniform noise over ``value_range`` or
    with ``fill_value``. The whole batch is processed at once with masks built
    from coordinate comparisons. Active only when called with
    ``training=True``; otherwise the input is returned unchanged.

    Parameters
    ----------
    probability : float, default=0.5
        Chance that an image is erased, in [0, 1].
    scale : tuple of float, default=(0.02, 0.4)
        Range of the erased area as a fraction of the image (``sl``, ``sh``).
    ratio : tuple of float, default=(0.3, 1 / 0.3)
        Range of the rectangle's aspect ratio (``r1``, ``1 / r1``), sampled
        log-uniformly. Rectangles taller or wider than the image are clipped
        to it.
    fill_mode : {"random", "constant"}, default="random"
        ``"random"`` fills with uniform noise in ``value_range`` (as in the
        paper); ``"constant"`` fills with ``fill_value``.
    fill_value : float, default=0.0
        Fill for ``fill_mode="constant"``.
    value_range : tuple of float, default=(0.0, 1.0)
        Range of the pixel values, used by ``fill_mode="random"``.
    seed : int, default=None
        Seed of the layer's :class:`keras.random.SeedGenerator`.
    **kwargs
        Passed to :class:`keras.layers.Layer` (``name``, ``dtype``).

    Examples
    --------
    >>> import numpy as np
    >>> from fashionzoo.models.augment import RandomErasing
    >>> layer = RandomErasing(probability=1.0, seed=0)
    >>> images = np.ones((4, 28, 28, 1), dtype="float32")
    >>> bool((np.asarray(layer(images, training=True)) != 1).any())
    True
    >>> bool((np.asarray(layer(images)) == images).all())
    True
    """

    def __init__(
        self,
        probability: float = 0.5,
        scale: tuple[float, float] = (0.02, 0.4),
        ratio: tuple[float, float] = (0.3, 1 / 0.3),
        fill_mode: str = "random",
        fill_value: float = 0.0,
        value_range: tuple[float, float] = (0.0, 1.0),
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not 0.0 <= probability <= 1.0:
            msg = f"probability must be in [0, 1]. Received: probability={probability}"
            raise ValueError(msg)
        scale_ = _pair("scale", scale)
        if not 0.0 < scale_[0] <= scale_[1] <= 1.0:
            msg = (
                "scale must be (low, high) with 0 < low <= high <= 1. "
                f"Received: scale={scale}"
            )
            raise ValueError(msg)
        ratio_ = _pair("ratio", ratio)
        if not 0.0 < ratio_[0] <= ratio_[1]:
            msg = (
                "ratio must be (low, high) with 0 < low <= high. "
                f"Received: ratio={ratio}"
            )
            raise ValueError(msg)
        if fill_mode not in ("random", "constant"):
            msg = (
                "fill_mode must be 'random' or 'constant'. "
                f"Received: fill_mode={fill_mode!r}"
            )
            raise ValueError(msg)
        value_range_ = _pair("value_range", value_range)
        if value_range_[0] >= value_range_[1]:
            msg = (
                "value_range must be (low, high) with low < high. "
                f"Received: value_range={value_range}"
            )
            raise ValueError(msg)
        self.probability = float(probability)
        self.scale = scale_
        self.ratio = ratio_
        self.fill_mode = fill_mode
        self.fill_value = float(fill_value)
        self.value_range = value_range_
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        """Erase rectangles when ``training`` is true, else pass through."""
        if not training or self.probability == 0.0:
            return inputs
        dtype = self.compute_dtype
        shape = ops.shape(inputs)
        batch, height, width = shape[0], shape[1], shape[2]
        # Static sides when known (the usual case), else dynamic ones.
        h_f = float(height) if isinstance(height, int) else ops.cast(height, "float32")
        w_f = float(width) if isinstance(width, int) else ops.cast(width, "float32")

        def uniform(minval: float = 0.0, maxval: float = 1.0) -> Any:
            return keras.random.uniform(
                (batch, 1, 1, 1),
                minval=minval,
                maxval=maxval,
                dtype="float32",
                seed=self.seed_generator,
            )

        area = uniform(*self.scale) * h_f * w_f
        aspect = ops.exp(uniform(math.log(self.ratio[0]), math.log(self.ratio[1])))
        # Rectangle size in pixels, at least 1 and at most the image side.
        rect_h = ops.clip(ops.round(ops.sqrt(area * aspect)), 1.0, h_f)
        rect_w = ops.clip(ops.round(ops.sqrt(area / aspect)), 1.0, w_f)
        top = ops.floor(uniform() * (h_f - rect_h + 1.0))
        left = ops.floor(uniform() * (w_f - rect_w + 1.0))
        apply = uniform() < self.probability

        rows = ops.reshape(ops.arange(height, dtype="float32"), (1, -1, 1, 1))
        cols = ops.reshape(ops.arange(width, dtype="float32"), (1, 1, -1, 1))
        mask = (
            (rows >= top)
            & (rows < top + rect_h)
            & (cols >= left)
            & (cols < left + rect_w)
            & apply
        )
        if self.fill_mode == "random":
            fill = keras.random.uniform(
                shape,
                minval=self.value_range[0],
                maxval=self.value_range[1],
                dtype=dtype,
                seed=self.seed_generator,
            )
        else:
            fill = ops.full(shape, self.fill_value, dtype=dtype)
        return ops.where(mask, fill, ops.cast(inputs, dtype))

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> Any:
        """The output has the input's shape."""
        return input_shape

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments, for saving and cloning."""
        config = super().get_config()
        config.update(
            {
                "probability": self.probability,
                "scale": list(self.scale),
                "ratio": list(self.ratio),
                "fill_mode": self.fill_mode,
                "fill_value": self.fill_value,
                "value_range": list(self.value_range),
                "seed": self.seed,
            }
        )
        return config


def _check_strengths(strengths: Mapping[str, Any]) -> dict[str, Any]:
    allowed = sorted(_DEFAULT_STRENGTHS)
    for key in strengths:
        if key not in _DEFAULT_STRENGTHS:
            msg = (
                f"Unknown augmentation key {key!r}. Allowed keys: "
                f"{', '.join(allowed)}. Received: augment={dict(strengths)!r}"
            )
            raise ValueError(msg)
    out = {**_DEFAULT_STRENGTHS, **strengths}
    if not isinstance(out["flip"], bool):
        msg = f"augment['flip'] must be True or False. Received: flip={out['flip']!r}"
        raise TypeError(msg)
    bounds = {"shift": (0.0, 0.5), "zoom": (0.0, 0.5), "erasing": (0.0, 1.0)}
    for key, (low, high) in bounds.items():
        value = out[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not low <= value <= high
        ):
            msg = (
                f"augment[{key!r}] must be a number in [{low}, {high}]. "
                f"Received: {key}={value!r}"
            )
            raise ValueError(msg)
        out[key] = float(value)
    return out


def augment_strengths(
    augment: str | bool | Mapping[str, Any] | None,
) -> dict[str, Any] | None:
    """The checked strengths of an ``augment`` value; None when it is off.

    Parameters
    ----------
    augment : str, bool, dict or None
        As in :func:`make_augmentation`.

    Returns
    -------
    strengths : dict or None
        ``flip``, ``shift``, ``zoom`` and ``erasing``.

    Raises
    ------
    ValueError
        For an unknown preset or key, or a strength out of range.
    TypeError
        For an ``augment`` or a ``flip`` value of the wrong type.
    """
    if augment is None or augment is False:
        return None
    if augment is True:
        augment = "standard"
    if isinstance(augment, str):
        key = augment.lower()
        if key == "none":
            return None
        if key not in AUGMENT_PRESETS:
            msg = (
                f"Unknown augmentation preset {augment!r}. Use one of "
                f"{', '.join(repr(k) for k in ['none', *AUGMENT_PRESETS])}, "
                "or a dict with keys among "
                f"{', '.join(sorted(_DEFAULT_STRENGTHS))}. "
                f"Received: augment={augment!r}"
            )
            raise ValueError(msg)
        return _check_strengths(AUGMENT_PRESETS[key])
    if isinstance(augment, Mapping):
        return _check_strengths(augment)
    msg = (
        "augment must be None, a bool, a preset name or a dict. "
        f"Received: augment={augment!r}"
    )
    raise TypeError(msg)


def make_augmentation(
    augment: str | bool | Mapping[str, Any] | None,
    seed: int | None = None,
) -> keras.Sequential | None:
    """Build the augmentation layers for a recipe's ``augment`` value.

    Parameters
    ----------
    augment : str, bool, dict or None
        ``None``, ``False`` or ``"none"``: no augmentation. A name in
        :data:`AUGMENT_PRESETS` (``"standard"``: flip, shift 0.1, zoom 0.1,
        random erasing with p=0.5; ``"light"``: flip and a 2-pixel shift);
        ``True`` means ``"standard"``. Or a dict with keys among ``flip``
        (bool, horizontal flip), ``shift`` (largest translation as a fraction
        of the side, in [0, 0.5]), ``zoom`` (largest zoom as a fraction, in
        [0, 0.5]) and ``erasing`` (random-erasing probability, in [0, 1]);
        absent keys are off. Vertical flips are never used: upside-down
        clothes are not in the test set.
    seed : int, default=None
        Base seed; layer ``i`` gets ``seed + i``.

    Returns
    -------
    augmentation : keras.Sequential or None
        The layers in order flip, translation, zoom, erasing, or ``None`` when
        nothing is switched on. Inside a model they act during ``fit`` and
        pass images through in ``predict`` and ``evaluate``.

    Raises
    ------
    ValueError
        For an unknown preset or key, or a strength out of range.
    TypeError
        For an ``augment`` or a ``flip`` value of the wrong type.

    Notes
    -----
    Called directly, pass ``training`` explicitly: Keras's own random layers
    treat a missing ``training`` as ``True`` (so they also work in
    ``tf.data`` pipelines), whereas :class:`RandomErasing` treats it as
    ``False``.

    Examples
    --------
    >>> from fashionzoo.models.augment import make_augmentation
    >>> [layer.name for layer in make_augmentation("light").layers]
    ['random_flip', 'random_translation']
    >>> make_augmentation(None) is None
    True
    """
    strengths = augment_strengths(augment)
    if strengths is None:
        return None

    def next_seed(i: int) -> int | None:
        return None if seed is None else seed + i

    stack: list[layers.Layer] = []
    if strengths["flip"]:
        stack.append(
            layers.RandomFlip("horizontal", seed=next_seed(0), name="random_flip")
        )
    if strengths["shift"] > 0:
        stack.append(
            layers.RandomTranslation(
                strengths["shift"],
                strengths["shift"],
                fill_mode="constant",
                fill_value=0.0,
                interpolation="nearest",
                seed=next_seed(1),
                name="random_translation",
            )
        )
    if strengths["zoom"] > 0:
        stack.append(
            layers.RandomZoom(
                strengths["zoom"],
                fill_mode="constant",
                fill_value=0.0,
                interpolation="bilinear",
                seed=next_seed(2),
                name="random_zoom",
            )
        )
    if strengths["erasing"] > 0:
        stack.append(
            RandomErasing(
                probability=strengths["erasing"],
                seed=next_seed(3),
                name="random_erasing",
            )
        )
    if not stack:
        return None
    if keras.backend.backend() == "jax":
        # Keras marks its affine-transform layers (translation, zoom) as not
        # compilable, for TensorFlow's XLA; under JAX they compile
        # (map_coordinates), and a model that does not compile trains op by
        # op, more than 10x slower an epoch.
        for layer in stack:
            layer.supports_jit = True
    return keras.Sequential(stack, name="augmentation")
