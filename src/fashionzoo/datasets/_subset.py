"""A stratified random subset of a labelled set."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["stratified_subset"]


def stratified_subset(
    X: ArrayLike, y: ArrayLike, n: int | None, *, random_state: Any = None
) -> tuple[Any, Any]:
    """``n`` rows of ``X, y`` drawn at random with the class proportions of ``y``.

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        Images or features.
    y : array-like of shape (n_samples,)
        Labels.
    n : int or None
        Rows to keep; ``None`` or ``n >= len(y)`` keeps everything, unshuffled.
    random_state : int, RandomState instance or None, default=None
        Seed of the draw.

    Returns
    -------
    X_subset, y_subset
        The subset, in random order.

    Raises
    ------
    ValueError
        ``n`` is below the number of classes (a stratified subset needs one
        row of each).

    Examples
    --------
    >>> from fashionzoo.datasets import load_sample, stratified_subset
    >>> X, y = load_sample(return_X_y=True)
    >>> X_small, y_small = stratified_subset(X, y, 100, random_state=0)
    >>> X_small.shape, sorted(set(y_small.tolist())) == list(range(10))
    ((100, 784), True)
    """
    from sklearn.model_selection import train_test_split

    y = np.asarray(y)
    if n is None or n >= len(y):
        return X, y
    n_classes = len(np.unique(y))
    if n < n_classes:
        msg = (
            f"a stratified subset needs at least one image per class: n must be "
            f">= {n_classes}. Received: n={n}"
        )
        raise ValueError(msg)
    X_sub, _, y_sub, _ = train_test_split(
        X, y, train_size=n, stratify=y, random_state=random_state
    )
    return X_sub, y_sub
