"""The classic baselines: scikit-learn pipelines registered beside the networks.

Parametrized over ``list_models(kind="baseline")``, so a new baseline is
tested without editing this file (it needs an entry in
``fashionzoo.testing.FAST_BASELINE_PARAMS``). Each fits the 1,000-image
sample in a second or two; the accuracy goals on the full data are the slow
test at the end.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import pickle
import re
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline

import fashionzoo
import fashionzoo.zoo
from fashionzoo.exceptions import UnknownModelError
from fashionzoo.models import baselines, build_model, get_model_spec
from fashionzoo.pretrained import NoPretrainedWeightsError
from fashionzoo.testing import FAST_BASELINE_PARAMS

BASELINES = fashionzoo.list_models(kind="baseline")
HAS_XGBOOST = importlib.util.find_spec("xgboost") is not None

#: One pipeline parameter per baseline for the grid-search test.
GRIDS = {
    "logistic_regression": {"classifier__C": [0.03, 0.1]},
    "random_forest": {"classifier__max_features": ["sqrt", "log2"]},
    "hist_gradient_boosting": {"classifier__learning_rate": [0.1, 0.3]},
    "svc": {"pca__n_components": [20, 30]},
    "knn": {"classifier__n_neighbors": [3, 6]},
    "xgboost": {"classifier__max_depth": [2, 3]},
}

#: The figure of each family in the dataset authors' table (study 002 for xgboost).
GOALS = {
    "svc": 0.897,
    "hist_gradient_boosting": 0.88,
    "random_forest": 0.87,
    "logistic_regression": 0.84,
    "knn": 0.86,
    "xgboost": 0.8472,
}


def _params(name):
    if name == "xgboost" and not HAS_XGBOOST:
        pytest.skip('xgboost is not installed (pip install "fashionzoo[xgboost]")')
    return FAST_BASELINE_PARAMS[name]


@pytest.fixture(autouse=True)
def _one_thread():
    """BLAS and OpenMP on one thread, as FAST_BASELINE_PARAMS asks."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def split(sample_data):
    X, y = sample_data
    return train_test_split(X, y, test_size=200, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def fitted(split):
    """Each baseline fitted once on 800 sample images (built on first use)."""
    X_train, _, y_train, _ = split
    cache = {}

    def get(name):
        if name not in cache:
            est = fashionzoo.create_estimator(name, **_params(name))
            cache[name] = est.fit(X_train, y_train)
        return cache[name]

    return get


def _values(est):
    """The pipeline's deep parameters that are values, not steps or estimators."""
    return {
        k: v
        for k, v in est.get_params(deep=True).items()
        if k != "steps" and not hasattr(v, "get_params")
    }


# ---------------------------------------------------------------- catalogue
def test_catalogue_lists_the_baselines_by_kind():
    expected = {
        "logistic_regression",
        "random_forest",
        "hist_gradient_boosting",
        "svc",
        "knn",
        "xgboost",
    }
    assert expected <= set(BASELINES)
    networks = fashionzoo.list_models(kind="network")
    assert "lenet5" in networks
    assert not set(networks) & set(BASELINES)
    assert sorted(fashionzoo.list_models()) == sorted(networks + BASELINES)
    assert fashionzoo.list_models("l*", kind="baseline") == ["logistic_regression"]
    assert fashionzoo.list_models(kind="baseline", pretrained=True) == []
    assert set(BASELINES) <= set(FAST_BASELINE_PARAMS), "add fast test parameters"


def test_unknown_kind_names_the_choices():
    from fashionzoo.models import list_models as registry_list

    for func in (fashionzoo.list_models, registry_list):
        with pytest.raises(
            ValueError, match=r"'network', 'baseline'.*kind='baselines'"
        ):
            func(kind="baselines")


@pytest.mark.parametrize("name", BASELINES)
def test_metadata(name):
    info = fashionzoo.get_model_info(name)
    spec = get_model_spec(name)
    assert info["kind"] == spec.kind == "baseline"
    assert info["estimator"] == "Pipeline"
    assert info["param_count"] is None
    assert info["pretrained"] is None
    assert info["description"].strip()
    assert "\n" not in info["description"]
    assert "classifier__" in info["notes"]  # says how to set it in a grid
    assert info["reported_accuracy"] == GOALS[name]
    assert info["source"]
    defaults = {
        k: p.default
        for k, p in inspect.signature(spec.builder).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    assert info["recipe"] == info["hyperparameters"] == defaults
    assert "random_state" in defaults
    # Flat scalar parameters, so a command line's --param can set them.
    for key, value in defaults.items():
        assert value is None or isinstance(value, (bool, int, float, str)), key
    assert len(info["class_names"]) == 10


def test_networks_carry_their_kind():
    assert fashionzoo.get_model_info("lenet5")["kind"] == "network"
    assert get_model_spec("best").kind == "network"


def test_xgboost_cites_study_002():
    info = fashionzoo.get_model_info("xgboost")
    assert info["source"] == "002_08f5814733fe32ae.txt"
    assert info["reported_accuracy"] == 0.8472


# ----------------------------------------------------------- construction
@pytest.mark.parametrize("name", BASELINES)
def test_builds_a_fresh_pipeline(name):
    est = fashionzoo.create_estimator(name, **_params(name))
    assert isinstance(est, Pipeline)
    steps = [step for step, _ in est.steps]
    assert steps[0] == "pixels"
    assert steps[-1] == "classifier"
    assert set(steps) <= {"pixels", "pca", "classifier"}
    assert fashionzoo.create_estimator(name) is not fashionzoo.create_estimator(name)
    assert fashionzoo.zoo.estimator_class(name) is Pipeline
    cloned = clone(est)
    assert _values(cloned) == _values(est)
    assert cloned.named_steps["classifier"] is not est.named_steps["classifier"]


@pytest.mark.parametrize("name", BASELINES)
def test_random_state_reaches_every_step_that_has_one(name):
    _params(name)
    est = fashionzoo.create_estimator(name, random_state=7)
    for _, step in est.steps:
        if "random_state" in step.get_params():
            assert step.get_params()["random_state"] == 7


def test_flat_parameters_reach_their_step():
    svc = fashionzoo.create_estimator("svc", C=3.0, n_components=40)
    assert svc.named_steps["classifier"].C == 3.0
    assert svc.named_steps["pca"].n_components == 40
    assert (
        "pca" not in fashionzoo.create_estimator("svc", n_components=None).named_steps
    )
    knn = fashionzoo.create_estimator("knn", n_neighbors=3, n_jobs=1)
    assert knn.named_steps["classifier"].n_neighbors == 3
    assert knn.named_steps["classifier"].n_jobs == 1
    # After creation the pipeline takes scikit-learn's step names.
    svc.set_params(classifier__C=4.0, pca__n_components=20)
    assert svc.named_steps["classifier"].C == 4.0
    assert svc.named_steps["pca"].n_components == 20


def test_defaults_use_every_core():
    for name in ("random_forest", "knn"):
        assert fashionzoo.create_estimator(name).named_steps["classifier"].n_jobs == -1
    if HAS_XGBOOST:
        assert (
            fashionzoo.create_estimator("xgboost").named_steps["classifier"].n_jobs
            == -1
        )


def test_unknown_parameters_and_weights_are_explained():
    with pytest.raises(ValueError, match=r"'c' \(did you mean 'C'\?\)") as info:
        fashionzoo.create_estimator("svc", c=1.0)
    assert "Baseline 'svc' has no parameter(s)" in str(info.value)
    assert "Valid parameters: C, gamma, n_components" in str(info.value)
    with pytest.raises(ValueError, match="did you mean 'n_neighbors'"):
        fashionzoo.create_estimator("knn", n_neighbours=3)
    with pytest.raises(ValueError, match="'epochs'"):
        fashionzoo.create_estimator("random_forest", epochs=3)
    with pytest.raises(
        NoPretrainedWeightsError, match="No pretrained weights for 'svc'"
    ):
        fashionzoo.create_estimator("svc", pretrained=True)
    with pytest.raises(UnknownModelError, match="Did you mean 'svc'"):
        fashionzoo.create_estimator("svm")
    with pytest.raises(TypeError, match="create_estimator\\('knn'\\)"):
        build_model("knn")


def test_xgboost_missing_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "xgboost", None)
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "xgboost" else real(name, *a),
    )
    with pytest.raises(ImportError, match=r'pip install "fashionzoo\[xgboost\]"'):
        fashionzoo.create_estimator("xgboost")
    assert "xgboost" in fashionzoo.list_models(kind="baseline")
    assert fashionzoo.get_model_info("xgboost")["kind"] == "baseline"


# ------------------------------------------------------------------ pixels
def test_scale_pixels_takes_every_image_shape():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    expected = images.reshape(3, 784).astype(np.float32) / np.float32(255)
    for X in (images, images.reshape(3, 784), images[..., None]):
        out = baselines.scale_pixels(X)
        assert out.dtype == np.float32
        assert out.shape == (3, 784)
        np.testing.assert_array_equal(out, expected)
    # floats in 0-255 and floats already in [0, 1] give the same rows
    np.testing.assert_array_equal(
        baselines.scale_pixels(images.astype(float)), expected
    )
    np.testing.assert_array_equal(baselines.scale_pixels(images / 255.0), expected)
    assert baselines.scale_pixels(np.ones((1, 784), dtype=bool)).max() == 1.0
    assert baselines.scale_pixels(np.zeros((0, 784), dtype=np.uint8)).shape == (0, 784)


@pytest.mark.parametrize(
    ("X", "match"),
    [
        (np.zeros(784), "no batch of grayscale images"),
        (np.zeros((2, 28, 28, 3)), "no batch of grayscale images"),
        (np.linspace(0, 300, 784)[None], r"in \[0, 255\]; got values from 0 to 300"),
        (np.linspace(-1, 1, 784)[None], r"in \[0, 255\]; got values from -1 to 1"),
        (np.full((1, 784), np.nan), "NaN or infinity"),
        (np.full((1, 784), "a"), "must hold numbers"),
    ],
)
def test_scale_pixels_refuses_what_is_no_image(X, match):
    with pytest.raises(ValueError, match=match):
        baselines.scale_pixels(X)


# ------------------------------------------------------- fit and predict
@pytest.mark.parametrize("name", BASELINES)
def test_fits_and_predicts_the_sample(name, split, fitted):
    _, X_test, _, y_test = split
    est = fitted(name)
    np.testing.assert_array_equal(est.classes_, np.arange(10))
    pred = est.predict(X_test)
    assert pred.shape == (200,)
    assert set(np.unique(pred)) <= set(range(10))
    proba = est.predict_proba(X_test)
    assert proba.shape == (200, 10)
    assert np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    # Chance is 0.1; 800 images of 10 classes take every family past 0.6.
    assert est.score(X_test, y_test) > 0.6
    # Images and rows, uint8 and [0, 1] floats, predict the same.
    np.testing.assert_array_equal(est.predict(X_test.reshape(-1, 28, 28)), pred)
    np.testing.assert_array_equal(est.predict(X_test / 255.0), pred)


def test_svc_probabilities_are_calibrated_on_request(split):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import SVC

    X_train, X_test, y_train, _ = split
    est = fashionzoo.create_estimator("svc", n_components=30, random_state=0)
    assert isinstance(est.named_steps["classifier"], SVC)
    est.fit(X_train, y_train)
    assert not hasattr(est, "predict_proba")
    pred = est.predict(X_test)
    assert pred.shape == (200,)
    calibrated = fashionzoo.create_estimator("svc", n_components=30, probability=True)
    classifier = calibrated.named_steps["classifier"]
    assert isinstance(classifier, CalibratedClassifierCV)
    assert classifier.get_params()["estimator__C"] == 10.0
    calibrated.set_params(classifier__estimator__C=5.0)
    assert classifier.estimator.C == 5.0


@pytest.mark.parametrize("name", BASELINES)
def test_pickles_with_equal_predictions(name, split, fitted):
    _, X_test, _, _ = split
    est = fitted(name)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict(X_test), est.predict(X_test))
    # float32 distances may round differently in the last bit once the
    # arrays sit elsewhere in memory (SIMD alignment): close, not identical.
    np.testing.assert_allclose(
        again.predict_proba(X_test), est.predict_proba(X_test), rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize("name", BASELINES)
def test_cross_val_score(name, sample_data):
    X, y = sample_data
    est = fashionzoo.create_estimator(name, **_params(name))
    scores = cross_val_score(est, X, y, cv=3)
    assert scores.shape == (3,)
    assert scores.mean() > 0.6


@pytest.mark.parametrize("name", BASELINES)
def test_grid_search_over_a_pipeline_parameter(name, split):
    X_train, X_test, y_train, y_test = split
    est = fashionzoo.create_estimator(name, **_params(name))
    grid = GRIDS[name]
    search = GridSearchCV(est, grid, cv=2).fit(X_train, y_train)
    ((key, values),) = grid.items()
    assert search.best_params_[key] in values
    assert len(search.cv_results_["params"]) == len(values)
    assert search.best_estimator_.get_params()[key] == search.best_params_[key]
    assert search.score(X_test, y_test) > 0.6


# -------------------------------------------------------- no Keras at all
_NO_KERAS = """
import json, sys
import fashionzoo
import fashionzoo.zoo
from fashionzoo.cli import main
names = fashionzoo.list_models(kind="baseline")
[fashionzoo.get_model_info(n) for n in names]
main(["models", "--kind", "baseline"])
listed = sorted(m for m in ("keras", "tensorflow", "sklearn") if m in sys.modules)
from fashionzoo.datasets import load_sample
X, y = load_sample(return_X_y=True)
fashionzoo.create_estimator("knn", n_components=20).fit(X, y).predict(X)
used = sorted(m for m in ("keras", "tensorflow") if m in sys.modules)
print(json.dumps({"listed": listed, "used": used}))
"""


def test_baselines_import_neither_keras_nor_tensorflow():
    done = subprocess.run(
        [sys.executable, "-c", _NO_KERAS],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"listed": [], "used": []}


# ------------------------------------------------------------ command line
def _fashionzoo(*argv, data_home):
    env = {**os.environ, "FASHIONZOO_DATA": str(data_home)}
    return subprocess.run(
        [sys.executable, "-m", "fashionzoo", *argv],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=300,
    )


def test_cli_cross_validates_a_baseline_without_keras(tmp_path):
    done = _fashionzoo(
        *("cv", "knn", "--max-samples", "300", "--folds", "2", "--test"),
        *("--test-samples", "200", "--param", "n_components=20"),
        data_home=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert len(re.findall(r"knn fold \d/2: accuracy 0\.\d+", done.stdout)) == 2
    assert "knn test accuracy: 0." in done.stdout
    assert "on 200 test images" in done.stdout
    assert "epochs" not in done.stderr
    # TensorFlow was never loaded: none of its start-up lines, no warnings.
    assert "tensorflow" not in done.stderr.lower()
    assert "Traceback" not in done.stderr


def test_cli_explains_what_a_baseline_does_not_take(capsys):
    from fashionzoo.cli import main

    for argv, match in [
        (["cv", "svc", "--epochs", "2"], "'epochs'"),
        (["cv", "svc", "--param", "c=5"], "did you mean 'C'"),
        (["cv", "svc", "--param", "C=-1"], "'C' parameter of SVC must be"),
        (["train", "knn", "--save", "knn.fzoo"], "classic baseline"),
        (["compare", "knn", "svc", "--param", "units_1=3"], "no model among knn, svc"),
    ]:
        with pytest.raises(SystemExit) as info:
            main([*argv, "--quiet"])
        assert info.value.code == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("fashionzoo: error: "), err
        assert match in err, (argv, err)


def test_cli_lists_baselines_by_kind(capsys):
    from fashionzoo.cli import main

    assert main(["models", "--kind", "baseline"]) == 0
    header, _rule, *rows = capsys.readouterr().out.strip().splitlines()
    assert header.split()[:3] == ["name", "kind", "estimator"]
    assert sorted(r.split()[0] for r in rows) == sorted(BASELINES)
    assert all(r.split()[1:3] == ["baseline", "Pipeline"] for r in rows)
    svc = next(r for r in rows if r.startswith("svc "))
    assert "0.897" in svc
    assert "fashion-mnist benchmark" in svc
    assert main(["models", "--kind", "network", "svc"]) == 0
    assert "no network model matches 'svc'" in capsys.readouterr().out


def test_cli_compares_a_network_with_a_baseline(capsys, tmp_path, monkeypatch):
    from fashionzoo.cli import main

    monkeypatch.setenv("FASHIONZOO_DATA", str(tmp_path / "data"))
    out_dir = tmp_path / "report"
    status = main(
        [
            *("compare", "lenet5", "knn", "--max-samples", "300", "--folds", "2"),
            *("--test-samples", "200", "--epochs", "1", "--batch-size", "32"),
            *("--param", "units_1=16", "--param", "n_components=20"),
            *("--out", str(out_dir), "--quiet"),
        ]
    )
    assert status == 0
    out = capsys.readouterr().out
    assert "knn test accuracy: 0." in out
    results = json.loads((out_dir / "results.json").read_text())
    rows = {row["model"]: row for row in results["summary"]}
    assert rows["knn"]["estimator"] == "Pipeline"
    assert "epochs" not in rows["knn"]
    assert "parameters" not in rows["knn"]
    assert rows["lenet5"]["epochs"] == 1
    assert results["models"]["knn"]["history"] is None
    assert (out_dir / "report.html").is_file()


# ------------------------------------------------------------------- slow
@pytest.fixture(scope="module")
def full_data():
    from fashionzoo.datasets import fetch_fashion_mnist

    train = fetch_fashion_mnist("train")
    test = fetch_fashion_mnist("test")
    return train.data, train.target, test.data, test.target


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(GOALS))
def test_recipe_reaches_its_family_figure(name, full_data):
    if name == "xgboost" and not HAS_XGBOOST:
        pytest.skip("xgboost is not installed")
    X, y, X_test, y_test = full_data
    est = fashionzoo.create_estimator(name, random_state=0).fit(X, y)
    assert est.score(X_test, y_test) >= GOALS[name]
