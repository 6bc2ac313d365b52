"""What ``fashionzoo info`` reports of the software and the machine."""

from __future__ import annotations

import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fashionzoo import _backends
from fashionzoo._config import applied_settings
from fashionzoo._version import __version__

__all__ = ["runtime_info"]


def _version(distribution: str) -> str | None:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def runtime_info() -> dict[str, Any]:
    """Versions, backend, devices, precision and threads, for ``fashionzoo info``.

    Applies the settings first (as a model build would). A configuration
    error is reported under ``"config_error"`` instead of raised, so ``info``
    can still show what was found.

    Returns
    -------
    info : dict
        JSON-serialisable. Keys: ``fashionzoo``, ``python``, ``platform``,
        ``keras``, ``backend``, ``backend_version``, ``scikit-learn``,
        ``numpy``, ``joblib``, the backend's own package (``tensorflow``,
        ``jax`` and ``jaxlib``, or ``torch``), ``cuda_build`` (TensorFlow,
        torch: the CUDA it was built with), ``cuda_visible_devices``,
        ``cpu_count``, ``gpus`` (list of dicts), ``device`` (setting),
        ``placement``, ``distribute`` (setting), ``replicas`` (devices
        trained on in parallel), ``mixed_precision`` (setting),
        ``precision_policy`` (used to build zoo models), ``n_threads`` and
        ``n_threads_source``, ``intra_op_threads`` and ``inter_op_threads``
        (TensorFlow, torch; 0 means all cores), ``notes`` (settings that
        could not be applied) and, on error, ``config_error``.
    """
    import numpy

    from fashionzoo._keras import keras

    backend = _backends.current()
    info: dict[str, Any] = {
        "fashionzoo": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "backend_version": None,
        "scikit-learn": _version("scikit-learn"),
        "numpy": numpy.__version__,
        "joblib": _version("joblib"),
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
        "cpu_count": os.cpu_count(),
    }
    applied = applied_settings()
    error = applied.pop("config_error", None)
    info["gpus"] = [
        {**g, "compute_capability": list(g["compute_capability"] or []) or None}
        for g in backend.list_gpus()
    ]
    info.update(applied)
    if error is not None:
        info["config_error"] = error
    info.update(backend.runtime_details())
    return info
