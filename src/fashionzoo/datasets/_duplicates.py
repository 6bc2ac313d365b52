"""Find exact duplicate images within one set or across two."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

_SHOWN = 5  # groups listed by str()


@dataclass(frozen=True)
class DuplicateReport:
    """Exact duplicates found by :func:`find_duplicates`.

    Attributes
    ----------
    n_groups : int
        Within one set: the number of distinct images that occur more than
        once. Across two sets: the number of distinct images of ``X_other``
        that also occur in ``X``.
    n_duplicates : int
        Within one set: the images beyond the first of each group (how many
        could be dropped). Across two sets: the number of images of
        ``X_other`` that also occur in ``X``.
    groups : list
        Within one set: one sorted index array per group, indices into ``X``.
        Across two sets: one pair ``(indices into X, indices into X_other)``
        per group. Groups are ordered by their first index.
    n_samples : int
        Number of images in ``X``.
    n_samples_other : int or None
        Number of images in ``X_other``; None within one set.
    """

    n_groups: int
    n_duplicates: int
    groups: list = field(repr=False)
    n_samples: int
    n_samples_other: int | None = None

    @property
    def cross(self) -> bool:
        """Whether this compares two sets."""
        return self.n_samples_other is not None

    def __repr__(self) -> str:
        other = "" if not self.cross else f", n_samples_other={self.n_samples_other}"
        return (
            f"DuplicateReport(n_groups={self.n_groups}, "
            f"n_duplicates={self.n_duplicates}, n_samples={self.n_samples}{other})"
        )

    def __str__(self) -> str:
        if not self.cross:
            if not self.n_groups:
                return f"No exact duplicates among {self.n_samples} images of X."
            head = (
                f"{_n(self.n_duplicates, 'duplicate image')} in X "
                f"({self.n_samples} images), in "
                f"{_n(self.n_groups, 'group')} of identical images"
            )
            shown = [f"X{_fmt(g)}" for g in self.groups[:_SHOWN]]
        else:
            if not self.n_groups:
                return (
                    f"No image of X_other ({self.n_samples_other} images) "
                    f"occurs in X ({self.n_samples} images)."
                )
            head = (
                f"{_n(self.n_duplicates, 'image')} of X_other "
                f"({self.n_samples_other} images) also "
                f"{'occurs' if self.n_duplicates == 1 else 'occur'} in X "
                f"({self.n_samples} images), {_n(self.n_groups, 'distinct image')}"
            )
            shown = [f"X_other{_fmt(o)} == X{_fmt(x)}" for x, o in self.groups[:_SHOWN]]
        more = self.n_groups - len(shown)
        tail = f"; and {_n(more, 'more group')}" if more > 0 else ""
        return f"{head}: {'; '.join(shown)}{tail}."


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _fmt(indices: NDArray[np.intp]) -> str:
    return "[" + ", ".join(str(int(i)) for i in indices) + "]"


def _rows_as_keys(X: NDArray) -> NDArray[np.void]:
    """One opaque fixed-size key per row, equal iff the rows' bytes are equal."""
    X = np.ascontiguousarray(_flat(X))
    return X.view(np.dtype((np.void, X.shape[1] * X.itemsize))).ravel()


def find_duplicates(X: ArrayLike, X_other: ArrayLike | None = None) -> DuplicateReport:
    """Find exact duplicate images within ``X``, or images shared with ``X_other``.

    Images are compared value by value over all their pixels, so any shape
    works: ``(n, 784)`` rows or ``(n, 28, 28)`` images.

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        Images, one per row (first axis).
    X_other : array-like of shape (n_samples_other, ...), default=None
        If given, report the images of ``X_other`` that also occur in ``X``
        instead of duplicates within ``X``. Must have the same image size.

    Returns
    -------
    report : DuplicateReport
        ``n_groups``, ``n_duplicates`` and ``groups`` (indices), with a
        readable ``str()``.

    Raises
    ------
    ValueError
        If ``X`` or ``X_other`` has fewer than one dimension, or their images
        differ in size.

    See Also
    --------
    fetch_fashion_mnist : The data this is meant for.

    Examples
    --------
    >>> import numpy as np
    >>> from fashionzoo.datasets import find_duplicates
    >>> X = np.array([[0, 1], [2, 3], [0, 1], [0, 1]], dtype=np.uint8)
    >>> report = find_duplicates(X)
    >>> report.n_groups, report.n_duplicates
    (1, 2)
    >>> report.groups
    [array([0, 2, 3])]
    >>> print(report)
    2 duplicate images in X (4 images), in 1 group of identical images: X[0, 2, 3].
    >>> cross = find_duplicates(X, np.array([[9, 9], [2, 3]], dtype=np.uint8))
    >>> cross.n_duplicates, cross.groups
    (1, [(array([1]), array([1]))])
    >>> print(cross)  # doctest: +NORMALIZE_WHITESPACE
    1 image of X_other (2 images) also occurs in X (4 images), 1 distinct image:
    X_other[1] == X[1].
    """
    X = np.asarray(X)
    _check_ndim(X, "X")
    if X_other is None:
        keys = _rows_as_keys(_canonical(X, X.dtype))
        groups = _groups(keys)
        return DuplicateReport(
            n_groups=len(groups),
            n_duplicates=sum(len(g) - 1 for g in groups),
            groups=groups,
            n_samples=X.shape[0],
        )

    X_other = np.asarray(X_other)
    _check_ndim(X_other, "X_other")
    size, size_other = math.prod(X.shape[1:]), np.prod(X_other.shape[1:])
    if size != size_other:
        msg = (
            f"X and X_other must hold images of the same size; got "
            f"{size} and {size_other} values per image "
            f"(shapes {X.shape} and {X_other.shape})."
        )
        raise ValueError(msg)
    dtype = np.result_type(X, X_other)
    n = X.shape[0]
    both = np.concatenate(
        [_flat(_canonical(X, dtype)), _flat(_canonical(X_other, dtype))]
    )
    pairs = []
    for group in _groups(_rows_as_keys(both)):
        in_x, in_other = group[group < n], group[group >= n] - n
        if len(in_x) and len(in_other):
            pairs.append((in_x, in_other))
    pairs.sort(key=lambda pair: int(pair[1][0]))
    return DuplicateReport(
        n_groups=len(pairs),
        n_duplicates=sum(len(other) for _, other in pairs),
        groups=pairs,
        n_samples=n,
        n_samples_other=X_other.shape[0],
    )


def _flat(X: NDArray) -> NDArray:
    return X.reshape(X.shape[0], int(math.prod(X.shape[1:])))


def _check_ndim(X: NDArray, name: str) -> None:
    if X.ndim < 1:
        msg = (
            f"{name} must hold one image per row; got the scalar {X.item()!r}. "
            "Pass an array of shape (n_samples, ...)."
        )
        raise ValueError(msg)


def _canonical(X: NDArray, dtype: np.dtype) -> NDArray:
    """Cast to ``dtype``, with -0.0 turned into 0.0 so equal values match."""
    X = X.astype(dtype, copy=False)
    if np.issubdtype(dtype, np.floating) or np.issubdtype(dtype, np.complexfloating):
        X = X + 0.0
    return X


def _groups(keys: NDArray[np.void]) -> list[NDArray[np.intp]]:
    """Sorted index arrays of equal keys occurring more than once."""
    if keys.size == 0:
        return []
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    groups = [
        np.sort(order[start : start + size])
        for start, size in zip(starts, sizes, strict=True)
        if size > 1
    ]
    groups.sort(key=lambda g: int(g[0]))
    return groups
