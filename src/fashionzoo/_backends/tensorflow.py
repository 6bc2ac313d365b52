"""The TensorFlow backend."""

from __future__ import annotations

from typing import Any

import numpy as np

from fashionzoo._backends._batches import EpochBatches

__all__ = ["training_input", "validation_input"]


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


def validation_input(
    arrays: tuple[np.ndarray, ...], batch_size: int
) -> tuple[Any, int]:
    """An endless ``tf.data.Dataset`` of validation batches and the steps of one pass."""
    import tensorflow as tf

    n = len(arrays[0])
    dataset = tf.data.Dataset.from_tensor_slices(arrays).batch(batch_size).repeat()
    return dataset.prefetch(2).with_options(_pipeline_options()), -(-n // batch_size)
