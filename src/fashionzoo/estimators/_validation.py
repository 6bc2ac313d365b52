"""Input checks: image shapes, pixel ranges and the fit-time pixel scale."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from sklearn.utils.validation import validate_data

from fashionzoo.exceptions import NotSquareWarning

#: Side of the images the zoo networks are built for.
IMAGE_SIDE = 28

_SHAPE_HELP = (
    "Pass images as (n, 784) rows, (n, 28, 28) or (n, 28, 28, 1) arrays; "
    "other square sizes are resized to 28x28 inside the model."
)


def flatten_images(X: Any) -> Any:
    """Flatten (n, h, w) or (n, h, w, 1) arrays to (n, h*w); leave 2-D input alone.

    Returns ``(X_2d, image_hw)`` where ``image_hw`` is ``(h, w)`` for image
    input and ``None`` for flat rows.
    """
    ndim = getattr(X, "ndim", None)
    if ndim is None and not hasattr(X, "shape"):
        X = np.asarray(X)
        ndim = X.ndim
    if ndim is None or ndim <= 2:
        if ndim == 1:
            msg = (
                f"Expected a 2-D or image-shaped X; got a 1-D array of shape "
                f"{X.shape}. {_SHAPE_HELP} Reshape your data with "
                f"X.reshape(1, -1) if it holds one image."
            )
            raise ValueError(msg)
        return X, None
    X = np.asarray(X)
    if ndim == 4 and X.shape[-1] != 1:
        msg = (
            f"X must hold grayscale images with one channel; got shape {X.shape} "
            f"({X.shape[-1]} channels). Convert to grayscale first, "
            f"e.g. X.mean(axis=-1)."
        )
        raise ValueError(msg)
    if ndim > 4:
        msg = f"X has {ndim} dimensions (shape {X.shape}). {_SHAPE_HELP}"
        raise ValueError(msg)
    n, h, w = X.shape[:3]
    return X.reshape(n, h * w), (h, w)


def image_hw_for(n_features: int, image_hw: tuple[int, int] | None) -> tuple[int, int]:
    """Height and width of the images that ``n_features`` flat pixels form."""
    if image_hw is not None:
        return image_hw
    side = math.isqrt(n_features)
    if side * side < n_features:
        side += 1  # rows of a non-square length are zero-padded to a square
    return side, side


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
    if (
        expected_hw is not None
        and image_hw is not None
        and image_hw != tuple(expected_hw)
    ):
        msg = (
            f"X holds {image_hw[0]}x{image_hw[1]} images, but the model was fitted on "
            f"{expected_hw[0]}x{expected_hw[1]} images. Pass images of the size used in fit."
        )
        raise ValueError(msg)
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
    if X.size:
        lo, hi = X.min(), X.max()
        if lo < 0 or hi > 255:
            negative = "Negative values in data: " if lo < 0 else ""
            msg = (
                f"{negative}X must hold pixels in [0, 255]; got values from "
                f"{lo:.4g} to {hi:.4g}. Pass uint8 images or floats scaled to [0, 1]."
            )
            raise ValueError(msg)
    if X.dtype.kind == "b":
        X = X.astype(np.float32)  # True is a full-intensity pixel: 1.0 on [0, 1]
    elif X.dtype.kind in "ui" and X.dtype != np.uint8:
        if not np.array_equal(X, X.astype(np.uint8)):
            X = X.astype(np.float32)
        else:
            X = X.astype(np.uint8)
    elif X.dtype.kind == "f" and X.dtype != np.float32:
        X = X.astype(np.float32)
    return X, image_hw_for(X.shape[1], image_hw)


def match_fit_scale(X: np.ndarray, fit_scale: float) -> np.ndarray:
    """``X`` in the pixel scale seen at fit, rescaled (with a warning) if it is not.

    A model fitted on 0-255 pixels that gets floats all within [0, 1] would
    see nearly black images, and one fitted on [0, 1] that gets values above
    1 would see them saturated: both predict one class for everything. The
    batch is rescaled to the fit's scale and a ``UserWarning`` says so. An
    all-black batch fits either scale and is left alone.
    """
    if not X.size:
        return X
    top = float(X.max())
    if fit_scale != 1.0 and X.dtype.kind == "f" and 0.0 < top <= 1.0:
        fix, was, wanted = 255.0, "floats in [0, 1]", "0-255 pixels"
    elif fit_scale == 1.0 and top > 1.0:
        fix, was, wanted = 1 / 255.0, "pixels in 0-255", "floats in [0, 1]"
    else:
        return X
    warnings.warn(
        f"X holds {was}, but the model was fitted on {wanted}: predicting on X "
        f"scaled by {fix:.4g}. Pass images in the scale used in fit to silence this.",
        UserWarning,
        stacklevel=5,
    )
    return (X * np.float32(fix)).astype(np.float32)


def pixel_scale(X: np.ndarray) -> float:
    """Factor that maps X to [0, 1]: 1/255 for uint8 or 0-255 floats, 1 for 0-1."""
    if X.dtype == np.uint8:
        return 1.0 / 255.0
    return 1.0 if X.size == 0 or float(X.max()) <= 1.0 else 1.0 / 255.0


def to_images(X: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """Reshape flat pixels to (n, h, w, 1), zero-padding rows if needed (view if not)."""
    n, d = X.shape
    h, w = hw
    if d < h * w:
        X = np.pad(X, ((0, 0), (0, h * w - d)))
    return X.reshape(n, h, w, 1)
