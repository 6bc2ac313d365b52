"""Input checks of the estimators: scikit-learn's ``validate_data`` and the pixel checks.

The NumPy-only pieces live in :mod:`fashionzoo._pixels`, shared with the
TensorFlow-free runtimes.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from sklearn.utils.validation import validate_data

from fashionzoo._pixels import (
    IMAGE_SIDE,
    check_image_size,
    check_pixel_range,
    flatten_images,
    image_hw_for,
    match_fit_scale,
    pixel_dtype,
    pixel_scale,
    to_images,
)
from fashionzoo.exceptions import NotSquareWarning

__all__ = [
    "IMAGE_SIDE",
    "check_flat_rows",
    "check_images",
    "flatten_images",
    "image_hw_for",
    "match_fit_scale",
    "pixel_scale",
    "to_images",
]


def check_flat_rows(n_features: int) -> None:
    """Refuse or flag flat rows that do not form a square image.

    A row of a square number of pixels plus one or two values (785 = 28x28 +
    1: the Kaggle CSV read whole, label column included) is almost surely
    pixels plus a label or an index: ValueError. Rows of another non-square
    length are zero-padded to the next square image, with a warning.

    Raises
    ------
    ValueError
        The rows look like square images plus one or two extra columns.
    """
    side = math.isqrt(n_features)
    if side * side == n_features:
        return
    for extra in (1, 2):
        inner = math.isqrt(n_features - extra)
        if inner >= 8 and inner * inner == n_features - extra:
            msg = (
                f"X has rows of {n_features} values: {inner}x{inner} = "
                f"{inner * inner} pixels plus {extra} more. Is a label or index "
                f"column still in the data (the Kaggle CSV's first column holds "
                f"the label)? Drop it, e.g. X[:, {extra}:], or pass images "
                f"shaped (n, height, width)."
            )
            raise ValueError(msg)
    warnings.warn(
        f"X has rows of {n_features} values, which is no square image; they are "
        f"zero-padded to {side + 1}x{side + 1}. Pass images shaped (n, height, "
        f"width) if they are not square, and drop any column that is not a pixel.",
        NotSquareWarning,
        stacklevel=6,  # the caller of fit
    )


def check_images(
    estimator: Any, X: Any, *, reset: bool, expected_hw: tuple[int, int] | None = None
) -> tuple[np.ndarray, tuple[int, int]]:
    """Validate X, set/check ``n_features_in_``; return flat pixels and (h, w).

    With ``expected_hw`` (the size seen at fit), images of another size are
    rejected with a message that names both sizes.

    uint8 input stays uint8 (no copy); other integer types become uint8,
    floats float32, and booleans 0/1 intensities (float32, on the [0, 1]
    scale).
    """
    X, image_hw = flatten_images(X)
    check_image_size(image_hw, expected_hw)
    X = validate_data(
        estimator,
        X,
        reset=reset,
        dtype="numeric",
        ensure_all_finite=True,
        ensure_min_samples=1,
    )
    if reset and image_hw is None:
        check_flat_rows(X.shape[1])
    check_pixel_range(X)
    return pixel_dtype(X), image_hw_for(X.shape[1], image_hw)
