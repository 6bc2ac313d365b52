"""Backend and device set-up: settings, decisions, scopes, threads, info.

The decision functions are tested with fake GPU lists (no GPU here). The
runtime settings that only take effect before TensorFlow starts (thread
pools) and the data-parallel path (on two logical CPUs standing in for two
GPUs) run in fresh subprocesses, launched together to share the import time.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from fashionzoo import _backends, _config
from fashionzoo._backends import tensorflow as tf_backend
from fashionzoo._config import (
    DeviceNotFoundError,
    device_scope,
    ensure_configured,
    strategy_scope,
)
from fashionzoo.cli._runtime import runtime_info
from fashionzoo.exceptions import FashionZooError

HAS_JAX = importlib.util.find_spec("jax") is not None
HAS_TORCH = importlib.util.find_spec("torch") is not None


# ----------------------------------------------------------------- fixtures
@pytest.fixture
def fresh(monkeypatch):
    """Default settings from a clean environment, an unconfigured state."""
    for var in (*_config.ENV_VARS.values(), *_config.THREAD_ENV_VARS):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(_config, "_settings", {})
    monkeypatch.setattr(_config, "_state", _config._State())


class FakeDistribution:
    """Stands in for MirroredStrategy / DataParallel: records its scope."""

    def __init__(self, devices):
        self.devices = list(devices)
        self.active = False

    @contextlib.contextmanager
    def scope(self):
        self.active = True
        try:
            yield
        finally:
            self.active = False


class FakeBackend:
    """A backend module that sees the GPUs in ``gpus`` and records its calls."""

    DATA_PARALLEL = True
    __name__ = "fashionzoo._backends.fake"

    def __init__(self):
        self.gpus: list[dict] = []
        self.runtime_calls = 0
        self.pins: list[tuple] = []
        self.runtime_notes: list[str] = []

    def list_gpus(self):
        return list(self.gpus)

    def gpu_count(self):
        return len(self.gpus)

    def configure_runtime(self, n_threads, source):
        self.runtime_calls += 1
        return list(self.runtime_notes)

    def pin_device(self, kind, index):
        self.pins.append((kind, index))

    def make_distribution(self, devices):
        return FakeDistribution(devices)

    def runtime_details(self):
        return {"backend_version": "fake"}


@pytest.fixture
def fake_backend(fresh, monkeypatch):
    """The one seam: ``_backends.current`` returns a :class:`FakeBackend`."""
    backend = FakeBackend()
    monkeypatch.setattr(_backends, "current", lambda: backend)
    return backend


def gpu(major, minor=0):
    return {"name": f"fake sm_{major}{minor}", "compute_capability": (major, minor)}


# ------------------------------------------------------------------ import
def test_import_configures_nothing():
    code = (
        "import os, sys, fashionzoo\n"
        "fashionzoo.set_config(device='cpu')\n"
        "fashionzoo.config.n_threads = 2\n"
        "heavy = [m for m in ('keras', 'tensorflow', 'jax', 'torch') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert fashionzoo._config._state.settings is None\n"
        "assert 'TF_ENABLE_ONEDNN_OPTS' not in os.environ\n"
        "from fashionzoo import _keras\n"
        "assert os.environ['TF_ENABLE_ONEDNN_OPTS'] == '1'\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120, env=env)


# ---------------------------------------------------------------- settings
@pytest.mark.usefixtures("fresh")
@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, {}),
        ({"device": "cpu"}, {"device": "cpu"}),
        ({"device": "GPU"}, {"device": "gpu"}),
        ({"device": "gpu:3"}, {"device": "gpu:3"}),
        ({"mixed_precision": "mixed_bfloat16"}, {"mixed_precision": "mixed_bfloat16"}),
        ({"distribute": "off"}, {"distribute": "off"}),
        ({"n_threads": 1}, {"n_threads": 1}),
        ({"n_threads": "16"}, {"n_threads": 16}),
    ],
)
def test_set_config_accepts(changes, expected):
    defaults = {
        "device": "auto",
        "mixed_precision": "auto",
        "distribute": "auto",
        "n_threads": "auto",
    }
    _config.set_config(**changes)
    assert _config.get_config() == {**defaults, **expected}


@pytest.mark.usefixtures("fresh")
@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"device": "cuda"}, "device must be .*Received: device='cuda'"),
        ({"device": "gpu:"}, "Received: device='gpu:'"),
        ({"device": "gpu:x"}, "Received: device='gpu:x'"),
        ({"device": "cpu:0"}, "Received: device='cpu:0'"),
        ({"device": 3}, "Received: device=3"),
        ({"mixed_precision": "float16"}, "mixed_precision='float16'"),
        ({"distribute": "mirrored"}, "distribute must be one of"),
        ({"distribute": False}, "Received: distribute=False"),
        ({"n_threads": 0}, "n_threads=0"),
        ({"n_threads": True}, "n_threads=True"),
        ({"n_threads": "four"}, "n_threads='four'"),
    ],
)
def test_set_config_rejects_at_once(changes, match):
    before = _config.get_config()
    with pytest.raises(ValueError, match=match):
        _config.set_config(**changes)
    assert _config.get_config() == before


@pytest.mark.usefixtures("fresh")
def test_config_attributes_go_through_set_config():
    import fashionzoo

    assert fashionzoo.config is _config.config
    fashionzoo.config.device = "cpu"
    assert fashionzoo.get_config()["device"] == "cpu"
    assert fashionzoo.config.device == "cpu"
    with pytest.raises(ValueError, match="device='cuda'"):
        fashionzoo.config.device = "cuda"
    with pytest.raises(AttributeError, match="no setting 'devise'"):
        fashionzoo.config.devise = "cpu"


@pytest.mark.usefixtures("fresh")
def test_config_context_restores():
    _config.set_config(device="cpu")
    with _config.config_context(mixed_precision="float32", device="gpu"):
        assert _config.get_config()["mixed_precision"] == "float32"
        assert _config.get_config()["device"] == "gpu"
    assert _config.get_config()["mixed_precision"] == "auto"
    assert _config.get_config()["device"] == "cpu"
    with (
        pytest.raises(ValueError, match="distribute"),
        _config.config_context(distribute="everywhere"),
    ):
        pass


@pytest.mark.usefixtures("fresh")
def test_settings_default_to_the_environment(monkeypatch):
    monkeypatch.setenv("FASHIONZOO_DEVICE", "gpu:1")
    monkeypatch.setenv("FASHIONZOO_PRECISION", "float32")
    monkeypatch.setenv("FASHIONZOO_DISTRIBUTE", "off")
    monkeypatch.setenv("FASHIONZOO_NUM_THREADS", "3")
    assert _config.get_config() == {
        "device": "gpu:1",
        "mixed_precision": "float32",
        "distribute": "off",
        "n_threads": 3,
    }


@pytest.mark.usefixtures("fresh")
def test_a_bad_environment_variable_is_named(monkeypatch):
    monkeypatch.setenv("FASHIONZOO_NUM_THREADS", "lots")
    with pytest.raises(ValueError, match="FASHIONZOO_NUM_THREADS='lots'"):
        _config.get_config()


# --------------------------------------------------------------- decisions
@pytest.mark.parametrize(
    ("device", "n_gpus", "expected"),
    [
        ("auto", 0, ("auto", None)),
        ("auto", 2, ("auto", None)),
        ("cpu", 2, ("cpu", None)),
        ("gpu", 1, ("gpu", None)),
        ("GPU", 2, ("gpu", None)),
        ("gpu:0", 1, ("gpu", 0)),
        ("gpu:3", 4, ("gpu", 3)),
    ],
)
def test_resolve_device(device, n_gpus, expected):
    assert _config.resolve_device(device, n_gpus) == expected


@pytest.mark.parametrize(
    ("device", "n_gpus", "match"),
    [
        ("gpu", 0, r"device='gpu', but the Keras backend sees no GPU\."),
        ("gpu:0", 0, "sees no GPU"),
        ("gpu:2", 2, r"sees 2 GPU\(s\), gpu:0 to gpu:1"),
    ],
)
def test_resolve_device_without_that_gpu(device, n_gpus, match):
    with pytest.raises(DeviceNotFoundError, match=match) as info:
        _config.resolve_device(device, n_gpus)
    assert "set_config(device='auto')" in str(info.value)
    assert "CUDA_VISIBLE_DEVICES" not in str(info.value)
    assert isinstance(info.value, FashionZooError)
    assert isinstance(info.value, RuntimeError)


def test_device_error_names_cuda_visible_devices():
    with pytest.raises(DeviceNotFoundError, match="CUDA_VISIBLE_DEVICES='-1'"):
        _config.resolve_device("gpu", 0, cuda_visible_devices="-1")


@pytest.mark.parametrize(
    ("setting", "gpus", "on_gpu", "expected"),
    [
        ("auto", [], False, None),  # CPU: Keras's own policy (float32)
        ("auto", [gpu(8)], False, None),  # GPUs present, device="cpu"
        ("auto", [gpu(6, 1)], True, None),  # Pascal: no tensor cores
        ("auto", [gpu(7)], True, "mixed_float16"),  # V100
        ("auto", [gpu(7, 5)], True, "mixed_float16"),  # T4
        ("auto", [gpu(8)], True, "mixed_bfloat16"),  # A100
        ("auto", [gpu(9)], True, "mixed_bfloat16"),  # H100
        ("auto", [gpu(8, 6), gpu(7, 5)], True, "mixed_float16"),  # weakest decides
        ("auto", [gpu(8), gpu(6)], True, None),
        ("auto", [{"name": "?", "compute_capability": None}], True, None),
        ("float32", [gpu(8)], True, "float32"),
        ("mixed_float16", [], False, "mixed_float16"),
        ("mixed_bfloat16", [gpu(7)], True, "mixed_bfloat16"),
    ],
)
def test_choose_precision(setting, gpus, on_gpu, expected):
    assert _config.choose_precision(setting, gpus, on_gpu=on_gpu) == expected


@pytest.mark.parametrize(
    ("distribute", "kind", "index", "n_gpus", "data_parallel", "expected"),
    [
        ("auto", "auto", None, 0, True, []),
        ("auto", "auto", None, 1, True, []),
        ("auto", "auto", None, 2, True, [0, 1]),
        ("auto", "gpu", None, 4, True, [0, 1, 2, 3]),
        ("auto", "gpu", 1, 4, True, []),  # one GPU asked for
        ("auto", "cpu", None, 4, True, []),
        ("off", "auto", None, 4, True, []),
        ("auto", "auto", None, 4, False, []),  # torch: no in-process mechanism
    ],
)
def test_choose_replicas(distribute, kind, index, n_gpus, data_parallel, expected):
    assert (
        _config.choose_replicas(distribute, kind, index, n_gpus, data_parallel)
        == expected
    )


@pytest.mark.parametrize(
    ("n_threads", "env", "expected"),
    [
        ("auto", {}, (None, None)),
        ("auto", {"OMP_NUM_THREADS": "1"}, (1, "OMP_NUM_THREADS")),  # dask nanny
        ("auto", {"OMP_NUM_THREADS": "4,2"}, (4, "OMP_NUM_THREADS")),
        ("auto", {"MKL_NUM_THREADS": "2"}, (2, "MKL_NUM_THREADS")),
        (
            "auto",
            {"OMP_NUM_THREADS": "0", "MKL_NUM_THREADS": "3"},
            (3, "MKL_NUM_THREADS"),
        ),
        ("auto", {"OMP_NUM_THREADS": "many"}, (None, None)),
        (6, {"OMP_NUM_THREADS": "1"}, (6, "n_threads")),
    ],
)
def test_thread_cap(n_threads, env, expected):
    assert _config.thread_cap(n_threads, env) == expected


# ---------------------------------------- ensure_configured, a fake backend
def test_gpu_without_gpu_raises_until_fixed(fake_backend):
    _config.set_config(device="gpu")
    with pytest.raises(DeviceNotFoundError):
        ensure_configured()
    assert _config._state.settings is None  # not marked configured
    _config.set_config(device="auto")
    ensure_configured()
    assert _config._state.settings is not None
    assert _config._state.policy is None
    assert _config._state.distribution is None


def test_reconfigures_only_when_a_setting_changes(fake_backend):
    fake_backend.gpus.append(gpu(7, 5))
    ensure_configured()
    ensure_configured()
    assert fake_backend.runtime_calls == 1
    assert fake_backend.pins == [("auto", None)]
    assert _config._state.policy == "mixed_float16"
    _config.set_config(mixed_precision="float32")
    ensure_configured()
    assert _config._state.policy == "float32"
    assert fake_backend.runtime_calls == 1  # the runtime is set up once
    assert len(fake_backend.pins) == 2


def test_one_gpu_of_several_is_pinned(fake_backend):
    fake_backend.gpus.extend([gpu(6, 1), gpu(8, 0)])
    _config.set_config(device="gpu:1")
    ensure_configured()
    assert fake_backend.pins == [("gpu", 1)]
    assert _config._state.distribution is None
    assert _config._state.policy == "mixed_bfloat16"  # from gpu:1 only


def test_several_gpus_train_data_parallel(fake_backend):
    fake_backend.gpus.extend([gpu(8), gpu(8)])
    with strategy_scope():
        dist = _config._state.distribution
        assert isinstance(dist, FakeDistribution)
        assert dist.active
    assert not dist.active
    assert dist.devices == ["gpu:0", "gpu:1"]
    with device_scope():
        assert dist.active
    assert runtime_info()["replicas"] == 2
    # Keras's TensorFlow trainer fails on batches the replicas cannot share evenly.
    assert _config.batch_multiple() == 2


def test_no_data_parallel_backend_uses_one_gpu(fake_backend):
    fake_backend.gpus.extend([gpu(8)] * 3)
    fake_backend.DATA_PARALLEL = False
    assert _config.batch_multiple() == 1
    assert _config._state.distribution is None


def test_distribute_off_uses_one_gpu(fake_backend):
    fake_backend.gpus.extend([gpu(8), gpu(8)])
    _config.set_config(distribute="off")
    ensure_configured()
    assert _config._state.distribution is None
    assert fake_backend.pins == [("auto", None)]


def test_failed_distribution_falls_back_to_one_gpu(fake_backend, monkeypatch, caplog):
    fake_backend.gpus.extend([gpu(8), gpu(8)])

    def broken(devices):
        raise RuntimeError("NCCL missing")

    monkeypatch.setattr(fake_backend, "make_distribution", broken)
    with caplog.at_level(logging.WARNING, logger="fashionzoo._config"):
        ensure_configured()
    assert _config._state.distribution is None
    assert "NCCL missing" in caplog.text
    assert "NCCL missing" in " ".join(_config._state.notes)


def test_runtime_notes_are_logged_and_kept(fake_backend, caplog):
    fake_backend.runtime_notes.append("threads not capped: started")
    with caplog.at_level(logging.WARNING, logger="fashionzoo._config"):
        ensure_configured()
    assert "threads not capped: started" in caplog.text
    assert runtime_info()["notes"] == ["threads not capped: started"]


def test_cuda_visible_devices_is_left_alone(fake_backend, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1,0")
    _config.set_config(device="cpu")
    ensure_configured()
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "1,0"


# ---------------------------------------- the TensorFlow module, faked tf
@pytest.fixture
def fake_tf(monkeypatch):
    """tf.config calls recorded; ``fail`` names the calls that raise."""
    tf = pytest.importorskip("tensorflow")
    log: dict[str, list] = {"visible": [], "growth": [], "threads": []}
    fail: set[str] = set()

    def set_visible(devices, kind):
        if "visible" in fail:
            raise RuntimeError("Visible devices cannot be modified after init")
        log["visible"].append((list(devices), kind))

    def set_growth(device, value):
        log["growth"].append((device, value))

    def threads(kind):
        def setter(n):
            if "threads" in fail:
                raise RuntimeError("cannot be modified after initialization")
            log["threads"].append((kind, n))

        return setter

    fake = [
        tf.config.PhysicalDevice(f"/physical_device:GPU:{i}", "GPU") for i in (0, 1)
    ]
    g0, g1 = fake
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind: fake)
    monkeypatch.setattr(tf.config, "set_visible_devices", set_visible)
    monkeypatch.setattr(tf.config.experimental, "set_memory_growth", set_growth)
    monkeypatch.setattr(
        tf.config.threading, "set_intra_op_parallelism_threads", threads("intra")
    )
    monkeypatch.setattr(
        tf.config.threading, "set_inter_op_parallelism_threads", threads("inter")
    )
    monkeypatch.setattr(
        tf.config.experimental,
        "get_device_details",
        lambda dev: {
            "device_name": f"Fake {dev.name[-5:]}",
            "compute_capability": [8, 9],
        },
    )
    monkeypatch.delenv("TF_FORCE_GPU_ALLOW_GROWTH", raising=False)
    return log, fail, g0, g1


def test_tensorflow_runtime_threads_and_memory_growth(fake_tf):
    log, _, g0, g1 = fake_tf
    assert tf_backend.configure_runtime(4, "OMP_NUM_THREADS") == []
    assert log["threads"] == [("intra", 4), ("inter", 2)]
    assert log["growth"] == [(g0, True), (g1, True)]


def test_tensorflow_memory_growth_env_wins(fake_tf, monkeypatch):
    log, *_ = fake_tf
    monkeypatch.setenv("TF_FORCE_GPU_ALLOW_GROWTH", "false")
    tf_backend.configure_runtime(None, None)
    assert log["growth"] == []
    assert log["threads"] == []


def test_tensorflow_started_threads_are_noted_and_skipped(fake_tf):
    log, fail, g0, g1 = fake_tf
    fail.add("threads")
    notes = tf_backend.configure_runtime(1, "OMP_NUM_THREADS")
    assert "not capped to 1 (from OMP_NUM_THREADS)" in notes[0]
    assert log["growth"] == [(g0, True), (g1, True)]  # still tried


def test_tensorflow_pin_device_hides_other_gpus(fake_tf):
    log, _, _, g1 = fake_tf
    assert tf_backend.pin_device("gpu", 1) is None
    assert tf_backend.pin_device("cpu", None) is None
    assert tf_backend.pin_device("auto", None) is None
    assert tf_backend.pin_device("gpu", None) is None
    assert log["visible"] == [([g1], "GPU"), ([], "GPU")]


def test_tensorflow_pin_device_after_start_falls_back_to_scope(fake_tf):
    _, fail, *_ = fake_tf
    fail.add("visible")
    assert tf_backend.pin_device("gpu", 1) == "gpu:1"
    assert tf_backend.pin_device("cpu", None) == "cpu:0"


def test_other_backends_pin_with_a_scope():
    from fashionzoo._backends import jax as jax_backend

    assert jax_backend.pin_device("gpu", 2) == "gpu:2"
    assert jax_backend.pin_device("cpu", None) == "cpu:0"
    assert jax_backend.pin_device("auto", None) is None


def test_list_gpus_tensorflow(fake_tf):
    assert tf_backend.list_gpus() == [
        {"name": "Fake GPU:0", "compute_capability": (8, 9)},
        {"name": "Fake GPU:1", "compute_capability": (8, 9)},
    ]


# ------------------------------------------------ the real backend, on CPU
@pytest.mark.usefixtures("fresh")
def test_cpu_scopes_are_no_ops():
    import keras

    before = keras.config.dtype_policy().name
    with strategy_scope():
        assert _config._state.distribution is None
        assert _config._state.placement is None
        assert keras.config.dtype_policy().name == before
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            assert not tf.distribute.has_strategy()
        layer = keras.layers.Dense(2)
        layer.build((None, 3))
    with device_scope():
        out = layer(np.ones((1, 3), dtype="float32"))
    assert keras.ops.convert_to_numpy(out).shape == (1, 2)
    assert layer.dtype_policy.name == before


@pytest.mark.usefixtures("fresh")
def test_device_cpu_on_cpu():
    _config.set_config(device="cpu")
    ensure_configured()
    assert _config._state.settings is not None


@pytest.mark.usefixtures("fresh")
def test_precision_holds_inside_the_scope_only():
    import keras

    _config.set_config(mixed_precision="mixed_bfloat16")
    with strategy_scope():
        inside = keras.layers.Dense(2)
        assert keras.config.dtype_policy().name == "mixed_bfloat16"
    outside = keras.layers.Dense(2)
    assert inside.dtype_policy.name == "mixed_bfloat16"
    assert inside.compute_dtype == "bfloat16"
    assert inside.variable_dtype == "float32"
    assert outside.dtype_policy.name == "float32"


@pytest.mark.usefixtures("fresh")
def test_auto_precision_keeps_the_users_policy():
    import keras

    keras.config.set_dtype_policy("mixed_float16")
    try:
        with strategy_scope():  # CPU: "auto" decides nothing
            assert keras.config.dtype_policy().name == "mixed_float16"
    finally:
        keras.config.set_dtype_policy("float32")


@pytest.mark.usefixtures("fresh")
def test_fit_with_gpu_setting_and_no_gpu_raises(tiny_data):
    from fashionzoo.estimators import LeNet5Classifier

    if _config.list_gpus():
        pytest.skip("this machine has a GPU")
    _config.set_config(device="gpu")
    X, y = tiny_data
    with pytest.raises(DeviceNotFoundError, match="sees no GPU"):
        LeNet5Classifier(units_1=4, units_2=4, epochs=1).fit(X, y)


@pytest.mark.usefixtures("fresh")
def test_runtime_info():
    import keras

    info = runtime_info()
    json.dumps(info)
    for key in (
        "fashionzoo",
        "python",
        "keras",
        "backend",
        "backend_version",
        "scikit-learn",
        "numpy",
        "gpus",
        "device",
        "distribute",
        "replicas",
        "mixed_precision",
        "precision_policy",
        "n_threads",
        "cuda_visible_devices",
        "notes",
    ):
        assert key in info, key
    assert info["backend"] == keras.backend.backend()
    assert info["keras"] == keras.__version__
    assert info["device"] == "auto"
    assert info["precision_policy"] == "float32"
    assert info["replicas"] == 1
    assert "config_error" not in info
    if info["backend"] == "tensorflow":
        import tensorflow as tf

        assert info["tensorflow"] == info["backend_version"] == tf.__version__
        assert isinstance(info["intra_op_threads"], int)


@pytest.mark.usefixtures("fresh")
def test_runtime_info_reports_a_config_error(monkeypatch):
    monkeypatch.setenv("FASHIONZOO_DISTRIBUTE", "everywhere")
    info = runtime_info()
    assert "FASHIONZOO_DISTRIBUTE='everywhere'" in info["config_error"]


# ------------------------------------------------------------- subprocesses
_THREADS_ENV = """
import logging, os
logging.basicConfig(level=logging.WARNING, format="%(name)s %(message)s")
import tensorflow as tf
from fashionzoo import _config
from fashionzoo.estimators import LeNet5Classifier
from fashionzoo.testing import make_images
_config.ensure_configured()
print("after-configure", tf.config.threading.get_intra_op_parallelism_threads(),
      tf.config.threading.get_inter_op_parallelism_threads())
X, y = make_images(10, 2)
LeNet5Classifier(units_1=4, units_2=4, epochs=1, batch_size=10).fit(X, y)
print("after-fit", tf.config.threading.get_intra_op_parallelism_threads(),
      tf.config.threading.get_inter_op_parallelism_threads())
_config.set_config(n_threads=2)   # too late: TensorFlow has started
_config.ensure_configured()
print("after-change", tf.config.threading.get_intra_op_parallelism_threads())
"""

_THREADS_TORCH = """
import torch
from fashionzoo.estimators import LeNet5Classifier
from fashionzoo.testing import make_images
X, y = make_images(10, 2)
LeNet5Classifier(units_1=4, units_2=4, epochs=1, batch_size=10).fit(X, y)
print("torch-threads", torch.get_num_threads(), torch.get_num_interop_threads())
"""

_THREADS_CONFIG = """
import tensorflow as tf
from fashionzoo import _config
_config.ensure_configured()
print("after-configure", tf.config.threading.get_intra_op_parallelism_threads(),
      tf.config.threading.get_inter_op_parallelism_threads())
print("info", _config.applied_settings()["n_threads_source"])
"""

# Two logical CPUs stand in for two GPUs: the same MirroredStrategy /
# DataParallel code path as the estimators take. 31 images per class and an
# odd batch size: JAX splits every batch over the two devices, so batches are
# rounded to even sizes and the last prediction batch is padded.
_DATA_PARALLEL = """
import os, sys
backend = os.environ["KERAS_BACKEND"]
import numpy as np
import keras
if backend == "tensorflow":
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from fashionzoo import _backends, _config
from fashionzoo.estimators import LeNet5Classifier
from fashionzoo.testing import make_images
module = _backends.current()
module.gpu_count = lambda: 2
module.list_gpus = lambda: [{"name": "fake", "compute_capability": (6, 1)}] * 2
_config.replica_devices = lambda idx: [f"cpu:{i}" for i in idx]

X, y = make_images(31, 3)
clf = LeNet5Classifier(units_1=16, units_2=8, epochs=3, batch_size=15,
                       learning_rate=0.01, random_state=0).fit(X, y)
assert _config._state.replica_devices == ["cpu:0", "cpu:1"]
w = clf.model_.weights[0].value
if backend == "tensorflow":
    assert clf.model_.distribute_strategy is _config._state.distribution
    assert clf.model_.distribute_strategy.num_replicas_in_sync == 2
    assert isinstance(w, tf.distribute.DistributedValues), type(w)
    assert not tf.distribute.has_strategy()   # nothing left entered
else:
    assert len(w.sharding.device_set) == 2, w.sharding
    assert keras.distribution.distribution() is None
proba = clf.predict_proba(X)
assert proba.shape == (93, 3)
assert clf.predict_proba(X[:5]).shape == (5, 3)
es = LeNet5Classifier(units_1=16, units_2=8, epochs=2, batch_size=15,
                      early_stopping=True, random_state=0).fit(X, y)
assert es.n_iter_ == 2
np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-5)
print("accuracy", (clf.predict(X) == y).mean())
print("losses", clf.history_["loss"])
"""


def _launch(code: str, **env: str) -> subprocess.Popen:
    full_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **env}
    for var in (*_config.THREAD_ENV_VARS, "FASHIONZOO_NUM_THREADS"):
        if var not in env:
            full_env.pop(var, None)
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def subprocesses():
    """Start every subprocess check at once; each test waits for its own."""
    procs = {
        "threads_env": _launch(
            _THREADS_ENV, KERAS_BACKEND="tensorflow", OMP_NUM_THREADS="1"
        ),
        "threads_config": _launch(
            _THREADS_CONFIG,
            KERAS_BACKEND="tensorflow",
            OMP_NUM_THREADS="1",
            FASHIONZOO_NUM_THREADS="3",
        ),
        "dp_tensorflow": _launch(_DATA_PARALLEL, KERAS_BACKEND="tensorflow"),
    }
    if HAS_TORCH:
        procs["threads_torch"] = _launch(
            _THREADS_TORCH, KERAS_BACKEND="torch", FASHIONZOO_NUM_THREADS="1"
        )
    if HAS_JAX:
        procs["dp_jax"] = _launch(
            _DATA_PARALLEL,
            KERAS_BACKEND="jax",
            XLA_FLAGS="--xla_force_host_platform_device_count=2",
        )
    yield procs
    # Also the ones no selected test read (pytest -k): their pipes stay open.
    for proc in procs.values():
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
        proc.wait()


def _result(procs, name: str) -> str:
    try:
        out, err = procs[name].communicate(timeout=600)
    except subprocess.TimeoutExpired:
        procs[name].kill()
        pytest.fail(f"{name} took over 10 minutes")
    assert procs[name].returncode == 0, f"{name} failed:\n{out}\n{err[-3000:]}"
    return out + err


def _line(output: str, tag: str) -> list[str]:
    return next(
        line.split()[1:] for line in output.splitlines() if line.startswith(tag)
    )


def test_worker_thread_cap_reaches_tensorflow(subprocesses):
    """OMP_NUM_THREADS=1, as dask's nanny sets it: TensorFlow gets 1 thread."""
    out = _result(subprocesses, "threads_env")
    assert _line(out, "after-configure") == ["1", "1"]
    assert _line(out, "after-fit") == ["1", "1"]
    assert _line(out, "after-change") == ["1"]
    assert "TensorFlow threads not capped to 2 (from n_threads)" in out


def test_explicit_thread_count_wins_over_environment(subprocesses):
    out = _result(subprocesses, "threads_config")
    assert _line(out, "after-configure") == ["3", "2"]
    assert _line(out, "info") == ["n_threads"]


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_thread_cap_reaches_torch(subprocesses):
    out = _result(subprocesses, "threads_torch")
    assert _line(out, "torch-threads") == ["1", "1"]


def test_data_parallel_tensorflow(subprocesses):
    out = _result(subprocesses, "dp_tensorflow")
    assert float(_line(out, "accuracy")[0]) > 0.5  # 3 classes: chance is 1/3


@pytest.mark.skipif(not HAS_JAX, reason="jax is not installed")
def test_data_parallel_jax(subprocesses):
    out = _result(subprocesses, "dp_jax")
    assert float(_line(out, "accuracy")[0]) > 0.5
