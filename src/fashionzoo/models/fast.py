"""A narrow ResNet-9-style network built to train fast on a CPU.

After the fast CIFAR-10 training records (Page's ResNet-9 for DAWNBench,
Keller Jordan's airbench): conv-BN-ReLU throughout, a residual block after the
first and last downsampling stage, global max pooling and a linear head whose
input is scaled down. Sized for 28x28 grey images on two CPU cores: the stem
halves the resolution at once (layers at 28x28 are memory-bound on a CPU and
cost far more than their arithmetic suggests), and most of the arithmetic is
in the widest layers at 4x4, which a CPU runs efficiently.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from fashionzoo.models._registry import register_model
from fashionzoo.models.whitening import WHITEN_LAYER

if TYPE_CHECKING:  # Keras loads when a network is built, not when listed
    from fashionzoo._keras import keras


def _conv_bn(
    x: keras.KerasTensor,
    filters: int,
    *,
    strides: int = 1,
    name: str,
    bn_momentum: float,
) -> keras.KerasTensor:
    from fashionzoo._keras import layers

    x = layers.Conv2D(
        filters,
        3,
        strides=strides,
        padding="same",
        use_bias=False,
        kernel_initializer="he_normal",
        name=f"{name}_conv",
    )(x)
    x = layers.BatchNormalization(momentum=bn_momentum, name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


def _stage(
    x: keras.KerasTensor,
    filters: int,
    *,
    residual: bool,
    pool: bool,
    name: str,
    bn_momentum: float,
) -> keras.KerasTensor:
    # conv -> [pool] -> BN -> ReLU, then an optional two-conv residual block.
    from fashionzoo._keras import layers

    x = layers.Conv2D(
        filters,
        3,
        padding="same",
        use_bias=False,
        kernel_initializer="he_normal",
        name=f"{name}_conv",
    )(x)
    if pool:
        x = layers.MaxPooling2D(2, padding="same", name=f"{name}_pool")(x)
    x = layers.BatchNormalization(momentum=bn_momentum, name=f"{name}_bn")(x)
    x = layers.ReLU(name=f"{name}_relu")(x)
    if residual:
        y = _conv_bn(x, filters, name=f"{name}_res1", bn_momentum=bn_momentum)
        y = _conv_bn(y, filters, name=f"{name}_res2", bn_momentum=bn_momentum)
        x = layers.Add(name=f"{name}_add")([x, y])
    return x


@register_model(
    estimator="FastResNetClassifier",
    description="Narrow ResNet-9 for CPU: stride-2 stem, 3 stages, global max pool",
    param_count=414_826,
    recipe={
        "epochs": 26,
        "batch_size": 256,
        "optimizer": "adamw",
        "learning_rate": 3e-3,
        "lr_schedule": "onecycle",
        "label_smoothing": 0.1,
        "weight_decay": 5e-2,
        "augment": "light",
        "tta": "flip+shift",
    },
    notes=(
        "Not from a study: the zoo's own fast network, after the fast CIFAR-10 "
        "training records (ResNet-9, airbench): a frozen 2x2 patch-whitening "
        "first layer computed from the training images, bias-free "
        "conv-BN-ReLU started as identities (dirac), residual blocks after "
        "stages 1 and 3, global max pooling, logits scaled by 1/8. Recipe: "
        "AdamW (peak learning rate 3e-3, decoupled weight decay 0.05) on a "
        "one-cycle schedule over 26 epochs at width 16, label smoothing 0.1, "
        "'light' augmentation (flip and 2-pixel shifts) and test-time "
        "augmentation over 10 views (the image and its mirror image, each "
        "also moved one pixel four ways; it costs no training time and 5x the "
        "prediction time of the flip alone). Its accuracy against fit time is "
        "in the docs' zoo page; on a slow machine pass a smaller `epochs` or "
        "`width`."
    ),
    aliases=("best",),
    added_parameters={"whiten": False, "dirac": False},
)
def fast_resnet(
    input_shape: tuple[int, ...] = (28, 28, 1),
    n_classes: int = 10,
    *,
    width: int = 16,
    logit_scale: float = 0.125,
    bn_momentum: float = 0.9,
    whiten: bool = True,
    dirac: bool = True,
) -> keras.Model:
    """Narrow ResNet-9-style network for fast CPU training.

    Layout for 28x28 inputs, with ``w = width``: stem conv stride 2 to
    ``w`` channels at 14x14; stage 1 conv to ``2w``, pool to 7x7, residual
    block; stage 2 conv to ``4w``, pool to 4x4; stage 3 conv to ``8w`` and a
    residual block at 4x4; global max pool; scaled linear softmax head.
    Every convolution is 3x3 and bias-free, followed by BatchNorm and ReLU.
    The resolution falls by 8 overall, as in ResNet-9 (32 to 4 on CIFAR-10).

    Parameters
    ----------
    input_shape : tuple of int, default=(28, 28, 1)
        Image shape.
    n_classes : int, default=10
        Number of output classes.
    width : int, default=16
        Channels of the stem; the stages have 2, 4 and 8 times as many.
        Compute and parameters grow with its square.
    logit_scale : float, default=0.125
        Factor applied to the pooled features before the softmax layer, which
        scales the logits down as in ResNet-9 (1 leaves them alone).
    bn_momentum : float, default=0.9
        BatchNorm moving-average momentum; 0.9 suits short schedules.
    whiten : bool, default=True
        Put a frozen patch-whitening convolution before the stem (2x2
        filters from the eigenvectors of the training images' patch
        covariance, and their negatives, then ReLU; airbench's first layer).
        ``fit`` computes it from the images it trains on
        (:func:`fashionzoo.models.whitening.adapt_whitening`); it is not
        trained, and saves and exports as any convolution.
    dirac : bool, default=True
        Start every convolution after the stem as an identity on its first
        input channels (airbench's "dirac" initialisation): of a layer with
        ``c`` input channels, the first ``c`` filters pass channel ``i`` through
        unchanged; the others keep their He-normal start.

    Returns
    -------
    model : keras.Model
        Uncompiled; takes images scaled to [0, 1].
    """
    from fashionzoo._keras import keras, layers

    for flag, value in (("whiten", whiten), ("dirac", dirac)):
        if not isinstance(value, bool):
            msg = f"{flag} must be True or False. Received: {flag}={value!r}"
            raise TypeError(msg)
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        msg = f"width must be a positive int. Received: width={width!r}"
        raise ValueError(msg)
    if not logit_scale > 0:
        msg = f"logit_scale must be positive. Received: logit_scale={logit_scale}"
        raise ValueError(msg)
    if not 0.0 <= bn_momentum < 1.0:
        msg = f"bn_momentum must be in [0, 1). Received: bn_momentum={bn_momentum}"
        raise ValueError(msg)
    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    if whiten:
        channels = input_shape[-1]
        x = layers.Conv2D(
            2 * 2 * 2 * channels,
            2,
            use_bias=False,
            trainable=False,
            name=WHITEN_LAYER,
        )(x)
        x = layers.ReLU(name="whiten_relu")(x)
    x = _conv_bn(x, width, strides=2, name="stem", bn_momentum=bn_momentum)
    stages = [(2, True, True), (4, False, True), (8, True, False)]
    for i, (mult, residual, pool) in enumerate(stages, start=1):
        x = _stage(
            x,
            mult * width,
            residual=residual,
            pool=pool,
            name=f"stage{i}",
            bn_momentum=bn_momentum,
        )
    x = layers.GlobalMaxPooling2D(name="global_pool")(x)
    if logit_scale != 1:
        x = layers.Rescaling(logit_scale, name="logit_scale")(x)
    outputs = layers.Dense(
        n_classes, activation="softmax", dtype="float32", name="predictions"
    )(x)
    model = keras.Model(inputs, outputs, name="fast_resnet")
    if dirac:
        _identity_start(model, skip=("stem_conv", WHITEN_LAYER))
    return model


def _identity_start(model: keras.Model, *, skip: tuple[str, ...]) -> None:
    """Set each convolution's first ``c_in`` filters to the identity (``dirac``)."""
    from fashionzoo._keras import keras, layers

    for layer in model.layers:
        if not isinstance(layer, layers.Conv2D) or layer.name in skip:
            continue
        kernel = np.array(keras.ops.convert_to_numpy(layer.kernel))
        rows, cols, c_in, c_out = kernel.shape
        n = min(c_in, c_out)
        kernel[:, :, :, :n] = 0.0
        kernel[rows // 2, cols // 2, np.arange(n), np.arange(n)] = 1.0
        layer.kernel.assign(kernel)
