"""A small-image ResNet without the first max-pool (study 003).

After He et al. (2016), section 4.2: a 3x3 stem, then three stages of basic
residual blocks at widths w, 2w, 4w with the resolution halved between them,
global average pooling and a softmax layer (ResNet-20 is 3 blocks per stage
at w = 16). Where a block changes shape, its shortcut is a strided 1x1
convolution with BatchNorm (projection, option B).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fashionzoo.models._registry import register_model

if TYPE_CHECKING:  # Keras loads when a network is built, not when listed
    from fashionzoo._keras import keras


def _basic_block(
    x: keras.KerasTensor, filters: int, *, strides: int, name: str
) -> keras.KerasTensor:
    from fashionzoo._keras import layers

    shortcut = x
    y = layers.Conv2D(
        filters,
        3,
        strides=strides,
        padding="same",
        use_bias=False,
        kernel_initializer="he_normal",
        name=f"{name}_conv1",
    )(x)
    y = layers.BatchNormalization(name=f"{name}_bn1")(y)
    y = layers.ReLU(name=f"{name}_relu1")(y)
    y = layers.Conv2D(
        filters,
        3,
        padding="same",
        use_bias=False,
        kernel_initializer="he_normal",
        name=f"{name}_conv2",
    )(y)
    y = layers.BatchNormalization(name=f"{name}_bn2")(y)
    if strides != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(
            filters,
            1,
            strides=strides,
            use_bias=False,
            kernel_initializer="he_normal",
            name=f"{name}_proj",
        )(x)
        shortcut = layers.BatchNormalization(name=f"{name}_proj_bn")(shortcut)
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.ReLU(name=f"{name}_out")(y)


@register_model(
    estimator="ResNetClassifier",
    description="ResNet-20 for small images: stride-2 stem, no max-pool, 16/32/64",
    source="003_900fc237a138ca79.txt",
    reported_accuracy=0.9099,
    param_count=273_754,
    recipe={
        "epochs": 10,
        "batch_size": 128,
        "optimizer": "adam",
        "learning_rate": 3e-3,
        "lr_schedule": "onecycle",
        "label_smoothing": 0.1,
    },
    notes=(
        "Study 003 used 'the famous ResNet architecture' with the first "
        "max-pool taken out for the small images, 10 epochs without "
        "augmentation, but gives no depth or widths. We use the CIFAR-style "
        "ResNet-20 of He et al. (basic blocks, 3 stages of 16/32/64 channels, "
        "projection shortcuts where the shape changes, global average "
        "pooling). Taking out only the max-pool leaves the ImageNet stem's "
        "stride 2, which we keep (stem_strides=2: stages at 14x14, 7x7 and "
        "4x4; stem_strides=1 works at full resolution for 4-8 times the "
        "cost). The recipe keeps the study's 10 epochs and puts Adam on a "
        "one-cycle schedule peaking at 3e-3 with label smoothing 0.1."
    ),
)
def resnet(
    input_shape: tuple[int, ...] = (28, 28, 1),
    n_classes: int = 10,
    *,
    blocks_per_stage: int = 3,
    width: int = 16,
    stem_strides: int = 2,
) -> keras.Model:
    """ResNet for 28x28 images, without the stem max-pool (study 003).

    Stem: 3x3 convolution (stride ``stem_strides``), BatchNorm, ReLU, and no
    max-pool. Then three stages of ``blocks_per_stage`` basic blocks with
    ``width``, ``2 * width`` and ``4 * width`` channels, the second and third
    starting with stride 2; global average pooling; softmax. Depth is
    ``6 * blocks_per_stage + 2`` layers with weights: ``blocks_per_stage=3``
    is ResNet-20, 5 is ResNet-32, 9 is ResNet-56.

    Parameters
    ----------
    input_shape : tuple of int, default=(28, 28, 1)
        Image shape.
    n_classes : int, default=10
        Number of output classes.
    blocks_per_stage : int, default=3
        Basic residual blocks in each of the three stages.
    width : int, default=16
        Channels of the stem and the first stage; the second and third
        stages have 2 and 4 times as many.
    stem_strides : {1, 2}, default=2
        Stride of the stem convolution. 2 keeps the ImageNet ResNet's
        downsampling stem minus its max-pool and runs the stages at 14x14,
        7x7 and 4x4; 1 runs them at 28x28, 14x14 and 7x7 (the CIFAR layout),
        about 4 times the compute.

    Returns
    -------
    model : keras.Model
        Uncompiled; takes images scaled to [0, 1].
    """
    from fashionzoo._keras import keras, layers

    for name, value in [("blocks_per_stage", blocks_per_stage), ("width", width)]:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            msg = f"{name} must be a positive int. Received: {name}={value!r}"
            raise ValueError(msg)
    if stem_strides not in (1, 2):
        msg = f"stem_strides must be 1 or 2. Received: stem_strides={stem_strides!r}"
        raise ValueError(msg)
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.Conv2D(
        width,
        3,
        strides=stem_strides,
        padding="same",
        use_bias=False,
        kernel_initializer="he_normal",
        name="stem_conv",
    )(inputs)
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = layers.ReLU(name="stem_relu")(x)
    for stage in range(3):
        for block in range(blocks_per_stage):
            strides = 2 if stage > 0 and block == 0 else 1
            x = _basic_block(
                x,
                width * 2**stage,
                strides=strides,
                name=f"stage{stage + 1}_block{block + 1}",
            )
    x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    outputs = layers.Dense(
        n_classes, activation="softmax", dtype="float32", name="predictions"
    )(x)
    return keras.Model(inputs, outputs, name="resnet")
