"""``suspects``: images of the training set whose labels look wrong."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from fashionzoo.cli._common import (
    Commands,
    cv_options,
    load_train,
    make_estimators,
    out,
    positive_int,
    progress,
)


def suspects(args: argparse.Namespace) -> int:
    """Cross-validate a model and list the images whose labels it doubts most."""
    from fashionzoo.datasets import class_names
    from fashionzoo.evaluation import find_suspect_labels

    estimator = make_estimators([args.model], args)[args.model]
    X, y = load_train(args)
    progress(
        f"{args.folds}-fold out-of-fold probabilities of {args.model} on {len(y):,} "
        "images (confident learning)"
    )
    found = find_suspect_labels(
        estimator, X, y, cv=args.folds, n_jobs=args.n_jobs, random_state=args.seed
    )
    names = dict(zip(found.classes.tolist(), class_names(found.classes), strict=True))
    rows = found.rows()
    if args.out:
        target = Path(args.out).expanduser()
        with target.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, ["index", "given", "suggested", "score"])
            writer.writeheader()
            writer.writerows(rows)
        progress(f"wrote {len(rows):,} suspects to {target}")
    out(
        f"{len(rows):,} of {len(y):,} labels look wrong; the {min(args.top, len(rows))} likeliest:"
    )
    for row in rows[: args.top]:
        out(
            f"image {row['index']:>6}: labelled {names[row['given']]}, looks like "
            f"{names[row['suggested']]} (p(label) = {row['score']:.4f})"
        )
    return 0


def register(commands: Commands) -> None:
    """Add ``suspects``."""
    parser = commands.add(
        "suspects",
        suspects,
        "find training images whose labels look wrong",
        "Cross-validate a model on the training images, so that no image is scored by\n"
        "a model that saw it, and rank the images whose given label disagrees most\n"
        "confidently with the out-of-fold probabilities (confident learning, as\n"
        "cleanlab implements it). Image indices count in the images used: rows of\n"
        "the 60,000 training images, or of the --max-samples subset.",
        [
            "fashionzoo suspects lenet5 --top 40 --out suspects.csv",
            "fashionzoo suspects lenet5 --max-samples 5000 --epochs 3 --folds 3",
        ],
        trains=True,
    )
    parser.add_argument("model", help="model name (see 'fashionzoo models')")
    parser.add_argument(
        "--top", type=positive_int, default=20, metavar="K", help="show the K likeliest"
    )
    parser.add_argument(
        "--out", metavar="CSV", help="write every suspect to a CSV file"
    )
    cv_options(parser, default_folds=5)
