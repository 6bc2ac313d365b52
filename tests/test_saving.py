"""fashionzoo's safe file format: round trips, damage, no pickle, URLs, atomic writes."""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import zipfile

import numpy as np
import pytest

import fashionzoo
from fashionzoo.exceptions import ChecksumError
from fashionzoo.saving import ModelFileError, load, read_metadata, save
from fashionzoo.testing import fast_instance, make_images


@pytest.fixture(scope="module")
def data():
    X, y = make_images(10, 3)
    return X, np.array(["bag", "coat", "shirt"])[y]


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    est = fast_instance(
        fashionzoo.LeNet5Classifier,
        epochs=1,
        augment="standard",
        tta=True,
        class_weight={"bag": 2.0, "coat": 1.0, "shirt": 1.0},
    )
    return est.fit(X, y)


@pytest.mark.parametrize("weights", ["keras", "float32"])
def test_round_trip_is_bit_identical(fitted, data, tmp_path, weights):
    X, _ = data
    path = fitted.save(tmp_path / "m.fzoo", weights=weights)
    restored = fashionzoo.load(path)
    assert type(restored) is type(fitted)
    assert restored.get_params() == fitted.get_params()
    np.testing.assert_array_equal(restored.predict_proba(X), fitted.predict_proba(X))
    np.testing.assert_array_equal(restored.classes_, fitted.classes_)
    assert restored.history_ == fitted.history_
    assert restored.n_iter_ == fitted.n_iter_
    # and it trains on
    restored.partial_fit(*data)
    assert restored.n_iter_ == fitted.n_iter_ + 1


def test_float16_weights_halve_the_file(fitted, data, tmp_path):
    X, _ = data
    full = save(fitted, tmp_path / "a.fzoo", weights="float32")
    half = save(fitted, tmp_path / "b.fzoo", weights="float16")
    assert half.stat().st_size < 0.7 * full.stat().st_size
    np.testing.assert_allclose(
        load(half).predict_proba(X), fitted.predict_proba(X), atol=2e-3
    )


def test_other_networks_and_transfer_round_trip(data, tmp_path):
    from fashionzoo.transfer import TransferClassifier

    X, y = data
    for est in (
        fast_instance(fashionzoo.FastResNetClassifier, epochs=1),
        TransferClassifier(
            "vgg16", weights=None, input_size=32, head_units=8, epochs=1, random_state=0
        ),
    ):
        est.fit(X, y)
        restored = load(est.save(tmp_path / f"{type(est).__name__}.fzoo"))
        np.testing.assert_array_equal(restored.predict_proba(X), est.predict_proba(X))


@pytest.mark.parametrize("weights", ["keras", "float32"])
def test_a_file_saved_before_a_parameter_was_added_keeps_its_network(
    data, tmp_path, weights
):
    # fast_resnet's whiten and dirac came later, with True as their default: a
    # file without them holds the network without the layer and must load as
    # such, not be rebuilt with it (float32 weights rebuild from the params).
    X, y = data
    old = fast_instance(
        fashionzoo.FastResNetClassifier, whiten=False, dirac=False, epochs=1
    ).fit(X, y)

    def before_the_parameters(meta):
        del meta["params"]["whiten"], meta["params"]["dirac"]
        return meta

    path = old.save(tmp_path / "old.fzoo", weights=weights)
    older = _edit_meta(path, tmp_path / "older.fzoo", before_the_parameters)
    assert "whiten" not in read_metadata(older)["params"]
    restored = load(older)
    assert (restored.whiten, restored.dirac) == (False, False)
    np.testing.assert_array_equal(restored.predict_proba(X), old.predict_proba(X))
    restored.partial_fit(X, y)  # refits the same network
    assert restored.model_.count_params() == old.model_.count_params()


def test_a_pickle_from_before_a_parameter_was_added_keeps_its_network(data):
    X, y = data
    old = fast_instance(
        fashionzoo.FastResNetClassifier, whiten=False, dirac=False, epochs=1
    ).fit(X, y)
    state = old.__getstate__()
    del state["whiten"], state["dirac"]
    restored = type(old).__new__(type(old))
    restored.__setstate__(state)
    assert (restored.whiten, restored.dirac) == (False, False)
    np.testing.assert_array_equal(restored.predict_proba(X), old.predict_proba(X))
    assert fashionzoo.FastResNetClassifier(**restored.get_params()).whiten is False


def test_load_runs_no_pickle(fitted, data, tmp_path, monkeypatch):
    path = fitted.save(tmp_path / "m.fzoo")

    def refuse(*args, **kwargs):
        raise AssertionError("pickle was used")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    assert load(path).predict(data[0][:2]).shape == (2,)


def _resign(members, meta):
    """Write ``meta`` back with a matching content hash, as a forger would."""
    from fashionzoo._fileformat import content_sha256

    meta["content_sha256"] = content_sha256(meta)
    members["estimator.json"] = json.dumps(meta).encode()


def _rewrite(path, out, change):
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    change(members)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out


def test_damaged_files_are_errors_that_name_them(fitted, tmp_path):
    path = fitted.save(tmp_path / "good.fzoo")
    raw = path.read_bytes()
    truncated = tmp_path / "truncated.fzoo"
    truncated.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ModelFileError, match=r"truncated\.fzoo.*truncated or not"):
        load(truncated)
    text = tmp_path / "notes.fzoo"
    text.write_text("hello")
    with pytest.raises(ModelFileError, match="not a fashionzoo model file"):
        load(text)

    def flip(members):
        data = bytearray(members["model.keras"])
        data[len(data) // 2] ^= 0xFF
        members["model.keras"] = bytes(data)

    altered = _rewrite(path, tmp_path / "altered.fzoo", flip)
    with pytest.raises(ChecksumError, match=r"altered\.fzoo.*model\.keras has SHA256"):
        load(altered)
    assert path.read_bytes() == raw


def test_another_class_in_the_metadata_is_refused(fitted, tmp_path):
    path = fitted.save(tmp_path / "m.fzoo")

    def swap(members):
        meta = json.loads(members["estimator.json"])
        meta["estimator"] = "os.system"
        _resign(members, meta)

    with pytest.raises(ModelFileError, match="does not match its network"):
        load(_rewrite(path, tmp_path / "swapped.fzoo", swap))


class Tuned(fashionzoo.LeNet5Classifier):
    """A user's subclass, defined in a test module."""


def test_a_subclass_saves_and_loads_as_itself(data, tmp_path):
    X, y = data
    est = fast_instance(Tuned, epochs=1).fit(X, y)
    path = est.save(tmp_path / "tuned.fzoo")
    assert read_metadata(path)["class"] == f"{__name__}.Tuned"
    restored = load(path)
    assert type(restored) is Tuned
    np.testing.assert_array_equal(restored.predict_proba(X), est.predict_proba(X))


def test_a_class_not_registered_is_refused_with_what_to_do(fitted, tmp_path):
    path = fitted.save(tmp_path / "m.fzoo")

    def rename(members):
        meta = json.loads(members["estimator.json"])
        meta["class"] = "mylab.models.Tuned"
        _resign(members, meta)

    with pytest.raises(
        ModelFileError, match=r"mylab\.models\.Tuned.*import the module"
    ):
        load(_rewrite(path, tmp_path / "unknown.fzoo", rename))


def test_files_naming_the_class_without_its_module_still_load(fitted, data, tmp_path):
    # Format versions 1 and 2 wrote the bare class name only.
    path = fitted.save(tmp_path / "m.fzoo")

    def older(members):
        meta = json.loads(members["estimator.json"])
        del meta["class"]
        meta["version"] = 2
        _resign(members, meta)

    restored = load(_rewrite(path, tmp_path / "v2.fzoo", older))
    assert type(restored) is fashionzoo.LeNet5Classifier
    np.testing.assert_array_equal(
        restored.predict_proba(data[0]), fitted.predict_proba(data[0])
    )


def test_an_unsafe_keras_model_is_refused(fitted, tmp_path):
    from fashionzoo._keras import keras

    inputs = keras.Input((28, 28, 1))
    outputs = keras.layers.Lambda(lambda x: x * 2)(inputs)
    unsafe = tmp_path / "unsafe.keras"
    keras.Model(inputs, outputs).save(unsafe)
    path = fitted.save(tmp_path / "m.fzoo")

    def inject(members):
        members["model.keras"] = unsafe.read_bytes()
        meta = json.loads(members["estimator.json"])
        meta["members"]["model.keras"] = hashlib.sha256(
            members["model.keras"]
        ).hexdigest()
        _resign(members, meta)

    with pytest.raises(ModelFileError, match="cannot be read safely"):
        load(_rewrite(path, tmp_path / "injected.fzoo", inject))


def test_a_failed_save_leaves_the_old_file(fitted, tmp_path, monkeypatch):
    path = fitted.save(tmp_path / "m.fzoo")
    before = path.read_bytes()

    def full_disk(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full_disk)
    with pytest.raises(OSError, match="No space"):
        fitted.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.fzoo"]


def test_save_needs_an_existing_folder(fitted, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        fitted.save(tmp_path / "missing" / "m.fzoo")


def test_metadata_without_loading(fitted, tmp_path):
    meta = read_metadata(fitted.save(tmp_path / "m.fzoo"))
    assert meta["estimator"] == "LeNet5Classifier"
    assert meta["model_name"] == "lenet5"
    assert meta["fitted"]["n_iter_"] == 1


def test_load_from_a_url_checks_the_sha256(
    fitted, data, tmp_path, httpserver, monkeypatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    raw = fitted.save(tmp_path / "m.fzoo").read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    httpserver.expect_request("/m.fzoo").respond_with_data(raw)
    url = httpserver.url_for("/m.fzoo")
    restored = load(url, sha256=digest)
    np.testing.assert_array_equal(
        restored.predict_proba(data[0]), fitted.predict_proba(data[0])
    )
    with pytest.raises(ValueError, match="needs its SHA256"):
        load(url)
    httpserver.expect_request("/other.fzoo").respond_with_data(raw + b"x")
    with pytest.raises(ChecksumError, match=digest):
        load(httpserver.url_for("/other.fzoo"), sha256=digest)
    assert not list((tmp_path / "cache").rglob("other.fzoo"))


def _edit_meta(path, out, edit, *, resign=True):
    def change(members):
        meta = json.loads(members["estimator.json"])
        meta = edit(meta)
        if resign:
            _resign(members, meta)
        else:
            members["estimator.json"] = json.dumps(meta).encode()

    return _rewrite(path, out, change)


def _set_fitted(key, value):
    def edit(meta):
        meta["fitted"][key] = value
        return meta

    return edit


def test_an_edited_estimator_json_is_an_error(fitted, tmp_path):
    path = fitted.save(tmp_path / "m.fzoo")
    reverse = _set_fitted(
        "classes_", {"__ndarray__": ["shirt", "coat", "bag"], "dtype": "<U5"}
    )
    edited = _edit_meta(path, tmp_path / "edited.fzoo", reverse, resign=False)
    with pytest.raises(
        ChecksumError, match=r"edited\.fzoo.*estimator\.json has SHA256"
    ):
        load(edited)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "classes_",
            {"__ndarray__": ["shirt", "coat", "bag"], "dtype": "<U5"},
            "sorted",
        ),
        (
            "classes_",
            {"__ndarray__": ["bag", "coat"], "dtype": "<U5"},
            "2 labels.*3 outputs",
        ),
        ("pixel_scale_", 1.0, "scales pixels by 0.0039"),
        ("pixel_scale_", "x", "1/255"),
        (
            "predict_proba",
            0,
            "sets predict_proba, which LeNet5Classifier does not save",
        ),
        ("n_iter_", "3", "n_iter_ must be an integer"),
        ("image_shape_", [28, 28, 3], r"\[height, width, 1\]"),
        ("params", {"no_such": 1}, "parameters are not LeNet5Classifier's"),
    ],
)
def test_fitted_attributes_are_checked_even_with_matching_hashes(
    fitted, tmp_path, key, value, message
):
    path = fitted.save(tmp_path / "m.fzoo")

    def edit(meta):
        (meta if key == "params" else meta["fitted"])[key] = value
        return meta

    forged = _edit_meta(path, tmp_path / "forged.fzoo", edit)
    with pytest.raises(ModelFileError, match=rf"forged\.fzoo.*{message}"):
        load(forged)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda meta: [meta], "holds a list, not an object"),
        (
            lambda meta: {k: v for k, v in meta.items() if k != "params"},
            "'params' is missing",
        ),
        (
            lambda meta: {k: v for k, v in meta.items() if k != "fitted"},
            "'fitted' is missing",
        ),
        (lambda meta: {**meta, "version": "2"}, "version is '2'"),
        (lambda meta: {**meta, "version": None}, "version is None"),
    ],
)
def test_a_malformed_estimator_json_is_a_model_file_error(
    fitted, tmp_path, edit, message
):
    path = fitted.save(tmp_path / "m.fzoo")
    bad = _edit_meta(path, tmp_path / "bad.fzoo", edit, resign=False)
    with pytest.raises(ModelFileError, match=rf"bad\.fzoo.*{message}"):
        load(bad)


@pytest.mark.parametrize(
    ("name", "size"), [("model.keras", 64 * 2**20), ("estimator.json", 40 * 2**20)]
)
def test_a_zip_bomb_is_refused_before_it_is_read(fitted, tmp_path, name, size):
    path = fitted.save(tmp_path / "m.fzoo")

    def inflate(members):
        members[name] = members[name] + b" " * size

    bomb = _rewrite(path, tmp_path / "bomb.fzoo", inflate)
    with zipfile.ZipFile(bomb) as archive:  # the archive itself is small
        assert archive.getinfo(name).compress_size < size / 100
    with pytest.raises(ModelFileError, match=rf"bomb\.fzoo.*{name}.*declares"):
        load(bomb)


@pytest.mark.parametrize(
    ("weights", "name", "size"),
    [("float32", "weights.npz", 2 * 2**20), ("keras", "model.keras", 10 * 2**20)],
)
def test_a_member_larger_than_its_network_can_need_is_refused(
    fitted, tmp_path, weights, name, size
):
    # Random bytes do not compress: the ratio limit lets them through, the
    # bound derived from the declared network does not.
    path = fitted.save(tmp_path / "m.fzoo", weights=weights)
    padding = np.random.default_rng(0).bytes(size)

    def pad(members):
        members[name] = members[name] + padding

    padded = _rewrite(path, tmp_path / "padded.fzoo", pad)
    with pytest.raises(
        ModelFileError, match=rf"padded\.fzoo.*{name} declares .* parameters can need"
    ):
        load(padded)


def test_sha256_in_any_case_with_spaces_is_accepted(fitted, data, tmp_path):
    path = fitted.save(tmp_path / "m.fzoo")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    for given in (digest.upper(), f"  {digest}\n", f"sha256:{digest}"):
        assert load(path, sha256=given).n_iter_ == fitted.n_iter_
    with pytest.raises(ValueError, match="64 hexadecimal digits"):
        load(path, sha256="abc")
    with pytest.raises(ChecksumError, match=digest):
        load(path, sha256="0" * 64)


def test_a_full_disk_names_the_file_and_says_nothing_was_saved(
    fitted, tmp_path, monkeypatch
):
    import errno

    from fashionzoo.exceptions import SaveError

    def full_disk(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full_disk)
    target = tmp_path / "m.fzoo"
    with pytest.raises(
        SaveError, match=r"cannot write .*m\.fzoo: No space.*nothing was saved"
    ) as info:
        fitted.save(target)
    assert isinstance(info.value, OSError)
    assert info.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []


def test_the_same_model_saved_twice_gives_the_same_bytes(fitted, data, tmp_path):
    import time

    first, second = tmp_path / "a.fzoo", tmp_path / "b.fzoo"
    save(fitted, first)
    time.sleep(1.1)  # Keras's save date and zip times have one-second steps
    save(fitted, second)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        inner = zipfile.ZipFile(io.BytesIO(archive.read("model.keras")))
        assert "date_saved" not in json.loads(inner.read("metadata.json"))
    X, _ = data
    np.testing.assert_array_equal(load(first).predict_proba(X), fitted.predict_proba(X))
