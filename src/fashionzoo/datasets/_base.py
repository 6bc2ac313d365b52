"""Helpers shared by the loaders: DESCR text and the returned Bunch."""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fashionzoo.datasets import _registry


def load_descr(name: str = "fashion_mnist.rst") -> str:
    """Return the text of ``descr/<name>`` shipped with the package."""
    descr = resources.files("fashionzoo.datasets") / "descr" / name
    return descr.read_text(encoding="utf-8")


def make_result(
    data: NDArray[np.uint8],
    target: NDArray[np.int64],
    *,
    return_X_y: bool,
    descr: str | None = None,
) -> Any:
    """Return ``(data, target)`` or a Bunch with images viewing ``data``."""
    if return_X_y:
        return data, target
    # Imported here: sklearn takes about a second to import, and importing
    # fashionzoo.datasets should stay cheap.
    from sklearn.utils import Bunch

    rows, cols = _registry.IMAGE_SHAPE
    return Bunch(
        data=data,
        images=data.reshape(-1, rows, cols),
        target=target,
        target_names=np.array(_registry.FASHION_MNIST_CLASSES),
        DESCR=load_descr() if descr is None else descr,
    )
