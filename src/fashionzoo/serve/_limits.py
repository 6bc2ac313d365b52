"""What one request may hold, and a body reader that enforces it as it streams."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import asdict, dataclass
from typing import Any

from fashionzoo.serve._errors import ApiError

__all__ = ["ServeLimits", "limited_stream", "read_limited"]


@dataclass(frozen=True)
class ServeLimits:
    """Limits on one classify request.

    Parameters
    ----------
    max_body_bytes : int, default=8388608
        Largest request body (8 MiB). A larger ``Content-Length`` is refused
        before any of the body is read; a body without one (chunked) is
        refused as soon as it passes the limit. Status 413.
    max_images : int, default=32
        Most pictures (or 28x28 arrays) in one request. Status 413.
    max_image_pixels : int, default=16777216
        Largest picture, in pixels (width x height: 4096 x 4096), checked
        from its header before it is decoded. Status 413.
    max_top_k : int, default=10
        Most classes a response ranks (``top_k`` is capped by the model's
        class count as well).
    """

    max_body_bytes: int = 8 * 1024 * 1024
    max_images: int = 32
    max_image_pixels: int = 4096 * 4096
    max_top_k: int = 10

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                msg = f"{name} must be a positive integer. Received: {name}={value!r}"
                raise ValueError(msg)

    def as_dict(self) -> dict[str, Any]:
        """The limits, for the model listing and the docs.

        Returns
        -------
        dict of str to int
        """
        return asdict(self)


def _too_large(limit: int, received: str) -> ApiError:
    return ApiError(
        413,
        "body_too_large",
        f"The request body is {received}, more than the limit of {limit:,} bytes. "
        f"Send fewer or smaller pictures (the server's --max-body-bytes sets it).",
        limit=limit,
    )


def check_content_length(headers: Any, limit: int) -> None:
    """Refuse a declared ``Content-Length`` over ``limit`` before reading."""
    declared = headers.get("content-length")
    if declared is None:
        return
    try:
        size = int(declared)
    except ValueError:
        raise ApiError(
            400,
            "bad_content_length",
            f"Content-Length must be a whole number of bytes; got {declared!r}.",
        ) from None
    if size > limit:
        raise _too_large(limit, f"{size:,} bytes (Content-Length)")


async def limited_stream(request: Any, limit: int) -> AsyncGenerator[bytes, None]:
    """The request body in chunks, stopped with a 413 once it passes ``limit``.

    Parameters
    ----------
    request : starlette.requests.Request
    limit : int
        Most bytes.

    Yields
    ------
    chunk : bytes

    Raises
    ------
    ApiError
        413 from the ``Content-Length`` header, or as soon as the bytes
        received pass the limit (a chunked body, or a client that sends more
        than it declared).
    """
    check_content_length(request.headers, limit)
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise _too_large(limit, f"over {limit:,} bytes (stopped reading)")
        if chunk:
            yield chunk


async def read_limited(request: Any, limit: int) -> bytes:
    """The whole request body, refused with a 413 once it passes ``limit``.

    Parameters
    ----------
    request : starlette.requests.Request
    limit : int

    Returns
    -------
    body : bytes
    """
    return b"".join([chunk async for chunk in limited_stream(request, limit)])
