"""An estimator's state as plain data, for pickle, skops and MLflow.

:meth:`ZooClassifier.__getstate__ <fashionzoo.estimators.ZooClassifier>`
hands over :func:`to_plain`'s dict: the estimator's attributes with the Keras
network ``model_`` replaced by the bytes of a ``.keras`` file (Keras's own
format: config, weights and, for a compiled network, the optimizer and its
state, so ``partial_fit`` after loading goes on where it stopped). What is
left are numpy arrays, bytes and builtins, which skops stores and loads
without running code; the one type a skops user trusts is the estimator class
itself (see the persistence section of ``docs/user_guide/deploy.rst``).

:func:`from_plain` turns the bytes back into a network with Keras's
``safe_mode`` (no ``Lambda`` layer's code is run) unless the caller turned it
off with ``keras.config.enable_unsafe_deserialization()``. The custom layers
of the zoo's networks are registered with Keras by the modules that define the
estimator classes, which loading imports. A state written before this module
existed holds the ``keras.Model`` itself (Keras pickles it), and loads as it
did.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fashionzoo._fileformat import keras_bytes
from fashionzoo.models.custom_layers import custom_objects

__all__ = ["KERAS_KEY", "from_plain", "to_plain"]

#: The key under which the state holds ``model_`` as ``.keras`` bytes.
KERAS_KEY = "_model_keras"


def to_plain(state: dict[str, Any]) -> dict[str, Any]:
    """``state`` with its ``model_`` as ``.keras`` bytes under :data:`KERAS_KEY`.

    Parameters
    ----------
    state : dict
        The estimator's attributes, as ``object.__getstate__`` gives them;
        not modified.

    Returns
    -------
    state : dict
        A new dict; the same one (a copy) for an unfitted estimator.
    """
    state = dict(state)
    model = state.pop("model_", None)
    if model is not None:
        state[KERAS_KEY] = model_to_bytes(model)
    return state


def from_plain(state: dict[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`to_plain`: ``model_`` rebuilt from its bytes.

    Parameters
    ----------
    state : dict
        As :func:`to_plain` returns it, or an older state holding ``model_``
        itself (then returned as it is); not modified.

    Returns
    -------
    state : dict
    """
    if KERAS_KEY not in state:
        return state
    state = dict(state)
    state["model_"] = model_from_bytes(state.pop(KERAS_KEY))
    return state


def model_to_bytes(model: Any) -> bytes:
    """The bytes of ``model`` saved as a ``.keras`` file (with its optimizer)."""
    return keras_bytes(model)


def model_from_bytes(data: bytes) -> Any:
    """A Keras model from the bytes of a ``.keras`` file, compiled if it was.

    Raises
    ------
    TypeError
        ``data`` is not bytes (a state altered by hand).
    """
    if not isinstance(data, (bytes, bytearray)):
        msg = (
            f"the state's {KERAS_KEY!r} must be the bytes of a .keras file; "
            f"got {type(data).__name__}: the state was not written by fashionzoo"
        )
        raise TypeError(msg)
    from fashionzoo._keras import keras

    with tempfile.TemporaryDirectory(prefix="fashionzoo-state-") as tmp:
        path = Path(tmp) / "model.keras"
        path.write_bytes(bytes(data))
        return keras.saving.load_model(
            path,
            custom_objects=custom_objects(),
            compile=True,
            safe_mode=_safe_mode(),
        )


def _safe_mode() -> bool:
    """False only after ``keras.config.enable_unsafe_deserialization()``.

    ``load_model``'s ``safe_mode`` argument overrides Keras's global switch;
    this reads the switch, so that Keras's own opt-in still works.
    """
    try:
        from keras.src.saving.serialization_lib import in_safe_mode
    except ImportError:  # a Keras that moved it: stay safe
        return True
    return in_safe_mode() is not False
