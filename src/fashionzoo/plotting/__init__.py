"""Plots of the data, of training and of results, one function each.

Every function takes ``ax=`` (draw on your own Axes) and returns the Axes it
drew on, or the Figure for multi-panel plots (the confusion matrix returns
scikit-learn's ``ConfusionMatrixDisplay``). Importing this package loads
neither Matplotlib nor Keras: each function imports what it needs.

Data
    :func:`plot_samples`, :func:`plot_class_balance`,
    :func:`plot_pixel_correlation`, :func:`plot_tsne`
Training
    :func:`plot_learning_curves`, :func:`plot_cv_scores`,
    :func:`plot_grid_search`
Results
    :func:`plot_confusion_matrix`, :func:`plot_per_class_metrics`,
    :func:`plot_confident_errors`, :func:`plot_feature_maps` (with
    :func:`feature_maps` and :func:`conv_layers`)
Robustness
    :func:`plot_corruptions`, :func:`plot_robustness` (these two return
    Displays with ``ax_`` and ``figure_``)
Where a network looks
    :func:`plot_gradcam` (:class:`GradCAMDisplay`), with :func:`gradcam` and
    :func:`saliency_map`
"""

from fashionzoo.plotting._calibration import ReliabilityDisplay, plot_reliability
from fashionzoo.plotting._data import (
    plot_class_balance,
    plot_pixel_correlation,
    plot_samples,
    plot_tsne,
)
from fashionzoo.plotting._results import (
    conv_layers,
    feature_maps,
    plot_confident_errors,
    plot_confusion_matrix,
    plot_feature_maps,
    plot_per_class_metrics,
)
from fashionzoo.plotting._robustness import (
    CorruptionsDisplay,
    RobustnessDisplay,
    plot_corruptions,
    plot_robustness,
)
from fashionzoo.plotting._saliency import (
    GradCAMDisplay,
    gradcam,
    plot_gradcam,
    saliency_map,
)
from fashionzoo.plotting._suspects import plot_suspects
from fashionzoo.plotting._training import (
    plot_cv_scores,
    plot_grid_search,
    plot_learning_curves,
)

__all__ = [
    "CorruptionsDisplay",
    "GradCAMDisplay",
    "ReliabilityDisplay",
    "RobustnessDisplay",
    "conv_layers",
    "feature_maps",
    "gradcam",
    "plot_class_balance",
    "plot_confident_errors",
    "plot_confusion_matrix",
    "plot_corruptions",
    "plot_cv_scores",
    "plot_feature_maps",
    "plot_gradcam",
    "plot_grid_search",
    "plot_learning_curves",
    "plot_per_class_metrics",
    "plot_pixel_correlation",
    "plot_reliability",
    "plot_robustness",
    "plot_samples",
    "plot_suspects",
    "plot_tsne",
    "saliency_map",
]
