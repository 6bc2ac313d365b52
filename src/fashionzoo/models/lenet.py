"""LeNet-5, as tuned in study 001."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fashionzoo.models._registry import register_model

if TYPE_CHECKING:  # Keras loads when a network is built, not when listed
    from fashionzoo._keras import keras


@register_model(
    estimator="LeNet5Classifier",
    description="LeNet-5: 28x28 padded to 32x32, conv 6/16 @5x5, dense units_1/units_2",
    source="001_3529abcb69a76212.txt",
    reported_accuracy=0.898,
    param_count=113_782,
    recipe={
        "epochs": 15,
        "batch_size": 256,
        "optimizer": "adam",
        "learning_rate": 6e-3,
        "lr_schedule": "onecycle",
        "label_smoothing": 0.1,
    },
    notes=(
        "Study 001's keras-tuner best: units_1=256, units_2=32, Adam. The "
        "recipe trains it 15 epochs at batch 256 with a one-cycle schedule "
        "peaking at 6e-3 and label smoothing 0.1 (batch 256 trains 0.7x as "
        "long as batch 128 at the same accuracy)."
    ),
)
def lenet5(
    input_shape: tuple[int, ...] = (28, 28, 1),
    n_classes: int = 10,
    *,
    units_1: int = 256,
    units_2: int = 32,
) -> keras.Model:
    """LeNet-5 with ReLU and max pooling (study 001).

    Parameters
    ----------
    input_shape : tuple of int, default=(28, 28, 1)
        Image shape; 28x28 inputs are zero-padded to 32x32 as in the study.
    n_classes : int, default=10
        Number of output classes.
    units_1, units_2 : int, default=256, 32
        Units of the two hidden dense layers.

    Returns
    -------
    model : keras.Model
        Uncompiled; takes images scaled to [0, 1].
    """
    from fashionzoo._keras import keras, layers

    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.ZeroPadding2D(2)(inputs)
    x = layers.Conv2D(6, 5, activation="relu", name="conv1")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(16, 5, activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(units_1, activation="relu", name="dense1")(x)
    x = layers.Dense(units_2, activation="relu", name="dense2")(x)
    outputs = layers.Dense(
        n_classes, activation="softmax", dtype="float32", name="predictions"
    )(x)
    return keras.Model(inputs, outputs, name="lenet5")
