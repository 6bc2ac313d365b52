"""Load + predict the 10k test images with every network's shipped weights.

Each network runs in a fresh process; the clock starts after the imports
(fashionzoo, Keras, the test set) and covers ``create_estimator(name,
pretrained=True)`` (SHA256 check, file read, network built) and ``predict``
on the official 10,000 test images. Medians of ``--repeats`` runs in that
process (the first includes Keras's one-off graph tracing, reported apart).
Rows go to ``results/pretrained_predict.jsonl``.

Usage::

    python benchmarks/bench_pretrained.py
    python benchmarks/bench_pretrained.py --models lenet5 --repeats 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

RESULTS = Path(__file__).resolve().parent / "results"


def one(name: str, repeats: int) -> dict:
    import fashionzoo
    from fashionzoo._keras import keras  # noqa: F401  (imports done before the clock)
    from fashionzoo.datasets import fetch_fashion_mnist

    X, y = fetch_fashion_mnist("test", return_X_y=True)
    times, accuracy = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        clf = fashionzoo.create_estimator(name, pretrained=True)
        y_pred = clf.predict(X)
        times.append(time.perf_counter() - start)
        accuracy = float((y_pred == y).mean())
    return {
        "model": name,
        "first_s": round(times[0], 2),
        "median_s": round(statistics.median(times[1:] or times), 2),
        "repeats": repeats,
        "test_accuracy": accuracy,
    }


def main() -> None:
    from zoo_table import machine  # a sibling script

    from fashionzoo import list_models

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--beside", default="nothing")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.repeats)))
        return
    run = time.strftime("%Y-%m-%d %H:%M")
    rows = []
    for name in args.models or list_models(pretrained=True):
        done = subprocess.run(
            [sys.executable, __file__, "--one", name, "--repeats", str(args.repeats)],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(done.stdout.strip().splitlines()[-1])
        row.update(machine=machine(), run=run, beside=args.beside)
        rows.append(row)
        print(json.dumps(row), flush=True)
    with (RESULTS / "pretrained_predict.jsonl").open("a") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
