"""The TensorFlow backend: threads, GPUs, placement, data parallelism, input, gradients."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from fashionzoo._backends._batches import EpochBatches

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

#: TensorFlow trains data-parallel in process (``MirroredStrategy``).
DATA_PARALLEL = True


# ------------------------------------------------------------------ devices
def list_gpus() -> list[dict[str, Any]]:
    """GPUs TensorFlow sees: ``{"name", "compute_capability"}`` each."""
    import tensorflow as tf

    gpus = []
    for dev in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(dev)
        cap = details.get("compute_capability")
        gpus.append(
            {
                "name": details.get("device_name", dev.name),
                "compute_capability": tuple(cap) if cap else None,
            }
        )
    return gpus


def gpu_count() -> int:
    """GPUs TensorFlow sees, without starting its runtime."""
    import tensorflow as tf

    return len(tf.config.list_physical_devices("GPU"))


def configure_runtime(n_threads: int | None, source: str | None) -> list[str]:
    """Cap the thread pools and give GPUs memory growth; notes of what was skipped.

    Both only work before TensorFlow's runtime starts. Memory growth lets
    several processes (a notebook and the CLI, parallel fits) share a GPU;
    ``TF_FORCE_GPU_ALLOW_GROWTH``, when set, is TensorFlow's own switch and wins.
    """
    import os

    import tensorflow as tf

    notes = []
    if n_threads is not None:
        inter = min(2, n_threads)
        try:
            tf.config.threading.set_intra_op_parallelism_threads(n_threads)
            tf.config.threading.set_inter_op_parallelism_threads(inter)
            logger.info(
                "TensorFlow threads: intra-op %d, inter-op %d (from %s)",
                n_threads,
                inter,
                source,
            )
        except RuntimeError:
            notes.append(
                f"TensorFlow threads not capped to {n_threads} (from {source}): "
                f"its runtime had already started. Set the cap before the "
                f"first TensorFlow operation."
            )
    if os.environ.get("TF_FORCE_GPU_ALLOW_GROWTH") is None:
        for gpu in tf.config.list_physical_devices("GPU"):
            try:
                tf.config.experimental.set_memory_growth(gpu, True)
            except RuntimeError:
                logger.debug("memory growth not set for %s: runtime started", gpu.name)
    return notes


def pin_device(kind: str, index: int | None) -> str | None:
    """Make the device the process's; the name to scope with if that is too late.

    The other GPUs are hidden (``set_visible_devices``), so variables land on
    the chosen device wherever they are created. Once the runtime has
    started, the device name is returned for ``keras.device`` scopes instead.
    """
    import tensorflow as tf

    if kind == "auto" or (kind == "gpu" and index is None):
        return None
    name = "cpu:0" if kind == "cpu" else f"gpu:{index}"
    gpus = tf.config.list_physical_devices("GPU")
    visible = [] if kind == "cpu" else [gpus[index]]
    try:
        tf.config.set_visible_devices(visible, "GPU")
    except RuntimeError:
        logger.info("TensorFlow has started: GPUs not hidden; placing on %s", name)
        return name
    return None


def make_distribution(devices: Sequence[str]) -> Any:
    """``MirroredStrategy`` over ``devices`` (Keras device names, ``"gpu:0"``)."""
    import tensorflow as tf

    return tf.distribute.MirroredStrategy(devices=[f"/{d}" for d in devices])


def runtime_details() -> dict[str, Any]:
    """TensorFlow's version, CUDA build and thread pools, for ``fashionzoo info``."""
    import tensorflow as tf

    build = tf.sysconfig.get_build_info()
    return {
        "tensorflow": tf.__version__,
        "backend_version": tf.__version__,
        "cuda_build": {
            k: build.get(k) for k in ("is_cuda_build", "cuda_version", "cudnn_version")
        },
        "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
    }


# -------------------------------------------------------------------- input
def _pipeline_options() -> Any:
    import tensorflow as tf

    options = tf.data.Options()
    # With autotuning on, destroying a pipeline's iterator can block for
    # seconds waiting for tf.data's background threads; a fixed prefetch of
    # two batches keeps the step fed without them.
    options.autotune.enabled = False
    return options


def training_input(data: EpochBatches, first_epoch: int, stop_epoch: int) -> Any:
    """A ``tf.data.Dataset`` of the batches of epochs ``first_epoch`` to ``stop_epoch - 1``.

    Built once per training phase and read by ``fit`` with
    ``steps_per_epoch=data.steps_per_epoch``, so one iterator serves every
    epoch: Keras would otherwise build (and tear down) an input pipeline per
    epoch. Each epoch's order comes from :meth:`EpochBatches.order` (one
    NumPy call per epoch); the batches are gathered inside TensorFlow.
    """
    import tensorflow as tf

    arrays = tuple(
        tf.convert_to_tensor(a) for a in (data.inputs, data.targets, data.sample_weight)
    )

    def order(epoch: Any) -> np.ndarray:
        return data.order(int(epoch)).astype(np.int64)

    orders = tf.data.Dataset.range(first_epoch, stop_epoch).map(
        lambda epoch: tf.ensure_shape(
            tf.numpy_function(order, [epoch], tf.int64, stateful=False), [None]
        )
    )
    batches = orders.flat_map(
        lambda index: tf.data.Dataset.from_tensor_slices(index).batch(data.batch_size)
    )
    dataset = batches.map(lambda index: tuple(tf.gather(a, index) for a in arrays))
    return dataset.prefetch(2).with_options(_pipeline_options())


def prediction_input(images: np.ndarray, batch_size: int) -> Any:
    """The images in batches for ``predict``, through a pipeline without autotuning.

    ``predict`` builds an iterator per call; with autotuning off its teardown
    does not wait on tf.data's background threads.
    """
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices(images).batch(batch_size)
    return dataset.prefetch(2).with_options(_pipeline_options())


def validation_input(
    arrays: tuple[np.ndarray, ...], batch_size: int
) -> tuple[Any, int]:
    """An endless ``tf.data.Dataset`` of validation batches and the steps of one pass."""
    import tensorflow as tf

    n = len(arrays[0])
    dataset = tf.data.Dataset.from_tensor_slices(arrays).batch(batch_size).repeat()
    return dataset.prefetch(2).with_options(_pipeline_options()), -(-n // batch_size)


# ---------------------------------------------------------------- gradients
def gradient(fn: Callable[[Any], Any], x: np.ndarray) -> np.ndarray:
    """The gradient of ``sum(fn(x))`` with respect to ``x``, as float32.

    For a batch whose rows do not interact (every model at inference), row
    ``i`` of the result is the gradient of ``fn(x)[i]`` with respect to
    ``x[i]``. ``fn`` uses ``keras.ops`` and Keras layers only.
    """
    import tensorflow as tf

    tensor = tf.convert_to_tensor(np.asarray(x, dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch(tensor)
        total = tf.reduce_sum(fn(tensor))
    return np.asarray(tape.gradient(total, tensor).numpy(), dtype=np.float32)
