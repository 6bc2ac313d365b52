"""A frozen patch-whitening first layer, computed from the training images.

After Keller Jordan's airbench (the CIFAR-10 speed record): the first layer
is a convolution whose filters are the eigenvectors of the covariance of the
training images' small patches, each divided by the square root of its
eigenvalue, together with their negatives. It decorrelates neighbouring
pixels before any learned layer sees them, and is not trained. airbench's
ablation credits it with the largest cut in epochs of all its levers
(35 to 21 epochs to 94 % on CIFAR-10).

The layer is a plain Keras ``Conv2D`` named ``"whiten"`` with
``trainable=False``: it saves, loads and exports (``.keras``, SavedModel,
ONNX, OpenVINO) as every other convolution. :func:`adapt_whitening` sets its
kernel from the images a fit trains on, the way a Keras preprocessing
layer's ``adapt`` does; the estimators call it when they build a network,
before the first epoch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["WHITEN_LAYER", "adapt_whitening", "whitening_kernel", "whitening_layers"]

#: Name of the layer :func:`adapt_whitening` sets.
WHITEN_LAYER = "whiten"

_CHUNK = 4096  # images per pass when summing patch moments (bounds memory)


def _patch_moments(images: np.ndarray, patch: int) -> np.ndarray:
    """The second moment ``E[p p^T]`` of every ``patch x patch`` patch (stride 1)."""
    n, height, width, channels = images.shape
    rows, cols = height - patch + 1, width - patch + 1
    dim = patch * patch * channels
    total = np.zeros((dim, dim))
    for start in range(0, n, _CHUNK):
        chunk = images[start : start + _CHUNK].astype(np.float64)
        # One column per patch element, ordered (row offset, col offset, channel)
        # as a Conv2D kernel of shape (patch, patch, channels, filters) is.
        columns = np.stack(
            [
                chunk[:, i : i + rows, j : j + cols, c].reshape(-1)
                for i in range(patch)
                for j in range(patch)
                for c in range(channels)
            ],
            axis=1,
        )
        total += columns.T @ columns
    return total / (n * rows * cols)


def whitening_kernel(
    images: np.ndarray, *, patch: int = 2, eps: float = 5e-4
) -> np.ndarray:
    """The kernel of a patch-whitening convolution for ``images``.

    Parameters
    ----------
    images : ndarray of shape (n_samples, height, width, channels)
        Training images, scaled as the layer will see them.
    patch : int, default=2
        Side of the square patches (the kernel size).
    eps : float, default=5e-4
        Added to every eigenvalue before its square root is taken, relative
        to the mean pixel variance (airbench's 5e-4 on standardised images),
        so that near-constant directions are not blown up.

    Returns
    -------
    kernel : ndarray of shape (patch, patch, channels, 2 * patch**2 * channels)
        float32. Filter ``k`` is the ``k``-th eigenvector of the patches'
        second-moment matrix (largest eigenvalue first) over the square root
        of its eigenvalue plus ``eps``; the second half holds their
        negatives. Each eigenvector's sign is fixed (its largest entry
        positive), so the kernel does not depend on the LAPACK build.

    Examples
    --------
    >>> import numpy as np
    >>> from fashionzoo.models.whitening import whitening_kernel
    >>> images = np.random.default_rng(0).random((100, 28, 28, 1))
    >>> whitening_kernel(images).shape
    (2, 2, 1, 8)
    """
    images = np.asarray(images)
    if images.ndim != 4 or min(images.shape[1:3]) < patch:
        msg = (
            f"whitening needs images of shape (n, height, width, channels) at "
            f"least {patch}x{patch}; got shape {images.shape}."
        )
        raise ValueError(msg)
    channels = images.shape[3]
    moments = _patch_moments(images, patch)
    variance = float(np.var(images, dtype=np.float64))
    eigenvalues, eigenvectors = np.linalg.eigh(moments)
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues, eigenvectors = eigenvalues[order], eigenvectors[:, order]
    largest = np.argmax(np.abs(eigenvectors), axis=0)
    signs = np.sign(eigenvectors[largest, np.arange(eigenvectors.shape[1])])
    eigenvectors = eigenvectors * np.where(signs == 0, 1.0, signs)
    scaled = eigenvectors / np.sqrt(np.clip(eigenvalues, 0, None) + eps * variance)
    filters = np.concatenate([scaled, -scaled], axis=1)
    return filters.reshape(patch, patch, channels, -1).astype(np.float32)


def whitening_layers(model: Any) -> list[Any]:
    """The ``"whiten"`` layers of ``model``, nested models included.

    Parameters
    ----------
    model : keras.Model or keras.layers.Layer

    Returns
    -------
    layers : list of keras.layers.Conv2D
    """
    found = []
    for layer in getattr(model, "layers", ()):
        if layer.name == WHITEN_LAYER:
            found.append(layer)
        else:
            found.extend(whitening_layers(layer))
    return found


def adapt_whitening(model: Any, images: np.ndarray) -> bool:
    """Set every ``"whiten"`` layer of ``model`` (nested models too) from ``images``.

    Parameters
    ----------
    model : keras.Model
        A built model.
    images : ndarray of shape (n_samples, height, width, channels)
        The training images, scaled as the layer sees them ([0, 1]).

    Returns
    -------
    adapted : bool
        Whether ``model`` had such a layer.
    """
    layers = whitening_layers(model)
    for layer in layers:
        patch = layer.kernel.shape[0]
        layer.kernel.assign(whitening_kernel(images, patch=patch))
    return bool(layers)
