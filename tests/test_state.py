"""The estimators' state protocol: pickle, skops and MLflow store and restore them.

Every kind of estimator (a zoo network, a class generated for a network a
user registers, a transfer model) goes through each store and comes back with
bit-identical ``predict_proba``. MLflow is not in the test extra: its test is
skipped unless it is installed (``nox -s mlflow`` installs it).
"""

from __future__ import annotations

import importlib
import pickle
import warnings

import numpy as np
import pytest
import skops.io as sio
from skops.io.exceptions import UntrustedTypesFoundException

import fashionzoo
from fashionzoo.estimators._state import KERAS_KEY
from fashionzoo.transfer import TransferClassifier

KINDS = ["zoo", "registered", "transfer"]
REGISTERED = "state_test_net"


@pytest.fixture(scope="module")
def data(sample_data):
    """300 real Fashion-MNIST images (a stratified part of the shipped sample)."""
    X, y = sample_data
    return X[:300], y[:300]


@pytest.fixture(scope="module")
def registered_class():
    """The generated class of a tiny network registered for this module."""
    from fashionzoo.models import _registry, register_model

    keras = pytest.importorskip("keras")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_registry, "_MODELS", dict(_registry._MODELS))

        @register_model(description="Dense layers for the state tests")
        def state_test_net(input_shape=(28, 28, 1), n_classes=10, *, units=(8, 4)):
            inputs = keras.Input(input_shape)
            x = keras.layers.Flatten()(inputs)
            for u in units:
                x = keras.layers.Dense(u, activation="relu")(x)
            outputs = keras.layers.Dense(n_classes, activation="softmax")(x)
            return keras.Model(inputs, outputs)

        yield type(fashionzoo.create_estimator(REGISTERED))


def _unfitted(kind, registered_class):
    if kind == "zoo":
        return fashionzoo.create_estimator("lenet5", epochs=1, random_state=0)
    if kind == "registered":
        return registered_class(units=(6, 4), epochs=1, random_state=0)
    return TransferClassifier(
        backbone="vgg16",
        weights=None,
        input_size=32,
        head_units=8,
        epochs=1,
        learning_rate=0.01,
        random_state=0,
    )


@pytest.fixture(scope="module", params=KINDS)
def fitted(request, data, registered_class):
    return _unfitted(request.param, registered_class).fit(*data)


def _dump_load(estimator, store, tmp_path):
    if store == "pickle":
        return pickle.loads(pickle.dumps(estimator))
    path = tmp_path / "est.skops"
    sio.dump(estimator, path)
    return sio.load(path, trusted=sio.get_untrusted_types(file=path))


def _check_same(restored, original, X):
    assert type(restored) is type(original)
    assert restored.get_params() == original.get_params()
    assert restored.model_ is not original.model_
    np.testing.assert_array_equal(restored.classes_, original.classes_)
    assert restored.history_ == original.history_
    assert restored.n_iter_ == original.n_iter_
    proba = restored.predict_proba(X)
    assert np.array_equal(proba, original.predict_proba(X))


@pytest.mark.parametrize("store", ["pickle", "skops"])
def test_round_trip_is_bit_identical(fitted, data, store, tmp_path):
    X, _ = data
    _check_same(_dump_load(fitted, store, tmp_path), fitted, X)


def test_skops_needs_only_the_estimator_class_trusted(fitted):
    cls = type(fitted)
    untrusted = sio.get_untrusted_types(data=sio.dumps(fitted))
    assert untrusted == [f"{cls.__module__}.{cls.__qualname__}"]


def test_skops_refuses_the_estimator_unless_trusted(fitted):
    dumped = sio.dumps(fitted)
    with pytest.raises(UntrustedTypesFoundException, match=type(fitted).__name__):
        sio.loads(dumped)
    with pytest.raises(UntrustedTypesFoundException):
        sio.loads(dumped, trusted=["builtins.dict"])


def test_state_is_plain_data(fitted):
    state = fitted.__getstate__()
    assert "model_" not in state
    assert isinstance(state[KERAS_KEY], bytes)
    assert state[KERAS_KEY][:2] == b"PK"  # a .keras file is a zip
    allowed = (bytes, str, int, float, bool, tuple, list, dict, np.ndarray, type(None))
    assert all(isinstance(v, allowed) for v in state.values()), {
        k: type(v) for k, v in state.items()
    }
    assert "model_" in vars(fitted)  # the estimator itself is unchanged


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("store", ["pickle", "skops"])
def test_unfitted_estimator_round_trips(kind, store, registered_class, tmp_path):
    est = _unfitted(kind, registered_class)
    restored = _dump_load(est, store, tmp_path)
    assert type(restored) is type(est)
    assert restored.get_params() == est.get_params()
    assert not hasattr(restored, "model_")
    assert KERAS_KEY not in vars(restored)


@pytest.mark.parametrize("store", ["pickle", "skops"])
def test_partial_fit_goes_on_with_the_optimizer_state(data, store, tmp_path):
    """The optimizer and its moments travel in the .keras bytes."""
    X, y = data
    est = fashionzoo.create_estimator("lenet5", epochs=1, random_state=0)
    est.partial_fit(X, y)
    restored = _dump_load(est, store, tmp_path)
    assert restored.model_.optimizer.iterations.numpy() > 0
    est.partial_fit(X, y)
    restored.partial_fit(X, y)
    assert restored.n_iter_ == est.n_iter_ == 2
    assert np.array_equal(restored.predict_proba(X), est.predict_proba(X))


def test_a_state_holding_the_keras_model_still_loads(data):
    """States written before the protocol hold ``model_`` itself."""
    X, y = data
    est = fashionzoo.create_estimator("lenet5", epochs=1, random_state=0).fit(X, y)
    old = dict(vars(est))
    restored = type(est).__new__(type(est))
    restored.__setstate__(old)
    assert restored.model_ is est.model_
    assert np.array_equal(restored.predict_proba(X), est.predict_proba(X))


def test_a_state_with_something_else_than_bytes_is_refused():
    est = fashionzoo.create_estimator("lenet5")
    state = {**est.__getstate__(), KERAS_KEY: "not bytes"}
    restored = type(est).__new__(type(est))
    with pytest.raises(TypeError, match=f"{KERAS_KEY}.*bytes of a .keras file.*str"):
        restored.__setstate__(state)
    assert not hasattr(restored, "model_")


def test_mlflow_default_flavour_round_trip(fitted, data, tmp_path, monkeypatch):
    """``mlflow.sklearn.log_model`` with its default (skops) format, a local store.

    A file store in ``tmp_path``, no server. MLflow 3.17 keeps its file
    store in maintenance mode and starts it only when asked to; its SQLite
    store warns of SQLAlchemy 2.1 deprecations, errors here.
    """
    with warnings.catch_warnings():
        # MLflow's own import warns (its type hints, its dependencies).
        warnings.simplefilter("ignore")
        mlflow = pytest.importorskip(
            "mlflow", reason="mlflow is not in the test extra: run `nox -s mlflow`"
        )
        # log_model imports mlflow.pyfunc lazily, with the same warnings.
        importlib.import_module("mlflow.pyfunc")
        importlib.import_module("mlflow.sklearn")

    X, _ = data
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    mlflow.set_tracking_uri((tmp_path / "mlruns").as_uri())
    trusted = sio.get_untrusted_types(data=sio.dumps(fitted))
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            fitted,
            name="m",
            skops_trusted_types=trusted,
            # Given, so that MLflow does not infer them in a fresh process.
            pip_requirements=["fashionzoo"],
        )
    assert info.flavors["sklearn"]["serialization_format"] == "skops"
    restored = mlflow.sklearn.load_model(info.model_uri)
    _check_same(restored, fitted, X)
