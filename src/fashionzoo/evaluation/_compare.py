"""compare(): several estimators cross-validated, fitted and scored, with a report."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path
from typing import Any

from numpy.typing import ArrayLike

from fashionzoo.evaluation._cross_validation import (
    CrossValidationResult,
    FoldResult,
    cross_validate,
    fit_and_evaluate,
)
from fashionzoo.evaluation._evaluate import EvaluationResult, _jsonable

__all__ = ["ComparisonResult", "ModelRun", "compare"]


@dataclass
class ModelRun:
    """One estimator of :func:`compare`.

    Attributes
    ----------
    estimator : classifier
        Fitted on the whole training set.
    cv : CrossValidationResult
        Its folds.
    evaluation : EvaluationResult
        On the test set, with ``fit_seconds``.
    """

    estimator: Any
    cv: CrossValidationResult
    evaluation: EvaluationResult

    def summary(self, name: str) -> dict[str, Any]:
        """One row of the comparison table.

        Parameters
        ----------
        name : str
            The model's name in the comparison.

        Returns
        -------
        dict
            Model, estimator, parameters, epochs, accuracies and timings.
        """
        row: dict[str, Any] = {
            "model": name,
            "estimator": type(self.estimator).__name__,
        }
        model = getattr(self.estimator, "model_", None)
        if model is not None:
            row["parameters"] = int(model.count_params())
        n_iter = getattr(self.estimator, "n_iter_", None)
        if isinstance(n_iter, Integral):  # epochs; LogisticRegression's is an array
            row["epochs"] = int(n_iter)
        row.update(
            {
                "CV accuracy (mean)": self.cv.mean,
                "CV std": self.cv.std,
                "test accuracy": self.evaluation.accuracy,
                "test log loss": self.evaluation.log_loss,
                "test ECE": self.evaluation.ece,
                "fit time (s)": round(self.evaluation.fit_seconds or 0.0, 1),
                "predict (images/s)": round(self.evaluation.images_per_second),
            }
        )
        return row


@dataclass
class ComparisonResult:
    """What :func:`compare` found; best model by mean cross-validation accuracy.

    Attributes
    ----------
    runs : dict of str to ModelRun
        Per model name, in the order given.
    settings : dict
        Folds, seed and data sizes.
    X_test : array-like
        The test images (for the confident-errors figure).
    """

    runs: dict[str, ModelRun]
    settings: dict[str, Any]
    X_test: Any = field(repr=False, default=None)

    @property
    def best(self) -> str:
        """The model with the highest mean cross-validation accuracy."""
        return max(self.runs, key=lambda name: self.runs[name].cv.mean)

    def summary(self) -> list[dict[str, Any]]:
        """One row per model: parameters, CV accuracy, test accuracy, timings.

        Returns
        -------
        list of dict
            :meth:`ModelRun.summary` of each model, in the order compared.
        """
        return [run.summary(name) for name, run in self.runs.items()]

    def to_dict(self) -> dict[str, Any]:
        """Settings, summary and per-model details as plain Python types.

        Returns
        -------
        dict
        """
        return _jsonable(
            {
                "settings": {
                    **self.settings,
                    "models": list(self.runs),
                    "best_model": self.best,
                    "best_by": "mean cross-validation accuracy",
                },
                "summary": self.summary(),
                "models": {
                    name: {
                        "cv_scores": run.cv.scores.tolist(),
                        "cv_fit_times": run.cv.fit_times.tolist(),
                        "fit_time": run.evaluation.fit_seconds,
                        "history": getattr(run.estimator, "history_", None),
                        "evaluation": run.evaluation.to_dict(),
                    }
                    for name, run in self.runs.items()
                },
            }
        )

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON.

        Parameters
        ----------
        **kwargs
            Passed to :func:`json.dumps` (``indent=2`` by default).

        Returns
        -------
        str
        """
        return json.dumps(self.to_dict(), **{"indent": 2, "default": str, **kwargs})

    def figures(self) -> dict[str, Any]:
        """The report's Matplotlib figures, by title.

        Cross-validation scores per model and learning curves of the final
        fits; for the best model: confusion matrices (counts and
        normalised), per-class metrics and the most confident errors.

        Returns
        -------
        dict of str to matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        from fashionzoo import plotting

        best = self.best
        result = self.runs[best].evaluation
        figures: dict[str, Any] = {}
        ax = plotting.plot_cv_scores(
            {name: run.cv.scores for name, run in self.runs.items()}
        )
        figures["Cross-validation accuracy per fold"] = ax.figure
        with_history = {
            name: run.estimator
            for name, run in self.runs.items()
            if getattr(run.estimator, "history_", None)
        }
        if with_history:
            figures["Learning curves (final fits)"] = plotting.plot_learning_curves(
                with_history
            )
        fig, (left, right) = plt.subplots(1, 2, figsize=(16, 6.6), layout="constrained")
        plotting.plot_confusion_matrix(result.y_true, result.y_pred, ax=left)
        plotting.plot_confusion_matrix(
            result.y_true, result.y_pred, normalize="true", ax=right
        )
        fig.suptitle(f"{best} on the test set")
        figures[f"Confusion matrix of {best}"] = fig
        ax = plotting.plot_per_class_metrics(
            result.y_true, result.y_pred, metrics=("precision", "recall", "f1")
        )
        figures[f"Per-class metrics of {best}"] = ax.figure
        if result.y_proba is not None and self.X_test is not None:
            figures[f"Most confident errors of {best}"] = (
                plotting.plot_confident_errors(
                    self.X_test,
                    result.y_true,
                    result.y_proba,
                    classes=self.runs[best].estimator.classes_,
                )
            )
        return figures

    def save(
        self, folder: str | os.PathLike[str], *, meta: Mapping[str, Any] | None = None
    ) -> dict[str, Path]:
        """Write ``report.html`` (figures embedded), ``results.json`` and the PNGs.

        Parameters
        ----------
        folder : str or path-like
            Created if missing.
        meta : mapping, default=None
            Extra lines for the report's header (the command that ran...).

        Returns
        -------
        dict of str to Path
            ``"report"``, ``"results"`` and one entry per PNG file.
        """
        import matplotlib.pyplot as plt

        from fashionzoo._version import __version__
        from fashionzoo.evaluation._report import figure_to_png, write_html_report

        out = Path(folder).expanduser()
        out.mkdir(parents=True, exist_ok=True)
        written: dict[str, Path] = {}
        pngs: dict[str, bytes] = {}
        for title, figure in self.figures().items():
            png = figure_to_png(figure)
            plt.close(figure)
            stem = _FILE_NAMES.get(title.split(" of ")[0], "figure")
            path = out / f"{stem}.png"
            path.write_bytes(png)
            pngs[title] = png
            written[stem] = path
        results = out / "results.json"
        results.write_text(self.to_json(), "utf-8")
        written["results"] = results
        settings = self.settings
        best = self.best
        written["report"] = write_html_report(
            out / "report.html",
            title=f"fashionzoo compare: {', '.join(self.runs)}",
            meta={
                **(meta or {}),
                "data": f"{settings['training_images']:,} training images "
                f"({settings['folds']}-fold stratified CV), "
                f"{settings['test_images']:,} test images",
                "best model": f"{best} (highest mean cross-validation accuracy)",
                "seed": settings["random_state"],
                "fashionzoo": __version__,
            },
            summary=self.summary(),
            highlight=list(self.runs).index(best),
            figures=pngs,
            texts={
                f"Classification report of {name} (test set)": run.evaluation.report_text
                for name, run in self.runs.items()
            },
        )
        return written


_FILE_NAMES = {
    "Cross-validation accuracy per fold": "cv_scores",
    "Learning curves (final fits)": "learning_curves",
    "Confusion matrix": "confusion_matrix",
    "Per-class metrics": "per_class_metrics",
    "Most confident errors": "confident_errors",
}


def compare(
    estimators: Mapping[str, Any],
    X: ArrayLike,
    y: ArrayLike,
    X_test: ArrayLike,
    y_test: ArrayLike,
    *,
    folds: int = 5,
    random_state: int | None = 0,
    n_jobs: int | None = 1,
    on_fold_start: Callable[[str, int, int, int], None] | None = None,
    on_fold_end: Callable[[str, FoldResult], None] | None = None,
    on_model_end: Callable[[str, ModelRun], None] | None = None,
) -> ComparisonResult:
    """Cross-validate, fit and score several estimators on the same data.

    For each estimator in turn: stratified ``folds``-fold cross-validation on
    ``X, y`` (:func:`cross_validate`), a fit on all of ``X, y``, and an
    evaluation on ``X_test, y_test`` (:func:`fit_and_evaluate`).

    Parameters
    ----------
    estimators : mapping of str to classifier
        Names and estimators (the estimators are fitted in place).
    X, y : array-like
        Training images and labels.
    X_test, y_test : array-like
        Test images and labels.
    folds : int, default=5
        Number of stratified cross-validation folds.
    random_state : int or None, default=0
        Seed of the folds.
    n_jobs : int or None, default=1
        Folds fitted in parallel processes.
    on_fold_start, on_fold_end : callable, default=None
        As in :func:`cross_validate`, with the model's name first.
    on_model_end : callable, default=None
        ``on_model_end(name, ModelRun)`` after each model's test score.

    Returns
    -------
    result : ComparisonResult
        ``result.save(folder)`` writes the HTML report, the JSON and the PNGs.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from fashionzoo.datasets import load_sample
    >>> from fashionzoo.evaluation import compare
    >>> X, y = load_sample(return_X_y=True)
    >>> X = X.reshape(len(X), -1) / 255
    >>> result = compare(
    ...     {"knn": KNeighborsClassifier(), "prior": DummyClassifier()},
    ...     X[:800], y[:800], X[800:], y[800:], folds=3,
    ... )
    >>> result.best, len(result.summary())
    ('knn', 2)
    """
    if not estimators:
        msg = "compare needs at least one estimator."
        raise ValueError(msg)
    runs: dict[str, ModelRun] = {}
    for name, estimator in estimators.items():
        cv = cross_validate(
            estimator,
            X,
            y,
            folds=folds,
            random_state=random_state,
            n_jobs=n_jobs,
            on_fold_start=None
            if on_fold_start is None
            else functools.partial(on_fold_start, name),
            on_fold_end=None
            if on_fold_end is None
            else functools.partial(on_fold_end, name),
        )
        run = ModelRun(estimator, cv, fit_and_evaluate(estimator, X, y, X_test, y_test))
        runs[name] = run
        if on_model_end is not None:
            on_model_end(name, run)
    settings = {
        "folds": folds,
        "random_state": random_state,
        "training_images": len(y),  # type: ignore[arg-type]
        "test_images": len(y_test),  # type: ignore[arg-type]
    }
    return ComparisonResult(runs, settings, X_test)
