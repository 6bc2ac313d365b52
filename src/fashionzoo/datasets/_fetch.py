"""Find, download, verify and cache the Fashion-MNIST files.

Where a file comes from, in order:

1. the decoded cache in the data folder (``<stem>.npy`` + ``<stem>.json``);
2. the IDX file (gzipped or not) in the data folder;
3. the system copy in :data:`_registry.SYSTEM_DATA_DIR` (Debian's package);
4. a download with pooch, trying each of :data:`_registry.MIRRORS` in turn.

A copy from 2-4 is accepted only if its IDX header and the SHA256 of its
decompressed content match the registry (downloads are first checked by the
MD5 of the archive, by pooch). It is then written to the decoded cache, by a
temporary file in the same folder and ``os.replace``, so a reader never sees
half a file and two processes filling the same folder both succeed.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
from numpy.typing import NDArray

from fashionzoo.datasets import _idx, _registry
from fashionzoo.datasets._base import make_result
from fashionzoo.exceptions import ChecksumError, DataNotFoundError, FashionZooError

logger = logging.getLogger(__name__)

#: Environment variable naming the data folder.
ENV_VAR = "FASHIONZOO_DATA"

#: Extra attempts per mirror after a failed download (pooch's retry_if_failed).
DOWNLOAD_RETRIES = 1

# Bumped when the layout of the decoded cache changes, so old caches rebuild.
_CACHE_FORMAT = 2


# --------------------------------------------------------------------------
# data folder
# --------------------------------------------------------------------------


def get_data_home(data_home: str | os.PathLike[str] | None = None) -> str:
    """Return the folder where fashionzoo keeps its data, creating it.

    The folder is, in order of precedence: ``data_home`` if given, else the
    ``FASHIONZOO_DATA`` environment variable if set, else the platform cache
    (``pooch.os_cache("fashionzoo")``, for example ``~/.cache/fashionzoo`` on
    Linux). A leading ``~`` is expanded.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder to use. ``None`` means the environment variable or the
        platform cache.

    Returns
    -------
    data_home : str
        The path of the data folder.

    See Also
    --------
    clear_data_home : Delete the data folder.
    fetch_fashion_mnist : Load the dataset, caching it in this folder.

    Examples
    --------
    >>> import tempfile
    >>> from fashionzoo.datasets import get_data_home
    >>> folder = tempfile.mkdtemp()
    >>> get_data_home(folder) == folder
    True
    """
    if data_home is None:
        data_home = os.environ.get(ENV_VAR) or None
    if data_home is None:
        import pooch  # imported here to keep ``import fashionzoo.datasets`` light

        data_home = pooch.os_cache("fashionzoo")
    path = Path(data_home).expanduser()
    if path.exists() and not path.is_dir():
        msg = (
            f"The data folder {str(path)!r} is a file, not a folder. Pass a folder "
            f"as data_home (or {ENV_VAR}), or move the file away."
        )
        raise NotADirectoryError(msg)
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def clear_data_home(data_home: str | os.PathLike[str] | None = None) -> None:
    """Delete the data folder and everything in it.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder to delete, found as in :func:`get_data_home`. Everything
        in it goes, including files you put there yourself.

    See Also
    --------
    get_data_home : Which folder this deletes.

    Examples
    --------
    >>> import os, tempfile
    >>> from fashionzoo.datasets import clear_data_home
    >>> folder = tempfile.mkdtemp()
    >>> clear_data_home(folder)
    >>> os.path.exists(folder)
    False
    """
    shutil.rmtree(get_data_home(data_home))


def _describe_home(data_home: str | os.PathLike[str] | None, home: Path) -> str:
    if data_home is not None:
        return f"{home} (data_home)"
    if os.environ.get(ENV_VAR):
        return f"{home} (from {ENV_VAR})"
    return f"{home} (default cache)"


# --------------------------------------------------------------------------
# public loader
# --------------------------------------------------------------------------


def fetch_fashion_mnist(
    subset: Literal["train", "test", "all"] = "train",
    *,
    data_home: str | os.PathLike[str] | None = None,
    download_if_missing: bool = True,
    return_X_y: bool = False,
    progressbar: bool = False,
) -> Any:
    """Load the Fashion-MNIST dataset, downloading it if needed.

    =================   ==============================
    Classes                                         10
    Images per class    6000 (train), 1000 (test)
    Images              60000 (train), 10000 (test)
    Dimensionality      784 (28x28 grey levels)
    Features            integers 0 (background) - 255
    =================   ==============================

    The files are looked for in the data folder (see :func:`get_data_home`),
    then in the system copy installed by Debian's ``dataset-fashion-mnist``
    package (``/usr/share/datasets/fashion-mnist``), and only then downloaded
    from the dataset's GitHub repository, the Keras datasets bucket or the
    original S3 website, in that order, each with one retry. Every copy is
    checked (IDX header, SHA256 of the decompressed content; downloads also
    by archive MD5) before use, and decoded once into ``.npy`` files in the
    data folder, so later calls load in a fraction of the time.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        Which images to load. ``"all"`` is the 60000 training images followed
        by the 10000 test images.
    data_home : str or path-like, default=None
        Folder to read and cache the data in. ``None`` means the
        ``FASHIONZOO_DATA`` environment variable, else the platform cache.
    download_if_missing : bool, default=True
        If False, raise :class:`~fashionzoo.exceptions.DataNotFoundError`
        instead of downloading when no local copy is found.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    progressbar : bool, default=False
        Show a progress bar on stderr while downloading (pooch's, which needs
        ``tqdm``: ``pip install "fashionzoo[cli]"``).

        .. versionadded:: 0.2.0

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : ndarray of shape (n_samples, 784), dtype uint8
            One flattened image per row, row-major, 0 = background.
        images : ndarray of shape (n_samples, 28, 28), dtype uint8
            The same images, a view of ``data`` (writing one changes the
            other).
        target : ndarray of shape (n_samples,), dtype int64
            Class ids 0-9.
        target_names : ndarray of shape (10,), dtype str
            Class names in id order, so ``target_names[target]`` names each
            image: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal,
            Shirt, Sneaker, Bag, Ankle boot.
        DESCR : str
            Description of the dataset.

    (data, target) : tuple if ``return_X_y`` is True
        The two arrays described above. Both are ordinary writable arrays
        owned by the caller; each call returns new ones.

    Raises
    ------
    ValueError
        If ``subset`` is not one of the choices.
    DataNotFoundError
        If no copy of a file is found and none can be downloaded (or
        ``download_if_missing=False``). The message lists what was tried.
    ChecksumError
        If copies were found but all failed their checks. Nothing damaged is
        ever returned or left in the cache.

    See Also
    --------
    load_sample : 1000 training images shipped with the package, offline.
    load_fashion_mnist_csv : Read the Kaggle CSV version.
    get_data_home : Where the files are cached.

    Notes
    -----
    The decoded cache is checked on every call (file size, ``.npy`` header,
    and a sidecar ``.json`` recording the SHA256 of the verified source and
    of the decoded content, which is recomputed); a damaged or stale one is
    rebuilt from the IDX files, so no damaged data is ever returned. Concurrent calls from
    several processes (for example ``GridSearchCV(n_jobs=2)``) into the same
    empty folder are safe: writes are atomic and, where ``fcntl`` exists,
    serialised by a lock on the folder so the data is downloaded only once.

    Examples
    --------
    >>> from fashionzoo.datasets import fetch_fashion_mnist
    >>> X, y = fetch_fashion_mnist("test", return_X_y=True)  # doctest: +SKIP
    >>> X.shape, X.dtype, y[:5]  # doctest: +SKIP
    ((10000, 784), dtype('uint8'), array([9, 2, 1, 1, 6]))
    """
    if not isinstance(subset, str) or subset not in _registry.SUBSETS:
        choices = ", ".join(repr(s) for s in _registry.SUBSETS)
        close = (
            difflib.get_close_matches(subset, list(_registry.SUBSETS), n=1)
            if isinstance(subset, str)
            else []
        )
        hint = f" Did you mean {close[0]!r}?" if close else ""
        msg = f"subset must be one of {choices}; got subset={subset!r}.{hint}"
        raise ValueError(msg)

    home = Path(get_data_home(data_home))
    where = _describe_home(data_home, home)
    pairs = _registry.SUBSETS[subset]
    counts = [int(_registry.FILES[images]["count"]) for images, _ in pairs]
    rows, cols = _registry.IMAGE_SHAPE
    data = np.empty((sum(counts), rows * cols), dtype=np.uint8)
    labels = np.empty(sum(counts), dtype=np.uint8)
    start = 0
    for (images_file, labels_file), count in zip(pairs, counts, strict=True):
        stop = start + count
        for file, out in (
            (images_file, data[start:stop]),
            (labels_file, labels[start:stop]),
        ):
            _load_into(home, where, file, out, download_if_missing, progressbar)
        start = stop
    return make_result(data, labels.astype(np.int64), return_X_y=return_X_y)


# --------------------------------------------------------------------------
# decoded cache
# --------------------------------------------------------------------------


def _load_into(
    home: Path,
    where: str,
    name: str,
    out: NDArray[np.uint8],
    download: bool,
    progressbar: bool = False,
) -> None:
    """Fill ``out`` with the content of file ``name``, from the cache if valid."""
    if _read_cache(home, name, out):
        return
    with _locked(home):
        # Another process may have built it while we waited for the lock;
        # what is wrong with the cache was said by the first look.
        if _read_cache(home, name, out, said=True):
            return
        values = _obtain(home, where, name, download, progressbar)
        out[...] = values
        _write_cache(home, name, values)


def _cache_paths(home: Path, name: str) -> tuple[Path, Path]:
    stem = name.removesuffix(".gz")
    return home / f"{stem}.npy", home / f"{stem}.json"


def _cache_meta(name: str, shape: tuple[int, ...]) -> dict[str, Any]:
    return {
        "format": _CACHE_FORMAT,
        "source": name,
        "sha256": _registry.FILES[name]["sha256"],
        "shape": list(shape),
        "dtype": "uint8",
    }


def _content_hash(values: NDArray[np.uint8]) -> str:
    """SHA256 of the decoded array's bytes (tens of ms for the 47 MB of images)."""
    return hashlib.sha256(np.ascontiguousarray(values).data).hexdigest()


def _read_cache(
    home: Path, name: str, out: NDArray[np.uint8], *, said: bool = False
) -> bool:
    """Read the decoded cache of ``name`` into ``out``; False if unusable.

    ``said``: a look that follows one which already reported the problem
    (under the lock), so it reports it only at debug level.
    """
    npy, meta = _cache_paths(home, name)
    try:
        found = json.loads(meta.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    except (OSError, ValueError) as exc:
        logger.info("Rebuilding %s: unreadable %s (%s).", npy.name, meta.name, exc)
        return False
    content = found.pop("content_sha256", None) if isinstance(found, dict) else None
    if found != _cache_meta(name, out.shape):
        logger.info("Rebuilding %s: it was built from other data.", npy.name)
        return False
    try:
        _read_npy_into(npy, out)
    except FileNotFoundError:
        return False
    except (OSError, ValueError) as exc:
        logger.info("Rebuilding %s: %s", npy.name, exc)
        return False
    if _registry.FILES[name]["kind"] == "labels" and out.size:
        n_classes = len(_registry.FASHION_MNIST_CLASSES)
        if int(out.max()) >= n_classes:
            logger.info("Rebuilding %s: labels out of range.", npy.name)
            return False
    if content != _content_hash(out):
        logger.log(
            logging.DEBUG if said else logging.WARNING,
            "The decoded cache %s is damaged (its content does not match the "
            "checksum written with it); rebuilding it from %s.",
            npy,
            name,
        )
        return False
    return True


def _read_npy_into(path: Path, out: NDArray[np.uint8]) -> None:
    """Read a ``.npy`` file straight into ``out`` after checking its header."""
    with path.open("rb") as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            msg = f"unsupported .npy version {version}."
            raise ValueError(msg)
        if shape != out.shape or fortran or dtype != out.dtype:
            msg = (
                f"holds {dtype} {shape} (fortran={fortran}), "
                f"expected {out.dtype} {out.shape}."
            )
            raise ValueError(msg)
        size = os.fstat(f.fileno()).st_size
        if size != f.tell() + out.nbytes:
            msg = f"is {size} bytes long, expected {f.tell() + out.nbytes}."
            raise ValueError(msg)
        n_read = f.readinto(out.data.cast("B"))
        if n_read != out.nbytes:  # pragma: no cover - file shrank while read
            msg = f"gave {n_read} bytes, expected {out.nbytes}."
            raise ValueError(msg)


def _write_cache(home: Path, name: str, values: NDArray[np.uint8]) -> None:
    npy, meta = _cache_paths(home, name)
    record = {
        **_cache_meta(name, values.shape),
        "content_sha256": _content_hash(values),
    }
    text = json.dumps(record, indent=1)
    try:
        _atomic_write(
            npy,
            lambda f: np.lib.format.write_array(
                f, np.ascontiguousarray(values), allow_pickle=False
            ),
        )
        # Written second: a sidecar vouches only for an .npy already in place.
        _atomic_write(meta, lambda f: f.write(text.encode("utf-8")))
    except OSError as exc:
        logger.warning(
            "Could not write the decoded cache %s (%s); the data is returned "
            "but will be decoded again next time.",
            npy,
            exc,
        )
    else:
        logger.info("Wrote the decoded cache %s.", npy)


def _atomic_write(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write ``path`` via a temporary file in its folder and ``os.replace``.

    The temporary file is created like any other file (mode 0o666 less the
    umask), with O_EXCL and a random name, so concurrent writers never share
    one; on any error it is removed and ``path`` is left as it was.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:  # pragma: no cover - 64 random bits collided
            continue
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (fcntl.flock) where possible.

    The lock only saves duplicate work (two downloads of the same file);
    correctness comes from atomic writes, so without fcntl (Windows) or on a
    file system that refuses the lock, this does nothing.
    """
    fd: int | None = None
    try:
        import fcntl

        fd = os.open(folder, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX)
    except (ImportError, OSError) as exc:
        logger.debug("Not locking %s: %s", folder, exc)
        if fd is not None:
            os.close(fd)
            fd = None
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)  # releases the lock


# --------------------------------------------------------------------------
# finding, checking and downloading the IDX files
# --------------------------------------------------------------------------


def _verify(raw: bytes, name: str) -> NDArray[np.uint8]:
    """Return the values of file ``name`` from its bytes, or raise ChecksumError."""
    entry = _registry.FILES[name]
    expected = entry["sha256"]
    try:
        buf = _idx.decompress(raw, name)
    except ValueError as exc:
        msg = (
            f"{exc} Its archive SHA256 is {hashlib.sha256(raw).hexdigest()}; "
            f"expected decompressed SHA256 {expected}."
        )
        raise ChecksumError(msg) from None
    found = hashlib.sha256(buf).hexdigest()
    try:
        values = _idx.parse_idx(
            buf,
            kind=str(entry["kind"]),
            count=int(entry["count"]),
            image_shape=_registry.IMAGE_SHAPE,
            name=name,
        )
        problem = ""
    except ValueError as exc:
        problem = str(exc)
    if found != expected:
        msg = f"decompressed SHA256 is {found}, expected {expected}."
        if problem:
            msg = f"{msg} {problem}"
        raise ChecksumError(msg)
    if problem:
        raise ChecksumError(problem)
    return values


def _local_candidates(folder: Path, name: str) -> list[Path]:
    return [
        p for p in (folder / name, folder / name.removesuffix(".gz")) if p.is_file()
    ]


def _obtain(
    home: Path, where: str, name: str, download: bool, progressbar: bool = False
) -> NDArray[np.uint8]:
    """Return the verified values of file ``name`` from the first good source."""
    attempts: list[str] = []
    corrupt = False
    system = Path(_registry.SYSTEM_DATA_DIR)
    for folder, label in ((home, where), (system, f"{system} (system copy)")):
        candidates = _local_candidates(folder, name)
        if not candidates:
            attempts.append(f"{label}: no {name}")
        for path in candidates:
            try:
                values = _verify(path.read_bytes(), name)
            except ChecksumError as exc:
                corrupt = True
                attempts.append(f"{path}: {exc}")
                logger.warning("Ignoring %s: %s", path, exc)
            except OSError as exc:
                attempts.append(f"{path}: could not read it ({exc})")
            else:
                logger.info("Using %s (content verified).", path)
                return values

    if not download:
        raise _error(name, attempts, corrupt=corrupt, downloads=False) from None

    import pooch  # imported here to keep ``import fashionzoo.datasets`` light
    import requests

    md5 = f"md5:{_registry.FILES[name]['md5']}"
    for base in list(_registry.MIRRORS):
        base_url = base if base.endswith("/") else f"{base}/"
        url = f"{base_url}{name}"
        fetcher = pooch.create(
            path=home,
            base_url=base_url,
            registry={name: md5},
            retry_if_failed=DOWNLOAD_RETRIES,
        )
        try:
            path = Path(fetcher.fetch(name, progressbar=progressbar))
        except requests.exceptions.RequestException as exc:
            attempts.append(f"{url}: {_describe_request_error(exc)}")
            logger.info("Download of %s failed: %s", url, exc)
            continue
        except ValueError as exc:  # pooch: archive hash mismatch
            corrupt = True
            attempts.append(f"{url}: {_describe_hash_error(exc)}")
            logger.warning("Download of %s failed its check: %s", url, exc)
            continue
        try:
            values = _verify(path.read_bytes(), name)
        except ChecksumError as exc:
            corrupt = True
            attempts.append(f"{url}: {exc}")
            logger.warning("Download of %s failed its check: %s", url, exc)
            with contextlib.suppress(OSError):
                path.unlink()
            continue
        logger.info("Downloaded %s (archive and content verified).", url)
        return values

    raise _error(name, attempts, corrupt=corrupt, downloads=True) from None


def _describe_request_error(exc: Exception) -> str:
    import requests

    if isinstance(exc, requests.exceptions.HTTPError) and exc.response is not None:
        response = exc.response
        return f"HTTP error {response.status_code} {response.reason or ''}".rstrip()
    if isinstance(exc, requests.exceptions.Timeout):
        return "timed out"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "could not connect (no network, or the server is down)"
    return f"{type(exc).__name__}: {exc}"


def _describe_hash_error(exc: ValueError) -> str:
    match = re.search(r"expected (\S+) but got (\S+?)\.?\s", str(exc) + " ")
    if match is None:  # pragma: no cover - depends on pooch's wording
        return str(exc)
    expected, found = match.groups()
    algorithm, _, expected = expected.rpartition(":")
    return (
        f"archive {algorithm.upper() or 'SHA256'} is {found}, expected "
        f"{expected}; the download was deleted."
    )


def _error(
    name: str, attempts: list[str], *, corrupt: bool, downloads: bool
) -> FashionZooError:
    """Build the one exception that says what was tried and what to do."""
    tried = "\n".join(f"  - {a}" for a in attempts)
    if corrupt:
        head = (
            f"No good copy of {name} (Fashion-MNIST): every copy found failed "
            "its checks, so none was used (delete or replace the damaged ones "
            "listed below; damaged downloads were deleted already)."
        )
    elif downloads:
        head = f"Could not find or download {name} (Fashion-MNIST)."
    else:
        head = f"{name} (Fashion-MNIST) was not found."
    if not downloads:
        head += " download_if_missing=False, so no download was tried."
    files = ", ".join(_registry.FILES)
    advice = (
        "To provide the files, either:\n"
        f"  - put {files} (gzipped or not) in a folder and set the {ENV_VAR} "
        "environment variable to it, or pass data_home=<folder>;\n"
        "  - install Debian's package: sudo apt-get install dataset-fashion-mnist "
        f"(it puts them in {_registry.SYSTEM_DATA_DIR});\n"
    )
    if downloads:
        advice += "  - or call again with internet access."
    else:
        advice += "  - or pass download_if_missing=True to download them."
    error = ChecksumError if corrupt else DataNotFoundError
    return error(f"{head} Tried, in order:\n{tried}\n{advice}")
