"""Test-time augmentation: the views of an image whose predictions are averaged."""

from __future__ import annotations

from typing import Any

import numpy as np

#: The values of an estimator's ``tta`` besides True (= "flip") and False.
TTA_MODES = ("flip", "flip+shift")

#: One-pixel moves (down, right) of the "flip+shift" views.
_SHIFTS = ((1, 0), (-1, 0), (0, 1), (0, -1))


def tta_views(tta: Any) -> list[tuple[bool, int, int]]:
    """The ``(mirror, dy, dx)`` of each view; the first is the image itself.

    Parameters
    ----------
    tta : bool or {"flip", "flip+shift"}
        False: the image alone. True or "flip": the image and its mirror
        image. "flip+shift": those two, each also moved by one pixel up,
        down, left and right (10 views).

    Returns
    -------
    views : list of (bool, int, int)
    """
    if not tta:
        return [(False, 0, 0)]
    shifts = [(0, 0)] + (list(_SHIFTS) if tta == "flip+shift" else [])
    return [(mirror, dy, dx) for mirror in (False, True) for dy, dx in shifts]


def view(images: np.ndarray, mirror: bool, dy: int, dx: int) -> np.ndarray:
    """``images`` (n, height, width, ...) mirrored left-right, then moved.

    Moved ``dy`` pixels down and ``dx`` right; the uncovered rows and
    columns are background (0).
    """
    out = images[:, :, ::-1] if mirror else images
    if dy or dx:
        h, w = out.shape[1:3]
        pad = [(0, 0), (abs(dy), abs(dy)), (abs(dx), abs(dx))]
        out = np.pad(out, pad + [(0, 0)] * (out.ndim - 3))
        top, left = abs(dy) - dy, abs(dx) - dx
        out = out[:, top : top + h, left : left + w]
    return out
