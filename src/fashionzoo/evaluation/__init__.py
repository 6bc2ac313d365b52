"""Scoring estimators: :func:`evaluate`, :func:`cross_validate`, :func:`compare`, reports.

Importing this package is cheap: scikit-learn and Matplotlib are imported
inside the functions that need them.
"""

from fashionzoo.datasets import class_names  # where it lives since 0.2
from fashionzoo.evaluation._calibration import (
    ReliabilityBins,
    brier_score,
    expected_calibration_error,
    log_loss,
    reliability_bins,
)
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
from fashionzoo.evaluation._similar import nearest_images
from fashionzoo.evaluation._suspects import (
    SuspectLabels,
    find_label_issues,
    find_suspect_labels,
)

__all__ = [
    "ComparisonResult",
    "CrossValidationResult",
    "EvaluationResult",
    "FoldResult",
    "ModelRun",
    "ReliabilityBins",
    "RobustnessResult",
    "SuspectLabels",
    "brier_score",
    "class_names",
    "compare",
    "cross_validate",
    "evaluate",
    "evaluate_robustness",
    "expected_calibration_error",
    "figure_to_png",
    "find_label_issues",
    "find_suspect_labels",
    "fit_and_evaluate",
    "log_loss",
    "nearest_images",
    "reliability_bins",
    "render_html_report",
    "write_html_report",
]
