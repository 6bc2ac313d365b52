"""Images most like a given one, by the distance of their network embeddings."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["nearest_images"]


def nearest_images(
    estimator: Any,
    X_query: Any,
    X_pool: Any,
    *,
    n_neighbors: int = 5,
    metric: str = "cosine",
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The images of ``X_pool`` most like each image of ``X_query``.

    Both sets are embedded with the fitted network (``estimator.embed``: the
    activations of its last hidden layer) and searched with
    :class:`sklearn.neighbors.NearestNeighbors`.

    Parameters
    ----------
    estimator : fitted ZooClassifier
        Any estimator with ``embed``.
    X_query : array-like of images
        The images to find neighbours for.
    X_pool : array-like of images
        Searched, e.g. the training images.
    n_neighbors : int, default=5
        Neighbours returned per query image.
    metric : str, default="cosine"
        As :class:`~sklearn.neighbors.NearestNeighbors` takes it.

    Returns
    -------
    distances : ndarray of shape (n_queries, n_neighbors)
    indices : ndarray of shape (n_queries, n_neighbors)
        Rows of ``X_pool``, nearest first.

    Examples
    --------
    >>> import fashionzoo
    >>> from fashionzoo.datasets import load_sample
    >>> from fashionzoo.evaluation import nearest_images
    >>> X, y = load_sample(return_X_y=True)
    >>> est = fashionzoo.create_estimator("lenet5", pretrained=True)
    >>> _, idx = nearest_images(est, X[:3], X, n_neighbors=2)
    >>> idx[:, 0].tolist()  # each image is nearest to itself
    [0, 1, 2]
    """
    from sklearn.neighbors import NearestNeighbors

    if not hasattr(estimator, "embed"):
        msg = (
            f"{type(estimator).__name__} has no embed method; pass a fitted "
            "fashionzoo network estimator."
        )
        raise TypeError(msg)
    pool = estimator.embed(X_pool)
    if n_neighbors > pool.shape[0]:
        msg = f"n_neighbors={n_neighbors} is more than the {pool.shape[0]} pool images."
        raise ValueError(msg)
    search = NearestNeighbors(n_neighbors=n_neighbors, metric=metric).fit(pool)
    distances, indices = search.kneighbors(estimator.embed(X_query))
    return distances, indices.astype(np.int64)
