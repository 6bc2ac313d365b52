"""The JAX backend: threads, GPUs, placement, data parallelism, input, gradients."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from fashionzoo._backends._generic import (
    prediction_input,
    training_input,
    validation_input,
)

logger = logging.getLogger(__name__)

__all__ = [
    "DATA_PARALLEL",
    "configure_runtime",
    "gpu_count",
    "gradient",
    "list_gpus",
    "make_distribution",
    "pin_device",
    "prediction_input",
    "runtime_details",
    "training_input",
    "validation_input",
]

#: Keras's ``DataParallel`` distribution trains on several devices in process.
DATA_PARALLEL = True


def list_gpus() -> list[dict[str, Any]]:
    """GPUs JAX sees: ``{"name", "compute_capability"}`` each."""
    import jax

    try:
        devices = jax.devices("gpu")
    except RuntimeError:  # no GPU platform in this jaxlib
        devices = []
    gpus = []
    for dev in devices:
        cc = getattr(dev, "compute_capability", None)
        cap = tuple(int(p) for p in str(cc).split(".")) if cc else None
        gpus.append({"name": dev.device_kind, "compute_capability": cap})
    return gpus


def gpu_count() -> int:
    """GPUs JAX sees."""
    return len(list_gpus())


def _backends_started() -> bool:
    try:
        from jax._src import xla_bridge

        return bool(xla_bridge.backends_are_initialized())
    except (ImportError, AttributeError):  # private API moved: assume started
        return True


def configure_runtime(n_threads: int | None, source: str | None) -> list[str]:
    """No GPU preallocation, and one thread when asked; notes of what was skipped.

    JAX reads both from the environment when its backends start. Turning off
    preallocation is JAX's counterpart of TensorFlow's memory growth. JAX
    offers no thread count but 1 (``--xla_cpu_multi_thread_eigen=false``).
    """
    if _backends_started():
        if n_threads is not None:
            note = (
                f"JAX threads not capped to {n_threads} (from {source}): its "
                f"backends had already started."
            )
            return [note]
        return []
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    if n_threads == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        if "xla_cpu_multi_thread_eigen" not in flags:
            os.environ["XLA_FLAGS"] = (
                f"{flags} --xla_cpu_multi_thread_eigen=false "
                f"intra_op_parallelism_threads=1"
            ).strip()
    elif n_threads is not None:
        logger.info(
            "JAX offers no thread count but 1; %s=%d not applied", source, n_threads
        )
    return []


def pin_device(kind: str, index: int | None) -> str | None:
    """The device name to scope builds and runs with (``keras.device``)."""
    if kind == "auto" or (kind == "gpu" and index is None):
        return None
    return "cpu:0" if kind == "cpu" else f"gpu:{index}"


def make_distribution(devices: Sequence[str]) -> Any:
    """Keras's ``DataParallel`` distribution over ``devices``."""
    from fashionzoo._keras import keras

    return keras.distribution.DataParallel(devices=list(devices))


def runtime_details() -> dict[str, Any]:
    """JAX's and jaxlib's versions, for ``fashionzoo info``."""
    from importlib.metadata import version

    import jax

    return {
        "jax": jax.__version__,
        "backend_version": jax.__version__,
        "jaxlib": version("jaxlib"),
    }


def gradient(fn: Callable[[Any], Any], x: np.ndarray) -> np.ndarray:
    """The gradient of ``sum(fn(x))`` with respect to ``x``, as float32.

    ``jax.grad`` traces ``fn``; Keras 3 layers called on JAX tracers read
    their weights as constants, so ``fn`` may call any layer of a model
    (with ``training=False``) and ``keras.ops``.
    """
    import jax
    import jax.numpy as jnp

    grad = jax.grad(lambda v: jnp.sum(fn(v)))(jnp.asarray(x, dtype=jnp.float32))
    return np.asarray(grad, dtype=np.float32)
