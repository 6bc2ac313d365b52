"""The training parameters every estimator takes, and each network's defaults.

Pure Python, so the catalogue (:func:`fashionzoo.get_model_info`,
``fashionzoo models``) describes a network without importing scikit-learn or
Keras.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TRAINING_DEFAULTS", "estimator_defaults"]

#: Training parameters every estimator takes, with their defaults.
TRAINING_DEFAULTS: dict[str, Any] = {
    "epochs": 10,
    "batch_size": 128,
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "lr_schedule": None,
    "weight_decay": 0.0,
    "label_smoothing": 0.0,
    "augment": None,
    "tta": False,
    "early_stopping": False,
    "validation_fraction": 0.1,
    "n_iter_no_change": 5,
    "class_weight": None,
    "warm_start": False,
    "pretrained": False,
    "callbacks": None,
    "random_state": None,
    "verbose": 0,
}


def estimator_defaults(model_name: str) -> dict[str, Any]:
    """Parameters and defaults of the estimator of a registered network."""
    from fashionzoo.models import get_model_spec

    spec = get_model_spec(model_name)
    unknown = set(spec.recipe) - set(TRAINING_DEFAULTS)
    if unknown:
        msg = (
            f"The recipe of model {spec.name!r} has unknown key(s) {sorted(unknown)}; "
            f"use training parameters among {sorted(TRAINING_DEFAULTS)}."
        )
        raise ValueError(msg)
    return {**spec.hyperparameters, **TRAINING_DEFAULTS, **spec.recipe}
