"""scikit-learn's own estimator checks, on every zoo estimator.

Expected failures come from one table, ``fashionzoo.testing.expected_failed_checks``;
``xfail_strict`` makes a check that starts passing fail until it leaves the table.
Checks whose outcome depends on the CPU are skipped with the reason written
in ``fashionzoo.testing.PLATFORM_DEPENDENT_CHECKS``.

All zoo estimators share ZooClassifier's fit/predict code and differ only in
the network, so the default run checks LeNet5Classifier (about 60 checks of
a few Keras fits each) and the ``slow`` run checks every other network too.
"""

import pytest
from sklearn.utils import estimator_checks

from fashionzoo import estimators
from fashionzoo.testing import (
    expected_failed_checks,
    fast_instance,
    skip_platform_dependent,
)

ZOO_CLASSES = [
    getattr(estimators, name)
    for name in estimators.__all__
    if name.endswith("Classifier") and name != "ZooClassifier"
]


def parametrize_with_checks(estimators, **kwargs):
    """sklearn's ``parametrize_with_checks`` with its cases in a list.

    scikit-learn < 1.8 (the last releases for Python 3.10) passes pytest a
    generator, which pytest >= 9.1 deprecates (an error under our warning
    filters); the list makes the marker the same on every version.
    """
    marker = estimator_checks.parametrize_with_checks(estimators, **kwargs)
    names, cases = marker.args
    return pytest.mark.parametrize(names, list(cases), **marker.kwargs)


DEFAULT = [fast_instance(estimators.LeNet5Classifier)]
OTHERS = [
    fast_instance(cls) for cls in ZOO_CLASSES if cls is not estimators.LeNet5Classifier
]


# scikit-learn's checks fit rows of 2 to 20 features: not images, so the
# estimators warn that they zero-pad them into square ones.
not_square = pytest.mark.filterwarnings(
    "ignore::fashionzoo.exceptions.NotSquareWarning"
)


@not_square
@parametrize_with_checks(DEFAULT, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    skip_platform_dependent(check)
    check(estimator)


@pytest.mark.slow
@not_square
@parametrize_with_checks(OTHERS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_other_networks(estimator, check):
    skip_platform_dependent(check)
    check(estimator)


def _every_estimator():
    from fashionzoo.transfer import TransferClassifier

    class Tuned(estimators.LeNet5Classifier):
        """A user's subclass: it inherits the constraints of its parent."""

    yield from (fast_instance(cls) for cls in ZOO_CLASSES)
    yield TransferClassifier("mobilenet_v2", weights=None, epochs=1)
    yield Tuned(epochs=1)


@not_square
@pytest.mark.parametrize(
    "estimator", list(_every_estimator()), ids=lambda e: type(e).__name__
)
def test_parameter_constraints_match_the_parameters(estimator):
    # scikit-learn's own check: every parameter has a constraint and every
    # constraint a parameter, and each invalid value is refused in fit.
    assert set(estimator._parameter_constraints) == set(estimator.get_params())
    estimator_checks.check_param_validation(type(estimator).__name__, estimator)
