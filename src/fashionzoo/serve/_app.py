"""The Starlette application: routes, JSON errors, the page."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from importlib import resources
from typing import Any

import numpy as np
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from fashionzoo.serve._decode import decode_request
from fashionzoo.serve._errors import ApiError
from fashionzoo.serve._limits import ServeLimits
from fashionzoo.serve._models import ServedModel
from fashionzoo.serve._openapi import openapi_document

__all__ = ["create_app"]

logger = logging.getLogger(__name__)

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def _page() -> str:
    return (
        resources.files("fashionzoo.serve")
        .joinpath("static")
        .joinpath("index.html")
        .read_text(encoding="utf-8")
    )


def _error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status)


def create_app(
    models: Mapping[str, ServedModel], *, limits: ServeLimits | None = None
) -> Starlette:
    """The ASGI application that serves ``models``.

    Parameters
    ----------
    models : mapping of str to ServedModel
        Loaded once, by :func:`~fashionzoo.serve.load_models`; requests never
        reload them.
    limits : ServeLimits, default=None
        None: the defaults of :class:`ServeLimits`.

    Returns
    -------
    app : starlette.applications.Starlette
        Routes: ``GET /`` (the page), ``GET /healthz``, ``GET /readyz``,
        ``GET /openapi.json``, ``GET /v1/models``, ``GET /v1/models/{name}``,
        ``POST /v1/models/{name}/predict``.

    Examples
    --------
    >>> from fashionzoo.serve import create_app, load_models
    >>> app = create_app(load_models(["lenet5"]))
    >>> [route.path for route in app.routes][:3]
    ['/', '/healthz', '/readyz']
    >>> import uvicorn
    >>> uvicorn.run(app, host="127.0.0.1", port=8000)  # doctest: +SKIP
    """
    from fashionzoo._version import __version__

    if not models:
        msg = "create_app needs at least one model; load them with load_models()."
        raise ValueError(msg)
    limits = limits or ServeLimits()
    served = dict(models)
    page = _page()
    state = {"ready": False}

    def lookup(name: str) -> ServedModel:
        if name in served:
            return served[name]
        with contextlib.suppress(Exception):
            from fashionzoo.models._registry import resolve_name

            key = resolve_name(name)
            if key in served:
                return served[key]
        loaded = list(served)
        raise ApiError(
            404,
            "unknown_model",
            f"No model {name!r} is loaded. Loaded: {', '.join(loaded)}.",
            models=loaded,
        )

    async def index(request: Request) -> Response:
        return HTMLResponse(page)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        ready = state["ready"]
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "models": list(served)},
            status_code=200 if ready else 503,
        )

    async def openapi(request: Request) -> Response:
        root = request.scope.get("root_path", "")
        return JSONResponse(openapi_document(__version__, limits.as_dict(), root))

    async def list_models(request: Request) -> Response:
        return JSONResponse(
            {
                "models": [m.describe() for m in served.values()],
                "limits": limits.as_dict(),
                "fashionzoo": __version__,
            }
        )

    async def get_model(request: Request) -> Response:
        return JSONResponse(lookup(request.path_params["name"]).describe())

    async def predict(request: Request) -> Response:
        model = lookup(request.path_params["name"])
        top_k = _top_k(request.query_params.get("top_k"), model, limits)
        return_image = _flag(request.query_params.get("return_image"), "return_image")
        decoded = await decode_request(request, limits)
        if model.inline:
            proba = model.predict_proba(decoded.images)
        else:
            proba = await run_in_threadpool(model.predict_proba, decoded.images)
        return JSONResponse(
            {
                "model": model.name,
                "version": model.version,
                "runtime": model.runtime,
                "predictions": _ranked(
                    model, proba, decoded, top_k, return_image=return_image
                ),
            }
        )

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return _error_response(exc)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "http_error"
        )
        message = (
            f"No route {request.method} {request.url.path}. See GET /openapi.json."
            if exc.status_code in (404, 405)
            else str(exc.detail)
        )
        return _error_response(ApiError(exc.status_code, code, message))

    async def server_error(request: Request, exc: Exception) -> Response:
        logger.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return _error_response(
            ApiError(
                500,
                "internal_error",
                f"The server failed on this request ({type(exc).__name__}: {exc}); "
                f"it keeps serving. Report it with the request that caused it.",
            )
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["ready"] = True
        try:
            yield
        finally:
            state["ready"] = False

    app = Starlette(
        routes=[
            Route("/", index, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/openapi.json", openapi, methods=["GET"]),
            Route("/v1/models", list_models, methods=["GET"]),
            Route("/v1/models/{name}", get_model, methods=["GET"]),
            Route("/v1/models/{name}/predict", predict, methods=["POST"]),
        ],
        exception_handlers={
            ApiError: api_error,
            HTTPException: http_error,
            Exception: server_error,
        },
        lifespan=lifespan,
    )
    app.state.models = served
    app.state.limits = limits
    return app


def _top_k(text: str | None, model: ServedModel, limits: ServeLimits) -> int:
    most = min(limits.max_top_k, len(model.class_names))
    if text is None:
        return min(3, most)
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= most:
        raise ApiError(
            422,
            "bad_top_k",
            f"top_k must be an integer from 1 to {most}. Received: top_k={text!r}",
        )
    return value


def _flag(text: str | None, name: str) -> bool:
    if text is None:
        return False
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise ApiError(
        422, "bad_flag", f"{name} must be true or false. Received: {name}={text!r}"
    )


def _ranked(
    model: ServedModel,
    proba: np.ndarray,
    decoded: Any,
    top_k: int,
    *,
    return_image: bool,
) -> list[dict[str, Any]]:
    labels = np.asarray(model.classifier.classes_).tolist()
    rows = []
    for i, row in enumerate(proba):
        order = np.argsort(-row, kind="stable")[:top_k]
        entry: dict[str, Any] = {
            "input": decoded.names[i],
            "top": [
                {
                    "label": labels[k],
                    "class_name": model.class_names[k],
                    "probability": round(float(row[k]), 6),
                }
                for k in order
            ],
        }
        if return_image:
            entry["image"] = decoded.images[i].tolist()
        rows.append(entry)
    return rows
