"""Grad-CAM and input-gradient saliency: the maps are highest where the evidence is.

A small LeNet-5 learns to tell images with a bright 6x6 square (class 1,
anywhere in the image) from noise alone (class 0); its maps must sit on the
square. Plots are drawn with Agg and saved under ``tmp_path`` (and under
``$FASHIONZOO_TEST_PLOTS`` when that names a folder, to look at them).
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

import fashionzoo
from fashionzoo.plotting import gradcam, plot_gradcam, saliency_map
from fashionzoo.testing import fast_instance

matplotlib.use("Agg")

SIDE = 6  # the square's side


def _squares(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Noise images; odd rows (class 1) get a bright square at a random place."""
    rng = np.random.default_rng(seed)
    X = (rng.random((n, 28, 28)) * 40).astype(np.uint8)
    y = np.arange(n) % 2
    corners = rng.integers(0, 28 - SIDE + 1, size=(n, 2))
    for i in np.flatnonzero(y == 1):
        r, c = corners[i]
        X[i, r : r + SIDE, c : c + SIDE] = 255
    return X, y, corners


def _near_square(maps: np.ndarray, corners: np.ndarray, tol: int = 3) -> np.ndarray:
    """Whether each map's peak lies in its square or within ``tol`` pixels of it."""
    hits = []
    for m, (r, c) in zip(maps, corners, strict=True):
        pr, pc = np.unravel_index(np.argmax(m), m.shape)
        dr = max(r - pr, 0, pr - (r + SIDE - 1))
        dc = max(c - pc, 0, pc - (c + SIDE - 1))
        hits.append(max(dr, dc) <= tol)
    return np.array(hits)


@pytest.fixture(scope="module")
def square_net():
    """(fitted LeNet-5, test images with a square, their corners)."""
    X, y, _ = _squares(400, seed=0)
    est = fast_instance(
        fashionzoo.LeNet5Classifier, epochs=5, batch_size=32, random_state=0
    ).fit(X, y)
    Xt, yt, corners = _squares(60, seed=1)
    assert (est.predict(Xt) == yt).mean() >= 0.95  # it learned the square
    return est, Xt[yt == 1], corners[yt == 1]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _save(figure, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    figure.savefig(path, dpi=80)
    extra = os.environ.get("FASHIONZOO_TEST_PLOTS")
    if extra:
        figure.savefig(Path(extra) / f"{name}.png", dpi=80)
    assert path.stat().st_size > 2000
    return path


def test_gradcam_is_highest_on_the_square(square_net):
    est, X, corners = square_net
    maps = gradcam(est, X, target=1)
    assert maps.shape == (len(X), 28, 28)
    assert maps.dtype == np.float32
    assert maps.min() >= 0.0
    assert np.allclose(maps.max(axis=(1, 2)), 1.0)
    inside = np.zeros(maps.shape, bool)
    for k, (r, c) in enumerate(corners):
        inside[k, r : r + SIDE, c : c + SIDE] = True
    mean_in = np.array([m[s].mean() for m, s in zip(maps, inside, strict=True)])
    mean_out = np.array([m[~s].mean() for m, s in zip(maps, inside, strict=True)])
    # The default map is LeNet's last one, 5x5: a cell spans ~6 pixels, so
    # the peak is coarse; the square must hold far more of the map than the rest.
    assert np.mean(mean_in > 2 * mean_out) >= 0.9
    # On the finer 14x14 map after the first pooling, the peak is on the square.
    fine = gradcam(est, X, target=1, layer="lenet5/max_pooling2d")
    assert np.mean(_near_square(fine, corners)) >= 0.8


def test_saliency_peaks_on_the_square(square_net):
    est, X, corners = square_net
    maps = saliency_map(est, X, target=1)
    assert maps.shape == (len(X), 28, 28)
    assert maps.min() >= 0.0
    assert np.allclose(maps.max(axis=(1, 2)), 1.0)
    assert np.mean(_near_square(maps, corners)) >= 0.8
    assert np.mean(_near_square(maps, corners, tol=0)) >= 0.6


def test_target_defaults_to_the_predicted_class(square_net):
    est, X, _ = square_net
    mixed = np.concatenate([X[:3], _squares(6, seed=2)[0][::2]])  # squares, noise
    predicted = est.predict(mixed)
    assert set(predicted) == {0, 1}
    np.testing.assert_allclose(
        gradcam(est, mixed), gradcam(est, mixed, target=predicted), atol=1e-6
    )
    np.testing.assert_allclose(
        saliency_map(est, mixed), saliency_map(est, mixed, target=predicted), atol=1e-6
    )
    # One label for all images, and the other class gives another map.
    assert not np.allclose(gradcam(est, X[:3], target=0), gradcam(est, X[:3]))
    with pytest.raises(ValueError, match=r"does not know: \[7\]"):
        gradcam(est, X[:3], target=7)


def test_gradient_primitive_values():
    from fashionzoo._backends import current
    from fashionzoo._keras import keras

    x = np.arange(6, dtype=np.float32).reshape(2, 3) - 2
    grad = current().gradient(lambda v: keras.ops.sum(v**3, axis=1), x)
    np.testing.assert_allclose(grad, 3 * x**2)


def test_torch_backend_says_what_works(square_net, monkeypatch):
    import fashionzoo._backends as backends
    from fashionzoo._backends import torch as torch_backend

    with pytest.raises(NotImplementedError, match="tensorflow and jax backends"):
        torch_backend.gradient(lambda v: v, np.zeros(3))
    monkeypatch.setattr(backends, "current", lambda: torch_backend)
    est, X, _ = square_net
    with pytest.raises(NotImplementedError, match="Keras runs on torch"):
        gradcam(est, X[:2])
    with pytest.raises(NotImplementedError, match="KERAS_BACKEND=tensorflow"):
        saliency_map(est, X[:2])


def test_layer_errors(square_net):
    est, X, _ = square_net
    with pytest.raises(ValueError, match="Did you mean 'conv2'"):
        gradcam(est, X[:2], layer="conv22")
    with pytest.raises(ValueError, match="is not a layer with a 4-D feature map"):
        gradcam(est, X[:2], layer="dense1")
    with pytest.raises(ValueError, match="saliency maps are taken at the input"):
        plot_gradcam(est, X[:2], kind="saliency", layer="conv2")
    with pytest.raises(ValueError, match="kind must be one of"):
        plot_gradcam(est, X[:2], kind="cam")


@pytest.mark.parametrize("name", fashionzoo.list_models(kind="network"))
def test_every_network_has_a_default_map_and_a_chain_after_it(name):
    from fashionzoo.models import build_model
    from fashionzoo.plotting._saliency import _find_map, _tail

    model = build_model(name, (28, 28, 1), 10)
    chain = _find_map(model, None)
    assert len(chain[-1].output.shape) == 4
    tail = _tail(model, chain)
    assert type(tail[0]).__name__ in {
        "Flatten",
        "GlobalAveragePooling2D",
        "GlobalMaxPooling2D",
    }
    assert tail[-1].name == "predictions"


def test_skip_connections_after_the_layer_are_refused():
    from fashionzoo.models import build_model
    from fashionzoo.plotting._saliency import _find_map, _tail

    model = build_model("resnet", (28, 28, 1), 10, blocks_per_stage=1, width=4)
    chain = _find_map(model, "stage2_block1_out")
    with pytest.raises(ValueError, match="do not form a chain"):
        _tail(model, chain)


def test_transfer_model_uses_the_backbone_output():
    from fashionzoo.plotting._saliency import _find_map, _path, _tail
    from fashionzoo.testing import make_images

    X, y = make_images(8, 2)
    est = fashionzoo.TransferClassifier(
        backbone="mobilenet_v2", weights=None, epochs=1, batch_size=8, random_state=0
    ).fit(X, y)
    chain = _find_map(est.model_, None)
    assert _path(chain) == "backbone"
    # The Sequential head is opened, so the scores leave its softmax out.
    names = [layer.name for layer in _tail(est.model_, chain)]
    assert names == ["features", "head_dense", "head_dropout", "predictions"]
    maps = gradcam(est, X[:3])
    assert maps.shape == (3, 28, 28)
    assert maps.min() >= 0.0
    assert maps.max() <= 1.0


def test_network_without_feature_map(square_net):
    from fashionzoo._keras import keras

    est, X, _ = square_net
    inputs = keras.Input((28, 28, 1), name="pixels")
    hidden = keras.layers.Flatten()(keras.layers.Rescaling(1 / 255)(inputs))
    mlp = copy.copy(est)
    mlp.model_ = keras.Model(
        inputs, keras.layers.Dense(2, activation="softmax")(hidden), name="mlp"
    )
    with pytest.raises(ValueError, match="needs a convolutional network"):
        gradcam(mlp, X[:2])
    # Saliency works for any network: a linear model's map is |its weights|.
    weights = mlp.model_.layers[-1].kernel.numpy()
    expected = np.abs(weights[:, 1] - weights[:, 0]).reshape(28, 28)
    np.testing.assert_allclose(
        saliency_map(mlp, X[:1], target=1)[0], expected / expected.max(), atol=2e-2
    )


def test_plot_gradcam_display(square_net, tmp_path):
    est, X, _ = square_net
    names = ["noise", "square"]
    display = plot_gradcam(est, X[:6], target_names=names, alpha=0.6)
    assert display.ax_.shape == (1, 6)
    assert display.figure_ is display.ax_[0, 0].figure
    assert len(display.map_artists_) == len(display.image_artists_) == 6
    maps = gradcam(est, X[:6])
    proba = est.predict_proba(X[:6])[:, 1]
    for k, panel in enumerate(display.ax_.ravel()):
        np.testing.assert_allclose(
            display.map_artists_[k].get_array(), maps[k], atol=1e-6
        )
        np.testing.assert_array_equal(display.image_artists_[k].get_array(), X[k])
        assert panel.get_title() == f"square\n{proba[k]:.2f}"
    assert display.figure_._suptitle.get_text().startswith("Grad-CAM")
    _save(display.figure_, tmp_path, "gradcam_squares")

    saliency = plot_gradcam(est, X[:10], kind="saliency", ncols=5)
    assert saliency.ax_.shape == (2, 5)
    np.testing.assert_allclose(
        saliency.map_artists_[9].get_array(), saliency_map(est, X[9:10])[0], atol=1e-5
    )
    assert "saliency" in saliency.figure_._suptitle.get_text()
    _save(saliency.figure_, tmp_path, "saliency_squares")


_JAX_SCRIPT = """
import json, sys
import numpy as np
import fashionzoo, keras
from fashionzoo.datasets import load_sample
from fashionzoo.plotting import gradcam, saliency_map
est = fashionzoo.create_estimator("lenet5", pretrained=True)
X = load_sample().data[:6]
np.savez(sys.argv[1], gradcam=gradcam(est, X), saliency=saliency_map(est, X))
print(json.dumps(keras.backend.backend()))
"""


@pytest.mark.skipif(
    importlib.util.find_spec("jax") is None,
    reason="jax is not installed: the JAX gradient path is not exercised here",
)
def test_jax_backend_agrees_with_tensorflow(tmp_path):
    from fashionzoo.datasets import load_sample

    out = tmp_path / "jax_maps.npz"
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    done = subprocess.run(
        [sys.executable, "-c", _JAX_SCRIPT, str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == "jax"
    est = fashionzoo.create_estimator("lenet5", pretrained=True)
    X = load_sample().data[:6]
    with np.load(out) as jax_maps:
        np.testing.assert_allclose(jax_maps["gradcam"], gradcam(est, X), atol=1e-4)
        np.testing.assert_allclose(
            jax_maps["saliency"], saliency_map(est, X), atol=1e-4
        )
