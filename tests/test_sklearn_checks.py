"""scikit-learn's own estimator checks, on every zoo estimator.

Expected failures come from one table, ``fashionzoo.testing.expected_failed_checks``;
``xfail_strict`` makes a check that starts passing fail until it leaves the table.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from fashionzoo import estimators
from fashionzoo.testing import expected_failed_checks, fast_instance

ZOO_CLASSES = [getattr(estimators, name) for name in estimators.__all__ if name.endswith("Classifier")]
ESTIMATORS = [fast_instance(cls) for cls in ZOO_CLASSES]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
