"""An estimator into a model file and back: what fashionzoo's file format holds of it.

:func:`save` writes the parameters, the fitted attributes the class declares
(``_saved_attributes``) and the network; :func:`restore_estimator` makes a
fitted estimator of a given class from a file opened by
:func:`fashionzoo._fileformat.open_archive`, checking each attribute's type
and its agreement with the network before it is set. Which class a file
names is decided by :mod:`fashionzoo.saving`, from the registry of
estimator classes.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from fashionzoo import _fileformat
from fashionzoo._fileformat import META, bad_file
from fashionzoo._version import __version__
from fashionzoo.estimators._registry import qualified_name
from fashionzoo.exceptions import ModelFileError, SaveError

__all__ = ["WEIGHTS", "restore_estimator", "save"]

#: The kinds of network member: the whole Keras model, or its weights alone.
WEIGHTS = ("keras", "float32", "float16")
#: Fitted attributes every file holds.
_REQUIRED = ("classes_", "pixel_scale_", "image_shape_")


def _params_for_file(estimator: Any) -> dict[str, Any]:
    params = estimator.get_params(deep=False)
    if params.get("callbacks"):
        params["callbacks"] = None  # Keras callback objects are not data
    state = params.get("random_state")
    if state is not None and not isinstance(state, int):
        params["random_state"] = None  # a RandomState is not data either
    return params


def save(
    estimator: Any, path: str | os.PathLike[str], *, weights: str = "keras"
) -> Path:
    """Write a fitted estimator to ``path``; see :func:`fashionzoo.saving.save`."""
    from fashionzoo._keras import keras

    check_is_fitted(estimator, "model_")
    if weights not in WEIGHTS:
        msg = f"weights must be 'keras', 'float32' or 'float16'. Received: weights={weights!r}"
        raise ValueError(msg)
    if weights != "keras" and getattr(type(estimator), "_model_name", None) is None:
        msg = (
            f"weights={weights!r} rebuilds the network from a registered builder; "
            f"a {type(estimator).__name__} is saved whole: use weights='keras'"
        )
        raise ValueError(msg)
    target = Path(path).expanduser()
    if weights == "keras":
        try:
            members = {"model.keras": _fileformat.keras_bytes(estimator.model_)}
        except OSError as exc:
            raise SaveError.writing(target, exc) from exc
    else:
        members = {
            "weights.npz": _fileformat.weights_bytes(
                estimator.model_.get_weights(), weights
            )
        }
    meta = {
        "estimator": type(estimator).__name__,
        "class": qualified_name(type(estimator)),
        "model_name": getattr(type(estimator), "_model_name", None),
        "params": _fileformat.jsonable(_params_for_file(estimator)),
        "fitted": _fileformat.jsonable(
            {
                k: getattr(estimator, k)
                for k in type(estimator)._saved_attributes
                if hasattr(estimator, k)
            }
        ),
        "seed": getattr(estimator, "_seed", None),
        "weights": weights,
        "written_by": {"fashionzoo": __version__, "keras": keras.__version__},
    }
    return _fileformat.write_archive(target, meta, members)


def _saved_params(cls: type, meta: dict[str, Any]) -> dict[str, Any]:
    # A parameter added since the file was saved takes the value that gives
    # the file's network, not today's default (fast_resnet's whiten=True).
    saved = _fileformat.restore(meta["params"])
    added: dict[str, Any] = getattr(cls, "_values_of_added_parameters", dict)()
    return {**added, **saved}


def restore_estimator(
    cls: type, meta: dict[str, Any], archive: zipfile.ZipFile, file: Path
) -> Any:
    """A fitted ``cls`` from an open model file, every part checked.

    Raises
    ------
    ModelFileError
        A parameter, a fitted attribute or the network does not fit ``cls``
        (the message names the file and what is wrong).
    ChecksumError
        The network member is not the one the file's metadata hashed.
    """
    try:
        estimator = cls(**_saved_params(cls, meta))
        estimator._validate_params()
    except (TypeError, ValueError) as exc:
        raise bad_file(
            file, f"its parameters are not {cls.__name__}'s ({exc})"
        ) from exc
    fitted = _fileformat.restore(meta["fitted"])
    allowed: tuple[str, ...] = cls._saved_attributes  # type: ignore[attr-defined]
    unknown = sorted(set(fitted) - set(allowed))
    if unknown:
        raise bad_file(
            file,
            f"{META} sets {', '.join(unknown)}, which {cls.__name__} does not "
            f"save (it saves {', '.join(allowed)})",
        )
    missing = sorted(set(_REQUIRED) - set(fitted))
    if missing:
        raise bad_file(file, f"{META} lacks the fitted {', '.join(missing)}")
    _check_fitted_types(fitted, file)
    for key, value in fitted.items():
        setattr(estimator, key, tuple(value) if key == "image_shape_" else value)
    estimator._seed = meta.get("seed") or 0
    estimator._incremental = False
    if "model.keras" in meta["members"]:
        data = _fileformat.read_member(
            archive,
            meta,
            "model.keras",
            file,
            network_limit=_network_limit(estimator, "model.keras"),
        )
        estimator.model_ = _fileformat.read_keras(data, file)
    elif "weights.npz" in meta["members"]:
        model = _build(estimator)
        most = _member_bound(model.count_params(), len(model.weights), "weights.npz")
        data = _fileformat.read_member(
            archive, meta, "weights.npz", file, network_limit=(most, _what(model))
        )
        estimator.model_ = _rebuild(model, data, file)
    else:
        raise bad_file(file, "it holds no network (model.keras or weights.npz)")
    _check_against_network(estimator, file)
    return estimator


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool)


def _check_fitted_types(fitted: dict[str, Any], file: Path) -> None:
    """Types and ranges of the fitted attributes, before any is set."""

    def check(ok: bool, key: str, what: str) -> None:
        if not ok:
            raise bad_file(file, f"its {key} must be {what}; got {fitted[key]!r}")

    classes = fitted["classes_"]
    check(
        isinstance(classes, np.ndarray)
        and classes.ndim == 1
        and classes.size >= 2
        and classes.dtype.kind in "iufUSO"
        and bool(np.all(classes[1:] > classes[:-1])),
        "classes_",
        "an array of at least 2 labels, sorted and distinct (as fit makes it)",
    )
    check(
        fitted["pixel_scale_"] in (1.0, 1.0 / 255.0),
        "pixel_scale_",
        "1.0 or 1/255",
    )
    shape = fitted["image_shape_"]
    check(
        isinstance(shape, list)
        and len(shape) == 3
        and all(_is_int(v) and v >= 1 for v in shape)
        and shape[2] == 1,
        "image_shape_",
        "[height, width, 1]",
    )
    if "n_features_in_" in fitted:
        n = fitted["n_features_in_"]
        check(
            _is_int(n) and 1 <= n <= shape[0] * shape[1],
            "n_features_in_",
            f"an integer from 1 to {shape[0] * shape[1]}",
        )
    if "n_iter_" in fitted:
        check(
            _is_int(fitted["n_iter_"]) and fitted["n_iter_"] >= 0,
            "n_iter_",
            "an integer >= 0",
        )
    if "history_" in fitted:
        history = fitted["history_"]
        check(
            isinstance(history, dict)
            and all(
                isinstance(k, str)
                and isinstance(v, list)
                and all(_is_number(x) for x in v)
                for k, v in history.items()
            ),
            "history_",
            "a dict of lists of numbers",
        )
    if fitted.get("best_epoch_") is not None:
        check(_is_int(fitted["best_epoch_"]), "best_epoch_", "an integer or None")
    for key in ("input_size_",):
        if key in fitted:
            check(_is_int(fitted[key]) and fitted[key] >= 1, key, "a positive integer")
    if "feature_time_" in fitted:
        check(_is_number(fitted["feature_time_"]), "feature_time_", "a number")


def _check_against_network(estimator: Any, file: Path) -> None:
    """The fitted attributes agree with the network the file holds."""
    model = estimator.model_
    units = model.outputs[0].shape[-1]
    if units != len(estimator.classes_):
        raise bad_file(
            file,
            f"its classes_ has {len(estimator.classes_)} labels, its network "
            f"{units} outputs",
        )
    shape = tuple(model.inputs[0].shape[1:])
    if shape != tuple(estimator.image_shape_):
        raise bad_file(
            file,
            f"its image_shape_ is {tuple(estimator.image_shape_)}, its network "
            f"takes {shape}",
        )
    try:
        scale = float(model.get_layer("scale").scale)
    except (ValueError, TypeError, AttributeError):
        return  # a network of another make: nothing more to compare
    if not np.isclose(scale, estimator.pixel_scale_, rtol=1e-6):
        raise bad_file(
            file,
            f"its pixel_scale_ is {estimator.pixel_scale_}, its network scales "
            f"pixels by {scale}",
        )


def _build(estimator: Any) -> Any:
    """The network the file's parameters and fitted attributes build (untrained)."""
    hw = tuple(estimator.image_shape_[:2])
    return estimator._build_model(
        hw, len(estimator.classes_), estimator._seed, estimator.pixel_scale_
    )


def _what(model: Any) -> str:
    return f"a {model.name} network of {model.count_params():,} parameters"


def _member_bound(n_params: int, n_variables: int, member: str) -> int:
    """The most bytes a network member of ``n_params`` parameters can take.

    ``weights.npz``: every value as float32, with an array header each.
    ``model.keras``: the weights and an optimizer's (Adam keeps two moments
    per weight) as float32, HDF5's overhead per variable, and the model's
    configuration.
    """
    if member == "weights.npz":
        return 4 * n_params + 4096 * n_variables + 2**20
    return 3 * 4 * n_params + 3 * 16384 * n_variables + 8 * 2**20


def _network_limit(estimator: Any, member: str) -> tuple[int, str] | None:
    """The size bound of a ``model.keras`` member, for networks fashionzoo builds.

    A transfer model's backbone is not built to bound its file (that would
    cost a backbone); the compression-ratio limit alone applies to it.
    """
    if getattr(type(estimator), "_model_name", None) is None:
        return None
    model = _build(estimator)
    return _member_bound(model.count_params(), len(model.weights), member), _what(model)


def _rebuild(model: Any, data: bytes, path: Path) -> Any:
    arrays = _fileformat.read_weights(data)
    expected = [tuple(w.shape) for w in model.get_weights()]
    if [a.shape for a in arrays] != expected:
        msg = (
            f"{str(path)!r}: its weights do not fit the network its parameters "
            f"build ({len(arrays)} arrays for {len(expected)} weights)"
        )
        raise ModelFileError(msg)
    model.set_weights(
        [a.astype(w.dtype) for a, w in zip(arrays, model.get_weights(), strict=True)]
    )
    return model
