"""Readable names for class labels."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from fashionzoo.datasets._registry import FASHION_MNIST_CLASSES

__all__ = ["class_names"]


def class_names(
    labels: ArrayLike, target_names: Sequence[str] | None = None
) -> list[str]:
    """Readable names for class labels.

    Parameters
    ----------
    labels : array-like of shape (n_classes,)
        Class labels, e.g. an estimator's ``classes_``.
    target_names : sequence of str, default=None
        Names to use. Either one per label (in the order of ``labels``) or,
        for integer labels, a table indexed by label (such as the ten
        Fashion-MNIST names). ``None`` names the integer labels 0-9 after the
        Fashion-MNIST classes and writes other labels as they are.

    Returns
    -------
    names : list of str
        One name per label.

    Examples
    --------
    >>> from fashionzoo.datasets import class_names
    >>> class_names([0, 6, 9])
    ['T-shirt/top', 'Shirt', 'Ankle boot']
    >>> class_names(["cat", "dog"])
    ['cat', 'dog']
    """
    labels = np.asarray(labels)
    integer = labels.dtype.kind in "iu" or (
        labels.dtype.kind == "f" and np.all(np.mod(labels, 1) == 0)
    )
    if target_names is not None:
        target_names = [str(t) for t in target_names]
        if len(target_names) == labels.size:
            return target_names
        if (
            integer
            and labels.size
            and labels.min() >= 0
            and labels.max() < len(target_names)
        ):
            return [target_names[int(k)] for k in labels]
        msg = (
            f"target_names has {len(target_names)} names for {labels.size} classes "
            f"{labels.tolist()!r}. Pass one name per class, or a table indexed "
            f"by integer label."
        )
        raise ValueError(msg)
    table = FASHION_MNIST_CLASSES
    if integer and labels.size and labels.min() >= 0 and labels.max() < len(table):
        return [table[int(k)] for k in labels]
    return [str(k) for k in labels.tolist()]
