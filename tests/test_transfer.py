"""TransferClassifier and the backbone table: build, weights, graph, caching, sklearn."""

from __future__ import annotations

import inspect
import os
import pathlib
import pickle
import re
import subprocess
import sys
import urllib.error
import warnings

import keras
import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.utils.estimator_checks import estimator_checks_generator

from fashionzoo.exceptions import UnknownModelError, WeightsNotFoundError
from fashionzoo.models.backbones import (
    BackbonePreprocess,
    build_backbone,
    get_backbone,
    list_backbones,
)
from fashionzoo.testing import (
    expected_failed_checks,
    fast_instance,
    make_images,
    skip_platform_dependent,
)
from fashionzoo.transfer import TransferClassifier

# Small and quick: VGG16 builds in under a second and, even with random
# weights, gives features that vary between images (MobileNetV2's random
# features are ~1e-13).
FAST = {
    "backbone": "vgg16",
    "weights": None,
    "input_size": 32,
    "head_units": 8,
    "epochs": 2,
    "batch_size": 128,
    "learning_rate": 0.01,
    "random_state": 0,
}


@pytest.fixture(scope="module")
def data():
    return make_images(8, 3)


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return TransferClassifier(**FAST).fit(X, y)


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """Keras's cache in tmp_path; a download writes a partial file, then fails.

    Keras reads KERAS_HOME when it is imported, so its cache folder is patched
    too. The attempted URLs are returned.
    """
    attempts = []

    def fail(url, filename, *args, **kwargs):
        attempts.append(url)
        pathlib.Path(filename).write_bytes(b"the first bytes")
        raise urllib.error.URLError("no network in tests")

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr("keras.src.backend.config._KERAS_DIR", str(tmp_path))
    monkeypatch.setattr("keras.src.utils.file_utils.urlretrieve", fail)
    return attempts


def _keras_weights_file(name, side, monkeypatch):
    """Where in Keras's cache its constructor looks for ``name``'s ImageNet weights."""
    asked = {}

    class Asked(Exception):
        pass

    def record(fname, origin, *args, cache_subdir="datasets", **kwargs):
        asked.update(fname=fname, cache_subdir=cache_subdir)
        raise Asked

    constructor = get_backbone(name).constructor
    with monkeypatch.context() as patch, warnings.catch_warnings():
        patch.setattr("keras.src.utils.file_utils.get_file", record)
        warnings.simplefilter("ignore")  # MobileNetV2's side warning
        with pytest.raises(Asked):
            constructor(
                include_top=False, weights="imagenet", input_shape=(side, side, 3)
            )
    return pathlib.Path(asked["cache_subdir"], asked["fname"])


# ----------------------------------------------------------------- table
def test_backbone_table():
    names = list_backbones()
    expected = {
        "vgg16",
        "resnet50",
        "resnet152v2",
        "xception",
        "inception_v3",
        "mobilenet_v2",
        "efficientnet_b0",
        "densenet121",
    }
    assert expected <= set(names)
    assert names == sorted(names)
    for name in names:
        spec = get_backbone(name)
        assert spec.name == name == name.lower()
    assert get_backbone("xception").min_size == 71
    assert get_backbone("inception_v3").min_size == 75
    aliases = {
        "inceptionv3": "inception_v3",
        "InceptionV3": "inception_v3",
        "mobilenetv2": "mobilenet_v2",
        "MobileNetV2": "mobilenet_v2",
        "efficientnetb0": "efficientnet_b0",
        "EfficientNet-B0": "efficientnet_b0",
        "ResNet152V2": "resnet152v2",
        "VGG16": "vgg16",
    }
    for alias, name in aliases.items():
        assert get_backbone(alias).name == name


def test_unknown_backbone(data):
    with pytest.raises(UnknownModelError, match="Did you mean 'resnet50'") as info:
        get_backbone("resnet5")
    assert isinstance(info.value, ValueError)
    assert "Available: densenet121, efficientnet_b0" in str(info.value)
    X, y = data
    with pytest.raises(UnknownModelError, match=r"Unknown backbone 'vgg61'.*'vgg16'"):
        TransferClassifier("vgg61", weights=None).fit(X, y)


# ---------------------------------------------------------- preprocessing
def test_backbone_preprocess_layer_is_preprocess_input(rng):
    images = rng.uniform(0, 255, size=(2, 5, 5, 3)).astype("float32")
    for name in list_backbones():
        spec = get_backbone(name)
        expected = spec.preprocess_input(images.copy())  # the NumPy implementation
        layer = BackbonePreprocess(name)
        out = keras.ops.convert_to_numpy(layer(images))
        np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-4, err_msg=name)
        assert BackbonePreprocess.from_config(layer.get_config()).backbone == name
        symbolic = layer(keras.Input((7, 7, 3)))
        assert tuple(symbolic.shape) == (None, 7, 7, 3)

    def preprocess(name):
        return keras.ops.convert_to_numpy(BackbonePreprocess(name)(images))

    # The four kinds of keras.applications preprocessing.
    caffe = preprocess("vgg16")  # RGB to BGR, minus the ImageNet mean pixel
    np.testing.assert_allclose(caffe[..., 0], images[..., 2] - 103.939, rtol=1e-6)
    tf_mode = preprocess("mobilenet_v2")  # to [-1, 1]
    np.testing.assert_allclose(tf_mode, images / 127.5 - 1, rtol=1e-5, atol=1e-6)
    torch = preprocess("densenet121")  # to [0, 1], standardised per channel
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(torch, (images / 255 - mean) / std, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(preprocess("efficientnet_b0"), images)  # inside


# ------------------------------------------------------------ every backbone
# ------------------------------------------------------------ every backbone
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            name,
            marks=pytest.mark.slow(reason="564 layers: ~10s to build on 2 CPUs"),
        )
        if name == "resnet152v2"
        else name
        for name in list_backbones()
    ],
)
def test_every_backbone_builds_and_fits(name):
    spec = get_backbone(name)
    X, y = make_images(2, 2)  # 4 images
    clf = TransferClassifier(
        name, weights=None, head_units=4, epochs=1, batch_size=4, random_state=0
    ).fit(X, y)
    assert clf.input_size_ == spec.min_size
    backbone = clf.backbone_
    assert tuple(backbone.input_shape) == (None, spec.min_size, spec.min_size, 3)
    assert clf.model_.get_layer("preprocess").backbone == name
    assert not backbone.trainable
    assert clf.history_["phase"] == [1]
    proba = clf.predict_proba(X)
    assert proba.shape == (4, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)

    # Phase 2's unfreezing: the top 5 layers but BatchNormalization.
    clf.set_params(fine_tune_layers=5)._unfreeze_top(backbone)
    trainable = {w.path for w in backbone.trainable_weights}
    top = {
        w.path
        for layer in backbone.layers[-5:]
        if not isinstance(layer, keras.layers.BatchNormalization)
        for w in layer.trainable_weights
    }
    assert trainable == top
    # The backbone runs in inference mode even in a training step: with every
    # layer trainable, BatchNormalization still uses its moving statistics.
    backbone.trainable = True
    extractor = keras.Model(clf.model_.input, clf.model_.get_layer("features").output)
    images = X[..., None].astype("float32")
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(extractor(images, training=True)),
        keras.ops.convert_to_numpy(extractor(images, training=False)),
    )


def test_input_size_below_minimum(data):
    X, y = data
    with pytest.raises(ValueError, match=r"input_size=64 .* xception backbone, 71"):
        TransferClassifier("xception", weights=None, input_size=64).fit(X, y)
    with pytest.raises(ValueError, match=r"minimum input side .* 32 pixels"):
        TransferClassifier("vgg16", weights=None, input_size=28).fit(X, y)


# ------------------------------------------------------------------ weights
@pytest.fixture(scope="module")
def vgg16_weights_file(tmp_path_factory):
    """A VGG16 without top, random weights, saved by Keras; and its weights."""
    reference = keras.applications.VGG16(
        include_top=False, weights=None, input_shape=(32, 32, 3)
    )
    path = tmp_path_factory.mktemp("weights") / "b.weights.h5"
    reference.save_weights(path)
    return path, {layer.name: layer.get_weights() for layer in reference.layers[1:]}


def test_weights_from_file_frozen_then_fine_tuned(
    data, vgg16_weights_file, monkeypatch
):
    X, y = data
    path, saved = vgg16_weights_file
    at_phase_2 = {}
    unfreeze = TransferClassifier._unfreeze_top

    def snapshot_then_unfreeze(self, backbone):
        at_phase_2.update({lay.name: lay.get_weights() for lay in backbone.layers[1:]})
        unfreeze(self, backbone)

    monkeypatch.setattr(TransferClassifier, "_unfreeze_top", snapshot_then_unfreeze)
    clf = TransferClassifier(
        **{**FAST, "weights": str(path), "head_units": 64, "learning_rate": 1e-3},
        fine_tune_epochs=1,
        fine_tune_layers=2,  # block5_conv3 and block5_pool
        fine_tune_learning_rate=1e-3,
    ).fit(X, y)
    assert clf.history_["phase"] == [1, 1, 2]

    # After phase 1 (frozen) the backbone holds exactly the file's weights.
    assert list(at_phase_2) == list(saved)
    for name, weights in saved.items():
        for got, want in zip(at_phase_2[name], weights, strict=True):
            np.testing.assert_array_equal(got, want)

    # Phase 2 changed the top layer only.
    backbone = clf.backbone_
    tuned = backbone.get_layer("block5_conv3").get_weights()[0]
    assert not np.array_equal(tuned, saved["block5_conv3"][0])
    for name in ("block1_conv1", "block5_conv2"):
        for got, want in zip(
            backbone.get_layer(name).get_weights(), saved[name], strict=True
        ):
            np.testing.assert_array_equal(got, want)


def test_weights_path_missing(data, tmp_path):
    X, y = data
    missing = tmp_path / "missing.weights.h5"
    with pytest.raises(WeightsNotFoundError, match="does not exist"):
        TransferClassifier(**{**FAST, "weights": missing}).fit(X, y)


def test_weights_file_of_another_backbone(data, vgg16_weights_file):
    X, y = data
    path, _ = vgg16_weights_file
    params = {**FAST, "backbone": "xception", "input_size": None, "weights": path}
    with pytest.raises(ValueError, match="does not fit the xception backbone"):
        TransferClassifier(**params).fit(X, y)


def test_imagenet_offline_raises_weights_not_found(data, offline, tmp_path):
    X, y = data
    with pytest.raises(WeightsNotFoundError) as info:
        TransferClassifier("vgg16", weights="imagenet").fit(X, y)
    err = info.value
    message = str(err)
    assert isinstance(err, OSError)
    assert "could not download the ImageNet weights of backbone 'vgg16'" in message
    assert "no internet access?" in message
    assert "no network in tests" in message  # Keras's reason, with its URL
    assert "/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5" in message
    assert "KERAS_HOME/models" in message
    assert "weights=None" in message
    assert "weights=<path" in message
    assert "URL fetch failure" in str(err.__cause__)
    assert len(offline) == 1  # one attempt, which failed at once
    assert list((tmp_path / "models").iterdir()) == []  # nothing half-written


@pytest.mark.parametrize(
    ("name", "expected", "attempts"),
    [
        # Keras checks VGG16's file against its MD5, fails, downloads again.
        ("vgg16", "could not download the ImageNet weights", 1),
        # Keras checks no MobileNetV2 file: loading it fails.
        ("mobilenet_v2", "could not load the ImageNet weights .* delete", 0),
    ],
)
def test_imagenet_corrupt_cached_file(
    name, expected, attempts, offline, tmp_path, monkeypatch
):
    cached = tmp_path / _keras_weights_file(name, 32, monkeypatch)
    cached.parent.mkdir()
    cached.write_bytes(b"not an HDF5 file")
    with pytest.raises(WeightsNotFoundError, match=expected) as info:
        build_backbone(name, 32, weights="imagenet")
    assert f"backbone {name!r}" in str(info.value)
    assert info.value.__cause__ is not None
    assert len(offline) == attempts


def test_imagenet_cached_file_is_used_without_network(offline, tmp_path, monkeypatch):
    """A weights file in Keras's cache is loaded with no download attempt."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format  # Keras's own .h5 writer

    reference = keras.applications.MobileNetV2(
        include_top=False, weights=None, input_shape=(32, 32, 3)
    )
    cached = tmp_path / _keras_weights_file("mobilenet_v2", 32, monkeypatch)
    cached.parent.mkdir()
    with h5py.File(cached, "w") as f:  # the format of Keras's ImageNet files
        legacy_h5_format.save_weights_to_hdf5_group(f, reference)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no warning about the side
        backbone = build_backbone("MobileNetV2", 32, weights="imagenet")
    assert offline == []
    for got, want in zip(backbone.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)


# --------------------------------------------------------------- the graph
def test_saved_model_holds_the_preprocessing(fitted, data, tmp_path):
    X, _ = data
    path = tmp_path / "transfer.keras"
    fitted.model_.save(path)
    loaded = keras.saving.load_model(path)

    def all_layers(model):
        for layer in model.layers:
            yield layer
            if hasattr(layer, "layers"):
                yield from all_layers(layer)

    kinds = {type(layer).__name__ for layer in all_layers(loaded)}
    assert "Lambda" not in kinds
    assert {"Rescaling", "Resizing", "Concatenate", "BackbonePreprocess"} <= kinds
    assert loaded.get_layer("preprocess").backbone == "vgg16"

    raw = X[:, :, :, None]  # uint8 28x28, as a user has them
    assert raw.dtype == np.uint8
    proba = keras.ops.convert_to_numpy(loaded(raw.astype("float32")))
    np.testing.assert_allclose(proba, fitted.predict_proba(X), rtol=1e-5, atol=1e-7)
    assert proba.std(axis=0).max() > 0  # the images are told apart

    # predict takes (n, 784), (n, 28, 28) and (n, 28, 28, 1) alike.
    p = fitted.predict_proba(X)
    np.testing.assert_array_equal(fitted.predict_proba(X.reshape(len(X), -1)), p)
    np.testing.assert_array_equal(fitted.predict_proba(raw), p)


# ---------------------------------------------------------- feature caching
def _count_feature_passes(monkeypatch):
    calls = []
    original = TransferClassifier._extract_features

    def counting(self, images):
        calls.append(images.shape[0])
        return original(self, images)

    monkeypatch.setattr(TransferClassifier, "_extract_features", counting)
    return calls


def test_frozen_training_runs_the_backbone_once_per_fit(data, monkeypatch):
    X, y = data
    calls = _count_feature_passes(monkeypatch)
    clf = TransferClassifier(**{**FAST, "epochs": 6}).fit(X, y)
    assert calls == [len(X)]
    assert clf.n_iter_ == 6
    assert clf.history_["phase"] == [1] * 6
    assert len(clf.history_["loss"]) == 6
    assert clf.feature_time_ > 0

    clf.set_params(early_stopping=True, n_iter_no_change=2).fit(X, y)
    assert calls == [len(X), len(X)]  # validation features come from that pass
    assert "val_loss" in clf.history_

    n_epochs = clf.n_iter_
    # One head epoch, through the whole model with the backbone frozen.
    clf.set_params(fine_tune_epochs=2).partial_fit(X, y)
    assert calls == [len(X)] * 2
    assert clf.n_iter_ == n_epochs + 1
    assert clf.history_["phase"][-1] == 1
    assert not clf.backbone_.trainable


def test_augmentation_trains_through_the_whole_model(data, monkeypatch):
    X, y = data
    calls = _count_feature_passes(monkeypatch)
    clf = TransferClassifier(**{**FAST, "augment": "light", "input_size": 48}).fit(X, y)
    assert calls == []
    assert clf.history_["phase"] == [1, 1]
    assert clf.feature_time_ == 0.0
    assert clf.input_size_ == 48
    assert tuple(clf.model_.get_layer("resize").output.shape) == (None, 48, 48, 1)
    assert tuple(clf.backbone_.input_shape) == (None, 48, 48, 3)
    assert clf.model_.get_layer("augmentation").layers


def test_cached_features_train_the_head_like_the_whole_model(fitted, data, monkeypatch):
    X, y = data
    monkeypatch.setattr(TransferClassifier, "_uses_augmentation", lambda self: True)
    whole = TransferClassifier(**FAST).fit(X, y)
    np.testing.assert_allclose(
        whole.predict_proba(X), fitted.predict_proba(X), rtol=1e-4, atol=1e-6
    )
    np.testing.assert_allclose(
        whole.history_["loss"], fitted.history_["loss"], rtol=1e-4
    )


# ------------------------------------------------------------- sklearn API
def test_pickle_clone_and_random_state(fitted, data):
    X, y = data
    assert is_classifier(fitted)
    fresh = clone(fitted)
    assert fresh.get_params() == fitted.get_params()
    assert not hasattr(fresh, "model_")

    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(X), fitted.predict_proba(X))
    assert restored.backbone_.name == "vgg16"

    again = TransferClassifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), fitted.predict_proba(X))


def test_unpickles_in_a_fresh_process(fitted, data, tmp_path):
    """Unpickling registers the model's custom layers by importing the class."""
    X, _ = data
    (tmp_path / "clf.pkl").write_bytes(pickle.dumps(fitted))
    np.save(tmp_path / "X.npy", X)
    code = (
        "import pickle, sys; from pathlib import Path; import numpy as np; "
        "d = Path(sys.argv[1]); est = pickle.loads((d / 'clf.pkl').read_bytes()); "
        "np.save(d / 'proba.npy', est.predict_proba(np.load(d / 'X.npy'))); "
        "np.save(d / 'w.npy', np.concatenate([w.ravel() for w in est.model_.get_weights()]))"
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, env=env)
    proba = np.load(tmp_path / "proba.npy")
    weights = np.concatenate([w.ravel() for w in fitted.model_.get_weights()])
    np.testing.assert_array_equal(np.load(tmp_path / "w.npy"), weights)
    # Another process may run oneDNN with another thread count, whose sums
    # differ in the last bits (2.7e-7 on an AVX2 host): the network is the
    # same to the bit, its outputs to round-off.
    np.testing.assert_allclose(proba, fitted.predict_proba(X), rtol=1e-5, atol=1e-6)


def test_docstring_lists_every_parameter():
    # cleandoc: Python 3.13 strips the indentation of docstrings, older ones keep it.
    doc = inspect.cleandoc(TransferClassifier.__doc__)
    documented = set(re.findall(r"^(\w+) : ", doc, flags=re.MULTILINE))
    params = set(inspect.signature(TransferClassifier).parameters)
    assert params <= documented


def test_invalid_parameters_are_reported(data):
    X, y = data
    with pytest.raises(ValueError, match="fine_tune_layers"):
        TransferClassifier(**FAST, fine_tune_layers=0).fit(X, y)


# check_classifiers_train fits 300 blobs twice and predicts them six times,
# each time through VGG16 at 32x32: ~30s of CPU per variant, so the three
# variants run with -m slow; every other check runs by default.
_SLOW_CHECKS = {"check_classifiers_train"}


def _check_id(check):
    func = getattr(check, "func", check)
    kwargs = ",".join(f"{k}={v}" for k, v in getattr(check, "keywords", {}).items())
    return f"{func.__name__}({kwargs})" if kwargs else func.__name__


def _sklearn_checks():
    estimator = fast_instance(TransferClassifier, **FAST)
    for item in estimator_checks_generator(
        estimator,
        legacy=True,
        expected_failed_checks=expected_failed_checks(estimator),
        mark="xfail",
    ):
        values = getattr(item, "values", item)
        marks = list(getattr(item, "marks", ()))
        check = values[1]
        if getattr(check, "func", check).__name__ in _SLOW_CHECKS:
            marks.append(pytest.mark.slow)
        yield pytest.param(*values, marks=marks, id=_check_id(check))


@pytest.mark.filterwarnings("ignore::fashionzoo.exceptions.NotSquareWarning")
@pytest.mark.parametrize(("estimator", "check"), list(_sklearn_checks()))
def test_sklearn_compatible(estimator, check):
    skip_platform_dependent(check)
    check(estimator)


# ------------------------------------------------------------ training core
class _Events(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append("begin")
        self.model_seen = self.model

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(epoch)

    def on_train_end(self, logs=None):
        self.events.append("end")


def _weights(clf):
    return [w.copy() for w in clf.model_.get_weights()]


def _changed(before, after):
    return max(float(np.abs(a - b).max()) for a, b in zip(before, after, strict=True))


@pytest.mark.parametrize("schedule", [None, "cosine", "onecycle", "plateau"])
def test_partial_fit_and_warm_start_learn(schedule):
    X, y = make_images(30, 3)
    # Random VGG16 features are small: a slow rate keeps the head's units alive.
    params = {
        "batch_size": 16,
        "dropout": 0.0,
        "learning_rate": 1e-3,
        "lr_schedule": schedule,
    }
    clf = TransferClassifier(**{**FAST, **params, "warm_start": True}).fit(X, y)
    before = _weights(clf)
    clf.fit(X, y)
    assert _changed(before, _weights(clf)) > 1e-4
    assert min(clf.history_["learning_rate"]) > 0
    np.testing.assert_allclose(
        clf.history_["learning_rate"][2:], clf.history_["learning_rate"][:2]
    )
    for _ in range(3):
        before = _weights(clf)
        clf.partial_fit(X, y)
        assert _changed(before, _weights(clf)) > 1e-4
    losses = clf.history_["loss"][-3:]
    assert losses[0] > losses[1] > losses[2], losses
    np.testing.assert_allclose(clf.history_["learning_rate"][-3:], 1e-3, rtol=1e-6)
    assert clf.n_iter_ == 7


def test_callbacks_see_both_phases_as_one_fit(data):
    X, y = data
    events = _Events()
    clf = TransferClassifier(
        **{**FAST, "fine_tune_epochs": 2, "callbacks": [events]}
    ).fit(X, y)
    assert events.events == ["begin", 0, 1, 2, 3, "end"]
    assert events.model_seen is clf.model_  # the whole model, in both phases
    assert clf.history_["phase"] == [1, 1, 2, 2]


class _StopAt(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0:
            self.model.stop_training = True


def test_a_callback_stop_skips_fine_tuning(data):
    X, y = data
    clf = TransferClassifier(
        **{**FAST, "fine_tune_epochs": 2, "callbacks": [_StopAt()]}
    ).fit(X, y)
    assert clf.n_iter_ == 1
    assert clf.history_["phase"] == [1]


class _InterruptInEpoch(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt


def test_interrupt_in_fine_tuning_keeps_phase_one(data):
    X, y = data
    clf = TransferClassifier(
        **{**FAST, "fine_tune_epochs": 2, "callbacks": [_InterruptInEpoch(3)]}
    )
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert clf.n_iter_ == 3
    assert clf.history_["phase"] == [1, 1, 2]
    assert clf.predict_proba(X).shape == (len(X), 3)


def test_conv_layers_see_the_backbone(fitted, data):
    from fashionzoo.plotting import conv_layers, feature_maps

    names = conv_layers(fitted)
    assert names[0] == "backbone/block1_conv1"
    assert len(names) == 13
    X, _ = data
    maps = feature_maps(fitted, X[:2], layer="block1_conv1")
    assert maps.shape == (2, 32, 32, 64)


def test_a_failed_build_leaves_the_fitted_estimator_as_it_was(fitted, data):
    X, y = data
    clf = pickle.loads(pickle.dumps(fitted))
    model, proba = clf.model_, clf.predict_proba(X)
    clf.set_params(input_size=8)  # below VGG16's minimum: the build fails
    with pytest.raises(ValueError, match="input_size"):
        clf.fit(X[:, ::2, ::2], y)  # 14x14 images: n_features_in_ would change
    assert clf.model_ is model
    assert clf.n_features_in_ == 784
    assert clf.image_shape_ == (28, 28, 1)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_a_failed_refit_keeps_the_previous_model(data, error):
    import keras

    class RaiseAtSecondBatch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                raise error("stop")

    X, y = data
    est = TransferClassifier(**FAST).fit(X, y)
    proba, n_iter = est.predict_proba(X), est.n_iter_
    history = {k: list(v) for k, v in est.history_.items()}
    weights, batch_size = est.model_.get_weights(), est.batch_size
    est.set_params(batch_size=8, callbacks=[RaiseAtSecondBatch()])
    with pytest.raises(error):
        est.fit(X, y)
    assert (est.n_iter_, est.history_) == (n_iter, history)
    for kept, before in zip(est.model_.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(kept, before)
    # Predicted at the batch size of before: oneDNN's sums depend on it.
    est.set_params(batch_size=batch_size, callbacks=None)
    np.testing.assert_array_equal(est.predict_proba(X), proba)
