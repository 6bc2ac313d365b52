"""Trained weights shipped with fashionzoo, and their model cards.

Each network with shipped weights has two files here: ``<name>.fzoo``, the
fitted estimator in fashionzoo's safe format (:mod:`fashionzoo.saving`), and
``<name>.json``, its model card (network, recipe, seed, test and per-class
accuracy, fit time and host, versions, date, the weights' SHA256 and size,
licence, the study it reproduces). The cards are plain JSON: listing them
imports neither Keras nor TensorFlow. ``benchmarks/train_pretrained.py``
trains and writes both; rerun with the same seed on the same host it gives
the same weights.

This package resolves the shipped files and reads the cards; it builds no
estimator. Most users reach the weights through
:func:`fashionzoo.create_estimator` with ``pretrained=True`` (or
:func:`fashionzoo.saving.load_pretrained`), and :func:`fashionzoo.list_models`
with ``pretrained=True``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from fashionzoo._fileformat import network_arrays
from fashionzoo.exceptions import ChecksumError, FashionZooError
from fashionzoo.models._registry import resolve_name

__all__ = [
    "PRETRAINED_DIR",
    "NoPretrainedWeightsError",
    "ShippedNetwork",
    "graph_path",
    "list_pretrained",
    "model_card",
    "network_weights",
    "shipped_network",
    "weights_path",
]

#: The folder of the shipped weights and cards.
PRETRAINED_DIR = Path(__file__).resolve().parent


class NoPretrainedWeightsError(FashionZooError, KeyError):
    """The network has no shipped weights."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@cache
def _cards() -> dict[str, dict[str, Any]]:
    cards = {}
    for path in sorted(PRETRAINED_DIR.glob("*.json")):
        card = json.loads(path.read_text(encoding="utf-8"))
        cards[card["name"]] = card
    return cards


def list_pretrained() -> list[str]:
    """Names of the networks whose trained weights ship with fashionzoo.

    Returns
    -------
    names : list of str
        Sorted.

    Examples
    --------
    >>> from fashionzoo.pretrained import list_pretrained
    >>> "lenet5" in list_pretrained()
    True
    """
    return sorted(_cards())


def _resolve(name: str) -> str:
    key = resolve_name(name)
    if key not in _cards():
        available = ", ".join(list_pretrained()) or "none"
        msg = (
            f"No pretrained weights for {name!r}. Networks with weights: "
            f"{available}. Train it yourself: create_estimator({name!r}).fit(X, y)."
        )
        raise NoPretrainedWeightsError(msg)
    return key


def model_card(name: str) -> dict[str, Any]:
    """The model card of a network's shipped weights.

    Parameters
    ----------
    name : str
        A registered name or alias (``"best"``).

    Returns
    -------
    card : dict
        A copy: ``network``, ``recipe``, ``random_state``, ``epochs``,
        ``test_accuracy``, ``per_class_accuracy``, ``fit_seconds``, ``host``,
        ``versions``, ``date``, ``weights`` (file, SHA256, bytes, precision),
        ``license``, ``study`` and more.

    Raises
    ------
    UnknownModelError
        ``name`` is not registered.
    NoPretrainedWeightsError
        It has no shipped weights (the message lists the networks that do).
    """
    return json.loads(json.dumps(_cards()[_resolve(name)]))


def weights_path(name: str) -> Path:
    """The shipped file of ``name``, after checking its SHA256 against the card.

    Parameters
    ----------
    name : str

    Returns
    -------
    path : Path

    Raises
    ------
    ChecksumError
        The file is damaged (the message names it and gives both hashes).
    """
    key = _resolve(name)
    return _checked_file(key, _cards()[key]["weights"])


def graph_path(name: str, *, quantized: bool = False) -> Path:
    """The shipped ONNX graph of ``name``, after checking its SHA256 against the card.

    The graph takes float32 images (n, 28, 28, 1) of raw 0-255 pixels and
    returns the estimator's ``predict_proba`` (test-time views included);
    :class:`fashionzoo.inference.InferenceModel` runs it in ONNX Runtime or
    OpenVINO without TensorFlow.

    Parameters
    ----------
    name : str
        A registered name or alias.
    quantized : bool, default=False
        The int8 graph (post-training static quantization) instead of the
        float32 one.

    Returns
    -------
    path : Path

    Raises
    ------
    NoPretrainedWeightsError
        The network has no shipped graph of that kind (an int8 graph ships
        only where it loses at most 0.003 of test accuracy; the message says
        what it lost).
    ChecksumError
        The file is damaged.
    """
    key = _resolve(name)
    card = _cards()[key]
    kind = "int8" if quantized else "onnx"
    entry = card.get(kind)
    if not entry or "file" not in entry:
        why = (entry or {}).get("reason", "none was exported for this version")
        msg = (
            f"No {'int8' if quantized else 'ONNX'} graph ships for {key!r}: {why}."
            + (" Use quantized=False." if quantized else "")
        )
        raise NoPretrainedWeightsError(msg)
    return _checked_file(key, entry)


def _checked_file(name: str, entry: dict[str, Any]) -> Path:
    path = PRETRAINED_DIR / entry["file"]
    if not path.is_file():
        msg = f"the shipped file of {name!r} is missing: {path}. Reinstall fashionzoo."
        raise FileNotFoundError(msg)
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    expected = entry["sha256"]
    if actual != expected:
        msg = (
            f"{path} is damaged: its SHA256 is {actual}, the model card says "
            f"{expected}. Reinstall fashionzoo."
        )
        raise ChecksumError(msg)
    return path


@dataclass(frozen=True)
class ShippedNetwork:
    """What a card says of the network its weights fit.

    Attributes
    ----------
    name : str
        The registered name.
    hyperparameters : dict
        The builder's hyperparameters the weights were trained with.
    classes : list
        The classes of its output layer, in order.
    """

    name: str
    hyperparameters: dict[str, Any]
    classes: list[Any]


def shipped_network(name: str) -> ShippedNetwork:
    """The network the shipped weights of ``name`` fit, from its card.

    Parameters
    ----------
    name : str
        A registered name or alias.

    Returns
    -------
    ShippedNetwork
    """
    card = model_card(name)
    return ShippedNetwork(
        name=card["name"],
        hyperparameters=dict(card["network"]["hyperparameters"]),
        classes=list(card["classes"]),
    )


def network_weights(name: str) -> list[np.ndarray]:
    """The weights of the shipped network of ``name``, in the Keras model's order.

    The arrays of the file's whole model (pixel scaling and augmentation
    hold none, so they are the network's own); the file's SHA256 is checked
    against the card first. No estimator is built:
    ``ZooClassifier(pretrained=True)`` copies them into a freshly built
    network.

    Parameters
    ----------
    name : str
        A registered name or alias.

    Returns
    -------
    arrays : list of ndarray

    Raises
    ------
    NoPretrainedWeightsError
        No weights ship for ``name``.
    ChecksumError
        The shipped file is damaged.
    """
    return network_arrays(weights_path(name))
