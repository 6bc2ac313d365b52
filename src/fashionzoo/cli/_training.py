"""``cv`` and ``train``: fit models on the training set."""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from fashionzoo.cli._common import (
    Commands,
    UsageError,
    check_folds,
    cv_options,
    load_test,
    load_train,
    make_estimators,
    out,
    progress,
)

if TYPE_CHECKING:
    from fashionzoo.evaluation import FoldResult


def fold_reporter(
    name: str, args: argparse.Namespace
) -> tuple[Callable[[int, int, int], None], Callable[[FoldResult], None]]:
    """The callbacks that announce each fold and print its score as it ends."""

    def started(fold: int, n_folds: int, n_train: int) -> None:
        progress(f"{name} fold {fold}/{n_folds}: training on {n_train:,} images")

    def ended(fold: FoldResult) -> None:
        out(
            f"{name} fold {fold.fold}/{fold.n_folds}: accuracy {fold.accuracy:.4f}  "
            f"(fit {fold.fit_seconds:.1f} s)"
        )
        args.done.append(f"{name} fold {fold.fold}/{fold.n_folds}: {fold.accuracy:.4f}")

    return started, ended


def cv(args: argparse.Namespace) -> int:
    """Cross-validate one model, then optionally fit it all and score the test set."""
    from fashionzoo.evaluation import cross_validate, fit_and_evaluate

    start = time.perf_counter()
    estimator = make_estimators([args.model], args)[args.model]
    X, y = load_train(args)
    check_folds(args, y)
    progress(
        f"{args.folds}-fold stratified cross-validation of {args.model} on "
        f"{len(y):,} images{epochs_per_fit(estimator)}"
    )
    started, ended = fold_reporter(args.model, args)
    result = cross_validate(
        estimator,
        X,
        y,
        folds=args.folds,
        random_state=args.seed,
        n_jobs=args.n_jobs,
        on_fold_start=started,
        on_fold_end=ended,
    )
    out(f"{args.model} cross-validation accuracy: {result.mean:.4f} ± {result.std:.4f}")
    if args.test:
        X_test, y_test = load_test(args)
        progress(f"final fit: {args.model} on all {len(y):,} training images")
        scored = fit_and_evaluate(estimator, X, y, X_test, y_test)
        out(
            f"{args.model} test accuracy: {scored.accuracy:.4f} on "
            f"{scored.n_samples:,} test images "
            f"(final fit {scored.fit_seconds:.1f} s on {len(y):,} images)"
        )
    out(f"total time: {time.perf_counter() - start:.1f} s")
    return 0


def epochs_per_fit(estimator: object) -> str:
    """``", 10 epochs per fit"`` for a network; nothing for a baseline."""
    epochs = getattr(estimator, "epochs", None)
    return f", {epochs} epochs per fit" if epochs is not None else ""


def _model_path(path: str) -> Path:
    """The ``--save`` target, checked writable before any training."""
    target = Path(path).expanduser()
    if target.suffix == "":
        target = target.with_suffix(".fzoo")
    elif target.suffix != ".fzoo":
        msg = (
            f"--save writes fashionzoo's safe model format to a .fzoo file; "
            f"got {path!r}. Use e.g. --save {target.with_suffix('.fzoo').name}"
        )
        raise UsageError(msg)
    folder = target.parent
    if target.is_dir():
        msg = f"--save {path}: that is a folder; give a file name, e.g. {target / 'model.fzoo'}"
        raise UsageError(msg)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        msg = f"--save {path}: cannot write to {folder} ({exc.strerror or exc})"
        raise UsageError(msg) from None
    return target


def train(args: argparse.Namespace) -> int:
    """Fit one model, score it on the test set, save it."""
    from fashionzoo.evaluation import fit_and_evaluate

    target = _model_path(args.save) if args.save else None
    estimator = make_estimators([args.model], args)[args.model]
    if target is not None and not hasattr(estimator, "save"):
        msg = (
            f"--save writes the networks' .fzoo format; {args.model} is a classic "
            f"baseline (a scikit-learn Pipeline) and has none. Leave out --save, "
            f"or fit it in Python and save it with joblib.dump."
        )
        raise UsageError(msg)
    X, y = load_train(args)
    X_test, y_test = load_test(args)
    progress(f"fitting {args.model} on {len(y):,} images{epochs_per_fit(estimator)}")
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
            "fashionzoo cv svc --max-samples 2000 --param C=5",
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
