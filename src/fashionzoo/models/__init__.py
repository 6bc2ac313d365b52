"""Model builders, registered by name: Keras networks and classic baselines.

Importing this package (and listing or describing the models) imports
neither Keras nor scikit-learn: each builder imports what it needs when it
builds.

The network builders depend on Keras only (``keras.layers`` /
``keras.ops``), so every one runs under any Keras backend and plugs into
other wrappers such as scikeras. The baselines (:mod:`.baselines`) build
scikit-learn pipelines and never import Keras.
"""

from fashionzoo.models._registry import (
    KINDS,
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
from fashionzoo.models import baselines  # noqa: F401  isort: skip

__all__ = [
    "KINDS",
    "ModelSpec",
    "build_model",
    "get_model_spec",
    "list_models",
    "register_model",
    "register_model_deprecation",
    "resolve_name",
]
