"""Backend and device set-up, done once on the first model build.

Nothing happens at import. :func:`ensure_configured` gives TensorFlow GPUs
memory growth (so several estimators, or a notebook and the CLI, can share a
card), applies the ``device`` and ``mixed_precision`` settings, and is the
only place that touches device state. Estimators and models never do.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

__all__ = ["Config", "config", "device_scope", "ensure_configured", "runtime_info"]

_DEVICE_CHOICES = ("auto", "cpu", "gpu")
_PRECISION_CHOICES = ("auto", "float32", "mixed_float16", "mixed_bfloat16")


@dataclass
class Config:
    """Process-wide settings, read when a model is built.

    Attributes
    ----------
    device : str, default="auto"
        ``"auto"`` (a GPU if one is visible, else the CPU), ``"cpu"``,
        ``"gpu"`` or ``"gpu:N"``. ``CUDA_VISIBLE_DEVICES`` is respected.
        Initial value from the ``FASHIONZOO_DEVICE`` environment variable.
    mixed_precision : str, default="auto"
        ``"auto"`` uses float16 compute on GPUs of compute capability 7 or
        more (bfloat16 on 8 or more) and float32 elsewhere; or one of
        ``"float32"``, ``"mixed_float16"``, ``"mixed_bfloat16"``.
    """

    device: str = os.environ.get("FASHIONZOO_DEVICE", "auto")
    mixed_precision: str = os.environ.get("FASHIONZOO_PRECISION", "auto")

    def validate(self) -> None:
        """Raise ValueError if a setting is not one of its choices."""
        dev = self.device.lower()
        base, _, index = dev.partition(":")
        if base not in _DEVICE_CHOICES or (index and not index.isdigit()):
            msg = (
                f"config.device must be 'auto', 'cpu', 'gpu' or 'gpu:N'. "
                f"Received: device={self.device!r}"
            )
            raise ValueError(msg)
        if self.mixed_precision not in _PRECISION_CHOICES:
            msg = (
                f"config.mixed_precision must be one of {_PRECISION_CHOICES}. "
                f"Received: mixed_precision={self.mixed_precision!r}"
            )
            raise ValueError(msg)


config = Config()

_lock = threading.Lock()
_configured = False


def _backend() -> str:
    import keras

    return str(keras.backend.backend())


def list_gpus() -> list[dict[str, Any]]:
    """GPUs visible to the Keras backend, each as ``{"name", "compute_capability"}``."""
    backend = _backend()
    gpus: list[dict[str, Any]] = []
    if backend == "tensorflow":
        import tensorflow as tf

        for dev in tf.config.list_physical_devices("GPU"):
            details = tf.config.experimental.get_device_details(dev)
            gpus.append(
                {
                    "name": details.get("device_name", dev.name),
                    "compute_capability": details.get("compute_capability"),
                }
            )
    elif backend == "jax":
        import jax

        for dev in jax.devices():
            if dev.platform == "gpu":
                cc = getattr(dev, "compute_capability", None)
                cap = tuple(int(p) for p in str(cc).split(".")) if cc else None
                gpus.append({"name": dev.device_kind, "compute_capability": cap})
    elif backend == "torch":
        import torch

        for i in range(torch.cuda.device_count()):
            gpus.append(
                {
                    "name": torch.cuda.get_device_name(i),
                    "compute_capability": torch.cuda.get_device_capability(i),
                }
            )
    return gpus


def _precision_policy(gpus: list[dict[str, Any]]) -> str:
    if config.mixed_precision != "auto":
        return config.mixed_precision
    if config.device.lower() == "cpu" or not gpus:
        return "float32"
    caps = [g["compute_capability"] or (0, 0) for g in gpus]
    major = min(c[0] for c in caps)
    if major >= 8:
        return "mixed_bfloat16"
    return "mixed_float16" if major >= 7 else "float32"


def ensure_configured() -> None:
    """Apply the settings once per process; cheap after the first call."""
    global _configured
    if _configured:
        return
    with _lock:
        if _configured:
            return
        config.validate()
        import keras

        backend = _backend()
        if backend == "tensorflow":
            import tensorflow as tf

            for gpu in tf.config.list_physical_devices("GPU"):
                try:
                    tf.config.experimental.set_memory_growth(gpu, True)
                except RuntimeError:  # the runtime is already initialised
                    logger.debug("memory growth not set for %s", gpu.name)
        gpus = list_gpus()
        policy = _precision_policy(gpus)
        if keras.config.dtype_policy().name != policy:
            keras.config.set_dtype_policy(policy)
        logger.info("Keras backend %s, %d GPU(s), policy %s", backend, len(gpus), policy)
        _configured = True


@contextlib.contextmanager
def device_scope() -> Iterator[None]:
    """Place the ops run inside on ``config.device`` (TensorFlow and torch)."""
    dev = config.device.lower()
    if dev == "auto":
        yield
        return
    name = "cpu:0" if dev == "cpu" else ("gpu:0" if dev == "gpu" else dev)
    import keras

    with keras.device(name):
        yield


def runtime_info() -> dict[str, Any]:
    """Versions, backend, devices and precision policy, for ``fashionzoo info``."""
    import keras
    import numpy
    import sklearn

    import fashionzoo

    ensure_configured()
    info: dict[str, Any] = {
        "fashionzoo": fashionzoo.__version__,
        "keras": keras.__version__,
        "backend": _backend(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "device": config.device,
        "precision_policy": keras.config.dtype_policy().name,
        "gpus": list_gpus(),
    }
    if info["backend"] == "tensorflow":
        import tensorflow as tf

        info["tensorflow"] = tf.__version__
    return info
