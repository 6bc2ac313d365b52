"""The zoo's from-scratch networks as scikit-learn classifiers.

Each class names a registered network; its ``__init__`` (the network's
hyperparameters, then the training parameters with the recipe's defaults)
and its docstring are generated from the registry.
"""

from __future__ import annotations

from fashionzoo.estimators._base import ZooClassifier

__all__ = [
    "CNN004Classifier",
    "CNNBN4Classifier",
    "CNNDropoutClassifier",
    "FastResNetClassifier",
    "LeNet5Classifier",
    "ResNetClassifier",
]


class LeNet5Classifier(ZooClassifier):
    """LeNet-5 (study 001) as a scikit-learn classifier.

    Examples
    --------
    >>> from sklearn.model_selection import cross_val_score
    >>> from fashionzoo import LeNet5Classifier
    >>> from fashionzoo.datasets import load_sample
    >>> X, y = load_sample(return_X_y=True)
    >>> cross_val_score(LeNet5Classifier(epochs=2), X, y, cv=5)  # doctest: +SKIP
    """

    _model_name = "lenet5"


class CNNDropoutClassifier(ZooClassifier):
    """The dropout CNN of study 002 as a scikit-learn classifier."""

    _model_name = "cnn_dropout"


class CNNBN4Classifier(ZooClassifier):
    """The 4-block BatchNorm CNN of study 003 as a scikit-learn classifier."""

    _model_name = "cnn_bn4"


class ResNetClassifier(ZooClassifier):
    """The small-image ResNet of study 003 as a scikit-learn classifier."""

    _model_name = "resnet"


class CNN004Classifier(ZooClassifier):
    """The 590,346-parameter CNN of study 004 as a scikit-learn classifier."""

    _model_name = "cnn004"


class FastResNetClassifier(ZooClassifier):
    """The zoo's fast narrow ResNet-9 (``create_estimator("best")``).

    Examples
    --------
    >>> import fashionzoo
    >>> type(fashionzoo.create_estimator("best")).__name__
    'FastResNetClassifier'
    """

    _model_name = "fast_resnet"
