"""The scikit-learn layer: :class:`ZooClassifier` and one class per network."""

from fashionzoo.estimators._base import TRAINING_DEFAULTS, ZooClassifier
from fashionzoo.estimators._cnn import LeNet5Classifier

__all__ = ["TRAINING_DEFAULTS", "LeNet5Classifier", "ZooClassifier"]
