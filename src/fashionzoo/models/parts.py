"""The named parts of an estimator's model, and the models derived from them.

Every fashionzoo model names its parts when it is built, and these
functions find them by those names, whatever the shape of the graph:

* ``"augmentation"``: the training-only augmentation stack
  (:func:`~fashionzoo.models.augment.make_augmentation`); the identity at
  inference.
* ``"features"``: the pooled features before the classification head (the
  transfer models); :func:`feature_extractor` cuts the model there.
* ``"predictions"``: the classification head of every zoo network (a
  ``Dense`` layer); :func:`embedding_model` cuts the model at its input, the
  last hidden layer.

:func:`inference_model` (export), :func:`feature_extractor` (transfer's
cached features) and :func:`convolution_paths` / :func:`output_model`
(feature-map plots) are built on them.
"""

from __future__ import annotations

from typing import Any

from fashionzoo._keras import keras

__all__ = [
    "AUGMENTATION",
    "FEATURES",
    "PREDICTIONS",
    "convolution_paths",
    "embedding_model",
    "feature_extractor",
    "has_augmentation",
    "inference_model",
    "output_model",
]

#: Name of the augmentation stack inside a model.
AUGMENTATION = "augmentation"
#: Name of the layer whose output are the pooled features.
FEATURES = "features"
#: Name of the classification head of the zoo networks.
PREDICTIONS = "predictions"

_CONVOLUTIONS = (
    keras.layers.Conv2D,
    keras.layers.SeparableConv2D,
    keras.layers.DepthwiseConv2D,
)


def scaled_pixels(image_hw: tuple[int, int], scale: float) -> tuple[Any, Any]:
    """The input of an estimator's model and its pixels scaled to [0, 1].

    Parameters
    ----------
    image_hw : (int, int)
        Height and width of the images seen at fit.
    scale : float
        The fit's pixel scale (1/255 for 0-255 pixels).

    Returns
    -------
    inputs, scaled : KerasTensor
        The ``"pixels"`` input (float32, ``(*image_hw, 1)``) and the output
        of its ``"scale"`` rescaling layer.
    """
    inputs = keras.Input(shape=(*image_hw, 1), dtype="float32", name="pixels")
    return inputs, keras.layers.Rescaling(scale, name="scale")(inputs)


def has_augmentation(model: Any) -> bool:
    """Whether ``model`` holds an augmentation stack.

    Parameters
    ----------
    model : keras.Model
        A model built by the zoo or by the user.

    Returns
    -------
    bool
    """
    return any(layer.name == AUGMENTATION for layer in model.layers)


def inference_model(model: Any) -> Any:
    """``model`` without its augmentation stack, every layer in inference mode.

    The augmentation layers are the identity at inference only when called
    with ``training=False``, which exporters and serving runtimes do not pass;
    so they are left out, and every other layer is called with
    ``training=False`` (dropout off, batch normalisation on its moving
    statistics). The new model shares ``model``'s layers and weights and
    works for any graph (the transfer models feed one tensor to three inputs
    of a ``Concatenate``).

    Parameters
    ----------
    model : keras.Model
        A functional model.

    Returns
    -------
    keras.Model
    """

    def call(layer: Any, *args: Any, **kwargs: Any) -> Any:
        if layer.name == AUGMENTATION:
            return args[0]
        return layer(*args, **{**kwargs, "training": False})

    return keras.models.clone_model(
        model, clone_function=lambda layer: layer, call_function=call
    )


def feature_extractor(model: Any) -> Any:
    """A model from ``model``'s input to its ``"features"`` layer.

    Parameters
    ----------
    model : keras.Model
        A model with a layer named ``"features"``.

    Returns
    -------
    keras.Model
    """
    return keras.Model(
        model.input, model.get_layer(FEATURES).output, name="feature_extractor"
    )


def embedding_model(model: Any) -> Any:
    """A model from ``model``'s input to the activations of its last hidden layer.

    That is the input of the classification head: the ``"features"`` layer of
    a transfer model, else the input of the network's ``"predictions"``
    layer (of its last ``Dense`` layer for a network that names no head).
    Called with ``training=False`` (as ``predict`` does), augmentation and
    dropout are off.

    Parameters
    ----------
    model : keras.Model
        An estimator's ``model_``.

    Returns
    -------
    keras.Model

    Raises
    ------
    ValueError
        The model has no dense classification head.
    """
    if any(layer.name == FEATURES for layer in model.layers):
        return feature_extractor(model)
    for layer in reversed(model.layers):
        inner = _inner(layer)
        if inner is None:
            continue
        dense = [lay for lay in inner.layers if isinstance(lay, keras.layers.Dense)]
        if not dense:
            continue
        head = next((lay for lay in dense if lay.name == PREDICTIONS), dense[-1])
        cut = keras.Model(inner.input, keras.Operation.input.fget(head))
        feeding = keras.Operation.input.fget(layer)
        return keras.Model(model.input, cut(feeding), name=f"{inner.name}_embedding")
    msg = (
        f"{model.name} has no dense classification head, so it has no last hidden "
        "layer to embed with."
    )
    raise ValueError(msg)


def _inner(layer: Any) -> Any:
    """The model a layer holds: itself for a model, the wrapped one for wrappers."""
    if isinstance(layer, keras.Model):
        return layer
    wrapped = getattr(layer, "layer", None)  # InferenceMode, other wrappers
    return wrapped if isinstance(wrapped, keras.Model) else None


def _convolution_chains(
    model: Any, chain: tuple[Any, ...] = ()
) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    for layer in model.layers:
        if isinstance(layer, _CONVOLUTIONS):
            found.append((*chain, layer))
        elif (inner := _inner(layer)) is not None:
            found.extend(_convolution_chains(inner, (*chain, layer)))
    return found


def convolution_paths(model: Any) -> dict[str, tuple[Any, ...]]:
    """Every 2-D convolution of ``model``, nested models and wrappers included.

    Parameters
    ----------
    model : keras.Model
        The model to search.

    Returns
    -------
    dict of str to tuple of layers
        ``"outer/inner/conv"`` -> the chain of layers from the top model down
        to the convolution, in the model's order.
    """
    return {
        "/".join(layer.name for layer in chain): chain
        for chain in _convolution_chains(model)
    }


def output_model(model: Any, chain: tuple[Any, ...]) -> Any:
    """A model from ``model``'s input to the output of the last layer of ``chain``.

    A layer's output tensor lives in the graph of the model that holds it,
    so a nested model (or the model a wrapper holds) is cut first, and then
    applied to the tensor that feeds it in its parent.

    Parameters
    ----------
    model : keras.Model
        The top model.
    chain : tuple of layers
        From :func:`convolution_paths`.

    Returns
    -------
    keras.Model
    """
    head, rest = chain[0], chain[1:]
    if not rest:
        return keras.Model(model.input, head.output, name=f"{head.name}_maps")
    inner = output_model(_inner(head), rest)
    # Operation.input: the tensor the head was called on in ``model``
    # (a nested model's own ``input`` property means its Input layer).
    feeding = keras.Operation.input.fget(head)
    return keras.Model(model.input, inner(feeding), name=inner.name)
