"""The frozen patch-whitening first layer: its kernel, its fit, its file (exports: test_export)."""

from __future__ import annotations

import numpy as np
import pytest

from fashionzoo import FastResNetClassifier
from fashionzoo.models.whitening import adapt_whitening, whitening_kernel
from fashionzoo.testing import fast_instance, make_images


def patches(images, patch=2):
    """Every stride-1 patch as a row, in a Conv2D kernel's (row, col, channel) order."""
    _, h, w, c = images.shape
    return np.stack(
        [
            images[:, i : i + h - patch + 1, j : j + w - patch + 1, k].reshape(-1)
            for i in range(patch)
            for j in range(patch)
            for k in range(c)
        ],
        axis=1,
    )


@pytest.fixture(scope="module")
def correlated():
    """Smooth images: neighbouring pixels strongly correlated, as in photographs."""
    rng = np.random.default_rng(0)
    noise = rng.random((200, 30, 30, 1))
    return (noise[:, 1:-1, 1:-1] + noise[:, 2:, 1:-1] + noise[:, 1:-1, 2:]) / 3


def test_the_filters_whiten_the_patches(correlated):
    kernel = whitening_kernel(correlated, eps=0.0)
    assert kernel.shape == (2, 2, 1, 8)
    rows = patches(correlated)
    before = rows.T @ rows / len(rows)
    assert abs(before[0, 1]) > 0.5 * before[0, 0]  # strongly correlated input
    half = kernel.reshape(4, 8)[:, :4]
    after = (rows @ half).T @ (rows @ half) / len(rows)
    np.testing.assert_allclose(after, np.eye(4), atol=1e-3)


def test_the_second_half_holds_the_negatives_largest_eigenvalue_first(correlated):
    flat = whitening_kernel(correlated).reshape(4, 8)
    np.testing.assert_array_equal(flat[:, 4:], -flat[:, :4])
    rows = patches(correlated)
    energy = np.mean(
        (rows @ (flat[:, :4] / np.linalg.norm(flat[:, :4], axis=0))) ** 2, 0
    )
    assert np.all(np.diff(energy) <= 0)
    # Signs are fixed, so a rerun and a sign-flipped decomposition agree.
    assert np.all(flat[np.argmax(np.abs(flat[:, :4]), axis=0), range(4)] > 0)


def test_eps_damps_the_flat_directions(correlated):
    plain = np.linalg.norm(whitening_kernel(correlated, eps=0.0).reshape(4, 8), axis=0)
    damped = np.linalg.norm(whitening_kernel(correlated, eps=1.0).reshape(4, 8), axis=0)
    assert np.all(damped < plain)


def test_too_small_images_are_refused_with_the_shape():
    with pytest.raises(ValueError, match=r"at least 2x2; got shape \(3, 1, 5, 1\)"):
        whitening_kernel(np.zeros((3, 1, 5, 1)))


def test_a_model_without_the_layer_is_left_alone():
    import keras

    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(2, 2)])
    before = [w.copy() for w in model.get_weights()]
    assert adapt_whitening(model, np.ones((2, 4, 4, 1))) is False
    for old, new in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)


@pytest.fixture(scope="module")
def data():
    return make_images(10, 3)


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return fast_instance(FastResNetClassifier, whiten=True, epochs=2).fit(X, y)


def whiten_layer(estimator):
    return estimator.model_.get_layer("fast_resnet").get_layer("whiten")


def test_fit_computes_the_layer_from_its_images_and_never_trains_it(fitted, data):
    X, _ = data
    layer = whiten_layer(fitted)
    assert not layer.trainable
    assert all(
        v.path.split("/")[0] != "whiten" for v in fitted.model_.trainable_variables
    )
    expected = whitening_kernel(X.reshape(-1, 28, 28, 1).astype(np.float32) / 255)
    np.testing.assert_allclose(layer.kernel.numpy(), expected, rtol=1e-6)
    assert fitted.history_["loss"][-1] < fitted.history_["loss"][0]


def test_the_same_seed_gives_the_same_predictions(fitted, data):
    X, y = data
    again = fast_instance(FastResNetClassifier, whiten=True, epochs=2).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), fitted.predict_proba(X))


def test_it_saves_and_loads(fitted, data, tmp_path):
    from fashionzoo.saving import load

    X, _ = data
    loaded = load(fitted.save(tmp_path / "whitened.fzoo"))
    assert loaded.whiten is True
    np.testing.assert_array_equal(
        whiten_layer(loaded).kernel.numpy(), whiten_layer(fitted).kernel.numpy()
    )
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))


def test_whiten_must_be_a_bool(data):
    X, y = data
    with pytest.raises(ValueError, match="'whiten' parameter"):
        fast_instance(FastResNetClassifier, whiten="yes").fit(X, y)
