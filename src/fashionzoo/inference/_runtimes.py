"""The two runtimes behind :class:`~fashionzoo.inference.InferenceModel`.

Each opener takes a model file and returns a :class:`Session`: a function
from a float32 batch to class probabilities, and the file's fashionzoo
metadata text. Neither imports TensorFlow, Keras or scikit-learn.

Thread count: both runtimes get ``threads`` intra-op threads, by default
every core the process may use (ONNX Runtime's and OpenVINO's own default
is the physical cores). On the project's 2-core host two threads were
1.3-1.9x faster than one for a single image and for batches alike
(``benchmarks/bench_inference.py``), so nothing is held back by default.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fashionzoo.exceptions import ModelFileError
from fashionzoo.inference._metadata import METADATA_KEY

__all__ = ["RUNTIMES", "Session", "open_session"]

#: Runtime name -> (module to import, extra that installs it).
RUNTIMES: dict[str, tuple[str, str]] = {
    "onnxruntime": ("onnxruntime", "onnx"),
    "openvino": ("openvino", "openvino"),
}

#: OpenVINO inference precisions this layer offers.
PRECISIONS = ("f32", "bf16")


@dataclass(frozen=True)
class Session:
    """An opened network: ``run(batch) -> probabilities`` and its metadata text."""

    run: Callable[[np.ndarray], np.ndarray]
    metadata: str | None
    precision: str
    threads: int


def default_threads() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _import(runtime: str) -> Any:
    module, extra = RUNTIMES[runtime]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        msg = (
            f'runtime="{runtime}" needs the {module} package, which is not '
            f'installed: pip install "fashionzoo[{extra}]"'
        )
        raise ImportError(msg) from exc


def open_session(
    path: Path, runtime: str, *, threads: int | None, precision: str
) -> Session:
    """Open ``path`` in ``runtime``.

    Raises
    ------
    ImportError
        The runtime is not installed (the message names the extra).
    ModelFileError
        The runtime cannot read the file (truncated, damaged, not a network).
    ValueError
        ``precision`` is not available for this runtime or CPU.
    """
    module = _import(runtime)
    threads = default_threads() if threads is None else int(threads)
    opener = _onnxruntime if runtime == "onnxruntime" else _openvino
    return opener(module, path, threads, precision)


def _onnxruntime(ort: Any, path: Path, threads: int, precision: str) -> Session:
    if precision != "f32":
        msg = (
            f'runtime="onnxruntime" computes in float32 only; got precision='
            f'{precision!r}. Use runtime="openvino" for bf16.'
        )
        raise ValueError(msg)
    if path.suffix == ".xml":
        msg = (
            f"{path} is an OpenVINO IR, which ONNX Runtime cannot read. Use "
            f'runtime="openvino", or export an ONNX file (format="onnx").'
        )
        raise ValueError(msg)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # noqa: BLE001  (onnxruntime's errors share no base)
        msg = f"ONNX Runtime cannot read {path}: {_first_line(exc)}"
        raise ModelFileError(msg) from None
    name = session.get_inputs()[0].name
    metadata = session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)

    def run(batch: np.ndarray) -> np.ndarray:
        return session.run(None, {name: batch})[0]

    return Session(run, metadata, precision, threads)


def _openvino(ov: Any, path: Path, threads: int, precision: str) -> Session:
    if precision not in PRECISIONS:
        msg = f"precision must be one of {PRECISIONS}; got {precision!r}."
        raise ValueError(msg)
    core = ov.Core()
    if precision == "bf16":
        capabilities = core.get_property("CPU", "OPTIMIZATION_CAPABILITIES")
        if "BF16" not in capabilities:
            msg = (
                f"precision='bf16' needs a CPU with bfloat16 instructions; this "
                f"one offers {', '.join(capabilities)}. Use precision='f32'."
            )
            raise ValueError(msg)
    try:
        model = core.read_model(str(path))
        compiled = core.compile_model(
            model,
            "CPU",
            {
                # OpenVINO's CPU plugin infers in bf16 by default where the
                # CPU has it; f32 gives the estimator's probabilities.
                "INFERENCE_PRECISION_HINT": precision,
                "INFERENCE_NUM_THREADS": threads,
                "PERFORMANCE_HINT": "LATENCY",
            },
        )
    except Exception as exc:  # noqa: BLE001  (OpenVINO's errors share no base)
        msg = f"OpenVINO cannot read {path}: {_first_line(exc)}"
        raise ModelFileError(msg) from None
    metadata = None
    if model.has_rt_info(["framework", METADATA_KEY]):
        metadata = model.get_rt_info(["framework", METADATA_KEY]).astype(str)
    # An infer request serves one thread at a time; one per thread lets
    # threads (a server's) infer side by side on the one compiled model.
    local = threading.local()

    def run(batch: np.ndarray) -> np.ndarray:
        request = getattr(local, "request", None)
        if request is None:
            request = local.request = compiled.create_infer_request()
        # copy: the request reuses its output buffer on the next call
        return np.array(request.infer({0: batch})[0], copy=True)

    return Session(run, metadata, precision, threads)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.splitlines()[0].split())[:300]
