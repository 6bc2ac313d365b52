"""The torch backend."""

from __future__ import annotations

from fashionzoo._backends._generic import training_input, validation_input

__all__ = ["training_input", "validation_input"]
