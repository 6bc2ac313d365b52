"""ImageNet backbones from ``keras.applications``, by name.

The table maps a lowercase name (``vgg16``, ``inception_v3``, ...) to the
Keras constructor, the backbone's own ``preprocess_input``, the smallest input
side Keras accepts, a default side and the ImageNet weights file Keras
downloads for it without the classification top. :func:`build_backbone` makes
the headless network with ``weights`` = ``None``, ``"imagenet"`` or a file,
and :class:`BackbonePreprocess` puts the backbone's preprocessing inside a
model as a serializable layer.

Keras only (``keras.layers``, ``keras.ops``, ``keras.applications``): the
module runs under any Keras backend and never imports scikit-learn.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fashionzoo._keras import keras, layers, ops
from fashionzoo.exceptions import UnknownModelError, WeightsNotFoundError

__all__ = [
    "BackbonePreprocess",
    "BackboneSpec",
    "InferenceMode",
    "build_backbone",
    "check_input_size",
    "get_backbone",
    "imagenet_weights_path",
    "keras_cache_dir",
    "list_backbones",
]

_APPS = keras.applications
_GCS = "https://storage.googleapis.com/tensorflow/keras-applications/"

# The sides for which Keras publishes MobileNetV2 ImageNet weights; for any
# other side Keras loads the 224 ones (the convolutions do not depend on it).
_MOBILENET_V2_SIDES = (96, 128, 160, 192, 224)

# EfficientNet's input normalisation, see _match_keras_efficientnet_imagenet.
_IMAGENET_STDDEV_RGB = (0.229, 0.224, 0.225)


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
    mode : str
        What ``preprocess_input`` does: ``"caffe"`` (RGB to BGR, minus the
        ImageNet mean pixel), ``"tf"`` (scale to [-1, 1]), ``"torch"`` (scale
        to [0, 1], standardise per channel) or ``"none"`` (EfficientNet
        rescales inside the network).
    min_size : int
        Smallest input side Keras accepts for the headless network.
    default_size : int
        Side :class:`~fashionzoo.transfer.TransferClassifier` resizes to by
        default: the minimum, which keeps training affordable on a CPU.
    description : str
        One line for tables.
    weights_file : str
        File name of the headless ImageNet weights in Keras's cache
        (``KERAS_HOME/models``); ``{side}`` stands for the input side.
    weights_url : str
        Where Keras downloads that file from; ``{side}`` as above.
    weights_md5 : str or None
        MD5 of the file, as Keras checks it (None: Keras checks none).
    """

    name: str
    constructor: Callable[..., Any]
    preprocess_input: Callable[..., Any]
    mode: str
    min_size: int
    default_size: int
    description: str
    weights_file: str
    weights_url: str
    weights_md5: str | None = None

    def weights_filename(self, input_size: int | None = None) -> str:
        """Name of the headless ImageNet weights file for ``input_size``.

        Parameters
        ----------
        input_size : int, default=None
            Image side; only MobileNetV2 has weights per side (else 224).

        Returns
        -------
        filename : str
        """
        return self.weights_file.format(side=self._weights_side(input_size))

    def weights_origin(self, input_size: int | None = None) -> str:
        """Download URL of :meth:`weights_filename`.

        Parameters
        ----------
        input_size : int, default=None
            Image side, as in :meth:`weights_filename`.

        Returns
        -------
        url : str
        """
        return self.weights_url.format(side=self._weights_side(input_size))

    def _weights_side(self, input_size: int | None) -> int:
        if self.name == "mobilenet_v2" and input_size in _MOBILENET_V2_SIDES:
            return int(input_size)
        return 224


_BACKBONES: dict[str, BackboneSpec] = {
    spec.name: spec
    for spec in (
        BackboneSpec(
            name="vgg16",
            constructor=_APPS.VGG16,
            preprocess_input=_APPS.vgg16.preprocess_input,
            mode="caffe",
            min_size=32,
            default_size=32,
            description="VGG16: 13 conv layers in 5 blocks, 14.7M parameters",
            weights_file="vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
            weights_url=_GCS
            + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
            weights_md5="6d6bbae143d832006294945121d1f1fc",
        ),
        BackboneSpec(
            name="resnet50",
            constructor=_APPS.ResNet50,
            preprocess_input=_APPS.resnet.preprocess_input,
            mode="caffe",
            min_size=32,
            default_size=32,
            description="ResNet50: 50-layer residual network, 23.6M parameters",
            weights_file="resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
            weights_url=_GCS
            + "resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
            weights_md5="4d473c1dd8becc155b73f8504c6f6626",
        ),
        BackboneSpec(
            name="resnet152v2",
            constructor=_APPS.ResNet152V2,
            preprocess_input=_APPS.resnet_v2.preprocess_input,
            mode="tf",
            min_size=32,
            default_size=32,
            description="ResNet152V2: 152-layer pre-activation ResNet, 58.3M parameters",
            weights_file="resnet152v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
            weights_url=_GCS
            + "resnet/resnet152v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
            weights_md5="ed17cf2e0169df9d443503ef94b23b33",
        ),
        BackboneSpec(
            name="xception",
            constructor=_APPS.Xception,
            preprocess_input=_APPS.xception.preprocess_input,
            mode="tf",
            min_size=71,
            default_size=71,
            description="Xception: depthwise-separable Inception, 20.9M parameters",
            weights_file="xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
            weights_url=_GCS
            + "xception/xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
            weights_md5="b0042744bf5b25fce3cb969f33bebb97",
        ),
        BackboneSpec(
            name="inception_v3",
            constructor=_APPS.InceptionV3,
            preprocess_input=_APPS.inception_v3.preprocess_input,
            mode="tf",
            min_size=75,
            default_size=75,
            description="InceptionV3: factorised Inception modules, 21.8M parameters",
            weights_file="inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
            weights_url=_GCS
            + "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
            weights_md5="bcbd6486424b2319ff4ef7d526e38f63",
        ),
        BackboneSpec(
            name="mobilenet_v2",
            constructor=_APPS.MobileNetV2,
            preprocess_input=_APPS.mobilenet_v2.preprocess_input,
            mode="tf",
            min_size=32,
            default_size=32,
            description="MobileNetV2: inverted residuals, width 1.0, 2.3M parameters",
            weights_file=(
                "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_{side}_no_top.h5"
            ),
            weights_url=_GCS + "mobilenet_v2/"
            "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_{side}_no_top.h5",
            weights_md5=None,
        ),
        BackboneSpec(
            name="efficientnet_b0",
            constructor=_APPS.EfficientNetB0,
            preprocess_input=_APPS.efficientnet.preprocess_input,
            mode="none",
            min_size=32,
            default_size=32,
            description="EfficientNetB0: compound-scaled MBConv network, 4.0M parameters",
            weights_file="efficientnetb0_notop.h5",
            weights_url="https://storage.googleapis.com/keras-applications/"
            "efficientnetb0_notop.h5",
            weights_md5="50bc09e76180e00e4465e1a485ddc09d",
        ),
        BackboneSpec(
            name="densenet121",
            constructor=_APPS.DenseNet121,
            preprocess_input=_APPS.densenet.preprocess_input,
            mode="torch",
            min_size=32,
            default_size=32,
            description="DenseNet121: densely connected blocks, 7.0M parameters",
            weights_file="densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5",
            weights_url=_GCS
            + "densenet/densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5",
            weights_md5="30ee3e1110167f948a6b9946edeeb738",
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
def keras_cache_dir() -> Path:
    """The folder Keras caches downloads in: ``KERAS_HOME``, else ``~/.keras``.

    ``KERAS_HOME`` is read at each call. ImageNet weights live in its
    ``models`` subfolder.

    Returns
    -------
    folder : pathlib.Path
    """
    home = os.environ.get("KERAS_HOME")
    return Path(home).expanduser() if home else Path("~/.keras").expanduser()


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _alternatives() -> str:
    return (
        "Or pass weights=None (random initialisation) or weights=<path to a "
        "weights file saved by Keras for this backbone without its top>."
    )


def imagenet_weights_path(
    spec: BackboneSpec | str, input_size: int | None = None
) -> Path:
    """Path of the headless ImageNet weights of a backbone, downloading if needed.

    The cache (``KERAS_HOME/models``, see :func:`keras_cache_dir`) is checked
    first, so no network connection is attempted when the file is there; a
    missing file is downloaded with :func:`keras.utils.get_file`, as the
    ``keras.applications`` constructors do.

    Parameters
    ----------
    spec : BackboneSpec or str
        The backbone.
    input_size : int, default=None
        Input side; it picks the MobileNetV2 file (other backbones have one).

    Returns
    -------
    path : pathlib.Path

    Raises
    ------
    WeightsNotFoundError
        If the file is not cached and cannot be downloaded, or if the cached
        file does not match the MD5 Keras expects. The message names the file,
        the folder to put it in and the alternatives.
    """
    if isinstance(spec, str):
        spec = get_backbone(spec)
    fname = spec.weights_filename(input_size)
    folder = keras_cache_dir() / "models"
    path = folder / fname
    if path.is_file():
        if spec.weights_md5 is not None and _md5(path) != spec.weights_md5:
            msg = (
                f"The ImageNet weights file {path} does not match the MD5 Keras "
                f"expects ({spec.weights_md5}); it may be a partial download. "
                f"Delete it and download {spec.weights_origin(input_size)} again "
                f"into {folder}. {_alternatives()}"
            )
            raise WeightsNotFoundError(msg)
        return path
    try:
        downloaded = keras.utils.get_file(
            fname,
            spec.weights_origin(input_size),
            cache_dir=str(keras_cache_dir()),
            cache_subdir="models",
            file_hash=spec.weights_md5,
        )
    except Exception as exc:  # noqa: BLE001  get_file raises a bare Exception
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        msg = (
            f"ImageNet weights for backbone {spec.name!r} are not cached and could "
            f"not be downloaded ({reason}). Keras looks for {fname} in {folder} "
            f"(KERAS_HOME/models; KERAS_HOME defaults to ~/.keras). Download "
            f"{spec.weights_origin(input_size)} on a machine with internet access "
            f"and copy it there. {_alternatives()}"
        )
        raise WeightsNotFoundError(msg) from None
    return Path(downloaded)


def _match_keras_efficientnet_imagenet(backbone: Any) -> None:
    """Give an EfficientNet loaded from a path Keras's ``weights="imagenet"`` output.

    With ``weights="imagenet"`` Keras inserts, after the input Normalization,
    a Rescaling by ``1 / sqrt(stddev)`` per channel (keras-team/keras, see
    tensorflow/tensorflow#49930). Loading the same file through a path
    skips that layer; multiplying the Normalization variance by ``stddev``
    gives the same output, since ``(x - m) / sqrt(v) / sqrt(s)`` equals
    ``(x - m) / sqrt(v * s)``.
    """
    norm = next(
        layer for layer in backbone.layers if isinstance(layer, layers.Normalization)
    )
    variance = ops.convert_to_numpy(norm.adapt_variance)
    norm.adapt_variance.assign(
        variance * np.asarray(_IMAGENET_STDDEV_RGB, variance.dtype)
    )
    norm.finalize_state()


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
        uses its ``default_size``.
    weights : {"imagenet"}, path or None, default="imagenet"
        ``"imagenet"``: the pretrained weights Keras publishes, from the cache
        or downloaded (see :func:`imagenet_weights_path`); ``None``: random
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
        If ImageNet weights are unavailable, or a weights path is not a file.
    """
    spec = get_backbone(name)
    size = spec.default_size if input_size is None else int(input_size)
    check_input_size(spec, size)
    if keras.config.image_data_format() != "channels_last":
        msg = (
            "Backbones are built for channels_last images. Call "
            "keras.config.set_image_data_format('channels_last'). Received: "
            f"image_data_format={keras.config.image_data_format()!r}"
        )
        raise ValueError(msg)
    imagenet = isinstance(weights, str) and weights == "imagenet"
    if imagenet:
        source: str | None = str(imagenet_weights_path(spec, size))
    elif weights is None:
        source = None
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
        try:
            backbone = spec.constructor(**kwargs)
        except ValueError as exc:
            first = str(exc).splitlines()[0]
            msg = (
                f"The weights file {source} does not fit the {spec.name} backbone "
                f"without top at input size {size}: {first}"
            )
            raise ValueError(msg) from None
    for w in caught:  # a successful load: pass Keras's warnings on
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if imagenet and spec.name == "efficientnet_b0":
        _match_keras_efficientnet_imagenet(backbone)
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
            f"input_size >= {spec.min_size} (or None for the default, "
            f"{spec.default_size})."
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
