"""``predict``, ``evaluate`` and ``export``: use a fitted model."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from fashionzoo.cli._common import (
    Commands,
    UsageError,
    allow_pickle_option,
    is_baseline,
    load_estimator,
    load_keras,
    load_test,
    out,
    positive_int,
)

#: ``--runtime`` choices; "auto" picks one per model (see :func:`runtime_for`).
RUNTIME_CHOICES = ("auto", "keras", "onnxruntime", "openvino")

_MODEL_HELP = (
    "a network's name, for its shipped weights (see 'fashionzoo models'), or a "
    "model file saved by 'fashionzoo train --save' (.fzoo; older .joblib files "
    "only with --allow-pickle)"
)


def runtime_for(model: str, runtime: str) -> str:
    """The runtime that ``--runtime`` means for ``model``.

    "auto": an ``.onnx`` file runs in ONNX Runtime (OpenVINO if only that is
    installed), an ``.xml`` file in OpenVINO, a network's name in ONNX
    Runtime when it is installed (its shipped graph gives the estimator's
    probabilities without starting TensorFlow), anything else in Keras.
    """
    import importlib.util

    suffix = Path(model).suffix
    if runtime != "auto":
        if runtime == "keras" and suffix in (".onnx", ".xml"):
            msg = (
                f"{model} is an exported graph, which Keras does not run; use "
                f"--runtime onnxruntime or openvino"
            )
            raise UsageError(msg)
        return runtime
    has = {
        name: importlib.util.find_spec(name) is not None
        for name in ("onnxruntime", "openvino")
    }
    if suffix == ".xml":
        return "openvino"
    if suffix == ".onnx":
        return (
            "onnxruntime" if has["onnxruntime"] or not has["openvino"] else "openvino"
        )
    if suffix == "" and has["onnxruntime"] and _ships_graph(model):
        return "onnxruntime"
    return "keras"


def _ships_graph(name: str) -> bool:
    from fashionzoo.exceptions import FashionZooError
    from fashionzoo.pretrained import model_card

    try:
        return "onnx" in model_card(name)
    except (FashionZooError, KeyError):
        return False


def load_classifier(
    model: str, runtime: str, *, quiet: bool, allow_pickle: bool = False
) -> Any:
    """An estimator (Keras) or an :class:`~fashionzoo.inference.InferenceModel`."""
    runtime = runtime_for(model, runtime)
    if runtime == "keras":
        if not is_baseline(model):
            load_keras(quiet=quiet)
        return load_estimator(model, allow_pickle=allow_pickle)
    from fashionzoo.exceptions import UnknownModelError
    from fashionzoo.inference import InferenceModel

    try:
        return InferenceModel(model, runtime=runtime)
    except UnknownModelError as exc:
        msg = f"no model file at {model!r}, and {exc}"
        raise UsageError(msg) from None


def predict(args: argparse.Namespace) -> int:
    """Classify picture files."""
    import numpy as np

    from fashionzoo.datasets import class_names, load_images

    images = load_images(args.images)
    estimator = load_classifier(
        args.model,
        args.runtime,
        quiet=not args.verbose,
        allow_pickle=args.allow_pickle,
    )
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

    estimator = load_classifier(
        args.model,
        args.runtime,
        quiet=not args.verbose,
        allow_pickle=args.allow_pickle,
    )
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


def _add_runtime_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--runtime",
        choices=RUNTIME_CHOICES,
        default="auto",
        help="what runs the network: keras, or without TensorFlow onnxruntime or "
        'openvino (pip install "fashionzoo[onnx]" / "fashionzoo[openvino]"); '
        "auto (default): onnxruntime for shipped networks and .onnx files where "
        "installed, openvino for .xml files, else keras",
    )


def register(commands: Commands) -> None:
    """Add ``predict``, ``evaluate`` and ``export``."""
    parser = commands.add(
        "predict",
        predict,
        "classify image files with a saved model",
        "Classify pictures (PNG, JPEG, ...) with a network's shipped weights (--model\n"
        "best) or a model saved by 'fashionzoo train'. Each picture is made to look\n"
        "like the training data: grayscale, padded to a square, resized to 28x28, and\n"
        "inverted if its background is light. A shipped network runs in ONNX Runtime\n"
        "when it is installed (no TensorFlow start: a fraction of a second);\n"
        "--runtime chooses.",
        [
            "fashionzoo predict --model best shirt.png",
            "fashionzoo predict --model lenet5.fzoo --top 3 photos/*.jpg",
            "fashionzoo predict --model best --runtime openvino shirt.png",
            "fashionzoo predict --model lenet5.onnx shirt.png",
        ],
        needs_keras=False,
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
    _add_runtime_option(parser)
    parser = commands.add(
        "evaluate",
        evaluate,
        "score a saved model on the test set",
        "Score a model (shipped weights by name, or a file saved by 'fashionzoo train')\n"
        "on the official 10,000 test images: accuracy, the classification report\n"
        "(precision, recall, f1 per class) and the prediction speed.",
        [
            "fashionzoo evaluate --model best",
            "fashionzoo evaluate --model best --runtime openvino",
            "fashionzoo evaluate --model lenet5.fzoo --json > lenet5.json",
        ],
        needs_keras=False,
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
    _add_runtime_option(parser)
    parser = commands.add(
        "export",
        export,
        "export a saved model for serving (.keras, SavedModel, ONNX, OpenVINO)",
        "Write the network of a model (shipped weights by name, or a file saved by\n"
        "'fashionzoo train') for inference without fashionzoo: a .keras file, a\n"
        "TensorFlow SavedModel folder, an ONNX file (needs pip install\n"
        '"fashionzoo[onnx]") or an OpenVINO IR (.xml + .bin; needs\n'
        '"fashionzoo[onnx,openvino]"). The exported model takes float32 images\n'
        "(n, 28, 28, 1) of raw 0-255 pixels and returns class probabilities; ONNX and\n"
        "OpenVINO files run in 'fashionzoo predict' and fashionzoo.inference.",
        [
            "fashionzoo export --model best --out best.keras",
            "fashionzoo export --model lenet5.fzoo --format savedmodel --out lenet5_sm",
            "fashionzoo export --model lenet5 --format onnx --out lenet5.onnx",
            "fashionzoo export --model best --format openvino --out best.xml",
        ],
    )
    parser.add_argument("--model", required=True, metavar="MODEL", help=_MODEL_HELP)
    allow_pickle_option(parser)
    parser.add_argument(
        "--out", required=True, metavar="PATH", help="file or folder to write"
    )
    parser.add_argument(
        "--format",
        choices=["keras", "savedmodel", "onnx", "openvino"],
        default="keras",
        help="output format (default: keras)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing file or SavedModel folder at --out",
    )
