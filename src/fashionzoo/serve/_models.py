"""The models a server holds: loaded once at start, described by their cards."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["RUNTIME_CHOICES", "ServedModel", "load_model", "load_models"]

logger = logging.getLogger(__name__)

#: ``runtime`` choices; "auto" picks one per model (see :func:`load_model`).
RUNTIME_CHOICES = ("auto", "onnxruntime", "openvino", "keras")

#: How a request's pictures reach the model, for the listing.
INPUT_CONTRACT = (
    "PNG or JPEG pictures (multipart field 'file', several allowed, or a raw body "
    "with Content-Type image/png or image/jpeg), made to look like the training "
    "data: grayscale, padded to a square with the border colour, resized to "
    "28x28, inverted when the background is light. Or JSON {'pixels': a 28x28 "
    "array or a list of them}, integers 0-255, a light garment on black."
)

#: Single-image predictions faster than this run on the event loop; slower
#: ones in the thread pool (see :attr:`ServedModel.inline`).
INLINE_SECONDS = 0.5e-3

#: Intra-op threads per prediction when serving. One: the requests in flight
#: run side by side, one per core, instead of each prediction waking every
#: core for a 28x28 image. On the project's 2-core host, 8 clients
#: (benchmarks/bench_serve.py), one thread served lenet5 1.3-1.4x more
#: requests/s than two and fast_resnet in ONNX Runtime 1.04x; fast_resnet in
#: OpenVINO was ~1.1x faster with two (OpenVINO shares one pool of threads
#: among its infer requests).
SERVE_THREADS = 1


@dataclass
class ServedModel:
    """One loaded model and what the service says about it.

    Attributes
    ----------
    name : str
        The name in URLs (a shipped network's name, or a file's stem).
    classifier : object
        An :class:`~fashionzoo.inference.InferenceModel`, or a fitted
        estimator where no exported graph exists.
    runtime : str
        ``"onnxruntime"``, ``"openvino"`` or ``"keras"``.
    version : str
        The first 12 hex digits of the SHA256 of the file that runs: two
        servers with the same version give the same probabilities.
    source : str
        The file that runs.
    card : dict
        The model card (shipped networks) or the file's metadata.
    note : str or None
        Why the model runs in Keras, when it does.
    class_names : list of str
        One per output column.
    inline : bool
        Whether predictions run on the event loop (a single image takes
        under 0.5 ms: a thread hop would cost more than it saves) or in the
        thread pool (ONNX Runtime and OpenVINO release the GIL, so the loop
        keeps answering).
    single_image_ms : float
        The median time of one image at start, in milliseconds.
    """

    name: str
    classifier: Any
    runtime: str
    version: str
    source: str
    card: dict[str, Any]
    note: str | None = None
    class_names: list[str] = field(default_factory=list)
    inline: bool = False
    single_image_ms: float = 0.0
    _lock: threading.Lock | None = None

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """Probabilities of (n, 28, 28) uint8 images, serialised where needed.

        ONNX Runtime sessions take concurrent calls, and so does an OpenVINO
        model (one infer request per thread); a Keras model is used by one
        thread at a time.

        Parameters
        ----------
        images : ndarray of shape (n, 28, 28), dtype uint8
            Light on dark, like the training data.

        Returns
        -------
        proba : ndarray of shape (n, n_classes)
            Columns in the order of the classifier's ``classes_``.
        """
        if self._lock is None:
            return np.asarray(self.classifier.predict_proba(images))
        with self._lock:
            return np.asarray(self.classifier.predict_proba(images))

    def describe(self) -> dict[str, Any]:
        """The listing entry: accuracy, classes, input contract, card.

        Returns
        -------
        dict
            JSON-ready.
        """
        classes = np.asarray(self.classifier.classes_).tolist()
        accuracy = self.card.get("test_accuracy")
        runtime_accuracy = (
            self.card.get("onnx", {}).get("test_accuracy", {}).get(self.runtime)
        )
        return {
            "name": self.name,
            "version": self.version,
            "runtime": self.runtime,
            "note": self.note,
            "source": Path(self.source).name,
            "estimator": self.card.get("network", {}).get("estimator")
            or self.card.get("estimator"),
            "description": self.card.get("network", {}).get("description"),
            "test_accuracy": accuracy,
            "test_accuracy_runtime": runtime_accuracy,
            "classes": [
                {"label": label, "name": name}
                for label, name in zip(classes, self.class_names, strict=True)
            ],
            "input": {
                "image_shape": [28, 28],
                "pixels": "uint8 0-255, light garment on a black background",
                "accepts": INPUT_CONTRACT,
            },
            "single_image_ms": round(self.single_image_ms, 3),
            "card": self.card,
        }


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _card(name: str) -> dict[str, Any] | None:
    from fashionzoo.exceptions import FashionZooError
    from fashionzoo.pretrained import model_card

    try:
        return model_card(name)
    except (FashionZooError, KeyError):
        return None


def _sha12(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _graph_runtime(runtime: str, suffix: str) -> str | None:
    """The runtime ``runtime`` means for a graph (None: no runtime installed)."""
    if runtime != "auto":
        return runtime
    if suffix == ".xml":
        return "openvino" if _has("openvino") else None
    for name in ("onnxruntime", "openvino"):
        if _has(name):
            return name
    return None


def load_model(
    spec: str | os.PathLike[str], runtime: str = "auto", threads: int = SERVE_THREADS
) -> ServedModel:
    """Load one model for serving.

    Parameters
    ----------
    spec : str or path-like
        A shipped network's name or alias (``"lenet5"``, ``"best"``), an
        ``.onnx`` or OpenVINO ``.xml`` file written by :func:`fashionzoo.export`,
        or a ``.fzoo`` file saved by ``fashionzoo train --save``.
    runtime : {"auto", "onnxruntime", "openvino", "keras"}, default="auto"
        "auto": a shipped network or an ``.onnx`` file in ONNX Runtime (else
        OpenVINO), an ``.xml`` file in OpenVINO; Keras only for a model with
        no exported graph (a ``.fzoo`` file), which starts TensorFlow and is
        said so in the listing's ``note``.
    threads : int, default=1
        Intra-op threads of ONNX Runtime or OpenVINO for each prediction.
        One suits a server: concurrent requests then run on separate cores.
        More makes a single large request faster on an idle host. Keras
        ignores it.

    Returns
    -------
    model : ServedModel

    Raises
    ------
    ChecksumError
        A shipped file does not match its card.
    ModelFileError
        The file is damaged or not a model file.
    UnknownModelError
        ``spec`` is neither a file nor a known network.
    FileNotFoundError
        No file at ``spec``.
    """
    from fashionzoo.datasets import class_names
    from fashionzoo.inference import InferenceModel

    if runtime not in RUNTIME_CHOICES:
        msg = (
            f"runtime must be one of {', '.join(RUNTIME_CHOICES)}. "
            f"Received: runtime={runtime!r}"
        )
        raise ValueError(msg)
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        msg = f"threads must be a positive integer. Received: threads={threads!r}"
        raise ValueError(msg)
    text = os.fspath(spec)
    path = Path(text).expanduser()
    is_file = path.suffix != "" or os.sep in text or path.exists()
    note = None
    if is_file:
        if path.suffix not in (".onnx", ".xml", ".fzoo"):
            msg = (
                f"{text!r} is not a model file the server reads (.onnx, .xml, "
                f".fzoo). Export it: fashionzoo export --model {text} --format "
                f"onnx --out model.onnx"
            )
            raise ValueError(msg)
        if not path.is_file():
            msg = f"no model file at {text!r}"
            raise FileNotFoundError(msg)
        name = path.stem
        if path.suffix == ".fzoo" or runtime == "keras":
            if path.suffix != ".fzoo":
                msg = f"{text} is an exported graph, which Keras does not run."
                raise ValueError(msg)
            from fashionzoo.saving import load

            classifier, used = load(path), "keras"
            note = (
                "no exported graph: runs in Keras (TensorFlow). Export it with "
                "'fashionzoo export --format onnx' to serve it without TensorFlow."
            )
        else:
            used = _graph_runtime(runtime, path.suffix) or "onnxruntime"
            classifier = InferenceModel(path, runtime=used, threads=threads)
        card = dict(getattr(classifier, "metadata_", {}) or {})
        card.pop("classes", None)
        source = path
    else:
        card_or_none = _card(text)
        if card_or_none is None:
            from fashionzoo.pretrained import list_pretrained
            from fashionzoo.zoo import get_model_info

            get_model_info(text)  # an unknown name raises UnknownModelError
            msg = (
                f"{text!r} has no shipped weights. Networks with weights: "
                f"{', '.join(list_pretrained())}; or give a model file."
            )
            raise ValueError(msg)
        card = card_or_none
        name = card["name"]
        graph = None if runtime == "keras" else _graph_runtime(runtime, ".onnx")
        if graph is not None and "onnx" in card:
            classifier, used = (
                InferenceModel(name, runtime=graph, threads=threads),
                graph,
            )
            source = classifier.path_
        else:
            from fashionzoo.pretrained import weights_path
            from fashionzoo.zoo import create_estimator

            why = (
                "runtime='keras' was asked for"
                if runtime == "keras"
                else "no ONNX graph ships for it"
                if "onnx" not in card
                else "neither onnxruntime nor openvino is installed"
            )
            note = f"runs in Keras (TensorFlow): {why}."
            classifier, used = create_estimator(name, pretrained=True), "keras"
            source = weights_path(name)
    if note:
        logger.warning("%s %s", name, note)
    model = ServedModel(
        name=name,
        classifier=classifier,
        runtime=used,
        version=_sha12(Path(source)),
        source=str(source),
        card=card,
        note=note,
        class_names=class_names(classifier.classes_),
        _lock=threading.Lock() if used == "keras" else None,
    )
    _warm_up(model)
    return model


def _warm_up(model: ServedModel) -> None:
    """Run one prediction (the first call allocates), time a second."""
    image = np.zeros((1, 28, 28), dtype=np.uint8)
    model.predict_proba(image)
    model.predict_proba(image)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        model.predict_proba(image)
        times.append(time.perf_counter() - start)
    seconds = sorted(times)[2]
    model.single_image_ms = seconds * 1e3
    model.inline = model.runtime != "keras" and seconds < INLINE_SECONDS


def load_models(
    specs: list[str] | tuple[str, ...] | None = None,
    runtime: str = "auto",
    threads: int = SERVE_THREADS,
) -> dict[str, ServedModel]:
    """Load the models to serve, each once.

    Parameters
    ----------
    specs : list of str, default=None
        Names or files (see :func:`load_model`); None: every shipped network.
    runtime : str, default="auto"
        As in :func:`load_model`, for every model.
    threads : int, default=1
        As in :func:`load_model`, for every model.

    Returns
    -------
    models : dict of str to ServedModel
        By name, in the order given.

    Raises
    ------
    ValueError
        Two models would have the same name.
    """
    from fashionzoo.pretrained import list_pretrained

    models: dict[str, ServedModel] = {}
    for spec in specs or list_pretrained():
        model = load_model(spec, runtime, threads)
        if model.name in models:
            msg = (
                f"two models are named {model.name!r} (from {spec!r}); give each "
                f"model once, and files with different names."
            )
            raise ValueError(msg)
        models[model.name] = model
    return models
