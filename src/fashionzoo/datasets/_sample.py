"""A small stratified sample of the training set, shipped with the package."""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fashionzoo.datasets import _registry
from fashionzoo.datasets._base import load_descr, make_result

SAMPLE_FILE = "fashion_mnist_sample.npz"
SAMPLE_SEED = 0
SAMPLE_PER_CLASS = 100

_SAMPLE_DESCR = f"""\
Fashion-MNIST sample
--------------------

A stratified sample of the Fashion-MNIST training set shipped with
fashionzoo: {SAMPLE_PER_CLASS} images per class, 1000 in all, drawn without
replacement with ``numpy.random.default_rng({SAMPLE_SEED})`` and kept in
training-set order. It needs no download and suits examples, doctests and
quick tests; use ``fetch_fashion_mnist`` for real work.

"""


def select_sample(
    target: ArrayLike, *, per_class: int = SAMPLE_PER_CLASS, seed: int = SAMPLE_SEED
) -> NDArray[np.intp]:
    """Return the sorted row indices of a stratified sample of ``target``.

    ``per_class`` rows of each class 0..9 are drawn without replacement with
    ``np.random.default_rng(seed)``, class by class. The shipped sample is
    ``select_sample(fetch_fashion_mnist("train").target)``.
    """
    target = np.asarray(target)
    rng = np.random.default_rng(seed)
    chosen = [
        rng.choice(np.flatnonzero(target == k), per_class, replace=False)
        for k in range(len(_registry.FASHION_MNIST_CLASSES))
    ]
    return np.sort(np.concatenate(chosen))


def load_sample(return_X_y: bool = False) -> Any:
    """Load 1000 Fashion-MNIST training images shipped with the package.

    A stratified sample of the training set, 100 images per class, chosen
    once with a fixed seed and stored in the package (0.44 MB), so it
    works offline with no data installed.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : ndarray of shape (1000, 784), dtype uint8
            One flattened image per row.
        images : ndarray of shape (1000, 28, 28), dtype uint8
            The same images, a view of ``data``.
        target : ndarray of shape (1000,), dtype int64
            Class ids 0-9, 100 of each.
        target_names : ndarray of shape (10,), dtype str
            Class names in id order.
        DESCR : str
            Description of the sample and of the dataset.

    (data, target) : tuple if ``return_X_y`` is True
        The two arrays described above.

    See Also
    --------
    fetch_fashion_mnist : The full dataset.

    Examples
    --------
    >>> import numpy as np
    >>> from fashionzoo.datasets import load_sample
    >>> sample = load_sample()
    >>> sample.data.shape, sample.images.shape
    ((1000, 784), (1000, 28, 28))
    >>> np.bincount(sample.target)
    array([100, 100, 100, 100, 100, 100, 100, 100, 100, 100])
    >>> sample.target_names[sample.target[:3]].tolist()
    ['Ankle boot', 'Bag', 'T-shirt/top']
    """
    resource = resources.files("fashionzoo.datasets") / "data" / SAMPLE_FILE
    with resources.as_file(resource) as path, np.load(path) as npz:
        data = np.ascontiguousarray(npz["data"], dtype=np.uint8)
        target = npz["target"].astype(np.int64)
    return make_result(
        data, target, return_X_y=return_X_y, descr=_SAMPLE_DESCR + load_descr()
    )
