"""fashionzoo.datasets.corrupt, evaluation.evaluate_robustness and their plots.

Each kind is checked for the change its parameter table states, on synthetic
images where the change can be measured, and on the shipped sample.
"""

from __future__ import annotations

import itertools

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from fashionzoo.datasets import (
    CORRUPTIONS,
    SEVERITY_PARAMETERS,
    corrupt,
    list_corruptions,
    load_sample,
)
from fashionzoo.evaluation import RobustnessResult, evaluate_robustness
from fashionzoo.plotting import plot_corruptions, plot_robustness

matplotlib.use("Agg")

RANDOM_KINDS = ["gaussian_noise", "speckle_noise", "impulse_noise", "fog", "rotation",
                "shear", "translation"]  # fmt: skip


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def sample():
    X, y = load_sample(return_X_y=True)
    return X[::10], y[::10]  # 100 images, 10 per class


def param(kind, severity):
    return SEVERITY_PARAMETERS[kind][1][severity - 1]


def bar(horizontal=True, n=1, value=200.0):
    """(n, 28, 28) float images of a centred 2x16 bar."""
    img = np.zeros((28, 28))
    if horizontal:
        img[13:15, 6:22] = value
    else:
        img[6:22, 13:15] = value
    return np.repeat(img[None], n, axis=0)


def moments(img):
    ys, xs = np.indices(img.shape)
    m = img.sum()
    cy, cx = (img * ys).sum() / m, (img * xs).sum() / m
    mu20 = (img * (xs - cx) ** 2).sum() / m
    mu02 = (img * (ys - cy) ** 2).sum() / m
    mu11 = (img * (xs - cx) * (ys - cy)).sum() / m
    return m, cy, cx, mu20, mu02, mu11


# --- the kinds ---------------------------------------------------------------


def test_list_and_table_agree():
    assert list_corruptions() == list(CORRUPTIONS)
    assert len(CORRUPTIONS) >= 12
    for required in ["gaussian_noise", "impulse_noise", "gaussian_blur", "contrast",
                     "brightness", "rotation", "shear", "scale", "translation", "jpeg",
                     "pixelate", "inversion"]:  # fmt: skip
        assert required in CORRUPTIONS
    assert all(len(v[1]) == 5 for v in SEVERITY_PARAMETERS.values())


@pytest.mark.parametrize("kind", RANDOM_KINDS)
def test_random_kinds_are_seeded(kind, sample):
    X = sample[0]
    a = corrupt(X, kind, 4, random_state=0)
    np.testing.assert_array_equal(a, corrupt(X, kind, 4, random_state=0))
    assert not np.array_equal(a, corrupt(X, kind, 4, random_state=1))


@pytest.mark.parametrize("kind", sorted(set(CORRUPTIONS) - set(RANDOM_KINDS)))
def test_deterministic_kinds_ignore_the_seed(kind, sample):
    X = sample[0]
    np.testing.assert_array_equal(
        corrupt(X, kind, 4, random_state=0), corrupt(X, kind, 4, random_state=1)
    )


@pytest.mark.parametrize("kind", sorted(set(CORRUPTIONS) - {"inversion"}))
def test_change_grows_with_severity(kind, sample):
    X = sample[0].astype(float)
    change = [
        np.abs(corrupt(X, kind, s, random_state=0) - X).mean() for s in range(1, 6)
    ]
    assert change[0] > 0.5  # grey levels: even severity 1 changes the images
    assert all(b > a for a, b in itertools.pairwise(change)), change


def test_inversion_is_exact_at_every_severity(sample):
    X = sample[0]
    for s in range(1, 6):
        np.testing.assert_array_equal(corrupt(X, "inversion", s), 255 - X)
    Xf = X / 255.0
    np.testing.assert_allclose(corrupt(Xf, "inversion"), 1.0 - Xf)


def test_translation_moves_the_centre_of_mass_by_the_stated_pixels():
    X = np.zeros((20, 28, 28))
    X[:, 10:18, 11:17] = 100.0
    for s in range(1, 6):
        out = corrupt(X, "translation", s, random_state=s)
        shifts = set()
        for img in out:
            m, cy, cx, *_ = moments(img)
            assert m == pytest.approx(X[0].sum())
            shifts.add(
                (round(cy - moments(X[0])[1], 6), round(cx - moments(X[0])[2], 6))
            )
        assert shifts <= {(dy, dx) for dy in (-s, s) for dx in (-s, s)}
        assert len(shifts) > 1  # the signs are drawn


def test_rotation_turns_by_the_stated_angle_and_keeps_the_mass():
    X = bar(n=10)
    for s in (2, 5):
        angle = param("rotation", s)
        out = corrupt(X, "rotation", s, random_state=0)
        signs = set()
        for img in out:
            m, cy, cx, mu20, mu02, mu11 = moments(img)
            theta = np.degrees(0.5 * np.arctan2(2 * mu11, mu20 - mu02))
            assert abs(theta) == pytest.approx(angle, abs=2.0)
            assert m == pytest.approx(X[0].sum(), rel=0.02)
            assert (cy, cx) == pytest.approx((13.5, 13.5), abs=0.3)  # stays centred
            signs.add(np.sign(theta))
        assert signs == {-1.0, 1.0}


def test_shear_slants_a_vertical_bar_by_the_stated_factor():
    X = bar(horizontal=False, n=6)
    k = param("shear", 5)
    for img in corrupt(X, "shear", 5, random_state=0):
        m, _cy, _cx, _mu20, mu02, mu11 = moments(img)
        assert abs(mu11 / mu02) == pytest.approx(k, abs=0.05)  # slope of x against y
        assert m == pytest.approx(X[0].sum(), rel=0.02)


def test_scale_shrinks_about_the_centre():
    X = bar(n=1)
    z = param("scale", 5)
    out = corrupt(X, "scale", 5)[0]
    _, cy, cx, mu20, *_ = moments(out)
    assert np.sqrt(mu20) == pytest.approx(np.sqrt(moments(X[0])[3]) * z, rel=0.1)
    assert (cy, cx) == pytest.approx((13.5, 13.5), abs=0.3)


def test_noise_has_the_stated_strength():
    X = np.full((50, 28, 28), 128.0)
    s = param("gaussian_noise", 3)
    diff = corrupt(X, "gaussian_noise", 3, random_state=0) - X
    assert diff.std() == pytest.approx(s * 255, rel=0.03)
    assert abs(diff.mean()) < 0.5
    p = param("impulse_noise", 3)
    out = corrupt(X, "impulse_noise", 3, random_state=0)
    assert np.mean(out != 128) == pytest.approx(p, rel=0.1)
    assert set(np.unique(out)) == {0.0, 128.0, 255.0}


def test_brightness_raises_the_mean_and_contrast_lowers_the_std(sample):
    X = np.random.default_rng(0).uniform(40, 140, size=(10, 28, 28))
    b = param("brightness", 2)
    np.testing.assert_allclose(corrupt(X, "brightness", 2), X + b * 255)
    c = param("contrast", 4)
    out = corrupt(X, "contrast", 4)
    np.testing.assert_allclose(out.std(axis=(1, 2)), c * X.std(axis=(1, 2)))
    np.testing.assert_allclose(out.mean(axis=(1, 2)), X.mean(axis=(1, 2)))
    real = sample[0]
    assert corrupt(real, "brightness", 1).mean() > real.mean() + 20
    assert corrupt(real, "contrast", 1).std() < real.std()


def test_gaussian_blur_spreads_a_point_by_the_stated_sigma():
    X = np.zeros((1, 29, 29))
    X[0, 14, 14] = 1.0
    for s in range(1, 6):
        out = corrupt(X, "gaussian_blur", s)[0]
        _, _cy, _cx, mu20, mu02, _ = moments(out)
        assert np.sqrt(mu20) == pytest.approx(param("gaussian_blur", s), abs=0.04)
        assert np.sqrt(mu02) == pytest.approx(param("gaussian_blur", s), abs=0.04)


def test_pixelate_leaves_blocks_and_jpeg_artefacts_grow(sample):
    X = sample[0]
    out = corrupt(X, "pixelate", 5).reshape(-1, 28, 28)
    side = param("pixelate", 5)
    for img in out[:5]:
        assert len(np.unique(img, axis=0)) <= side
        assert np.unique(img, axis=1).shape[1] <= side
    err = [np.abs(corrupt(X, "jpeg", s).astype(float) - X).mean() for s in (1, 5)]
    assert err[1] > 1.5 * err[0]


@pytest.mark.parametrize(
    ("shape", "dtype", "scale"),
    [((7, 784), np.uint8, 255), ((7, 28, 28), np.float32, 1.0),
     ((7, 28, 28, 1), np.float64, 255.0), ((3, 32, 32), np.float32, 1.0)],
)  # fmt: skip
@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_shape_dtype_and_scale_are_kept(kind, shape, dtype, scale, sample):
    side = 32 if 32 in shape else 28
    base = sample[0][: shape[0]].reshape(-1, 28, 28)
    base = np.pad(base, ((0, 0), (0, side - 28), (0, side - 28)))
    X = (base / 255 * scale).astype(dtype).reshape(shape)
    out = corrupt(X, kind, 5, random_state=0)
    assert out.shape == X.shape
    assert out.dtype == X.dtype
    assert out.min() >= 0
    assert out.max() <= scale
    if scale == 255 and kind in ("brightness", "inversion"):
        assert out.max() > 1  # still on the 0-255 scale


def test_float_and_uint8_inputs_agree(sample):
    X = sample[0][:10]
    for kind in ("rotation", "gaussian_noise", "pixelate"):
        a = corrupt(X, kind, 3, random_state=0).astype(float)
        b = corrupt(X / 255.0, kind, 3, random_state=0) * 255
        assert np.abs(a - b).max() <= 0.5 + 1e-6


def test_errors(sample):
    X = sample[0]
    with pytest.raises(ValueError, match="Did you mean 'gaussian_noise'"):
        corrupt(X, "gausian_noise")
    with pytest.raises(ValueError, match="Unknown corruption kind 'snow'"):
        corrupt(X, "snow")
    for bad in (0, 6, 2.5, True, "3"):
        with pytest.raises(ValueError, match="severity must be an int from 1"):
            corrupt(X, "contrast", bad)
    with pytest.raises(ValueError, match="square image"):
        corrupt(X[:, :783], "contrast")
    with pytest.raises(ValueError, match=r"got shape \(2, 28, 28, 3\)"):
        corrupt(np.zeros((2, 28, 28, 3)), "contrast")
    with pytest.raises(ValueError, match=r"got shape \(784,\)"):
        corrupt(X[0], "contrast")


# --- evaluate_robustness -----------------------------------------------------


@pytest.fixture(scope="module")
def logreg(sample):
    X, y = load_sample(return_X_y=True)
    keep = np.ones(len(y), bool)
    keep[::10] = False  # the test images of `sample` are not trained on
    scale = FunctionTransformer(
        lambda Z: np.asarray(Z, float).reshape(len(Z), -1) / 255
    )
    return make_pipeline(scale, KNeighborsClassifier(3)).fit(X[keep], y[keep])


def test_evaluate_robustness_structure(logreg, sample):
    X, y = sample
    res = evaluate_robustness(logreg, X, y, severities=(1, 3, 5))
    assert isinstance(res, RobustnessResult)
    assert res.kinds == list_corruptions()
    assert res.severities == [1, 3, 5]
    assert res.accuracy.shape == (len(CORRUPTIONS), 3)
    assert res.clean_accuracy == pytest.approx(logreg.score(X, y))
    assert res.mean_corruption_accuracy == pytest.approx(res.accuracy.mean())
    # each cell is the accuracy on the corrupted images of corrupt(..., random_state=0)
    i = res.kinds.index("rotation")
    expected = logreg.score(corrupt(X, "rotation", 5, random_state=0), y)
    assert res.accuracy[i, 2] == pytest.approx(expected)
    d = res.to_dict()
    assert d["clean_accuracy"] == res.clean_accuracy
    assert d["accuracy"]["rotation"]["5"] == pytest.approx(expected)
    assert set(d["accuracy"]) == set(CORRUPTIONS)
    back = RobustnessResult.from_dict(d)
    np.testing.assert_array_equal(back.accuracy, res.accuracy)
    assert back.severities == [1, 3, 5]
    assert back.mean_corruption_accuracy == res.mean_corruption_accuracy
    md = res.to_markdown().splitlines()
    assert md[0] == "| kind | s1 | s3 | s5 | mean |"
    assert len(md) == 2 + len(CORRUPTIONS) + 1
    assert f"{res.mean_corruption_accuracy:.4f}" in md[-1]
    assert res.kind_accuracy["rotation"] == pytest.approx(res.accuracy[i].mean())
    assert "Pipeline" in str(res)


def test_evaluate_robustness_errors(logreg, sample):
    X, y = sample
    with pytest.raises(ValueError, match="Did you mean 'contrast'"):
        evaluate_robustness(logreg, X, y, kinds=["contrst"])
    with pytest.raises(ValueError, match="at least one"):
        evaluate_robustness(logreg, X, y, kinds=[])
    with pytest.raises(ValueError, match="severity"):
        evaluate_robustness(logreg, X, y, severities=(0,))
    with pytest.raises(ValueError, match="different lengths"):
        evaluate_robustness(logreg, X, y[:-1])
    with pytest.raises(TypeError, match="predict"):
        evaluate_robustness(object(), X, y)


def test_lenet5_accuracy_drops_with_noise_severity(sample):
    pytest.importorskip("onnxruntime")
    from fashionzoo.inference import InferenceModel

    X, y = load_sample(return_X_y=True)
    model = InferenceModel("lenet5")
    res = evaluate_robustness(model, X, y, kinds=["gaussian_noise", "inversion"])
    noise = res.accuracy[0]
    assert res.clean_accuracy > 0.85
    assert all(b <= a + 0.01 for a, b in itertools.pairwise(noise)), noise
    assert noise[-1] < noise[0] - 0.05
    # an inverted garment (dark on light) fools a net trained on light on dark
    assert res.accuracy[1].max() < 0.5
    assert res.estimator == "lenet5"


# --- plots -------------------------------------------------------------------


def test_plot_robustness_lines(logreg, sample, tmp_path):
    X, y = sample
    res = evaluate_robustness(
        logreg, X, y, kinds=["contrast", "jpeg"], severities=(1, 2, 5)
    )
    disp = plot_robustness(res)
    assert disp.ax_.figure is disp.figure_
    lines = disp.lines_[0]
    assert list(lines) == ["contrast", "jpeg"]
    np.testing.assert_allclose(lines["jpeg"].get_ydata(), res.accuracy[1])
    np.testing.assert_array_equal(lines["jpeg"].get_xdata(), [1, 2, 5])
    clean = [ln for ln in disp.ax_.lines if ln.get_label() == "clean"]
    assert clean[0].get_ydata()[0] == pytest.approx(res.clean_accuracy)
    assert f"{res.mean_corruption_accuracy:.3f}" in disp.ax_.get_title()
    disp.figure_.savefig(tmp_path / "robustness.png")

    two = plot_robustness([res, res])
    assert two.ax_.shape == (2,)
    assert len(two.lines_) == 2
    with pytest.raises(TypeError, match="RobustnessResult"):
        plot_robustness([])


def test_plot_corruptions_grid(sample, tmp_path):
    X = sample[0][:2]
    disp = plot_corruptions(X, kinds=["inversion", "brightness"], severities=(1, 5))
    assert disp.images.shape == (2, 2, 2, 28, 28)
    np.testing.assert_array_equal(disp.images[0, 0, 1], 255 - X[1].reshape(28, 28))
    grid = disp.image_.get_array()
    assert grid.shape == (2 * 29 - 1, 4 * 29 - 1)
    np.testing.assert_array_equal(grid[:28, 29:57], 255 - X[1].reshape(28, 28))
    assert [t.get_text() for t in disp.ax_.get_yticklabels()] == [
        "inversion",
        "brightness",
    ]
    assert disp.image_.get_clim() == (0, 255.0)
    disp.figure_.savefig(tmp_path / "corruptions.png")
    one = plot_corruptions(X[0].reshape(28, 28), kinds=["jpeg"])
    assert one.images.shape == (1, 5, 1, 28, 28)


def test_bench_robustness_summaries(logreg, sample, tmp_path, monkeypatch):
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import bench_robustness

    X, y = sample
    res = evaluate_robustness(logreg, X, y, kinds=["contrast", "inversion"])
    row = {"network": "logreg", **res.to_dict()}
    row.update(host={"cpu": "test cpu", "cores": 1}, date="2026-12-07T00:00:00Z")
    bench_robustness.write_summaries([row, {**row, "network": "other"}], tmp_path)
    table = (tmp_path / "robustness_table.rst").read_text().splitlines()
    assert table[1].split() == ["logreg", "other"]
    mean = f"**{res.mean_corruption_accuracy:.3f}**"
    assert table[5].split() == ["**mean", "corruption**", mean, mean]
    assert table[-2].split()[0] == "inversion"
    md = (tmp_path / "robustness.md").read_text()
    assert f"**{res.mean_corruption_accuracy:.4f}**" in md
    assert (tmp_path / "robustness.png").stat().st_size > 1000


def _bench_robustness(monkeypatch):
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import bench_robustness

    return bench_robustness


def _card_row(logreg, sample, clean_accuracy=None):
    X, y = sample
    res = evaluate_robustness(logreg, X, y, kinds=["contrast", "inversion"])
    row = {"network": "lenet5", **res.to_dict()}
    if clean_accuracy is not None:
        row["clean_accuracy"] = clean_accuracy
    row.update(runtime="onnxruntime", n_views=1, subset="full test set")
    row.update(date="2026-12-07T00:00:00Z")
    return res, row


def test_bench_robustness_writes_the_card_entry(logreg, sample, tmp_path, monkeypatch):
    import json

    from fashionzoo import pretrained

    bench = _bench_robustness(monkeypatch)
    card = pretrained.model_card("lenet5")
    res, row = _card_row(
        logreg, sample, clean_accuracy=card["onnx"]["test_accuracy"]["onnxruntime"]
    )
    (tmp_path / "lenet5.json").write_text(json.dumps(card))
    monkeypatch.setattr(pretrained, "PRETRAINED_DIR", tmp_path)
    bench.write_cards([row])
    written = json.loads((tmp_path / "lenet5.json").read_text())
    entry = written["robustness"]
    assert entry["mean_corruption_accuracy"] == round(res.mean_corruption_accuracy, 4)
    assert entry["kind_accuracy"] == {
        k: round(v, 4) for k, v in res.kind_accuracy.items()
    }
    assert entry["runtime"].startswith("onnxruntime, the shipped float32 graph")
    assert "2 kinds x 5 severities, random_state=0" in entry["corruptions"]
    rest = {k: v for k, v in card.items() if k != "robustness"}
    assert {k: v for k, v in written.items() if k != "robustness"} == rest


def test_bench_robustness_refuses_a_row_the_card_contradicts(
    logreg, sample, tmp_path, monkeypatch
):
    import json

    from fashionzoo import pretrained

    bench = _bench_robustness(monkeypatch)
    card = pretrained.model_card("lenet5")
    _, row = _card_row(logreg, sample, clean_accuracy=0.5)
    before = json.dumps(card)
    (tmp_path / "lenet5.json").write_text(before)
    monkeypatch.setattr(pretrained, "PRETRAINED_DIR", tmp_path)
    with pytest.raises(SystemExit, match=r"clean accuracy 0\.5 under onnxruntime is"):
        bench.write_cards([row])
    assert (tmp_path / "lenet5.json").read_text() == before
    bench.write_cards([{**row, "subset": "stratified_subset(test, 2000)"}])
    assert (tmp_path / "lenet5.json").read_text() == before


def test_every_card_gives_its_mean_corruption_accuracy():
    from fashionzoo.pretrained import list_pretrained, model_card

    for name in list_pretrained():
        card = model_card(name)
        entry = card["robustness"]
        assert entry["test_images"] == 10_000
        assert entry["clean_accuracy"] == card["onnx"]["test_accuracy"]["onnxruntime"]
        assert entry["clean_accuracy"] == card["test_accuracy"]
        assert list(entry["kind_accuracy"]) == list_corruptions()
        mean = np.mean(list(entry["kind_accuracy"].values()))
        assert entry["mean_corruption_accuracy"] == pytest.approx(mean, abs=1e-4)
        assert 0.1 < entry["mean_corruption_accuracy"] < entry["clean_accuracy"]
        assert entry["runtime"].startswith("onnxruntime")
