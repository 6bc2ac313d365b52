"""Reader for the IDX format of (Fashion-)MNIST.

An IDX file is a big-endian header followed by raw ``uint8`` values:
magic number (``0x00000803`` = 2051 for 3-d images, ``0x00000801`` = 2049
for 1-d labels), the item count, then for images the number of rows and
columns. See http://yann.lecun.com/exdb/mnist/ for the format.
"""

from __future__ import annotations

import gzip
import struct
import zlib

import numpy as np
from numpy.typing import NDArray

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049


def decompress(raw: bytes, name: str) -> bytes:
    """Return the IDX bytes of ``raw``, gunzipping it if it is gzip data.

    Raises ValueError (not EOFError or zlib.error) for a truncated or
    damaged archive, so that callers handle one exception type.
    """
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as exc:
        msg = f"{name} is not a complete gzip archive ({exc})."
        raise ValueError(msg) from None


def parse_idx(
    buf: bytes, *, kind: str, count: int, image_shape: tuple[int, int], name: str
) -> NDArray[np.uint8]:
    """Check the IDX header of ``buf`` and return its values without copying.

    Parameters
    ----------
    buf : bytes
        Decompressed IDX content.
    kind : {"images", "labels"}
        What the file must hold.
    count : int
        Number of items the header must announce.
    image_shape : tuple of int
        ``(rows, columns)`` the header of an images file must announce.
    name : str
        File name, for error messages.

    Returns
    -------
    values : ndarray of uint8, read-only
        Shape ``(count, rows * columns)`` for images, ``(count,)`` for labels.

    Raises
    ------
    ValueError
        If the magic number, the count, the image size or the length of the
        data differs from what ``kind``, ``count`` and ``image_shape`` say.
    """
    shape: tuple[int, ...]
    if kind == "images":
        magic, header, shape = IMAGES_MAGIC, ">iiii", (count, *image_shape)
    elif kind == "labels":
        magic, header, shape = LABELS_MAGIC, ">ii", (count,)
    else:  # pragma: no cover - registry error
        msg = f"kind must be 'images' or 'labels'; got {kind!r}."
        raise ValueError(msg)
    size = struct.calcsize(header)
    if len(buf) < size:
        msg = f"{name} is too short for an IDX header: {len(buf)} bytes."
        raise ValueError(msg)
    found = struct.unpack_from(header, buf)
    if found[0] != magic:
        msg = (
            f"{name} is not an IDX {kind} file: magic number {found[0]}, "
            f"expected {magic}."
        )
        raise ValueError(msg)
    if tuple(found[1:]) != shape:
        msg = f"{name} announces {kind} of shape {found[1:]}, expected {shape}."
        raise ValueError(msg)
    n_values = int(np.prod(shape))
    if len(buf) - size != n_values:
        msg = (
            f"{name} holds {len(buf) - size} bytes of data after its header, "
            f"expected {n_values} (truncated or padded file)."
        )
        raise ValueError(msg)
    values = np.frombuffer(buf, dtype=np.uint8, offset=size)
    if kind == "images":
        return values.reshape(count, -1)
    return values
