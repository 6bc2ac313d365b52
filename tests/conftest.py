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


@pytest.fixture
def sigint_default():
    """Python's own Ctrl-C handler, whatever the run inherited.

    A background job (``nohup python -m pytest &``) starts with SIGINT
    ignored, and fashionzoo then rightly leaves Ctrl-C alone; tests of its
    Ctrl-C handling set the state they assume, and put the old one back.
    """
    import signal

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.fixture
def sigterm_default():
    """SIGTERM at its default handling (as a shell starts a command), then as before."""
    import signal

    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    yield
    signal.signal(signal.SIGTERM, previous)


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


def pytest_collection_modifyitems(config, items):
    """Run the in-process Ctrl-C tests of test_training.py first.

    In a full run (about 900 tests in one process, ONNX Runtime, OpenVINO,
    Dask and servers loaded before them), ``test_a_ctrl_c_that_a_library_
    swallows_still_stops_the_fit`` crashed the process with SIGSEGV twice on
    2026-12-07, while the same tests pass alone, as a background job, and
    after the inference tests. Until the cause is found (an open defect,
    see the closing note of that day), they run before anything else is
    loaded.
    """
    first = [i for i in items if "test_training.py" in i.nodeid and "ctrl_c" in i.name]
    items[:] = first + [i for i in items if i not in first]
