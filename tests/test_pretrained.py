"""The shipped weights: verified, as accurate as their cards say, fine-tunable."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone

import fashionzoo
from fashionzoo import pretrained
from fashionzoo.exceptions import ChecksumError
from fashionzoo.pretrained import NoPretrainedWeightsError, list_pretrained, model_card

SHIPPED = list_pretrained()

CARD_FIELDS = {
    "name",
    "network",
    "recipe",
    "random_state",
    "epochs",
    "classes",
    "class_names",
    "test_accuracy",
    "test_accuracy_float32",
    "per_class_accuracy",
    "fit_seconds",
    "host",
    "trained",
    "versions",
    "weights",
    "license",
    "study",
    "script",
}


@pytest.fixture(scope="module")
def test_set():
    from fashionzoo.datasets import fetch_fashion_mnist

    return fetch_fashion_mnist("test", return_X_y=True)


def test_every_network_of_the_zoo_ships_weights():
    networks = fashionzoo.list_models(kind="network")
    assert sorted(networks) == SHIPPED
    assert fashionzoo.list_models(pretrained=True) == networks


@pytest.mark.parametrize(
    "name",
    [
        # 10 TTA views of the 10k images (59 s on 2 cores); its ONNX and int8
        # graphs' accuracy is checked in the default run.
        pytest.param(n, marks=pytest.mark.slow) if n == "fast_resnet" else n
        for n in SHIPPED
    ],
)
def test_shipped_weights_match_their_card(name, test_set):
    card = model_card(name)
    assert set(card) >= CARD_FIELDS
    path = pretrained.weights_path(name)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == card["weights"]["sha256"]
    assert path.stat().st_size == card["weights"]["bytes"]
    assert abs(card["test_accuracy"] - card["test_accuracy_float32"]) <= 0.001
    est = fashionzoo.create_estimator(name, pretrained=True)
    assert est.pretrained
    np.testing.assert_array_equal(est.classes_, np.arange(10))
    X, y = test_set
    proba = est.predict_proba(X)
    predicted = est.classes_[proba.argmax(axis=1)]
    assert abs(np.mean(predicted == y) - card["test_accuracy"]) <= 0.0005
    _check_the_shipped_graph(name, card, X, y, proba, predicted)
    info = fashionzoo.get_model_info(name)
    assert info["pretrained"] == card
    assert info["class_names"][9] == "Ankle boot"
    reported = card["study"]["reported_accuracy"]
    if reported is not None:
        assert card["test_accuracy"] >= reported


def _check_the_shipped_graph(name, card, X, y, proba, predicted):
    """The ONNX graph gives the estimator's classes and probabilities in each runtime."""
    if importlib.util.find_spec("onnxruntime") is None:
        return  # the onnx extra is not installed
    from fashionzoo.inference import InferenceModel

    graph = pretrained.graph_path(name)
    assert hashlib.sha256(graph.read_bytes()).hexdigest() == card["onnx"]["sha256"]
    runtimes = ["onnxruntime"]
    if importlib.util.find_spec("openvino") is not None:
        runtimes.append("openvino")
    for runtime in runtimes:
        model = InferenceModel(name, runtime=runtime)
        served = model.predict_proba(X)
        np.testing.assert_allclose(served, proba, rtol=0, atol=1e-4)
        np.testing.assert_array_equal(model.classes_[served.argmax(axis=1)], predicted)
        assert card["onnx"]["test_accuracy"][runtime] == round(
            np.mean(predicted == y), 4
        )


def test_best_card_reaches_its_goal():
    assert model_card("best")["test_accuracy"] >= 0.940


def test_networks_without_weights_are_named(monkeypatch):
    monkeypatch.setattr(pretrained, "_cards", dict)
    with pytest.raises(
        NoPretrainedWeightsError, match="No pretrained weights for 'lenet5'"
    ):
        fashionzoo.create_estimator("lenet5", pretrained=True)
    with pytest.raises(fashionzoo.exceptions.UnknownModelError, match="Did you mean"):
        fashionzoo.create_estimator("lenett", pretrained=True)


def test_a_damaged_shipped_file_is_refused(tmp_path, monkeypatch):
    name = SHIPPED[0]
    for path in pretrained.PRETRAINED_DIR.glob(f"{name}.*"):
        shutil.copy(path, tmp_path / path.name)
    weights = tmp_path / model_card(name)["weights"]["file"]
    damaged = bytearray(weights.read_bytes())
    damaged[100] ^= 0xFF
    weights.write_bytes(bytes(damaged))
    monkeypatch.setattr(pretrained, "PRETRAINED_DIR", tmp_path)
    expected = model_card(name)["weights"]["sha256"]
    with pytest.raises(ChecksumError, match=rf"{weights.name} is damaged.*{expected}"):
        fashionzoo.create_estimator(name, pretrained=True)


def test_the_shipped_network_cannot_change():
    with pytest.raises(ValueError, match="hyperparameters cannot change: units_1"):
        fashionzoo.create_estimator("lenet5", pretrained=True, units_1=128)
    est = fashionzoo.create_estimator("lenet5", pretrained=False, units_1=128)
    est.set_params(pretrained=True)
    X, y = fashionzoo.datasets.load_sample(return_X_y=True)
    with pytest.raises(ValueError, match=r"units_1=128 \(shipped: 256\)"):
        est.fit(X[:50], y[:50])


def test_fine_tuning_starts_from_the_shipped_weights(test_set):
    X, y = fashionzoo.datasets.load_sample(return_X_y=True)
    est = fashionzoo.create_estimator(
        "lenet5", pretrained=True, epochs=1, learning_rate=1e-4, random_state=0
    )
    tuned = clone(est)
    assert tuned.pretrained  # survives clone, so searches fine-tune too
    tuned.fit(X, y)
    assert tuned.n_iter_ == 1
    X_test, y_test = test_set
    assert tuned.score(X_test, y_test) > 0.85
    scratch = clone(tuned).set_params(pretrained=False).fit(X, y)
    assert scratch.score(X_test, y_test) < 0.85


def test_other_classes_get_a_new_head():
    X, y = fashionzoo.datasets.load_sample(return_X_y=True)
    keep = np.isin(y, [0, 1, 9])
    names = np.array(["top", "trouser", "boot"])[np.searchsorted([0, 1, 9], y[keep])]
    est = fashionzoo.create_estimator(
        "lenet5", epochs=3, batch_size=16, learning_rate=1e-3
    )
    est.set_params(pretrained=True, random_state=0)
    with pytest.warns(UserWarning, match=r"classes 0-9; y has the classes .*'boot'"):
        est.fit(X[keep], names)
    assert est.score(X[keep], names) > 0.9


def test_cli_predicts_with_a_network_name(tmp_path):
    from PIL import Image

    X, _ = fashionzoo.datasets.load_sample(return_X_y=True)
    picture = tmp_path / "shirt.png"
    Image.fromarray(X[0]).save(picture)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fashionzoo",
            "predict",
            "--model",
            "lenet5",
            str(picture),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{picture}: ")
