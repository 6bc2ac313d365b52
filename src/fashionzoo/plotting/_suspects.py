"""The images whose labels look wrong, with the given and the suggested label."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fashionzoo.datasets._names import class_names
from fashionzoo.plotting._common import IMAGE_CMAP, as_images

__all__ = ["plot_suspects"]


def plot_suspects(
    X: Any, suspects: Any, *, n: int = 40, ncols: int = 10, target_names: Any = None
) -> Any:
    """A grid of the ``n`` most suspect images, each titled given -> suggested.

    Parameters
    ----------
    X : array-like of images
        The images the suspects index (``suspects.index`` are rows of ``X``).
    suspects : SuspectLabels
        From :func:`fashionzoo.evaluation.find_suspect_labels` or
        :func:`~fashionzoo.evaluation.find_label_issues`.
    n : int, default=40
        Images shown at most (fewer if there are fewer suspects).
    ncols : int, default=10
        Images per row of the grid.
    target_names : sequence of str, default=None
        Class names, see :func:`fashionzoo.datasets.class_names`.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One Axes per image, titled with its row, given label (struck through
        in red) and suggested label.
    """
    import matplotlib.pyplot as plt

    images = as_images(X)
    n = min(n, len(suspects))
    if n == 0:
        msg = "no suspect labels to show"
        raise ValueError(msg)
    names = dict(
        zip(
            suspects.classes.tolist(),
            class_names(suspects.classes, target_names),
            strict=True,
        )
    )
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(1.45 * ncols, 1.75 * nrows), layout="constrained"
    )
    for k, ax in enumerate(np.ravel(axes)):
        ax.set_axis_off()
        if k >= n:
            continue
        row = int(suspects.index[k])
        ax.imshow(images[row], cmap=IMAGE_CMAP)
        ax.set_title(
            f"#{row}\n{names[suspects.given[k].item()]}\n"
            f"-> {names[suspects.suggested[k].item()]}",
            fontsize=7,
            color="crimson",
        )
    fig.suptitle(
        "Suspect labels: image, given label -> the label out-of-fold models suggest",
        fontsize=10,
    )
    return fig
