"""``models``: the catalogue."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap

from fashionzoo.cli._common import Commands, out, table


def _source(source: str | None) -> str:
    """``study 002`` for a reference study; a repository's last part otherwise."""
    if not source:
        return "-"
    if source[:3].isdigit():
        return f"study {source[:3]}"
    return source.rsplit("/", 1)[-1]


def models(args: argparse.Namespace) -> int:
    """List the registered networks and baselines."""
    from fashionzoo.zoo import get_model_info, list_models

    infos = [get_model_info(name) for name in list_models(args.pattern, kind=args.kind)]
    if args.json:
        out(json.dumps(infos, indent=2, default=str))
        return 0
    if not infos:
        what = f"{args.kind} " if args.kind else ""
        matches = f" matches {args.pattern!r}" if args.pattern else " is registered"
        out(f"no {what}model{matches}; run 'fashionzoo models' to see all.")
        return 0
    rows = []
    for details in infos:
        accuracy = details["reported_accuracy"]
        card = details["pretrained"]
        rows.append(
            [
                details["name"],
                details["kind"],
                details["estimator"],
                f"{details['param_count']:,}" if details["param_count"] else "-",
                _source(details["source"]),
                f"{accuracy:g}" if accuracy is not None else "-",
                f"{card['test_accuracy']:.4f}" if card else "-",
                "shipped" if card else "-",
                details["description"],
            ]
        )
    lines = table(
        rows,
        [
            "name",
            "kind",
            "estimator",
            "params",
            "source",
            "study acc.",
            "test acc.",
            "weights",
            "description",
        ],
    )
    width = shutil.get_terminal_size((10_000, 24)).columns if sys.stdout.isatty() else 0
    for line in lines:
        out(textwrap.shorten(line, width, placeholder="…") if width else line)
    return 0


def register(commands: Commands) -> None:
    """Add ``models``."""
    parser = commands.add(
        "models",
        models,
        "list the networks and baselines of the zoo",
        "List the registered models: Keras networks and classic baselines\n"
        "(scikit-learn pipelines: logistic regression, random forest, gradient\n"
        "boosting, SVC, k-nearest neighbours, XGBoost). For each: its kind, estimator\n"
        "class, parameter count, the study or benchmark it reproduces and the test\n"
        "accuracy reported there, the test accuracy of the weights shipped with\n"
        "fashionzoo (networks; official 10,000 test images; use them with --model NAME\n"
        "in predict, evaluate and export), and a description.",
        [
            "fashionzoo models",
            "fashionzoo models 'cnn*'",
            "fashionzoo models --kind baseline",
            "fashionzoo models --json",
        ],
        needs_keras=False,
    )
    parser.add_argument("pattern", nargs="?", help="shell-style wildcard, e.g. 'cnn*'")
    parser.add_argument(
        "--kind",
        choices=("network", "baseline"),
        help="only the Keras networks or only the classic baselines",
    )
    parser.add_argument(
        "--json", action="store_true", help="print full details as JSON"
    )
