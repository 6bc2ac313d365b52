"""scikit-learn's own estimator checks, on every zoo estimator."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from fashionzoo.estimators import LeNet5Classifier
from fashionzoo.testing import expected_failed_checks, fast_instance

ESTIMATORS = [fast_instance(LeNet5Classifier)]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
