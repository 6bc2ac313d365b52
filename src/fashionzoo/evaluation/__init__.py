"""Scoring estimators: :func:`evaluate`, :func:`cross_validate`, :func:`compare`, reports.

Importing this package is cheap: scikit-learn and Matplotlib are imported
inside the functions that need them.
"""

from fashionzoo.datasets import class_names  # where it lives since 0.2
from fashionzoo.evaluation._compare import ComparisonResult, ModelRun, compare
from fashionzoo.evaluation._cross_validation import (
    CrossValidationResult,
    FoldResult,
    cross_validate,
    fit_and_evaluate,
)
from fashionzoo.evaluation._evaluate import EvaluationResult, evaluate
from fashionzoo.evaluation._report import (
    figure_to_png,
    render_html_report,
    write_html_report,
)
from fashionzoo.evaluation._robustness import RobustnessResult, evaluate_robustness

__all__ = [
    "ComparisonResult",
    "CrossValidationResult",
    "EvaluationResult",
    "FoldResult",
    "ModelRun",
    "RobustnessResult",
    "class_names",
    "compare",
    "cross_validate",
    "evaluate",
    "evaluate_robustness",
    "figure_to_png",
    "fit_and_evaluate",
    "render_html_report",
    "write_html_report",
]
