"""Plain convolutional networks from studies 002, 003 and 004."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fashionzoo.models._registry import register_model

if TYPE_CHECKING:  # Keras loads when a network is built, not when listed
    from fashionzoo._keras import keras


def _check_rate(name: str, value: float) -> None:
    if not 0.0 <= value < 1.0:
        msg = f"{name} must be in [0, 1). Received: {name}={value}"
        raise ValueError(msg)


def _check_positive(name: str, value: int, *, allow_zero: bool = False) -> None:
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        kind = "a non-negative" if allow_zero else "a positive"
        msg = f"{name} must be {kind} int. Received: {name}={value!r}"
        raise ValueError(msg)


def _predictions(x: keras.KerasTensor, n_classes: int) -> keras.KerasTensor:
    # float32 so that a mixed-precision policy keeps a float32 softmax.
    from fashionzoo._keras import layers

    return layers.Dense(
        n_classes, activation="softmax", dtype="float32", name="predictions"
    )(x)


# --------------------------------------------------------------------------
# Registered builders
# --------------------------------------------------------------------------


@register_model(
    estimator="CNNDropoutClassifier",
    description="3 conv (32/64/128 @3x3) + 2 max-pool + 2 dropout + dense 128",
    source="002_08f5814733fe32ae.txt",
    reported_accuracy=0.93,
    param_count=503_690,
    recipe={
        "epochs": 30,
        "batch_size": 512,
        "optimizer": "adam",
        "learning_rate": 3e-3,
        "lr_schedule": "onecycle",
        "label_smoothing": 0.1,
    },
    notes=(
        "The write-up shows the layer order but not the sizes; they come from "
        "the notebook it links (cloudxlab/ml, projects/Fashion-MNIST/"
        "Fashion-MNIST-DL-Keras.ipynb): 3x3 'valid' convolutions with 32, 64 "
        "and 128 filters, 2x2 max pooling, dropout 0.5, dense 128 ReLU, "
        "503,690 parameters, adam, 30 epochs at batch 512 with a 10% "
        "validation split. Our recipe keeps its 30 epochs at batch 512 on all "
        "60k images and puts Adam on a one-cycle schedule peaking at 3e-3 with "
        "label smoothing 0.1. dropout=0.0 gives a no-dropout variant of this "
        "network; the study's own no-dropout model was a different one (3 "
        "convolutions then a single pool, 2,076,554 parameters)."
    ),
)
def cnn_dropout(
    input_shape: tuple[int, ...] = (28, 28, 1),
    n_classes: int = 10,
    *,
    filters_1: int = 32,
    filters_2: int = 64,
    filters_3: int = 128,
    dense_units: int = 128,
    dropout: float = 0.5,
) -> keras.Model:
    """CNN with dropout after each pooling layer (study 002).

    conv1 -> conv2 -> max-pool -> dropout -> conv3 -> max-pool -> dropout ->
    flatten -> dense -> softmax, with 3x3 'valid' ReLU convolutions.

    Parameters
    ----------
    input_shape : tuple of int, default=(28, 28, 1)
        Image shape.
    n_classes : int, default=10
        Number of output classes.
    filters_1, filters_2, filters_3 : int, default=32, 64, 128
        Filters of the three convolutions.
    dense_units : int, default=128
        Units of the hidden dense layer.
    dropout : float, default=0.5
        Rate of both dropout layers; 0 removes them.

    Returns
    -------
    model : keras.Model
        Uncompiled; takes images scaled to [0, 1].
    """
    from fashionzoo._keras import keras, layers

    for name, value in [
        ("filters_1", filters_1),
        ("filters_2", filters_2),
        ("filters_3", filters_3),
        ("dense_units", dense_units),
    ]:
        _check_positive(name, value)
    _check_rate("dropout", dropout)
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.Conv2D(filters_1, 3, activation="relu", name="conv1")(inputs)
    x = layers.Conv2D(filters_2, 3, activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    if dropout > 0:
        x = layers.Dropout(dropout, name="drop2")(x)
    x = layers.Conv2D(filters_3, 3, activation="relu", name="conv3")(x)
    x = layers.MaxPooling2D(2, name="pool3")(x)
    if dropout > 0:
        x = layers.Dropout(dropout, name="drop3")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense_units, activation="relu", name="fc")(x)
    outputs = _predictions(x, n_classes)
    return keras.Model(inputs, outputs, name="cnn_dropout")


@register_model(
    estimator="CNNBN4Classifier",
    description="4 x (conv 3x3 + BatchNorm + max-pool), filters 32-256, dense head",
    source="003_900fc237a138ca79.txt",
    reported_accuracy=0.9135,
    param_count=686_346,
    recipe={
        "epochs": 15,
        "batch_size": 128,
        "optimizer": "adam",
        "learning_rate": 3e-3,
        "lr_schedule": "onecycle",
        "label_smoothing": 0.1,
        "augment": "light",
    },
    notes=(
        "Study 003 gives the block (3x3 'same' ReLU convolution, BatchNorm, "
        "2x2 max pooling) and the grid-search result (adam, learning rate "
        "0.01, dropout 0.5) but no layer sizes: filters double from "
        "`filters` (32, 64, 128, 256); pools use padding='same' so four fit "
        "in 28x28 (28-14-7-4-2). The dense head (256 then 128 units, dropout "
        "after each) is our choice. The study trained on 80% of the data "
        "with ReduceLROnPlateau and augmentation (flip, shift, zoom, random "
        "erasing: the 'standard' preset). Our recipe: 15 epochs at batch 128, "
        "Adam on a one-cycle schedule peaking at 3e-3, label smoothing 0.1 and "
        "'light' augmentation (flips, 2-pixel shifts)."
    ),
)
def cnn_bn4(
    input_shape: tuple[int, ...] = (28, 28, 1),
    n_classes: int = 10,
    *,
    filters: int = 32,
    dense_units_1: int = 256,
    dense_units_2: int = 128,
    dropout: float = 0.5,
) -> keras.Model:
    """Four conv + BatchNorm + max-pool blocks and a dense head (study 003).

    Parameters
    ----------
    input_shape : tuple of int, default=(28, 28, 1)
        Image shape.
    n_classes : int, default=10
        Number of output classes.
    filters : int, default=32
        Filters of the first block; each next block doubles them.
    dense_units_1 : int, default=256
        Units of the first dense layer.
    dense_units_2 : int, default=128
        Units of the second dense layer; 0 leaves it out.
    dropout : float, default=0.5
        Dropout rate after each dense layer; 0 removes the dropout layers.

    Returns
    -------
    model : keras.Model
        Uncompiled; takes images scaled to [0, 1].
    """
    from fashionzoo._keras import keras, layers

    _check_positive("filters", filters)
    _check_positive("dense_units_1", dense_units_1)
    _check_positive("dense_units_2", dense_units_2, allow_zero=True)
    _check_rate("dropout", dropout)
    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    for i in range(4):
        x = layers.Conv2D(
            filters * 2**i, 3, padding="same", activation="relu", name=f"conv{i + 1}"
        )(x)
        x = layers.BatchNormalization(name=f"bn{i + 1}")(x)
        x = layers.MaxPooling2D(2, padding="same", name=f"pool{i + 1}")(x)
    x = layers.Flatten(name="flatten")(x)
    units = [dense_units_1] + ([dense_units_2] if dense_units_2 else [])
    for i, n in enumerate(units, start=1):
        x = layers.Dense(n, activation="relu", name=f"dense{i}")(x)
        if dropout > 0:
            x = layers.Dropout(dropout, name=f"drop{i}")(x)
    outputs = _predictions(x, n_classes)
    return keras.Model(inputs, outputs, name="cnn_bn4")


@register_model(
    estimator="CNN004Classifier",
    description="conv 32/64/128 + pooling + dropout + dense 256/256/512 (590,346)",
    source="004_f9b40ba00f7fb6ee.txt",
    reported_accuracy=0.9168,
    param_count=590_346,
    recipe={
        "epochs": 15,
        "batch_size": 150,
        "optimizer": "adam",
        "learning_rate": 3e-3,
        "lr_schedule": "onecycle",
        "label_smoothing": 0.1,
    },
    notes=(
        "Layer for layer the model summary of study 004 (590,346 parameters). "
        "The write-up gives no dropout rates: we use 0.25 after the two "
        "pools, 0.3 after the first dense layer and 0.4 after the second. "
        "The study passed unscaled 0-255 pixels; we take [0, 1] like every "
        "zoo model. The recipe keeps the study's 15 epochs at batch 150 with "
        "Adam and puts it on a one-cycle schedule peaking at 3e-3 with label "
        "smoothing 0.1."
    ),
)
def cnn004(
    input_shape: tuple[int, ...] = (28, 28, 1),
    n_classes: int = 10,
    *,
    dropout_conv: float = 0.25,
    dropout_dense_1: float = 0.3,
    dropout_dense_2: float = 0.4,
) -> keras.Model:
    """The CNN of study 004, exactly as its model summary lists it.

    Conv 32 -> pool -> dropout -> conv 64 -> pool -> dropout -> conv 128 ->
    flatten -> dense 256 -> dropout -> dense 256 -> dropout -> dense 512 ->
    softmax, all convolutions 3x3 'valid' with ReLU.

    Parameters
    ----------
    input_shape : tuple of int, default=(28, 28, 1)
        Image shape.
    n_classes : int, default=10
        Number of output classes.
    dropout_conv : float, default=0.25
        Rate of the two dropout layers after the pools.
    dropout_dense_1, dropout_dense_2 : float, default=0.3, 0.4
        Rates of the dropout layers after the first and second dense layers.

    Returns
    -------
    model : keras.Model
        Uncompiled; takes images scaled to [0, 1].
    """
    from fashionzoo._keras import keras, layers

    for name, value in [
        ("dropout_conv", dropout_conv),
        ("dropout_dense_1", dropout_dense_1),
        ("dropout_dense_2", dropout_dense_2),
    ]:
        _check_rate(name, value)
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.Conv2D(32, 3, activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Dropout(dropout_conv, name="drop1")(x)
    x = layers.Conv2D(64, 3, activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Dropout(dropout_conv, name="drop2")(x)
    x = layers.Conv2D(128, 3, activation="relu", name="conv3")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(256, activation="relu", name="dense1")(x)
    x = layers.Dropout(dropout_dense_1, name="drop3")(x)
    x = layers.Dense(256, activation="relu", name="dense2")(x)
    x = layers.Dropout(dropout_dense_2, name="drop4")(x)
    x = layers.Dense(512, activation="relu", name="dense3")(x)
    outputs = _predictions(x, n_classes)
    return keras.Model(inputs, outputs, name="cnn004")
