"""Write each estimator's ``__init__`` and docstring from its registered network.

A zoo estimator's parameters are its network's hyperparameters (from the
builder's signature) followed by the training parameters, with the defaults of
the network's recipe.

The zoo's own estimators are source code in ``_cnn.py``, generated once by
``python -m fashionzoo.estimators._generate`` and committed (the way Keras
generates its API files), so type checkers, editors and ``inspect.getsource``
read real signatures; a test fails when the file and the registry drift
apart. Networks a user registers get the same ``__init__`` at runtime from
:func:`make_init` (like :mod:`dataclasses`, real source run with ``exec``).
"""

from __future__ import annotations

import inspect
import re
import textwrap
from numbers import Integral, Real
from typing import Any

from sklearn.utils._param_validation import Interval

from fashionzoo._defaults import estimator_defaults
from fashionzoo.models import get_model_spec

__all__ = [
    "ESTIMATORS",
    "complete_estimator",
    "estimator_docstring",
    "hyperparameter_constraints",
    "make_init",
    "render_module",
]


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


def complete_estimator(cls: type, base_constraints: dict[str, list[Any]]) -> None:
    """A network's estimator class: its constraints, and ``__init__`` and doc if missing.

    The constraints are ``base_constraints``, ``pretrained`` where the class
    takes it, and those of the network's hyperparameters. The zoo's own
    classes are written out in ``_cnn.py``; a network a user registers gets
    its ``__init__`` and docstring generated here.
    """
    spec = get_model_spec(cls._model_name)  # type: ignore[attr-defined]
    if "__init__" not in cls.__dict__:
        defaults = estimator_defaults(spec.name)
        cls.__init__ = make_init(defaults, cls.__qualname__)  # type: ignore[misc]
        summary = inspect.cleandoc(
            cls.__doc__ or f"The {spec.name} network as a classifier."
        )
        cls.__doc__ = estimator_docstring(summary, spec, defaults)
    takes = inspect.signature(cls.__init__).parameters  # type: ignore[misc]
    cls._parameter_constraints = {  # type: ignore[attr-defined]
        **base_constraints,
        **({"pretrained": ["boolean"]} if "pretrained" in takes else {}),
        **hyperparameter_constraints(spec.hyperparameters),
    }


def hyperparameter_constraints(defaults: dict[str, Any]) -> dict[str, Any]:
    """sklearn parameter constraints inferred from each default's type.

    Integers must be >= 1 (>= 0 for ``dense_units*`` layers, where 0 means
    "absent", or when the default is 0); dropout rates and momenta lie in
    [0, 1); other floats are >= 0; any other default (a tuple, say) is left to
    the builder ("no_validation"). Builders check the finer rules themselves.
    """
    constraints: dict[str, Any] = {}
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
            constraints[name] = "no_validation"  # scikit-learn's marker, not a list
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
tta : bool or {{"flip", "flip+shift"}}, default={tta!r}
    Test-time augmentation: average the predictions of each image and its
    mirror image (True or "flip"), and also of both moved by one pixel up,
    down, left and right ("flip+shift": 10 views, 5x the prediction time).
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
    Continue training the fitted model on the next ``fit``, for ``epochs``
    more epochs with a fresh optimizer and its own ``lr_schedule``.
pretrained : bool, default={pretrained}
    Start ``fit`` from the weights shipped with fashionzoo (trained on the
    60,000 Fashion-MNIST training images, see :mod:`fashionzoo.pretrained`)
    instead of a random initialisation: fine-tuning. The network's
    hyperparameters must be the shipped ones; with other classes than 0-9
    the last layer starts from random weights (with a warning).
    ``warm_start`` and ``partial_fit`` work as without it.
callbacks : list of keras.callbacks.Callback, default={callbacks!r}
    Keras callbacks (``ModelCheckpoint``, ``CSVLogger``, ``BackupAndRestore``,
    ``TerminateOnNaN``...) told of each whole ``fit`` as of one ``model.fit``;
    ``self.model`` is ``model_``. ``fit`` uses the objects you pass (read
    their state afterwards) and detaches them from the model at its end;
    ``clone`` deep-copies them, like every parameter.
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
    about = f"{spec.description}. {source}{reported}".rstrip()
    return (
        f"{summary}\n\n"
        f"{about}\n"
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


# ------------------------------------------------------ the committed classes
#: The zoo's estimator classes: name -> (registered network, docstring summary,
#: docstring examples).
ESTIMATORS: dict[str, tuple[str, str, str]] = {
    "LeNet5Classifier": (
        "lenet5",
        "LeNet-5 (study 001) as a scikit-learn classifier.",
        """\
>>> from sklearn.model_selection import cross_val_score
>>> from fashionzoo import LeNet5Classifier
>>> from fashionzoo.datasets import load_sample
>>> X, y = load_sample(return_X_y=True)
>>> cross_val_score(LeNet5Classifier(epochs=2), X, y, cv=5)  # doctest: +SKIP
""",
    ),
    "CNNDropoutClassifier": (
        "cnn_dropout",
        "The dropout CNN of study 002 as a scikit-learn classifier.",
        "",
    ),
    "CNNBN4Classifier": (
        "cnn_bn4",
        "The 4-block BatchNorm CNN of study 003 as a scikit-learn classifier.",
        "",
    ),
    "ResNetClassifier": (
        "resnet",
        "The small-image ResNet of study 003 as a scikit-learn classifier.",
        "",
    ),
    "CNN004Classifier": (
        "cnn004",
        "The 590,346-parameter CNN of study 004 as a scikit-learn classifier.",
        "",
    ),
    "FastResNetClassifier": (
        "fast_resnet",
        'The zoo\'s fast narrow ResNet-9 (``create_estimator("best")``).',
        """\
>>> import fashionzoo
>>> type(fashionzoo.create_estimator("best")).__name__
'FastResNetClassifier'
""",
    ),
}

#: Type hints of the training parameters.
TRAINING_TYPES: dict[str, str] = {
    "epochs": "int",
    "batch_size": "int",
    "optimizer": "str",
    "learning_rate": "float",
    "lr_schedule": "str | None",
    "weight_decay": "float",
    "label_smoothing": "float",
    "augment": "str | dict[str, Any] | bool | None",
    "tta": "bool | str",
    "early_stopping": "bool",
    "validation_fraction": "float",
    "n_iter_no_change": "int",
    "class_weight": "dict[Any, float] | str | None",
    "warm_start": "bool",
    "pretrained": "bool",
    "callbacks": "list[Any] | None",
    "random_state": "int | np.random.RandomState | None",
    "verbose": "int",
}

_HEADER = '''"""The zoo's from-scratch networks as scikit-learn classifiers.

GENERATED by ``python -m fashionzoo.estimators._generate`` from the model
registry: do not edit by hand. Each class names a registered network; its
``__init__`` takes the network's hyperparameters, then the training
parameters with the recipe's defaults.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fashionzoo.estimators._base import ZooClassifier

__all__ = [
{names}
]
'''


def _literal(value: Any) -> str:
    """``repr`` with double-quoted strings, as ruff formats them."""
    import json

    return json.dumps(value) if isinstance(value, str) else repr(value)


def _class_source(name: str, model_name: str, summary: str, examples: str) -> str:
    import inspect

    spec = get_model_spec(model_name)
    defaults = estimator_defaults(model_name)
    builder_params = inspect.signature(spec.builder).parameters
    doc = estimator_docstring(summary, spec, defaults)
    if examples:
        doc += f"\nExamples\n--------\n{examples}"
    doc = textwrap.indent(doc.rstrip() + "\n", "    ").replace("\\", "\\\\")
    args = []
    for param, default in defaults.items():
        hint = TRAINING_TYPES.get(param) or str(builder_params[param].annotation)
        args.append(f"        {param}: {hint} = {_literal(default)},")
    body = "\n".join(f"        self.{param} = {param}" for param in defaults)
    return (
        f"class {name}(ZooClassifier):\n"
        f'    """{doc.lstrip()}    """\n\n'
        f"    _model_name = {_literal(model_name)}\n\n"
        "    def __init__(\n        self,\n        *,\n"
        + "\n".join(args)
        + f"\n    ) -> None:\n{body}\n"
    )


def render_module() -> str:
    """The source of ``_cnn.py``, from the registry.

    Returns
    -------
    source : str
    """
    names = "\n".join(f"    {name!r}," for name in sorted(ESTIMATORS))
    classes = [_class_source(name, *entry) for name, entry in ESTIMATORS.items()]
    return _HEADER.format(names=names.replace("'", '"')) + "\n\n" + "\n\n".join(classes)


def main() -> None:
    """Write ``_cnn.py`` next to this module."""
    from pathlib import Path

    target = Path(__file__).with_name("_cnn.py")
    target.write_text(render_module())
    print(f"wrote {target}")  # noqa: T201


if __name__ == "__main__":
    main()
