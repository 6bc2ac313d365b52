"""Estimator classes generated for networks registered outside fashionzoo.

``class_for("my_net")`` creates ``MyNetClassifier`` here on first use. Module
``__getattr__`` recreates it when pickle looks it up in a new process, as
long as the module that registers ``my_net`` was imported there.
"""

from __future__ import annotations

from typing import Any

from fashionzoo.estimators._base import ZooClassifier


def class_name(model_name: str) -> str:
    """The estimator class name of a registered network (``MyNetClassifier``)."""
    from fashionzoo.models import get_model_spec

    return get_model_spec(model_name).estimator


def class_for(model_name: str) -> type[ZooClassifier]:
    """The generated estimator class of a registered network."""
    name = class_name(model_name)
    cls = globals().get(name)
    if cls is None:
        cls = type(
            name, (ZooClassifier,), {"_model_name": model_name, "__module__": __name__}
        )
        globals()[name] = cls
    return cls


def __getattr__(name: str) -> Any:
    from fashionzoo.models import list_models

    for model_name in list_models(kind="network"):
        if class_name(model_name) == name:
            return class_for(model_name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
