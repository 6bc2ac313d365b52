"""fetch_fashion_mnist: sources, mirrors, checks, cache, errors, concurrency.

Hermetic: the registry is swapped for tiny synthetic IDX files (5 training
and 3 test images), mirrors point at pytest-httpserver on 127.0.0.1 or at a
closed local port, and the system copy at a temporary folder.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import socket
import struct
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from fashionzoo.datasets import (
    _fetch,
    _registry,
    clear_data_home,
    fetch_fashion_mnist,
    get_data_home,
)
from fashionzoo.exceptions import ChecksumError, DataNotFoundError, FashionZooError

N_TRAIN, N_TEST = 5, 3
NAMES = {
    "train-images-idx3-ubyte.gz": ("images", N_TRAIN),
    "train-labels-idx1-ubyte.gz": ("labels", N_TRAIN),
    "t10k-images-idx3-ubyte.gz": ("images", N_TEST),
    "t10k-labels-idx1-ubyte.gz": ("labels", N_TEST),
}


# --------------------------------------------------------------------------
# synthetic data
# --------------------------------------------------------------------------


def idx_bytes(values: np.ndarray, kind: str) -> bytes:
    if kind == "images":
        header = struct.pack(">iiii", 2051, len(values), 28, 28)
    else:
        header = struct.pack(">ii", 2049, len(values))
    return header + values.astype(np.uint8).tobytes()


class Synthetic:
    """Tiny IDX files, their upstream-style .gz archives and registry."""

    def __init__(self) -> None:
        rng = np.random.default_rng(42)
        self.arrays = {
            "train": (
                rng.integers(0, 256, (N_TRAIN, 784), dtype=np.uint8),
                np.array([0, 9, 3, 3, 7], dtype=np.uint8),
            ),
            "test": (
                rng.integers(0, 256, (N_TEST, 784), dtype=np.uint8),
                np.array([1, 2, 9], dtype=np.uint8),
            ),
        }
        self.content: dict[str, bytes] = {}
        for name, (kind, _) in NAMES.items():
            subset = "train" if name.startswith("train") else "test"
            values = self.arrays[subset][0 if kind == "images" else 1]
            self.content[name] = idx_bytes(values, kind)
        # "upstream" archives: fixed mtime so the bytes (and MD5) are stable
        self.gz = {n: gzip.compress(c, mtime=0) for n, c in self.content.items()}
        self.files = {
            name: {
                "kind": kind,
                "count": count,
                "md5": hashlib.md5(self.gz[name]).hexdigest(),
                "sha256": hashlib.sha256(self.content[name]).hexdigest(),
            }
            for name, (kind, count) in NAMES.items()
        }

    def expected(self, subset: str) -> tuple[np.ndarray, np.ndarray]:
        if subset == "all":
            parts = [self.arrays["train"], self.arrays["test"]]
            return (
                np.concatenate([p[0] for p in parts]),
                np.concatenate([p[1] for p in parts]).astype(np.int64),
            )
        data, target = self.arrays[subset]
        return data, target.astype(np.int64)

    def write(self, folder: Path, *, regzip: bool = False, plain: bool = False) -> Path:
        """Write the four files like a local copy (optionally re-gzipped)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in self.content.items():
            if plain:
                (folder / name.removesuffix(".gz")).write_bytes(content)
            elif regzip:  # like Debian: other archive bytes, same content
                data = gzip.compress(content, compresslevel=1, mtime=12345)
                assert hashlib.md5(data).hexdigest() != self.files[name]["md5"]
                (folder / name).write_bytes(data)
            else:
                (folder / name).write_bytes(self.gz[name])
        return folder


@pytest.fixture
def synth(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Synthetic:
    """Registry swapped for synthetic files; no system copy; no mirror."""
    s = Synthetic()
    monkeypatch.setattr(_registry, "FILES", s.files)
    monkeypatch.setattr(_registry, "MIRRORS", [])
    empty = tmp_path / "system-empty"
    empty.mkdir()
    monkeypatch.setattr(_registry, "SYSTEM_DATA_DIR", str(empty))
    monkeypatch.setattr(_fetch, "DOWNLOAD_RETRIES", 0)
    return s


@pytest.fixture(autouse=True)
def _never_the_real_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FASHIONZOO_DATA", str(tmp_path / "env-home"))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def serve(httpserver, synth: Synthetic, prefix: str, *, status: int = 200) -> str:
    """Serve the synthetic archives under /prefix/; return the base URL."""
    for name, data in synth.gz.items():
        httpserver.expect_request(f"/{prefix}/{name}").respond_with_data(
            data if status == 200 else b"nope", status=status
        )
    return httpserver.url_for(f"/{prefix}/")


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/fashion/"


def requested(httpserver) -> list[str]:
    return [request.path for request, _ in httpserver.log]


def assert_equal_bunch(bunch, expected: tuple[np.ndarray, np.ndarray]) -> None:
    data, target = expected
    np.testing.assert_array_equal(bunch.data, data)
    np.testing.assert_array_equal(bunch.target, target)
    assert bunch.data.dtype == np.uint8
    assert bunch.target.dtype == np.int64
    assert bunch.images.shape == (len(data), 28, 28)
    assert np.shares_memory(bunch.images, bunch.data)
    assert bunch.data.flags.writeable
    assert bunch.data.flags.c_contiguous


def leftovers(folder: Path) -> list[str]:
    """Temporary or partial files: anything but the final names."""
    return sorted(
        p.name for p in folder.iterdir() if p.name.startswith(".") or "tmp" in p.name
    )


# --------------------------------------------------------------------------
# downloads
# --------------------------------------------------------------------------


def test_download_from_first_mirror(synth, httpserver, home):
    _registry.MIRRORS[:] = [serve(httpserver, synth, "m1")]
    bunch = fetch_fashion_mnist("train", data_home=home)
    assert_equal_bunch(bunch, synth.expected("train"))
    assert sorted(requested(httpserver)) == [
        "/m1/train-images-idx3-ubyte.gz",
        "/m1/train-labels-idx1-ubyte.gz",
    ]
    names = sorted(p.name for p in home.iterdir())
    assert names == [
        "train-images-idx3-ubyte.gz",
        "train-images-idx3-ubyte.json",
        "train-images-idx3-ubyte.npy",
        "train-labels-idx1-ubyte.gz",
        "train-labels-idx1-ubyte.json",
        "train-labels-idx1-ubyte.npy",
    ]


def test_download_progress_bar(synth, httpserver, home, capfd):
    pytest.importorskip("tqdm")
    _registry.MIRRORS[:] = [serve(httpserver, synth, "m1")]
    bunch = fetch_fashion_mnist("test", data_home=home, progressbar=True)
    assert_equal_bunch(bunch, synth.expected("test"))
    err = capfd.readouterr().err
    assert "100%" in err  # tqdm's bar, drawn by pooch, on stderr


def test_mirror_base_url_without_trailing_slash(synth, httpserver, home):
    _registry.MIRRORS[:] = [serve(httpserver, synth, "m1").rstrip("/")]
    assert_equal_bunch(
        fetch_fashion_mnist("test", data_home=home), synth.expected("test")
    )


def test_fallback_when_first_mirror_404(synth, httpserver, home):
    _registry.MIRRORS[:] = [
        serve(httpserver, synth, "gone", status=404),
        serve(httpserver, synth, "good"),
    ]
    bunch = fetch_fashion_mnist("test", data_home=home)
    assert_equal_bunch(bunch, synth.expected("test"))
    assert requested(httpserver) == [
        "/gone/t10k-images-idx3-ubyte.gz",
        "/good/t10k-images-idx3-ubyte.gz",
        "/gone/t10k-labels-idx1-ubyte.gz",
        "/good/t10k-labels-idx1-ubyte.gz",
    ]


def test_fallback_when_first_mirror_serves_corrupt_file(synth, httpserver, home):
    name = "t10k-images-idx3-ubyte.gz"
    httpserver.expect_request(f"/bad/{name}").respond_with_data(synth.gz[name][:-20])
    httpserver.expect_request("/bad/t10k-labels-idx1-ubyte.gz").respond_with_data(
        b"garbage"
    )
    _registry.MIRRORS[:] = [
        httpserver.url_for("/bad/"),
        serve(httpserver, synth, "good"),
    ]
    bunch = fetch_fashion_mnist("test", data_home=home)
    assert_equal_bunch(bunch, synth.expected("test"))
    assert leftovers(home) == []


def test_retry_after_transient_error(synth, httpserver, home, monkeypatch):
    monkeypatch.setattr(_fetch, "DOWNLOAD_RETRIES", 1)  # pooch waits 1 s
    name = "t10k-labels-idx1-ubyte.gz"
    httpserver.expect_oneshot_request(f"/m/{name}").respond_with_data("", status=503)
    base = serve(httpserver, synth, "m")
    _registry.MIRRORS[:] = [base]
    home.mkdir()
    # only the labels download goes through the retry
    synth.write(home, regzip=True)
    (home / name).unlink()
    bunch = fetch_fashion_mnist("test", data_home=home)
    assert_equal_bunch(bunch, synth.expected("test"))
    assert requested(httpserver) == [f"/m/{name}", f"/m/{name}"]


def test_wrong_archive_hash_raises_and_leaves_nothing(synth, httpserver, home):
    name = "train-images-idx3-ubyte.gz"
    corrupt = bytearray(synth.gz[name])
    corrupt[-10] ^= 0xFF
    for prefix in ("a", "b"):
        httpserver.expect_request(f"/{prefix}/{name}").respond_with_data(bytes(corrupt))
    _registry.MIRRORS[:] = [httpserver.url_for("/a/"), httpserver.url_for("/b/")]
    with pytest.raises(ChecksumError) as info:
        fetch_fashion_mnist("train", data_home=home)
    message = str(info.value)
    assert name in message
    assert synth.files[name]["md5"] in message  # expected
    assert hashlib.md5(corrupt).hexdigest() in message  # found
    assert message.count("archive MD5 is") == 2  # both mirrors tried
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__
    assert list(home.iterdir()) == []  # no file, no temporary file


def test_download_content_checked_beyond_archive_hash(synth, httpserver, home):
    # An archive whose MD5 is the registered one but whose content is wrong
    # (a registry mismatch): refused, deleted, and reported with both hashes.
    name = "t10k-labels-idx1-ubyte.gz"
    truncated = gzip.compress(synth.content[name][:-1], mtime=0)
    synth.files[name]["md5"] = hashlib.md5(truncated).hexdigest()
    httpserver.expect_request(f"/m/{name}").respond_with_data(truncated)
    _registry.MIRRORS[:] = [httpserver.url_for("/m/")]
    home.mkdir()
    (home / "t10k-images-idx3-ubyte.gz").write_bytes(
        synth.gz["t10k-images-idx3-ubyte.gz"]
    )
    with pytest.raises(ChecksumError) as info:
        fetch_fashion_mnist("test", data_home=home)
    message = str(info.value)
    assert synth.files[name]["sha256"] in message
    assert hashlib.sha256(synth.content[name][:-1]).hexdigest() in message
    assert "expected 3" in message or "truncated" in message
    assert not (home / name).exists()
    assert leftovers(home) == []


def test_offline_error_says_what_was_tried_and_what_to_do(synth, home):
    mirrors = [closed_port_url(), closed_port_url() + "x/"]
    _registry.MIRRORS[:] = mirrors
    with pytest.raises(DataNotFoundError) as info:
        fetch_fashion_mnist("train", data_home=home)
    error = info.value
    assert isinstance(error, OSError)
    assert isinstance(error, FashionZooError)
    assert error.__cause__ is None
    assert error.__suppress_context__
    message = str(error)
    assert message.startswith("Could not find or download train-images-idx3-ubyte.gz")
    assert str(home) in message
    assert _registry.SYSTEM_DATA_DIR in message
    for base in mirrors:
        assert f"{base}train-images-idx3-ubyte.gz: could not connect" in message
    assert "FASHIONZOO_DATA" in message
    assert "data_home=" in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert list(home.iterdir()) == []


def test_download_disabled(synth, httpserver, home):
    _registry.MIRRORS[:] = [serve(httpserver, synth, "m")]
    with pytest.raises(DataNotFoundError, match="download_if_missing=False") as info:
        fetch_fashion_mnist("train", data_home=home, download_if_missing=False)
    assert "no download was tried" in str(info.value)
    assert "FASHIONZOO_DATA" in str(info.value)
    assert info.value.__suppress_context__
    assert requested(httpserver) == []


# --------------------------------------------------------------------------
# local copies
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regzip", "plain"), [(False, False), (True, False), (False, True)]
)
def test_copy_in_data_home_used_without_network(synth, home, regzip, plain):
    _registry.MIRRORS[:] = [closed_port_url()]
    synth.write(home, regzip=regzip, plain=plain)
    bunch = fetch_fashion_mnist("all", data_home=home)
    assert_equal_bunch(bunch, synth.expected("all"))


def test_system_copy_decoded_into_cache(synth, home, tmp_path):
    system = synth.write(tmp_path / "system", regzip=True)
    _registry.SYSTEM_DATA_DIR = str(system)
    bunch = fetch_fashion_mnist("all", data_home=home, download_if_missing=False)
    assert_equal_bunch(bunch, synth.expected("all"))
    # decoded into the cache, not copied
    assert sorted(p.suffix for p in home.iterdir()) == [".json"] * 4 + [".npy"] * 4
    # and the cache now serves without the system copy
    for path in system.iterdir():
        path.unlink()
    assert_equal_bunch(
        fetch_fashion_mnist("all", data_home=home, download_if_missing=False),
        synth.expected("all"),
    )


def test_env_var_names_the_data_folder(synth, tmp_path, monkeypatch):
    folder = synth.write(tmp_path / "from-env")
    monkeypatch.setenv("FASHIONZOO_DATA", str(folder))
    assert_equal_bunch(fetch_fashion_mnist("test"), synth.expected("test"))
    assert (folder / "t10k-images-idx3-ubyte.npy").exists()


def test_corrupt_local_copy_skipped_for_mirror(synth, httpserver, home, tmp_path):
    home.mkdir()
    for name, data in synth.gz.items():
        (home / name).write_bytes(data[: len(data) // 2])  # truncated
    system = synth.write(tmp_path / "system")
    (system / "train-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8bnot gzip")
    _registry.SYSTEM_DATA_DIR = str(system)
    _registry.MIRRORS[:] = [serve(httpserver, synth, "m")]
    bunch = fetch_fashion_mnist("train", data_home=home)
    assert_equal_bunch(bunch, synth.expected("train"))
    # images from the system copy, labels downloaded (pooch replaced the bad copy)
    assert requested(httpserver) == ["/m/train-labels-idx1-ubyte.gz"]
    assert (home / "train-labels-idx1-ubyte.gz").read_bytes() == synth.gz[
        "train-labels-idx1-ubyte.gz"
    ]


def test_corrupt_local_copy_without_download(synth, home):
    name = "t10k-images-idx3-ubyte.gz"
    synth.write(home)
    bad = bytearray(synth.content[name])
    bad[100] ^= 1
    (home / name).write_bytes(gzip.compress(bytes(bad)))
    with pytest.raises(ChecksumError) as info:
        fetch_fashion_mnist("test", data_home=home, download_if_missing=False)
    message = str(info.value)
    assert message.startswith(f"No good copy of {name}")
    assert f"decompressed SHA256 is {hashlib.sha256(bad).hexdigest()}" in message
    assert f"expected {synth.files[name]['sha256']}" in message
    assert "download_if_missing=False" in message
    assert not (home / "t10k-images-idx3-ubyte.npy").exists()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda b: struct.pack(">i", 2049) + b[4:], "magic number 2049, expected 2051"),
        (lambda b: b[:4] + struct.pack(">i", 4) + b[8:], "shape (4, 28, 28)"),
        (lambda b: b[:8] + struct.pack(">ii", 27, 29) + b[16:], "shape (5, 27, 29)"),
        (lambda b: b[:-784], "expected 3920"),
        (lambda b: b + b"\0", "expected 3920"),
        (lambda b: b[:10], "too short"),
    ],
)
def test_bad_idx_header_refused(synth, home, change, problem):
    name = "train-images-idx3-ubyte.gz"
    synth.write(home)
    (home / name).write_bytes(gzip.compress(change(synth.content[name])))
    with pytest.raises(ChecksumError, match=name) as info:
        fetch_fashion_mnist("train", data_home=home, download_if_missing=False)
    assert problem in str(info.value)


def test_expected_counts_come_from_registry(synth, home, monkeypatch):
    # Same bytes, but the registry now says 6 training images: refused.
    monkeypatch.setitem(synth.files["train-images-idx3-ubyte.gz"], "count", 6)
    synth.write(home)
    with pytest.raises(ChecksumError, match=r"expected \(6, 28, 28\)"):
        fetch_fashion_mnist("train", data_home=home, download_if_missing=False)


# --------------------------------------------------------------------------
# decoded cache
# --------------------------------------------------------------------------


def test_warm_cache_equals_cold_result(synth, home):
    synth.write(home)
    cold = fetch_fashion_mnist("all", data_home=home)
    for path in home.glob("*.gz"):
        path.unlink()  # the warm call must not need the sources
    warm = fetch_fashion_mnist("all", data_home=home, download_if_missing=False)
    assert_equal_bunch(cold, synth.expected("all"))
    assert_equal_bunch(warm, synth.expected("all"))
    assert not np.shares_memory(cold.data, warm.data)  # each call owns its arrays
    warm.data[:] = 0  # writable, and the cache is untouched
    again = fetch_fashion_mnist("all", data_home=home, download_if_missing=False)
    assert_equal_bunch(again, synth.expected("all"))
    X, y = fetch_fashion_mnist("test", data_home=home, return_X_y=True)
    np.testing.assert_array_equal(X, synth.expected("test")[0])
    np.testing.assert_array_equal(y, synth.expected("test")[1])


def test_all_is_train_then_test(synth, home):
    synth.write(home)
    train = fetch_fashion_mnist("train", data_home=home)
    test = fetch_fashion_mnist("test", data_home=home)
    both = fetch_fashion_mnist("all", data_home=home)
    np.testing.assert_array_equal(both.data, np.concatenate([train.data, test.data]))
    np.testing.assert_array_equal(
        both.target, np.concatenate([train.target, test.target])
    )
    assert list(both.target_names) == list(_registry.FASHION_MNIST_CLASSES)
    assert both.DESCR.startswith(".. _fashion_mnist_dataset:")


def _npy(home: Path) -> Path:
    return home / "train-images-idx3-ubyte.npy"


def _sidecar(home: Path) -> Path:
    return home / "train-images-idx3-ubyte.json"


def _edit_sidecar(home: Path, **changes) -> None:
    meta = json.loads(_sidecar(home).read_text())
    meta.update(changes)
    _sidecar(home).write_text(json.dumps(meta))


CORRUPTIONS = {
    "npy truncated": lambda h: _npy(h).write_bytes(_npy(h).read_bytes()[:-7]),
    "npy padded": lambda h: _npy(h).write_bytes(_npy(h).read_bytes() + b"\0"),
    "npy garbage": lambda h: _npy(h).write_bytes(b"not an npy file at all"),
    "npy empty": lambda h: _npy(h).write_bytes(b""),
    "npy removed": lambda h: _npy(h).unlink(),
    "npy other shape": lambda h: np.save(_npy(h), np.zeros((N_TRAIN, 783), np.uint8)),
    "npy other dtype": lambda h: np.save(_npy(h), np.zeros((N_TRAIN, 784), np.int16)),
    "npy fortran": lambda h: np.save(
        _npy(h), np.zeros((N_TRAIN, 784), np.uint8, order="F")
    ),
    "sidecar removed": lambda h: _sidecar(h).unlink(),
    "sidecar garbage": lambda h: _sidecar(h).write_text("{not json"),
    "sidecar stale source": lambda h: _edit_sidecar(h, sha256="0" * 64),
    "sidecar old format": lambda h: _edit_sidecar(h, format=0),
    "labels out of range": lambda h: np.save(
        h / "train-labels-idx1-ubyte.npy", np.full(N_TRAIN, 10, np.uint8)
    ),
    "one label changed": lambda h: _flip_last_byte(h / "train-labels-idx1-ubyte.npy"),
    "one pixel changed": lambda h: _flip_last_byte(_npy(h)),
}


def _flip_last_byte(path: Path) -> None:
    """A valid label or pixel turned into another valid one: only a checksum sees it."""
    data = bytearray(path.read_bytes())
    data[-1] = (data[-1] + 1) % 10
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("corrupt", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_damaged_or_stale_cache_is_rebuilt(synth, home, corrupt):
    synth.write(home)
    fetch_fashion_mnist("train", data_home=home)
    corrupt(home)
    bunch = fetch_fashion_mnist("train", data_home=home, download_if_missing=False)
    assert_equal_bunch(bunch, synth.expected("train"))
    # rebuilt: valid again, even with the sources gone
    for path in home.glob("*.gz"):
        path.unlink()
    bunch = fetch_fashion_mnist("train", data_home=home, download_if_missing=False)
    assert_equal_bunch(bunch, synth.expected("train"))
    assert leftovers(home) == []


def test_a_damaged_cache_is_reported_once(synth, home, caplog):
    synth.write(home)
    fetch_fashion_mnist("train", data_home=home)
    _flip_last_byte(_npy(home))
    with caplog.at_level("DEBUG", logger="fashionzoo.datasets._fetch"):
        bunch = fetch_fashion_mnist("train", data_home=home)
    assert_equal_bunch(bunch, synth.expected("train"))
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    expected = (
        f"The decoded cache {_npy(home)} is damaged (its content does not match "
        "the checksum written with it); rebuilding it from "
        "train-images-idx3-ubyte.gz."
    )
    assert [r.getMessage() for r in warnings if "is damaged" in r.getMessage()] == [
        expected
    ]
    assert len(warnings) == 1


def test_cache_rebuilt_when_registry_changes(synth, home):
    synth.write(home)
    fetch_fashion_mnist("test", data_home=home)
    # a new release: other content, other hashes, other count
    other = Synthetic()
    other.arrays["test"] = (
        other.arrays["train"][0][:4],
        np.array([5, 5, 6, 7], np.uint8),
    )
    name_i, name_l = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"
    for name, values, kind in (
        (name_i, other.arrays["test"][0], "images"),
        (name_l, other.arrays["test"][1], "labels"),
    ):
        content = idx_bytes(values, kind)
        (home / name).write_bytes(gzip.compress(content))
        synth.files[name].update(count=4, sha256=hashlib.sha256(content).hexdigest())
    bunch = fetch_fashion_mnist("test", data_home=home)
    np.testing.assert_array_equal(bunch.data, other.arrays["test"][0])
    np.testing.assert_array_equal(bunch.target, [5, 5, 6, 7])


def test_unwritable_cache_still_returns_data(synth, home, monkeypatch, caplog):
    def refuse(path, write):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(_fetch, "_atomic_write", refuse)
    synth.write(home)
    with caplog.at_level("WARNING", logger="fashionzoo.datasets._fetch"):
        bunch = fetch_fashion_mnist("test", data_home=home)
    assert_equal_bunch(bunch, synth.expected("test"))
    assert "Could not write the decoded cache" in caplog.text
    assert not list(home.glob("*.npy"))


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "x.npy"
    target.write_bytes(b"old")

    def explode(f):
        f.write(b"half")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        _fetch._atomic_write(target, explode)
    assert [p.name for p in tmp_path.iterdir()] == ["x.npy"]
    assert target.read_bytes() == b"old"


# --------------------------------------------------------------------------
# concurrency
# --------------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import json, logging, sys, time
    from pathlib import Path
    from fashionzoo.datasets import _registry, fetch_fashion_mnist

    logging.basicConfig(level=logging.INFO)
    config = json.loads(Path(sys.argv[1]).read_text())
    _registry.FILES = config["files"]
    _registry.SYSTEM_DATA_DIR = config["system"]
    _registry.MIRRORS = []
    Path(sys.argv[2]).touch()  # ready
    while not Path(config["go"]).exists():
        time.sleep(0.002)
    bunch = fetch_fashion_mnist("all", data_home=config["home"],
                                download_if_missing=False)
    print(json.dumps({"data": bunch.data.tolist(), "target": bunch.target.tolist()}))
    """
)


def test_two_processes_fill_the_same_empty_cache(synth, home, tmp_path):
    system = synth.write(tmp_path / "system", regzip=True)
    config = tmp_path / "config.json"
    go = tmp_path / "go"
    config.write_text(
        json.dumps(
            {
                "files": synth.files,
                "system": str(system),
                "home": str(home),
                "go": str(go),
            }
        )
    )
    env = {**os.environ, "FASHIONZOO_DATA": str(tmp_path / "unused")}
    ready = [tmp_path / f"ready{i}" for i in range(2)]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(config), str(flag)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for flag in ready
    ]
    try:
        deadline = time.monotonic() + 60
        while not all(flag.exists() for flag in ready):
            assert time.monotonic() < deadline, "children did not start"
            assert all(child.poll() is None for child in children), [
                child.communicate() for child in children
            ]
            time.sleep(0.01)
        go.touch()  # both start fetching at once
        outputs = [child.communicate(timeout=60) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    data, target = synth.expected("all")
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        result = json.loads(out)
        np.testing.assert_array_equal(result["data"], data)
        np.testing.assert_array_equal(result["target"], target)
    # the lock on the folder: each file was decoded and written once only
    writes = "".join(err for _, err in outputs).count("Wrote the decoded cache")
    assert writes == 4
    # the cache is complete and valid: it serves with no source at all
    assert leftovers(home) == []
    for path in system.iterdir():
        path.unlink()
    bunch = fetch_fashion_mnist("all", data_home=home, download_if_missing=False)
    assert_equal_bunch(bunch, synth.expected("all"))


def test_threads_without_lock_still_leave_valid_cache(synth, home, monkeypatch):
    # Where fcntl is missing (Windows) only the atomic renames protect the cache.
    monkeypatch.setattr(_fetch, "_locked", lambda folder: contextlib.nullcontext())
    synth.write(home)
    results, errors = [], []

    def work():
        try:
            for _ in range(5):
                results.append(fetch_fashion_mnist("all", data_home=home))
                for path in home.glob("*.npy"):
                    path.unlink(missing_ok=True)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for bunch in results:
        assert_equal_bunch(bunch, synth.expected("all"))
    assert leftovers(home) == []


# --------------------------------------------------------------------------
# arguments and data folder
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subset", "hint"),
    [
        ("training", " Did you mean 'train'?"),
        ("TEST", ""),
        ("", ""),
        (None, ""),
        (1, ""),
    ],
)
def test_bad_subset(subset, hint, home):
    with pytest.raises(ValueError, match="subset must be one of") as info:
        fetch_fashion_mnist(subset, data_home=home)
    assert str(info.value) == (
        f"subset must be one of 'train', 'test', 'all'; got subset={subset!r}.{hint}"
    )
    assert not home.exists()  # nothing done before the check


def test_get_data_home_precedence(tmp_path, monkeypatch):
    import pooch

    monkeypatch.setattr(
        pooch, "os_cache", lambda project: tmp_path / "os-cache" / project
    )
    monkeypatch.setenv("FASHIONZOO_DATA", str(tmp_path / "env"))
    assert get_data_home(tmp_path / "arg") == str(tmp_path / "arg")
    assert (tmp_path / "arg").is_dir()
    assert get_data_home() == str(tmp_path / "env")
    monkeypatch.setenv("FASHIONZOO_DATA", "")
    assert get_data_home() == str(tmp_path / "os-cache" / "fashionzoo")
    monkeypatch.delenv("FASHIONZOO_DATA")
    assert get_data_home() == str(tmp_path / "os-cache" / "fashionzoo")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert get_data_home("~/data") == str(tmp_path / "user" / "data")


def test_clear_data_home(synth, home):
    synth.write(home)
    fetch_fashion_mnist("test", data_home=home)
    clear_data_home(home)
    assert not home.exists()
    clear_data_home(home)  # creates then removes: no error on a missing folder
    assert not home.exists()
