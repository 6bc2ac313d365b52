"""Keras model builders, registered by name.

Importing this package (and listing or describing the networks) does not
import Keras: each builder imports it when it builds.

Depends on Keras only (``keras.layers`` / ``keras.ops``), so every builder
runs under any Keras backend and plugs into other wrappers such as scikeras.
"""

from fashionzoo.models._registry import (
    ModelSpec,
    build_model,
    get_model_spec,
    list_models,
    register_model,
    register_model_deprecation,
    resolve_name,
)

# Family modules register their builders on import.
from fashionzoo.models import lenet  # noqa: F401  isort: skip
from fashionzoo.models import cnn  # noqa: F401  isort: skip
from fashionzoo.models import resnet  # noqa: F401  isort: skip
from fashionzoo.models import fast  # noqa: F401  isort: skip

__all__ = [
    "ModelSpec",
    "build_model",
    "get_model_spec",
    "list_models",
    "register_model",
    "register_model_deprecation",
    "resolve_name",
]
