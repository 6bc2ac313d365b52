"""The torch backend: threads, GPUs, placement, input (no in-process data parallelism)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from fashionzoo._backends._generic import (
    prediction_input,
    training_input,
    validation_input,
)
from fashionzoo._backends.jax import pin_device

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

#: Keras has no in-process data-parallel mechanism for torch.
DATA_PARALLEL = False


def list_gpus() -> list[dict[str, Any]]:
    """GPUs torch sees: ``{"name", "compute_capability"}`` each."""
    import torch

    return [
        {
            "name": torch.cuda.get_device_name(i),
            "compute_capability": tuple(torch.cuda.get_device_capability(i)),
        }
        for i in range(torch.cuda.device_count())
    ]


def gpu_count() -> int:
    """GPUs torch sees."""
    import torch

    return int(torch.cuda.device_count())


def configure_runtime(n_threads: int | None, source: str | None) -> list[str]:
    """Cap torch's intra- and inter-op threads."""
    if n_threads is None:
        return []
    import torch

    torch.set_num_threads(n_threads)
    try:
        torch.set_num_interop_threads(min(2, n_threads))
    except RuntimeError:
        logger.debug("torch inter-op threads already fixed")
    logger.info("torch threads: %d (from %s)", n_threads, source)
    return []


def make_distribution(devices: Sequence[str]) -> Any:
    """None: training uses one GPU."""
    return None


def runtime_details() -> dict[str, Any]:
    """torch's version, CUDA build and threads, for ``fashionzoo info``."""
    import torch

    return {
        "torch": torch.__version__,
        "backend_version": torch.__version__,
        "cuda_build": {"cuda_version": torch.version.cuda},
        "intra_op_threads": torch.get_num_threads(),
        "inter_op_threads": torch.get_num_interop_threads(),
    }


def gradient(fn: Callable[[Any], Any], x: Any) -> Any:
    """Not done for torch: saliency maps and Grad-CAM need TensorFlow or JAX.

    Raises
    ------
    NotImplementedError
        Always.
    """
    msg = (
        "Gradients with respect to images (saliency maps, Grad-CAM) are done for "
        "Keras's tensorflow and jax backends; Keras runs on torch. Set "
        "KERAS_BACKEND=tensorflow or KERAS_BACKEND=jax before importing fashionzoo."
    )
    raise NotImplementedError(msg)
