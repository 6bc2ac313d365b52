"""InferenceModel: an exported network behind predict / predict_proba, without TensorFlow."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from fashionzoo._pixels import check_image_batch, match_fit_scale, to_images
from fashionzoo.exceptions import ChecksumError
from fashionzoo.inference._metadata import parse_metadata
from fashionzoo.inference._runtimes import RUNTIMES, open_session

__all__ = ["InferenceModel"]

#: File suffixes a runtime reads.
_GRAPH_SUFFIXES = (".onnx", ".xml")


class InferenceModel:
    """A trained network in ONNX Runtime or OpenVINO, with the estimators' API.

    Runs a network exported by :func:`fashionzoo.export` (``format="onnx"``
    or ``"openvino"``), or the graph that ships with a network's trained
    weights, and imports neither TensorFlow, Keras nor scikit-learn: a fresh
    process classifies a picture in a fraction of a second. It takes what
    the estimators take (flat rows, (n, 28, 28) or (n, 28, 28, 1) images,
    uint8 or floats in the pixel scale of the fit) with the same checks and
    messages, and returns the estimator's ``predict_proba`` (test-time views
    included) to float32 rounding in ``precision="f32"``.

    Parameters
    ----------
    model : str or path-like
        A network's name (``"lenet5"``, ``"best"``; see
        :func:`fashionzoo.pretrained.list_pretrained`) for its shipped graph,
        checked against the SHA256 on its model card; or an ``.onnx`` file,
        or an OpenVINO ``.xml`` file (its ``.bin`` beside it), written by
        :func:`fashionzoo.export`.
    runtime : {"onnxruntime", "openvino"}, default="onnxruntime"
        ``pip install "fashionzoo[onnx]"`` or ``"fashionzoo[openvino]"``.
        OpenVINO reads ONNX files too.
    quantized : bool, default=False
        With a network's name: its int8 graph (post-training static
        quantization, calibrated on training images), shipped only where it
        loses at most 0.003 of test accuracy (see the model card's ``int8``).
    precision : {"f32", "bf16"}, default="f32"
        OpenVINO's inference precision. ``"f32"`` gives the estimator's
        probabilities; ``"bf16"`` (CPUs with bfloat16 instructions) was 1.6x
        faster for ``best`` on the project's host and moves probabilities by
        up to about 0.02. ONNX Runtime computes in float32 only.
    threads : int, default=None
        Intra-op threads; None: every core the process may use.
    batch_size : int, default=256
        Images per runtime call in :meth:`predict_proba`.
    sha256 : str, default=None
        For a file: refuse it unless its SHA256 is this (hex, any case).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels of the probability columns, as the estimator had them.
    n_features_in_ : int
        Pixels per image seen at fit.
    image_shape_ : tuple of int
        (height, width, 1) seen at fit.
    pixel_scale_ : float
        The factor that mapped the fit's pixels to [0, 1].
    metadata_ : dict
        Everything the file records (estimator class, ``tta``, versions).
    path_ : pathlib.Path
        The file that runs.

    Raises
    ------
    ImportError
        The runtime is not installed; the message names the extra.
    ModelFileError
        The file is not a network the runtime reads (truncated, damaged), or
        has no fashionzoo metadata.
    ChecksumError
        A shipped graph or a file given with ``sha256`` does not match.

    See Also
    --------
    fashionzoo.export : Write an estimator's network as ONNX or OpenVINO IR.

    Examples
    --------
    >>> from fashionzoo.datasets import load_sample
    >>> from fashionzoo.inference import InferenceModel
    >>> X, y = load_sample(return_X_y=True)
    >>> model = InferenceModel("lenet5")
    >>> model.predict(X[:5]).shape
    (5,)
    >>> bool((model.predict(X) == y).mean() > 0.9)
    True
    """

    def __init__(
        self,
        model: str | os.PathLike[str],
        runtime: str = "onnxruntime",
        *,
        quantized: bool = False,
        precision: str = "f32",
        threads: int | None = None,
        batch_size: int = 256,
        sha256: str | None = None,
    ) -> None:
        if runtime not in RUNTIMES:
            msg = (
                f"runtime must be one of {', '.join(map(repr, RUNTIMES))}. "
                f"Received: runtime={runtime!r}"
            )
            raise ValueError(msg)
        if int(batch_size) < 1:
            msg = f"batch_size must be >= 1. Received: batch_size={batch_size!r}"
            raise ValueError(msg)
        self.runtime = runtime
        self.precision = precision
        self.batch_size = int(batch_size)
        self.path_ = _model_file(model, quantized=quantized, sha256=sha256)
        self._session = open_session(
            self.path_, runtime, threads=threads, precision=precision
        )
        self.threads = self._session.threads
        record = parse_metadata(self._session.metadata, str(self.path_))
        self.metadata_ = record
        self.classes_ = record["classes"]
        self.n_features_in_ = record["n_features_in"]
        self.image_shape_ = record["image_shape"]
        self.pixel_scale_ = record["pixel_scale"]

    def __repr__(self) -> str:
        return (
            f"InferenceModel({str(self.path_)!r}, runtime={self.runtime!r}, "
            f"precision={self.precision!r})"
        )

    def _pixels(self, X: Any) -> np.ndarray:
        flat = check_image_batch(
            X,
            n_features=self.n_features_in_,
            image_hw=self.image_shape_[:2],
            owner=f"the model in {self.path_.name}",
        )
        flat = match_fit_scale(flat, self.pixel_scale_, stacklevel=4)
        return to_images(flat, self.image_shape_[:2])

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like of images
            As the estimators take them.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), float32
        """
        images = self._pixels(X)
        parts = [
            self._session.run(
                np.ascontiguousarray(images[i : i + self.batch_size], dtype=np.float32)
            )
            for i in range(0, images.shape[0], self.batch_size)
        ]
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class labels.

        Parameters
        ----------
        X : array-like of images
            As the estimators take them.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def score(self, X: Any, y: Any) -> float:
        """Accuracy on ``X`` and labels ``y``.

        Parameters
        ----------
        X : array-like of images
        y : array-like of shape (n_samples,)

        Returns
        -------
        accuracy : float
        """
        from fashionzoo._labels import check_label_kinds

        y = np.asarray(y)
        check_label_kinds(self.classes_, y)
        predicted = self.predict(X)
        if y.shape != predicted.shape:
            msg = f"X holds {predicted.shape[0]} images but y has shape {y.shape}."
            raise ValueError(msg)
        return float(np.mean(predicted == y))


def _model_file(
    model: str | os.PathLike[str], *, quantized: bool, sha256: str | None
) -> Path:
    """The file to run: a shipped graph by name, or a path (checked)."""
    text = os.fspath(model)
    path = Path(text).expanduser()
    looks_like_path = path.suffix != "" or os.sep in text or path.exists()
    if not looks_like_path:
        from fashionzoo.pretrained import graph_path

        if sha256 is not None:
            msg = (
                "sha256 applies to a file; a shipped graph is checked against its card."
            )
            raise ValueError(msg)
        return graph_path(text, quantized=quantized)
    if quantized:
        msg = "quantized=True picks a shipped network's int8 graph; give its name."
        raise ValueError(msg)
    if path.suffix not in _GRAPH_SUFFIXES:
        msg = (
            f"{text!r} is not an ONNX (.onnx) or OpenVINO (.xml) file. Export the "
            f"model first: fashionzoo export --model {text} --format onnx "
            f"--out model.onnx (or format='openvino')."
        )
        raise ValueError(msg)
    if not path.is_file():
        msg = f"no model file at {text!r}"
        raise FileNotFoundError(msg)
    if sha256 is not None:
        expected = sha256.strip().lower()
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if actual != expected:
            msg = f"{str(path)!r} has SHA256 {actual}, expected {expected}"
            raise ChecksumError(msg)
    return path
