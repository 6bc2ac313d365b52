"""Keras, imported after the environment TensorFlow reads at import is set.

The one place where fashionzoo sets process environment, and the only way
fashionzoo modules import Keras (``from fashionzoo._keras import keras``),
so the setting is in place before TensorFlow is first imported through
fashionzoo. ``import fashionzoo`` alone does not get here: it loads no Keras.

``TF_ENABLE_ONEDNN_OPTS=1``: TensorFlow leaves its oneDNN CPU kernels off on
some processors (AMD); they train the zoo's conv nets up to 1.7x faster. A
value you set yourself wins, and so does a TensorFlow you imported before
fashionzoo loaded Keras.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

import keras
from keras import layers, ops

__all__ = ["keras", "layers", "ops"]
