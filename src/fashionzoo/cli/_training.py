"""``cv`` and ``train``: fit models on the training set."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from fashionzoo.cli._common import (
    Commands,
    cv_options,
    load_test,
    load_train,
    logger,
    make_estimators,
    out,
)

if TYPE_CHECKING:
    from fashionzoo.evaluation import FoldResult


def cv(args: argparse.Namespace) -> int:
    """Cross-validate one model, then optionally fit it all and score the test set."""
    from fashionzoo.evaluation import cross_validate, fit_and_evaluate

    start = time.perf_counter()
    estimator = make_estimators([args.model], args)[args.model]
    X, y = load_train(args)
    logger.info(
        "%d-fold stratified cross-validation of %s on %s images, %d epochs per fit",
        args.folds,
        args.model,
        f"{len(y):,}",
        estimator.epochs,
    )

    def fold_done(fold: FoldResult) -> None:
        out(
            f"{args.model} fold {fold.fold}/{fold.n_folds}: accuracy "
            f"{fold.accuracy:.4f}  (fit {fold.fit_seconds:.1f} s)"
        )

    result = cross_validate(
        estimator,
        X,
        y,
        folds=args.folds,
        random_state=args.seed,
        n_jobs=args.n_jobs,
        on_fold_end=fold_done,
    )
    out(f"{args.model} cross-validation accuracy: {result.mean:.4f} ± {result.std:.4f}")
    if args.test:
        logger.info("fitting %s on all %s training images", args.model, f"{len(y):,}")
        X_test, y_test = load_test(args)
        scored = fit_and_evaluate(estimator, X, y, X_test, y_test)
        out(
            f"{args.model} test accuracy: {scored.accuracy:.4f} on "
            f"{scored.n_samples:,} test images "
            f"(fit {scored.fit_seconds:.1f} s on {len(y):,} images)"
        )
    out(f"total time: {time.perf_counter() - start:.1f} s")
    return 0


def _model_path(path: str) -> Path:
    target = Path(path).expanduser()
    if target.suffix == "":
        target = target.with_suffix(".fzoo")
    elif target.suffix != ".fzoo":
        msg = (
            f"--save writes fashionzoo's safe model format to a .fzoo file; "
            f"got {path!r}. Use e.g. --save {target.with_suffix('.fzoo').name}"
        )
        raise ValueError(msg)
    return target


def train(args: argparse.Namespace) -> int:
    """Fit one model, score it on the test set, save it."""
    from fashionzoo.evaluation import fit_and_evaluate

    target = _model_path(args.save) if args.save else None
    estimator = make_estimators([args.model], args)[args.model]
    X, y = load_train(args)
    X_test, y_test = load_test(args)
    logger.info(
        "fitting %s on %s images, %d epochs",
        args.model,
        f"{len(y):,}",
        estimator.epochs,
    )
    scored = fit_and_evaluate(estimator, X, y, X_test, y_test)
    out(
        f"{args.model} test accuracy: {scored.accuracy:.4f} on {scored.n_samples:,} "
        f"test images (fit {scored.fit_seconds:.1f} s on {len(y):,} images)"
    )
    if target is not None:
        estimator.save(target)
        out(f"saved {target}")
    return 0


def register(commands: Commands) -> None:
    """Add ``cv`` and ``train``."""
    parser = commands.add(
        "cv",
        cv,
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
        trains=True,
    )
    parser.add_argument("model", help="model name (see 'fashionzoo models')")
    parser.add_argument(
        "--test",
        action="store_true",
        help="then fit on all training images used and score on the test set",
    )
    cv_options(parser, default_folds=5)
    parser = commands.add(
        "train",
        train,
        "fit a model, score it on the test set, save it",
        "Fit one model on the training set (or a subset), print its test accuracy, and\n"
        "save the fitted estimator (fashionzoo's safe .fzoo format: no pickle) for\n"
        "'predict', 'evaluate' and 'export'.",
        [
            "fashionzoo train lenet5 --save lenet5.fzoo",
            "fashionzoo train cnn_dropout --epochs 5 --max-samples 10000 --save cnn.fzoo",
        ],
        trains=True,
    )
    parser.add_argument("model", help="model name (see 'fashionzoo models')")
    parser.add_argument(
        "--save", metavar="PATH", help="write the fitted estimator to PATH.fzoo"
    )
