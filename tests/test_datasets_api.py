"""fashionzoo.datasets: public API, import cost, load_sample, find_duplicates,
IDX reader and docstring examples (no dataset needed)."""

from __future__ import annotations

import doctest
import gzip
import importlib
import json
import struct
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from fashionzoo import datasets
from fashionzoo.datasets import (
    FASHION_MNIST_CLASSES,
    DuplicateReport,
    _idx,
    find_duplicates,
    load_sample,
)


@pytest.fixture(autouse=True)
def _never_the_real_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FASHIONZOO_DATA", str(tmp_path / "env-home"))


def test_public_api():
    assert sorted(datasets.__all__) == sorted(
        [
            "FASHION_MNIST_CLASSES",
            "DuplicateReport",
            "class_names",
            "clear_data_home",
            "fetch_fashion_mnist",
            "find_duplicates",
            "get_data_home",
            "image_from_bytes",
            "load_fashion_mnist_csv",
            "load_image",
            "load_images",
            "load_sample",
            "stratified_subset",
            "CORRUPTIONS",
            "SEVERITY_PARAMETERS",
            "corrupt",
            "list_corruptions",
        ]
    )
    assert FASHION_MNIST_CLASSES == (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    )


def test_import_is_light():
    code = (
        "import sys, json, fashionzoo.datasets\n"
        "print(json.dumps(sorted(m for m in ('keras', 'tensorflow', 'matplotlib', "
        "'sklearn', 'pooch', 'requests', 'pandas', 'scipy') if m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


@pytest.mark.parametrize(
    "module", ["_fetch", "_csv", "_sample", "_duplicates", "_base", "_idx"]
)
def test_docstring_examples(module):
    mod = importlib.import_module(f"fashionzoo.datasets.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


# --------------------------------------------------------------------------
# load_sample
# --------------------------------------------------------------------------


def test_load_sample():
    bunch = load_sample()
    assert bunch.data.shape == (1000, 784)
    assert bunch.data.dtype == np.uint8
    assert bunch.images.shape == (1000, 28, 28)
    assert np.shares_memory(bunch.images, bunch.data)
    assert bunch.target.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(bunch.target), [100] * 10)
    assert list(bunch.target_names) == list(FASHION_MNIST_CLASSES)
    assert bunch.DESCR.startswith("Fashion-MNIST sample")
    assert "default_rng(0)" in bunch.DESCR
    assert "Fashion-MNIST dataset" in bunch.DESCR
    assert find_duplicates(bunch.data).n_groups == 0
    # images look like images: mostly background, full grey range
    assert bunch.data.min() == 0
    assert bunch.data.max() == 255
    X, y = load_sample(return_X_y=True)
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)


def test_load_sample_returns_fresh_arrays():
    first = load_sample()
    first.data[:] = 0
    first.target[:] = 0
    second = load_sample()
    assert second.data.any()
    assert second.target.any()


def test_sample_file_is_small_and_in_the_package():
    resource = resources.files("fashionzoo.datasets").joinpath(
        "data", "fashion_mnist_sample.npz"
    )
    with resources.as_file(resource) as path:
        assert path.stat().st_size < 512 * 1024
        with np.load(path) as npz:
            assert sorted(npz.files) == ["data", "indices", "target"]
            indices = npz["indices"]
    assert np.all(np.diff(indices) > 0)  # sorted, distinct training rows
    assert indices.min() >= 0
    assert indices.max() < 60000


# --------------------------------------------------------------------------
# find_duplicates
# --------------------------------------------------------------------------


def test_find_duplicates_within_one_set():
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, (20, 28, 28), dtype=np.uint8)
    X[7] = X[2]
    X[15] = X[2]
    X[19] = X[4]
    report = find_duplicates(X)
    assert isinstance(report, DuplicateReport)
    assert report.n_groups == 2
    assert report.n_duplicates == 3
    assert [g.tolist() for g in report.groups] == [[2, 7, 15], [4, 19]]
    assert report.n_samples == 20
    assert report.n_samples_other is None
    assert str(report) == (
        "3 duplicate images in X (20 images), in 2 groups of identical images: "
        "X[2, 7, 15]; X[4, 19]."
    )
    assert repr(report) == "DuplicateReport(n_groups=2, n_duplicates=3, n_samples=20)"
    # the same from flattened rows
    flat = find_duplicates(X.reshape(20, -1))
    assert [g.tolist() for g in flat.groups] == [[2, 7, 15], [4, 19]]


def test_find_duplicates_one_pixel_apart_are_distinct():
    X = np.zeros((3, 784), dtype=np.uint8)
    X[1, 783] = 1
    X[2, 0] = 1
    report = find_duplicates(X)
    assert report.n_groups == 0
    assert report.n_duplicates == 0
    assert report.groups == []
    assert str(report) == "No exact duplicates among 3 images of X."


def test_find_duplicates_across_two_sets():
    rng = np.random.default_rng(2)
    X = rng.integers(0, 256, (10, 784), dtype=np.uint8)
    other = rng.integers(0, 256, (6, 784), dtype=np.uint8)
    other[1] = X[8]
    other[4] = X[8]
    other[5] = X[3]
    X[0] = X[3]  # a duplicate inside X does not count as cross-set
    report = find_duplicates(X, other)
    assert report.n_groups == 2
    assert report.n_duplicates == 3
    assert [(x.tolist(), o.tolist()) for x, o in report.groups] == [
        ([8], [1, 4]),
        ([0, 3], [5]),
    ]
    assert report.n_samples_other == 6
    assert str(report) == (
        "3 images of X_other (6 images) also occur in X (10 images), "
        "2 distinct images: X_other[1, 4] == X[8]; X_other[5] == X[0, 3]."
    )
    assert "n_samples_other=6" in repr(report)
    none = find_duplicates(X[:2], other[2:4])
    assert none.n_groups == 0
    assert str(none) == "No image of X_other (2 images) occurs in X (2 images)."


def test_find_duplicates_compares_values_across_dtypes():
    X = np.array([[0, 255], [1, 2]], dtype=np.uint8)
    other = np.array([[0.0, 255.0], [-0.0, 255.0], [1.0, 2.5]])
    report = find_duplicates(X, other)
    assert [(x.tolist(), o.tolist()) for x, o in report.groups] == [([0], [0, 1])]


def test_find_duplicates_many_groups_are_summarised():
    X = np.repeat(np.arange(8, dtype=np.uint8)[:, None], 2, axis=0)
    report = find_duplicates(X)
    assert report.n_groups == 8
    assert str(report).endswith("X[8, 9]; and 3 more groups.")


def test_find_duplicates_bad_input():
    with pytest.raises(ValueError, match="same size; got 784 and 783"):
        find_duplicates(np.zeros((2, 784)), np.zeros((2, 783)))
    with pytest.raises(ValueError, match="one image per row; got the scalar 3"):
        find_duplicates(3)


# --------------------------------------------------------------------------
# IDX reader
# --------------------------------------------------------------------------


def _images(n: int = 2) -> bytes:
    return (
        struct.pack(">iiii", 2051, n, 28, 28)
        + bytes(range(256)) * 6
        + bytes(n * 784 - 1536)
    )


def test_parse_idx_images_and_labels():
    values = _idx.parse_idx(
        _images(), kind="images", count=2, image_shape=(28, 28), name="f"
    )
    assert values.shape == (2, 784)
    assert values[0, 255] == 255
    labels = _idx.parse_idx(
        struct.pack(">ii", 2049, 3) + bytes([1, 2, 9]),
        kind="labels",
        count=3,
        image_shape=(28, 28),
        name="f",
    )
    np.testing.assert_array_equal(labels, [1, 2, 9])


@pytest.mark.parametrize(
    ("buf", "kind", "message"),
    [
        (
            _images(),
            "labels",
            "not an IDX labels file: magic number 2051, expected 2049",
        ),
        (
            struct.pack(">ii", 2049, 2) + b"\0\0",
            "images",
            "too short for an IDX header",
        ),
        (
            _images(3),
            "images",
            "announces images of shape (3, 28, 28), expected (2, 28, 28)",
        ),
        (
            _images()[:-1],
            "images",
            "holds 1567 bytes of data after its header, expected 1568",
        ),
    ],
)
def test_parse_idx_refuses(buf, kind, message):
    with pytest.raises(ValueError, match=r"^f\.gz ") as info:
        _idx.parse_idx(buf, kind=kind, count=2, image_shape=(28, 28), name="f.gz")
    assert message in str(info.value)


def test_decompress():
    data = _images()
    assert _idx.decompress(gzip.compress(data), "f") == data
    assert _idx.decompress(data, "f") == data  # not gzip: as is
    with pytest.raises(ValueError, match="f is not a complete gzip archive"):
        _idx.decompress(gzip.compress(data)[:-9], "f")


def test_a_data_home_that_is_a_file_is_named(tmp_path):
    from fashionzoo.datasets import get_data_home

    path = tmp_path / "data"
    path.write_text("x")
    with pytest.raises(NotADirectoryError, match=rf"{path}' is a file, not a folder"):
        get_data_home(path)
