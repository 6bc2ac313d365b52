"""Study 001's comparison: LeNet-5 from scratch against transfer from big backbones.

Study 001 trained LeNet-5 and compared it with VGG16, ResNet152V2 and Xception
used as frozen ImageNet feature extractors with a new head (reported test
accuracy: LeNet-5 0.898, VGG16 0.884, ResNet152V2 0.807, Xception 0.747).
This script fits :class:`~fashionzoo.LeNet5Classifier` and one
:class:`~fashionzoo.transfer.TransferClassifier` per backbone on a stratified
subset of the training images and scores them on the official test images,
recording fit and predict time.

The backbones' weights are ``--weights none`` by default (random
initialisation): ImageNet weights need a download that machines without
internet access cannot make. With ``--weights imagenet`` Keras's ImageNet
weights are used (cached in ``KERAS_HOME/models`` or downloaded there). Say
which in any figure you quote: a frozen random backbone is a random-features
baseline, not transfer learning.

Usage::

    python benchmarks/bench_transfer.py                      # 5000 train, 10k test
    python benchmarks/bench_transfer.py --max-samples 2000 --test-samples 2000
    python benchmarks/bench_transfer.py --weights imagenet --fine-tune-epochs 2
    python benchmarks/bench_transfer.py --backbones vgg16,mobilenet_v2 --no-lenet
    python benchmarks/bench_transfer.py --json results.json
    python benchmarks/bench_transfer.py --epoch-cost --backbones vgg16
        # frozen fit of 6 head epochs against 1 (cached features), medians of 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

#: Test accuracy reported by study 001 (shared/reference/001_*.txt).
STUDY_001 = {
    "lenet5": 0.898,
    "vgg16": 0.884,
    "resnet152v2": 0.807,
    "xception": 0.747,
}


def load(max_samples: int, test_samples: int | None, seed: int):
    from fashionzoo.datasets import fetch_fashion_mnist, stratified_subset

    X, y = fetch_fashion_mnist("train", return_X_y=True)
    X_test, y_test = fetch_fashion_mnist("test", return_X_y=True)
    X, y = stratified_subset(X, y, max_samples, random_state=seed)
    X_test, y_test = stratified_subset(X_test, y_test, test_samples, random_state=seed)
    return X, y, X_test, y_test


def run(name: str, estimator, data) -> dict:
    from fashionzoo.evaluation import fit_and_evaluate

    result = fit_and_evaluate(estimator, *data)
    fit_s, predict_s, accuracy = (
        result.fit_seconds,
        result.predict_seconds,
        result.accuracy,
    )
    history = estimator.history_
    row = {
        "model": name,
        "weights": getattr(estimator, "weights", "-"),
        "input": getattr(estimator, "input_size_", 28),
        "epochs": estimator.n_iter_,
        "fit_s": fit_s,
        "features_s": getattr(estimator, "feature_time_", None),
        "epochs_s": float(np.sum(history["epoch_time"])),
        "predict_s": predict_s,
        "test_accuracy": accuracy,
        "study_001": STUDY_001.get(name),
        "params": int(estimator.model_.count_params()),
    }
    print(
        f"  {name}: accuracy {accuracy:.4f}, fit {fit_s:.1f}s, "
        f"predict {predict_s:.1f}s",
        flush=True,
    )
    return row


def epoch_cost(name: str, data, args, repeats: int = 3) -> dict:
    """Median fit time of 1 and of 6 frozen head epochs, alternating."""
    import statistics

    from fashionzoo.transfer import TransferClassifier

    X, y = data[0], data[1]
    times: dict[int, list[float]] = {1: [], 6: []}
    for i in range(repeats):
        for epochs in (1, 6):
            clf = TransferClassifier(
                name,
                weights=None,
                input_size=args.input_size,
                epochs=epochs,
                batch_size=args.batch_size,
                random_state=i,
            )
            start = time.perf_counter()
            clf.fit(X, y)
            times[epochs].append(time.perf_counter() - start)
    one, six = statistics.median(times[1]), statistics.median(times[6])
    row = {"backbone": name, "n": len(X), "fit_1_s": one, "fit_6_s": six}
    row["ratio"] = six / one
    print(
        f"  {name} frozen on {len(X)} images: 1 epoch {one:.1f}s, "
        f"6 epochs {six:.1f}s, ratio {row['ratio']:.2f} (goal < 2)",
        flush=True,
    )
    return row


def table(rows: list[dict]) -> str:
    head = (
        "| model | weights | input | epochs | params | fit s | features s "
        "| epochs s | predict s | test acc | study 001 |"
    )
    lines = [head, "|" + " --- |" * 11]
    for r in rows:
        features = "-" if r["features_s"] is None else f"{r['features_s']:.1f}"
        study = "-" if r["study_001"] is None else f"{r['study_001']:.3f}"
        lines.append(
            f"| {r['model']} | {r['weights']} | {r['input']} | {r['epochs']} "
            f"| {r['params'] / 1e6:.2f}M | {r['fit_s']:.1f} | {features} "
            f"| {r['epochs_s']:.1f} | {r['predict_s']:.1f} "
            f"| {r['test_accuracy']:.4f} | {study} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--weights",
        choices=["none", "imagenet"],
        default="none",
        help="backbone weights: none (random initialisation) or imagenet",
    )
    parser.add_argument("--backbones", default="vgg16,resnet152v2,xception")
    parser.add_argument("--max-samples", type=int, default=5000)
    parser.add_argument(
        "--test-samples", type=int, default=None, help="default: all 10000"
    )
    parser.add_argument("--epochs", type=int, default=10, help="head epochs")
    parser.add_argument("--fine-tune-epochs", type=int, default=0)
    parser.add_argument("--fine-tune-layers", type=int, default=20)
    parser.add_argument("--input-size", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lenet-epochs", type=int, default=None)
    parser.add_argument("--no-lenet", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None, help="also write the rows here")
    parser.add_argument(
        "--epoch-cost",
        action="store_true",
        help="only time frozen fits of 1 and 6 head epochs per backbone",
    )
    args = parser.parse_args(argv)

    import keras

    from fashionzoo import LeNet5Classifier
    from fashionzoo.transfer import TransferClassifier

    weights = None if args.weights == "none" else "imagenet"
    data = load(args.max_samples, args.test_samples, args.seed)
    print(
        f"{len(data[0])} training images, {len(data[2])} test images; backbone "
        f"weights: {weights} "
        f"({'random initialisation' if weights is None else 'ImageNet'}); "
        f"Keras {keras.__version__} on {keras.backend.backend()}, "
        f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}",
        flush=True,
    )
    backbones = [b.strip() for b in args.backbones.split(",") if b.strip()]
    if args.epoch_cost:
        return [epoch_cost(name, data, args) for name in backbones]
    rows = []
    if not args.no_lenet:
        lenet = LeNet5Classifier(random_state=args.seed)
        if args.lenet_epochs is not None:
            lenet.set_params(epochs=args.lenet_epochs)
        rows.append(run("lenet5", lenet, data))
        keras.backend.clear_session()
    for name in backbones:
        clf = TransferClassifier(
            name,
            weights=weights,
            input_size=args.input_size,
            epochs=args.epochs,
            batch_size=args.batch_size,
            fine_tune_epochs=args.fine_tune_epochs,
            fine_tune_layers=args.fine_tune_layers,
            random_state=args.seed,
        )
        rows.append(run(name, clf, data))
        keras.backend.clear_session()
    print()
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return rows


if __name__ == "__main__":
    main()
