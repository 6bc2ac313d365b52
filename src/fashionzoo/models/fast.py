"""A narrow ResNet-9-style network built to train fast on a CPU.

After the fast CIFAR-10 training records (Page's ResNet-9 for DAWNBench,
Keller Jordan's airbench): conv-BN-ReLU throughout, a residual block after the
first and last downsampling stage, global max pooling and a linear head whose
input is scaled down. Sized for 28x28 grey images on two CPU cores: the stem
halves the resolution at once (the 28x28 layers are memory-bound on a CPU and
cost more than their arithmetic suggests), and most of the work runs at 7x7.
"""

from __future__ import annotations

import keras
from keras import layers

from fashionzoo.models._registry import register_model


def _conv_bn(
    x: keras.KerasTensor,
    filters: int,
    *,
    strides: int = 1,
    name: str,
    bn_momentum: float,
) -> keras.KerasTensor:
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
    name: str,
    bn_momentum: float,
) -> keras.KerasTensor:
    # conv -> pool -> BN -> ReLU, then an optional two-conv residual block.
    x = layers.Conv2D(
        filters,
        3,
        padding="same",
        use_bias=False,
        kernel_initializer="he_normal",
        name=f"{name}_conv",
    )(x)
    x = layers.MaxPooling2D(2, padding="same", name=f"{name}_pool")(x)
    x = layers.BatchNormalization(momentum=bn_momentum, name=f"{name}_bn")(x)
    x = layers.ReLU(name=f"{name}_relu")(x)
    if residual:
        y = _conv_bn(x, filters, name=f"{name}_res1", bn_momentum=bn_momentum)
        y = _conv_bn(y, filters, name=f"{name}_res2", bn_momentum=bn_momentum)
        x = layers.Add(name=f"{name}_add")([x, y])
    return x


@register_model(
    description="Narrow ResNet-9 for CPU: stride-2 stem, 3 stages, global max pool",
    source=None,
    reported_accuracy=None,
    param_count=0,
    recipe={
        "epochs": 18,
        "batch_size": 256,
        "optimizer": "adamw",
        "learning_rate": 4e-3,
        "lr_schedule": "onecycle",
        "label_smoothing": 0.1,
        "weight_decay": 5e-2,
        "augment": "light",
        "tta": "flip",
    },
    notes=(
        "Not from a study: the zoo's own fast network, after the fast CIFAR-10 "
        "training records (ResNet-9, airbench): conv-BN-ReLU, residual blocks "
        "after stages 1 and 3, global max pooling, logits scaled by 1/8. "
        "Built for >= 0.94 test accuracy within 15 minutes on a 2-core CPU "
        "with the recipe (AdamW, one-cycle, label smoothing 0.1, flip and "
        "2-pixel shifts, flip test-time augmentation)."
    ),
    aliases=("best",),
)
def fast_resnet(
    input_shape: tuple[int, ...] = (28, 28, 1),
    n_classes: int = 10,
    *,
    width: int = 24,
    logit_scale: float = 0.125,
    bn_momentum: float = 0.9,
) -> keras.Model:
    """Narrow ResNet-9-style network for fast CPU training.

    Layout for 28x28 inputs, with ``w = width``: stem conv 3x3 stride 2 to
    w channels at 14x14; stage 1 conv 2w, pool to 7x7, residual block;
    stage 2 conv 4w, pool to 4x4; stage 3 conv 8w, pool to 2x2, residual
    block; global max pool; scaled linear softmax head. Every convolution is
    3x3, bias-free, followed by BatchNorm and ReLU.

    Parameters
    ----------
    input_shape : tuple of int, default=(28, 28, 1)
        Image shape.
    n_classes : int, default=10
        Number of output classes.
    width : int, default=24
        Channels of the stem; the stages have 2, 4 and 8 times as many.
        Compute grows with its square.
    logit_scale : float, default=0.125
        Factor applied to the pooled features before the softmax layer,
        which scales the logits down as in ResNet-9 (1 disables it).
    bn_momentum : float, default=0.9
        BatchNorm moving-average momentum; 0.9 suits short schedules.

    Returns
    -------
    model : keras.Model
        Uncompiled; takes images scaled to [0, 1].
    """
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
    x = _conv_bn(inputs, width, strides=2, name="stem", bn_momentum=bn_momentum)
    x = _stage(x, 2 * width, residual=True, name="stage1", bn_momentum=bn_momentum)
    x = _stage(x, 4 * width, residual=False, name="stage2", bn_momentum=bn_momentum)
    x = _stage(x, 8 * width, residual=True, name="stage3", bn_momentum=bn_momentum)
    x = layers.GlobalMaxPooling2D(name="global_pool")(x)
    if logit_scale != 1:
        x = layers.Rescaling(logit_scale, name="logit_scale")(x)
    outputs = layers.Dense(
        n_classes, activation="softmax", dtype="float32", name="predictions"
    )(x)
    return keras.Model(inputs, outputs, name="fast_resnet")
