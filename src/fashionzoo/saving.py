"""A safe file format for fitted estimators: no pickle, nothing runs on load.

:func:`save` writes one zip file (suffix ``.fzoo`` by convention) holding

* ``estimator.json``: the estimator's class (a fashionzoo estimator, looked
  up by name, never imported from the file), its parameters, its fitted
  attributes (``classes_``, ``pixel_scale_``, ``image_shape_``, ``n_iter_``,
  ``history_``, ...), the versions that wrote it and the SHA256 of every
  other member;
* the network: ``model.keras`` (Keras's own format, read back with
  ``safe_mode=True``), or ``weights.npz`` (the weights alone, float32 or
  float16, put into a network rebuilt from the parameters by fashionzoo's own
  builders; ``allow_pickle=False``).

:func:`load` reads it back from a path, or from an https URL whose SHA256 you
give (downloaded with pooch and checked before anything is read). A file
that is truncated, damaged or altered is an error that names it; it never
gives an estimator with wrong weights. Pickles (joblib) run code when they are
loaded: share models in this format.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from fashionzoo.exceptions import ChecksumError, ModelFileError

__all__ = ["FORMAT", "ModelFileError", "load", "read_metadata", "save"]

#: The ``format`` field of ``estimator.json``.
FORMAT = "fashionzoo-estimator"
_VERSION = 1
_META = "estimator.json"
_FITTED = (
    "classes_",
    "pixel_scale_",
    "image_shape_",
    "n_features_in_",
    "n_iter_",
    "history_",
    "best_epoch_",
    "input_size_",
    "feature_time_",
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _jsonable(v) for k, v in value.items()}
        return {"__items__": [[_jsonable(k), _jsonable(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _restore(value: Any) -> Any:
    if isinstance(value, dict):
        if "__ndarray__" in value:
            return np.asarray(value["__ndarray__"], dtype=value["dtype"])
        if "__items__" in value:
            return {_restore(k): _restore(v) for k, v in value["__items__"]}
        return {k: _restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore(v) for v in value]
    return value


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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
    """Write a fitted estimator to ``path`` in fashionzoo's safe format.

    The file is written under a temporary name in the target folder and then
    renamed, so a crash or a full disk never leaves a half-written file in
    place of a good one.

    Parameters
    ----------
    estimator : fitted ZooClassifier or TransferClassifier
        The estimator to save.
    path : str or path-like
        The file to write (``.fzoo`` by convention).
    weights : {"keras", "float32", "float16"}, default="keras"
        ``"keras"`` stores the whole Keras model (``model.keras``);
        ``"float32"`` and ``"float16"`` store the weights alone
        (``weights.npz``; float16 halves the file), and :func:`load` rebuilds
        the network from the estimator's parameters.

    Returns
    -------
    path : Path
        The file written.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        The estimator is not fitted.
    OSError
        The folder does not exist or cannot be written (the message names it).

    Examples
    --------
    >>> import fashionzoo
    >>> est.save("lenet5.fzoo")  # doctest: +SKIP
    >>> same = fashionzoo.load("lenet5.fzoo")  # doctest: +SKIP
    """
    from sklearn.utils.validation import check_is_fitted

    import fashionzoo
    from fashionzoo._keras import keras

    check_is_fitted(estimator, "model_")
    if weights not in ("keras", "float32", "float16"):
        msg = f"weights must be 'keras', 'float32' or 'float16'. Received: weights={weights!r}"
        raise ValueError(msg)
    if weights != "keras" and getattr(type(estimator), "_model_name", None) is None:
        msg = (
            f"weights={weights!r} rebuilds the network from a registered builder; "
            f"a {type(estimator).__name__} is saved whole: use weights='keras'"
        )
        raise ValueError(msg)
    target = Path(path).expanduser()
    members: dict[str, bytes] = {}
    if weights == "keras":
        with tempfile.TemporaryDirectory() as tmp:
            model_file = Path(tmp) / "model.keras"
            estimator.model_.save(model_file)
            members["model.keras"] = model_file.read_bytes()
    else:
        buffer = io.BytesIO()
        arrays = {
            f"w{i:04d}": np.asarray(
                w, dtype=weights if w.dtype.kind == "f" else w.dtype
            )
            for i, w in enumerate(estimator.model_.get_weights())
        }
        np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
        members["weights.npz"] = buffer.getvalue()
    meta = {
        "format": FORMAT,
        "version": _VERSION,
        "estimator": type(estimator).__name__,
        "model_name": getattr(type(estimator), "_model_name", None),
        "params": _jsonable(_params_for_file(estimator)),
        "fitted": _jsonable(
            {k: getattr(estimator, k) for k in _FITTED if hasattr(estimator, k)}
        ),
        "seed": getattr(estimator, "_seed", None),
        "weights": weights,
        "members": {name: _sha256(data) for name, data in members.items()},
        "written_by": {
            "fashionzoo": fashionzoo.__version__,
            "keras": keras.__version__,
        },
    }
    members[_META] = json.dumps(meta, indent=1).encode()
    return _write_atomically(target, members)


def _write_atomically(target: Path, members: dict[str, bytes]) -> Path:
    folder = target.parent
    if not folder.is_dir():
        msg = f"the folder {str(folder)!r} does not exist; create it first"
        raise FileNotFoundError(msg)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w") as archive:
            for name, data in members.items():
                # A fixed date: the same model gives the same bytes.
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)  # mkstemp makes it private; a saved model is not
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _fetch(source: str, sha256: str | None) -> Path:
    import pooch

    if sha256 is None:
        msg = (
            f"loading from a URL needs its SHA256, so that nothing unverified is "
            f"read: load({source!r}, sha256=...)"
        )
        raise ValueError(msg)
    cache = pooch.os_cache("fashionzoo") / "models"
    try:
        return Path(pooch.retrieve(source, known_hash=f"sha256:{sha256}", path=cache))
    except ValueError as exc:  # pooch's hash mismatch
        msg = f"the file at {source} does not have SHA256 {sha256}: {exc}"
        raise ChecksumError(msg) from exc


def _open(path: Path) -> tuple[dict[str, Any], zipfile.ZipFile]:
    if not path.is_file():
        msg = f"no model file at {str(path)!r}"
        raise FileNotFoundError(msg)
    try:
        archive = zipfile.ZipFile(path)
        meta = json.loads(archive.read(_META))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, EOFError) as exc:
        msg = (
            f"{str(path)!r} is truncated or not a fashionzoo model file "
            f"(written by estimator.save or 'fashionzoo train --save'): {exc}"
        )
        raise ModelFileError(msg) from exc
    if meta.get("format") != FORMAT:
        msg = f"{str(path)!r} is not a fashionzoo model file (format {meta.get('format')!r})"
        raise ModelFileError(msg)
    if meta.get("version", 0) > _VERSION:
        msg = (
            f"{str(path)!r} was written by a newer fashionzoo "
            f"({meta.get('written_by', {}).get('fashionzoo')}); upgrade fashionzoo"
        )
        raise ModelFileError(msg)
    return meta, archive


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``estimator.json`` of a model file, without loading the model.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    dict
    """
    meta, archive = _open(Path(path).expanduser())
    archive.close()
    return meta


def _member(
    archive: zipfile.ZipFile, meta: dict[str, Any], name: str, path: Path
) -> bytes:
    try:
        data = archive.read(name)
    except (KeyError, zipfile.BadZipFile, EOFError, OSError) as exc:
        msg = f"{str(path)!r} is damaged: cannot read {name} ({exc})"
        raise ModelFileError(msg) from exc
    expected = meta.get("members", {}).get(name)
    if expected != _sha256(data):
        msg = (
            f"{str(path)!r} is damaged or was altered: {name} has SHA256 "
            f"{_sha256(data)}, the file says {expected}"
        )
        raise ChecksumError(msg)
    return data


def _estimator_class(meta: dict[str, Any]) -> type:
    from fashionzoo.zoo import estimator_class

    name, model_name = meta.get("estimator"), meta.get("model_name")
    if name == "TransferClassifier":
        from fashionzoo.transfer import TransferClassifier

        return TransferClassifier
    if model_name is None:
        msg = f"the file names no fashionzoo network (estimator {name!r})"
        raise ModelFileError(msg)
    cls = estimator_class(model_name)
    if cls.__name__ != name:
        msg = (
            f"the file's estimator {name!r} does not match its network {model_name!r} "
            f"({cls.__name__})"
        )
        raise ModelFileError(msg)
    return cls


def load(path: str | os.PathLike[str], *, sha256: str | None = None) -> Any:
    """Read an estimator written by :func:`save` (or :meth:`ZooClassifier.save`).

    Nothing in the file runs: the estimator class is looked up among
    fashionzoo's own, the parameters are checked, and the Keras model is read
    with ``safe_mode=True`` (or rebuilt by fashionzoo's builders).

    Parameters
    ----------
    path : str or path-like
        The file, or an ``https://`` (or ``http://``) URL.
    sha256 : str, default=None
        The file's SHA256: checked before anything is read. Required for a URL
        (the file is downloaded once into fashionzoo's cache).

    Returns
    -------
    estimator : ZooClassifier or TransferClassifier
        Fitted, predicting exactly as the saved one.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ModelFileError
        Truncated, damaged, altered or not a model file (the message names
        the file).
    ChecksumError
        The file's SHA256 is not ``sha256`` (the message gives both).
    """
    source = os.fspath(path)
    if source.startswith(("https://", "http://")):
        file = _fetch(source, sha256)
    else:
        file = Path(source).expanduser()
        if sha256 is not None and file.is_file():
            actual = _sha256(file.read_bytes())
            if actual != sha256:
                msg = f"{str(file)!r} has SHA256 {actual}, expected {sha256}"
                raise ChecksumError(msg)
    meta, archive = _open(file)
    with archive:
        cls = _estimator_class(meta)
        estimator = cls(**_restore(meta["params"]))
        estimator._validate_params()
        fitted = _restore(meta["fitted"])
        for key, value in fitted.items():
            setattr(estimator, key, tuple(value) if key == "image_shape_" else value)
        estimator._seed = meta.get("seed") or 0
        estimator._incremental = False
        if "model.keras" in meta["members"]:
            estimator.model_ = _read_keras(
                _member(archive, meta, "model.keras", file), file
            )
        else:
            data = _member(archive, meta, "weights.npz", file)
            estimator.model_ = _rebuild(estimator, data, file)
    return estimator


def _read_keras(data: bytes, path: Path) -> Any:
    # The custom layers a fashionzoo model may hold, registered with Keras.
    import fashionzoo.export
    import fashionzoo.models.augment
    import fashionzoo.models.backbones  # noqa: F401  (BackbonePreprocess, InferenceMode)
    from fashionzoo._keras import keras

    with tempfile.TemporaryDirectory() as tmp:
        model_file = Path(tmp) / "model.keras"
        model_file.write_bytes(data)
        try:
            return keras.saving.load_model(model_file, safe_mode=True, compile=False)
        except Exception as exc:  # Keras raises many kinds for a bad model file
            msg = f"{str(path)!r}: its Keras model cannot be read safely ({exc})"
            raise ModelFileError(msg) from exc


def _rebuild(estimator: Any, data: bytes, path: Path) -> Any:
    weights_file = np.load(io.BytesIO(data), allow_pickle=False)
    arrays = [weights_file[k] for k in sorted(weights_file.files)]
    hw = tuple(estimator.image_shape_[:2])
    model = estimator._build_model(
        hw, len(estimator.classes_), estimator._seed, estimator.pixel_scale_
    )
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
