"""Benchmark of the Fashion-MNIST loaders.

Compares, in one run, a warm ``fetch_fashion_mnist("all")`` (decoded ``.npy``
cache read straight into the returned arrays) with decoding the four
``.gz`` IDX files with NumPy (``gzip.decompress`` + ``np.frombuffer``), the
way most scripts load the dataset, plus other ways to read the same cache.
Each figure is the median of ``--repeat`` runs (default 7) of one call.

Usage::

    python benchmarks/bench_datasets.py [--repeat 7] [--source DIR]

``--source`` is the folder with the four ``.gz`` files (default: the system
copy, ``/usr/share/datasets/fashion-mnist``). The decoded cache is built in a
temporary folder, never in the user's cache.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from fashionzoo.datasets import _registry, fetch_fashion_mnist, find_duplicates


def median_time(func: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def decode_gz(source: Path) -> list[np.ndarray]:
    """The usual way: gunzip each file and view its bytes with NumPy."""
    arrays = []
    for name, entry in _registry.FILES.items():
        raw = gzip.decompress((source / name).read_bytes())
        offset = 16 if entry["kind"] == "images" else 8
        values = np.frombuffer(raw, dtype=np.uint8, offset=offset)
        arrays.append(values.reshape(int(entry["count"]), -1))
    return arrays


def load_npy(home: Path, mmap_mode: str | None, touch: bool) -> np.ndarray:
    """Read the decoded cache with np.load and build the "all" arrays."""
    parts = {
        kind: [
            np.load(home / f"{stem}-{kind}-idx{n}-ubyte.npy", mmap_mode=mmap_mode)
            for stem in ("train", "t10k")
        ]
        for kind, n in (("images", 3), ("labels", 1))
    }
    if not touch:  # lazy: nothing read yet (memory maps only)
        return parts["images"][0]
    data = np.concatenate(parts["images"])
    np.concatenate(parts["labels"]).astype(np.int64)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--source", type=Path, default=Path(_registry.SYSTEM_DATA_DIR))
    args = parser.parse_args()
    _registry.SYSTEM_DATA_DIR = str(args.source)

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        start = time.perf_counter()
        bunch = fetch_fashion_mnist("all", data_home=home, download_if_missing=False)
        cold = time.perf_counter() - start
        assert bunch.data.shape == (70000, 784)

        def warm() -> object:
            return fetch_fashion_mnist("all", data_home=home, download_if_missing=False)

        def decode() -> object:
            return decode_gz(args.source)

        results = {
            "decode 4 .gz (gzip + np.frombuffer)": median_time(decode, args.repeat),
            'warm fetch_fashion_mnist("all")': median_time(warm, args.repeat),
            "np.load + concatenate": median_time(
                lambda: load_npy(home, None, touch=True), args.repeat
            ),
            'np.load(mmap_mode="r") + concatenate': median_time(
                lambda: load_npy(home, "r", touch=True), args.repeat
            ),
            'np.load(mmap_mode="r"), nothing read yet': median_time(
                lambda: load_npy(home, "r", touch=False), args.repeat
            ),
        }
        train = fetch_fashion_mnist("train", data_home=home).data
        test = fetch_fashion_mnist("test", data_home=home).data
        dup_within = median_time(lambda: find_duplicates(train), 3)
        dup_across = median_time(lambda: find_duplicates(train, test), 3)

    baseline = results["decode 4 .gz (gzip + np.frombuffer)"]
    print(f"Fashion-MNIST loaders, median of {args.repeat} runs, source {args.source}")
    print(
        f"  {'cold fetch (verify + decode + write cache)':<48}"
        f"{cold * 1000:9.1f} ms  (1 run)"
    )
    for label, seconds in results.items():
        print(f"  {label:<48}{seconds * 1000:9.1f} ms  x{baseline / seconds:7.1f}")
    ratio = baseline / results['warm fetch_fashion_mnist("all")']
    print(f"Warm fetch vs decoding the .gz files: {ratio:.1f}x faster (goal: >= 3x)")
    print(
        f"find_duplicates: within train {dup_within * 1000:.0f} ms, "
        f"train vs test {dup_across * 1000:.0f} ms (median of 3)"
    )


if __name__ == "__main__":
    main()
