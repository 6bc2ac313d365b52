"""``predict``, ``evaluate`` and ``export``: use a fitted model."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fashionzoo.cli._common import (
    Commands,
    allow_pickle_option,
    load_estimator,
    load_test,
    out,
    positive_int,
)

_MODEL_HELP = (
    "a network's name, for its shipped weights (see 'fashionzoo models'), or a "
    "model file saved by 'fashionzoo train --save' (.fzoo; older .joblib files "
    "only with --allow-pickle)"
)


def predict(args: argparse.Namespace) -> int:
    """Classify picture files."""
    import numpy as np

    from fashionzoo.datasets import class_names, load_images

    images = load_images(args.images)
    estimator = load_estimator(args.model, allow_pickle=args.allow_pickle)
    proba = estimator.predict_proba(images)
    names = class_names(estimator.classes_)
    top = min(args.top, proba.shape[1])
    for path, row in zip(args.images, proba, strict=True):
        best = np.argsort(-row, kind="stable")[:top]
        guesses = ", ".join(f"{names[k]} ({row[k]:.2f})" for k in best)
        out(f"{path}: {guesses}")
    return 0


def evaluate(args: argparse.Namespace) -> int:
    """Score a saved model on the test set."""
    from fashionzoo.evaluation import evaluate as score

    estimator = load_estimator(args.model, allow_pickle=args.allow_pickle)
    X_test, y_test = load_test(args)
    result = score(estimator, X_test, y_test)
    out(json.dumps(result.to_dict(), indent=2) if args.json else str(result))
    return 0


def export(args: argparse.Namespace) -> int:
    """Write a saved model's network for serving."""
    from fashionzoo.export import export as write

    estimator = load_estimator(args.model, allow_pickle=args.allow_pickle)
    Path(args.out).expanduser().parent.mkdir(parents=True, exist_ok=True)
    out(f"wrote {write(estimator, args.out, args.format, overwrite=args.overwrite)}")
    return 0


def register(commands: Commands) -> None:
    """Add ``predict``, ``evaluate`` and ``export``."""
    parser = commands.add(
        "predict",
        predict,
        "classify image files with a saved model",
        "Classify pictures (PNG, JPEG, ...) with a network's shipped weights (--model\n"
        "best) or a model saved by 'fashionzoo train'. Each picture is made to look\n"
        "like the training data: grayscale, padded to a square, resized to 28x28, and\n"
        "inverted if its background is light.",
        [
            "fashionzoo predict --model best shirt.png",
            "fashionzoo predict --model lenet5.fzoo --top 3 photos/*.jpg",
        ],
    )
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="image files")
    parser.add_argument("--model", required=True, metavar="MODEL", help=_MODEL_HELP)
    allow_pickle_option(parser)
    parser.add_argument(
        "--top",
        type=positive_int,
        default=1,
        metavar="K",
        help="show the K likeliest classes",
    )
    parser = commands.add(
        "evaluate",
        evaluate,
        "score a saved model on the test set",
        "Score a model (shipped weights by name, or a file saved by 'fashionzoo train')\n"
        "on the official 10,000 test images: accuracy, the classification report\n"
        "(precision, recall, f1 per class) and the prediction speed.",
        [
            "fashionzoo evaluate --model best",
            "fashionzoo evaluate --model lenet5.fzoo --json > lenet5.json",
        ],
    )
    parser.add_argument("--model", required=True, metavar="MODEL", help=_MODEL_HELP)
    allow_pickle_option(parser)
    parser.add_argument(
        "--test-samples",
        type=positive_int,
        metavar="N",
        help="score on a stratified subset of N test images (default: all)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the full result as JSON"
    )
    parser = commands.add(
        "export",
        export,
        "export a saved model for serving (.keras, SavedModel, ONNX)",
        "Write the network of a model (shipped weights by name, or a file saved by\n"
        "'fashionzoo train') for inference without fashionzoo: a .keras file, a\n"
        "TensorFlow SavedModel folder, or an ONNX file\n"
        '(needs pip install "fashionzoo[onnx]"). The exported model takes float32 images\n'
        "(n, 28, 28, 1) of raw 0-255 pixels and returns class probabilities.",
        [
            "fashionzoo export --model best --out best.keras",
            "fashionzoo export --model lenet5.fzoo --format savedmodel --out lenet5_sm",
            "fashionzoo export --model lenet5 --format onnx --out lenet5.onnx",
        ],
    )
    parser.add_argument("--model", required=True, metavar="MODEL", help=_MODEL_HELP)
    allow_pickle_option(parser)
    parser.add_argument(
        "--out", required=True, metavar="PATH", help="file or folder to write"
    )
    parser.add_argument(
        "--format",
        choices=["keras", "savedmodel", "onnx"],
        default="keras",
        help="output format (default: keras)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing file or SavedModel folder at --out",
    )
