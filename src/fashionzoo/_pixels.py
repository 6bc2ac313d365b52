"""Pixel arrays: shapes, value ranges and the fit-time pixel scale (NumPy only).

The estimators (through scikit-learn's ``validate_data``, in
:mod:`fashionzoo.estimators._validation`) and the TensorFlow-free runtimes
(:mod:`fashionzoo.inference`, which must not import scikit-learn so that it
starts in a fraction of a second) check images with these functions, so both
take the same input and refuse bad input with the same messages.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

__all__ = [
    "IMAGE_SIDE",
    "check_image_batch",
    "check_image_size",
    "check_pixel_range",
    "flatten_images",
    "image_hw_for",
    "match_fit_scale",
    "pixel_dtype",
    "pixel_scale",
    "to_images",
]

#: Side of the images the zoo networks are built for.
IMAGE_SIDE = 28

SHAPE_HELP = (
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
                f"{X.shape}. {SHAPE_HELP} Reshape your data with "
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
        msg = f"X has {ndim} dimensions (shape {X.shape}). {SHAPE_HELP}"
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


def check_image_size(
    image_hw: tuple[int, int] | None, expected_hw: tuple[int, int] | None
) -> None:
    """Refuse images of another size than at fit (flat rows and None pass)."""
    if expected_hw is None or image_hw is None or image_hw == tuple(expected_hw):
        return
    msg = (
        f"X holds {image_hw[0]}x{image_hw[1]} images, but the model was fitted on "
        f"{expected_hw[0]}x{expected_hw[1]} images. Pass images of the size used in fit."
    )
    raise ValueError(msg)


def check_pixel_range(X: np.ndarray) -> None:
    """Refuse values outside [0, 255].

    Raises
    ------
    ValueError
        Naming the range found and what to pass instead.
    """
    if not X.size:
        return
    lo, hi = X.min(), X.max()
    if lo < 0 or hi > 255:
        negative = "Negative values in data: " if lo < 0 else ""
        msg = (
            f"{negative}X must hold pixels in [0, 255]; got values from "
            f"{lo:.4g} to {hi:.4g}. Pass uint8 images or floats scaled to [0, 1]."
        )
        raise ValueError(msg)


def pixel_dtype(X: np.ndarray) -> np.ndarray:
    """``X`` as uint8 (integers that fit) or float32; booleans as 0/1 floats.

    uint8 input is returned as it is (no copy).
    """
    if X.dtype.kind == "b":
        return X.astype(np.float32)  # True is a full-intensity pixel: 1.0 on [0, 1]
    if X.dtype.kind in "ui" and X.dtype != np.uint8:
        if not np.array_equal(X, X.astype(np.uint8)):
            return X.astype(np.float32)
        return X.astype(np.uint8)
    if X.dtype.kind == "f" and X.dtype != np.float32:
        return X.astype(np.float32)
    return X


def check_image_batch(
    X: Any,
    *,
    n_features: int,
    image_hw: tuple[int, int],
    owner: str,
) -> np.ndarray:
    """Validate images for a fitted model without scikit-learn; flat pixels out.

    The checks and messages of the estimators' ``predict`` (scikit-learn's
    ``validate_data`` and :func:`check_pixel_range`): a numeric, finite,
    non-empty array of ``n_features`` pixels per image, or images of
    ``image_hw``, with values in [0, 255].

    Parameters
    ----------
    X : array-like
        (n, h*w) rows, (n, h, w) or (n, h, w, 1) images.
    n_features : int
        Pixels per image seen at fit.
    image_hw : tuple of int
        Image size seen at fit.
    owner : str
        Named in the messages (the model's class or file).

    Returns
    -------
    ndarray of shape (n, n_features), uint8 or float32
    """
    X, hw = flatten_images(X)
    check_image_size(hw, image_hw)
    X = np.asarray(X)
    if X.dtype.kind not in "buif":
        msg = (
            f"X must hold numbers (pixels); got an array of dtype {X.dtype}. "
            f"Pass uint8 images or floats scaled to [0, 1]."
        )
        raise ValueError(msg)
    if X.ndim != 2 or X.shape[0] == 0:
        msg = (
            f"Found array with {X.shape[0] if X.ndim else 0} sample(s) (shape="
            f"{X.shape}) while a minimum of 1 is required by {owner}."
        )
        raise ValueError(msg)
    if X.shape[1] != n_features:
        msg = (
            f"X has {X.shape[1]} features, but {owner} is expecting "
            f"{n_features} features as input."
        )
        raise ValueError(msg)
    if X.dtype.kind == "f" and not np.isfinite(X).all():
        what = "NaN" if np.isnan(X).any() else "infinity"
        msg = f"Input X contains {what}. Pass finite pixel values."
        raise ValueError(msg)
    check_pixel_range(X)
    return pixel_dtype(X)


def match_fit_scale(
    X: np.ndarray, fit_scale: float, *, stacklevel: int = 5
) -> np.ndarray:
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
        stacklevel=stacklevel,
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
