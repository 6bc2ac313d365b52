"""An estimator's fitted state at the start of a fit, to go back to when it fails."""

from __future__ import annotations

import copy
from typing import Any

from fashionzoo._config import strategy_scope
from fashionzoo.estimators._loop import assign_values, variable_values
from fashionzoo.estimators._training import make_loss

__all__ = ["FittedState"]


class FittedState:
    """An estimator's fitted state at the start of a fit, to go back to.

    The attributes (learned ``*_`` ones and private ones), and for a fitted
    estimator the values of its model's weights and optimizer variables and
    the optimizer itself (``fit`` compiles a new one). Restoring gives the
    estimator exactly as it was: unfitted if it was.
    """

    def __init__(self, estimator: Any) -> None:
        params = set(estimator.get_params(deep=False))
        self.attributes = {
            k: v if k == "model_" else copy.deepcopy(v)
            for k, v in vars(estimator).items()
            if k not in params
        }
        model = self.attributes.get("model_")
        self.values: list[Any] = []
        self.optimizer = None
        if model is not None:
            self.optimizer = getattr(model, "optimizer", None)
            variables = list(model.weights)
            if self.optimizer is not None:
                variables += list(self.optimizer.variables)
            self.values = variable_values(variables)

    def restore(self, estimator: Any) -> None:
        params = set(estimator.get_params(deep=False))
        for key in [k for k in vars(estimator) if k not in params]:
            if key not in self.attributes:
                delattr(estimator, key)
        estimator.__dict__.update(self.attributes)
        model = self.attributes.get("model_")
        if (
            model is not None
            and self.optimizer is not None
            and model.optimizer is not self.optimizer
        ):
            with strategy_scope():
                model.compile(
                    optimizer=self.optimizer,
                    loss=make_loss(estimator.label_smoothing),
                    metrics=["accuracy"],
                )
        assign_values(self.values)
