"""Inference speed and footprint: Keras against ONNX Runtime and OpenVINO, in one run.

Measures, for the shipped ``lenet5`` and ``best`` (``fast_resnet``, 10
test-time views):

* a fresh process classifying one PNG (``fashionzoo predict --model NAME
  --runtime R one.png``): wall time and peak RSS, median of ``--starts`` runs;
* ``predict_proba`` of 1, 32 and 10,000 test images through the Keras
  estimator, ONNX Runtime, OpenVINO f32 and bf16 (where the CPU has it) and
  the int8 graphs, median of repeated calls after a warm-up;
* the Keras estimator's one-image call before and after this release's
  change (an eager model call against the compiled ``predict_on_batch``
  step), and test-time views per view against stacked into one pass;
* agreement: predicted classes on 1,000 test images and the largest
  probability difference against the Keras estimator.

Every figure of one run comes from the same process and host; compare them
as ratios. One JSON row per measurement goes to
``benchmarks/results/inference.jsonl`` with the host and what ran beside it::

    python benchmarks/bench_inference.py --beside "nothing"
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results" / "inference.jsonl"


def host() -> dict:
    cpu, flags = "unknown", set()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name") and cpu == "unknown":
            cpu = line.split(":", 1)[1].strip()
        if line.startswith("flags") and not flags:
            flags = set(line.split(":", 1)[1].split())
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "avx512": "avx512f" in flags,
        "avx512_bf16": "avx512_bf16" in flags,
    }


def median_ms(call, *, reps: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        call()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1e3, 4)


def fresh_process(name: str, runtime: str, png: Path, starts: int) -> dict:
    """Median wall time and peak RSS of ``fashionzoo predict`` in a new process."""
    walls, rss = [], []
    command = [sys.executable, "-m", "fashionzoo", "predict", "--model", name]
    command += ["--runtime", runtime, str(png)]
    for _ in range(starts):
        start = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(process.pid, 0)
        walls.append(time.perf_counter() - start)
        rss.append(usage.ru_maxrss / 1024)
        answer = process.stdout.read().decode().strip()
        process.stdout.close()
        if os.waitstatus_to_exitcode(status) != 0:
            msg = f"{command} failed"
            raise RuntimeError(msg)
    return {
        "wall_s": round(statistics.median(walls), 3),
        "peak_rss_mb": round(statistics.median(rss), 1),
        "answer": answer,
    }


def runners(name: str, bf16: bool) -> dict:
    import fashionzoo
    from fashionzoo.inference import InferenceModel

    found = {"keras": fashionzoo.create_estimator(name, pretrained=True)}
    found["onnxruntime"] = InferenceModel(name)
    found["openvino"] = InferenceModel(name, runtime="openvino")
    if bf16:
        found["openvino_bf16"] = InferenceModel(
            name, runtime="openvino", precision="bf16"
        )
    found["onnxruntime_int8"] = InferenceModel(name, quantized=True)
    found["openvino_int8"] = InferenceModel(name, runtime="openvino", quantized=True)
    return found


def before_after_keras(estimator, X) -> dict:
    """The estimator's own changes of this release, measured side by side."""
    from fashionzoo.models.views import tta_views, view

    one = X[:1]
    rows = {}
    estimator._compiled_direct = False
    rows["one_image_eager_ms"] = median_ms(
        lambda: estimator.predict_proba(one), reps=50
    )
    estimator._compiled_direct = True
    rows["one_image_compiled_ms"] = median_ms(
        lambda: estimator.predict_proba(one), reps=50
    )
    views = tta_views(estimator.tta)
    if len(views) > 1:

        def per_view(images):
            images = estimator._predict_images(images)
            return np.mean(
                [estimator._forward(view(images, *v)) for v in views], axis=0
            )

        for n in (1, 1000):
            rows[f"tta_{n}_per_view_ms"] = median_ms(
                lambda n=n: per_view(X[:n]), reps=5
            )
            rows[f"tta_{n}_one_pass_ms"] = median_ms(
                lambda n=n: estimator.predict_proba(X[:n]), reps=5
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    from PIL import Image

    from fashionzoo.datasets import fetch_fashion_mnist

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=["lenet5", "best"])
    parser.add_argument("--beside", default="nothing", help="what ran beside it")
    parser.add_argument(
        "--starts", type=int, default=5, help="fresh processes per runtime"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    machine = host()
    X, _ = fetch_fashion_mnist("test", return_X_y=True)
    date = time.strftime("%Y-%m-%dT%H:%M:%S%z")

    def record(row: dict) -> None:
        row = {"date": date, "host": machine, "beside": args.beside, **row}
        print(json.dumps(row), flush=True)
        with args.out.open("a") as f:
            f.write(json.dumps(row) + "\n")

    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "one.png"
        Image.fromarray(X[0].reshape(28, 28)).save(png)
        for name in args.names:
            for runtime in ("keras", "onnxruntime", "openvino"):
                starts = max(1, args.starts // 2) if runtime == "keras" else args.starts
                record(
                    {
                        "what": "fresh process, one PNG",
                        "model": name,
                        "runtime": runtime,
                        **fresh_process(name, runtime, png, starts),
                    }
                )
    for name in args.names:
        found = runners(name, machine["avx512_bf16"])
        keras_proba = found["keras"].predict_proba(X[:1000])
        for runtime, model in found.items():
            row = {"what": "predict_proba", "model": name, "runtime": runtime}
            row["one_ms"] = median_ms(lambda m=model: m.predict_proba(X[:1]), reps=200)
            row["batch32_ms"] = median_ms(
                lambda m=model: m.predict_proba(X[:32]), reps=50
            )
            row["test10k_s"] = round(
                median_ms(lambda m=model: m.predict_proba(X), reps=3, warmup=1) / 1e3, 3
            )
            proba = model.predict_proba(X[:1000])
            row["same_class_as_keras_1000"] = float(
                np.mean(proba.argmax(1) == keras_proba.argmax(1))
            )
            row["max_abs_proba_diff"] = float(np.abs(proba - keras_proba).max())
            if runtime != "keras":
                row["file"] = model.path_.name
                row["file_bytes"] = model.path_.stat().st_size
            record(row)
        record(
            {
                "what": "keras estimator, before/after",
                "model": name,
                **before_after_keras(found["keras"], X),
            }
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
