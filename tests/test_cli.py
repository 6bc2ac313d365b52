"""The ``fashionzoo`` command: help, tables, errors, and tiny end-to-end runs.

Most tests call ``main([...])`` in this process. The end-to-end runs read the
real data through ``FASHIONZOO_DATA`` pointing at a temporary folder, which the
datasets module fills from the Debian copy in /usr/share/datasets.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fashionzoo.cli import build_parser, image_to_array, main, parse_param
from fashionzoo.datasets import FASHION_MNIST_CLASSES, load_image

COMMANDS = [
    "fetch",
    "models",
    "info",
    "cv",
    "train",
    "predict",
    "evaluate",
    "export",
    "compare",
]
# Tiny runs: a few hundred images, one epoch of small batches, a small LeNet-5.
TINY = [
    *("--max-samples", "200", "--epochs", "1", "--batch-size", "16"),
    *("--test-samples", "200", "--quiet"),
]
SMALL_LENET = [
    "--param",
    "units_1=16",
    "--param",
    "units_2=8",
    "--param",
    "learning_rate=3e-3",
]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def fail(capsys, *argv: str, status: int = 2, warnings: int = 0) -> str:
    """Run a command that must fail; return its single error line on stderr.

    ``warnings`` lines may come before it.
    """
    with pytest.raises(SystemExit) as info:
        main(list(argv))
    out, err = capsys.readouterr()
    assert info.value.code == status
    assert "Traceback" not in err + out
    lines = err.strip().splitlines()
    assert len(lines) == 1 + warnings, err
    assert all(line.startswith("fashionzoo: warning: ") for line in lines[:-1])
    lines = lines[-1:]
    assert lines[0].startswith("fashionzoo: error: ")
    return lines[0]


@pytest.fixture(scope="session")
def data_home(tmp_path_factory):
    return tmp_path_factory.mktemp("fashionzoo_data")


@pytest.fixture
def real_data(data_home, monkeypatch):
    monkeypatch.setenv("FASHIONZOO_DATA", str(data_home))
    return data_home


# ------------------------------------------------------------------ help
def test_help_lists_commands_with_examples(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert re.search(rf"^\s+{command}\s+\w", out, re.MULTILINE), command
    assert "examples:" in out
    assert "fashionzoo cv lenet5 --test" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help_for_newcomers(capsys, command):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: fashionzoo {command}")
    assert "examples:" in out
    assert f"fashionzoo {command}" in out.split("examples:")[1]
    assert "--quiet" in out
    assert "--seed" in out


def test_no_command_prints_help(capsys):
    status, out, _ = run(capsys)
    assert status == 0
    assert "commands:" in out


def test_python_m_help_is_fast_and_light():
    done = subprocess.run(
        [sys.executable, "-m", "fashionzoo", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("usage: fashionzoo")
    code = (
        "import sys\nfrom fashionzoo.cli import main\ntry:\n    main(['cv', '--help'])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('keras', 'tensorflow', 'sklearn', 'matplotlib')"
        " if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stderr.strip() == "[]"


def test_parse_param():
    assert parse_param("units_1=16") == ("units_1", 16)
    assert parse_param("learning_rate=1e-3") == ("learning_rate", 0.001)
    assert parse_param("augment={'flip': True}") == ("augment", {"flip": True})
    assert parse_param("optimizer=sgd") == ("optimizer", "sgd")
    assert parse_param("lr_schedule=None") == ("lr_schedule", None)
    args = build_parser().parse_args(
        ["cv", "lenet5", "--param", "tta=True", "--param", "a=x"]
    )
    assert args.param == [("tta", True), ("a", "x")]


# ------------------------------------------------------------ cheap commands
def test_models_table(capsys):
    status, out, _ = run(capsys, "models")
    assert status == 0
    header, _rule, *rows = out.strip().splitlines()
    assert header.split()[:6] == [
        "name",
        "kind",
        "estimator",
        "params",
        "source",
        "study",
    ]
    lenet = next(r for r in rows if r.startswith("lenet5 "))
    for cell in (
        "LeNet5Classifier",
        "113,782",
        "0.898",
        "study 001",
        "LeNet-5",
        "shipped",
    ):
        assert cell in lenet
    status, out, _ = run(capsys, "models", "lenet*", "--json")
    (info,) = json.loads(out)
    assert info["name"] == "lenet5"
    assert info["param_count"] == 113_782
    _, out, _ = run(capsys, "models", "nothing*")
    assert "no model matches" in out


def test_info(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("FASHIONZOO_DATA", str(tmp_path))
    status, out, _ = run(capsys, "info", "--quiet")
    assert status == 0
    fields = dict(
        re.split(r"\s{2,}", line, maxsplit=1) for line in out.strip().splitlines()
    )
    assert fields["backend"].startswith("tensorflow 2.")
    assert fields["keras"].startswith("3.")
    assert fields["data_home"] == str(tmp_path)
    assert fields["precision"] == "float32 (setting auto)"
    assert fields["devices"].startswith("no GPU found; training on the CPU")
    _, out, _ = run(capsys, "info", "--json", "--quiet")
    assert json.loads(out)["data_home"] == str(tmp_path)


# ------------------------------------------------------------------ errors
def test_unknown_model_is_one_line_exit_2(capsys):
    line = fail(capsys, "cv", "lenett", "--quiet")
    assert "Unknown model 'lenett'" in line
    assert "Did you mean 'lenet5'" in line


def test_unknown_parameter(capsys):
    line = fail(capsys, "train", "lenet5", "--param", "unit_1=3", "--quiet")
    assert "'unit_1' (did you mean 'units_1'?)" in line
    line = fail(capsys, "cv", "lenet5", "--param", "units_1=many", "--quiet")
    assert "The 'units_1' parameter of LeNet5Classifier must be" in line
    line = fail(
        capsys, "compare", "lenet5", "cnn_dropout", "--param", "bogus=1", "--quiet"
    )
    assert "no model among lenet5, cnn_dropout has the parameter(s) bogus" in line


def test_missing_model_file(capsys, tmp_path):
    line = fail(capsys, "evaluate", "--model", str(tmp_path / "nope.joblib"), status=1)
    assert "no model file at" in line
    assert "fashionzoo train lenet5 --save" in line


def test_not_a_model_file(capsys, tmp_path):
    junk = tmp_path / "junk.joblib"
    junk.write_bytes(b"not a pickle")
    assert "is truncated or not a model file saved by" in fail(
        capsys, "evaluate", "--model", str(junk), "--allow-pickle", status=1, warnings=1
    )
    junk = tmp_path / "junk.fzoo"
    junk.write_bytes(b"not a zip")
    assert "truncated or not a fashionzoo model file" in fail(
        capsys, "evaluate", "--model", str(junk), status=1
    )


def test_bad_save_path(capsys):
    assert "--save writes fashionzoo's safe model format to a .fzoo file" in fail(
        capsys, "train", "lenet5", "--save", "m.pkl"
    )


def test_data_not_found(capsys, tmp_path, monkeypatch):
    from fashionzoo.datasets import _registry

    monkeypatch.setattr(_registry, "SYSTEM_DATA_DIR", str(tmp_path / "no-system-copy"))
    monkeypatch.setenv("FASHIONZOO_DATA", str(tmp_path / "empty"))
    line = fail(capsys, "fetch", "--no-download", "--quiet", status=1)
    assert "train-images-idx3-ubyte.gz" in line


def test_usage_errors_exit_2(capsys):
    for argv in (["cv", "lenet5", "--folds", "1"], ["cv", "lenet5", "--param", "oops"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        assert "fashionzoo cv: error:" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["cv", "lenet5", "--n-jobs", "0"],
            (
                "argument --n-jobs: expected -1 (one process per CPU) or a positive "
                "integer; got '0'"
            ),
        ),
        (
            ["compare", "knn", "svc", "--n-jobs", "-2"],
            (
                "argument --n-jobs: expected -1 (one process per CPU) or a positive "
                "integer; got '-2'"
            ),
        ),
        (
            ["train", "lenet5", "--seed", "-1"],
            "argument --seed: expected an integer from 0 to 4294967295; got '-1'",
        ),
        (
            ["train", "lenet5", "--epochs", "0"],
            "argument --epochs: expected a positive integer; got '0'",
        ),
        (
            ["cv", "knn", "--batch-size", "-3"],
            "argument --batch-size: expected a positive integer; got '-3'",
        ),
        (
            ["predict", "--model", "lenet5", "--top", "0", "x.png"],
            "argument --top: expected a positive integer; got '0'",
        ),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_bad_option_values_are_usage_errors(capsys, argv, message):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: fashionzoo {argv[0]}")  # argparse's usage line
    assert err.rstrip().endswith(f"fashionzoo {argv[0]}: error: {message}")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["cv", "knn", "--folds", "100", "--max-samples", "200"],
            (
                "argument --folds: 100 stratified folds need at least 100 images of "
                "each class; the smallest class of the 200 training images has 20. "
                "Use --folds 20 or fewer"
            ),
        ),
        (
            ["compare", "knn", "svc", "--folds", "30", "--max-samples", "100"],
            "argument --folds: 30 stratified folds need",
        ),
        (
            ["cv", "knn", "--max-samples", "5"],
            (
                "argument --max-samples: a stratified subset needs at least one image "
                "per class: n must be >= 10. Received: n=5"
            ),
        ),
    ],
    ids=["cv-folds", "compare-folds", "max-samples"],
)
@pytest.mark.usefixtures("real_data")
def test_values_too_large_for_the_data_are_usage_errors(capsys, argv, message):
    assert message in fail(capsys, *argv, "--quiet")


# ---------------------------------------------------------------- images
def _save_picture(array: np.ndarray, path: Path, *, size=None, mode="L") -> Path:
    from PIL import Image

    picture = Image.fromarray(array).convert(mode)
    if size is not None:
        picture = picture.resize(size, Image.Resampling.BICUBIC)
    picture.save(path)
    return path


def test_image_to_array_is_deprecated_for_load_image(sample_data, tmp_path):
    X, _ = sample_data
    png = _save_picture(X[0], tmp_path / "dark.png")
    with pytest.warns(FutureWarning, match="use fashionzoo.datasets.load_image"):
        image = image_to_array(png)
    np.testing.assert_array_equal(image, load_image(png))


def test_load_image_matches_the_data(sample_data, tmp_path):
    X, _ = sample_data
    original = X[0].reshape(28, 28)
    # the same garment as a photo: dark on white, bigger, RGB JPEG
    photo = _save_picture(
        255 - original, tmp_path / "photo.jpg", size=(112, 112), mode="RGB"
    )
    image = load_image(photo)
    assert image.shape == (28, 28)
    assert image.dtype == np.uint8
    assert np.abs(image.astype(int) - original).mean() < 12
    assert image[0].mean() < 30  # dark background, like Fashion-MNIST
    # already dark background, PNG: kept as it is
    png = _save_picture(original, tmp_path / "dark.png")
    np.testing.assert_array_equal(load_image(png), original)


def test_load_image_keeps_aspect_and_handles_transparency(tmp_path):
    from PIL import Image

    wide = np.full((20, 80), 255, dtype=np.uint8)
    wide[5:15, 10:70] = 0  # dark bar on white
    image = load_image(_save_picture(wide, tmp_path / "wide.png"))
    assert image[:8].max() < 40  # padded above and below, not stretched
    assert image[12:16, 6:22].mean() > 200
    rgba = Image.new("RGBA", (56, 56), (0, 0, 0, 0))  # transparent
    rgba.paste((200, 30, 30, 255), (14, 14, 42, 42))
    rgba.save(tmp_path / "cutout.png")
    image = load_image(tmp_path / "cutout.png")
    assert image[0, 0] < 10  # transparent -> white -> inverted to black
    assert image[14, 14] > 100  # the red square becomes a light garment
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(OSError, match="cannot identify"):
        load_image(tmp_path / "text.png")


# ------------------------------------------------------------ end to end
def test_fetch(capsys, real_data):
    status, out, _ = run(capsys, "fetch", "--quiet")
    assert status == 0
    assert "train: 60,000 images of 784 pixels" in out
    assert "test: 10,000 images" in out
    assert f"data folder: {real_data}" in out


def test_cv_with_test(capsys, real_data):
    status, out, _ = run(
        capsys, "cv", "lenet5", "--folds", "2", "--test", *TINY, *SMALL_LENET
    )
    assert status == 0
    scores = [float(s) for s in re.findall(r"fold \d/2: accuracy (\d\.\d+)", out)]
    assert len(scores) == 2
    mean, std = re.search(
        r"cross-validation accuracy: (\d\.\d+) ± (\d\.\d+)", out
    ).groups()
    assert float(mean) == pytest.approx(np.mean(scores), abs=1e-4)
    assert float(std) == pytest.approx(np.std(scores), abs=1e-4)
    accuracy = float(
        re.search(r"test accuracy: (\d\.\d+) on 200 test images", out).group(1)
    )
    assert 0.0 <= accuracy <= 1.0  # one epoch on 200 images: plumbing, not learning
    assert "total time:" in out


def test_cv_results_on_stdout_progress_on_stderr(capsys, real_data):
    argv = ["cv", "lenet5", "--folds", "2", "--test", *TINY, *SMALL_LENET]
    argv.remove("--quiet")
    status, out, err = run(capsys, *argv)
    assert status == 0
    assert "Epoch 1/1" not in out  # epoch lines are progress
    assert err.count("Epoch 1/1 - ") == 3  # two folds, then the final fit
    headers = re.findall(r"lenet5 fold (\d)/2: training on (\d+) images", err)
    assert headers == [("1", "100"), ("2", "100")]
    assert "final fit: lenet5 on all 200 training images" in err
    # each fold's score is printed as soon as the fold ends, before the next header
    assert err.index("fold 2/2: training") > err.index("fold 1/2: training")
    assert re.search(r"\(final fit \d+\.\d s on 200 images\)", out)


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory, data_home):
    """Train once with the CLI (its output kept) for the commands that load it."""
    path = tmp_path_factory.mktemp("models") / "lenet5"
    with (
        pytest.MonkeyPatch.context() as mp,
        contextlib.redirect_stdout(io.StringIO()) as out,
    ):
        mp.setenv("FASHIONZOO_DATA", str(data_home))
        main(["train", "lenet5", *TINY, *SMALL_LENET, "--save", str(path)])
    return path.with_suffix(".fzoo"), out.getvalue()


def test_train_saves_a_fitted_estimator(saved_model):
    import fashionzoo

    path, out = saved_model
    assert path.is_file()
    assert re.search(r"lenet5 test accuracy: \d\.\d{4} on 200 test images", out)
    assert f"saved {path}" in out
    estimator = fashionzoo.load(path)
    assert type(estimator).__name__ == "LeNet5Classifier"
    assert (estimator.units_1, estimator.n_iter_, estimator.random_state) == (16, 1, 0)


def test_predict(capsys, saved_model, sample_data, tmp_path):
    import fashionzoo

    path, _ = saved_model
    X, _ = sample_data
    files = [_save_picture(X[i].reshape(28, 28), tmp_path / f"{i}.png") for i in (0, 1)]
    status, out, _ = run(
        capsys, "predict", "--model", str(path), "--top", "3", *map(str, files)
    )
    assert status == 0
    lines = out.strip().splitlines()
    assert len(lines) == 2
    expected = fashionzoo.load(path).predict_proba(X[:2])
    for line, file, proba in zip(lines, files, expected, strict=True):
        name, guesses = line.split(": ", 1)
        assert name == str(file)
        found = re.findall(r"([\w/ -]+) \((\d\.\d\d)\)", guesses)
        assert len(found) == 3
        best = int(np.argmax(proba))
        assert found[0][0].strip() == FASHION_MNIST_CLASSES[best]
        assert float(found[0][1]) == pytest.approx(proba[best], abs=0.006)
    bad = tmp_path / "bad.png"
    bad.write_text("no picture")
    assert "cannot identify image file" in fail(
        capsys, "predict", "--model", str(path), str(bad), status=1
    )


def test_evaluate(capsys, saved_model, real_data):
    path, _ = saved_model
    status, out, _ = run(
        capsys, "evaluate", "--model", str(path), "--test-samples", "200"
    )
    assert status == 0
    assert out.startswith("LeNet5Classifier on 200 images")
    assert "Ankle boot" in out
    _, out, _ = run(
        capsys, "evaluate", "--model", str(path), "--test-samples", "200", "--json"
    )
    result = json.loads(out)
    assert result["n_samples"] == 200
    assert sum(map(sum, result["confusion_matrix"])) == 200


def test_export_command(capsys, saved_model, tmp_path):
    path, _ = saved_model
    target = tmp_path / "out" / "lenet5.keras"
    status, out, _ = run(capsys, "export", "--model", str(path), "--out", str(target))
    assert status == 0
    assert out.strip() == f"wrote {target}"
    assert target.is_file()


def test_compare_writes_report(capsys, real_data, tmp_path):
    out_dir = tmp_path / "report"
    status, out, _ = run(
        capsys,
        "compare",
        "lenet5",
        "cnn_dropout",
        "--folds",
        "2",
        "--out",
        str(out_dir),
        *TINY,
        *SMALL_LENET,
        *("--max-samples", "100", "--test-samples", "100"),  # the last ones win
    )
    assert status == 0
    results = json.loads((out_dir / "results.json").read_text())
    means = {name: np.mean(m["cv_scores"]) for name, m in results["models"].items()}
    assert set(means) == {"lenet5", "cnn_dropout"}
    assert results["settings"]["best_model"] == max(means, key=means.get)
    assert results["settings"]["params"] == {
        "units_1": 16,
        "units_2": 8,
        "learning_rate": 3e-3,
    }
    assert results["models"]["lenet5"]["evaluation"]["n_samples"] == 100
    assert results["settings"]["training_images"] == 100
    assert f"best model: {results['settings']['best_model']}" in out
    pngs = sorted(p.name for p in out_dir.glob("*.png"))
    assert pngs == [
        "confident_errors.png",
        "confusion_matrix.png",
        "cv_scores.png",
        "learning_curves.png",
        "per_class_metrics.png",
    ]
    page = (out_dir / "report.html").read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == 5
    assert "http://" not in page
    assert "https://" not in page
    assert '<tr class="best">' in page
    assert "Classification report of cnn_dropout" in page


# ------------------------------------------------------- what a newcomer sees
def _fashionzoo(
    *argv: str, env: dict | None = None, **kwargs
) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-m", "fashionzoo", *argv],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
        **kwargs,
    )


def test_tensorflow_start_up_lines_are_hidden(tmp_path):
    env = {"FASHIONZOO_DATA": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": ""}
    done = _fashionzoo("info", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "no GPU found; training on the CPU" in done.stdout
    assert "None" not in done.stdout
    assert "[]" not in done.stdout
    noisy = _fashionzoo("info", "-v", env=env)
    assert noisy.returncode == 0
    assert "absl" in noisy.stderr or "oneDNN" in noisy.stderr or "cuda" in noisy.stderr


def test_listing_models_imports_neither_keras_nor_tensorflow():
    code = (
        "import sys, fashionzoo\n"
        "from fashionzoo.cli import main\n"
        "fashionzoo.list_models(); fashionzoo.list_models(pretrained=True)\n"
        "[fashionzoo.get_model_info(n) for n in fashionzoo.list_models()]\n"
        "main(['models']); main(['models', '--json'])\n"
        "heavy = [m for m in ('keras', 'tensorflow', 'sklearn') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


# --------------------------------------------------- interrupts and saves
def _interrupt_after(argv, seconds, tmp_path, **env):
    """Run the command, press Ctrl-C ``seconds`` after its training began.

    Training has begun once the command prints its fit or fold header on
    stderr, so the timing does not depend on how fast the host starts
    TensorFlow or trains.
    """
    import os
    import signal
    import threading
    import time

    # A shell without job control starts background commands with SIGINT
    # ignored, and a child inherits an ignored signal (Python then installs
    # no KeyboardInterrupt handler and the Ctrl-C is lost); a handled signal
    # is reset to the default in the child, so handle it while starting one.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "fashionzoo", *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **env},
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    lines, started = [], threading.Event()

    def read_stderr():
        for line in proc.stderr:
            lines.append(line)
            if "fitting " in line or ": training on " in line:
                started.set()
        started.set()  # the command ended without training

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    assert started.wait(timeout=100), "".join(lines)
    time.sleep(seconds)
    proc.send_signal(signal.SIGINT)
    with proc.stdout, proc.stderr:
        out = proc.stdout.read()
        proc.wait(timeout=max(1, deadline - time.monotonic()))
        reader.join(timeout=10)
    return proc.returncode, out, "".join(lines)


def test_ctrl_c_stops_cross_validation_at_once(tmp_path, data_home):
    argv = [
        "cv",
        "lenet5",
        "--max-samples",
        "4000",
        "--epochs",
        "3",
        "--batch-size",
        "8",
    ]
    argv += ["--folds", "4"]
    status, out, err = _interrupt_after(
        argv, 1.5, tmp_path, FASHIONZOO_DATA=str(data_home)
    )
    assert status == 130, err
    assert "cross-validation accuracy" not in out  # no summary of a partial run
    assert "fold 4/4" not in out
    assert "fashionzoo: interrupted" in err
    assert "Traceback" not in err


def test_ctrl_c_during_train_keeps_the_saved_model(tmp_path, data_home, saved_model):
    good, _ = saved_model
    target = tmp_path / "good.fzoo"
    target.write_bytes(good.read_bytes())
    argv = ["train", "lenet5", "--max-samples", "4000", "--epochs", "10"]
    argv += ["--batch-size", "8", "--save", str(target)]
    status, _, err = _interrupt_after(
        argv, 1.5, tmp_path, FASHIONZOO_DATA=str(data_home)
    )
    assert status == 130, err
    assert "nothing was saved" in err
    assert target.read_bytes() == good.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.fzoo"]


def test_unwritable_save_target_fails_before_training(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    line = fail(capsys, "train", "lenet5", "--save", str(blocker / "m.fzoo"))
    assert "cannot write to" in line


# -------------------------------------------------------- no tracebacks
def test_parameters_are_checked_before_the_data(capsys, tmp_path, monkeypatch):
    from fashionzoo.datasets import _registry

    monkeypatch.setattr(_registry, "SYSTEM_DATA_DIR", str(tmp_path / "none"))
    monkeypatch.setenv("FASHIONZOO_DATA", str(tmp_path / "empty"))
    line = fail(capsys, "train", "lenet5", "--param", "augment={'flip':'yes'}")
    assert "augment['flip'] must be True or False" in line


def test_export_errors_are_one_line(capsys, saved_model, tmp_path, monkeypatch):
    path, _ = saved_model
    existing = tmp_path / "m.keras"
    existing.write_text("old")
    line = fail(
        capsys, "export", "--model", str(path), "--out", str(existing), status=1
    )
    assert "exists. Pass overwrite=True (--overwrite)" in line
    assert existing.read_text() == "old"
    a_file = tmp_path / "served"
    a_file.write_text("x")
    line = fail(
        capsys,
        "export",
        "--model",
        str(path),
        "--format",
        "savedmodel",
        "--out",
        str(a_file),
        status=1,
    )
    assert "is a file; a SavedModel is a folder" in line
    status, _, _ = run(
        capsys, "export", "--model", str(path), "--out", str(existing), "--overwrite"
    )
    assert status == 0
    assert existing.stat().st_size > 1000


def test_tensorflow_write_errors_become_os_errors(saved_model, tmp_path, monkeypatch):
    import tensorflow as tf

    import fashionzoo
    from fashionzoo._keras import keras

    estimator = fashionzoo.load(saved_model[0])

    def denied(self, *args, **kwargs):
        raise tf.errors.PermissionDeniedError(None, None, "read-only file system")

    monkeypatch.setattr(keras.Model, "export", denied)
    target = tmp_path / "served"
    with pytest.raises(OSError, match=rf"Could not write savedmodel model to {target}"):
        fashionzoo.export(estimator, target, format="savedmodel")
    assert list(tmp_path.iterdir()) == []


def test_a_truncated_joblib_file_says_so(capsys, tmp_path):
    import joblib

    est = {"not": "a model"}
    path = tmp_path / "m.joblib"
    joblib.dump(est, path)
    path.write_bytes(path.read_bytes()[:10])
    line = fail(
        capsys, "evaluate", "--model", str(path), "--allow-pickle", status=1, warnings=1
    )
    assert "is truncated or not a model file" in line


class _Marker:
    """Unpickling it writes a file: what a malicious pickle could do."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (Path.write_text, (Path(self.path), "ran"))


@pytest.mark.parametrize("command", ["predict", "evaluate", "export"])
def test_a_pickle_is_refused_unless_allowed(capsys, tmp_path, command):
    import joblib

    marker = tmp_path / "marker"
    evil = tmp_path / "evil.joblib"
    joblib.dump(_Marker(marker), evil)
    picture = _save_picture(np.zeros((28, 28), np.uint8), tmp_path / "x.png")
    extra = {"predict": [str(picture)], "evaluate": [], "export": ["--out", "o.keras"]}
    argv = [command, "--model", str(evil), *extra[command]]
    line = fail(capsys, *argv)
    assert "evil.joblib' is a pickle" in line
    assert "--allow-pickle" in line
    assert not marker.exists()
    if command == "evaluate":  # with the flag: a warning first, then the load
        with pytest.raises(SystemExit):
            main([*argv, "--allow-pickle"])
        err = capsys.readouterr().err
        assert marker.exists()
        assert err.index("is a pickle: loading it runs code") < err.index(
            "not a fitted classifier"
        )


@pytest.mark.parametrize(
    "argv",
    [
        ["fetch", "--data-home", "/dev/null/x"],
        ["models", "--json", "extra", "more"],
        ["info", "--data-home", "/dev/null/x"],
        ["cv", "lenet5", "--param", "batch_size=-1"],
        ["train", "lenet5", "--param", "optimizer=bogus"],
        ["predict", "--model", "lenet5", "/no/such/picture.png"],
        ["evaluate", "--model", "lenet5", "--test-samples", "0"],
        ["export", "--model", "lenet5", "--format", "tflite", "--out", "x"],
        ["compare", "lenet5", "lenet5"],
    ],
    ids=lambda argv: argv[0],
)
def test_bad_arguments_never_print_a_traceback(argv):
    done = _fashionzoo(*argv)
    assert done.returncode in (1, 2), done
    assert "Traceback" not in done.stdout + done.stderr
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .startswith(("fashionzoo: error:", "fashionzoo "))
    )


@pytest.mark.usefixtures("sigterm_default")
@pytest.mark.parametrize("fault", ["full-disk", "sigterm"])
def test_a_failed_save_after_training_says_so_and_leaves_no_file(
    capsys, tmp_path, data_home, saved_model, monkeypatch, fault
):
    import errno
    import signal
    import zipfile

    good, _ = saved_model
    target = tmp_path / "good.fzoo"
    target.write_bytes(good.read_bytes())
    monkeypatch.setenv("FASHIONZOO_DATA", str(data_home))

    def failing_write(self, *args, **kwargs):
        if fault == "sigterm":  # as `kill` would, while the file is written
            if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
                raise AssertionError("SIGTERM would kill the process: no cleanup")
            signal.raise_signal(signal.SIGTERM)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing_write)
    argv = ["train", "lenet5", *TINY, *SMALL_LENET, "--save", str(target)]
    if fault == "full-disk":
        line = fail(capsys, *argv, status=1)
        assert f"cannot write {target}: No space left on device" in line
        assert "nothing was saved" in line
    else:
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 143
        assert "terminated" in capsys.readouterr().err
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert target.read_bytes() == good.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.fzoo"]


def _with_estimator_json(path, edit):
    """The shipped lenet5.fzoo with its estimator.json edited, written to ``path``."""
    import zipfile

    from fashionzoo import pretrained

    with zipfile.ZipFile(pretrained.PRETRAINED_DIR / "lenet5.fzoo") as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    meta = edit(json.loads(members["estimator.json"]))
    members["estimator.json"] = json.dumps(meta).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda meta: [meta], "estimator.json holds a list, not an object"),
        (
            lambda meta: {k: v for k, v in meta.items() if k != "params"},
            "estimator.json's 'params' is missing, not a dict",
        ),
        (
            lambda meta: {k: v for k, v in meta.items() if k != "fitted"},
            "estimator.json's 'fitted' is missing, not a dict",
        ),
        (lambda meta: {**meta, "version": "2"}, "its version is '2', not a positive"),
        (lambda meta: {**meta, "version": None}, "its version is None, not a positive"),
    ],
    ids=["list", "no-params", "no-fitted", "version-str", "version-null"],
)
@pytest.mark.parametrize("command", ["predict", "export"])
def test_a_malformed_estimator_json_is_one_error_line(
    capsys, tmp_path, edit, message, command
):
    bad = _with_estimator_json(tmp_path / "bad.fzoo", edit)
    picture = _save_picture(np.zeros((28, 28), np.uint8), tmp_path / "x.png")
    argv = {
        "predict": ["predict", "--model", str(bad), str(picture)],
        "export": ["export", "--model", str(bad), "--out", str(tmp_path / "x.keras")],
    }[command]
    line = fail(capsys, *argv, status=1)
    assert f"{str(bad)!r} is not a valid fashionzoo model file: {message}" in line
    assert not (tmp_path / "x.keras").exists()
