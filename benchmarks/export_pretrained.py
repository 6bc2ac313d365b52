"""Export every shipped network to ONNX (float32 and int8) and record it on its card.

For each network with shipped weights this writes, next to its ``.fzoo`` file
in ``src/fashionzoo/pretrained/``:

* ``<name>.onnx``: the estimator's ``predict_proba`` as an ONNX graph
  (``fashionzoo.export(..., format="onnx")``: pixel scaling and test-time
  views inside, the fashionzoo metadata record in ``metadata_props``);
* ``<name>.int8.onnx``: the same graph after ONNX Runtime's post-training
  static quantization (QDQ, per-channel int8 weights, uint8 activations,
  MinMax ranges calibrated on 512 training images drawn with seed 0, never
  on test images), kept only if it loses at most 0.003 of test accuracy
  against the float32 graph in ONNX Runtime;

and adds to ``<name>.json`` the ``onnx`` and ``int8`` entries: file, SHA256,
bytes, and the test accuracy on the official 10,000 test images in ONNX
Runtime and OpenVINO (f32, and bf16 where the CPU has it), next to the
card's Keras figure. One row per network goes to
``benchmarks/results/pretrained_onnx.jsonl`` with the host.

Run it after ``train_pretrained.py`` (it reads the shipped ``.fzoo`` files)::

    python benchmarks/export_pretrained.py --beside "nothing"
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np
from bench_inference import host as machine

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results" / "pretrained_onnx.jsonl"
#: Largest test-accuracy loss an int8 graph may have against float32.
INT8_TOLERANCE = 0.003
CALIBRATION_IMAGES = 512


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _calibration(X_train: np.ndarray):
    from onnxruntime.quantization import CalibrationDataReader

    rng = np.random.default_rng(0)
    rows = rng.choice(len(X_train), CALIBRATION_IMAGES, replace=False)
    images = X_train[rows].reshape(-1, 28, 28, 1).astype(np.float32)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = iter(
                [{"pixels": images[i : i + 64]} for i in range(0, len(images), 64)]
            )

        def get_next(self):
            return next(self.batches, None)

    return Reader()


def quantize(source: Path, target: Path, X_train: np.ndarray) -> None:
    """ONNX Runtime's static int8 quantization of ``source``, written to ``target``."""
    import tempfile

    from onnxruntime.quantization import (
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(source), str(prepared))
        quantize_static(
            str(prepared),
            str(target),
            _calibration(X_train),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            # 7-bit weights: ONNX Runtime's u8s8 kernels on CPUs without VNNI
            # (AVX2, early AVX-512) saturate their int16 pair sums with 8-bit
            # ones, which cost cnn_bn4 0.0065 of accuracy on an AVX2 host.
            reduce_range=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
        )


def scores(path: Path, X: np.ndarray, y: np.ndarray, bf16: bool) -> dict:
    """Test accuracy and seconds of ``path`` in each runtime."""
    from fashionzoo.inference import InferenceModel

    settings = [("onnxruntime", "f32"), ("openvino", "f32")]
    if bf16:
        settings.append(("openvino", "bf16"))
    accuracy, seconds = {}, {}
    for runtime, precision in settings:
        key = runtime if precision == "f32" else f"{runtime}_{precision}"
        model = InferenceModel(path, runtime=runtime, precision=precision)
        start = time.perf_counter()
        accuracy[key] = round(model.score(X, y), 4)
        seconds[key] = round(time.perf_counter() - start, 2)
    return {"test_accuracy": accuracy, "seconds_10k": seconds}


def export_one(name: str, out: Path, data: tuple, beside: str) -> dict:
    import fashionzoo
    from fashionzoo.saving import load_pretrained

    X_train, X_test, y_test = data
    host = machine()
    card_path = out / f"{name}.json"
    card = json.loads(card_path.read_text())
    estimator = load_pretrained(name)
    graph = fashionzoo.export(estimator, out / f"{name}.onnx", "onnx", overwrite=True)
    f32 = scores(graph, X_test, y_test, host["avx512_bf16"])
    card["onnx"] = {
        "file": graph.name,
        "sha256": _sha256(graph),
        "bytes": graph.stat().st_size,
        "precision": "float32 (the float16 weights of the .fzoo file, widened)",
        **f32,
    }
    int8_file = out / f"{name}.int8.onnx"
    quantize(graph, int8_file, X_train)
    int8 = scores(int8_file, X_test, y_test, bf16=False)
    loss = round(
        f32["test_accuracy"]["onnxruntime"] - int8["test_accuracy"]["onnxruntime"], 4
    )
    method = (
        "ONNX Runtime static quantization: QDQ, per-channel int8 weights in 7 "
        "bits (reduce_range, exact on CPUs without VNNI too), uint8 "
        f"activations, MinMax ranges from {CALIBRATION_IMAGES} training images "
        "(seed 0)"
    )
    if loss <= INT8_TOLERANCE:
        card["int8"] = {
            "file": int8_file.name,
            "sha256": _sha256(int8_file),
            "bytes": int8_file.stat().st_size,
            "method": method,
            "loss_vs_float32": loss,
            **int8,
        }
    else:
        int8_file.unlink()
        card["int8"] = {
            "reason": f"int8 loses {loss} of test accuracy (limit {INT8_TOLERANCE})",
            "method": method,
            **int8,
        }
    card["onnx_host"] = {**host, "beside": beside}
    card_path.write_text(json.dumps(card, indent=1) + "\n")
    row = {
        "name": name,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host": host,
        "beside": beside,
        "keras_test_accuracy": card["test_accuracy"],
        "onnx": card["onnx"],
        "int8": card["int8"],
    }
    with RESULTS.open("a") as f:
        f.write(json.dumps(row) + "\n")
    return row


def main(argv: list[str] | None = None) -> int:
    from fashionzoo.datasets import fetch_fashion_mnist
    from fashionzoo.pretrained import PRETRAINED_DIR, list_pretrained

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="networks (default: all shipped)")
    parser.add_argument("--out", type=Path, default=PRETRAINED_DIR)
    parser.add_argument("--beside", default="nothing", help="what ran beside it")
    args = parser.parse_args(argv)
    X_train, _ = fetch_fashion_mnist("train", return_X_y=True)
    X_test, y_test = fetch_fashion_mnist("test", return_X_y=True)
    for name in args.names or list_pretrained():
        row = export_one(name, args.out, (X_train, X_test, y_test), args.beside)
        print(json.dumps({k: row[k] for k in ("name", "onnx", "int8")}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
