"""The scikit-learn layer: :class:`ZooClassifier` and one class per network."""

from fashionzoo.estimators._base import TRAINING_DEFAULTS, ZooClassifier
from fashionzoo.estimators._cnn import (
    CNN004Classifier,
    CNNBN4Classifier,
    CNNDropoutClassifier,
    FastResNetClassifier,
    LeNet5Classifier,
    ResNetClassifier,
)

__all__ = [
    "TRAINING_DEFAULTS",
    "CNN004Classifier",
    "CNNBN4Classifier",
    "CNNDropoutClassifier",
    "FastResNetClassifier",
    "LeNet5Classifier",
    "ResNetClassifier",
    "ZooClassifier",
]
