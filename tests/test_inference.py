"""fashionzoo.inference: exported networks in ONNX Runtime and OpenVINO, without TensorFlow."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

import fashionzoo
from fashionzoo import pretrained
from fashionzoo.exceptions import ChecksumError, ModelFileError
from fashionzoo.inference import InferenceModel
from fashionzoo.pretrained import list_pretrained, model_card
from fashionzoo.testing import fast_instance, make_images

ort = pytest.importorskip("onnxruntime")
ov = pytest.importorskip("openvino")

RUNTIMES = ["onnxruntime", "openvino"]
SHIPPED = list_pretrained()


@pytest.fixture(scope="module")
def test_set():
    from fashionzoo.datasets import fetch_fashion_mnist

    return fetch_fashion_mnist("test", return_X_y=True)


@pytest.fixture(scope="module")
def sample():
    return fashionzoo.datasets.load_sample(return_X_y=True)


@pytest.fixture(scope="module")
def lenet5():
    return fashionzoo.create_estimator("lenet5", pretrained=True)


# ------------------------------------------------------------ shipped graphs
@pytest.mark.parametrize("name", SHIPPED)
def test_int8_graphs_keep_their_stated_accuracy(name, test_set):
    card = model_card(name)
    X, y = test_set
    assert card["int8"]["loss_vs_float32"] <= 0.003
    for runtime in RUNTIMES:
        model = InferenceModel(name, runtime=runtime, quantized=True)
        assert model.path_.name == f"{name}.int8.onnx"
        accuracy = model.score(X, y)
        assert abs(accuracy - card["int8"]["test_accuracy"][runtime]) <= 0.0005
        assert card["onnx"]["test_accuracy"][runtime] - accuracy <= 0.0035


def test_the_shipped_graph_is_checked_against_its_card(tmp_path, monkeypatch):
    for path in pretrained.PRETRAINED_DIR.glob("lenet5.*"):
        shutil.copy(path, tmp_path / path.name)
    graph = tmp_path / "lenet5.onnx"
    damaged = bytearray(graph.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01  # one bit of one weight
    graph.write_bytes(bytes(damaged))
    monkeypatch.setattr(pretrained, "PRETRAINED_DIR", tmp_path)
    expected = model_card("lenet5")["onnx"]["sha256"]
    for runtime in RUNTIMES:
        with pytest.raises(ChecksumError, match=rf"lenet5.onnx is damaged.*{expected}"):
            InferenceModel("lenet5", runtime=runtime)
    # The int8 graph beside it is intact and still loads.
    assert InferenceModel("lenet5", quantized=True).classes_.tolist() == list(range(10))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_damaged_and_foreign_files_are_clear_errors(runtime, tmp_path):
    source = pretrained.graph_path("lenet5")
    truncated = tmp_path / "truncated.onnx"
    truncated.write_bytes(source.read_bytes()[:5000])
    with pytest.raises(ModelFileError, match=r"cannot read .*truncated\.onnx"):
        InferenceModel(truncated, runtime=runtime)

    tampered = tmp_path / "tampered.onnx"
    data = bytearray(source.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    good = model_card("lenet5")["onnx"]["sha256"]
    with pytest.raises(ChecksumError, match=rf"tampered\.onnx' has SHA256 .*{good}"):
        InferenceModel(tampered, runtime=runtime, sha256=f" {good.upper()} ")
    InferenceModel(source, runtime=runtime, sha256=good.upper())  # any case

    import onnx

    graph = onnx.load(str(source))
    del graph.metadata_props[:]
    foreign = tmp_path / "foreign.onnx"
    onnx.save(graph, str(foreign))
    with pytest.raises(
        ModelFileError, match=r"foreign\.onnx has no fashionzoo metadata"
    ):
        InferenceModel(foreign, runtime=runtime)

    onnx.helper.set_model_props(graph, {"fashionzoo": '{"format": "x"'})
    broken = tmp_path / "broken.onnx"
    onnx.save(graph, str(broken))
    with pytest.raises(ModelFileError, match=r"broken\.onnx has damaged fashionzoo"):
        InferenceModel(broken, runtime=runtime)


def test_wrong_kinds_of_file_and_names_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match=r"not an ONNX \(\.onnx\) or OpenVINO"):
        InferenceModel(pretrained.weights_path("lenet5"))
    with pytest.raises(FileNotFoundError, match="no model file"):
        InferenceModel(tmp_path / "missing.onnx")
    with pytest.raises(fashionzoo.exceptions.UnknownModelError, match="lenet5"):
        InferenceModel("lenett")
    with pytest.raises(ValueError, match="runtime must be one of"):
        InferenceModel("lenet5", runtime="tensorrt")
    with pytest.raises(ValueError, match="computes in float32 only"):
        InferenceModel("lenet5", precision="bf16")


@pytest.mark.parametrize(
    ("runtime", "extra"), [("onnxruntime", "onnx"), ("openvino", "openvino")]
)
def test_a_missing_runtime_names_its_extra(runtime, extra, monkeypatch):
    real = importlib.import_module

    def without(name, *args):
        if name == runtime:
            raise ImportError(f"No module named {name!r}")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", without)
    with pytest.raises(ImportError, match=rf'pip install "fashionzoo\[{extra}\]"'):
        InferenceModel("lenet5", runtime=runtime)


# ------------------------------------------------------------ input contract
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_the_input_contract_is_the_estimators(runtime, lenet5, sample):
    X, _ = sample
    X = X[:20]
    model = InferenceModel("lenet5", runtime=runtime)
    expected = lenet5.predict_proba(X)
    for variant in (
        X,
        X.reshape(-1, 28, 28),
        X.reshape(-1, 28, 28, 1),
        X.astype("float64"),
    ):
        np.testing.assert_allclose(model.predict_proba(variant), expected, atol=1e-5)
    with pytest.warns(UserWarning, match=r"X holds floats in \[0, 1\]") as caught:
        scaled = model.predict_proba(X / 255.0)
    assert caught[0].filename == __file__
    np.testing.assert_allclose(scaled, expected, atol=1e-4)
    np.testing.assert_array_equal(model.predict(X), lenet5.predict(X))

    bad_inputs = {
        "X has 700 features, but": X[:, :700],
        "X holds 14x14 images, but the model was fitted on 28x28": np.zeros(
            (2, 14, 14)
        ),
        r"pixels in \[0, 255\]; got values from -1": X - 1.0,
        "Input X contains NaN": np.full((1, 784), np.nan),
        "1-D array": X[0],
        "Found array with 0 sample": X[:0],
        "one channel": np.zeros((1, 28, 28, 3)),
    }
    for message, bad in bad_inputs.items():
        for predict in (model.predict_proba, lenet5.predict_proba):
            with pytest.raises(ValueError, match=message):
                predict(bad)
    with pytest.raises(ValueError, match="must hold numbers"):
        model.predict(np.array([["a"] * 784]))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_metadata_gives_classes_and_scale_of_the_fit(runtime, tmp_path):
    X, y = make_images(10, 3)
    labels = np.array(["coat", "dress", "shirt"])[y]
    est = fast_instance(fashionzoo.LeNet5Classifier, epochs=1).fit(X / 255.0, labels)
    path = fashionzoo.export(est, tmp_path / "m.onnx", "onnx")
    model = InferenceModel(path, runtime=runtime)
    np.testing.assert_array_equal(model.classes_, est.classes_)
    assert model.classes_.dtype == est.classes_.dtype
    assert model.pixel_scale_ == 1.0
    assert model.metadata_["estimator"] == "LeNet5Classifier"
    np.testing.assert_array_equal(model.predict(X / 255.0), est.predict(X / 255.0))
    np.testing.assert_allclose(
        model.predict_proba(X / 255.0), est.predict_proba(X / 255.0), atol=1e-5
    )


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_batches_give_the_same_probabilities(runtime, sample):
    X, _ = sample
    whole = InferenceModel("lenet5", runtime=runtime, batch_size=1000).predict_proba(X)
    pieces = InferenceModel("lenet5", runtime=runtime, batch_size=7).predict_proba(X)
    np.testing.assert_allclose(pieces, whole, atol=1e-6)
    assert pieces.shape == (1000, 10)
    assert pieces.dtype == np.float32


def test_openvino_bf16_where_the_cpu_has_it(sample):
    X, _ = sample
    if "BF16" not in ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES"):
        with pytest.raises(ValueError, match="needs a CPU with bfloat16"):
            InferenceModel("lenet5", runtime="openvino", precision="bf16")
        return
    f32 = InferenceModel("lenet5", runtime="openvino").predict_proba(X)
    bf16 = InferenceModel("lenet5", runtime="openvino", precision="bf16")
    approx = bf16.predict_proba(X)
    assert 0 < np.abs(approx - f32).max() < 0.05
    assert (approx.argmax(1) == f32.argmax(1)).mean() >= 0.99


# ----------------------------------------------------- export for OpenVINO
@pytest.mark.parametrize("tta", [False, True, "flip+shift"])
def test_every_tta_setting_exports_to_both_runtimes(tta, tmp_path):
    X, y = make_images(10, 3)
    est = fast_instance(fashionzoo.LeNet5Classifier, epochs=1, tta=tta).fit(X, y)
    onnx_file = fashionzoo.export(est, tmp_path / "m.onnx", "onnx")
    ir = fashionzoo.export(est, tmp_path / "m", "openvino")
    assert ir == tmp_path / "m.xml"
    assert (tmp_path / "m.bin").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.bin", "m.onnx", "m.xml"]
    expected = est.predict_proba(X)
    for path, runtime in [
        (onnx_file, "onnxruntime"),
        (onnx_file, "openvino"),
        (ir, "openvino"),
    ]:
        model = InferenceModel(path, runtime=runtime)
        assert model.metadata_["n_views"] == {False: 1, True: 2}.get(tta, 10)
        np.testing.assert_allclose(model.predict_proba(X), expected, atol=1e-5)


def test_openvino_export_replaces_both_files_or_neither(tmp_path, monkeypatch):
    X, y = make_images(10, 3)
    est = fast_instance(fashionzoo.LeNet5Classifier, epochs=1).fit(X, y)
    path = fashionzoo.export(est, tmp_path / "m.xml", "openvino")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(FileExistsError, match="overwrite=True"):
        fashionzoo.export(est, path, "openvino")
    import openvino

    def broken(*args, **kwargs):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(openvino, "save_model", broken)
    with pytest.raises(OSError, match="Could not write openvino model"):
        fashionzoo.export(est, path, "openvino", overwrite=True)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_one_pass_views_equal_the_per_view_average(sample):
    from fashionzoo.models.views import tta_views, view

    X, _ = sample
    est = fashionzoo.create_estimator("best", pretrained=True)
    assert est.tta == "flip+shift"
    images = est._predict_images(X[:300])
    per_view = [est._forward(view(images, *v)) for v in tta_views(est.tta)]
    np.testing.assert_allclose(
        est.predict_proba(X[:300]), np.mean(per_view, axis=0), rtol=0, atol=1e-5
    )


def test_one_image_through_keras_matches_a_batch(lenet5, sample):
    X, _ = sample
    batch = lenet5.predict_proba(X[:256])
    for i in (0, 1, 2, 255):
        np.testing.assert_allclose(
            lenet5.predict_proba(X[i : i + 1])[0], batch[i], atol=1e-6
        )
    np.testing.assert_array_equal(
        lenet5.predict_proba(X[:3]), lenet5.predict_proba(X[:3])
    )


# -------------------------------------------------------------- the CLI
HEAVY = ("tensorflow", "keras", "sklearn", "scipy", "jax", "torch")


@pytest.fixture(scope="module")
def trouser_png(tmp_path_factory, sample):
    from PIL import Image

    X, y = sample
    path = tmp_path_factory.mktemp("pictures") / "trouser.png"
    Image.fromarray(X[list(y).index(1)].reshape(28, 28)).save(path)
    return path


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_predict_through_a_runtime_never_starts_tensorflow(runtime, trouser_png):
    code = (
        "import sys, json\n"
        "from fashionzoo.cli import main\n"
        f"status = main(['predict', '--model', 'best', '--runtime', {runtime!r}, "
        f"{str(trouser_png)!r}])\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
        "print(json.dumps({'status': status, 'heavy': heavy}))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    first, last = (
        run.stdout.strip().splitlines()[0],
        run.stdout.strip().splitlines()[-1],
    )
    assert first.startswith(f"{trouser_png}: Trouser (")
    assert json.loads(last) == {"status": 0, "heavy": []}


def test_exported_graphs_run_from_the_cli(trouser_png, tmp_path):
    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "fashionzoo", *args],
            check=False,
            capture_output=True,
            text=True,
            timeout=300,
        )

    ir = tmp_path / "lenet5.xml"
    made = cli("export", "--model", "lenet5", "--format", "openvino", "--out", str(ir))
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == f"wrote {ir}"
    for model, runtime in [(ir, "auto"), (pretrained.graph_path("lenet5"), "openvino")]:
        run = cli(
            "predict",
            "--model",
            str(model),
            "--runtime",
            runtime,
            "--top",
            "2",
            str(trouser_png),
        )
        assert run.returncode == 0, run.stderr
        assert run.stdout.startswith(f"{trouser_png}: Trouser (")
    wrong = cli("predict", "--model", str(ir), "--runtime", "keras", str(trouser_png))
    assert wrong.returncode == 2
    assert wrong.stderr.strip().splitlines()[-1] == (
        f"fashionzoo: error: {ir} is an exported graph, which Keras does not run; "
        "use --runtime onnxruntime or openvino"
    )
