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


def translate(images: Any, dy: int, dx: int, pad: Any = np.pad) -> Any:
    """``images`` (n, height, width, ...) moved ``dy`` pixels down, ``dx`` right.

    The uncovered rows and columns are background (0). ``pad`` is the
    array library's pad function: :func:`numpy.pad` here, ``keras.ops.pad``
    in the exported models' ``Translate`` layer, so both move images alike.
    """
    if not (dy or dx):
        return images
    ay, ax = abs(dy), abs(dx)
    h, w = images.shape[1:3]
    padded = pad(images, [(0, 0), (ay, ay), (ax, ax)] + [(0, 0)] * (images.ndim - 3))
    top, left = ay - dy, ax - dx
    return padded[:, top : top + h, left : left + w]


def view(images: np.ndarray, mirror: bool, dy: int, dx: int) -> np.ndarray:
    """``images`` (n, height, width, ...) mirrored left-right, then moved.

    Moved ``dy`` pixels down and ``dx`` right; the uncovered rows and
    columns are background (0).
    """
    return translate(images[:, :, ::-1] if mirror else images, dy, dx)


#: Images whose views go through the network together in :func:`average_views`
#: (bounds the stacked batch: 4,096 images x 10 views of 28x28 are 32 MB).
_CHUNK = 4096


def average_views(
    forward: Any, images: np.ndarray, views: list[tuple[bool, int, int]]
) -> np.ndarray:
    """The mean of ``forward`` over the ``views`` of ``images``, in one pass each.

    The views of a chunk of images are stacked into one batch (view ``k`` of
    image ``i`` at row ``k * n + i``, as the exported graphs'
    ``TestTimeViews`` layer stacks them), so the network runs once per chunk
    instead of once per view.

    Parameters
    ----------
    forward : callable
        (m, h, w, 1) images -> (m, n_classes) float32 probabilities.
    images : ndarray of shape (n, h, w, 1)
    views : list of (bool, int, int)
        From :func:`tta_views`.

    Returns
    -------
    ndarray of shape (n, n_classes)
    """
    parts = []
    for start in range(0, images.shape[0], _CHUNK):
        chunk = images[start : start + _CHUNK]
        stacked = np.concatenate([view(chunk, *v) for v in views])
        proba = forward(stacked)
        parts.append(proba.reshape(len(views), chunk.shape[0], -1).mean(axis=0))
    return np.concatenate(parts) if len(parts) > 1 else parts[0]
