"""Pictures (PNG, JPEG, ...) as 28x28 uint8 images like the Fashion-MNIST ones."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["image_from_bytes", "load_image", "load_images"]


def _eight_bit(picture: Any) -> Any:
    """``picture`` with 8-bit channels: 16-bit and float images are rescaled.

    Pillow's ``convert("L")`` clips a 16-bit grey image (mode ``I;16`` or
    ``I``) to 0-255 instead of scaling it, which turns nearly every pixel
    white.
    """
    from PIL import Image

    if picture.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(picture, dtype=np.float64)
        top = (
            65535.0 if picture.mode.startswith("I;16") or values.max() > 255 else 255.0
        )
        if picture.mode == "F":
            top = 1.0 if values.max() <= 1.0 else top
        scaled = np.clip(np.rint(values * (255.0 / top)), 0, 255).astype(np.uint8)
        return Image.fromarray(scaled)
    return picture


def _pillow() -> Any:
    try:
        from PIL import Image, ImageOps, UnidentifiedImageError
    except ImportError as exc:
        msg = 'reading images needs Pillow: pip install "fashionzoo[cli]"'
        raise ImportError(msg) from exc
    return Image, ImageOps, UnidentifiedImageError


def load_image(path: str | os.PathLike[str]) -> NDArray[np.uint8]:
    """Read a picture as a 28x28 uint8 image like the Fashion-MNIST ones.

    The picture is converted to grayscale (transparent parts become white;
    16-bit pictures are scaled to 8 bits), padded to a square with its border
    colour (keeping the aspect ratio), resized to 28x28 and inverted when its
    background is light (the mean of the border pixels above 127), since
    Fashion-MNIST garments are light on a black background.

    Parameters
    ----------
    path : str or path-like
        A PNG, JPEG or any image file Pillow reads.

    Returns
    -------
    image : ndarray of shape (28, 28), dtype uint8

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    OSError
        The file is not a picture Pillow can read (the message names it).
    ImportError
        Pillow is not installed.

    See Also
    --------
    load_images : Several pictures at once.
    image_from_bytes : The same from the bytes of a picture.
    """
    _pillow()
    source = Path(path).expanduser()
    if not source.is_file():
        msg = f"no image file at {str(source)!r}"
        raise FileNotFoundError(msg)
    return image_from_bytes(source.read_bytes(), name=repr(str(source)))


def image_from_bytes(
    data: bytes, *, name: str = "the picture", max_pixels: int | None = None
) -> NDArray[np.uint8]:
    """Turn the bytes of a picture into a 28x28 uint8 image like the Fashion-MNIST ones.

    The same steps as :func:`load_image` (which reads a file and calls this):
    grayscale, padded to a square, resized to 28x28, inverted when the
    background is light.

    .. versionadded:: 0.2.0

    Parameters
    ----------
    data : bytes
        The content of a PNG, JPEG or any picture file Pillow reads.
    name : str, default="the picture"
        Named in error messages (a file name, an upload's name).
    max_pixels : int, default=None
        Refuse pictures of more pixels (width x height) than this before
        decoding them, e.g. in a server; None: Pillow's own limit.

    Returns
    -------
    image : ndarray of shape (28, 28), dtype uint8

    Raises
    ------
    OSError
        ``data`` is empty, not a picture Pillow can read, or truncated (the
        message names it).
    ValueError
        The picture has more than ``max_pixels`` pixels.
    ImportError
        Pillow is not installed.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> from fashionzoo.datasets import image_from_bytes
    >>> buffer = io.BytesIO()
    >>> Image.new("L", (40, 30), 255).save(buffer, format="PNG")
    >>> image_from_bytes(buffer.getvalue()).shape
    (28, 28)
    """
    Image, ImageOps, UnidentifiedImageError = _pillow()
    if not data:
        msg = f"{name} is empty (0 bytes), not a picture"
        raise OSError(msg)
    unreadable = (UnidentifiedImageError, OSError, SyntaxError, ValueError)
    try:
        opened = Image.open(io.BytesIO(data))
    except unreadable as exc:
        msg = f"{name} is not a picture Pillow can read ({exc})"
        raise OSError(msg) from exc
    with opened:
        width, height = opened.size
        if max_pixels is not None and width * height > max_pixels:
            msg = (
                f"{name} is {width}x{height} pixels, more than the limit of "
                f"{max_pixels:,}; scale it down first"
            )
            raise ValueError(msg)
        try:
            opened.load()
            picture = ImageOps.exif_transpose(opened)
        except unreadable as exc:
            msg = f"{name} is truncated or damaged; Pillow cannot decode it ({exc})"
            raise OSError(msg) from exc
    return _like_the_data(picture, Image)


def _like_the_data(picture: Any, Image: Any) -> NDArray[np.uint8]:
    """A decoded picture as a 28x28 uint8 image, light on dark."""
    picture = _eight_bit(picture)
    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        rgba = picture.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        picture = Image.alpha_composite(white, rgba)
    gray = picture.convert("L")
    pixels = np.asarray(gray)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    if gray.width == gray.height:
        square = gray  # nothing to pad (a 28x28 picture: resize copies it)
    else:
        side = max(gray.size)
        square = Image.new("L", (side, side), int(np.median(border)))
        square.paste(gray, ((side - gray.width) // 2, (side - gray.height) // 2))
    small = np.asarray(
        square.resize((28, 28), Image.Resampling.LANCZOS), dtype=np.uint8
    )
    if border.mean() > 127:
        small = 255 - small
    return small


def load_images(paths: Sequence[str | os.PathLike[str]]) -> NDArray[np.uint8]:
    """Read pictures as a batch of 28x28 uint8 images (see :func:`load_image`).

    Parameters
    ----------
    paths : sequence of str or path-like
        Picture files.

    Returns
    -------
    images : ndarray of shape (n_images, 28, 28), dtype uint8

    Examples
    --------
    >>> from fashionzoo.datasets import load_images
    >>> images = load_images(["shirt.png", "boot.jpg"])  # doctest: +SKIP
    >>> images.shape  # doctest: +SKIP
    (2, 28, 28)
    """
    if not paths:
        msg = "load_images needs at least one path."
        raise ValueError(msg)
    return np.stack([load_image(path) for path in paths])
