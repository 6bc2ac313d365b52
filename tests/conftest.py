"""Shared fixtures: seeding, a clean Keras session per test, tiny data."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from fashionzoo.testing import make_images


@pytest.fixture(autouse=True)
def _clean_keras_session(request):
    """Clear the Keras session after each test (Keras's own tests do it before)."""
    yield
    import sys

    if "keras" in sys.modules:
        import keras

        keras.backend.clear_session(free_memory=False)


@pytest.fixture(scope="session")
def tiny_data():
    """90 learnable 28x28 uint8 images in 3 classes."""
    return make_images(30, 3)


@pytest.fixture(scope="session")
def sample_data():
    """The 1,000-image stratified sample shipped with the package."""
    from fashionzoo.datasets import load_sample

    return load_sample(return_X_y=True)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
