"""The estimator classes, registered by their qualified name as they are defined.

Every :class:`~fashionzoo.estimators.ZooClassifier` subclass (fashionzoo's
own, :class:`~fashionzoo.transfer.TransferClassifier`, a user's subclass)
registers itself from ``__init_subclass__``. Loading a model file looks its
class up here and trusts no other: a file cannot name a class to import.
"""

from __future__ import annotations

__all__ = ["qualified_name", "register", "registered_class", "registered_classes"]

_CLASSES: dict[str, type] = {}


def qualified_name(cls: type) -> str:
    """``module.QualifiedName`` of a class, as files record it."""
    return f"{cls.__module__}.{cls.__qualname__}"


def register(cls: type) -> None:
    """Record ``cls`` under its qualified name (a redefinition replaces it)."""
    _CLASSES[qualified_name(cls)] = cls


def registered_class(name: str) -> type | None:
    """The class registered as ``name``, or None."""
    return _CLASSES.get(name)


def registered_classes() -> list[type]:
    """Every registered class, in the order they were defined."""
    return list(_CLASSES.values())
