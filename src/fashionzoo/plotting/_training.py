"""Views of training: learning curves, cross-validation scores, grid searches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from fashionzoo.plotting._common import (
    axes_grid,
    grid_title,
    history_of,
    is_history,
    new_axes,
)

__all__ = ["plot_cv_scores", "plot_grid_search", "plot_learning_curves"]

_TITLES = {"loss": "Loss", "accuracy": "Accuracy", "learning_rate": "Learning rate"}


def _runs(source: Any) -> dict[str, tuple[dict[str, list[float]], int | None]]:
    """Name -> (history, best epoch) for one or several estimators/histories."""
    if (
        isinstance(source, Mapping)
        and not is_history(source)
        and not hasattr(source, "history_")
    ):
        return {
            str(name): (history_of(obj), getattr(obj, "best_epoch_", None))
            for name, obj in source.items()
        }
    return {"": (history_of(source), getattr(source, "best_epoch_", None))}


def plot_learning_curves(
    history: Any,
    *,
    metrics: Sequence[str] = ("loss", "accuracy"),
    ax: Any = None,
) -> Any:
    """Training and validation curves per epoch: the overfitting view (study 002).

    One panel per metric; training as solid lines, validation (recorded
    when the estimator was fitted with ``early_stopping=True``) dashed. A
    widening gap between the two is overfitting. A dotted line marks the
    epoch whose weights early stopping restored.

    Parameters
    ----------
    history : estimator, dict, or mapping of str to either
        A fitted estimator (its ``history_``), a history dict
        (``{"loss": [...], "accuracy": [...], ...}``), or several of them by
        name (``{"lenet5": est1, "cnn": est2}``), one colour each.
    metrics : sequence of str, default=("loss", "accuracy")
        Keys of the history to draw, one panel each.
    ax : Axes or sequence of Axes, default=None
        Where to draw: None for a new figure, one Axes (split into panels)
        or one Axes per metric.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure; its panels are ``fig.axes`` (titled after the metrics).

    Examples
    --------
    >>> from fashionzoo.plotting import plot_learning_curves
    >>> history = {"loss": [1.0, 0.6, 0.5], "accuracy": [0.6, 0.8, 0.85],
    ...            "val_loss": [0.8, 0.6, 0.65], "val_accuracy": [0.7, 0.8, 0.79]}
    >>> fig = plot_learning_curves(history)
    >>> [a.get_title() for a in fig.axes]
    ['Loss', 'Accuracy']
    """
    runs = _runs(history)
    missing = [m for m in metrics if not any(m in h for h, _ in runs.values())]
    if missing:
        available = sorted({k for h, _ in runs.values() for k in h})
        msg = f"No history holds {missing}; available keys: {available}."
        raise ValueError(msg)
    fig, axes = axes_grid(ax, 1, len(metrics), (5.2 * len(metrics), 4.0))
    has_validation = False
    for panel, metric in zip(axes.ravel(), metrics, strict=True):
        for k, (name, (hist, best)) in enumerate(runs.items()):
            color = f"C{k % 10}"
            prefix = f"{name} " if name else ""
            train = hist.get(metric)
            if train is not None:
                epochs = np.arange(1, len(train) + 1)
                panel.plot(
                    epochs, train, "-o", color=color, ms=3, label=f"{prefix}training"
                )
            val = hist.get(f"val_{metric}")
            if val is not None:
                has_validation = True
                epochs = np.arange(1, len(val) + 1)
                panel.plot(
                    epochs, val, "--s", color=color, ms=3, label=f"{prefix}validation"
                )
            if best is not None:
                panel.axvline(best, color=color, ls=":", lw=1)
        panel.set_title(_TITLES.get(metric, metric.replace("_", " ").capitalize()))
        panel.set_xlabel("epoch")
        panel.xaxis.get_major_locator().set_params(integer=True)
        panel.grid(alpha=0.3)
        panel.legend(fontsize=8)
    if not has_validation:
        grid_title(
            fig,
            ax,
            "Training curves (no validation data: fit with early_stopping=True to record it)",
        )
    return fig


def _cv_arrays(scores: Any) -> dict[str, np.ndarray]:
    if not isinstance(scores, Mapping) or "test_score" in scores:
        scores = {"": scores}
    out = {}
    for name, value in scores.items():
        if isinstance(value, Mapping):
            value = value["test_score"]  # the dict of cross_validate
        out[str(name)] = np.asarray(value, dtype=float).ravel()
    return out


def plot_cv_scores(
    scores: Mapping[str, Any] | ArrayLike,
    *,
    kind: str = "box",
    metric: str = "accuracy",
    ax: Any = None,
) -> Any:
    """Cross-validation scores per fold and per model, as box or strip plot.

    Parameters
    ----------
    scores : mapping of str to array-like, or array-like
        Model name -> fold scores (from ``cross_val_score``, or the dict of
        ``cross_validate`` whose ``test_score`` is used). One array is one
        unnamed model.
    kind : {"box", "strip"}, default="box"
        ``"box"``: a box per model with the folds as points over it;
        ``"strip"``: the folds as points and the mean as a bar.
    metric : str, default="accuracy"
        Name of the score, for the axis label.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new figure if None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The x tick labels read ``"<model>\\n<mean> ± <std>"``; each model's
        folds are one scatter collection, in order.

    Examples
    --------
    >>> from fashionzoo.plotting import plot_cv_scores
    >>> ax = plot_cv_scores({"lenet5": [0.90, 0.91, 0.89], "mlp": [0.86, 0.88, 0.87]})
    >>> ax.get_xticklabels()[0].get_text()
    'lenet5\\n0.9000 ± 0.0082'
    """
    if kind not in ("box", "strip"):
        msg = f"kind must be 'box' or 'strip'; got kind={kind!r}."
        raise ValueError(msg)
    data = _cv_arrays(scores)
    names = list(data)
    positions = np.arange(1, len(names) + 1)
    ax = new_axes(ax, (max(4.5, 1.6 * len(names) + 2), 4.5))
    if kind == "box":
        ax.boxplot(
            list(data.values()),
            positions=positions,
            widths=0.5,
            showmeans=True,
            meanprops={
                "marker": "D",
                "markerfacecolor": "white",
                "markeredgecolor": "k",
            },
            medianprops={"color": "k"},
            showfliers=False,  # every fold is drawn as a point anyway
        )
    rng = np.random.default_rng(0)
    for k, (pos, values) in enumerate(zip(positions, data.values(), strict=True)):
        jitter = rng.uniform(-0.08, 0.08, values.size)
        ax.scatter(pos + jitter, values, s=22, color=f"C{k % 10}", zorder=3, alpha=0.9)
        if kind == "strip":
            ax.hlines(values.mean(), pos - 0.25, pos + 0.25, color="k", lw=2)
    labels = [
        f"{name}\n{values.mean():.4f} ± {values.std():.4f}"
        if name
        else f"{values.mean():.4f} ± {values.std():.4f}"
        for name, values in data.items()
    ]
    ax.set_xticks(positions, labels)
    ax.set_xlim(0.4, len(names) + 0.6)
    ax.set_ylabel(metric)
    ax.grid(axis="y", alpha=0.3)
    folds = sorted({v.size for v in data.values()})
    fold_text = "/".join(str(f) for f in folds)
    ax.set_title(f"Cross-validation {metric} ({fold_text} folds, mean ± std)")
    return ax


def _param_key(name: str) -> str:
    return name.removeprefix("param_")


def _ordered(values: list[Any]) -> list[Any]:
    unique: list[Any] = []
    for v in values:
        if not any(v is u or (type(v) is type(u) and v == u) for u in unique):
            unique.append(v)
    try:
        return sorted(unique)
    except TypeError:
        return unique


def plot_grid_search(
    search: Any,
    param_x: str,
    param_y: str,
    *,
    score: str = "mean_test_score",
    cmap: str = "viridis",
    ax: Any = None,
) -> Any:
    """Grid-search scores as a heatmap over two parameters (study 001's search).

    Where the grid has more parameters, each cell shows the best score over
    the others; the best cell is outlined.

    Parameters
    ----------
    search : GridSearchCV or dict
        A fitted :class:`~sklearn.model_selection.GridSearchCV` (or any
        search with ``cv_results_``), or its ``cv_results_`` dict.
    param_x, param_y : str
        Parameters on the x and y axes, with or without the ``param_``
        prefix (``"learning_rate"`` or ``"param_learning_rate"``).
    score : str, default="mean_test_score"
        Key of ``cv_results_`` to show (higher is better).
    cmap : str, default="viridis"
        Colour map.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new figure if None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        ``ax.images[0].get_array()`` is the (n_y, n_x) score matrix; tick
        labels are the parameter values in sorted order.

    Examples
    --------
    >>> from fashionzoo.plotting import plot_grid_search
    >>> results = {"params": [{"a": 1, "b": 10}, {"a": 2, "b": 10}],
    ...            "mean_test_score": [0.8, 0.9]}
    >>> ax = plot_grid_search(results, "a", "b")
    >>> ax.images[0].get_array().tolist()
    [[0.8, 0.9]]
    """
    results = getattr(search, "cv_results_", search)
    if not isinstance(results, Mapping) or "params" not in results:
        msg = (
            f"Expected a fitted GridSearchCV or its cv_results_ dict; got "
            f"{type(search).__name__}."
        )
        raise TypeError(msg)
    if score not in results:
        keys = sorted(k for k in results if k.startswith(("mean_", "rank_")))
        msg = f"cv_results_ has no {score!r}; choose among {keys}."
        raise ValueError(msg)
    params = list(results["params"])
    px, py = _param_key(param_x), _param_key(param_y)
    names = sorted({k for p in params for k in p})
    for p in (px, py):
        if p not in names:
            msg = f"The search has no parameter {p!r}; its parameters: {names}."
            raise ValueError(msg)
    xs = _ordered([p.get(px) for p in params])
    ys = _ordered([p.get(py) for p in params])
    scores = np.asarray(results[score], dtype=float)
    grid = np.full((len(ys), len(xs)), np.nan)
    for p, s in zip(params, scores, strict=True):
        if np.isnan(s):
            continue
        i = next(k for k, v in enumerate(ys) if v == p.get(py))
        j = next(k for k, v in enumerate(xs) if v == p.get(px))
        if np.isnan(grid[i, j]) or s > grid[i, j]:
            grid[i, j] = s
    ax = new_axes(ax, (max(4.5, 1.3 * len(xs) + 2.5), max(3.5, 0.8 * len(ys) + 1.8)))
    im = ax.imshow(grid, cmap=cmap, aspect="auto", origin="upper")
    finite = grid[np.isfinite(grid)]
    mid = (finite.min() + finite.max()) / 2 if finite.size else 0
    for i in range(len(ys)):
        for j in range(len(xs)):
            value = grid[i, j]
            text = "—" if np.isnan(value) else f"{value:.3f}"
            color = "white" if np.isnan(value) or value < mid else "black"
            ax.text(j, i, text, ha="center", va="center", color=color, fontsize=9)
    if finite.size:
        bi, bj = np.unravel_index(np.nanargmax(grid), grid.shape)
        from matplotlib.patches import Rectangle

        ax.add_patch(
            Rectangle((bj - 0.5, bi - 0.5), 1, 1, fill=False, edgecolor="red", lw=2.5)
        )
    ax.set_xticks(np.arange(len(xs)), [str(v) for v in xs])
    ax.set_yticks(np.arange(len(ys)), [str(v) for v in ys])
    ax.set_xlabel(px)
    ax.set_ylabel(py)
    ax.figure.colorbar(im, ax=ax, label=score)
    others = [n for n in names if n not in (px, py)]
    title = score.replace("_", " ")
    if others:
        title += f"\n(best over {', '.join(others)})"
    ax.set_title(title)
    return ax
