"""ImageNet backbones from ``keras.applications``, by name.

The table maps a lowercase name (``vgg16``, ``inception_v3``, ...) to the
Keras constructor, the backbone's own ``preprocess_input`` and the smallest
input side Keras accepts. :func:`build_backbone` makes the headless network
with ``weights`` = ``None``, ``"imagenet"`` (Keras downloads and caches the
file) or a file, and :class:`BackbonePreprocess` puts the backbone's
preprocessing inside a model as a serializable layer.

Keras only (``keras.layers``, ``keras.ops``, ``keras.applications``): the
module runs under any Keras backend and never imports scikit-learn.
"""

from __future__ import annotations

import difflib
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import Any

from fashionzoo._keras import keras, layers, ops
from fashionzoo.exceptions import UnknownModelError, WeightsNotFoundError

__all__ = [
    "BackbonePreprocess",
    "BackboneSpec",
    "InferenceMode",
    "build_backbone",
    "check_input_size",
    "get_backbone",
    "list_backbones",
]

_APPS = keras.applications


@dataclass(frozen=True)
class BackboneSpec:
    """One ``keras.applications`` backbone.

    Attributes
    ----------
    name : str
        Registry name, Keras's name in lowercase (``"inception_v3"``).
    constructor : callable
        The ``keras.applications`` function, e.g. ``keras.applications.VGG16``.
    preprocess_input : callable
        The backbone's own ``preprocess_input``: pixels in 0-255, RGB.
    min_size : int
        Smallest input side Keras accepts for the headless network, and the
        side :class:`~fashionzoo.transfer.TransferClassifier` resizes to by
        default, which keeps training affordable on a CPU.
    description : str
        One line for tables.
    """

    name: str
    constructor: Callable[..., Any]
    preprocess_input: Callable[..., Any]
    min_size: int
    description: str


_BACKBONES: dict[str, BackboneSpec] = {
    spec.name: spec
    for spec in (
        BackboneSpec(
            name="vgg16",
            constructor=_APPS.VGG16,
            preprocess_input=_APPS.vgg16.preprocess_input,
            min_size=32,
            description="VGG16: 13 conv layers in 5 blocks, 14.7M parameters",
        ),
        BackboneSpec(
            name="resnet50",
            constructor=_APPS.ResNet50,
            preprocess_input=_APPS.resnet.preprocess_input,
            min_size=32,
            description="ResNet50: 50-layer residual network, 23.6M parameters",
        ),
        BackboneSpec(
            name="resnet152v2",
            constructor=_APPS.ResNet152V2,
            preprocess_input=_APPS.resnet_v2.preprocess_input,
            min_size=32,
            description="ResNet152V2: 152-layer pre-activation ResNet, 58.3M parameters",
        ),
        BackboneSpec(
            name="xception",
            constructor=_APPS.Xception,
            preprocess_input=_APPS.xception.preprocess_input,
            min_size=71,
            description="Xception: depthwise-separable Inception, 20.9M parameters",
        ),
        BackboneSpec(
            name="inception_v3",
            constructor=_APPS.InceptionV3,
            preprocess_input=_APPS.inception_v3.preprocess_input,
            min_size=75,
            description="InceptionV3: factorised Inception modules, 21.8M parameters",
        ),
        BackboneSpec(
            name="mobilenet_v2",
            constructor=_APPS.MobileNetV2,
            preprocess_input=_APPS.mobilenet_v2.preprocess_input,
            min_size=32,
            description="MobileNetV2: inverted residuals, width 1.0, 2.3M parameters",
        ),
        BackboneSpec(
            name="efficientnet_b0",
            constructor=_APPS.EfficientNetB0,
            preprocess_input=_APPS.efficientnet.preprocess_input,
            min_size=32,
            description="EfficientNetB0: compound-scaled MBConv network, 4.0M parameters",
        ),
        BackboneSpec(
            name="densenet121",
            constructor=_APPS.DenseNet121,
            preprocess_input=_APPS.densenet.preprocess_input,
            min_size=32,
            description="DenseNet121: densely connected blocks, 7.0M parameters",
        ),
    )
}

# Keras's spellings without the underscore ("inceptionv3", "mobilenetv2").
_ALIASES: dict[str, str] = {
    name.replace("_", ""): name for name in _BACKBONES if "_" in name
}


def list_backbones() -> list[str]:
    """Names of the available backbones, sorted.

    Returns
    -------
    names : list of str

    Examples
    --------
    >>> from fashionzoo.models.backbones import list_backbones
    >>> list_backbones()[:3]
    ['densenet121', 'efficientnet_b0', 'inception_v3']
    """
    return sorted(_BACKBONES)


def get_backbone(name: str) -> BackboneSpec:
    """The :class:`BackboneSpec` of ``name``.

    Names are case-insensitive; Keras's spellings without the underscore
    (``"InceptionV3"``, ``"mobilenetv2"``, ``"efficientnetb0"``) and with a
    hyphen are accepted too.

    Parameters
    ----------
    name : str
        Backbone name, see :func:`list_backbones`.

    Returns
    -------
    spec : BackboneSpec

    Raises
    ------
    UnknownModelError
        If no backbone has that name; the message lists the names and the
        close matches.

    Examples
    --------
    >>> from fashionzoo.models.backbones import get_backbone
    >>> spec = get_backbone("InceptionV3")
    >>> spec.name, spec.min_size
    ('inception_v3', 75)
    """
    if not isinstance(name, str):
        msg = f"A backbone name must be a string. Received: backbone={name!r}"
        raise UnknownModelError(msg)
    key = name.strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    key = _ALIASES.get(key.replace("_", ""), key)
    if key not in _BACKBONES:
        choices = [*_BACKBONES, *_ALIASES]
        close = difflib.get_close_matches(key, choices, n=3)
        close = list(dict.fromkeys(_ALIASES.get(c, c) for c in close))
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        msg = (
            f"Unknown backbone {name!r}. Available: {', '.join(list_backbones())}."
            f"{hint}"
        )
        raise UnknownModelError(msg)
    return _BACKBONES[key]


# ---------------------------------------------------------------- weights
_KERAS_CACHE = "KERAS_HOME/models (KERAS_HOME defaults to ~/.keras)"


def _alternatives() -> str:
    return (
        "Or pass weights=None (random initialisation) or weights=<path to a "
        "weights file saved by Keras for this backbone without its top>."
    )


def _raised_in(exc: BaseException, code: CodeType) -> bool:
    """Whether the function of ``code`` is on the traceback of ``exc``."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is code:
            return True
        tb = tb.tb_next
    return False


def _imagenet_weights_error(spec: BackboneSpec, exc: Exception) -> WeightsNotFoundError:
    """The error for ImageNet weights Keras could not download, or not load.

    A failure inside ``keras.utils.get_file`` is the download's (after a bad
    checksum too; Keras deletes a partial file); any other is loading the
    cached file, whose frames Keras filters out of the traceback.
    """
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if _raised_in(exc, keras.utils.get_file.__code__):
        msg = (
            f"Keras could not download the ImageNet weights of backbone "
            f"{spec.name!r} (no internet access?): {reason}. Run this once on a "
            f"machine with internet access, or download the file at that URL "
            f"elsewhere and copy it into Keras's cache, {_KERAS_CACHE}. "
            f"{_alternatives()}"
        )
    else:
        msg = (
            f"Keras could not load the ImageNet weights of backbone {spec.name!r} "
            f"from its cache, {_KERAS_CACHE}: {reason}. The cached file may be a "
            f"partial download or corrupt: delete the {spec.name} file there and "
            f"run this again with internet access, so that Keras downloads it "
            f"again. {_alternatives()}"
        )
    return WeightsNotFoundError(msg)


def build_backbone(
    name: str,
    input_size: int | None = None,
    *,
    weights: str | os.PathLike[str] | None = "imagenet",
    layer_name: str | None = None,
) -> Any:
    """The headless backbone network for ``input_size`` x ``input_size`` RGB input.

    Parameters
    ----------
    name : str
        Backbone name, see :func:`list_backbones`.
    input_size : int, default=None
        Input side in pixels, at least the backbone's ``min_size``; ``None``
        uses ``min_size``.
    weights : {"imagenet"}, path or None, default="imagenet"
        ``"imagenet"``: the pretrained weights Keras publishes, which the
        ``keras.applications`` constructor reads from Keras's cache
        (``KERAS_HOME/models``) or downloads there; ``None``: random
        initialisation; a path: a weights file of the same headless backbone
        (``.weights.h5`` written by ``save_weights``, or a legacy ``.h5``).
    layer_name : str, default=None
        Name of the returned model; ``None`` uses the backbone's name.

    Returns
    -------
    backbone : keras.Model
        Takes ``preprocess_input``-ed RGB images, returns the last feature
        maps (no pooling).

    Raises
    ------
    ValueError
        If ``input_size`` is below the backbone's minimum, or a weights file
        does not fit the backbone.
    WeightsNotFoundError
        If Keras can neither download the ImageNet weights nor load them from
        its cache, or if a weights path is not a file. The message says what
        to do.
    """
    spec = get_backbone(name)
    size = spec.min_size if input_size is None else int(input_size)
    check_input_size(spec, size)
    if keras.config.image_data_format() != "channels_last":
        msg = (
            "Backbones are built for channels_last images. Call "
            "keras.config.set_image_data_format('channels_last'). Received: "
            f"image_data_format={keras.config.image_data_format()!r}"
        )
        raise ValueError(msg)
    source: str | None
    if weights is None:
        source = None
    elif isinstance(weights, str) and weights == "imagenet":
        source = "imagenet"
    else:
        path = Path(weights).expanduser()
        if not path.is_file():
            msg = (
                f"Weights file {path} does not exist. Pass the path of a "
                f"weights file saved by Keras for the {spec.name} backbone "
                f"without its top, or weights='imagenet' or weights=None. "
                f"Received: weights={weights!r}"
            )
            raise WeightsNotFoundError(msg)
        source = str(path)
    kwargs: dict[str, Any] = {
        "include_top": False,
        "weights": source,
        "input_shape": (size, size, 3),
        "name": layer_name or spec.name,
    }
    if source is None:
        return spec.constructor(**kwargs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # At sides Keras has no MobileNetV2 weights for (our default, 32, is
        # one) it loads the 224-pixel ones, which fit every side: no news.
        warnings.filterwarnings(
            "ignore", "`input_shape` is undefined or non-square", UserWarning
        )
        try:
            backbone = spec.constructor(**kwargs)
        except Exception as exc:  # get_file raises a bare Exception, h5py OSError
            if source == "imagenet":
                raise _imagenet_weights_error(spec, exc) from exc
            if not isinstance(exc, ValueError):
                raise
            first = str(exc).splitlines()[0]
            msg = (
                f"The weights file {source} does not fit the {spec.name} backbone "
                f"without top at input size {size}: {first}"
            )
            raise ValueError(msg) from None
    for w in caught:  # a successful load: pass Keras's warnings on
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return backbone


def check_input_size(spec: BackboneSpec | str, input_size: int) -> None:
    """Raise ValueError if ``input_size`` is below the backbone's minimum side.

    Parameters
    ----------
    spec : BackboneSpec or str
        The backbone or its name.
    input_size : int
        Side of the square images the backbone would get.
    """
    if isinstance(spec, str):
        spec = get_backbone(spec)
    if input_size < spec.min_size:
        msg = (
            f"input_size={input_size} is below the minimum input side of the "
            f"{spec.name} backbone, {spec.min_size} pixels. Pass "
            f"input_size >= {spec.min_size}, or None for the minimum."
        )
        raise ValueError(msg)


# ----------------------------------------------------------- preprocessing
@keras.saving.register_keras_serializable(package="fashionzoo")
class BackbonePreprocess(layers.Layer):
    """A backbone's ``preprocess_input`` as a layer, so a saved model carries it.

    Takes RGB images with pixels in 0-255 and applies the backbone's own
    ``keras.applications`` preprocessing (``"caffe"``: RGB to BGR and minus
    the ImageNet mean pixel; ``"tf"``: scale to [-1, 1]; ``"torch"``: scale to
    [0, 1] and standardise per channel; EfficientNet: unchanged, it rescales
    inside the network). The functions are written with ``keras.ops``, so the
    layer runs under every backend and in a saved ``.keras`` model with no
    Lambda layer.

    Parameters
    ----------
    backbone : str
        Backbone name, see :func:`list_backbones`.
    **kwargs
        Passed to :class:`keras.layers.Layer` (``name``, ``dtype``).

    Examples
    --------
    >>> import numpy as np
    >>> from fashionzoo.models.backbones import BackbonePreprocess
    >>> layer = BackbonePreprocess("mobilenet_v2")
    >>> images = np.full((1, 2, 2, 3), 255.0, dtype="float32")
    >>> float(np.asarray(layer(images)).max())
    1.0
    """

    def __init__(self, backbone: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.backbone = get_backbone(backbone).name
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        """Preprocess RGB images with pixels in 0-255."""
        x = ops.cast(inputs, self.compute_dtype)
        return get_backbone(self.backbone).preprocess_input(x)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> Any:
        """The output has the input's shape."""
        return input_shape

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments, for saving and cloning."""
        config = super().get_config()
        config["backbone"] = self.backbone
        return config


@keras.saving.register_keras_serializable(package="fashionzoo")
class InferenceMode(layers.Wrapper):
    """Run the wrapped layer in inference mode, even inside a training step.

    In Keras 3 a ``training=False`` given to a nested model while building a
    functional model does not hold: the ``training`` flag of the outer call
    (``True`` in ``fit``) replaces it (keras-team/keras#20285). This wrapper's
    ``call`` takes no ``training`` argument and always calls the wrapped layer
    with ``training=False``, so BatchNormalization uses its moving statistics
    and dropout inside the layer (EfficientNet's) is off, whether or not the
    layer's weights are trainable.

    Parameters
    ----------
    layer : keras.layers.Layer
        The layer (a backbone model) to run in inference mode.
    **kwargs
        Passed to :class:`keras.layers.Wrapper` (``name``).

    Examples
    --------
    >>> import numpy as np
    >>> import keras
    >>> from fashionzoo.models.backbones import InferenceMode
    >>> layer = InferenceMode(keras.layers.Dropout(0.5))
    >>> x = np.ones((1, 4), dtype="float32")
    >>> np.asarray(layer(x, training=True)).tolist()
    [[1.0, 1.0, 1.0, 1.0]]
    """

    def call(self, inputs: Any) -> Any:
        """Call the wrapped layer with ``training=False``."""
        return self.layer(inputs, training=False)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> Any:
        """The wrapped layer's output shape."""
        return self.layer.compute_output_shape(input_shape)
