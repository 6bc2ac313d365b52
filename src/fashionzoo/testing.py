"""Test utilities: fast parameters and the expected-failed-checks table.

Public, so that projects extending fashionzoo can run scikit-learn's
``parametrize_with_checks`` on their own estimators the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "FAST_BASELINE_PARAMS",
    "FAST_PARAMS",
    "PLATFORM_DEPENDENT_CHECKS",
    "expected_failed_checks",
    "fast_instance",
    "make_images",
    "skip_platform_dependent",
]

#: Parameters that make each estimator fit in well under a second.
#:
#: Keyed by class name, for tiny data; ``"*"`` applies to every zoo estimator.
FAST_PARAMS: dict[str, dict[str, Any]] = {
    "*": {"epochs": 2, "batch_size": 16, "learning_rate": 0.01, "random_state": 0},
    "LeNet5Classifier": {"units_1": 16, "units_2": 8},
    "CNNDropoutClassifier": {
        "filters_1": 4,
        "filters_2": 4,
        "filters_3": 4,
        "dense_units": 8,
    },
    "CNNBN4Classifier": {"filters": 4, "dense_units_1": 8, "dense_units_2": 0},
    "ResNetClassifier": {"blocks_per_stage": 1, "width": 4},
    "CNN004Classifier": {},
    "FastResNetClassifier": {"width": 4, "augment": None, "tta": False},
}

#: Parameters that make each classic baseline fit 1,000 images in a second or two.
#:
#: Keyed by registry name, for ``create_estimator(name, **params)``; svc gets
#: ``probability=True`` so that it has ``predict_proba``. One thread each: on
#: so little data threads cost more than they save, and OpenMP's barriers
#: stall for long when another process holds the cores. Run them under
#: ``threadpoolctl.threadpool_limits(1)`` too (the BLAS and OpenMP pools of
#: logistic regression and gradient boosting).
FAST_BASELINE_PARAMS: dict[str, dict[str, Any]] = {
    "logistic_regression": {"random_state": 0},
    "random_forest": {"n_estimators": 20, "n_jobs": 1, "random_state": 0},
    "hist_gradient_boosting": {"max_iter": 10, "random_state": 0},
    "svc": {"n_components": 30, "probability": True, "random_state": 0},
    "knn": {"n_components": 20, "n_jobs": 1, "random_state": 0},
    "xgboost": {"n_estimators": 10, "max_depth": 3, "n_jobs": 1, "random_state": 0},
}

# One reason per check that cannot pass, for every zoo estimator.
_EXPECTED_FAILED: dict[str, str] = {
    "check_sample_weight_equivalence_on_dense_data": (
        "Mini-batch training: removing the zero-weight rows changes which "
        "rows share a batch and the number of optimizer steps, so the weights "
        "differ (scikit-learn marks SGDClassifier the same way)."
    ),
    "check_class_weight_classifiers": (
        "Fits blobs with values from -45 to 45 that are not pixels; inputs "
        "outside [0, 255] are rejected by design (the check ignores the "
        "positive_only tag)."
    ),
}

#: Checks whose outcome depends on the CPU rather than on fashionzoo.
#:
#: Neither a pass nor a strict expected failure holds on every machine; the
#: test suites skip them with this reason and test the property themselves
#: with a float32 tolerance (``tests/test_estimator.py``).
PLATFORM_DEPENDENT_CHECKS: dict[str, str] = {
    "check_methods_sample_order_invariance": (
        "Asks for row-order invariance to 1e-9, and float32 BLAS and oneDNN "
        "kernels round a row by its position inside a batch: whether the "
        "last bit of a probability moves depends on the CPU's kernels (it "
        "passes on some machines and fails on others)."
    ),
}


def expected_failed_checks(estimator: Any) -> dict[str, str]:
    """The scikit-learn checks ``estimator`` is known to fail, with the reason.

    Parameters
    ----------
    estimator : ZooClassifier
        A fashionzoo estimator.

    Returns
    -------
    failures : dict of str to str
        ``{check_name: reason}``, for ``parametrize_with_checks``.
    """
    return dict(_EXPECTED_FAILED)


def skip_platform_dependent(check: Any) -> None:
    """``pytest.skip`` a check listed in :data:`PLATFORM_DEPENDENT_CHECKS`.

    Parameters
    ----------
    check : callable
        A check from ``parametrize_with_checks`` (a ``functools.partial``).
    """
    name = getattr(check, "func", check).__name__
    if name in PLATFORM_DEPENDENT_CHECKS:
        import pytest

        pytest.skip(PLATFORM_DEPENDENT_CHECKS[name])


def fast_instance(cls: type, **params: Any) -> Any:
    """An instance of ``cls`` with :data:`FAST_PARAMS`, updated by ``params``.

    Parameters
    ----------
    cls : type
        A zoo estimator class.
    **params
        Parameters that override the fast ones.

    Returns
    -------
    estimator : ZooClassifier
        Unfitted.
    """
    merged = {**FAST_PARAMS["*"], **FAST_PARAMS.get(cls.__name__, {}), **params}
    return cls(**merged)


def make_images(
    n_per_class: int = 10, n_classes: int = 3, *, random_state: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Tiny learnable uint8 images: each class is a bright bar in its own place.

    Parameters
    ----------
    n_per_class : int, default=10
        Images per class.
    n_classes : int, default=3
        Number of classes (labels 0 to ``n_classes - 1``).
    random_state : int, default=0
        Seed of the noise and of the order.

    Returns
    -------
    X : ndarray of shape (n_per_class * n_classes, 28, 28), dtype uint8
    y : ndarray of shape (n_per_class * n_classes,), dtype int64
    """
    rng = np.random.default_rng(random_state)
    n = n_per_class * n_classes
    y = np.repeat(np.arange(n_classes), n_per_class)
    X = rng.integers(0, 60, size=(n, 28, 28), dtype=np.uint8)
    rows = np.linspace(2, 22, n_classes).astype(int)
    for i, label in enumerate(y):
        X[i, rows[label] : rows[label] + 4, 4:24] = 255
    order = rng.permutation(n)
    return X[order], y[order]
