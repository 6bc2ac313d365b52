"""What fashionzoo does differently on each Keras backend, one module per backend.

:func:`current` returns the module of the backend Keras runs on
(``fashionzoo._backends.tensorflow``, ``.jax`` or ``.torch``), chosen once per
process the way Keras chooses its own backend. Each module has the same
functions; callers never branch on the backend's name.
"""

from __future__ import annotations

import functools
import importlib
from types import ModuleType

__all__ = ["current"]

_SUPPORTED = ("tensorflow", "jax", "torch")


@functools.cache
def current() -> ModuleType:
    """The module for Keras's backend.

    Returns
    -------
    module : module
        ``fashionzoo._backends.<name>``.

    Raises
    ------
    RuntimeError
        Keras runs on a backend fashionzoo does not support.
    """
    from fashionzoo._keras import keras

    name = keras.backend.backend()
    if name not in _SUPPORTED:
        msg = (
            f"fashionzoo trains with Keras's {', '.join(_SUPPORTED)} backends; "
            f"Keras runs on {name!r}. Set KERAS_BACKEND to one of them."
        )
        raise RuntimeError(msg)
    return importlib.import_module(f"fashionzoo._backends.{name}")
