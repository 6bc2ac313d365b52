"""A classify request's body as 28x28 uint8 images: pictures or JSON pixels."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from fashionzoo.serve._errors import ApiError
from fashionzoo.serve._limits import ServeLimits, limited_stream, read_limited

__all__ = ["Decoded", "decode_pictures", "decode_pixels", "decode_request"]

#: Raw-body content types read as one picture.
IMAGE_TYPES = ("image/png", "image/jpeg", "image/jpg", "application/octet-stream")


@dataclass
class Decoded:
    """What a request holds: its images and a name for each."""

    images: np.ndarray  # (n, 28, 28) uint8
    names: list[str]


def _too_many(n: int | None, limits: ServeLimits) -> ApiError:
    held = f"{n} images" if n is not None else "too many images"
    return ApiError(
        413,
        "too_many_images",
        f"The request holds {held}, more than the limit of "
        f"{limits.max_images}. Send them in several requests (the server's "
        f"--max-images sets it).",
        limit=limits.max_images,
    )


def decode_pictures(
    pictures: list[tuple[str, bytes]], limits: ServeLimits
) -> np.ndarray:
    """Pictures (name, bytes) as (n, 28, 28) uint8 images, as ``load_image`` makes them.

    Raises
    ------
    ApiError
        400 for an empty, unreadable or truncated picture, 413 for one over
        ``max_image_pixels``; the message names the picture.
    """
    from fashionzoo.datasets import image_from_bytes

    images = []
    for name, data in pictures:
        try:
            images.append(
                image_from_bytes(data, name=name, max_pixels=limits.max_image_pixels)
            )
        except ValueError as exc:
            raise ApiError(
                413, "picture_too_large", str(exc), limit=limits.max_image_pixels
            ) from None
        except OSError as exc:
            code = "empty_picture" if not data else "not_a_picture"
            raise ApiError(
                400, code, f"{exc}. Send a PNG or JPEG picture.", picture=name
            ) from None
    return np.stack(images)


def decode_pixels(body: bytes, limits: ServeLimits) -> np.ndarray:
    """A JSON body ``{"pixels": ...}`` as (n, 28, 28) uint8 images.

    Raises
    ------
    ApiError
        400 for a body that is not JSON, 422 for a wrong shape, type or range.
    """
    if not body:
        raise ApiError(
            400,
            "empty_body",
            'The request body is empty. Send {"pixels": a 28x28 array} as JSON.',
        )
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(
            400, "not_json", f"The body is not valid JSON ({exc})."
        ) from None
    if not isinstance(document, dict) or "pixels" not in document:
        got = (
            f"an object with keys {sorted(document)}"
            if isinstance(document, dict)
            else f"a JSON {type(document).__name__}"
        )
        raise ApiError(
            422,
            "missing_pixels",
            f'Expected a JSON object {{"pixels": a 28x28 array or a list of them}}; '
            f"got {got}.",
        )
    pixels = document["pixels"]
    try:
        array = np.asarray(pixels)
    except ValueError:
        array = None
    if array is None or array.dtype == object:
        raise ApiError(
            422,
            "ragged_pixels",
            "pixels is ragged: every row must hold 28 numbers and every image 28 rows.",
        )
    if array.dtype.kind not in "iuf" or array.dtype.kind == "b":
        raise ApiError(
            422,
            "pixels_not_numbers",
            f"pixels must hold integers 0-255; got values of JSON type "
            f"{_json_kind(array)}.",
        )
    if array.ndim == 2:
        array = array[np.newaxis]
    if array.ndim != 3 or array.shape[1:] != (28, 28) or array.shape[0] == 0:
        raise ApiError(
            422,
            "wrong_shape",
            f"pixels must be a 28x28 array or a list of 28x28 arrays; got shape "
            f"{list(np.shape(pixels))}.",
        )
    if array.shape[0] > limits.max_images:
        raise _too_many(array.shape[0], limits)
    if array.dtype.kind == "f" and not (
        np.isfinite(array).all() and np.all(np.mod(array, 1) == 0)
    ):
        raise ApiError(
            422,
            "pixels_not_integers",
            "pixels must be integers 0-255 (0 is the black background); got "
            "fractions. Scale floats in [0, 1] by 255 and round them.",
        )
    lo, hi = float(array.min()), float(array.max())
    if lo < 0 or hi > 255:
        raise ApiError(
            422,
            "pixels_out_of_range",
            f"pixels must be in [0, 255]; got values from {lo:g} to {hi:g}.",
        )
    return array.astype(np.uint8)


def _json_kind(array: np.ndarray) -> str:
    return {"U": "string", "S": "string", "b": "boolean"}.get(array.dtype.kind, "other")


def _part_name(upload: Any, index: int) -> str:
    """How messages name an uploaded part: its quoted file name, or its place."""
    filename = getattr(upload, "filename", None)
    return repr(filename) if filename else f"picture {index + 1}"


def _unquoted(name: str) -> str:
    """A part's name for the ``input`` field: the file name as sent."""
    return name[1:-1] if name[:1] in "'\"" and name[-1:] == name[:1] else name


async def decode_request(request: Any, limits: ServeLimits) -> Decoded:
    """Read and decode a classify request.

    Parameters
    ----------
    request : starlette.requests.Request
    limits : ServeLimits

    Returns
    -------
    Decoded

    Raises
    ------
    ApiError
        With the status that names the problem (400, 413, 415, 422).
    """
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";")[0].strip().lower()
    if media == "multipart/form-data":
        pictures = await _multipart(request, content_type, limits)
        names = [_unquoted(n) for n, _ in pictures]
        return Decoded(decode_pictures(pictures, limits), names)
    if media == "application/json":
        body = await read_limited(request, limits.max_body_bytes)
        images = decode_pixels(body, limits)
        return Decoded(images, [f"pixels {i + 1}" for i in range(len(images))])
    if media in IMAGE_TYPES:
        body = await read_limited(request, limits.max_body_bytes)
        if not body:
            raise ApiError(
                400,
                "empty_body",
                f"The request body is empty ({media}). Send the bytes of a PNG or "
                f"JPEG picture.",
            )
        return Decoded(decode_pictures([("the body", body)], limits), ["the body"])
    raise ApiError(
        415,
        "unsupported_media_type",
        f"Content-Type {media or '(none)'!r} is not one this endpoint reads. Send "
        f"multipart/form-data with one or more 'file' fields, image/png or "
        f'image/jpeg bytes, or application/json {{"pixels": ...}}.',
    )


async def _multipart(
    request: Any, content_type: str, limits: ServeLimits
) -> list[tuple[str, bytes]]:
    from starlette.datastructures import UploadFile
    from starlette.formparsers import MultiPartException, MultiPartParser

    parser = MultiPartParser(
        request.headers,
        limited_stream(request, limits.max_body_bytes),
        # counted below, so that one over the limit is a 413 that says so
        max_files=limits.max_images + 1,
        max_fields=100,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        if str(exc).startswith("Too many files"):
            raise _too_many(None, limits) from None
        raise ApiError(
            400, "bad_multipart", f"The multipart body cannot be read: {exc}"
        ) from None
    try:
        uploads = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
        if not uploads:
            raise ApiError(
                400,
                "no_picture",
                "The multipart body holds no file. Send pictures in 'file' fields "
                "(curl -F file=@shirt.png).",
            )
        if len(uploads) > limits.max_images:
            raise _too_many(len(uploads), limits)
        return [
            (_part_name(upload, i), await upload.read())
            for i, upload in enumerate(uploads)
        ]
    finally:
        await form.close()
