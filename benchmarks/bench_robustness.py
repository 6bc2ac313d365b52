"""Accuracy of every shipped network under the corruptions of MNIST-C / Fashion-MNIST-C.

Runs each network of :func:`fashionzoo.pretrained.list_pretrained` through
:class:`fashionzoo.inference.InferenceModel` (ONNX Runtime) on the 10,000
official test images under every kind and severity of
:func:`fashionzoo.datasets.corrupt` with ``random_state=0``, through
:func:`fashionzoo.evaluation.evaluate_robustness`. Networks with test-time
views (``fast_resnet``, shipped as ``best``: 10 views) cost ten passes per
setting (``fast_resnet``: 14 minutes for the 10,000 images on 2 CPU cores);
``--multi-view-subset 2000`` runs them on a stratified 2,000-image subset of
the test set instead; the row says which. One JSON row per network goes to ``benchmarks/results/robustness.jsonl``,
a Markdown summary to ``robustness.md``, the docs' table to
``robustness_table.rst`` and the lenet5 / fast_resnet plot to ``robustness.png``.
``--cards`` writes each network's ``robustness`` entry on its model card from
its last row measured on the full test set, after checking that the row's
clean accuracy is the card's ONNX Runtime test accuracy::

    python benchmarks/bench_robustness.py --cards --beside "nothing"
    python benchmarks/bench_robustness.py --summaries-only --cards
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def host() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0))}


def markdown(rows: list[dict]) -> str:
    kinds = list(rows[0]["accuracy"])
    out = [
        "# Mean corruption accuracy (fashionzoo.datasets.corrupt, random_state=0)",
        "",
        (
            f"Host: {rows[0]['host']['cpu']}, {rows[0]['date']}. Mean corruption accuracy = "
            f"mean accuracy over {len(kinds)} kinds x 5 severities (as in MNIST-C)."
        ),
        "",
        "| network | test images | clean | mean corruption | "
        + " | ".join(kinds)
        + " |",
        "|---|---|---|---|" + "---|" * len(kinds),
    ]
    for r in rows:
        per_kind = [
            sum(r["accuracy"][k].values()) / len(r["accuracy"][k]) for k in kinds
        ]
        out.append(
            f"| {r['network']} | {r['n_samples']} | {r['clean_accuracy']:.4f} | "
            f"**{r['mean_corruption_accuracy']:.4f}** | "
            + " | ".join(f"{a:.3f}" for a in per_kind)
            + " |"
        )
    return "\n".join(out) + "\n"


def rst_table(rows: list[dict]) -> str:
    """The docs' table: one column per network; clean, mean and per-kind means."""
    kinds = list(rows[0]["accuracy"])
    head = ["", *(r["network"] for r in rows)]
    body = [
        ["test images", *(str(r["n_samples"]) for r in rows)],
        ["clean", *(f"{r['clean_accuracy']:.3f}" for r in rows)],
        [
            "**mean corruption**",
            *(f"**{r['mean_corruption_accuracy']:.3f}**" for r in rows),
        ],
    ]
    for k in kinds:
        means = [sum(r["accuracy"][k].values()) / len(r["accuracy"][k]) for r in rows]
        body.append([k, *(f"{m:.3f}" for m in means)])
    widths = [max(len(c) for c in col) for col in zip(head, *body, strict=True)]
    rule = "  ".join("=" * w for w in widths)

    def fmt(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    return "\n".join([rule, fmt(head), rule, *map(fmt, body), rule]) + "\n"


def write_summaries(rows: list[dict], folder: Path) -> None:
    """robustness.md, robustness_table.rst and robustness.png from the rows."""
    import matplotlib

    matplotlib.use("Agg")
    from fashionzoo.evaluation import RobustnessResult
    from fashionzoo.plotting import plot_robustness

    (folder / "robustness.md").write_text(markdown(rows))
    (folder / "robustness_table.rst").write_text(rst_table(rows))
    shown = [r for r in rows if r["network"] in ("lenet5", "fast_resnet")] or rows[:2]
    disp = plot_robustness([RobustnessResult.from_dict(r) for r in shown])
    disp.figure_.savefig(folder / "robustness.png", dpi=80)


def last_rows(path: Path) -> list[dict]:
    """The last row of each network in a ``robustness.jsonl``."""
    last: dict[str, dict] = {}
    for line in path.read_text().splitlines():
        row = json.loads(line)
        last[row["network"]] = row
    return list(last.values())


def card_entry(row: dict) -> dict:
    """The ``robustness`` entry of a model card, from a full-test-set row."""
    per_kind = {
        k: round(sum(v.values()) / len(v), 4) for k, v in row["accuracy"].items()
    }
    n_severities = len(next(iter(row["accuracy"].values())))
    return {
        "mean_corruption_accuracy": round(row["mean_corruption_accuracy"], 4),
        "clean_accuracy": row["clean_accuracy"],
        "test_images": row["n_samples"],
        "corruptions": (
            f"fashionzoo.datasets.corrupt, {len(per_kind)} kinds x {n_severities} "
            f"severities, random_state={row['random_state']}; the mean is over all "
            f"{len(per_kind) * n_severities} settings"
        ),
        "kind_accuracy": per_kind,
        "runtime": (
            f"{row['runtime']}, the shipped float32 graph ({row['network']}.onnx, "
            f"{row['n_views']} view(s) per image); its clean accuracy is the card's "
            "test accuracy"
        ),
        "measured": row["date"],
        "script": "benchmarks/bench_robustness.py",
    }


def write_cards(rows: list[dict]) -> None:
    """Each full-test-set row's entry on its network's model card."""
    from fashionzoo.pretrained import PRETRAINED_DIR

    for row in rows:
        path = PRETRAINED_DIR / f"{row['network']}.json"
        card = json.loads(path.read_text())
        if row["subset"] != "full test set":
            print(f"{row['network']}: measured on {row['subset']}; card not changed")
            continue
        expected = card["onnx"]["test_accuracy"][row["runtime"]]
        if round(row["clean_accuracy"], 4) != expected:
            msg = (
                f"{row['network']}: clean accuracy {row['clean_accuracy']} under "
                f"{row['runtime']} is not the card's {expected}; card not changed."
            )
            raise SystemExit(msg)
        card["robustness"] = card_entry(row)
        path.write_text(json.dumps(card, indent=1) + "\n")
        print(f"{row['network']}: card updated")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beside", default="unknown", help="what else ran on the host")
    parser.add_argument("--networks", nargs="*", default=None)
    parser.add_argument(
        "--multi-view-subset",
        type=int,
        default=0,
        help="score networks with test-time views on a stratified subset of "
        "this many test images (default 0: all 10,000)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "robustness.jsonl")
    parser.add_argument(
        "--summaries-only",
        action="store_true",
        help="only rewrite robustness.md, robustness_table.rst and robustness.png "
        "from the last row of each network in --output",
    )
    parser.add_argument(
        "--cards",
        action="store_true",
        help="write the robustness entry of each model card from the last "
        "full-test-set row of its network in --output",
    )
    args = parser.parse_args()
    if args.summaries_only:
        rows = last_rows(args.output)
        write_summaries(rows, args.output.parent)
        if args.cards:
            write_cards(rows)
        return

    from fashionzoo.datasets import fetch_fashion_mnist, stratified_subset
    from fashionzoo.evaluation import evaluate_robustness
    from fashionzoo.inference import InferenceModel
    from fashionzoo.pretrained import list_pretrained

    X, y = fetch_fashion_mnist("test", return_X_y=True)
    rows = []
    for name in args.networks or list_pretrained():
        model = InferenceModel(name)
        n_views = int(model.metadata_.get("n_views", 1) or 1)
        Xs, ys = X, y
        if n_views > 1 and args.multi_view_subset:
            Xs, ys = stratified_subset(X, y, args.multi_view_subset, random_state=0)
        start = time.perf_counter()
        res = evaluate_robustness(model, Xs, ys, random_state=0)
        row = {
            "network": name,
            "runtime": "onnxruntime",
            "n_views": n_views,
            "subset": (
                f"stratified_subset(test, {len(ys)}, random_state=0)"
                if len(ys) < len(y)
                else "full test set"
            ),
            **res.to_dict(),
            "seconds": round(time.perf_counter() - start, 1),
            "host": host(),
            "beside": args.beside,
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        row["estimator"] = name
        rows.append(row)
        with args.output.open("a") as f:
            f.write(json.dumps(row) + "\n")
    write_summaries(rows, args.output.parent)
    if args.cards:
        write_cards(rows)


if __name__ == "__main__":
    main()
