"""Write each estimator's ``__init__`` from its registered network.

A zoo estimator's parameters are its network's hyperparameters (from the
builder's signature) followed by the training parameters, with the defaults of
the network's recipe. Like :mod:`dataclasses`, the ``__init__`` is generated
as real source, so ``inspect.signature``, ``get_params`` and ``clone`` see
ordinary keyword-only parameters, and ``__init__`` only stores them.
"""

from __future__ import annotations

import re
import textwrap
from numbers import Integral, Real
from typing import Any

from sklearn.utils._param_validation import Interval

__all__ = ["estimator_docstring", "hyperparameter_constraints", "make_init"]


def make_init(params: dict[str, Any], qualname: str) -> Any:
    """An ``__init__(self, *, **params)`` that stores each parameter unchanged."""
    names = list(params)
    args = ", ".join(f"{n}=_defaults[{n!r}]" for n in names)
    body = "\n".join(f"    self.{n} = {n}" for n in names) or "    pass"
    source = f"def __init__(self, *, {args}):\n{body}\n"
    namespace: dict[str, Any] = {"_defaults": dict(params)}
    exec(source, namespace)  # noqa: S102  (the dataclasses technique)
    init = namespace["__init__"]
    init.__qualname__ = f"{qualname}.__init__"
    return init


def hyperparameter_constraints(defaults: dict[str, Any]) -> dict[str, list[Any]]:
    """sklearn parameter constraints inferred from each default's type.

    Integers must be >= 1 (>= 0 for ``dense_units*`` layers, where 0 means
    "absent", or when the default is 0); dropout rates and momenta lie in
    [0, 1); other floats are >= 0. Builders check the finer rules themselves.
    """
    constraints: dict[str, list[Any]] = {}
    for name, default in defaults.items():
        if isinstance(default, bool):
            constraints[name] = ["boolean"]
        elif isinstance(default, Integral):
            low = 0 if default == 0 or name.startswith("dense_units") else 1
            constraints[name] = [Interval(Integral, low, None, closed="left")]
        elif isinstance(default, Real):
            if "dropout" in name or "momentum" in name or name.endswith("rate"):
                constraints[name] = [Interval(Real, 0, 1, closed="left")]
            else:
                constraints[name] = [Interval(Real, 0, None, closed="left")]
        elif isinstance(default, str):
            constraints[name] = [str]
        else:
            constraints[name] = ["no_validation"]
    return constraints


def _builder_param_docs(builder: Any, names: list[str]) -> str:
    """The numpydoc entries of ``names`` from the builder's docstring."""
    doc = textwrap.dedent((builder.__doc__ or "").split("\n", 1)[-1])
    match = re.search(r"Parameters\n-+\n(.*?)(?:\n\S[^\n]*\n-+\n|\Z)", doc, re.DOTALL)
    section = match.group(1) if match else ""
    entries = re.split(r"\n(?=\S)", section.strip())
    kept = []
    for entry in entries:
        head = entry.split(":", 1)[0]
        if any(n.strip() in names for n in head.split(",")):
            kept.append(entry)
    return "\n".join(kept)


_TRAINING_DOC = """\
epochs : int, default={epochs}
    Passes over the training data.
batch_size : int, default={batch_size}
    Images per gradient step (and per predict batch).
optimizer : {{"adam", "adamw", "sgd", "nadam", "rmsprop"}}, default={optimizer!r}
    Keras optimizer; SGD uses Nesterov momentum 0.9.
learning_rate : float, default={learning_rate}
    Peak learning rate.
lr_schedule : {{None, "constant", "cosine", "onecycle", "plateau"}}, default={lr_schedule!r}
    Learning-rate schedule over all training steps; ``"plateau"`` halves the
    rate when the loss has not improved for two epochs.
weight_decay : float, default={weight_decay}
    Decoupled weight decay.
label_smoothing : float, default={label_smoothing}
    Label smoothing of the cross-entropy loss.
augment : {{None, "light", "standard"}} or dict, default={augment!r}
    Training-time augmentation inside the model: a preset, or a dict of
    strengths for ``flip``, ``shift``, ``zoom`` and ``erasing``.
tta : bool, default={tta}
    Average predictions over each image and its mirror image.
early_stopping : bool, default={early_stopping}
    Hold out ``validation_fraction`` of the data (stratified, seeded), stop
    when the validation loss has not improved for ``n_iter_no_change``
    epochs, and restore the best weights.
validation_fraction : float, default={validation_fraction}
    Share of the training data held out for early stopping.
n_iter_no_change : int, default={n_iter_no_change}
    Patience of early stopping, in epochs.
class_weight : dict, "balanced" or None, default={class_weight!r}
    Weights per class, multiplied into ``sample_weight``.
warm_start : bool, default={warm_start}
    Continue training the fitted model on the next ``fit``.
random_state : int, RandomState instance or None, default={random_state!r}
    Seeds weights, dropout, augmentation and shuffling. An int gives the
    same predictions on every CPU run.
verbose : int, default={verbose}
    0 is silent, 1 prints a line per epoch (loss, metrics, learning rate,
    time), 2 adds Keras's progress bars while fitting and predicting."""


def estimator_docstring(summary: str, spec: Any, defaults: dict[str, Any]) -> str:
    """A numpydoc class docstring: summary, network notes and all parameters."""
    model_doc = _builder_param_docs(spec.builder, list(spec.hyperparameters))
    training_doc = _TRAINING_DOC.format(**defaults)
    source = f"Reference study: ``{spec.source}``" if spec.source else ""
    reported = (
        f" (reported test accuracy {spec.reported_accuracy:.4f})."
        if spec.reported_accuracy
        else ""
    )
    return (
        f"{summary}\n\n"
        f"{spec.description}. {source}{reported}\n"
        f"{spec.notes}\n\n"
        f"Parameters\n----------\n{model_doc}\n{training_doc}\n\n"
        "Attributes\n----------\n"
        "model_ : keras.Model\n    The trained model: pixels in, probabilities out.\n"
        "classes_ : ndarray of shape (n_classes,)\n    Class labels, sorted.\n"
        "n_features_in_ : int\n    Pixels per image seen at fit.\n"
        "history_ : dict of list\n    Per-epoch loss, accuracy, learning rate and time.\n"
        "n_iter_ : int\n    Epochs trained.\n\n"
        "See Also\n--------\n"
        "fashionzoo.create_estimator : Any zoo network by name.\n"
    )
