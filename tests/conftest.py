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


# Integration tests whose behaviour a cheaper default test also covers: they
# run with ``-m slow`` (nox -s slow), and the default run stays under 15
# minutes on two cores. Seconds measured on a 2-core AVX2 EPYC, 2026-12-07.
SLOW_BY_DEFAULT = {
    "test_pretrained.py::test_shipped_weights_match_their_card[fast_resnet]": "59 s: 10 TTA views of the 10k images; its int8 and ONNX graphs' accuracy is checked by default",
    "test_estimator.py::test_grid_search_over_study_001_grid": "45 s: the search machinery is covered by the smaller grid searches",
    "test_training.py::test_halving_search_over_epochs": "38 s",
    "test_zoo.py::test_voting_and_stacking_over_zoo_estimators": "30 s",
    "test_training.py::test_keras_callbacks_survive_clone_pickle_and_parallel_search[CSVLogger]": "27 s: TerminateOnNaN keeps the path in the default run",
    "test_training.py::test_keras_callbacks_survive_clone_pickle_and_parallel_search[ModelCheckpoint]": "22 s",
    "test_training.py::test_keras_callbacks_survive_clone_pickle_and_parallel_search[TensorBoard]": "11 s",
    "test_training.py::test_keras_callbacks_survive_clone_pickle_and_parallel_search[BackupAndRestore]": "11 s",
    "test_export.py::test_every_network_with_standard_augmentation_exports[fast_resnet]": "23 s: lenet5 keeps the path; the shipped graphs of every network are checked by default",
    "test_export.py::test_every_network_with_standard_augmentation_exports[resnet]": "15 s",
    "test_export.py::test_every_network_with_standard_augmentation_exports[cnn_bn4]": "14 s",
    "test_export.py::test_every_network_with_standard_augmentation_exports[cnn004]": "11 s",
    "test_export.py::test_every_network_with_standard_augmentation_exports[cnn_dropout]": "11 s",
    "test_export.py::test_augmented_transfer_model_exports[openvino]": "17 s: the onnx case keeps the path",
}


@pytest.hookimpl(tryfirst=True)
def pytest_itemcollected(item):
    reason = SLOW_BY_DEFAULT.get(item.nodeid.removeprefix("tests/"))
    if reason is not None:
        item.add_marker(pytest.mark.slow(reason=reason))
