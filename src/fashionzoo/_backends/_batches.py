"""The rows of each training epoch, in a seeded order: what every backend feeds ``fit``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

__all__ = ["EpochBatches", "epoch_rng"]


def epoch_rng(seed: int, epoch: int) -> np.random.Generator:
    """The generator that shuffles epoch ``epoch`` of a fit seeded with ``seed``."""
    return np.random.default_rng([seed, epoch])


@dataclass(frozen=True, eq=False)
class EpochBatches:
    """Training arrays and the seeded order of every epoch's rows.

    Epoch ``e`` visits ``rows`` in the order ``epoch_rng(seed, epoch_offset +
    e)`` draws, in batches of ``batch_size`` (the last one smaller). The order
    depends only on the seed and the epoch's number, never on how the batches
    are fed, so every backend and every resumed fit sees the same batches.

    Parameters
    ----------
    inputs, targets, sample_weight : ndarray
        Arrays with one row per sample.
    batch_size : int
        Rows per batch.
    seed : int
        Seed of the shuffles.
    epoch_offset : int, default=0
        Added to the epoch number before seeding (the epochs a model trained
        before this fit, so a warm start does not repeat their orders).
    rows : ndarray of int, default=None
        The rows to train on (the others are held out); all if None.
    multiple : int, default=1
        Each epoch uses a multiple of this many rows (data parallelism splits
        every batch evenly over the devices).
    """

    inputs: np.ndarray
    targets: np.ndarray
    sample_weight: np.ndarray
    batch_size: int
    seed: int
    epoch_offset: int = 0
    rows: np.ndarray | None = None
    multiple: int = 1

    @property
    def n_rows(self) -> int:
        """Rows an epoch draws from."""
        return len(self.inputs) if self.rows is None else len(self.rows)

    @property
    def rows_per_epoch(self) -> int:
        """Rows an epoch trains on."""
        n = self.n_rows
        return min(n, max(self.multiple, n - n % self.multiple))

    @property
    def steps_per_epoch(self) -> int:
        """Batches per epoch."""
        return -(-self.rows_per_epoch // self.batch_size)

    def order(self, epoch: int) -> np.ndarray:
        """Indices into the arrays of the rows of ``epoch``, in training order."""
        rng = epoch_rng(self.seed, self.epoch_offset + int(epoch))
        order = rng.permutation(self.n_rows)[: self.rows_per_epoch]
        return order if self.rows is None else self.rows[order]

    def take(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(inputs, targets, sample_weight)`` of ``rows``."""
        return self.inputs[rows], self.targets[rows], self.sample_weight[rows]

    def batches(self, epochs: Iterable[int]) -> Iterator[tuple[np.ndarray, ...]]:
        """``(inputs, targets, sample_weight)`` batches of ``epochs``, in order."""
        for epoch in epochs:
            order = self.order(epoch)
            for start in range(0, order.size, self.batch_size):
                yield self.take(order[start : start + self.batch_size])
