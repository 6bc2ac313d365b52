"""Scoring fitted estimators: :func:`evaluate` and the HTML report.

Importing this package is cheap: scikit-learn and Matplotlib are imported
inside the functions that need them.
"""

from fashionzoo.evaluation._evaluate import EvaluationResult, class_names, evaluate
from fashionzoo.evaluation._report import (
    figure_to_png,
    render_html_report,
    write_html_report,
)

__all__ = [
    "EvaluationResult",
    "class_names",
    "evaluate",
    "figure_to_png",
    "render_html_report",
    "write_html_report",
]
