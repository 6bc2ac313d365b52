"""fashionzoo.evaluation: evaluate(), EvaluationResult, class names, HTML report."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys

import numpy as np
import pytest
from sklearn.linear_model import Perceptron
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
)
from sklearn.neighbors import KNeighborsClassifier

from fashionzoo.datasets import FASHION_MNIST_CLASSES
from fashionzoo.evaluation import (
    EvaluationResult,
    class_names,
    evaluate,
    render_html_report,
    write_html_report,
)
from fashionzoo.testing import fast_instance


@pytest.fixture(scope="module")
def knn_result(sample_data):
    X, y = sample_data
    knn = KNeighborsClassifier(n_neighbors=3).fit(X[:800], y[:800])
    return knn, X[800:], y[800:], evaluate(knn, X[800:], y[800:])


def test_imports_are_light():
    code = (
        "import sys, fashionzoo.evaluation, fashionzoo.plotting;"
        "print(sorted(m for m in ('sklearn', 'matplotlib', 'keras', 'tensorflow')"
        " if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_evaluate_matches_sklearn_metrics(knn_result):
    knn, X, y, result = knn_result
    y_pred = knn.predict(X)
    assert isinstance(result, EvaluationResult)
    assert result.n_samples == 200
    assert result.accuracy == pytest.approx(accuracy_score(y, y_pred))
    np.testing.assert_array_equal(result.confusion_matrix, confusion_matrix(y, y_pred))
    np.testing.assert_array_equal(result.y_pred, y_pred)
    precision, recall, f1, support = precision_recall_fscore_support(
        y, y_pred, zero_division=0
    )
    np.testing.assert_allclose(result.precision, precision)
    np.testing.assert_allclose(result.recall, recall)
    np.testing.assert_allclose(result.f1, f1)
    np.testing.assert_array_equal(result.support, support)
    assert result.labels == list(range(10))
    assert result.target_names == list(FASHION_MNIST_CLASSES)
    assert result.report["accuracy"] == pytest.approx(result.accuracy)
    assert result.report["Ankle boot"]["support"] == support[9]
    assert "Ankle boot" in result.report_text
    assert result.y_proba.shape == (200, 10)
    assert result.predict_seconds > 0
    assert result.images_per_second == pytest.approx(200 / result.predict_seconds)


def test_result_to_dict_is_json_and_str_is_readable(knn_result):
    *_, result = knn_result
    data = json.loads(json.dumps(result.to_dict()))
    assert data["accuracy"] == pytest.approx(result.accuracy)
    assert data["confusion_matrix"] == result.confusion_matrix.tolist()
    assert data["per_class"]["Shirt"]["recall"] == pytest.approx(result.recall[6])
    assert data["classification_report"]["macro avg"]["f1-score"] > 0
    assert "y_pred" not in data
    full = json.loads(json.dumps(result.to_dict(include_predictions=True)))
    assert len(full["y_pred"]) == 200
    assert len(full["y_proba"][0]) == 10
    text = str(result)
    assert text.splitlines()[0] == "KNeighborsClassifier on 200 images"
    assert f"accuracy: {result.accuracy:.4f}" in text
    assert "images/s" in text
    assert "T-shirt/top" in text


def test_evaluate_without_predict_proba(sample_data):
    X, y = sample_data
    model = Perceptron(random_state=0).fit(X[:500], y[:500])
    result = evaluate(
        model, X[500:600], y[500:600], target_names=[f"c{i}" for i in range(10)]
    )
    assert result.y_proba is None
    assert result.target_names[3] == "c3"
    assert result.accuracy == pytest.approx(model.score(X[500:600], y[500:600]))


def test_evaluate_zoo_estimator(tiny_data):
    from fashionzoo import LeNet5Classifier

    X, y = tiny_data
    est = fast_instance(LeNet5Classifier, epochs=2).fit(X, y)
    result = evaluate(est, X, y)
    assert result.estimator == "LeNet5Classifier"
    assert result.target_names == ["T-shirt/top", "Trouser", "Pullover"]
    np.testing.assert_allclose(result.y_proba, est.predict_proba(X), rtol=1e-6)
    np.testing.assert_array_equal(result.y_pred, est.predict(X))


def test_evaluate_length_mismatch(knn_result):
    knn, X, y, _ = knn_result
    with pytest.raises(ValueError, match="different lengths"):
        evaluate(knn, X, y[:-1])


def test_class_names():
    assert class_names([0, 6, 9]) == ["T-shirt/top", "Shirt", "Ankle boot"]
    assert class_names(np.array([1.0, 2.0])) == ["Trouser", "Pullover"]
    assert class_names(["cat", "dog"]) == ["cat", "dog"]
    assert class_names([10, 11]) == ["10", "11"]
    assert class_names([0, 1], ["a", "b"]) == ["a", "b"]
    assert class_names([1, 2], ["a", "b", "c", "d"]) == ["b", "c"]
    with pytest.raises(ValueError, match="one name per class"):
        class_names(["x", "y", "z"], ["a", "b"])


def test_html_report_is_self_contained(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    png = b"\x89PNG\r\n\x1a\n" + b"fake"
    page = render_html_report(
        title="A <b>title</b>",
        meta={"command": "fashionzoo compare a b"},
        summary=[
            {"model": "a", "acc": 0.91234, "time": 12.34, "n": 1000},
            {"model": "b"},
        ],
        highlight=0,
        figures={"Figure one": fig, "Figure two": png},
        texts={"Report": "x < y"},
    )
    plt.close(fig)
    assert page.startswith("<!DOCTYPE html>")
    assert "A &lt;b&gt;title&lt;/b&gt;" in page
    assert "x &lt; y" in page
    assert '<tr class="best">' in page
    assert ">0.9123<" in page
    assert ">12.3<" in page
    assert ">1,000<" in page
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 2
    assert base64.b64decode(images[0]).startswith(b"\x89PNG")
    assert base64.b64decode(images[1]) == png
    assert "http://" not in page
    assert "https://" not in page
    path = write_html_report(tmp_path / "r.html", title="t")
    assert path.read_text(encoding="utf-8").count("<h1>t</h1>") == 1


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_compare_summarises_scikit_learn_models_with_array_n_iter():
    from sklearn.linear_model import LogisticRegression

    from fashionzoo.datasets import load_sample
    from fashionzoo.evaluation import compare

    X, y = load_sample(return_X_y=True)
    X = X.reshape(len(X), -1) / 255
    models = {"logreg": LogisticRegression(max_iter=50), "knn": KNeighborsClassifier()}
    result = compare(models, X[:600], y[:600], X[600:], y[600:], folds=2)
    rows = {row["model"]: row for row in result.summary()}
    assert set(rows) == {"logreg", "knn"}
    assert "epochs" not in rows["logreg"]  # its n_iter_ is an array of iterations
    assert 0.5 < rows["logreg"]["test accuracy"] <= 1.0


# ------------------------------------------- labels of another kind (#30)
MISMATCH = "The model's classes do not match the labels"


def _named(y):
    return np.asarray(FASHION_MNIST_CLASSES)[y]


def _check_mismatch_message(message, given_first):
    assert MISMATCH in message
    assert "classes_ = ['Ankle boot', 'Bag'" in message  # the model's, with type
    assert "str" in message
    assert f"[{given_first!r}" in message  # a few of the given labels
    assert "int64" in message
    assert "class_names(y)" in message  # what to do


def test_evaluate_says_the_classes_do_not_match_the_labels(sample_data):
    X, y = sample_data
    knn = KNeighborsClassifier().fit(X[:800], _named(y[:800]))
    with pytest.raises(ValueError, match=MISMATCH) as info:
        evaluate(knn, X[800:], y[800:])
    _check_mismatch_message(str(info.value), int(y[800]))
    # the matching labels still evaluate
    assert evaluate(knn, X[800:], _named(y[800:])).n_samples == 200


def test_evaluate_without_classes_compares_the_predictions(sample_data):
    X, y = sample_data

    class NoClasses:
        def predict(self, X):
            return _named(np.zeros(len(X), dtype=int))

    with pytest.raises(ValueError, match=MISMATCH):
        evaluate(NoClasses(), X[:10], y[:10])


def test_compare_says_the_classes_do_not_match_the_labels(sample_data):
    from fashionzoo.evaluation import compare

    X, y = sample_data
    with pytest.raises(ValueError, match=MISMATCH) as info:
        compare(
            {"knn": KNeighborsClassifier()},
            X[:600],
            _named(y[:600]),
            X[600:],
            y[600:],
            folds=2,
        )
    _check_mismatch_message(str(info.value), int(y[600]))


def test_score_says_the_classes_do_not_match_the_labels(tiny_data):
    from fashionzoo.estimators import LeNet5Classifier

    X, y = tiny_data
    est = fast_instance(LeNet5Classifier).fit(X, np.array(["a", "b", "c"])[y])
    with pytest.raises(ValueError, match=MISMATCH) as info:
        est.score(X, y)
    message = str(info.value)
    assert MISMATCH in message
    assert "classes_ = ['a', 'b', 'c'] (<U1, str)" in message
    assert "int64" in message
    assert 0 < est.score(X, np.array(["a", "b", "c"])[y]) <= 1
