"""A safe file format for fitted estimators: no pickle, nothing runs on load.

:func:`save` writes one zip file (suffix ``.fzoo`` by convention) holding

* ``estimator.json``: the estimator's class (a fashionzoo estimator, looked
  up by name, never imported from the file), its parameters, its fitted
  attributes (``classes_``, ``pixel_scale_``, ``image_shape_``, ``n_iter_``,
  ``history_``, ...), the versions that wrote it, the SHA256 of every
  other member and ``content_sha256``, the SHA256 of all of the above;
* the network: ``model.keras`` (Keras's own format, read back with
  ``safe_mode=True``), or ``weights.npz`` (the weights alone, float32 or
  float16, put into a network rebuilt from the parameters by fashionzoo's own
  builders; ``allow_pickle=False``).

:func:`load` reads it back from a path, or from an https URL whose SHA256 you
give (downloaded with pooch and checked before anything is read). A file
that is truncated, damaged or altered is an error that names it; it never
gives an estimator with wrong weights. Only the fitted attributes the class
saves are read, each checked for its type and against the network
(``classes_`` has one label per output), and a member that would inflate far
beyond its compressed size is refused before it is read. The checksums find
damage and edits; someone who rewrites a file can rewrite them too, so for a
file from elsewhere pass the ``sha256`` its author published.

:func:`load` reads this format only: it never unpickles. Pickles (joblib,
``pickle``) run code when they are loaded, and ``fashionzoo.load`` refuses
them as not model files; share models in this format.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from fashionzoo.exceptions import (
    ChecksumError,
    FashionZooError,
    ModelFileError,
    SaveError,
)

__all__ = ["FORMAT", "ModelFileError", "load", "read_metadata", "save"]

#: The ``format`` field of ``estimator.json``.
FORMAT = "fashionzoo-estimator"
#: 2 adds ``content_sha256``, the hash of the rest of ``estimator.json``.
_VERSION = 2
_META = "estimator.json"
#: The fitted attributes each class saves; load accepts no others.
_FITTED = (
    "classes_",
    "pixel_scale_",
    "image_shape_",
    "n_features_in_",
    "n_iter_",
    "history_",
    "best_epoch_",
)
_FITTED_BY_CLASS = {"TransferClassifier": (*_FITTED, "input_size_", "feature_time_")}
#: The largest ``estimator.json`` read (its history of 100,000 epochs fits).
_MAX_META_BYTES = 32 * 2**20
#: A network member may inflate at most this much over its compressed size
#: (weights compress little; a zip bomb by a factor of 1,000).
_MAX_INFLATION = 50
_CHUNK = 2**20


def _fitted_names(class_name: str) -> tuple[str, ...]:
    return _FITTED_BY_CLASS.get(class_name, _FITTED)


def _content_sha256(meta: dict[str, Any]) -> str:
    """SHA256 of ``meta`` without its ``content_sha256``, as canonical JSON."""
    rest = {k: v for k, v in meta.items() if k != "content_sha256"}
    text = json.dumps(rest, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return _sha256(text.encode())


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
    SaveError
        Writing failed (a full disk...): an ``OSError`` whose message names
        the file and says that nothing was saved; a file already there is
        unchanged and no temporary file is left.

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
        try:
            with tempfile.TemporaryDirectory() as tmp:
                model_file = Path(tmp) / "model.keras"
                estimator.model_.save(model_file)
                members["model.keras"] = _without_save_date(model_file.read_bytes())
        except OSError as exc:
            raise SaveError.writing(target, exc) from exc
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
            {
                k: getattr(estimator, k)
                for k in _fitted_names(type(estimator).__name__)
                if hasattr(estimator, k)
            }
        ),
        "seed": getattr(estimator, "_seed", None),
        "weights": weights,
        "members": {name: _sha256(data) for name, data in members.items()},
        "written_by": {
            "fashionzoo": fashionzoo.__version__,
            "keras": keras.__version__,
        },
    }
    meta["content_sha256"] = _content_sha256(meta)
    members[_META] = json.dumps(meta, indent=1).encode()
    return _write_atomically(target, members)


def _without_save_date(keras_file: bytes) -> bytes:
    """A ``.keras`` zip rewritten so that the same model gives the same bytes.

    Keras records the save time (``date_saved`` in ``metadata.json``, and
    the members' zip timestamps); both are set to fixed values, the
    members' content and order are kept.
    """
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(keras_file)) as source,
        zipfile.ZipFile(buffer, "w") as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "metadata.json":
                meta = json.loads(data)
                meta.pop("date_saved", None)
                data = json.dumps(meta).encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.external_attr = info.external_attr
            target.writestr(fixed, data, compress_type=info.compress_type)
    return buffer.getvalue()


def _write_atomically(target: Path, members: dict[str, bytes]) -> Path:
    folder = target.parent
    if not folder.is_dir():
        msg = f"the folder {str(folder)!r} does not exist; create it first"
        raise FileNotFoundError(msg)
    # Ctrl-C and SIGTERM wait while the temporary file is made, so that the
    # cleanup below is in place whenever they stop the write.
    with _signals_deferred():
        try:
            handle, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
        except OSError as exc:
            raise SaveError.writing(target, exc) from exc
        tmp = Path(tmp_name)
    _write_members(target, tmp, handle, members)
    return target


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM are held back inside (delivered after it), on POSIX."""
    import signal

    held = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _write_members(
    target: Path, tmp: Path, handle: int, members: dict[str, bytes]
) -> None:
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
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise SaveError.writing(target, exc) from exc
        raise


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


def _bad(path: Path, what: str) -> ModelFileError:
    return ModelFileError(f"{str(path)!r} is not a valid fashionzoo model file: {what}")


def _open(path: Path) -> tuple[dict[str, Any], zipfile.ZipFile]:
    if not path.is_file():
        msg = f"no model file at {str(path)!r}"
        raise FileNotFoundError(msg)
    try:
        archive = zipfile.ZipFile(path)
        info = archive.getinfo(_META)
        if info.file_size > _MAX_META_BYTES:
            raise _bad(
                path,
                f"{_META} declares {info.file_size:,} bytes, more than the "
                f"{_MAX_META_BYTES:,} a model's metadata can need",
            )
        meta = json.loads(_read_limited(archive, info, _MAX_META_BYTES, path))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, EOFError) as exc:
        msg = (
            f"{str(path)!r} is truncated or not a fashionzoo model file "
            f"(written by estimator.save or 'fashionzoo train --save'): {exc}"
        )
        raise ModelFileError(msg) from exc
    except UnicodeDecodeError as exc:
        raise _bad(path, f"{_META} is not UTF-8 text ({exc})") from exc
    if not isinstance(meta, dict):
        raise _bad(path, f"{_META} holds a {type(meta).__name__}, not an object")
    if meta.get("format") != FORMAT:
        msg = f"{str(path)!r} is not a fashionzoo model file (format {meta.get('format')!r})"
        raise ModelFileError(msg)
    version = meta.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _bad(path, f"its version is {version!r}, not a positive integer")
    if version > _VERSION:
        written = meta.get("written_by")
        by = written.get("fashionzoo") if isinstance(written, dict) else None
        msg = f"{str(path)!r} was written by a newer fashionzoo ({by}); upgrade fashionzoo"
        raise ModelFileError(msg)
    for key, kind in (
        ("estimator", str),
        ("params", dict),
        ("fitted", dict),
        ("members", dict),
    ):
        if not isinstance(meta.get(key), kind):
            found = "missing" if key not in meta else type(meta[key]).__name__
            raise _bad(path, f"{_META}'s {key!r} is {found}, not a {kind.__name__}")
    if meta.get("weights", "keras") not in ("keras", "float32", "float16"):
        raise _bad(path, f"unknown weights {meta.get('weights')!r}")
    if meta.get("seed") is not None and not isinstance(meta["seed"], int):
        raise _bad(path, f"its seed {meta['seed']!r} is not an integer")
    if version >= 2 and meta.get("content_sha256") != _content_sha256(meta):
        msg = (
            f"{str(path)!r} is damaged or was altered: {_META} has SHA256 "
            f"{_content_sha256(meta)}, the file says {meta.get('content_sha256')}"
        )
        raise ChecksumError(msg)
    return meta, archive


def _read_limited(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, path: Path
) -> bytes:
    """A member's bytes, read in chunks; an error once more than ``limit`` came."""
    parts, size = [], 0
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise _bad(
                    path, f"{info.filename} inflates to more than {limit:,} bytes"
                )
            parts.append(chunk)
    return b"".join(parts)


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
        info = archive.getinfo(name)
        limit = _MAX_INFLATION * info.compress_size + 2**20
        if info.file_size > limit:
            raise _bad(
                path,
                f"{name} declares {info.file_size:,} bytes from "
                f"{info.compress_size:,} compressed: not a network's weights",
            )
        data = _read_limited(archive, info, limit, path)
    except (KeyError, zipfile.BadZipFile, EOFError, OSError) as exc:
        msg = f"{str(path)!r} is damaged: cannot read {name} ({exc})"
        raise ModelFileError(msg) from exc
    expected = meta["members"].get(name)
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
        The file's SHA256 (64 hexadecimal digits, either case; spaces around
        and a ``sha256:`` prefix are ignored): checked before anything is
        read. Required for a URL (the file is downloaded once into
        fashionzoo's cache).

    Returns
    -------
    estimator : ZooClassifier or TransferClassifier
        Fitted, predicting exactly as the saved one.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ModelFileError
        Truncated, damaged, altered or not a model file, a pickle included
        (the message names the file and what is wrong).
    ChecksumError
        The file's SHA256 is not ``sha256`` (the message gives both).
    """
    source = os.fspath(path)
    sha256 = _normalized_sha256(sha256)
    if source.startswith(("https://", "http://")):
        file = _fetch(source, sha256)
    else:
        file = Path(source).expanduser()
        if sha256 is not None and file.is_file():
            actual = _file_sha256(file)
            if actual != sha256:
                msg = f"{str(file)!r} has SHA256 {actual}, expected {sha256}"
                raise ChecksumError(msg)
    meta, archive = _open(file)
    with archive:
        try:
            cls = _estimator_class(meta)
        except (FashionZooError, TypeError, ValueError) as exc:
            raise _bad(file, str(exc)) from exc
        try:
            estimator = cls(**_restore(meta["params"]))
            estimator._validate_params()
        except (TypeError, ValueError) as exc:
            raise _bad(
                file, f"its parameters are not {cls.__name__}'s ({exc})"
            ) from exc
        fitted = _restore(meta["fitted"])
        allowed = _fitted_names(cls.__name__)
        unknown = sorted(set(fitted) - set(allowed))
        if unknown:
            raise _bad(
                file,
                f"{_META} sets {', '.join(unknown)}, which {cls.__name__} does not "
                f"save (it saves {', '.join(allowed)})",
            )
        missing = sorted({"classes_", "pixel_scale_", "image_shape_"} - set(fitted))
        if missing:
            raise _bad(file, f"{_META} lacks the fitted {', '.join(missing)}")
        _check_fitted_types(fitted, file)
        for key, value in fitted.items():
            setattr(estimator, key, tuple(value) if key == "image_shape_" else value)
        estimator._seed = meta.get("seed") or 0
        estimator._incremental = False
        if "model.keras" in meta["members"]:
            estimator.model_ = _read_keras(
                _member(archive, meta, "model.keras", file), file
            )
        elif "weights.npz" in meta["members"]:
            data = _member(archive, meta, "weights.npz", file)
            estimator.model_ = _rebuild(estimator, data, file)
        else:
            raise _bad(file, "it holds no network (model.keras or weights.npz)")
    _check_against_network(estimator, file)
    return estimator


def _normalized_sha256(sha256: str | None) -> str | None:
    """``sha256`` in lowercase hex without spaces (or a ``sha256:`` prefix)."""
    if sha256 is None:
        return None
    text = str(sha256).strip().lower().removeprefix("sha256:").strip()
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        msg = f"sha256 must be 64 hexadecimal digits. Received: sha256={sha256!r}"
        raise ValueError(msg)
    return text


def _file_sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool)


def _check_fitted_types(fitted: dict[str, Any], file: Path) -> None:
    """Types and ranges of the fitted attributes, before any is set."""

    def check(ok: bool, key: str, what: str) -> None:
        if not ok:
            raise _bad(file, f"its {key} must be {what}; got {fitted[key]!r}")

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
        raise _bad(
            file,
            f"its classes_ has {len(estimator.classes_)} labels, its network "
            f"{units} outputs",
        )
    shape = tuple(model.inputs[0].shape[1:])
    if shape != tuple(estimator.image_shape_):
        raise _bad(
            file,
            f"its image_shape_ is {tuple(estimator.image_shape_)}, its network "
            f"takes {shape}",
        )
    try:
        scale = float(model.get_layer("scale").scale)
    except (ValueError, TypeError, AttributeError):
        return  # a network of another make: nothing more to compare
    if not np.isclose(scale, estimator.pixel_scale_, rtol=1e-6):
        raise _bad(
            file,
            f"its pixel_scale_ is {estimator.pixel_scale_}, its network scales "
            f"pixels by {scale}",
        )


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
