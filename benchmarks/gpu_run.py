"""Time per epoch and test accuracy of ``lenet5`` and ``best`` on a GPU, under JAX.

Meant for a machine with an NVIDIA GPU where only JAX (or PyTorch) is
installed, not TensorFlow: ``benchmarks/gpu_run.sh`` installs fashionzoo
from this checkout (without its TensorFlow dependency) and runs this. Each
run trains on the 60,000 training images with mixed precision "auto"
(bfloat16 on compute capability 8.0 and up), scores the official 10,000 test
images, and appends one JSON line to ``--out``: the model, its parameters,
per-epoch times, fit time, test accuracy, the device and the versions.

``--dry-run`` runs the same code on whatever machine it is on, CPU included,
with 1 epoch on 1,000 images of the shipped sample (no data needed), so the
script's logic is tested where there is no GPU.

The GPU goal it serves: a ``best``-class network at >= 0.960 test accuracy
in <= 10 minutes on one H100-class GPU (``--config gpu`` trains the wider,
longer recipe below).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: Runs per configuration: (model, parameters).
CONFIGS = {
    # The CPU recipes as they are.
    "recipes": [("lenet5", {}), ("best", {})],
    # Wider and longer for a GPU: the levers that cost compute.
    "gpu": [
        ("lenet5", {"batch_size": 512, "learning_rate": 8e-3}),
        ("best", {"width": 64, "epochs": 60, "batch_size": 512, "augment": "standard"}),
    ],
}


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("fashionzoo", "keras", "jax", "jaxlib", "torch", "tensorflow"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def _data(dry_run: bool):
    if dry_run:
        from fashionzoo.datasets import load_sample

        X, y = load_sample(return_X_y=True)
        return X, y, X[:500], y[:500]
    from fashionzoo.datasets import fetch_fashion_mnist

    X, y = fetch_fashion_mnist("train", return_X_y=True)
    X_test, y_test = fetch_fashion_mnist("test", return_X_y=True)
    return X, y, X_test, y_test


def run(name: str, params: dict, data, *, dry_run: bool, seed: int) -> dict:
    """Fit and score one model; the result row."""
    import fashionzoo
    from fashionzoo._config import list_gpus
    from fashionzoo.cli._runtime import runtime_info
    from fashionzoo.evaluation import fit_and_evaluate

    if dry_run:
        params = {**params, "epochs": 1}
    est = fashionzoo.create_estimator(name, random_state=seed, **params)
    result = fit_and_evaluate(est, *data)
    info = runtime_info()
    return {
        "model": name,
        "params": params,
        "random_state": seed,
        "dry_run": dry_run,
        "train_images": len(data[1]),
        "test_images": len(data[3]),
        "epochs": est.n_iter_,
        "epoch_s": [round(t, 2) for t in est.history_["epoch_time"]],
        "fit_s": round(result.fit_seconds, 1),
        "test_accuracy": round(result.accuracy, 4),
        "predict_s": round(result.predict_seconds, 2),
        "backend": info["backend"],
        "precision": info["precision_policy"],
        "gpus": [g["name"] for g in list_gpus()],
        "host": platform.node(),
        "versions": _versions(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", choices=sorted(CONFIGS), default="recipes")
    parser.add_argument("--models", nargs="*", help="a subset of the config's models")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("gpu_results.jsonl"))
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    import fashionzoo

    fashionzoo.set_config(mixed_precision="auto")
    data = _data(args.dry_run)
    for name, params in CONFIGS[args.config]:
        if args.models and name not in args.models:
            continue
        row = run(name, params, data, dry_run=args.dry_run, seed=args.seed)
        with args.out.open("a") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
