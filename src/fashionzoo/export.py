"""Export a fitted estimator's network for serving: .keras, SavedModel, ONNX, OpenVINO.

Every exported model takes what the estimator's ``model_`` takes: float32
images of shape ``(n, 28, 28, 1)`` holding raw pixels in the scale seen at
fit (0-255 for uint8 training data). The pixel scaling is inside the
network, and so is the test-time augmentation of estimators with ``tta``
(the same views, stacked into one batch and averaged), so the exported
model returns ``predict_proba``'s probabilities. ONNX and OpenVINO files
also record the classes, the pixel scale and the input size
(:mod:`fashionzoo.inference`), so :class:`~fashionzoo.inference.InferenceModel`
runs them without TensorFlow.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

from fashionzoo._keras import keras
from fashionzoo.inference._metadata import METADATA_KEY, metadata_for
from fashionzoo.models.custom_layers import custom_objects
from fashionzoo.models.views import (
    AverageViews,
    HorizontalFlip,
    TestTimeViews,
    tta_views,
)

logger = logging.getLogger(__name__)

__all__ = [
    "EXPORT_FORMATS",
    "AverageViews",
    "HorizontalFlip",
    "TestTimeViews",
    "export",
    "inference_model",
    "load_model",
]

#: Format name -> file suffix ("" for a folder).
EXPORT_FORMATS: dict[str, str] = {
    "keras": ".keras",
    "savedmodel": "",
    "onnx": ".onnx",
    "openvino": ".xml",
}


def inference_model(estimator: Any) -> Any:
    """The Keras model that computes the estimator's ``predict_proba``.

    Parameters
    ----------
    estimator : fitted ZooClassifier
        The estimator to export.

    Returns
    -------
    model : keras.Model
        A new model sharing the weights of ``estimator.model_``, without its
        augmentation layers and fixed in inference mode; with ``tta`` it
        stacks the views of ``predict_proba`` into one batch
        (:class:`TestTimeViews`), runs the network once and averages
        (:class:`AverageViews`).
    """
    from sklearn.utils.validation import check_is_fitted

    from fashionzoo.models.parts import inference_model as without_augmentation

    check_is_fitted(estimator, "model_")
    model = without_augmentation(estimator.model_)
    views = tta_views(getattr(estimator, "tta", False))
    if len(views) > 1:
        inputs = keras.Input(
            shape=model.input.shape[1:], dtype=model.input.dtype, name="pixels"
        )
        stacked = TestTimeViews(views, name="tta_views")(inputs)
        average = AverageViews(len(views), name="tta_average")(model(stacked))
        model = keras.Model(inputs, average, name=f"{model.name}_tta")
    # The ONNX exporter refuses a model that has never been called.
    model(keras.ops.zeros((1, *model.input.shape[1:]), dtype=model.input.dtype))
    return model


def _target(path: str | os.PathLike[str], format: str) -> Path:
    path = Path(path).expanduser()
    suffix = EXPORT_FORMATS[format]
    if suffix and path.suffix != suffix:
        if path.suffix:
            msg = (
                f"format={format!r} writes a {suffix} file; got path={str(path)!r}. "
                f"Use a path ending in {suffix}."
            )
            raise ValueError(msg)
        path = path.with_suffix(suffix)
    if not path.parent.exists():
        msg = f"The folder {str(path.parent)!r} does not exist. Create it first."
        raise FileNotFoundError(msg)
    return path


def export(
    estimator: Any,
    path: str | os.PathLike[str],
    format: str = "keras",
    *,
    overwrite: bool = False,
) -> Path:
    """Write a fitted estimator's network to a file or folder for inference.

    The model is written under a temporary name next to ``path`` and then
    moved into place, so an error (a full disk, a converter failure) never
    leaves a half-written model, nor a SavedModel folder mixing old and new
    files.

    Parameters
    ----------
    estimator : fitted ZooClassifier
        The estimator whose ``model_`` to export.
    path : str or path-like
        Where to write. ``"keras"``, ``"onnx"`` and ``"openvino"`` add the
        suffix ``.keras``, ``.onnx`` or ``.xml`` when the name has none;
        ``"savedmodel"`` writes a folder.
    format : {"keras", "savedmodel", "onnx", "openvino"}, default="keras"
        ``"keras"``: the native Keras file, reloaded with
        ``keras.saving.load_model`` (or :func:`load_model`, which first
        registers fashionzoo's own layers: augmentation and test-time
        averaging).
        ``"savedmodel"``: a TensorFlow SavedModel with a ``serve`` endpoint
        (``loaded = tf.saved_model.load(path)``, then
        ``loaded.serve(images)`` while ``loaded`` is kept: the endpoint uses
        the variables ``loaded`` owns; or
        ``keras.layers.TFSMLayer(path, call_endpoint="serve")``); needs the
        TensorFlow package.
        ``"onnx"``: an ONNX graph for ONNX Runtime (or OpenVINO), holding
        the classes and pixel scale for
        :class:`~fashionzoo.inference.InferenceModel`; needs the optional
        extra ``pip install "fashionzoo[onnx]"`` (tf2onnx, onnxruntime).
        ``"openvino"``: OpenVINO's IR, a ``.xml`` file and its ``.bin``
        beside it (study 004's deployment step), converted from the ONNX
        graph with ``openvino.convert_model``; needs
        ``pip install "fashionzoo[onnx,openvino]"``.

        .. versionadded:: 0.2.0
           ``"openvino"``.
    overwrite : bool, default=False
        Replace an existing file or SavedModel folder at ``path`` (in one
        step, once the new one is complete). Without it, an existing target
        is an error.

        .. versionadded:: 0.2.0

    Returns
    -------
    path : pathlib.Path
        The file or folder written.

    Raises
    ------
    ValueError
        If ``format`` is unknown or the path has the wrong suffix.
    FileExistsError
        ``path`` exists and ``overwrite`` is False, or it is a file where a
        SavedModel folder goes.
    OSError
        The folder cannot be written (``PermissionError``) or the writer
        failed; the message names the path. TensorFlow's own errors are
        turned into these.
    ImportError
        If the converter for ``format`` is not installed.
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.

    Notes
    -----
    The exported model takes float32 images ``(n, 28, 28, 1)`` of raw
    pixels (cast uint8 images with ``images.astype("float32")``) and
    returns class probabilities; the class of column ``k`` is
    ``estimator.classes_[k]``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import fashionzoo
    >>> from fashionzoo.datasets import load_sample
    >>> X, y = load_sample(return_X_y=True)
    >>> est = fashionzoo.create_estimator("lenet5", pretrained=True)
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name)
    >>> fashionzoo.export(est, folder / "lenet5.keras").name
    'lenet5.keras'
    >>> import tensorflow as tf
    >>> path = fashionzoo.export(est, folder / "lenet5", format="savedmodel")
    >>> loaded = tf.saved_model.load(str(path))  # keep it while serving
    >>> proba = loaded.serve(X[:4].reshape(4, 28, 28, 1).astype("float32"))
    >>> proba.shape
    TensorShape([4, 10])
    >>> tmp.cleanup()
    """
    if format not in EXPORT_FORMATS:
        import difflib

        close = difflib.get_close_matches(str(format), list(EXPORT_FORMATS), 1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        msg = (
            f"format must be one of {', '.join(map(repr, EXPORT_FORMATS))}. "
            f"Received: format={format!r}.{hint}"
        )
        raise ValueError(msg)
    target = _target(path, format)
    _check_target(target, format, overwrite)
    model = inference_model(estimator)
    if format == "savedmodel" and importlib.util.find_spec("tensorflow") is None:
        msg = "Exporting a SavedModel needs TensorFlow: pip install tensorflow"
        raise ImportError(msg)
    if format in ("onnx", "openvino"):
        _check_onnx()
    if format == "openvino" and importlib.util.find_spec("openvino") is None:
        msg = 'Exporting to OpenVINO needs openvino: pip install "fashionzoo[openvino]"'
        raise ImportError(msg)
    views = len(tta_views(getattr(estimator, "tta", False)))
    with tempfile.TemporaryDirectory(
        prefix=f".{target.name}.", dir=target.parent
    ) as tmp:
        staged = Path(tmp) / target.name
        try:
            if format == "keras":
                model.save(staged)
            elif format == "savedmodel":
                model.export(str(staged), format="tf_saved_model", verbose=False)
            else:
                onnx_file = staged.with_suffix(".onnx")
                model.export(str(onnx_file), format="onnx", verbose=False)
                _write_metadata(onnx_file, metadata_for(estimator, views))
                if format == "openvino":
                    _convert_to_openvino(onnx_file, staged)
        except OSError as exc:
            from fashionzoo.exceptions import SaveError

            raise SaveError.writing(target, exc) from exc
        except Exception as exc:  # TensorFlow's OpErrors are not OSErrors
            msg = f"Could not write {format} model to {target}: {exc}"
            raise OSError(msg) from exc
        if format == "openvino":
            _replace_pair(staged, target)
        else:
            _replace(staged, target)
    logger.info("exported %s as %s to %s", type(estimator).__name__, format, target)
    return target


def _write_metadata(path: Path, record: dict[str, Any]) -> None:
    """Add fashionzoo's record to an ONNX file's ``metadata_props``."""
    import json

    import onnx

    graph = onnx.load(str(path))
    onnx.helper.set_model_props(graph, {METADATA_KEY: json.dumps(record)})
    onnx.save(graph, str(path))


def _convert_to_openvino(onnx_file: Path, xml: Path) -> None:
    """Write the IR (``xml`` and its ``.bin``) of an ONNX file.

    OpenVINO's ONNX reader keeps the file's ``metadata_props`` (the
    fashionzoo record) in the model's ``rt_info["framework"]``, which the IR
    stores; the weights stay float32 (``compress_to_fp16=False``) so the IR
    computes what the estimator does.
    """
    import openvino as ov

    ov.save_model(ov.convert_model(str(onnx_file)), str(xml), compress_to_fp16=False)
    onnx_file.unlink()


def _replace_pair(staged: Path, target: Path) -> None:
    """Move an IR's ``.bin`` and then its ``.xml`` into place.

    Old files are moved aside first and put back if a move fails, so the
    target is either the old pair or the new one.
    """
    moves = [(staged.with_suffix(".bin"), target.with_suffix(".bin")), (staged, target)]
    kept = []
    try:
        for _, old in moves:
            if old.exists():
                aside = old.with_name(f".{old.name}.old-{os.getpid()}")
                old.replace(aside)
                kept.append((aside, old))
        for new, old in moves:
            new.replace(old)
    except OSError:
        for aside, old in kept:
            aside.replace(old)
        raise
    for aside, _ in kept:
        aside.unlink(missing_ok=True)


def _check_target(target: Path, format: str, overwrite: bool) -> None:
    if format == "savedmodel" and target.exists() and not target.is_dir():
        msg = f"{target} is a file; a SavedModel is a folder. Choose another --out."
        raise FileExistsError(msg)
    if (
        target.exists()
        and not overwrite
        and (target.is_file() or any(target.iterdir()))
    ):
        msg = f"{target} exists. Pass overwrite=True (--overwrite) to replace it."
        raise FileExistsError(msg)
    if not os.access(target.parent, os.W_OK):
        msg = f"Cannot write to the folder {target.parent} (permission denied)."
        raise PermissionError(msg)


def _replace(staged: Path, target: Path) -> None:
    """Move ``staged`` to ``target``, replacing what is there in one step."""
    if staged.is_dir() and target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(old)
        try:
            staged.rename(target)
        except OSError:
            old.rename(target)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        staged.replace(target)


def _check_onnx() -> None:
    backend = keras.backend.backend()
    needed = {
        "tensorflow": ["tf2onnx", "onnx"],
        "jax": ["tf2onnx", "onnx", "tensorflow"],
    }.get(backend, ["onnx"])
    missing = [name for name in needed if importlib.util.find_spec(name) is None]
    if missing:
        msg = (
            f"Exporting to ONNX with the {backend} backend needs {', '.join(missing)}: "
            f'pip install "fashionzoo[onnx]"'
        )
        raise ImportError(msg)


def load_model(path: str | os.PathLike[str]) -> Any:
    """Load a ``.keras`` file written by :func:`export`.

    Same as :func:`keras.saving.load_model`, after registering the custom
    layers fashionzoo models may hold (random erasing, mirror averaging).

    Parameters
    ----------
    path : str or path-like
        The ``.keras`` file.

    Returns
    -------
    model : keras.Model
        Takes float32 images (n, 28, 28, 1) of raw pixels; returns class
        probabilities.
    """
    return keras.saving.load_model(
        Path(path).expanduser(), custom_objects=custom_objects()
    )


class _CallableModule(types.ModuleType):
    """This module, callable as :func:`export`.

    ``fashionzoo.export`` is both this module and the function: importing
    the module (``from fashionzoo.export import export``) makes Python bind
    the package attribute ``fashionzoo.export`` to the module, so the module
    forwards calls to the function and ``fashionzoo.export(est, path)``
    works in either case.
    """

    def __call__(
        self,
        estimator: Any,
        path: str | os.PathLike[str],
        format: str = "keras",
        *,
        overwrite: bool = False,
    ) -> Path:
        return export(estimator, path, format, overwrite=overwrite)


sys.modules[__name__].__class__ = _CallableModule
