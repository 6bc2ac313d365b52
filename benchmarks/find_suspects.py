"""Suspect labels of the 60,000 training images, from a cross-validated model.

Runs :func:`fashionzoo.evaluation.find_suspect_labels` (confident learning on
out-of-fold probabilities: every image is scored by a model fitted on the
other folds) and writes the list to ``benchmarks/results/suspects_<name>.csv``
(image index, given label, suggested label, probability of the given label)
and one JSON row to ``benchmarks/results/suspects.jsonl``: the recipe, the
folds, the out-of-fold accuracy and log loss, how many labels are flagged,
the time, the host and what ran beside. ``best`` at its full recipe (35
epochs) takes about an hour for five folds on 2 CPU cores, so the shipped
list uses a shorter one::

    python benchmarks/find_suspects.py best --epochs 10 --folds 3 --beside "nothing"
    python benchmarks/find_suspects.py lenet5 --folds 5 --beside "nothing"
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def host() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="model name, e.g. lenet5 or best")
    parser.add_argument(
        "--epochs", type=int, default=None, help="default: the recipe's"
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--beside", default="unknown", help="what else ran on the host")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument(
        "--max-samples", type=int, default=None, help="a stratified subset (smoke runs)"
    )
    parser.add_argument(
        "--save-proba",
        type=Path,
        default=None,
        help="also save the out-of-fold proba (.npy)",
    )
    args = parser.parse_args(argv)

    import fashionzoo
    from fashionzoo.datasets import fetch_fashion_mnist, stratified_subset
    from fashionzoo.evaluation import find_suspect_labels, log_loss

    X, y = fetch_fashion_mnist("train", return_X_y=True)
    if args.max_samples:
        X, y = stratified_subset(X, y, args.max_samples, random_state=args.seed)
    params = {"random_state": args.seed}
    if args.epochs is not None:
        params["epochs"] = args.epochs
    estimator = fashionzoo.create_estimator(args.name, **params)
    start = time.perf_counter()
    found = find_suspect_labels(estimator, X, y, cv=args.folds, random_state=args.seed)
    seconds = time.perf_counter() - start
    if args.save_proba is not None:
        np.save(args.save_proba, found.proba)
    predicted = found.classes[found.proba.argmax(axis=1)]
    csv_path = args.results / f"suspects_{args.name}.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, ["index", "given", "suggested", "score"])
        writer.writeheader()
        writer.writerows(found.rows())
    row = {
        "model": args.name,
        "estimator": type(estimator).__name__,
        "epochs": estimator.get_params().get("epochs"),
        "params": params,
        "folds": f"StratifiedKFold({args.folds}, shuffle=True, random_state={args.seed})",
        "n_samples": len(y),
        "oof_accuracy": round(float(np.mean(predicted == y)), 4),
        "oof_log_loss": round(log_loss(y, found.proba, classes=found.classes), 4),
        "n_suspects": len(found),
        "csv": csv_path.name,
        "seconds": round(seconds, 1),
        "host": host(),
        "beside": args.beside,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    with (args.results / "suspects.jsonl").open("a") as f:
        f.write(json.dumps(row) + "\n")
    print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
