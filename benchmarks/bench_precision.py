"""Per-epoch time of ``best`` on the CPU: float32, bfloat16, and Keras's JAX backend.

Should ``mixed_precision="auto"`` choose bfloat16 on a CPU whose cores have
``avx512_bf16`` or ``amx_bf16``? And does Keras's JAX backend (XLA) train
faster here than TensorFlow? Each setup is a fresh process that fits
``create_estimator(MODEL, epochs=N)`` (``best`` unless ``--model``) on
20,000 training images; the first
epoch (graph tracing) is left out and the median of the others reported.
Rows go to ``results/precision.jsonl``.

Usage::

    python benchmarks/bench_precision.py                  # about 5 minutes here
    python benchmarks/bench_precision.py --epochs 4 --setups float32 bfloat16
    python benchmarks/bench_precision.py --model lenet5 --images 60000 --epochs 6
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
#: name: environment of the child process
SETUPS = {
    "float32": {"FASHIONZOO_PRECISION": "float32"},
    "bfloat16": {"FASHIONZOO_PRECISION": "mixed_bfloat16"},
    "jax float32": {"KERAS_BACKEND": "jax", "FASHIONZOO_PRECISION": "float32"},
}


def child(model: str, epochs: int, n: int) -> dict:
    from fashionzoo import create_estimator
    from fashionzoo.datasets import fetch_fashion_mnist

    X, y = fetch_fashion_mnist("train", return_X_y=True)
    est = create_estimator(model, epochs=epochs, random_state=0).fit(X[:n], y[:n])
    times = [round(t, 2) for t in est.history_["epoch_time"]]
    import keras

    return {
        "backend": keras.backend.backend(),
        "policy": est.model_.dtype_policy.name,
        "epoch_s": times,
        "median_s": round(statistics.median(times[1:]), 2),
    }


def cpu_flags() -> list[str]:
    text = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    return [f for f in ("avx512_bf16", "amx_bf16") if f" {f}" in text]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="best", help="a zoo network (default: best)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--images", type=int, default=20_000)
    parser.add_argument("--setups", nargs="*", default=list(SETUPS))
    parser.add_argument("--beside", default="nothing")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.model, args.epochs, args.images)))
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from zoo_table import machine  # a sibling script

    run = time.strftime("%Y-%m-%d %H:%M")
    for name in args.setups:
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **SETUPS[name]}
        command = [sys.executable, __file__, "--child", "--model", args.model]
        command += ["--epochs", str(args.epochs)]
        command += ["--images", str(args.images)]
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, check=False
        )
        if done.returncode:
            last = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
            row = {"setup": name, "error": last}
        else:
            row = {
                "setup": name,
                "model": args.model,
                **json.loads(done.stdout.strip().splitlines()[-1]),
            }
        row.update(
            images=args.images,
            machine=machine(),
            cpu_flags=cpu_flags(),
            run=run,
            beside=args.beside,
        )
        print(json.dumps(row), flush=True)
        with (RESULTS / "precision.jsonl").open("a") as f:
            f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
