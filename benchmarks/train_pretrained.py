"""Train the zoo's shipped weights: every network, its default recipe, a recorded seed.

Each network trains in a fresh process on the 60,000 training images with its
estimator's defaults and ``random_state=0`` and is scored on the official
10,000 test images. The fitted estimator goes to ``--work`` (a pickle: this
script's own intermediate, never shipped); ``--package`` then writes what the
package ships into ``src/fashionzoo/pretrained/``: the weights in float16 (when
their test accuracy stays within 0.001 of float32, else float32) in fashionzoo's
safe file format, and the model card (recipe, seed, test and per-class
accuracy, fit time and host, versions, sha256). Rerun on the same host with
the same seed, a network gets the same weights and the same test accuracy.

Usage::

    python benchmarks/train_pretrained.py                  # train all, then package
    python benchmarks/train_pretrained.py --models lenet5  # one network
    python benchmarks/train_pretrained.py --package        # package what is trained
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

HERE = Path(__file__).resolve().parent
WORK = HERE / "results" / "pretrained_work"
SEED = 0


def train_one(name: str, work: Path, params: dict) -> dict:
    """Fit and score ``name`` (runs in a child process); save the estimator."""
    import joblib

    from fashionzoo import create_estimator
    from fashionzoo.datasets import fetch_fashion_mnist
    from fashionzoo.evaluation import fit_and_evaluate

    from zoo_table import machine, peak_rss_mib  # a sibling script

    train, test = fetch_fashion_mnist("train"), fetch_fashion_mnist("test")
    est = create_estimator(name, random_state=SEED, **params)
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    result = fit_and_evaluate(est, train.images, train.target, test.images, test.target)
    work.mkdir(parents=True, exist_ok=True)
    joblib.dump(est, work / f"{name}.joblib")
    record = {
        "model": name,
        "started": started,
        "fit_seconds": round(result.fit_seconds, 1),
        "test_accuracy_float32": result.accuracy,
        "machine": machine(),
        "peak_rss_mib": peak_rss_mib(),
        "overrides": params,
    }
    (work / f"{name}.json").write_text(json.dumps(record, indent=1))
    return record


def package(name: str, work: Path) -> dict:
    """Write the shipped file and card of ``name`` from its trained estimator."""
    raise NotImplementedError  # written with the file format (issue 17)


def main(argv: list[str] | None = None) -> int:
    from fashionzoo import list_models

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", help="default: every network")
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--package", action="store_true", help="only package")
    parser.add_argument("--params", default="{}", help="JSON overrides (trials only)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--beside", default="nothing", help="what ran beside it")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(train_one(args.child, args.work, json.loads(args.params))))
        return 0
    models = args.models or list_models()
    if not args.package:
        for name in models:
            print(f"training {name} ...", flush=True)
            done = subprocess.run(
                [sys.executable, __file__, "--child", name, "--work", str(args.work),
                 "--params", args.params],
                check=False,
            )
            if done.returncode:
                return done.returncode
            record = json.loads((args.work / f"{name}.json").read_text())
            record["beside"] = args.beside
            (args.work / f"{name}.json").write_text(json.dumps(record, indent=1))
    for name in models:
        print(json.dumps(package(name, args.work)), flush=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
