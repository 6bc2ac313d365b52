"""A Keras model on many images: batches of one shape, the fast path for a few."""

from __future__ import annotations

from typing import Any

import numpy as np

from fashionzoo._backends import current as current_backend
from fashionzoo._config import batch_multiple, device_scope, rounded_batch_size
from fashionzoo._keras import keras
from fashionzoo.estimators._interrupt import ctrl_c_between_batches

__all__ = ["run_batches"]


def run_batches(
    model: Any,
    images: np.ndarray,
    batch_size: int,
    *,
    direct_batches: int = 1,
    compiled: bool = True,
    verbose: int = 0,
) -> np.ndarray:
    """``model`` on ``images`` in batches of ``batch_size``, as float32.

    When the images fill more than ``direct_batches`` batches they go
    through ``model.predict``, the last batch padded with blank images so
    that every batch has one shape: one traced graph, and a row gets the same
    float32 result whichever batch holds it. Fewer images are padded to the
    next power of two instead and run batch by batch through
    ``predict_on_batch`` (``compiled``; the compiled step without
    ``predict``'s dataset and callbacks, 8x faster than calling the model
    eagerly for one image, with a handful of traced shapes) or an eager call
    (cheaper for a large backbone used a few times).

    Parameters
    ----------
    model : keras.Model
    images : ndarray of shape (n, h, w, 1)
    batch_size : int
        Rounded up to a multiple of the devices trained on in parallel.
    direct_batches : int, default=1
    compiled : bool, default=True
    verbose : int, default=0
        Keras's progress bar above 1.

    Returns
    -------
    ndarray of shape (n, ...), float32
    """
    n = images.shape[0]
    multiple = batch_multiple()
    size = rounded_batch_size(batch_size)
    direct = n <= direct_batches * size
    if direct:
        rows = min(size, max(multiple, 1 << max(0, min(n, size) - 1).bit_length()))
    else:
        rows = size
    pad = -n % rows
    if pad:
        blank = np.zeros((pad, *images.shape[1:]), dtype=images.dtype)
        images = np.concatenate([images, blank])
    with device_scope(), ctrl_c_between_batches() as stop_on_ctrl_c:
        if direct:
            # A Ctrl-C pressed meanwhile raises as the context ends.
            step = (
                model.predict_on_batch
                if compiled
                else lambda x: model(x, training=False)
            )
            out = np.concatenate(
                [
                    keras.ops.convert_to_numpy(
                        step(images[i : i + rows].astype(np.float32))
                    )
                    for i in range(0, images.shape[0], rows)
                ]
            )
        else:
            out = model.predict(
                current_backend().prediction_input(images, size),
                batch_size=None,
                verbose=max(0, verbose - 1),
                callbacks=[stop_on_ctrl_c],
            )
    return np.asarray(out[:n], dtype=np.float32)
