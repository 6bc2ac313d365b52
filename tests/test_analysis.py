"""Understanding a trained model: calibration, embeddings, suspect labels."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

import fashionzoo
from fashionzoo.evaluation import (
    brier_score,
    evaluate,
    expected_calibration_error,
    find_label_issues,
    find_suspect_labels,
    log_loss,
    nearest_images,
    reliability_bins,
)
from fashionzoo.testing import fast_instance, make_images


@pytest.fixture(scope="module")
def sample():
    return fashionzoo.datasets.load_sample(return_X_y=True)


@pytest.fixture(scope="module")
def test_images():
    from fashionzoo.datasets import fetch_fashion_mnist, stratified_subset

    X, y = fetch_fashion_mnist("test", return_X_y=True)
    return stratified_subset(X, y, 1000, random_state=0)


@pytest.fixture(scope="module")
def lenet5():
    return fashionzoo.create_estimator("lenet5", pretrained=True)


# ---------------------------------------------------------------- calibration
def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class Overconfident(ClassifierMixin, BaseEstimator):
    """X holds the true logits; predict_proba is their softmax, sharpened 4x."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return _softmax(4.0 * np.asarray(X))

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def test_temperature_scaling_repairs_a_miscalibrated_model():
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator

    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6000, 4)) * 1.5
    y = np.array([rng.choice(4, p=p) for p in _softmax(logits)])
    model = Overconfident().fit(logits, y)
    before = expected_calibration_error(y[3000:], model.predict_proba(logits[3000:]))
    assert before > 0.15
    calibrated = CalibratedClassifierCV(FrozenEstimator(model), method="temperature")
    calibrated.fit(logits[:3000], y[:3000])  # held out: never the scored half
    after = expected_calibration_error(
        y[3000:], calibrated.predict_proba(logits[3000:])
    )
    assert after < 0.03 < before / 5
    # The truth is calibrated by construction.
    assert expected_calibration_error(y, _softmax(logits)) < 0.03


def test_calibration_figures_by_hand():
    proba = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.2, 0.8]])
    y = np.array([0, 1, 0, 1])
    bins = reliability_bins(y, proba, n_bins=5)
    assert bins.count.tolist() == [0, 0, 1, 1, 2]  # 0.6 -> (0.4, 0.6]; 0.8; 0.9 x2
    assert bins.accuracy[4] == 0.5
    assert bins.ece == pytest.approx((2 * 0.4 + 1 * 0.4 + 1 * 0.2) / 4)
    assert log_loss(y, proba) == pytest.approx(-np.mean(np.log([0.9, 0.1, 0.6, 0.8])))
    assert brier_score(y, proba) == pytest.approx(np.mean([0.02, 1.62, 0.32, 0.08]))
    labels = np.array(["coat", "shirt"])
    assert expected_calibration_error(labels[y], proba, classes=labels) == bins.ece * 1
    with pytest.raises(ValueError, match=r"labels \['dress'\] that are not among"):
        log_loss(["coat", "dress", "coat", "coat"], proba, classes=labels)


def test_evaluate_reports_calibration_and_the_cards_agree(test_images):
    X, y = test_images
    result = evaluate(fashionzoo.InferenceModel("lenet5"), X, y)
    assert result.ece == pytest.approx(
        expected_calibration_error(y, result.y_proba), abs=1e-12
    )
    assert 0 < result.log_loss < 1
    assert 0 < result.brier_score < 1
    assert "ECE (15 bins)" in str(result)
    assert result.to_dict()["ece"] == result.ece
    for name in fashionzoo.pretrained.list_pretrained():
        entry = fashionzoo.pretrained.model_card(name)["calibration"]
        assert (
            entry["test"]["accuracy"]
            == fashionzoo.pretrained.model_card(name)["test_accuracy"]
        )
        assert (
            entry["temperature_scaling"]["test"]["accuracy"]
            == entry["test"]["accuracy"]
        )
        assert entry["ece_bins"] == 15


def test_plot_reliability(test_images, tmp_path):
    from fashionzoo.plotting import ReliabilityDisplay, plot_reliability

    X, y = test_images
    results = {
        name: evaluate(fashionzoo.InferenceModel(name), X, y)
        for name in ("lenet5", "cnn_bn4")
    }
    disp = plot_reliability(results)
    assert sorted(disp.lines_) == ["cnn_bn4", "lenet5"]
    assert disp.lines_["lenet5"].get_label().startswith("lenet5 (ECE 0.0")
    assert len(disp.count_ax_.patches) == 2 * 15
    assert sum(p.get_height() for p in disp.count_ax_.patches) == 2 * len(y)
    single = ReliabilityDisplay.from_predictions(y, results["lenet5"].y_proba, name="l")
    assert f"ECE {results['lenet5'].ece:.4f}" in single.ax_.get_title()
    disp.figure_.savefig(tmp_path / "reliability.png")


# ----------------------------------------------------------------- embeddings
def test_every_network_embeds_with_its_last_hidden_layer(sample):
    X, _ = sample
    widths = {
        "lenet5": 32,
        "cnn_dropout": 128,
        "cnn_bn4": 128,
        "resnet": 64,
        "cnn004": 512,
        "fast_resnet": 128,
    }
    for name, width in widths.items():
        est = fashionzoo.create_estimator(name, pretrained=True)
        z = est.embed(X[:20])
        assert z.shape == (20, width)
        assert z.dtype == np.float32
        np.testing.assert_allclose(est.embed(X[:2]), z[:2], atol=1e-5)
        head = est.model_.get_layer(name).get_layer("predictions")
        kernel, bias = head.get_weights()
        logits = z @ kernel + bias  # the head's input, so the head gives predict_proba
        if not est.tta:
            np.testing.assert_allclose(
                _softmax(logits), est.predict_proba(X[:20]), atol=1e-4
            )


def test_knn_on_embeddings_beats_knn_on_pixels(lenet5, sample, test_images):
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, y = sample
    X_test, y_test = test_images
    pixels = KNeighborsClassifier(5).fit(X, y).score(X_test, y_test)
    embedded = make_pipeline(FunctionTransformer(lenet5.embed), KNeighborsClassifier(5))
    score = embedded.fit(X, y).score(X_test, y_test)
    assert score > pixels + 0.03
    from sklearn.base import is_classifier

    assert is_classifier(lenet5)  # embed is no transform: still a classifier
    assert not hasattr(lenet5, "transform")


def test_nearest_images_and_tsne_of_embeddings(lenet5, sample):
    import matplotlib

    matplotlib.use("Agg")
    from fashionzoo.plotting import plot_tsne

    X, y = sample
    distances, indices = nearest_images(lenet5, X[:5], X, n_neighbors=3)
    assert indices[:, 0].tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(distances[:, 0], 0, atol=1e-5)
    assert (np.diff(distances, axis=1) >= 0).all()
    assert (y[indices[:, 1]] == y[:5]).mean() >= 0.8
    with pytest.raises(ValueError, match="more than the 2 pool images"):
        nearest_images(lenet5, X[:1], X[:2], n_neighbors=3)
    ax = plot_tsne(lenet5.embed(X[:200]), y[:200], features=True, n_samples=200)
    assert len(ax.collections) == len(np.unique(y[:200]))
    assert "embeddings" in ax.get_title()


# ------------------------------------------------------------ suspect labels
def _planted(y, n, seed=0):
    rng = np.random.default_rng(seed)
    flipped = rng.choice(len(y), n, replace=False)
    noisy = y.copy()
    noisy[flipped] = (y[flipped] + rng.integers(1, 10, n)) % 10
    return noisy, flipped


def test_planted_label_flips_are_among_the_top_suspects(lenet5, sample):
    X, y = sample
    noisy, flipped = _planted(y, 10)
    found = find_label_issues(noisy, lenet5.predict_proba(X))
    assert np.isin(flipped, found.index[:20]).sum() >= 6
    assert (found.given == noisy[found.index]).all()
    assert (np.diff(found.self_confidence) >= 0).all()  # most suspect first
    rows = found.rows(3)
    assert set(rows[0]) == {"index", "given", "suggested", "score"}


def test_confident_learning_matches_cleanlab(lenet5, sample):
    cleanlab = pytest.importorskip("cleanlab.filter")
    X, y = sample
    noisy, _ = _planted(y, 30, seed=1)
    proba = lenet5.predict_proba(X).astype(np.float64)
    proba /= proba.sum(axis=1, keepdims=True)
    theirs = cleanlab.find_label_issues(
        noisy,
        proba,
        filter_by="prune_by_noise_rate",
        return_indices_ranked_by="self_confidence",
    )
    np.testing.assert_array_equal(find_label_issues(noisy, proba).index, theirs)


def test_find_suspect_labels_scores_out_of_fold(tmp_path):
    X, y = make_images(40, 3)
    noisy = y.copy()
    flipped = np.array([0, 1, 2, 3])
    noisy[flipped] = (y[flipped] + 1) % 3
    est = fast_instance(fashionzoo.LeNet5Classifier, epochs=3)
    found = find_suspect_labels(est, X, noisy, cv=3)
    assert found.proba.shape == (120, 3)
    assert np.isin(flipped, found.index).sum() >= 2
    assert np.isin(found.index[:2], flipped).all()  # the likeliest are planted
    with pytest.raises(ValueError, match="proba must have shape"):
        find_label_issues(noisy, found.proba[:, :2])
