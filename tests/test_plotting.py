"""fashionzoo.plotting: each plot is drawn with Agg and checked for what it shows.

Every test also saves its figure as a PNG under ``tmp_path`` (and under
``$FASHIONZOO_TEST_PLOTS`` when that variable names a folder, to look at them).
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier

from fashionzoo import plotting
from fashionzoo.datasets import FASHION_MNIST_CLASSES
from fashionzoo.testing import fast_instance

matplotlib.use("Agg")  # no window, whatever the environment says

NAMES = list(FASHION_MNIST_CLASSES)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def save(tmp_path):
    """save(figure_or_axes, name): write a PNG and return its path."""
    extra = os.environ.get("FASHIONZOO_TEST_PLOTS")

    def _save(obj, name: str) -> Path:
        fig = getattr(obj, "figure_", None) or getattr(obj, "figure", None) or obj
        path = tmp_path / f"{name}.png"
        fig.savefig(path, dpi=80)
        if extra:
            Path(extra).mkdir(parents=True, exist_ok=True)
            fig.savefig(Path(extra) / f"{name}.png", dpi=100)
        assert path.stat().st_size > 5_000  # something was drawn
        return path

    return _save


@pytest.fixture(scope="module")
def fitted():
    """A LeNet-5 with augmentation fitted on tiny 3-class data, and its data."""
    from fashionzoo import LeNet5Classifier
    from fashionzoo.testing import make_images

    X, y = make_images(20, 3)
    est = fast_instance(LeNet5Classifier, epochs=2, augment="light").fit(X, y)
    return est, X, y


def tick_texts(labels) -> list[str]:
    return [t.get_text() for t in labels]


# ------------------------------------------------------------------- data
def test_plot_samples_rows_are_classes(sample_data, save):
    X, y = sample_data
    ax = plotting.plot_samples(X, y, n_per_class=6)
    assert tick_texts(ax.get_yticklabels()) == NAMES
    grid = ax.images[0].get_array()
    assert grid.shape == (10 * 29 - 1, 6 * 29 - 1)
    # every tile is an image of the class of its row, in the image's own pixels
    images = X.reshape(-1, 28, 28)
    for row in (0, 9):
        tile = np.asarray(grid[row * 29 : row * 29 + 28, 0:28])
        matches = [
            i for i in np.flatnonzero(y == row) if np.array_equal(images[i], tile)
        ]
        assert len(matches) == 1
    # separators are NaN (drawn grey)
    assert np.isnan(np.asarray(grid.filled(np.nan))[28]).all()
    save(ax, "samples")


def test_plot_samples_short_class_and_own_axes(save):
    X = np.zeros((5, 784), dtype=np.uint8)
    y = np.array([0, 0, 0, 1, 1])
    _, ax = plt.subplots()
    assert plotting.plot_samples(X, y, n_per_class=3, ax=ax) is ax
    grid = np.asarray(ax.images[0].get_array().filled(np.nan))
    assert np.isnan(grid[29:, 58:]).all()  # class 1 has 2 images: third tile blank
    assert tick_texts(ax.get_yticklabels()) == ["T-shirt/top", "Trouser"]
    with pytest.raises(ValueError, match="labels"):
        plotting.plot_samples(X, y[:-1])


def test_plot_class_balance(sample_data, save):
    _, y = sample_data
    ax = plotting.plot_class_balance({"train": y[:800], "test": y[800:]})
    assert tick_texts(ax.get_yticklabels()) == NAMES
    train, test = ax.containers
    assert [b.get_width() for b in train] == np.bincount(y[:800]).tolist()
    assert [b.get_width() for b in test] == np.bincount(y[800:]).tolist()
    assert tick_texts(ax.get_legend().get_texts()) == ["train", "test"]
    assert "train 800" in ax.get_title()
    save(ax, "class_balance")


def test_plot_pixel_correlation(sample_data, save):
    X, _ = sample_data
    ax = plotting.plot_pixel_correlation(X)
    corr = np.asarray(ax.images[0].get_array().filled(np.nan))
    assert corr.shape == (784, 784)
    varying = X.std(axis=0) > 0
    assert not varying.all()  # the sample has always-black corner pixels ...
    assert np.isnan(corr[~varying]).all()  # ... drawn as missing, not as 0
    expected = np.corrcoef(X[:, varying].T.astype(float))
    np.testing.assert_allclose(corr[np.ix_(varying, varying)], expected, atol=1e-9)
    assert len(ax.figure.axes) == 2  # the colour bar
    assert "784 pixels" in ax.get_title()
    save(ax, "pixel_correlation")


def test_plot_tsne_is_stratified_and_seeded(sample_data, save):
    from threadpoolctl import threadpool_limits

    X, y = sample_data
    # One OpenMP thread: on a busy 2-core machine Barnes-Hut's threads spin
    # (50 s instead of 2 s for 150 points).
    with threadpool_limits(limits=1, user_api="openmp"):
        ax = plotting.plot_tsne(X, y, n_samples=100, random_state=0)
        again = plotting.plot_tsne(X, y, n_samples=100, random_state=0)
    assert tick_texts(ax.get_legend().get_texts()) == NAMES
    sizes = [len(c.get_offsets()) for c in ax.collections]
    assert sizes == [10] * 10
    np.testing.assert_array_equal(
        ax.collections[3].get_offsets(), again.collections[3].get_offsets()
    )
    assert "100 images" in ax.get_title()
    save(ax, "tsne")


# --------------------------------------------------------------- training
HISTORY = {
    "loss": [1.0, 0.6, 0.5, 0.45],
    "accuracy": [0.6, 0.8, 0.85, 0.9],
    "val_loss": [0.8, 0.6, 0.62, 0.7],
    "val_accuracy": [0.7, 0.8, 0.79, 0.78],
    "learning_rate": [1e-3] * 4,
    "epoch_time": [1.0] * 4,
}


def test_plot_learning_curves_history(save):
    fig = plotting.plot_learning_curves(HISTORY)
    loss, acc = fig.axes
    assert (loss.get_title(), acc.get_title()) == ("Loss", "Accuracy")
    train, val = acc.get_lines()
    assert train.get_xdata().tolist() == [1, 2, 3, 4]
    assert train.get_ydata().tolist() == HISTORY["accuracy"]
    assert val.get_ydata().tolist() == HISTORY["val_accuracy"]
    assert val.get_linestyle() == "--"
    assert tick_texts(loss.get_legend().get_texts()) == ["training", "validation"]
    save(fig, "learning_curves")


def test_plot_learning_curves_several_estimators(fitted, save):
    est, *_ = fitted

    class Stopped:
        history_ = HISTORY
        best_epoch_ = 2

    fig = plotting.plot_learning_curves({"lenet5": est, "other": Stopped()})
    loss = fig.axes[0]
    labels = tick_texts(loss.get_legend().get_texts())
    assert labels == ["lenet5 training", "other training", "other validation"]
    np.testing.assert_allclose(loss.get_lines()[0].get_ydata(), est.history_["loss"])
    assert any(line.get_xdata()[0] == 2 for line in loss.get_lines()[3:])  # best epoch
    with pytest.raises(ValueError, match="available keys"):
        plotting.plot_learning_curves(HISTORY, metrics=("top5",))
    with pytest.raises(TypeError, match="history"):
        plotting.plot_learning_curves(42)
    save(fig, "learning_curves_several")


def test_plot_learning_curves_on_given_axes():
    fig, axes = plt.subplots(1, 2)
    out = plotting.plot_learning_curves(
        {"loss": [1.0, 0.5], "accuracy": [0.5, 0.7]}, ax=axes
    )
    assert out is fig
    assert "no validation data" not in (
        fig._suptitle.get_text() if fig._suptitle else ""
    )
    assert axes[1].get_title() == "Accuracy"


def test_plot_cv_scores(save):
    scores = {
        "lenet5": [0.90, 0.91, 0.89, 0.905, 0.90],
        "cnn": {"test_score": [0.92, 0.93]},
    }
    ax = plotting.plot_cv_scores(scores)
    labels = tick_texts(ax.get_xticklabels())
    assert labels[0] == "lenet5\n0.9010 ± 0.0066"
    assert labels[1].startswith("cnn\n0.9250")
    np.testing.assert_allclose(ax.collections[0].get_offsets()[:, 1], scores["lenet5"])
    np.testing.assert_allclose(ax.collections[1].get_offsets()[:, 1], [0.92, 0.93])
    assert ax.get_ylabel() == "accuracy"
    assert "2/5 folds" in ax.get_title()
    save(ax, "cv_scores")
    strip = plotting.plot_cv_scores(np.array([0.8, 0.9]), kind="strip")
    assert tick_texts(strip.get_xticklabels()) == ["0.8500 ± 0.0500"]
    with pytest.raises(ValueError, match="kind"):
        plotting.plot_cv_scores(scores, kind="violin")


def test_plot_grid_search_best_over_other_params(sample_data, save):
    X, y = sample_data
    grid = {"n_neighbors": [1, 5, 9], "weights": ["uniform", "distance"], "p": [1, 2]}
    search = GridSearchCV(KNeighborsClassifier(), grid, cv=2).fit(X[:300], y[:300])
    ax = plotting.plot_grid_search(search, "n_neighbors", "param_weights")
    heat = np.asarray(ax.images[0].get_array())
    assert heat.shape == (2, 3)
    results = search.cv_results_
    for i, w in enumerate(["distance", "uniform"]):
        for j, k in enumerate([1, 5, 9]):
            rows = [
                s
                for p, s in zip(
                    results["params"], results["mean_test_score"], strict=True
                )
                if p["n_neighbors"] == k and p["weights"] == w
            ]
            assert heat[i, j] == pytest.approx(max(rows))
    assert tick_texts(ax.get_xticklabels()) == ["1", "5", "9"]
    assert tick_texts(ax.get_yticklabels()) == ["distance", "uniform"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("n_neighbors", "weights")
    assert "best over p" in ax.get_title()
    assert len(ax.patches) == 1  # the best cell is outlined
    save(ax, "grid_search")
    with pytest.raises(ValueError, match="no parameter 'k'"):
        plotting.plot_grid_search(search.cv_results_, "k", "p")
    with pytest.raises(TypeError, match="GridSearchCV"):
        plotting.plot_grid_search(KNeighborsClassifier(), "a", "b")


# ---------------------------------------------------------------- results
@pytest.fixture(scope="module")
def predictions():
    rng = np.random.default_rng(0)
    y_true = np.repeat(np.arange(10), 20)
    y_pred = np.where(rng.random(200) < 0.8, y_true, rng.integers(0, 10, 200))
    return y_true, y_pred


def test_plot_confusion_matrix_counts(predictions, save):
    y_true, y_pred = predictions
    disp = plotting.plot_confusion_matrix(y_true, y_pred)
    expected = confusion_matrix(y_true, y_pred)
    np.testing.assert_array_equal(disp.confusion_matrix, expected)
    np.testing.assert_array_equal(disp.im_.get_array(), expected)
    assert tick_texts(disp.ax_.get_xticklabels()) == NAMES
    assert tick_texts(disp.ax_.get_yticklabels()) == NAMES
    assert disp.text_[0, 0].get_text() == str(expected[0, 0])
    assert disp.ax_.get_title() == "Confusion matrix, counts"
    save(disp, "confusion_counts")


def test_plot_confusion_matrix_normalised(predictions, save):
    y_true, y_pred = predictions
    _, ax = plt.subplots(figsize=(8, 7))
    disp = plotting.plot_confusion_matrix(y_true, y_pred, normalize="true", ax=ax)
    assert disp.ax_ is ax
    matrix = disp.im_.get_array()
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
    zero = np.argwhere(matrix == 0)[0]
    assert disp.text_[tuple(zero)].get_text() == ""  # 0.00 cells are left blank
    assert "recall on the diagonal" in disp.ax_.get_title()
    save(disp, "confusion_normalised")
    with pytest.raises(ValueError, match="normalize"):
        plotting.plot_confusion_matrix(y_true, y_pred, normalize="rows")


def test_plot_per_class_metrics(predictions, save):
    y_true, y_pred = predictions
    ax = plotting.plot_per_class_metrics(
        y_true, y_pred, metrics=("precision", "recall", "f1")
    )
    precision, recall, f1, _ = precision_recall_fscore_support(y_true, y_pred)
    bars = ax.containers
    assert [c.get_label() for c in bars] == ["precision", "recall", "f1"]
    np.testing.assert_allclose([b.get_width() for b in bars[0]], precision)
    np.testing.assert_allclose([b.get_width() for b in bars[1]], recall)
    np.testing.assert_allclose([b.get_width() for b in bars[2]], f1)
    assert tick_texts(ax.get_yticklabels()) == NAMES
    assert "precision, recall and f1" in ax.get_title(loc="left")
    save(ax, "per_class_metrics")
    with pytest.raises(ValueError, match="metrics"):
        plotting.plot_per_class_metrics(y_true, y_pred, metrics=("auc",))


def test_plot_confident_errors_order_and_titles(sample_data, save):
    X, y = sample_data
    X, y = X[:50], y[:50]
    proba = np.full((50, 10), 0.01)
    proba[np.arange(50), y] = 0.91  # right, except:
    wrong = {3: (0.97, 6), 7: (0.55, 2), 11: (0.80, 0)}
    for i, (p, k) in wrong.items():
        proba[i] = (1 - p) / 9
        proba[i, k] = p
    fig = plotting.plot_confident_errors(X, y, proba, n_images=16)
    panels = [a for a in fig.axes if a.images]
    assert len(panels) == 3
    order = [3, 11, 7]  # most confident first
    for panel, i in zip(panels, order, strict=True):
        np.testing.assert_array_equal(panel.images[0].get_array(), X[i].reshape(28, 28))
        true, pred = panel.get_title().split("\n")
        assert true == f"true: {NAMES[y[i]]}"
        assert pred == f"pred: {NAMES[wrong[i][1]]} ({wrong[i][0]:.2f})"
    assert "3 most confident errors (3 wrong of 50 images)" in fig._suptitle.get_text()
    save(fig, "confident_errors")


def test_plot_confident_errors_from_estimator_and_no_errors(fitted):
    est, X, y = fitted
    fig = plotting.plot_confident_errors(X, y, est, n_images=4)
    y_pred = est.predict(X)
    assert len([a for a in fig.axes if a.images]) == min(4, int((y_pred != y).sum()))
    perfect = np.eye(3)[y]
    fig = plotting.plot_confident_errors(X, y, perfect, classes=[0, 1, 2])
    assert [t.get_text() for t in fig.axes[0].texts] == ["No errors"]
    with pytest.raises(ValueError, match="same images"):
        plotting.plot_confident_errors(X, y, perfect[:-1])


def test_plot_confident_errors_inside_given_axes(fitted, save):
    est, X, y = fitted
    fig, ax = plt.subplots(figsize=(6, 6))
    out = plotting.plot_confident_errors(
        X, y, est.predict_proba(X) * 0 + [0.2, 0.5, 0.3], ax=ax
    )
    assert out is fig
    assert not ax.axison
    assert "most confident errors" in ax.get_title()
    assert all(a.get_position().width < ax.get_position().width for a in fig.axes[1:])


# ------------------------------------------------------------- feature maps
def test_conv_layers_walk_nested_network(fitted):
    est, *_ = fitted
    assert [type(x).__name__ for x in est.model_.layers][-2:] == [
        "Sequential",
        "Functional",
    ]
    assert plotting.conv_layers(est) == ["lenet5/conv1", "lenet5/conv2"]


def test_feature_maps_match_the_inner_network(fitted):
    import keras

    est, X, _ = fitted
    network = est.model_.get_layer("lenet5")
    for layer, shape in (("conv1", (2, 28, 28, 6)), (-1, (2, 10, 10, 16))):
        maps = plotting.feature_maps(est, X[:2], layer)
        assert maps.shape == shape
        conv = network.get_layer("conv1" if layer == "conv1" else "conv2")
        expected = keras.Model(network.input, conv.output)(
            X[:2].reshape(-1, 28, 28, 1).astype("float32") / 255.0, training=False
        )
        np.testing.assert_allclose(maps, np.asarray(expected), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(
        plotting.feature_maps(est, X[0], "lenet5/conv2"),
        plotting.feature_maps(est, X[:1], 1),
    )
    with pytest.raises(ValueError, match="Did you mean 'conv2'"):
        plotting.feature_maps(est, X[0], "conv3")
    with pytest.raises(IndexError, match="2 convolution layers"):
        plotting.feature_maps(est, X[0], 5)
    with pytest.raises(TypeError, match="fit"):
        plotting.feature_maps(object(), X[0])


def test_plot_feature_maps(fitted, save):
    est, X, _ = fitted
    fig = plotting.plot_feature_maps(est, X[0], "conv2")
    maps = plotting.feature_maps(est, X[0], "conv2")
    panels = [a for a in fig.axes if a.images]
    assert len(panels) == 17
    assert panels[0].get_title() == "input"
    np.testing.assert_array_equal(
        panels[0].images[0].get_array(), X[0].astype(np.float32)
    )
    for k in (0, 15):
        assert panels[k + 1].get_title().startswith(f"filter {k}")
        np.testing.assert_array_equal(
            panels[k + 1].images[0].get_array(), maps[0, :, :, k]
        )
    assert (
        fig._suptitle.get_text() == "Feature maps of lenet5/conv2: 16 filters of 10x10"
    )
    save(fig, "feature_maps")
    few = plotting.plot_feature_maps(est, X[0], max_maps=3)
    assert len([a for a in few.axes if a.images]) == 4
    assert "6 filters of 28x28, first 3" in few._suptitle.get_text()
