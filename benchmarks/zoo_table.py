"""Every zoo model with its default recipe: test accuracy, fit time, memory.

Each model (the Keras networks and the classic baselines) trains on the full
60k training images with the defaults of its estimator (its recipe) and is
scored on the official 10k test set. A baseline's process never imports
TensorFlow, so its peak RSS is the baseline's alone.
Every model runs in a fresh process, so its peak RSS is its own; results are
appended as they come (``zoo_table.jsonl``), so an interrupted run keeps the
finished rows, and ``--resume`` skips them. Estimators keep their default
``random_state=None``, so each row is one draw of the seed, not a mean.
A row may carry a ``note`` (added by hand to the ``.jsonl``), for instance
that the machine ran other work during that fit.

Usage::

    python benchmarks/zoo_table.py                       # all models
    python benchmarks/zoo_table.py --models lenet5 cnn004
    python benchmarks/zoo_table.py --kind baseline       # the classic baselines
    python benchmarks/zoo_table.py --resume              # only the missing rows
    python benchmarks/zoo_table.py --table-only          # print the table again
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

RESULTS = Path(__file__).parent / "results"


def peak_rss_mib() -> int:
    """This process's peak RSS (VmHWM; Linux carries ru_maxrss over exec)."""
    status = Path("/proc/self/status").read_text().splitlines()
    return round(
        int(next(x.split()[1] for x in status if x.startswith("VmHWM:"))) / 1024
    )


def one_model(name: str, params: dict) -> dict:
    """Fit ``name`` on the 60k training images, score the 10k test images (a child)."""
    from fashionzoo import create_estimator, get_model_info
    from fashionzoo.datasets import fetch_fashion_mnist
    from fashionzoo.evaluation import fit_and_evaluate

    train, test = fetch_fashion_mnist("train"), fetch_fashion_mnist("test")
    est = create_estimator(name, **params)
    result = fit_and_evaluate(est, train.images, train.target, test.images, test.target)
    info = get_model_info(name)
    model = getattr(est, "model_", None)  # a network's Keras model; no baseline has one
    epochs = getattr(est, "n_iter_", None)
    peak = peak_rss_mib()  # of the fit and the scoring, before the extra views below
    tta = {}
    if model is not None:
        # Test-time augmentation does not change training: one fit scores all.
        chosen = est.tta
        for mode in (False, "flip", "flip+shift"):
            score = est.set_params(tta=mode).score(test.images, test.target)
            tta[str(mode)] = round(score, 4)
        est.set_params(tta=chosen)
    return {
        "model": name,
        "kind": info["kind"],
        "estimator": info["estimator"],
        "source": info["source"],
        "reported_accuracy": info["reported_accuracy"],
        "test_accuracy": round(result.accuracy, 4),
        "epochs": None if epochs is None else int(epochs),
        "recipe": info["recipe"],
        "overrides": params,
        "fit_s": round(result.fit_seconds, 1),
        "predict_10k_s": round(result.predict_seconds, 2),
        "params": None if model is None else int(model.count_params()),
        "peak_rss_mib": peak,
        **({"tta_accuracy": tta} if tta else {}),
        **(
            {"epoch_s": [round(t, 2) for t in est.history_["epoch_time"]]}
            if model is not None
            else {}
        ),
    }


def machine() -> str:
    """Architecture, core count and widest vector unit: fit times differ by host."""
    flags = ""
    if Path("/proc/cpuinfo").exists():
        flags = Path("/proc/cpuinfo").read_text()
    vector = (
        "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    )
    return f"{platform.machine()}, {os.cpu_count()} CPUs, {vector}"


def run_model(name: str, params: dict | None = None) -> dict:
    """Train and score ``name`` (with ``params`` over its defaults) in a fresh process."""
    proc = subprocess.run(
        [sys.executable, __file__, "--one", name, json.dumps(params or {})],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        msg = f"{name} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
        raise RuntimeError(msg)
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    row["machine"] = machine()
    return row


def study(source: str | None) -> str:
    """``002`` for a reference study, a repository's last part for another source."""
    if not source:
        return "-"
    if source[:3].isdigit():
        return source.split("_")[0]
    return source.rsplit("/", 1)[-1]


def minutes(seconds: float) -> str:
    """``2.2 min``, or ``41 s`` under a minute."""
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def shipped_corruption() -> dict[str, float]:
    """Each shipped network's mean corruption accuracy, from its model card."""
    from fashionzoo.pretrained import list_pretrained, model_card

    cards = {name: model_card(name) for name in list_pretrained()}
    return {
        name: card["robustness"]["mean_corruption_accuracy"]
        for name, card in cards.items()
        if "robustness" in card
    }


def markdown(rows: list[dict], corruption: dict[str, float] | None = None) -> str:
    """The table as Markdown, networks then baselines, in registry order.

    ``corruption`` maps a network to the mean corruption accuracy of its
    shipped weights (:func:`shipped_corruption`), shown in its own column.
    """
    corruption = corruption or {}
    head = (
        "| model | kind | study | reported | test accuracy | mean corruption "
        "(shipped) | epochs | fit | predict 10k | parameters | peak RSS | note |\n"
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
    )
    lines = []
    for r in rows:
        shipped = corruption.get(r["model"])
        mca = "-" if shipped is None else f"{shipped:.4f}"
        reported = (
            "-" if r["reported_accuracy"] is None else f"{r['reported_accuracy']:.4f}"
        )
        epochs = "-" if r["epochs"] is None else r["epochs"]
        params = "-" if r["params"] is None else f"{r['params']:,}"
        lines.append(
            f"| `{r['model']}` | {r.get('kind', 'network')} | {study(r['source'])} | "
            f"{reported} | {r['test_accuracy']:.4f} | {mca} | {epochs} | "
            f"{minutes(r['fit_s'])} | "
            f"{r['predict_10k_s']:.1f} s | {params} | {r['peak_rss_mib']:,} MiB "
            f"| {r.get('note', '')} |"
        )
    machines = "; ".join(sorted({r["machine"] for r in rows}))
    runs = ", ".join(sorted({r.get("run", "unrecorded") for r in rows}))
    note = (
        "\n\n*mean corruption (shipped)*: of the shipped weights (model card, "
        "`benchmarks/bench_robustness.py`), not of this row's fit: accuracy on the "
        "10,000 test images averaged over 15 corruption kinds x 5 severities."
        if corruption
        else ""
    )
    return (
        head
        + "\n".join(lines)
        + f"\n\nMeasured on {machines}; runs started {runs}.{note}\n"
    )


def main(argv: list[str] | None = None) -> int:
    from fashionzoo import list_models

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=None, help="default: all")
    parser.add_argument(
        "--kind",
        choices=("network", "baseline"),
        help="only the networks or only the baselines (default: both)",
    )
    parser.add_argument("--resume", action="store_true", help="skip finished rows")
    parser.add_argument("--table-only", action="store_true")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # the child
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one_model(args.one[0], json.loads(args.one[1]))))
        return 0

    RESULTS.mkdir(exist_ok=True)
    log = RESULTS / "zoo_table.jsonl"
    done = {}
    if log.exists():
        for line in log.read_text().splitlines():
            row = json.loads(line)
            done[row["model"]] = row
    models = args.models or list_models(kind=args.kind)
    run = time.strftime("%Y-%m-%d %H:%M")
    if not args.table_only:
        if not args.resume:
            done = {k: v for k, v in done.items() if k not in models}
            log.write_text("".join(json.dumps(r) + "\n" for r in done.values()))
        for name in models:
            if name in done:
                continue
            print(f"training {name} ...", flush=True)
            row = run_model(name)
            row["run"] = run
            done[name] = row
            with log.open("a") as f:
                f.write(json.dumps(row) + "\n")
            print(json.dumps(row), flush=True)
    registry = list_models(kind="network") + list_models(kind="baseline")
    order = [m for m in registry if m in done]
    table = markdown([done[m] for m in order], shipped_corruption())
    (RESULTS / "zoo_table.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
