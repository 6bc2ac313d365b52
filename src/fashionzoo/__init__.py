"""fashionzoo: a scikit-learn model zoo for Fashion-MNIST over Keras 3.

Importing the package is cheap: Keras and TensorFlow load on first use of an
estimator or a model (PEP 562 lazy attributes).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from fashionzoo._version import __version__ as __version__

if TYPE_CHECKING:  # what type checkers and editors see; at runtime: __getattr__
    # ruff cannot see that __all__ (computed below) exports these.
    from fashionzoo import (  # noqa: F401
        datasets,
        estimators,
        evaluation,
        exceptions,
        inference,
        models,
        plotting,
        saving,
        testing,
        transfer,
        zoo,
    )
    from fashionzoo._config import (  # noqa: F401
        config,
        config_context,
        get_config,
        set_config,
    )
    from fashionzoo.estimators import (  # noqa: F401
        CNN004Classifier,
        CNNBN4Classifier,
        CNNDropoutClassifier,
        FastResNetClassifier,
        LeNet5Classifier,
        ResNetClassifier,
        ZooClassifier,
    )
    from fashionzoo.evaluation import evaluate  # noqa: F401
    from fashionzoo.export import export  # noqa: F401
    from fashionzoo.inference import InferenceModel  # noqa: F401
    from fashionzoo.saving import load  # noqa: F401
    from fashionzoo.transfer import TransferClassifier  # noqa: F401
    from fashionzoo.zoo import (  # noqa: F401
        create_estimator,
        get_model_info,
        list_models,
    )

# public name -> module that defines it
_LAZY = {
    "ZooClassifier": "fashionzoo.estimators",
    "LeNet5Classifier": "fashionzoo.estimators",
    "CNNDropoutClassifier": "fashionzoo.estimators",
    "CNNBN4Classifier": "fashionzoo.estimators",
    "ResNetClassifier": "fashionzoo.estimators",
    "CNN004Classifier": "fashionzoo.estimators",
    "FastResNetClassifier": "fashionzoo.estimators",
    "TransferClassifier": "fashionzoo.transfer",
    "list_models": "fashionzoo.zoo",
    "create_estimator": "fashionzoo.zoo",
    "get_model_info": "fashionzoo.zoo",
    "evaluate": "fashionzoo.evaluation",
    "export": "fashionzoo.export",
    "InferenceModel": "fashionzoo.inference",
    "load": "fashionzoo.saving",
    "config": "fashionzoo._config",
    "set_config": "fashionzoo._config",
    "get_config": "fashionzoo._config",
    "config_context": "fashionzoo._config",
}
_SUBMODULES = {
    "datasets",
    "estimators",
    "evaluation",
    "exceptions",
    "inference",
    "models",
    "plotting",
    "saving",
    "testing",
    "transfer",
    "zoo",
}

__all__ = sorted([*_LAZY, *_SUBMODULES, "__version__"])  # noqa: PLE0605


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        value = getattr(module, name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"fashionzoo.{name}")
    msg = f"module 'fashionzoo' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return __all__
