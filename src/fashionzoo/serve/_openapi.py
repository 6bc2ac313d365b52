"""The OpenAPI 3.1 description of the service, written by hand.

Written out rather than generated so that it describes the three request
bodies of the classify endpoint (multipart pictures, raw image bytes, JSON
pixels) and the error object; a test checks that its paths are the app's
routes, method for method.
"""

from __future__ import annotations

from typing import Any

__all__ = ["openapi_document"]

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string", "examples": ["not_a_picture"]},
                "message": {"type": "string"},
                "limit": {"type": "integer"},
                "models": {"type": "array", "items": {"type": "string"}},
            },
        }
    },
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
        },
    }


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


def openapi_document(version: str, limits: dict[str, int], root_path: str = "") -> dict:
    """The OpenAPI document.

    Parameters
    ----------
    version : str
        fashionzoo's version.
    limits : dict
        :meth:`ServeLimits.as_dict`, quoted in the descriptions.
    root_path : str, default=""
        The prefix a reverse proxy serves the app under (``servers``).

    Returns
    -------
    dict
        JSON-ready.
    """
    model_param = {
        "name": "name",
        "in": "path",
        "required": True,
        "description": "A loaded model's name (GET /v1/models) or an alias (best).",
        "schema": {"type": "string"},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "fashionzoo serve",
            "version": version,
            "description": (
                "Classify Fashion-MNIST-like pictures with the models of the "
                "fashionzoo zoo. Errors are JSON objects {'error': {status, code, "
                "message}}."
            ),
        },
        "servers": [{"url": root_path or "/"}],
        "paths": {
            "/": {
                "get": {
                    "summary": "The page to try the models in a browser",
                    "operationId": "page",
                    "responses": {
                        "200": {"description": "HTML", "content": {"text/html": {}}}
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Liveness: the process answers",
                    "operationId": "healthz",
                    "responses": {
                        "200": _json("Alive", {"$ref": "#/components/schemas/Health"})
                    },
                }
            },
            "/readyz": {
                "get": {
                    "summary": "Readiness: every model is loaded and answered a warm-up",
                    "operationId": "readyz",
                    "responses": {
                        "200": _json("Ready", {"$ref": "#/components/schemas/Health"}),
                        "503": _json(
                            "Shutting down", {"$ref": "#/components/schemas/Health"}
                        ),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "responses": {"200": _json("OpenAPI 3.1", {"type": "object"})},
                }
            },
            "/v1/models": {
                "get": {
                    "summary": "The loaded models with their cards",
                    "operationId": "listModels",
                    "responses": {
                        "200": _json(
                            "The models",
                            {
                                "type": "object",
                                "properties": {
                                    "models": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Model"},
                                    },
                                    "limits": {"type": "object"},
                                },
                            },
                        )
                    },
                }
            },
            "/v1/models/{name}": {
                "get": {
                    "summary": "One model's card",
                    "operationId": "getModel",
                    "parameters": [model_param],
                    "responses": {
                        "200": _json(
                            "The model", {"$ref": "#/components/schemas/Model"}
                        ),
                        "404": _error("No such model; the error lists the loaded ones"),
                    },
                }
            },
            "/v1/models/{name}/predict": {
                "post": {
                    "summary": "Classify one or several pictures, or 28x28 pixel arrays",
                    "operationId": "predict",
                    "parameters": [
                        model_param,
                        {
                            "name": "top_k",
                            "in": "query",
                            "description": "How many classes to rank per image.",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": limits["max_top_k"],
                                "default": 3,
                            },
                        },
                        {
                            "name": "return_image",
                            "in": "query",
                            "description": "Add the 28x28 image the model saw.",
                            "schema": {"type": "boolean", "default": False},
                        },
                    ],
                    "requestBody": {
                        "required": True,
                        "description": (
                            f"At most {limits['max_body_bytes']:,} bytes and "
                            f"{limits['max_images']} images; pictures of at most "
                            f"{limits['max_image_pixels']:,} pixels."
                        ),
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "file": {
                                            "type": "array",
                                            "items": {
                                                "type": "string",
                                                "contentMediaType": "image/png",
                                            },
                                        }
                                    },
                                }
                            },
                            "image/png": {"schema": {"type": "string"}},
                            "image/jpeg": {"schema": {"type": "string"}},
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["pixels"],
                                    "properties": {
                                        "pixels": {
                                            "description": (
                                                "A 28x28 array or a list of them; "
                                                "integers 0-255, light on black."
                                            ),
                                            "type": "array",
                                        }
                                    },
                                }
                            },
                        },
                    },
                    "responses": {
                        "200": _json(
                            "The ranked classes per image",
                            {"$ref": "#/components/schemas/Prediction"},
                        ),
                        "400": _error(
                            "Not a picture, a truncated one, an empty body, not JSON"
                        ),
                        "404": _error("No such model; the error lists the loaded ones"),
                        "413": _error(
                            "Body, picture or image count over the server's limits"
                        ),
                        "415": _error("A Content-Type this endpoint does not read"),
                        "422": _error("Wrong JSON shape or pixel range, bad top_k"),
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Error": _ERROR,
                "Health": {
                    "type": "object",
                    "properties": {
                        "status": {"type": "string"},
                        "models": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "Model": {
                    "type": "object",
                    "required": ["name", "version", "runtime", "classes", "input"],
                    "properties": {
                        "name": {"type": "string"},
                        "version": {
                            "type": "string",
                            "description": "SHA256 prefix of the file that runs",
                        },
                        "runtime": {
                            "type": "string",
                            "enum": ["onnxruntime", "openvino", "keras"],
                        },
                        "note": {"type": ["string", "null"]},
                        "test_accuracy": {"type": ["number", "null"]},
                        "classes": {"type": "array", "items": {"type": "object"}},
                        "input": {"type": "object"},
                        "card": {"type": "object"},
                    },
                },
                "Prediction": {
                    "type": "object",
                    "properties": {
                        "model": {"type": "string"},
                        "version": {"type": "string"},
                        "runtime": {"type": "string"},
                        "predictions": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "input": {"type": "string"},
                                    "top": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "properties": {
                                                "label": {},
                                                "class_name": {"type": "string"},
                                                "probability": {"type": "number"},
                                            },
                                        },
                                    },
                                    "image": {"type": "array"},
                                },
                            },
                        },
                    },
                },
            }
        },
    }
