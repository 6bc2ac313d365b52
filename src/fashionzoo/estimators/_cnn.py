"""The zoo's from-scratch networks as scikit-learn classifiers.

Each class names a registered network; its ``__init__`` (the network's
hyperparameters, then the training parameters with the recipe's defaults)
and its docstring are generated from the registry.
"""

from __future__ import annotations

from fashionzoo.estimators._base import ZooClassifier

__all__ = ["LeNet5Classifier"]


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
