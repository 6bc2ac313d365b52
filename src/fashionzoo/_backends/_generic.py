"""Input for backends whose ``fit`` loop is driven from Python (JAX, torch)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np

from fashionzoo._backends._batches import EpochBatches

__all__ = ["prediction_input", "training_input", "validation_input"]


def training_input(data: EpochBatches, first_epoch: int, stop_epoch: int) -> Iterator:
    """A generator of the batches of epochs ``first_epoch`` to ``stop_epoch - 1``.

    ``fit`` reads it with ``steps_per_epoch=data.steps_per_epoch``, so one
    iterator serves the whole fit.
    """
    return data.batches(range(first_epoch, stop_epoch))


def validation_input(
    arrays: tuple[np.ndarray, ...], batch_size: int
) -> tuple[Iterator, int]:
    """Endless validation batches and the number of steps of one pass."""
    starts = range(0, len(arrays[0]), batch_size)

    def endless() -> Iterator[tuple[np.ndarray, ...]]:  # Keras wants a generator
        for _ in itertools.count():
            for start in starts:
                yield tuple(a[start : start + batch_size] for a in arrays)

    return endless(), len(starts)


def prediction_input(images: np.ndarray, batch_size: int) -> np.ndarray:
    """The images as they are: ``predict`` batches arrays itself."""
    return images
