"""Every custom Keras layer a fashionzoo model may hold, by its registered name.

Loading a ``.keras`` file passes :func:`custom_objects` to
:func:`keras.saving.load_model`, so the reader names the layers it accepts
instead of relying on modules imported elsewhere for their side effect.
"""

from __future__ import annotations

from typing import Any

from fashionzoo.models.augment import RandomErasing
from fashionzoo.models.backbones import BackbonePreprocess, InferenceMode
from fashionzoo.models.views import (
    AverageViews,
    HorizontalFlip,
    TestTimeViews,
    Translate,
)

__all__ = ["custom_objects"]

_LAYERS = (
    RandomErasing,
    BackbonePreprocess,
    InferenceMode,
    TestTimeViews,
    AverageViews,
    HorizontalFlip,
    Translate,
)


def custom_objects() -> dict[str, Any]:
    """The custom layers, keyed as Keras registered them (``"fashionzoo>Name"``).

    Returns
    -------
    dict of str to type
    """
    return {f"fashionzoo>{layer.__name__}": layer for layer in _LAYERS}
