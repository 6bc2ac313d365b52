"""``models``: the catalogue."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap

from fashionzoo.cli._common import Commands, out, table


def models(args: argparse.Namespace) -> int:
    """List the registered networks."""
    from fashionzoo.zoo import get_model_info, list_models

    infos = [get_model_info(name) for name in list_models(args.pattern)]
    if args.json:
        out(json.dumps(infos, indent=2, default=str))
        return 0
    if not infos:
        out(f"no model matches {args.pattern!r}; run 'fashionzoo models' to see all.")
        return 0
    rows = []
    for details in infos:
        accuracy = details["reported_accuracy"]
        source = details["source"] or ""
        card = details["pretrained"]
        rows.append(
            [
                details["name"],
                details["estimator"],
                f"{details['param_count']:,}" if details["param_count"] else "-",
                f"study {source[:3]}" if source[:3].isdigit() else (source or "-"),
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
        "list the networks of the zoo",
        "List the registered networks: estimator class, parameter count, the study\n"
        "each reproduces and the test accuracy it reported, the test accuracy of the\n"
        "weights shipped with fashionzoo (official 10,000 test images; use them with\n"
        "--model NAME in predict, evaluate and export), and a description.",
        ["fashionzoo models", "fashionzoo models 'cnn*'", "fashionzoo models --json"],
        needs_keras=False,
    )
    parser.add_argument("pattern", nargs="?", help="shell-style wildcard, e.g. 'cnn*'")
    parser.add_argument(
        "--json", action="store_true", help="print full details as JSON"
    )
