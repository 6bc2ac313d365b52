"""``compare``: several models, one HTML report."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING

from fashionzoo.cli._common import (
    PROG,
    Commands,
    check_folds,
    cv_options,
    load_test,
    load_train,
    make_estimators,
    out,
    progress,
)
from fashionzoo.cli._training import fold_reporter

if TYPE_CHECKING:
    from fashionzoo.evaluation import FoldResult, ModelRun


def compare(args: argparse.Namespace) -> int:
    """Cross-validate, fit and score several models; write the report."""
    import matplotlib

    from fashionzoo.evaluation import compare as run_comparison

    matplotlib.use("Agg")  # files only, no window
    start = time.perf_counter()
    estimators = make_estimators(args.models, args)
    X, y = load_train(args)
    check_folds(args, y)
    X_test, y_test = load_test(args)

    def fold_start(name: str, fold: int, n_folds: int, n_train: int) -> None:
        fold_reporter(name, args)[0](fold, n_folds, n_train)

    def fold_done(name: str, fold: FoldResult) -> None:
        fold_reporter(name, args)[1](fold)

    def model_done(name: str, run: ModelRun) -> None:
        out(f"{name} cross-validation accuracy: {run.cv.mean:.4f} ± {run.cv.std:.4f}")
        out(f"{name} test accuracy: {run.evaluation.accuracy:.4f}")
        args.done.append(f"{name} done")

    progress(f"{len(estimators)} models, {args.folds}-fold cross-validation each")
    result = run_comparison(
        estimators,
        X,
        y,
        X_test,
        y_test,
        folds=args.folds,
        random_state=args.seed,
        n_jobs=args.n_jobs,
        on_fold_start=fold_start,
        on_fold_end=fold_done,
        on_model_end=model_done,
    )
    result.settings.update(
        {"epochs": args.epochs, "params": dict(args.param or []), "seed": args.seed}
    )
    written = result.save(args.out, meta={"command": " ".join([PROG, *args.argv])})
    figures = len(written) - 2
    out(f"best model: {result.best}")
    out(f"wrote {written['report']}, {written['results']} and {figures} PNG files")
    out(f"total time: {time.perf_counter() - start:.1f} s")
    return 0


def register(commands: Commands) -> None:
    """Add ``compare``."""
    parser = commands.add(
        "compare",
        compare,
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
        trains=True,
    )
    parser.add_argument(
        "models", nargs="+", metavar="MODEL", help="model names to compare"
    )
    parser.add_argument(
        "--out",
        default="fashionzoo-report",
        metavar="DIR",
        help="output folder (created)",
    )
    cv_options(parser, default_folds=5)
