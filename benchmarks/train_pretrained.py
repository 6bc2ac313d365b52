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
    from zoo_table import machine, peak_rss_mib  # a sibling script

    from fashionzoo import create_estimator
    from fashionzoo.datasets import fetch_fashion_mnist
    from fashionzoo.evaluation import fit_and_evaluate

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


def _versions() -> dict:
    from importlib.metadata import version

    return {
        name: version(name)
        for name in ("fashionzoo", "keras", "tensorflow", "numpy", "scikit-learn")
    }


def _host(machine_line: str) -> dict:
    import platform

    cpu = "unknown"
    info = Path("/proc/cpuinfo")
    if info.exists():
        for line in info.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    arch, cores, vector = (part.strip() for part in machine_line.split(","))
    return {
        "cpu": cpu,
        "architecture": arch or platform.machine(),
        "cores": int(cores.split()[0]),
        "vector_unit": vector,
    }


def package(name: str, work: Path, out: Path) -> dict:
    """Write the shipped file and card of ``name`` from its trained estimator."""
    import hashlib

    import joblib

    import fashionzoo
    from fashionzoo import get_model_info
    from fashionzoo.datasets import FASHION_MNIST_CLASSES, fetch_fashion_mnist
    from fashionzoo.estimators import TRAINING_DEFAULTS
    from fashionzoo.evaluation import evaluate
    from fashionzoo.models import get_model_spec

    record = json.loads((work / f"{name}.json").read_text())
    est = joblib.load(work / f"{name}.joblib")
    # Estimators trained before a parameter was added lack its attribute.
    for key, default in TRAINING_DEFAULTS.items():
        if not hasattr(est, key):
            setattr(est, key, default)
    # Test-time augmentation does not change training: the shipped estimator
    # predicts as the registry's recipe says today.
    est.set_params(tta=get_model_spec(name).recipe.get("tta", False))
    test = fetch_fashion_mnist("test")
    scores = {}
    for precision in ("float32", "float16"):
        path = est.save(work / f"{name}.{precision}.fzoo", weights=precision)
        scores[precision] = evaluate(fashionzoo.load(path), test.images, test.target)
    drop = scores["float32"].accuracy - scores["float16"].accuracy
    precision = "float16" if abs(drop) <= 0.001 else "float32"
    out.mkdir(parents=True, exist_ok=True)
    shipped = out / f"{name}.fzoo"
    (work / f"{name}.{precision}.fzoo").replace(shipped)
    result = scores[precision]
    data = shipped.read_bytes()
    spec = get_model_spec(name)
    info = get_model_info(name)
    params = est.get_params()
    card = {
        "name": name,
        "network": {
            "description": spec.description,
            "estimator": type(est).__name__,
            "parameters": int(est.model_.count_params()),
            "hyperparameters": {k: params[k] for k in spec.hyperparameters},
        },
        "recipe": {
            k: v
            for k, v in params.items()
            if k not in spec.hyperparameters
            and k not in ("random_state", "verbose", "pretrained", "callbacks")
        },
        "random_state": SEED,
        "epochs": int(est.n_iter_),
        "classes": [int(c) for c in est.classes_],
        "class_names": list(FASHION_MNIST_CLASSES),
        "data": "Fashion-MNIST: trained on the 60,000 training images, scored on "
        "the official 10,000 test images",
        "test_accuracy": round(result.accuracy, 4),
        "test_accuracy_float32": round(scores["float32"].accuracy, 4),
        "per_class_accuracy": {
            n: round(float(r), 4)
            for n, r in zip(result.target_names, result.recall, strict=True)
        },
        "fit_seconds": record["fit_seconds"],
        "peak_rss_mib": record["peak_rss_mib"],
        "host": {**_host(record["machine"]), "beside": record.get("beside", "nothing")},
        "trained": record["started"],
        "versions": _versions(),
        "weights": {
            "file": shipped.name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
            "precision": precision,
        },
        "license": "MIT (the weights, like fashionzoo; Fashion-MNIST is MIT-licensed "
        "by Zalando SE)",
        "study": {
            "source": info["source"],
            "reported_accuracy": info["reported_accuracy"],
        },
        "script": "benchmarks/train_pretrained.py",
    }
    (out / f"{name}.json").write_text(json.dumps(card, indent=1) + "\n")
    return {k: card[k] for k in ("name", "test_accuracy", "test_accuracy_float32")}


def main(argv: list[str] | None = None) -> int:
    from fashionzoo import list_models

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", help="default: every network")
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--package", action="store_true", help="only package")
    parser.add_argument("--params", default="{}", help="JSON overrides (trials only)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--beside", default="nothing", help="what ran beside it")
    parser.add_argument(
        "--out", type=Path, default=HERE.parent / "src" / "fashionzoo" / "pretrained"
    )
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(train_one(args.child, args.work, json.loads(args.params))))
        return 0
    models = args.models or list_models(kind="network")
    if not args.package:
        for name in models:
            print(f"training {name} ...", flush=True)
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    name,
                    "--work",
                    str(args.work),
                    "--params",
                    args.params,
                ],
                check=False,
            )
            if done.returncode:
                return done.returncode
            record = json.loads((args.work / f"{name}.json").read_text())
            record["beside"] = args.beside
            (args.work / f"{name}.json").write_text(json.dumps(record, indent=1))
    for name in models:
        print(json.dumps(package(name, args.work, args.out)), flush=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
