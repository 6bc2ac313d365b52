"""Accuracy against fit time for the ``best`` recipe at several epoch budgets.

The one-cycle schedule is stretched over the whole fit, so the accuracy after
10 of 20 epochs is not what a 10-epoch fit reaches: every point is its own fit
of ``create_estimator("best", epochs=n)`` on the 60k training images, in a
fresh process (as in ``zoo_table.py``), scored on the official 10k test set.
Rows go to ``results/best_curve.jsonl`` (``--resume`` skips the epoch counts
the default network already has there); the plot, ``results/best_curve.png``,
draws one line per network size (a ``width`` set by hand is its own line)
and marks the 0.94 / 15 minute goal.

Usage::

    python benchmarks/best_curve.py --epochs 10 20 30 40 50  # about 40 minutes here
    python benchmarks/best_curve.py --plot-only
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from zoo_table import RESULTS, run_model  # a sibling script

from fashionzoo import get_model_info

GOAL_ACCURACY, GOAL_MINUTES = 0.94, 15.0


def plot(rows: list[dict], path) -> None:
    """Test accuracy against fit minutes, one line per network size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    sizes = sorted({r["params"] for r in rows})
    for color, size in enumerate(sizes):
        series = sorted(
            (r for r in rows if r["params"] == size), key=lambda r: r["epochs"]
        )
        minutes = [r["fit_s"] / 60 for r in series]
        accuracy = [r["test_accuracy"] for r in series]
        label = f"fast_resnet, {size / 1000:.0f}k parameters"
        ax.plot(minutes, accuracy, "o-", color=f"C{color}", label=label)
        for r, x, y in zip(series, minutes, accuracy, strict=True):
            ax.annotate(
                f"{r['epochs']} ep", (x, y), xytext=(4, -12), textcoords="offset points"
            )
    ax.axhline(GOAL_ACCURACY, color="C3", ls="--", lw=1, label="goal: 0.94")
    ax.axhline(0.93, color="0.5", ls="-.", lw=1, label="best study (002): 0.93")
    ax.axvline(GOAL_MINUTES, color="C3", ls=":", lw=1, label="goal: 15 min fit")
    ax.set_xlabel("fit time on 2 CPU cores (minutes)")
    ax.set_ylabel("test accuracy (official 10k)")
    ax.set_title("create_estimator('best', epochs=n): accuracy against time")
    ax.set_xlim(0, max(max(r["fit_s"] / 60 for r in rows), GOAL_MINUTES) * 1.1)
    ax.margins(y=0.15)
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", nargs="*", type=int, default=[10, 20, 30, 40, 50])
    parser.add_argument("--resume", action="store_true", help="skip done budgets")
    parser.add_argument("--plot-only", action="store_true")
    args = parser.parse_args(argv)

    RESULTS.mkdir(exist_ok=True)
    log = RESULTS / "best_curve.jsonl"
    rows = (
        [json.loads(line) for line in log.read_text().splitlines()]
        if log.exists()
        else []
    )
    if not args.plot_only:
        run = time.strftime("%Y-%m-%d %H:%M")
        size = get_model_info("best")["param_count"]
        done = {r["epochs"] for r in rows if args.resume and r["params"] == size}
        for epochs in args.epochs:
            if epochs in done:
                continue
            print(f"training best with epochs={epochs} ...", flush=True)
            row = run_model("best", {"epochs": epochs})
            row["run"] = run
            key = (row["params"], row["epochs"])
            rows = [r for r in rows if (r["params"], r["epochs"]) != key] + [row]
            log.write_text("".join(json.dumps(r) + "\n" for r in rows))
            print(json.dumps(row), flush=True)
    if not rows:
        print("no rows yet: run with --epochs first", file=sys.stderr)
        return 1
    plot(rows, RESULTS / "best_curve.png")
    for r in sorted(rows, key=lambda r: (r["params"], r["epochs"])):
        print(
            f"{r['params']:>8,} params {r['epochs']:>3} epochs  {r['fit_s'] / 60:5.1f} min  "
            f"{r['test_accuracy']:.4f}  {r.get('note', '')}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
