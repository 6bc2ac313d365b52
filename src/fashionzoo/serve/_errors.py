"""The one error type of the service: a status, a code and a message, as JSON."""

from __future__ import annotations

from typing import Any

__all__ = ["ApiError"]


class ApiError(Exception):
    """A request the service refuses, answered as ``{"error": {...}}``.

    Parameters
    ----------
    status : int
        The HTTP status (400, 404, 413, 415, 422, ...).
    code : str
        A stable, machine-readable name (``"not_a_picture"``).
    message : str
        What is wrong, what was received and what to do.
    **extra
        More fields of the error object (``limit``, ``models``).
    """

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON body of the response.

        Returns
        -------
        dict
            ``{"error": {"status", "code", "message", ...}}``.
        """
        return {
            "error": {
                "status": self.status,
                "code": self.code,
                "message": self.message,
                **self.extra,
            }
        }
