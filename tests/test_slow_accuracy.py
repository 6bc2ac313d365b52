"""Real training on the full data: the accuracy goals (run with ``-m slow``)."""

import pytest

from fashionzoo import create_estimator
from fashionzoo.datasets import fetch_fashion_mnist

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def full_data():
    train = fetch_fashion_mnist("train")
    test = fetch_fashion_mnist("test")
    return train.data, train.target, test.data, test.target


@pytest.mark.parametrize(("name", "goal"), [("lenet5", 0.910)])
def test_default_recipe_reaches_its_goal(full_data, name, goal):
    X, y, X_test, y_test = full_data
    est = create_estimator(name, random_state=0).fit(X, y)
    assert est.score(X_test, y_test) >= goal
