"""Seeds without global side effects.

Keras draws the seeds of initializers and of the seed generators of
dropout and augmentation layers from Python's ``random`` module when a layer
is created (``keras.src.random.seed_generator.make_default_seed``). Building a
model while that module name points at a private ``random.Random(seed)``
(under a lock, so builds in threads do not interleave) makes the model
reproducible and leaves no trace: the global ``random`` state is untouched,
so other threads drawing from it (a dask worker, a user's code) neither
disturb the build nor are disturbed by it. No environment variable, no
op-determinism switch, no global Keras, NumPy or TensorFlow seed.
"""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Iterator
from numbers import Integral
from typing import Any

from sklearn.utils import check_random_state

from fashionzoo._backends._batches import epoch_rng

__all__ = ["epoch_rng", "seed_from_random_state", "seeded_build"]

_BUILD_LOCK = threading.RLock()
_MAX_SEED = 2**31 - 1


def seed_from_random_state(random_state: Any) -> int:
    """One int seed from ``None``, an int or a ``RandomState``.

    An int is used as is, so the same int always gives the same model; a
    ``RandomState`` is advanced, so different instances (and successive fits
    with one instance) give different models.
    """
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        return int(random_state) % _MAX_SEED
    return int(check_random_state(random_state).randint(_MAX_SEED))


@contextlib.contextmanager
def seeded_build(seed: int) -> Iterator[None]:
    """Create Keras layers with seeds drawn from ``seed``; restore state after."""
    from keras.src.random import seed_generator

    with _BUILD_LOCK:
        seed_generator.python_random = random.Random(seed)
        try:
            yield
        finally:
            seed_generator.python_random = random
