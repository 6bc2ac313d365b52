"""Tests of the model registry, every registered network and augmentation.

Parametrized over ``list_models()`` (as timm's tests/test_models.py is), so a
newly registered model is tested without editing this file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from fashionzoo.exceptions import UnknownModelError
from fashionzoo.models import (
    _registry,
    build_model,
    get_model_spec,
    list_models,
    resolve_name,
)
from fashionzoo.models.augment import (
    AUGMENT_PRESETS,
    RandomErasing,
    make_augmentation,
)

ALL_MODELS = list_models(kind="network")
STUDY_FILE = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")
# Checked only where the shared folder exists (not on every machine).
REFERENCE_DIR = Path(__file__).resolve().parents[2] / "shared" / "reference"
RECIPE_KEYS = {
    "epochs",
    "batch_size",
    "optimizer",
    "learning_rate",
    "lr_schedule",
    "label_smoothing",
    "weight_decay",
    "augment",
    "tta",
}
# Parameter counts printed in the studies' model summaries.
PUBLISHED_PARAM_COUNTS = {
    "lenet5": 113_782,
    "cnn_dropout": 503_690,  # the notebook linked from study 002
    "cnn004": 590_346,
}


@pytest.fixture(autouse=True)
def _fresh_keras():
    # free_memory=False skips a gc.collect() that costs about a second a test.
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(0)


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    return rng.random((2, 28, 28, 1), dtype=np.float32)


def _forward(model, x):
    return keras.ops.convert_to_numpy(model(x, training=False))


# --------------------------------------------------------------------------
# Every registered model
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_MODELS)
def test_model_builds_and_predicts(name, images):
    spec = get_model_spec(name)
    model = build_model(name)
    assert isinstance(model, keras.Model)
    assert tuple(model.input_shape) == (None, 28, 28, 1)
    assert model.count_params() == spec.param_count
    proba = _forward(model, images)
    assert proba.shape == (2, 10)
    assert proba.dtype == np.float32
    assert np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    # The builder's output layer follows the zoo's convention.
    last = model.layers[-1]
    assert last.name == "predictions"
    assert last.dtype_policy.compute_dtype == "float32"


@pytest.mark.parametrize("name", ALL_MODELS)
def test_model_n_classes_and_mixed_precision(name, images):
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        model = build_model(name, n_classes=3)
        proba = _forward(model, images)
    finally:
        keras.config.set_dtype_policy(previous)
    assert proba.shape == (2, 3)
    assert proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("name", ALL_MODELS)
def test_model_metadata_is_complete(name):
    spec = get_model_spec(name)
    assert spec.name == name
    assert isinstance(spec.description, str)
    assert spec.description.strip()
    assert "\n" not in spec.description
    assert spec.notes.strip()
    assert isinstance(spec.param_count, int)
    assert spec.param_count > 0
    if spec.reported_accuracy is not None:
        assert 0 < spec.reported_accuracy <= 1
    if spec.source is not None:
        assert STUDY_FILE.fullmatch(spec.source), spec.source
        if REFERENCE_DIR.is_dir():
            assert (REFERENCE_DIR / spec.source).is_file()
    recipe = spec.recipe
    assert set(recipe) <= RECIPE_KEYS, set(recipe) - RECIPE_KEYS
    assert isinstance(recipe["epochs"], int)
    assert recipe["epochs"] > 0
    assert isinstance(recipe["batch_size"], int)
    assert recipe["batch_size"] > 0
    if "learning_rate" in recipe:
        assert 0 < recipe["learning_rate"] < 1
    if "augment" in recipe:
        make_augmentation(recipe["augment"])  # a valid value
    # Flat scalar hyperparameters, so GridSearchCV can tune them.
    for key, default in spec.hyperparameters.items():
        assert isinstance(default, (bool, int, float, str)), (key, default)


@pytest.mark.parametrize(("name", "count"), sorted(PUBLISHED_PARAM_COUNTS.items()))
def test_published_param_counts(name, count):
    assert get_model_spec(name).param_count == count
    assert build_model(name).count_params() == count


def test_cnn004_matches_the_study_summary():
    model = build_model("cnn004")
    rows = [
        (layer.__class__.__name__, tuple(layer.output.shape[1:]), layer.count_params())
        for layer in model.layers[1:]
    ]
    assert rows == [
        ("Conv2D", (26, 26, 32), 320),
        ("MaxPooling2D", (13, 13, 32), 0),
        ("Dropout", (13, 13, 32), 0),
        ("Conv2D", (11, 11, 64), 18_496),
        ("MaxPooling2D", (5, 5, 64), 0),
        ("Dropout", (5, 5, 64), 0),
        ("Conv2D", (3, 3, 128), 73_856),
        ("Flatten", (1152,), 0),
        ("Dense", (256,), 295_168),
        ("Dropout", (256,), 0),
        ("Dense", (256,), 65_792),
        ("Dropout", (256,), 0),
        ("Dense", (512,), 131_584),
        ("Dense", (10,), 5_130),
    ]


def test_cnn_dropout_follows_study_002_order():
    kinds = [layer.__class__.__name__ for layer in build_model("cnn_dropout").layers]
    assert kinds == [
        "InputLayer",
        "Conv2D",
        "Conv2D",
        "MaxPooling2D",
        "Dropout",
        "Conv2D",
        "MaxPooling2D",
        "Dropout",
        "Flatten",
        "Dense",
        "Dense",
    ]
    no_dropout = build_model("cnn_dropout", dropout=0.0)
    assert not [x for x in no_dropout.layers if isinstance(x, keras.layers.Dropout)]
    assert no_dropout.count_params() == 503_690


def test_hyperparameters_change_the_network(images):
    cnn_bn4 = build_model("cnn_bn4", dense_units_2=0)
    # Without dense2 (256 -> 128): the softmax layer reads 256 units instead.
    removed = (256 * 128 + 128) + (128 * 10 + 10) - (256 * 10 + 10)
    assert cnn_bn4.count_params() == get_model_spec("cnn_bn4").param_count - removed
    assert "dense2" not in [x.name for x in cnn_bn4.layers]
    bn = [x for x in cnn_bn4.layers if isinstance(x, keras.layers.BatchNormalization)]
    assert len(bn) == 4
    # ResNet-20 has 19 3x3 convolutions, 2 projection shortcuts, no max-pool.
    resnet20 = build_model("resnet").layers
    convs = [x for x in resnet20 if isinstance(x, keras.layers.Conv2D)]
    assert sum(c.kernel_size == (3, 3) for c in convs) == 19
    assert sum(c.kernel_size == (1, 1) for c in convs) == 2
    assert not [x for x in resnet20 if isinstance(x, keras.layers.MaxPooling2D)]
    small = build_model("resnet", blocks_per_stage=1, width=8, stem_strides=1)
    assert _forward(small, images).shape == (2, 10)
    narrow = build_model("fast_resnet", width=8)
    assert narrow.count_params() < get_model_spec("fast_resnet").param_count
    assert _forward(narrow, images).shape == (2, 10)


def test_fast_resnet_dirac_starts_each_later_convolution_as_an_identity():
    import keras

    keras.utils.set_random_seed(0)
    plain = build_model("fast_resnet", width=4, whiten=False, dirac=False)
    keras.utils.set_random_seed(0)
    dirac = build_model("fast_resnet", width=4, whiten=False, dirac=True)
    convs = [x for x in dirac.layers if isinstance(x, keras.layers.Conv2D)]
    for conv in convs[1:]:
        kernel = keras.ops.convert_to_numpy(conv.kernel)
        c_in = kernel.shape[2]
        identity = np.zeros((3, 3, c_in, c_in), dtype=kernel.dtype)
        identity[1, 1, range(c_in), range(c_in)] = 1
        np.testing.assert_array_equal(kernel[..., :c_in], identity, err_msg=conv.name)
        if kernel.shape[3] > c_in:  # the other filters keep a random start
            assert np.abs(kernel[..., c_in:]).min(axis=(0, 1, 2)).max() > 0
    np.testing.assert_array_equal(  # the stem is left alone
        convs[0].kernel.numpy(), plain.get_layer("stem_conv").kernel.numpy()
    )


def test_fast_resnet_whiten_puts_a_frozen_layer_before_the_stem():
    model = build_model("fast_resnet", width=4)  # whiten=True is the default
    layer = model.get_layer("whiten")
    assert model.layers[1] is layer
    assert not layer.trainable
    assert layer.kernel.shape == (2, 2, 1, 8)
    assert model.output_shape == (None, 10)
    plain = build_model("fast_resnet", width=4, whiten=False)
    assert plain.layers[1].name == "stem_conv"


@pytest.mark.parametrize("flag", ["whiten", "dirac"])
def test_fast_resnet_flags_must_be_bools(flag):
    with pytest.raises(TypeError, match=f"{flag} must be True or False"):
        build_model("fast_resnet", **{flag: 1})


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("cnn_dropout", {"dropout": 1.0}),
        ("cnn_dropout", {"filters_1": 0}),
        ("cnn_bn4", {"dense_units_2": -1}),
        ("cnn004", {"dropout_conv": -0.1}),
        ("resnet", {"stem_strides": 3}),
        ("resnet", {"blocks_per_stage": 0}),
        ("fast_resnet", {"width": 0}),
    ],
)
def test_invalid_hyperparameter_values(name, params):
    key = next(iter(params))
    with pytest.raises(ValueError, match=key):
        build_model(name, **params)


# --------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------


def test_study_models_are_registered():
    assert {
        "lenet5",
        "cnn_dropout",
        "cnn_bn4",
        "cnn004",
        "resnet",
        "fast_resnet",
    } <= set(ALL_MODELS)


def test_list_models_wildcards_and_exclusion():
    assert list_models("cnn*") == ["cnn004", "cnn_bn4", "cnn_dropout"]
    assert list_models("cnn*", exclude="cnn_*") == ["cnn004"]
    assert list_models(["lenet*", "resnet"]) == ["lenet5", "resnet"]
    assert list_models("no_such_*") == []
    assert "fast_resnet" not in list_models(exclude=["fast*"])


def test_list_models_sorts_naturally(monkeypatch):
    spec = get_model_spec("lenet5")
    for name in ["toy10", "toy2", "toy1"]:
        monkeypatch.setitem(_registry._MODELS, name, spec)
    assert list_models("toy*") == ["toy1", "toy2", "toy10"]


def test_unknown_model_suggests_a_close_match():
    with pytest.raises(UnknownModelError, match="Did you mean 'lenet5'") as info:
        get_model_spec("lenet")
    assert isinstance(info.value, ValueError)
    assert "cnn004" in str(info.value)  # the available names are listed
    with pytest.raises(UnknownModelError, match="Unknown model 'resnet_50'"):
        build_model("resnet_50")


def test_best_alias_resolves_to_the_fast_network():
    assert resolve_name("best") == "fast_resnet"
    assert get_model_spec("best").name == "fast_resnet"
    assert get_model_spec("BEST").name == "fast_resnet"
    assert "best" not in ALL_MODELS


def test_fast_network_recipe():
    recipe = get_model_spec("best").recipe
    assert recipe["lr_schedule"] == "onecycle"
    assert recipe["optimizer"] in {"adamw", "sgd"}
    assert 0 < recipe["label_smoothing"] < 0.5
    assert recipe["weight_decay"] > 0
    assert recipe["augment"] in AUGMENT_PRESETS


def test_unknown_hyperparameter_is_named():
    with pytest.raises(TypeError, match="dropout_rate"):
        build_model("cnn004", dropout_rate=0.5)


# None in sys.modules is how Python spells "not installed": importing it
# raises ImportError and importlib.util.find_spec returns None (torch's
# dynamo probes sklearn that way when Keras runs on torch).
_BLOCK_SKLEARN = """
import sys

sys.modules["sklearn"] = sys.modules["scikeras"] = None
"""

_IMPORT_MODELS = """
import json, sys
import keras

def loaded():
    return sorted(
        m for m, module in sys.modules.items()
        if module is not None and m.partition(".")[0] in {"sklearn", "scikeras"}
    )

before = loaded()
import fashionzoo.models
model = fashionzoo.models.build_model("lenet5")
print(json.dumps({"before": before, "after": loaded()}))
"""


def _run_python(code):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_models_does_not_load_sklearn_or_scikeras():
    # Keras 3 imports sklearn by itself when it is installed (keras.wrappers
    # tries it, and falls back without it), so make both unimportable in a
    # fresh interpreter: importing and building must still work.
    result = _run_python(_BLOCK_SKLEARN + _IMPORT_MODELS)
    assert result == {"before": [], "after": []}


# --------------------------------------------------------------------------
# Augmentation
# --------------------------------------------------------------------------


@pytest.fixture
def batch():
    rng = np.random.default_rng(1)
    return rng.random((16, 28, 28, 1), dtype=np.float32)


def test_random_erasing_erases_one_rectangle_per_image(batch):
    layer = RandomErasing(
        probability=1.0, scale=(0.02, 0.4), fill_mode="constant", fill_value=-1.0
    )
    out = keras.ops.convert_to_numpy(layer(batch, training=True))
    assert out.shape == batch.shape
    for original, erased in zip(batch, out, strict=True):
        mask = erased[..., 0] == -1.0
        rows, cols = np.nonzero(mask)
        assert rows.size > 0
        height = rows.max() - rows.min() + 1
        width = cols.max() - cols.min() + 1
        assert mask.sum() == height * width  # a filled rectangle
        assert mask.sum() <= 0.4 * 28 * 28 + 28  # area, with rounding slack
        np.testing.assert_array_equal(erased[~mask], original[~mask])


def test_random_erasing_random_fill_stays_in_range(batch):
    layer = RandomErasing(probability=1.0, seed=3)
    out = keras.ops.convert_to_numpy(layer(batch, training=True))
    assert not np.array_equal(out, batch)
    assert out.min() >= 0.0
    assert out.max() <= 1.0


def test_random_erasing_probability():
    ones = np.ones((400, 28, 28, 1), dtype=np.float32)
    layer = RandomErasing(probability=0.5, fill_mode="constant", seed=0)
    out = keras.ops.convert_to_numpy(layer(ones, training=True))
    erased = (out != 1).any(axis=(1, 2, 3)).mean()
    assert 0.4 < erased < 0.6
    never = RandomErasing(probability=0.0)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(never(ones, training=True)), ones
    )


def test_random_erasing_is_identity_at_inference(batch):
    layer = RandomErasing(probability=1.0)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(batch)), batch)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(layer(batch, training=False)), batch
    )


def test_random_erasing_config_round_trip():
    layer = RandomErasing(
        probability=0.3,
        scale=(0.05, 0.2),
        ratio=(0.5, 2.0),
        fill_mode="constant",
        fill_value=0.25,
        seed=7,
        name="erase",
    )
    config = layer.get_config()
    clone = RandomErasing.from_config(config)
    assert clone.get_config() == config
    assert config["probability"] == 0.3
    assert tuple(config["scale"]) == (0.05, 0.2)
    assert config["seed"] == 7
    serialized = keras.saving.serialize_keras_object(layer)
    assert serialized["registered_name"] == "fashionzoo>RandomErasing"
    again = keras.saving.deserialize_keras_object(serialized)
    assert isinstance(again, RandomErasing)
    assert again.get_config() == config


def test_model_with_random_erasing_saves_and_loads(tmp_path, batch):
    inputs = keras.Input((28, 28, 1))
    x = RandomErasing(probability=0.7, seed=1, name="erase")(inputs)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    path = tmp_path / "tiny.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    layer = loaded.get_layer("erase")
    assert isinstance(layer, RandomErasing)
    assert layer.get_config() == model.get_layer("erase").get_config()
    np.testing.assert_allclose(
        _forward(loaded, batch), _forward(model, batch), rtol=1e-6
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"probability": 1.5}, "probability"),
        ({"scale": (0.5, 0.2)}, "scale"),
        ({"scale": (0.1,)}, "scale"),
        ({"ratio": (0.0, 1.0)}, "ratio"),
        ({"fill_mode": "noise"}, "fill_mode"),
        ({"value_range": (1.0, 0.0)}, "value_range"),
    ],
)
def test_random_erasing_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RandomErasing(**kwargs)


def test_augmented_models_compile_under_jax():
    """Keras marks translation and zoom unjittable; under JAX they compile."""
    stack = make_augmentation("standard", seed=0)
    jax = keras.backend.backend() == "jax"
    assert all(layer.supports_jit == jax for layer in stack.layers[1:3])
    if jax:
        from fashionzoo import LeNet5Classifier
        from fashionzoo.testing import fast_instance, make_images

        X, y = make_images(8, 3)
        est = fast_instance(LeNet5Classifier, epochs=1, augment="standard")
        assert est.fit(X, y).model_.jit_compile


@pytest.mark.parametrize("augment", [None, False, "none", "None", {}])
def test_make_augmentation_off(augment):
    assert make_augmentation(augment) is None


@pytest.mark.parametrize(
    ("augment", "names"),
    [
        (
            "standard",
            ["random_flip", "random_translation", "random_zoom", "random_erasing"],
        ),
        (True, ["random_flip", "random_translation", "random_zoom", "random_erasing"]),
        ("light", ["random_flip", "random_translation"]),
        ({"flip": True}, ["random_flip"]),
        ({"zoom": 0.1, "erasing": 0.25}, ["random_zoom", "random_erasing"]),
    ],
)
def test_make_augmentation_layers(augment, names):
    augmentation = make_augmentation(augment, seed=0)
    assert isinstance(augmentation, keras.Sequential)
    assert [layer.name for layer in augmentation.layers] == names


def test_presets_never_flip_vertically():
    assert {"standard", "light"} <= set(AUGMENT_PRESETS)
    for preset in AUGMENT_PRESETS:
        for layer in make_augmentation(preset).layers:
            if isinstance(layer, keras.layers.RandomFlip):
                assert layer.mode == "horizontal"


@pytest.mark.parametrize("preset", sorted(AUGMENT_PRESETS))
def test_augmentation_training_versus_inference(preset, batch):
    augmentation = make_augmentation(preset, seed=0)
    train = keras.ops.convert_to_numpy(augmentation(batch, training=True))
    assert train.shape == batch.shape
    assert not np.array_equal(train, batch)
    assert train.min() >= -1e-6
    assert train.max() <= 1 + 1e-6
    infer = keras.ops.convert_to_numpy(augmentation(batch, training=False))
    np.testing.assert_array_equal(infer, batch)


def test_augmentation_inside_a_model_is_inactive_in_predict(batch):
    inputs = keras.Input((28, 28, 1))
    flatten = keras.layers.Flatten()
    dense = keras.layers.Dense(10, activation="softmax")
    augmented = keras.Model(
        inputs, dense(flatten(make_augmentation("standard", seed=0)(inputs)))
    )
    plain = keras.Model(inputs, dense(flatten(inputs)))
    first = augmented.predict(batch, verbose=0)
    second = augmented.predict(batch, verbose=0)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, plain.predict(batch, verbose=0))


@pytest.mark.parametrize(
    ("augment", "error", "match"),
    [
        ({"rotate": 0.1}, ValueError, r"'rotate'.*erasing, flip, shift, zoom"),
        ({"shift": -0.1}, ValueError, "shift"),
        ({"zoom": 0.9}, ValueError, "zoom"),
        ({"erasing": 1.5}, ValueError, "erasing"),
        ({"erasing": "high"}, ValueError, "erasing"),
        ({"flip": "yes"}, TypeError, "flip"),
        ("heavy", ValueError, "'heavy'.*standard"),
        (3, TypeError, "augment"),
    ],
)
def test_make_augmentation_rejects_bad_values(augment, error, match):
    with pytest.raises(error, match=match):
        make_augmentation(augment)
