"""Check that a model's classes and the labels it is scored on are of one kind.

NumPy only, shared by the estimators, the TensorFlow-free runtimes and the
evaluation functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["check_label_kinds"]


def _kind(values: np.ndarray) -> str | None:
    """``"number"``, ``"string"``, or None (empty or mixed: left to the caller)."""
    if values.dtype.kind in "biuf":
        return "number"
    if values.dtype.kind in "US":
        return "string"
    if values.dtype.kind == "O" and values.size:
        items = values.ravel().tolist()
        if all(isinstance(v, str) for v in items):
            return "string"
        if all(isinstance(v, (int, float, np.number)) for v in items):
            return "number"
    return None


def _few(values: np.ndarray, n: int = 5) -> str:
    unique = list(dict.fromkeys(values.ravel().tolist()))
    shown = ", ".join(repr(v) for v in unique[:n])
    more = ", ..." if len(unique) > n else ""
    return f"[{shown}{more}] ({values.dtype}, {type(unique[0]).__name__})"


def check_label_kinds(classes: Any, y: Any) -> None:
    """Refuse labels ``y`` of another kind (numbers, strings) than ``classes``.

    Parameters
    ----------
    classes : array-like
        The model's ``classes_``.
    y : array-like
        The true labels it is scored on.

    Raises
    ------
    ValueError
        One holds numbers and the other strings: the message lists both
        and says what to do (scikit-learn's metrics would only say
        "Mix of label input types").
    """
    classes, y = np.asarray(classes), np.asarray(y)
    if not classes.size or not y.size:
        return
    model, given = _kind(classes), _kind(y)
    if model is None or given is None or model == given:
        return
    hint = (
        " If it was fitted on Fashion-MNIST's class names, "
        "np.asarray(fashionzoo.datasets.class_names(y)) turns the numbers 0-9 "
        "into them."
        if model == "string"
        else ""
    )
    msg = (
        f"The model's classes do not match the labels: it was fitted on "
        f"{model} labels, classes_ = {_few(classes)}, and y holds {given} "
        f"labels, {_few(y)}. Score it on labels of the kind it was fitted on "
        f"(convert y), or refit it on labels like y.{hint}"
    )
    raise ValueError(msg)
