"""What an exported network says about itself: classes, pixel scale, views.

:func:`fashionzoo.export` writes this record into every ONNX file (one
``metadata_props`` entry, key :data:`METADATA_KEY`, a JSON object) and every
OpenVINO IR (the same entry, which OpenVINO's ONNX reader keeps under
``rt_info["framework"]``), so a runtime can map the network's output columns
to labels and give it pixels in the scale it was fitted on, from the file
alone. Pure Python: the runtimes read it without Keras or scikit-learn.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from fashionzoo.exceptions import ModelFileError

__all__ = ["METADATA_KEY", "metadata_for", "parse_metadata"]

#: The ``metadata_props`` key (ONNX) and ``rt_info["framework"]`` key (IR).
METADATA_KEY = "fashionzoo"
_FORMAT = "fashionzoo-network"
_VERSION = 1


def metadata_for(estimator: Any, n_views: int) -> dict[str, Any]:
    """The record of a fitted estimator's exported network.

    Parameters
    ----------
    estimator : fitted ZooClassifier
    n_views : int
        Test-time views the exported graph averages (1 without ``tta``).

    Returns
    -------
    dict
        JSON-ready.
    """
    from fashionzoo._version import __version__

    classes = estimator.classes_
    return {
        "format": _FORMAT,
        "version": _VERSION,
        "estimator": type(estimator).__name__,
        "classes": classes.tolist(),
        "classes_dtype": classes.dtype.str,
        "pixel_scale": float(estimator.pixel_scale_),
        "image_shape": [int(d) for d in estimator.image_shape_],
        "n_features_in": int(estimator.n_features_in_),
        "tta": estimator.tta if isinstance(estimator.tta, str) else bool(estimator.tta),
        "n_views": int(n_views),
        "input": "float32 (n, height, width, 1) raw pixels in the fit's scale",
        "fashionzoo": __version__,
    }


def parse_metadata(text: str | None, source: str) -> dict[str, Any]:
    """Check and decode the record read from a file.

    Parameters
    ----------
    text : str or None
        The JSON text; None if the file has none.
    source : str
        The file, named in errors.

    Returns
    -------
    dict
        With ``classes`` as an ndarray of the fitted dtype.

    Raises
    ------
    ModelFileError
        The file has no record (not written by :func:`fashionzoo.export`), or
        it is not one this version reads.
    """
    if text is None:
        msg = (
            f"{source} has no fashionzoo metadata, so its classes and pixel scale "
            f"are unknown: it was not written by fashionzoo.export (or an older "
            f"version). Export the model again: fashionzoo export --format onnx."
        )
        raise ModelFileError(msg)
    try:
        record = json.loads(text)
        if record.get("format") != _FORMAT:
            raise ValueError("not a fashionzoo network record")  # noqa: EM101
        if int(record["version"]) > _VERSION:
            msg = (
                f"{source} was written by a newer fashionzoo (record version "
                f"{record['version']}); upgrade fashionzoo to read it."
            )
            raise ModelFileError(msg)
        record["classes"] = np.asarray(
            record["classes"], dtype=np.dtype(record["classes_dtype"])
        )
        record["pixel_scale"] = float(record["pixel_scale"])
        record["image_shape"] = tuple(int(d) for d in record["image_shape"])
        record["n_features_in"] = int(record["n_features_in"])
    except ModelFileError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        msg = f"{source} has damaged fashionzoo metadata ({exc}). Export it again."
        raise ModelFileError(msg) from None
    return record
