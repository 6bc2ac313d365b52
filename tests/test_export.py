"""fashionzoo.export: each format reloads and predicts what predict_proba does."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
import zipfile

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import fashionzoo
from fashionzoo.export import export, load_model
from fashionzoo.models.views import tta_views
from fashionzoo.testing import fast_instance, make_images


@pytest.fixture(scope="module")
def data():
    return make_images(10, 3)


@pytest.fixture(scope="module")
def fitted(data):
    """Augmentation inside the model: the export must leave it out."""
    from fashionzoo import LeNet5Classifier

    X, y = data
    return fast_instance(LeNet5Classifier, epochs=1, augment="standard").fit(X, y)


@pytest.fixture(scope="module")
def fitted_tta(data):
    from fashionzoo import LeNet5Classifier

    X, y = data
    return fast_instance(LeNet5Classifier, epochs=1, tta=True).fit(X, y)


def pixels(X):
    """Raw 0-255 pixels as the exported models take them."""
    return X.reshape(-1, 28, 28, 1).astype("float32")


def test_keras_file_reloads_without_fashionzoo_layers(fitted, data, tmp_path):
    import keras

    X, _ = data
    path = export(fitted, tmp_path / "lenet5")
    assert path == tmp_path / "lenet5.keras"
    with zipfile.ZipFile(path) as archive:
        config = archive.read("config.json").decode()
    assert "fashionzoo>" not in config  # no custom layer: plain Keras loads it
    assert "Random" not in config  # augmentation left out
    model = keras.saving.load_model(path)
    np.testing.assert_allclose(
        model.predict(pixels(X), verbose=0),
        fitted.predict_proba(X),
        rtol=1e-6,
        atol=1e-7,
    )


def test_keras_file_with_test_time_augmentation(fitted_tta, data, tmp_path):
    X, _ = data
    path = fashionzoo.export(fitted_tta, tmp_path / "tta.keras", "keras")
    model = load_model(path)
    assert [layer.name for layer in model.layers][-2:] == [
        "LeNet5Classifier",
        "tta_average",
    ]
    np.testing.assert_allclose(
        model.predict(pixels(X), verbose=0),
        fitted_tta.predict_proba(X),
        rtol=1e-6,
        atol=1e-7,
    )


def test_keras_file_with_flip_and_shift_views(fitted_tta, data, tmp_path):
    X, _ = data
    estimator = copy.deepcopy(fitted_tta).set_params(tta="flip+shift")
    path = fashionzoo.export(estimator, tmp_path / "tta10.keras", "keras")
    model = load_model(path)
    # One pass: the ten views stacked into one batch, not ten calls.
    assert model.get_layer("tta_views").views == tta_views("flip+shift")
    assert len(model.get_layer("tta_views").views) == 10
    assert sum(layer.name == "LeNet5Classifier" for layer in model.layers) == 1
    np.testing.assert_allclose(
        model.predict(pixels(X), verbose=0),
        estimator.predict_proba(X),
        rtol=1e-5,
        atol=1e-6,
    )


def test_savedmodel_serves_predict_proba(fitted, data, tmp_path):
    import keras
    import tensorflow as tf

    X, _ = data
    path = export(fitted, tmp_path / "served", format="savedmodel")
    assert (path / "saved_model.pb").is_file()
    served = tf.saved_model.load(str(path))
    np.testing.assert_allclose(
        served.serve(pixels(X)).numpy(), fitted.predict_proba(X), rtol=1e-6, atol=1e-7
    )
    layer = keras.layers.TFSMLayer(str(path), call_endpoint="serve")
    np.testing.assert_allclose(
        np.asarray(layer(pixels(X[:3]))),
        fitted.predict_proba(X[:3]),
        rtol=1e-6,
        atol=1e-7,
    )


def test_onnx_runs_in_onnxruntime(fitted, data, tmp_path):
    pytest.importorskip("tf2onnx")
    ort = pytest.importorskip("onnxruntime")
    X, _ = data
    path = export(fitted, tmp_path / "lenet5", format="onnx")
    assert path.suffix == ".onnx"
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    (proba,) = session.run(None, {name: pixels(X)})
    np.testing.assert_allclose(proba, fitted.predict_proba(X), rtol=1e-5, atol=1e-6)


def test_onnx_without_converter_says_what_to_install(fitted, tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name in ("tf2onnx", "onnx") else real(name, *a),
    )
    with pytest.raises(ImportError, match=r'pip install "fashionzoo\[onnx\]"'):
        export(fitted, tmp_path / "m.onnx", format="onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_export_errors(fitted, tmp_path):
    from fashionzoo import LeNet5Classifier

    with pytest.raises(ValueError, match="Did you mean 'onnx'"):
        export(fitted, tmp_path / "m", format="onx")
    with pytest.raises(ValueError, match=r"ending in \.keras"):
        export(fitted, tmp_path / "m.h5")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        export(fitted, tmp_path / "missing" / "m.keras")
    with pytest.raises(NotFittedError):
        export(LeNet5Classifier(), tmp_path / "m.keras")


def test_package_attribute_is_callable_either_way():
    """``fashionzoo.export`` works as a function even after the module was imported."""
    module = sys.modules["fashionzoo.export"]
    assert callable(module)
    assert callable(fashionzoo.export)
    assert (
        json.dumps(sorted(module.EXPORT_FORMATS))
        == '["keras", "onnx", "openvino", "savedmodel"]'
    )


# -------------------------------------------- augmented models of every shape
def _reloaded_predictions(estimator, X, tmp_path, format):
    import keras
    import tensorflow as tf

    path = export(estimator, tmp_path / f"m_{format}", format=format)
    if format == "openvino":
        from fashionzoo.inference import InferenceModel

        return InferenceModel(path, runtime="openvino").predict_proba(X)
    if format == "keras":
        return keras.saving.load_model(path).predict(pixels(X), verbose=0)
    if format == "savedmodel":
        served = tf.saved_model.load(str(path))  # kept: it owns the variables
        return served.serve(pixels(X)).numpy()
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: pixels(X)})[0]


def _formats():
    return [
        "keras",
        "savedmodel",
        pytest.param(
            "onnx",
            marks=pytest.mark.skipif(
                importlib.util.find_spec("tf2onnx") is None,
                reason="tf2onnx is not installed (the onnx extra)",
            ),
        ),
        pytest.param(
            "openvino",
            marks=pytest.mark.skipif(
                importlib.util.find_spec("tf2onnx") is None
                or importlib.util.find_spec("openvino") is None,
                reason="tf2onnx or openvino is not installed (the extras)",
            ),
        ),
    ]


@pytest.fixture(scope="module")
def whitened(data):
    X, y = data
    est = fast_instance(
        fashionzoo.FastResNetClassifier, whiten=True, dirac=True, tta="flip+shift"
    )
    return est.fit(X, y)


@pytest.mark.parametrize("format", _formats())
def test_the_whitening_layer_exports_to_every_format(whitened, data, tmp_path, format):
    X, _ = data
    np.testing.assert_allclose(
        _reloaded_predictions(whitened, X, tmp_path, format),
        whitened.predict_proba(X),
        rtol=1e-5,
        atol=1e-5,
    )


@pytest.fixture(scope="module")
def augmented_transfer():
    from fashionzoo.datasets import load_sample
    from fashionzoo.transfer import TransferClassifier

    X, y = load_sample(return_X_y=True)
    est = TransferClassifier(
        backbone="vgg16", weights=None, input_size=32, augment="light", epochs=1
    )
    return est.fit(X[:200], y[:200]), X[200:216]


@pytest.mark.parametrize(
    "format",
    [  # openvino is 17 s on 2 cores: the ONNX case keeps the path by default
        pytest.param(*f.values, marks=[*f.marks, pytest.mark.slow])
        if getattr(f, "values", None) == ("openvino",)
        else f
        for f in _formats()
    ],
)
def test_augmented_transfer_model_exports(augmented_transfer, tmp_path, format):
    est, X = augmented_transfer
    np.testing.assert_allclose(
        _reloaded_predictions(est, X, tmp_path, format),
        est.predict_proba(X),
        rtol=1e-5,
        atol=1e-5,
    )


@pytest.mark.parametrize(
    "name",
    [
        # 11-23 s each on 2 cores: lenet5 keeps the path, and every shipped
        # network's graphs are checked in the default run.
        n if n == "lenet5" else pytest.param(n, marks=pytest.mark.slow)
        for n in fashionzoo.list_models(kind="network")
    ],
)
def test_every_network_with_standard_augmentation_exports(name, data, tmp_path):
    X, y = data
    cls = type(fashionzoo.create_estimator(name))
    est = fast_instance(cls, epochs=1, augment="standard").fit(X, y)
    formats = ["keras", "savedmodel"]
    if importlib.util.find_spec("openvino") and importlib.util.find_spec("tf2onnx"):
        formats.append("openvino")  # through ONNX: both graphs of every network
    for format in formats:
        np.testing.assert_allclose(
            _reloaded_predictions(est, X, tmp_path, format),
            est.predict_proba(X),
            rtol=1e-5,
            atol=1e-5,
        )
