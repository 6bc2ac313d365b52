"""The container of fashionzoo's safe model files: a zip, its metadata and checksums.

A model file (``.fzoo`` by convention) is a zip of ``estimator.json`` and one
network member (``model.keras`` or ``weights.npz``). This module reads and
writes the container and knows nothing of estimators: the JSON codec of the
metadata (arrays and non-string keys as tagged objects), the SHA256 of every
member and of the metadata itself (``content_sha256``), size limits checked
before and while a member is read, atomic writes, download by checksum, and
the network members' own codecs (Keras's ``.keras`` read with
``safe_mode=True``, NumPy's ``.npz`` with ``allow_pickle=False``).
:mod:`fashionzoo.estimators._persistence` puts an estimator into it and takes
one out; :mod:`fashionzoo.saving` is the public face.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import signal
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from fashionzoo.exceptions import ChecksumError, ModelFileError, SaveError

__all__ = [
    "FORMAT",
    "META",
    "VERSION",
    "bad_file",
    "content_sha256",
    "fetch",
    "file_sha256",
    "jsonable",
    "keras_bytes",
    "network_arrays",
    "normalized_sha256",
    "open_archive",
    "read_keras",
    "read_member",
    "read_weights",
    "restore",
    "sha256",
    "weights_bytes",
    "write_archive",
]

#: The ``format`` field of ``estimator.json``.
FORMAT = "fashionzoo-estimator"
#: 2 adds ``content_sha256``, the hash of the rest of ``estimator.json``;
#: 3 names the estimator class by its qualified name (module and class).
VERSION = 3
META = "estimator.json"
#: The largest ``estimator.json`` read (its history of 100,000 epochs fits).
_MAX_META_BYTES = 32 * 2**20
#: A network member may inflate at most this much over its compressed size
#: (weights compress little; a zip bomb by a factor of 1,000).
_MAX_INFLATION = 50
_CHUNK = 2**20


def bad_file(path: Path, what: str) -> ModelFileError:
    """The error for a model file that is not valid, naming it and what is wrong."""
    return ModelFileError(f"{str(path)!r} is not a valid fashionzoo model file: {what}")


# ------------------------------------------------------------------ codec
def jsonable(value: Any) -> Any:
    """``value`` as JSON-ready data: arrays and non-string keys become tagged objects."""
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: jsonable(v) for k, v in value.items()}
        return {"__items__": [[jsonable(k), jsonable(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, np.generic):
        return value.item()
    return value


def restore(value: Any) -> Any:
    """The inverse of :func:`jsonable`."""
    if isinstance(value, dict):
        if "__ndarray__" in value:
            return np.asarray(value["__ndarray__"], dtype=value["dtype"])
        if "__items__" in value:
            return {restore(k): restore(v) for k, v in value["__items__"]}
        return {k: restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [restore(v) for v in value]
    return value


# -------------------------------------------------------------- checksums
def sha256(data: bytes) -> str:
    """The SHA256 of ``data``, in lowercase hex."""
    return hashlib.sha256(data).hexdigest()


def content_sha256(meta: dict[str, Any]) -> str:
    """SHA256 of ``meta`` without its ``content_sha256``, as canonical JSON."""
    rest = {k: v for k, v in meta.items() if k != "content_sha256"}
    text = json.dumps(rest, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return sha256(text.encode())


def normalized_sha256(value: str | None) -> str | None:
    """``value`` in lowercase hex without spaces (or a ``sha256:`` prefix)."""
    if value is None:
        return None
    text = str(value).strip().lower().removeprefix("sha256:").strip()
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        msg = f"sha256 must be 64 hexadecimal digits. Received: sha256={value!r}"
        raise ValueError(msg)
    return text


def file_sha256(file: Path) -> str:
    """The SHA256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with file.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(source: str, expected: str | None) -> Path:
    """Download ``source`` into fashionzoo's cache with pooch, checked by SHA256."""
    import pooch

    if expected is None:
        msg = (
            f"loading from a URL needs its SHA256, so that nothing unverified is "
            f"read: load({source!r}, sha256=...)"
        )
        raise ValueError(msg)
    cache = pooch.os_cache("fashionzoo") / "models"
    try:
        return Path(pooch.retrieve(source, known_hash=f"sha256:{expected}", path=cache))
    except ValueError as exc:  # pooch's hash mismatch
        msg = f"the file at {source} does not have SHA256 {expected}: {exc}"
        raise ChecksumError(msg) from exc


# ---------------------------------------------------------------- writing
def write_archive(
    target: Path, meta: dict[str, Any], members: dict[str, bytes]
) -> Path:
    """Write ``members`` and ``meta`` (hashes added) to ``target``, atomically.

    The file is written under a temporary name in the target folder and then
    renamed: a crash, a full disk, Ctrl-C or SIGTERM never leaves a
    half-written file in place of a good one, nor a temporary file.
    """
    meta = {
        "format": FORMAT,
        "version": VERSION,
        **meta,
        "members": {name: sha256(data) for name, data in members.items()},
    }
    meta["content_sha256"] = content_sha256(meta)
    members = {**members, META: json.dumps(meta, indent=1).encode()}
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


# ---------------------------------------------------------------- reading
def open_archive(path: Path) -> tuple[dict[str, Any], zipfile.ZipFile]:
    """The checked metadata of a model file, and the open zip.

    Raises
    ------
    FileNotFoundError, ModelFileError, ChecksumError
    """
    if not path.is_file():
        msg = f"no model file at {str(path)!r}"
        raise FileNotFoundError(msg)
    try:
        archive = zipfile.ZipFile(path)
        info = archive.getinfo(META)
        if info.file_size > _MAX_META_BYTES:
            raise bad_file(
                path,
                f"{META} declares {info.file_size:,} bytes, more than the "
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
        raise bad_file(path, f"{META} is not UTF-8 text ({exc})") from exc
    _check_meta(meta, path)
    return meta, archive


def _check_meta(meta: Any, path: Path) -> None:
    if not isinstance(meta, dict):
        raise bad_file(path, f"{META} holds a {type(meta).__name__}, not an object")
    if meta.get("format") != FORMAT:
        msg = f"{str(path)!r} is not a fashionzoo model file (format {meta.get('format')!r})"
        raise ModelFileError(msg)
    version = meta.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise bad_file(path, f"its version is {version!r}, not a positive integer")
    if version > VERSION:
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
            raise bad_file(path, f"{META}'s {key!r} is {found}, not a {kind.__name__}")
    if meta.get("weights", "keras") not in ("keras", "float32", "float16"):
        raise bad_file(path, f"unknown weights {meta.get('weights')!r}")
    if meta.get("seed") is not None and not isinstance(meta["seed"], int):
        raise bad_file(path, f"its seed {meta['seed']!r} is not an integer")
    if version >= 2 and meta.get("content_sha256") != content_sha256(meta):
        msg = (
            f"{str(path)!r} is damaged or was altered: {META} has SHA256 "
            f"{content_sha256(meta)}, the file says {meta.get('content_sha256')}"
        )
        raise ChecksumError(msg)


def _read_limited(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, path: Path
) -> bytes:
    """A member's bytes, read in chunks; an error once more than ``limit`` came."""
    parts, size = [], 0
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise bad_file(
                    path, f"{info.filename} inflates to more than {limit:,} bytes"
                )
            parts.append(chunk)
    return b"".join(parts)


def read_member(
    archive: zipfile.ZipFile,
    meta: dict[str, Any],
    name: str,
    path: Path,
    *,
    network_limit: tuple[int, str] | None = None,
) -> bytes:
    """A network member's bytes, size-limited and checked against its SHA256.

    The member may inflate at most 50 times over its compressed size, and
    at most ``network_limit[0]`` bytes, the most the network the file
    declares can need (``network_limit[1]`` says which); the declared size
    is checked before reading, the actual one while reading.
    """
    try:
        info = archive.getinfo(name)
        limit = _MAX_INFLATION * info.compress_size + 2**20
        if info.file_size > limit:
            raise bad_file(
                path,
                f"{name} declares {info.file_size:,} bytes from "
                f"{info.compress_size:,} compressed: not a network's weights",
            )
        if network_limit is not None:
            most, network = network_limit
            if info.file_size > most:
                raise bad_file(
                    path,
                    f"{name} declares {info.file_size:,} bytes, more than the "
                    f"{most:,} that {network} can need",
                )
            limit = min(limit, most)
        data = _read_limited(archive, info, limit, path)
    except (KeyError, zipfile.BadZipFile, EOFError, OSError) as exc:
        msg = f"{str(path)!r} is damaged: cannot read {name} ({exc})"
        raise ModelFileError(msg) from exc
    expected = meta["members"].get(name)
    if expected != sha256(data):
        msg = (
            f"{str(path)!r} is damaged or was altered: {name} has SHA256 "
            f"{sha256(data)}, the file says {expected}"
        )
        raise ChecksumError(msg)
    return data


# ------------------------------------------------------- network members
def keras_bytes(model: Any) -> bytes:
    """``model`` in Keras's own ``.keras`` format, as bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        model_file = Path(tmp) / "model.keras"
        model.save(model_file)
        return _without_save_date(model_file.read_bytes())


def _without_save_date(keras_file: bytes) -> bytes:
    """A ``.keras`` zip rewritten so that the same model gives the same bytes.

    Keras records the save time (``date_saved`` in ``metadata.json``, and
    the members' zip timestamps); the date is dropped and the times fixed,
    the members' content and order are kept.
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


def read_keras(data: bytes, path: Path) -> Any:
    """The Keras model in ``.keras`` bytes, read with ``safe_mode=True``.

    Only Keras's own layers and fashionzoo's custom ones
    (:func:`fashionzoo.models.custom_layers.custom_objects`) are accepted.
    """
    from fashionzoo._keras import keras
    from fashionzoo.models.custom_layers import custom_objects

    with tempfile.TemporaryDirectory() as tmp:
        model_file = Path(tmp) / "model.keras"
        model_file.write_bytes(data)
        try:
            return keras.saving.load_model(
                model_file,
                custom_objects=custom_objects(),
                safe_mode=True,
                compile=False,
            )
        except Exception as exc:  # Keras raises many kinds for a bad model file
            msg = f"{str(path)!r}: its Keras model cannot be read safely ({exc})"
            raise ModelFileError(msg) from exc


def weights_bytes(arrays: list[np.ndarray], precision: str) -> bytes:
    """Weight arrays as a compressed ``.npz``, floats cast to ``precision``."""
    buffer = io.BytesIO()
    named = {
        f"w{i:04d}": np.asarray(w, dtype=precision if w.dtype.kind == "f" else w.dtype)
        for i, w in enumerate(arrays)
    }
    np.savez_compressed(buffer, **named)  # type: ignore[arg-type]
    return buffer.getvalue()


def read_weights(data: bytes) -> list[np.ndarray]:
    """The arrays of a ``weights.npz`` member, in order (no pickles)."""
    weights_file = np.load(io.BytesIO(data), allow_pickle=False)
    return [weights_file[k] for k in sorted(weights_file.files)]


def network_arrays(
    path: Path, *, expected_sha256: str | None = None
) -> list[np.ndarray]:
    """The weights of the network a model file holds, in the model's order.

    Reads ``weights.npz``, or the weights of ``model.keras``; no estimator is
    built.
    """
    if expected_sha256 is not None and file_sha256(path) != expected_sha256:
        msg = (
            f"{str(path)!r} has SHA256 {file_sha256(path)}, expected {expected_sha256}"
        )
        raise ChecksumError(msg)
    meta, archive = open_archive(path)
    with archive:
        if "weights.npz" in meta["members"]:
            return read_weights(read_member(archive, meta, "weights.npz", path))
        if "model.keras" in meta["members"]:
            model = read_keras(read_member(archive, meta, "model.keras", path), path)
            return list(model.get_weights())
    raise bad_file(path, "it holds no network (model.keras or weights.npz)")
