"""fetch_fashion_mnist on the real data: the copy installed by Debian's
``dataset-fashion-mnist`` package. A missing copy FAILS these tests (it is
not a reason to skip): install the package, or point SYSTEM_DIR below at the
four official files."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest

from fashionzoo.datasets import (
    FASHION_MNIST_CLASSES,
    _registry,
    fetch_fashion_mnist,
    find_duplicates,
    load_sample,
)
from fashionzoo.datasets._sample import select_sample

SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")


def decode(name: str) -> np.ndarray:
    """Independent decode: gunzip, skip the header, view as uint8."""
    raw = gzip.decompress((SYSTEM_DIR / name).read_bytes())
    return np.frombuffer(raw, dtype=np.uint8, offset=16 if "images" in name else 8)


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> dict:
    missing = [n for n in _registry.FILES if not (SYSTEM_DIR / n).is_file()]
    assert not missing, (
        f"The real Fashion-MNIST files are missing from {SYSTEM_DIR}: {missing}. "
        "Install them with: sudo apt-get install dataset-fashion-mnist"
    )
    home = tmp_path_factory.mktemp("real-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_registry, "SYSTEM_DATA_DIR", str(SYSTEM_DIR))
        mp.setattr(_registry, "MIRRORS", [])  # never the network
        mp.setenv("FASHIONZOO_DATA", str(home / "unused"))
        return {
            subset: fetch_fashion_mnist(
                subset, data_home=home, download_if_missing=False
            )
            for subset in ("train", "test")
        }


def test_system_copy_is_the_registered_content():
    for name, entry in _registry.FILES.items():
        raw = gzip.decompress((SYSTEM_DIR / name).read_bytes())
        assert hashlib.sha256(raw).hexdigest() == entry["sha256"], name


@pytest.mark.parametrize(
    ("subset", "stem", "n"), [("train", "train", 60000), ("test", "t10k", 10000)]
)
def test_fetch_matches_direct_decode(real, subset, stem, n):
    bunch = real[subset]
    assert bunch.data.shape == (n, 784)
    assert bunch.images.shape == (n, 28, 28)
    assert np.shares_memory(bunch.images, bunch.data)
    assert bunch.target.shape == (n,)
    assert bunch.target.dtype == np.int64
    np.testing.assert_array_equal(
        bunch.data, decode(f"{stem}-images-idx3-ubyte.gz").reshape(n, 784)
    )
    np.testing.assert_array_equal(bunch.target, decode(f"{stem}-labels-idx1-ubyte.gz"))
    np.testing.assert_array_equal(np.bincount(bunch.target), [n // 10] * 10)
    assert tuple(bunch.target_names) == FASHION_MNIST_CLASSES


def test_known_first_labels(real):
    # ankle boot, t-shirt, t-shirt, dress, t-shirt / ankle boot, pullover, ...
    assert real["train"].target[:5].tolist() == [9, 0, 0, 3, 0]
    assert real["test"].target[:5].tolist() == [9, 2, 1, 1, 6]


def test_no_duplicates_in_current_release(real):
    train, test = real["train"].data, real["test"].data
    within_train = find_duplicates(train)
    within_test = find_duplicates(test)
    across = find_duplicates(train, test)
    assert within_train.n_duplicates == 0, str(within_train)
    assert within_test.n_duplicates == 0, str(within_test)
    assert across.n_duplicates == 0, str(across)
    assert str(within_train) == "No exact duplicates among 60000 images of X."


def test_shipped_sample_is_reproducible_from_train(real):
    train = real["train"]
    indices = select_sample(train.target)
    sample = load_sample()
    np.testing.assert_array_equal(sample.data, train.data[indices])
    np.testing.assert_array_equal(sample.target, train.target[indices])
