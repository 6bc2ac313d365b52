"""Accuracy against fit time for ``best`` and the levers tried on it.

Each trial is its own fit of ``create_estimator("best", **params)`` on the
60k training images, in a fresh process (as in ``zoo_table.py``), scored on
the official 10k test set; the one-cycle schedule spans the whole fit, so
every epoch budget is its own fit. Every row of ``results/best_curve.jsonl``
records the configuration's name, what it changes, the parameters, the draw
(``random_state``), the host, what ran beside it and ``L``: the host's raw
Keras LeNet-5 epoch (60k images, batch 128, float32), measured in the same
session, the unit the goals are stated in (120 L: ``best``; 360 L: the long
recipe). The plot, ``results/best_curve.png``, draws one line per
configuration (medians over draws where there are several) and the goals.

Usage::

    python benchmarks/best_curve.py --measure-L
    python benchmarks/best_curve.py --config recipe --seeds 0 1 2
    python benchmarks/best_curve.py --config w24_e30 --params '{"width": 24, "epochs": 30}' \\
        --change "width 24, 30 epochs" --seeds 0
    python benchmarks/best_curve.py --plot-only
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from zoo_table import RESULTS, machine, run_model  # a sibling script

GOALS = {"best": (0.945, 120), "best_long": (0.950, 360)}  # accuracy, L units
LOG = RESULTS / "best_curve.jsonl"
L_LOG = RESULTS / "lenet_epoch_L.jsonl"


def measure_L(repeats: int = 3) -> dict:
    """The raw-Keras LeNet-5 epoch on the 60k images (``L_s``, in seconds).

    ``bench_lenet.py --only epoch``: the median full-speed epoch, with every
    epoch and the number that stalled in Keras's per-epoch pipeline teardown.
    """
    done = subprocess.run(
        [
            sys.executable,
            str(RESULTS.parent / "bench_lenet.py"),
            "--only",
            "epoch",
            "--repeats",
            str(repeats),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])["epoch"]


def latest_L() -> float:
    rows = [json.loads(line) for line in L_LOG.read_text().splitlines()]
    return rows[-1]["L_s"]


def read_rows() -> list[dict]:
    return (
        [json.loads(line) for line in LOG.read_text().splitlines()]
        if LOG.exists()
        else []
    )


def plot(rows: list[dict], path) -> None:
    """Test accuracy against fit time in L, one line per configuration."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 5.2), layout="constrained")
    configs = sorted({r.get("config", "width16_history") for r in rows})
    for color, config in enumerate(configs):
        mine = [r for r in rows if r.get("config", "width16_history") == config]
        points = {}
        for r in mine:
            units = r["fit_s"] / r["L_s"] if r.get("L_s") else r["fit_s"] / 5.0
            points.setdefault(r["epochs"], []).append((units, r["test_accuracy"]))
        xs, ys = [], []
        for epochs in sorted(points):
            xs.append(statistics.median(u for u, _ in points[epochs]))
            ys.append(statistics.median(a for _, a in points[epochs]))
        marker = "os^D"[color // 10 % 4]  # ten colours, then a new marker
        ax.plot(xs, ys, f"{marker}-", color=f"C{color % 10}", label=config)
    for name, (accuracy, units) in GOALS.items():
        ax.plot([units], [accuracy], "*", ms=14, color="C3")
        ax.annotate(
            f"goal {name}",
            (units, accuracy),
            xytext=(-8, 6),
            textcoords="offset points",
            ha="right",  # inside the axes, clear of the legend beside them
            color="C3",
        )
    ax.set_xlabel("fit time, in L (this host's raw-Keras LeNet-5 epoch; ~5 s)")
    ax.set_ylabel("test accuracy (official 10k)")
    ax.set_title("best and its levers: accuracy against fit time (medians)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))  # beside the axes
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="recipe", help="the configuration's name")
    parser.add_argument("--model", default="best")
    parser.add_argument("--params", default="{}", help="JSON overrides of the recipe")
    parser.add_argument("--change", default="the registered recipe")
    parser.add_argument("--seeds", nargs="*", type=int, default=[0])
    parser.add_argument("--beside", default="nothing")
    parser.add_argument("--measure-L", action="store_true")
    parser.add_argument("--plot-only", action="store_true")
    args = parser.parse_args(argv)
    RESULTS.mkdir(exist_ok=True)
    if args.measure_L:
        row = {
            **measure_L(),
            "machine": machine(),
            "run": time.strftime("%Y-%m-%d %H:%M"),
            "beside": args.beside,
        }
        with L_LOG.open("a") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps(row))
        return 0
    if not args.plot_only:
        L = latest_L()
        params = json.loads(args.params)
        for seed in args.seeds:
            print(f"{args.config}: random_state={seed} ...", flush=True)
            row = run_model(args.model, {**params, "random_state": seed})
            row.update(
                config=args.config,
                change=args.change,
                random_state=seed,
                L_s=L,
                fit_L=round(row["fit_s"] / L, 1),
                beside=args.beside,
                run=time.strftime("%Y-%m-%d %H:%M"),
            )
            with LOG.open("a") as f:
                f.write(json.dumps(row) + "\n")
            print(json.dumps(row), flush=True)
    rows = read_rows()
    plot(rows, RESULTS / "best_curve.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
