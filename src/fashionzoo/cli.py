"""The ``fashionzoo`` command line.

``fashionzoo COMMAND --help`` explains each command. The heavy libraries
(Keras, TensorFlow, scikit-learn, Matplotlib) are imported inside the command
handlers, so ``fashionzoo --help`` answers at once. Results go to stdout,
progress and log messages to stderr; an error prints one line
``fashionzoo: error: ...`` on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import ast
import json
import logging
import os
import shutil
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from fashionzoo.exceptions import FashionZooError

__all__ = ["build_parser", "image_to_array", "main", "parse_param"]

PROG = "fashionzoo"
logger = logging.getLogger(__name__)

# Exceptions turned into one error line and exit status 2.
_USER_ERRORS = (FashionZooError, ValueError, OSError, ImportError)


# --------------------------------------------------------------------------
# output: the only places that print
# --------------------------------------------------------------------------


def _out(text: str = "") -> None:
    """Print a result line on stdout."""
    print(text, flush=True)  # noqa: T201


def _err(text: str) -> None:
    """Print a line on stderr."""
    print(text, file=sys.stderr, flush=True)  # noqa: T201


def _table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> list[str]:
    """Left-aligned text table; the last column is not padded."""
    widths = [
        max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers) - 1)
    ]

    def line(cells: Sequence[str]) -> str:
        padded = [str(c).ljust(w) for c, w in zip(cells, widths, strict=False)]
        return "  ".join([*padded, str(cells[-1])]).rstrip()

    rule = ["-" * w for w in widths] + ["-" * len(headers[-1])]
    return [line(headers), line(rule), *(line(r) for r in rows)]


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = super().format(record)
        if record.levelno >= logging.WARNING:
            return f"{PROG}: {record.levelname.lower()}: {message}"
        return message


# --------------------------------------------------------------------------
# argument helpers
# --------------------------------------------------------------------------


def parse_param(text: str) -> tuple[str, Any]:
    """Parse a ``--param KEY=VALUE`` argument.

    The value is read as a Python literal (``16``, ``1e-3``, ``True``,
    ``None``, ``(3, 3)``, ``{"flip": True}``) and kept as a string when it is
    not one (``adam``).

    Parameters
    ----------
    text : str
        ``"key=value"``.

    Returns
    -------
    key, value : tuple of (str, object)

    Raises
    ------
    argparse.ArgumentTypeError
        If there is no ``=`` or the key is empty.

    Examples
    --------
    >>> from fashionzoo.cli import parse_param
    >>> parse_param("units_1=16"), parse_param("optimizer=sgd")
    (('units_1', 16), ('optimizer', 'sgd'))
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key.isidentifier():
        msg = f"expected KEY=VALUE, e.g. units_1=16; got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    try:
        value = ast.literal_eval(raw.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        value = raw.strip()
    return key, value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        msg = f"expected a positive integer; got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _folds(text: str) -> int:
    value = _positive_int(text)
    if value < 2:
        msg = f"cross-validation needs at least 2 folds; got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        width = min(100, shutil.get_terminal_size((100, 24)).columns)
        super().__init__(prog, max_help_position=30, width=width)


def _examples(*lines: str, note: str = "") -> str:
    text = "examples:\n" + "\n".join(f"  {line}" for line in lines)
    return f"{text}\n\n{note}" if note else text


# --------------------------------------------------------------------------
# shared steps of the handlers
# --------------------------------------------------------------------------


def _keras_verbose(args: argparse.Namespace) -> int:
    """A line per epoch unless --quiet (predictions stay silent)."""
    return 0 if args.quiet else 1


def _params(args: argparse.Namespace) -> dict[str, Any]:
    params = dict(getattr(args, "param", None) or [])
    for option in ("epochs", "batch_size"):
        value = getattr(args, option, None)
        if value is not None:
            params[option] = value
    return params


def _make_estimators(names: Sequence[str], args: argparse.Namespace) -> dict[str, Any]:
    """One fresh estimator per model name, with the command line's parameters.

    A parameter applies to every model that has it; one that no model has
    is an error (with the valid names), as is an unknown model name.
    """
    from fashionzoo.zoo import create_estimator

    params = _params(args)
    common = {"random_state": args.seed, "verbose": _keras_verbose(args)}
    estimators: dict[str, Any] = {}
    used: set[str] = set()
    for name in names:
        if name in estimators:
            msg = f"model {name!r} is given twice."
            raise ValueError(msg)
        valid = set(create_estimator(name).get_params())
        mine = {k: v for k, v in params.items() if k in valid}
        used.update(mine)
        if len(names) == 1:
            mine = params  # let create_estimator explain an unknown parameter
        estimator = create_estimator(name, **{**common, **mine})
        # Check the values now: inside cross_validate a bad value would be
        # reported as a parameter "of cross_validate".
        validate = getattr(estimator, "_validate_params", None)
        if validate is not None:
            validate()
        estimators[name] = estimator
    unused = sorted(set(params) - used)
    if unused and len(names) > 1:
        msg = f"no model among {', '.join(names)} has the parameter(s) {', '.join(unused)}."
        raise ValueError(msg)
    return estimators


def _subset(X: Any, y: Any, n: int | None, seed: int, what: str) -> tuple[Any, Any]:
    """A stratified random subset of n images (all of them if n is None or larger)."""
    if n is None or n >= len(y):
        return X, y
    import numpy as np
    from sklearn.model_selection import train_test_split

    n_classes = len(np.unique(y))
    if n < n_classes:
        msg = f"{what} must be at least the number of classes ({n_classes}); got {n}."
        raise ValueError(msg)
    X_sub, _, y_sub, _ = train_test_split(
        X, y, train_size=n, stratify=y, random_state=seed
    )
    return X_sub, y_sub


def _load(
    subset: Literal["train", "test"], args: argparse.Namespace, n: int | None, what: str
) -> tuple[Any, Any]:
    from fashionzoo.datasets import fetch_fashion_mnist

    X, y = fetch_fashion_mnist(subset, data_home=args.data_home, return_X_y=True)
    return _subset(X, y, n, args.seed, what)


def _load_train(args: argparse.Namespace) -> tuple[Any, Any]:
    X, y = _load("train", args, args.max_samples, "--max-samples")
    logger.info("training images: %s", f"{len(y):,}")
    return X, y


def _load_test(args: argparse.Namespace) -> tuple[Any, Any]:
    return _load("test", args, args.test_samples, "--test-samples")


def _cross_validate(
    estimator: Any, X: Any, y: Any, args: argparse.Namespace
) -> dict[str, Any]:
    from sklearn.model_selection import StratifiedKFold, cross_validate

    folds = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=args.seed)
    return cross_validate(
        estimator, X, y, cv=folds, n_jobs=args.n_jobs, error_score="raise", verbose=0
    )


def _print_cv(name: str, results: dict[str, Any]) -> None:
    scores = results["test_score"]
    for k, (score, fit_time) in enumerate(
        zip(scores, results["fit_time"], strict=True), 1
    ):
        _out(
            f"{name} fold {k}/{len(scores)}: accuracy {score:.4f}  (fit {fit_time:.1f} s)"
        )
    _out(f"{name} cross-validation accuracy: {scores.mean():.4f} ± {scores.std():.4f}")


def _model_path(path: str) -> Path:
    target = Path(path).expanduser()
    if target.suffix == "":
        target = target.with_suffix(".joblib")
    elif target.suffix != ".joblib":
        msg = f"--save takes a .joblib file; got {path!r}."
        raise ValueError(msg)
    return target


def _load_estimator(path: str) -> Any:
    import joblib

    source = Path(path).expanduser()
    if not source.is_file():
        msg = (
            f"no model file at {str(source)!r}. Train and save one first, e.g. "
            f"fashionzoo train lenet5 --save {source.name or 'model.joblib'}"
        )
        raise FileNotFoundError(msg)
    try:
        estimator = joblib.load(source)
    except Exception as exc:  # unpickling raises anything for a foreign file
        msg = (
            f"{str(source)!r} is not a model saved by 'fashionzoo train --save' "
            f"({type(exc).__name__}: {exc})"
        )
        raise ValueError(msg) from exc
    if not (hasattr(estimator, "predict_proba") and hasattr(estimator, "classes_")):
        msg = f"{str(source)!r} holds a {type(estimator).__name__}, not a fitted classifier."
        raise ValueError(msg)
    return estimator


def image_to_array(path: str | os.PathLike[str]) -> Any:
    """Read a picture as a 28x28 uint8 image like the Fashion-MNIST ones.

    The picture is converted to grayscale (transparent parts become white),
    padded to a square with its border colour (keeping the aspect ratio),
    resized to 28x28 and inverted when its background is light (the mean
    of the border pixels above 127), since Fashion-MNIST garments are light
    on a black background.

    Parameters
    ----------
    path : str or path-like
        A PNG, JPEG or any image file Pillow reads.

    Returns
    -------
    image : ndarray of shape (28, 28), dtype uint8

    Raises
    ------
    OSError
        If the file is missing or is not an image.
    ImportError
        If Pillow is not installed.
    """
    import numpy as np

    try:
        from PIL import Image, ImageOps
    except ImportError as exc:
        msg = 'reading images needs Pillow: pip install "fashionzoo[cli]"'
        raise ImportError(msg) from exc
    with Image.open(path) as picture:
        picture.load()
        picture = ImageOps.exif_transpose(picture)
        if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
            rgba = picture.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            picture = Image.alpha_composite(white, rgba)
        gray = picture.convert("L")
    pixels = np.asarray(gray)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    side = max(gray.size)
    square = Image.new("L", (side, side), int(np.median(border)))
    square.paste(gray, ((side - gray.width) // 2, (side - gray.height) // 2))
    small = np.asarray(
        square.resize((28, 28), Image.Resampling.LANCZOS), dtype=np.uint8
    )
    if border.mean() > 127:
        small = 255 - small
    return small


# --------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------


def _cmd_fetch(args: argparse.Namespace) -> int:
    from fashionzoo.datasets import fetch_fashion_mnist, get_data_home

    home = get_data_home(args.data_home)
    logger.info("checking Fashion-MNIST in %s", home)
    for subset in ("train", "test"):
        X, y = fetch_fashion_mnist(
            subset,
            data_home=args.data_home,
            download_if_missing=not args.no_download,
            return_X_y=True,
        )
        _out(f"{subset}: {len(y):,} images of {X.shape[1]} pixels, checksums verified")
    _out(f"data folder: {home}")
    return 0


def _cmd_models(args: argparse.Namespace) -> int:
    from fashionzoo.zoo import get_model_info, list_models

    infos = [get_model_info(name) for name in list_models(args.pattern)]
    if args.json:
        _out(json.dumps(infos, indent=2, default=str))
        return 0
    if not infos:
        _out(f"no model matches {args.pattern!r}; run 'fashionzoo models' to see all.")
        return 0
    rows = []
    for info in infos:
        accuracy = info["reported_accuracy"]
        source = info["source"] or ""
        rows.append(
            [
                info["name"],
                info["estimator"],
                f"{info['param_count']:,}" if info["param_count"] else "-",
                f"{accuracy:g}" if accuracy is not None else "-",
                f"study {source[:3]}" if source[:3].isdigit() else (source or "-"),
                info["description"],
            ]
        )
    lines = _table(
        rows, ["name", "estimator", "params", "reported acc.", "source", "description"]
    )
    width = shutil.get_terminal_size((10_000, 24)).columns if sys.stdout.isatty() else 0
    for line in lines:
        _out(textwrap.shorten(line, width, placeholder="…") if width else line)
    return 0


def _data_status(home: str) -> str:
    from fashionzoo.datasets import _registry  # file names, to tell what is there

    found = []
    for subset, prefix in (("train", "train-images"), ("test", "t10k-images")):
        if any(Path(home).glob(f"{prefix}*")):
            found.append(f"{subset} cached")
        elif any(Path(_registry.SYSTEM_DATA_DIR).glob(f"{prefix}*")):
            found.append(f"{subset} in {_registry.SYSTEM_DATA_DIR}")
        else:
            found.append(f"{subset} missing (run 'fashionzoo fetch')")
    return ", ".join(found)


def _cmd_info(args: argparse.Namespace) -> int:
    from fashionzoo._config import runtime_info
    from fashionzoo.datasets import get_data_home

    info = runtime_info()
    home = get_data_home(args.data_home)
    info["data_home"] = home
    info["data"] = _data_status(home)
    if args.json:
        _out(json.dumps(info, indent=2, default=str))
        return 0
    gpus = info.pop("gpus")
    info["gpus"] = (
        "; ".join(
            f"{g['name']} (compute capability {'.'.join(map(str, g['compute_capability']))})"
            if g.get("compute_capability")
            else str(g["name"])
            for g in gpus
        )
        or "none (running on the CPU)"
    )
    width = max(len(k) for k in info)
    for key, value in info.items():
        _out(f"{key.ljust(width)}  {value}")
    return 0


def _cmd_cv(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    estimator = _make_estimators([args.model], args)[args.model]
    X, y = _load_train(args)
    logger.info(
        "%d-fold stratified cross-validation of %s on %s images, %d epochs per fit",
        args.folds,
        args.model,
        f"{len(y):,}",
        estimator.epochs,
    )
    results = _cross_validate(estimator, X, y, args)
    _print_cv(args.model, results)
    if args.test:
        from fashionzoo.evaluation import evaluate

        logger.info("fitting %s on all %s training images", args.model, f"{len(y):,}")
        fit_start = time.perf_counter()
        estimator.fit(X, y)
        fit_time = time.perf_counter() - fit_start
        X_test, y_test = _load_test(args)
        result = evaluate(estimator, X_test, y_test)
        _out(
            f"{args.model} test accuracy: {result.accuracy:.4f} on {result.n_samples:,} "
            f"test images (fit {fit_time:.1f} s on {len(y):,} images)"
        )
    _out(f"total time: {time.perf_counter() - start:.1f} s")
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from fashionzoo.evaluation import evaluate

    start = time.perf_counter()
    target = _model_path(args.save) if args.save else None
    estimator = _make_estimators([args.model], args)[args.model]
    X, y = _load_train(args)
    logger.info(
        "fitting %s on %s images, %d epochs",
        args.model,
        f"{len(y):,}",
        estimator.epochs,
    )
    estimator.fit(X, y)
    fit_time = time.perf_counter() - start
    X_test, y_test = _load_test(args)
    result = evaluate(estimator, X_test, y_test)
    _out(
        f"{args.model} test accuracy: {result.accuracy:.4f} on {result.n_samples:,} test "
        f"images (fit {fit_time:.1f} s on {len(y):,} images)"
    )
    if target is not None:
        import joblib

        target.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(estimator, target)
        _out(f"saved {target}")
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    import numpy as np

    from fashionzoo.evaluation import class_names

    images = np.stack([image_to_array(path) for path in args.images])
    estimator = _load_estimator(args.model)
    proba = estimator.predict_proba(images)
    names = class_names(estimator.classes_)
    top = min(args.top, proba.shape[1])
    for path, row in zip(args.images, proba, strict=True):
        best = np.argsort(-row, kind="stable")[:top]
        guesses = ", ".join(f"{names[k]} ({row[k]:.2f})" for k in best)
        _out(f"{path}: {guesses}")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from fashionzoo.evaluation import evaluate

    estimator = _load_estimator(args.model)
    X_test, y_test = _load_test(args)
    result = evaluate(estimator, X_test, y_test)
    if args.json:
        _out(json.dumps(result.to_dict(), indent=2))
    else:
        _out(str(result))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from fashionzoo.export import export

    estimator = _load_estimator(args.model)
    Path(args.out).expanduser().parent.mkdir(parents=True, exist_ok=True)
    _out(f"wrote {export(estimator, args.out, args.format)}")
    return 0


def _save_figure(figure: Any, path: Path) -> bytes:
    import matplotlib.pyplot as plt

    from fashionzoo.evaluation import figure_to_png

    png = figure_to_png(figure)
    path.write_bytes(png)
    plt.close(figure)
    return png


def _compare_figures(
    runs: dict[str, dict[str, Any]], best: str, X_test: Any, out: Path
) -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    from fashionzoo import plotting

    result = runs[best]["result"]
    figures: dict[str, bytes] = {}
    ax = plotting.plot_cv_scores(
        {name: run["cv"]["test_score"] for name, run in runs.items()}
    )
    figures["Cross-validation accuracy per fold"] = _save_figure(
        ax.figure, out / "cv_scores.png"
    )
    fig = plotting.plot_learning_curves(
        {name: run["estimator"] for name, run in runs.items()}
    )
    figures["Learning curves (final fits)"] = _save_figure(
        fig, out / "learning_curves.png"
    )
    fig, (left, right) = plt.subplots(1, 2, figsize=(16, 6.6), layout="constrained")
    plotting.plot_confusion_matrix(result.y_true, result.y_pred, ax=left)
    plotting.plot_confusion_matrix(
        result.y_true, result.y_pred, normalize="true", ax=right
    )
    fig.suptitle(f"{best} on the test set")
    figures[f"Confusion matrix of {best}"] = _save_figure(
        fig, out / "confusion_matrix.png"
    )
    ax = plotting.plot_per_class_metrics(
        result.y_true, result.y_pred, metrics=("precision", "recall", "f1")
    )
    figures[f"Per-class metrics of {best}"] = _save_figure(
        ax.figure, out / "per_class_metrics.png"
    )
    fig = plotting.plot_confident_errors(
        X_test, result.y_true, result.y_proba, classes=runs[best]["estimator"].classes_
    )
    figures[f"Most confident errors of {best}"] = _save_figure(
        fig, out / "confident_errors.png"
    )
    return figures


def _cmd_compare(args: argparse.Namespace) -> int:
    import numpy as np

    from fashionzoo import __version__
    from fashionzoo.evaluation import evaluate, write_html_report

    start = time.perf_counter()
    out = Path(args.out).expanduser()
    estimators = _make_estimators(args.models, args)
    out.mkdir(parents=True, exist_ok=True)
    X, y = _load_train(args)
    X_test, y_test = _load_test(args)
    runs: dict[str, dict[str, Any]] = {}
    for k, (name, estimator) in enumerate(estimators.items(), 1):
        logger.info(
            "[%d/%d] %s: %d-fold cross-validation", k, len(estimators), name, args.folds
        )
        cv = _cross_validate(estimator, X, y, args)
        _print_cv(name, cv)
        logger.info(
            "[%d/%d] %s: fit on %s images", k, len(estimators), name, f"{len(y):,}"
        )
        fit_start = time.perf_counter()
        estimator.fit(X, y)
        fit_time = time.perf_counter() - fit_start
        result = evaluate(estimator, X_test, y_test)
        _out(f"{name} test accuracy: {result.accuracy:.4f}")
        runs[name] = {
            "estimator": estimator,
            "cv": cv,
            "fit_time": fit_time,
            "result": result,
        }
    best = max(runs, key=lambda n: runs[n]["cv"]["test_score"].mean())
    figures = _compare_figures(runs, best, X_test, out)

    summary = []
    for name, run in runs.items():
        scores, result = run["cv"]["test_score"], run["result"]
        summary.append(
            {
                "model": name,
                "estimator": type(run["estimator"]).__name__,
                "parameters": int(run["estimator"].model_.count_params()),
                "epochs": int(run["estimator"].n_iter_),
                "CV accuracy (mean)": float(scores.mean()),
                "CV std": float(scores.std()),
                "test accuracy": result.accuracy,
                "fit time (s)": round(run["fit_time"], 1),
                "predict (images/s)": round(result.images_per_second),
            }
        )
    settings = {
        "models": list(runs),
        "folds": args.folds,
        "training_images": len(y),
        "test_images": len(y_test),
        "epochs": args.epochs,
        "params": dict(args.param or []),
        "seed": args.seed,
        "best_model": best,
        "best_by": "mean cross-validation accuracy",
        "fashionzoo": __version__,
    }
    results = {
        "settings": settings,
        "summary": summary,
        "models": {
            name: {
                "cv_scores": np.asarray(run["cv"]["test_score"]).tolist(),
                "cv_fit_times": np.asarray(run["cv"]["fit_time"]).tolist(),
                "fit_time": run["fit_time"],
                "history": run["estimator"].history_,
                "evaluation": run["result"].to_dict(),
            }
            for name, run in runs.items()
        },
    }
    (out / "results.json").write_text(
        json.dumps(results, indent=2, default=str), "utf-8"
    )
    report = write_html_report(
        out / "report.html",
        title=f"fashionzoo compare: {', '.join(runs)}",
        meta={
            "command": " ".join([PROG, *args.argv]),
            "data": f"{len(y):,} training images ({args.folds}-fold stratified CV), "
            f"{len(y_test):,} test images",
            "best model": f"{best} (highest mean cross-validation accuracy)",
            "seed": args.seed,
            "fashionzoo": __version__,
        },
        summary=summary,
        highlight=list(runs).index(best),
        figures=figures,
        texts={
            f"Classification report of {name} (test set)": run["result"].report_text
            for name, run in runs.items()
        },
    )
    _out(f"best model: {best}")
    _out(f"wrote {report}, {out / 'results.json'} and {len(figures)} PNG files")
    _out(f"total time: {time.perf_counter() - start:.1f} s")
    return 0


# --------------------------------------------------------------------------
# parser
# --------------------------------------------------------------------------


def _common_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("general options")
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print results only: no progress or log",
    )
    group.add_argument(
        "-v", "--verbose", action="store_true", help="print debugging messages"
    )
    group.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="random seed for subsets, folds and training (default: 0)",
    )
    group.add_argument(
        "--data-home",
        metavar="DIR",
        help="folder of the data (default: $FASHIONZOO_DATA, else the user cache folder)",
    )
    return common


def _training_parser() -> argparse.ArgumentParser:
    training = argparse.ArgumentParser(add_help=False)
    group = training.add_argument_group("training options")
    group.add_argument(
        "--epochs",
        type=_positive_int,
        metavar="N",
        help="epochs per fit (default: the model's recipe, see 'fashionzoo models --json')",
    )
    group.add_argument(
        "--batch-size", type=_positive_int, metavar="N", help="images per training step"
    )
    group.add_argument(
        "--max-samples",
        type=_positive_int,
        metavar="N",
        help="train on a stratified random subset of N of the 60,000 training images "
        "(default: all)",
    )
    group.add_argument(
        "--test-samples",
        type=_positive_int,
        metavar="N",
        help="score on a stratified subset of N of the 10,000 test images (default: all)",
    )
    group.add_argument(
        "--param",
        action="append",
        type=parse_param,
        metavar="KEY=VALUE",
        help="a model parameter, repeatable: --param units_1=128 --param learning_rate=1e-3",
    )
    return training


def _cv_options(parser: argparse.ArgumentParser, folds: int) -> None:
    group = parser.add_argument_group("cross-validation options")
    group.add_argument(
        "--folds",
        type=_folds,
        default=folds,
        metavar="K",
        help=f"number of stratified folds (default: {folds})",
    )
    group.add_argument(
        "--n-jobs",
        type=int,
        default=1,
        metavar="N",
        help="folds trained in parallel processes; -1 for one per CPU (default: 1)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``fashionzoo`` command.

    Returns
    -------
    parser : argparse.ArgumentParser
        With one subcommand per task; ``args.handler(args)`` runs it.
    """
    parser = argparse.ArgumentParser(
        prog=PROG,
        formatter_class=_HelpFormatter,
        description=(
            "fashionzoo: a model zoo for Fashion-MNIST (70,000 28x28 grayscale images of\n"
            "clothes in 10 classes) with a scikit-learn API over Keras 3.\n\n"
            "Start with 'fashionzoo fetch' to get the data, 'fashionzoo models' to see the\n"
            "networks, then 'fashionzoo cv lenet5 --test' to reproduce study 001."
        ),
        epilog=_examples(
            "fashionzoo fetch                      # download (or find) and verify the data",
            "fashionzoo models                     # the networks and their reported accuracy",
            "fashionzoo cv lenet5 --test           # 5-fold CV on 60k images, then the test set",
            "fashionzoo cv lenet5 --max-samples 2000 --epochs 2 --folds 2   # a quick try",
            "fashionzoo train lenet5 --save lenet5.joblib",
            "fashionzoo predict --model lenet5.joblib shirt.png",
            "fashionzoo compare lenet5 cnn_dropout --max-samples 5000 --out report/",
            note="Run 'fashionzoo COMMAND --help' for the options of a command.",
        ),
    )
    from fashionzoo import __version__

    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    sub = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    common = _common_parser()
    training = _training_parser()

    def add(
        name: str,
        handler: Callable[[argparse.Namespace], int],
        summary: str,
        description: str,
        examples: Sequence[str],
        parents: Sequence[argparse.ArgumentParser] = (),
    ) -> argparse.ArgumentParser:
        command = sub.add_parser(
            name,
            help=summary,
            description=description,
            epilog=_examples(*examples),
            formatter_class=_HelpFormatter,
            parents=[*parents, common],
        )
        command.set_defaults(handler=handler)
        return command

    fetch = add(
        "fetch",
        _cmd_fetch,
        "download (or find) and verify the Fashion-MNIST files",
        "Get the four Fashion-MNIST files, check their SHA256, and decode them into the\n"
        "data folder, so later commands load in a fraction of a second. A copy installed\n"
        "by Debian's dataset-fashion-mnist package is used before any download.",
        [
            "fashionzoo fetch",
            "fashionzoo fetch --data-home ~/data/fashion   # or set FASHIONZOO_DATA",
            "fashionzoo fetch --no-download                 # only check what is there",
        ],
    )
    fetch.add_argument(
        "--no-download",
        action="store_true",
        help="fail instead of downloading when the files are not found locally",
    )

    models = add(
        "models",
        _cmd_models,
        "list the networks of the zoo",
        "List the registered networks: estimator class, parameter count, the test\n"
        "accuracy their source study reported, the study, and a description.",
        ["fashionzoo models", "fashionzoo models 'cnn*'", "fashionzoo models --json"],
    )
    models.add_argument("pattern", nargs="?", help="shell-style wildcard, e.g. 'cnn*'")
    models.add_argument(
        "--json", action="store_true", help="print full details as JSON"
    )

    info = add(
        "info",
        _cmd_info,
        "show versions, backend, devices and where the data is",
        "Show the versions of fashionzoo, Keras, its backend and scikit-learn, the GPUs\n"
        "found, the precision policy, and the data folder. Paste it into bug reports.",
        ["fashionzoo info", "fashionzoo info --json"],
    )
    info.add_argument("--json", action="store_true", help="print as JSON")

    cv = add(
        "cv",
        _cmd_cv,
        "cross-validate a model (and score it on the test set)",
        "Stratified K-fold cross-validation of one model on the training set: prints\n"
        "each fold's accuracy and the mean ± standard deviation. With --test, then fits\n"
        "on all the training images used and scores on the official 10,000 test images.\n"
        "'fashionzoo cv lenet5 --test' runs study 001 end to end.",
        [
            "fashionzoo cv lenet5 --test",
            "fashionzoo cv lenet5 --max-samples 2000 --epochs 2 --folds 2",
            "fashionzoo cv lenet5 --param units_1=128 --param learning_rate=1e-2",
        ],
        parents=[training],
    )
    cv.add_argument("model", help="model name (see 'fashionzoo models')")
    cv.add_argument(
        "--test",
        action="store_true",
        help="then fit on all training images used and score on the test set",
    )
    _cv_options(cv, folds=5)

    train = add(
        "train",
        _cmd_train,
        "fit a model, score it on the test set, save it",
        "Fit one model on the training set (or a subset), print its test accuracy, and\n"
        "save the fitted estimator with joblib for 'predict', 'evaluate' and 'export'.",
        [
            "fashionzoo train lenet5 --save lenet5.joblib",
            "fashionzoo train cnn_dropout --epochs 5 --max-samples 10000 --save cnn.joblib",
        ],
        parents=[training],
    )
    train.add_argument("model", help="model name (see 'fashionzoo models')")
    train.add_argument(
        "--save", metavar="PATH", help="write the fitted estimator to PATH.joblib"
    )

    predict = add(
        "predict",
        _cmd_predict,
        "classify image files with a saved model",
        "Classify pictures (PNG, JPEG, ...) with a model saved by 'fashionzoo train'.\n"
        "Each picture is made to look like the training data: grayscale, padded to a\n"
        "square, resized to 28x28, and inverted if its background is light.\n"
        "Only load model files you trust: joblib files can run code when loaded.",
        [
            "fashionzoo predict --model lenet5.joblib shirt.png",
            "fashionzoo predict --model lenet5.joblib --top 3 photos/*.jpg",
        ],
    )
    predict.add_argument("images", nargs="+", metavar="IMAGE", help="image files")
    predict.add_argument(
        "--model", required=True, metavar="PATH", help="a saved .joblib model"
    )
    predict.add_argument(
        "--top",
        type=_positive_int,
        default=1,
        metavar="K",
        help="show the K likeliest classes",
    )

    evaluate = add(
        "evaluate",
        _cmd_evaluate,
        "score a saved model on the test set",
        "Score a model saved by 'fashionzoo train' on the official 10,000 test images:\n"
        "accuracy, the classification report (precision, recall, f1 per class) and the\n"
        "prediction speed.",
        [
            "fashionzoo evaluate --model lenet5.joblib",
            "fashionzoo evaluate --model lenet5.joblib --json > lenet5.json",
        ],
    )
    evaluate.add_argument(
        "--model", required=True, metavar="PATH", help="a saved .joblib model"
    )
    evaluate.add_argument(
        "--test-samples",
        type=_positive_int,
        metavar="N",
        help="score on a stratified subset of N test images (default: all)",
    )
    evaluate.add_argument(
        "--json", action="store_true", help="print the full result as JSON"
    )

    export = add(
        "export",
        _cmd_export,
        "export a saved model for serving (.keras, SavedModel, ONNX)",
        "Write the network of a model saved by 'fashionzoo train' for inference without\n"
        "fashionzoo: a .keras file, a TensorFlow SavedModel folder, or an ONNX file\n"
        '(needs pip install "fashionzoo[onnx]"). The exported model takes float32 images\n'
        "(n, 28, 28, 1) of raw 0-255 pixels and returns class probabilities.",
        [
            "fashionzoo export --model lenet5.joblib --out lenet5.keras",
            "fashionzoo export --model lenet5.joblib --format savedmodel --out lenet5_sm",
            "fashionzoo export --model lenet5.joblib --format onnx --out lenet5.onnx",
        ],
    )
    export.add_argument(
        "--model", required=True, metavar="PATH", help="a saved .joblib model"
    )
    export.add_argument(
        "--out", required=True, metavar="PATH", help="file or folder to write"
    )
    export.add_argument(
        "--format",
        choices=["keras", "savedmodel", "onnx"],
        default="keras",
        help="output format (default: keras)",
    )

    compare = add(
        "compare",
        _cmd_compare,
        "cross-validate several models and write an HTML report",
        "For each model: stratified cross-validation on the training set, a fit on it,\n"
        "and a score on the test set. Writes to --out: report.html (one self-contained\n"
        "file with every plot embedded), results.json, and the plots as PNG files (CV\n"
        "box plot, learning curves, and for the best model by CV: confusion matrix,\n"
        "per-class metrics, most confident errors).",
        [
            "fashionzoo compare lenet5 cnn_dropout --out report/",
            "fashionzoo compare lenet5 cnn_bn4 --max-samples 5000 --epochs 3 --out quick/",
        ],
        parents=[training],
    )
    compare.add_argument(
        "models", nargs="+", metavar="MODEL", help="model names to compare"
    )
    compare.add_argument(
        "--out",
        default="fashionzoo-report",
        metavar="DIR",
        help="output folder (created)",
    )
    _cv_options(compare, folds=5)
    return parser


# --------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------


def _describe(exc: BaseException) -> str:
    if (
        isinstance(exc, OSError)
        and not isinstance(exc, FashionZooError)
        and exc.strerror
        and exc.filename
    ):
        text = f"{exc.strerror}: {exc.filename}"
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``fashionzoo`` command.

    Parameters
    ----------
    argv : sequence of str, default=None
        The arguments after the program name; ``sys.argv[1:]`` if None.

    Returns
    -------
    status : int
        0 on success.

    Raises
    ------
    SystemExit
        With status 2 on a usage error or a failure the user can fix (unknown
        model, missing file, bad image, data not found), after printing one
        line ``fashionzoo: error: ...`` on stderr; 130 on Ctrl-C.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    args.argv = argv
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ info lines
    package_logger = logging.getLogger("fashionzoo")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter("%(message)s"))
    old_level = package_logger.level
    package_logger.addHandler(handler)
    package_logger.setLevel(
        logging.DEBUG
        if args.verbose
        else logging.WARNING
        if args.quiet
        else logging.INFO
    )
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        _err(f"{PROG}: interrupted")
        raise SystemExit(130) from None
    except _USER_ERRORS as exc:
        logger.debug("details", exc_info=True)
        _err(f"{PROG}: error: {_describe(exc)}")
        raise SystemExit(2) from None
    finally:
        package_logger.removeHandler(handler)
        package_logger.setLevel(old_level)
