"""The model registry: one decorator records a builder under its name.

Two kinds of entries share it: networks (``kind="network"``, a builder of an
uncompiled Keras model, trained by a ``ZooClassifier``) and classic baselines
(``kind="baseline"``, a builder of an unfitted scikit-learn ``Pipeline``).

Pure Python: this module imports neither Keras nor scikit-learn (the
builders import them when they build).
"""

from __future__ import annotations

import difflib
import fnmatch
import inspect
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from fashionzoo.exceptions import UnknownModelError

__all__ = [
    "KINDS",
    "ModelSpec",
    "build_model",
    "get_model_spec",
    "list_models",
    "register_model",
    "register_model_deprecation",
    "resolve_name",
]

#: The kinds of registered models: Keras networks and classic baselines.
KINDS = ("network", "baseline")

_MODELS: dict[str, ModelSpec] = {}
_ALIASES: dict[str, str] = {}
_DEPRECATED: dict[str, str] = {}


@dataclass(frozen=True)
class ModelSpec:
    """Everything the zoo knows about one registered model.

    Attributes
    ----------
    name : str
        Registry name, lowercase snake case (``lenet5``).
    builder : callable
        A network: ``builder(input_shape, n_classes, **hyperparameters) ->
        keras.Model``. A baseline: ``builder(**params) -> Pipeline``, unfitted.
    description : str
        One line for tables and ``fashionzoo models``.
    source : str or None
        File name of the reference study in ``shared/reference``, or a short
        description of another published source.
    reported_accuracy : float or None
        Test accuracy the study reported.
    param_count : int or None
        Trainable + non-trainable parameters for 28x28x1 input and 10 classes
        with default hyperparameters (pinned by the tests); None for baselines.
    recipe : dict
        Default training recipe of a network: estimator parameters such as
        ``epochs``, ``batch_size``, ``optimizer``, ``learning_rate``,
        ``lr_schedule``, ``augment``. Empty for a baseline, whose recipe is
        its builder's defaults (:attr:`hyperparameters`).
    notes : str
        Choices the study left open and how they were filled.
    estimator : str
        Name of the estimator class (``LeNet5Classifier``); by default the
        name in camel case + ``Classifier`` (``my_net`` -> ``MyNetClassifier``).
        ``"Pipeline"`` for the baselines.
    kind : str
        ``"network"`` or ``"baseline"``.
    added_parameters : dict
        Builder parameters added after estimators of this model could be
        saved, each with the value that reproduces the network of a file
        saved without it (so that a new default never changes a saved model).
    """

    name: str
    builder: Callable[..., Any]
    description: str
    source: str | None = None
    reported_accuracy: float | None = None
    param_count: int | None = None
    recipe: dict[str, Any] = field(default_factory=dict)
    notes: str = ""
    estimator: str = ""
    kind: str = "network"
    added_parameters: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_kind(self.kind)
        if not self.estimator:
            camel = "".join(p[:1].upper() + p[1:] for p in self.name.split("_"))
            object.__setattr__(self, "estimator", f"{camel}Classifier")

    @property
    def hyperparameters(self) -> dict[str, Any]:
        """Builder keyword-only arguments and their defaults."""
        params = inspect.signature(self.builder).parameters
        return {
            name: p.default
            for name, p in params.items()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        }


def register_model(
    *,
    description: str,
    source: str | None = None,
    reported_accuracy: float | None = None,
    param_count: int | None = None,
    recipe: dict[str, Any] | None = None,
    notes: str = "",
    aliases: Iterable[str] = (),
    estimator: str = "",
    kind: str = "network",
    added_parameters: dict[str, Any] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Record a builder in the registry under its function name.

    Parameters
    ----------
    description : str
        One-line description.
    source : str, default=None
        File name of the reference study in ``shared/reference``.
    reported_accuracy : float, default=None
        Test accuracy the study reported.
    param_count : int, default=None
        Parameters for 28x28x1 input and 10 classes (pinned by the tests).
    recipe : dict, default=None
        Default training parameters of the model's estimator.
    notes : str, default=""
        Choices the study left open and how they were filled.
    aliases : iterable of str, default=()
        Other names that resolve to this model (``"best"``).
    estimator : str, default=""
        Name of its estimator class; by default the name in camel case +
        ``Classifier``.
    kind : {"network", "baseline"}, default="network"
        A Keras network (``builder(input_shape, n_classes, **hyperparameters)``)
        or a classic baseline (``builder(**params)`` returning an unfitted
        scikit-learn ``Pipeline``; its keyword-only parameters are its recipe).
        A network's keyword-only parameters become its estimator's; those
        whose default is a number, a bool or a string are checked in ``fit``
        by their type, any other (a tuple of layer sizes) only by the builder.

        .. versionadded:: 0.2.0
    added_parameters : dict, default=None
        Keyword-only builder parameters added since estimators of this model
        were first saved, each with the value a file saved without it means
        (``{"whiten": False}``): :func:`fashionzoo.load` fills them in, so a
        changed default never rebuilds an old file's network differently.

    Returns
    -------
    decorator : callable
        Returns the builder unchanged.

    Raises
    ------
    ValueError
        ``kind`` is not one of the kinds, or ``added_parameters`` names a
        parameter the builder does not take.
    """
    _check_kind(kind)

    def decorator(builder: Callable[..., Any]) -> Callable[..., Any]:
        name = builder.__name__
        if name in _MODELS:
            msg = f"A model named {name!r} is already registered."
            raise ValueError(msg)
        spec = ModelSpec(
            name=name,
            builder=builder,
            description=description,
            source=source,
            reported_accuracy=reported_accuracy,
            param_count=param_count,
            recipe=dict(recipe or {}),
            notes=notes,
            estimator=estimator,
            kind=kind,
            added_parameters=dict(added_parameters or {}),
        )
        unknown = sorted(set(spec.added_parameters) - set(spec.hyperparameters))
        if unknown:
            msg = (
                f"added_parameters of {name!r} names {unknown}, which are not "
                "keyword-only parameters of its builder."
            )
            raise ValueError(msg)
        _MODELS[name] = spec
        for alias in aliases:
            _ALIASES[alias] = name
        return builder

    return decorator


def register_model_deprecation(old: str, new: str) -> None:
    """Keep ``old`` working as a name of ``new``, with a FutureWarning.

    Parameters
    ----------
    old : str
        The former name.
    new : str
        The registered name it now resolves to.
    """
    _DEPRECATED[old] = new


def _check_kind(kind: object) -> None:
    if kind not in KINDS:
        msg = f"kind must be one of {', '.join(map(repr, KINDS))}. Received: kind={kind!r}"
        raise ValueError(msg)


def _natural_key(name: str) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def list_models(
    pattern: str | Iterable[str] | None = None,
    *,
    exclude: str | Iterable[str] | None = None,
    kind: str | None = None,
) -> list[str]:
    """Names of the registered models, sorted naturally.

    Parameters
    ----------
    pattern : str or iterable of str, default=None
        Shell-style wildcards (``"cnn*"``); a name matching any is kept.
    exclude : str or iterable of str, default=None
        Wildcards of names to drop.
    kind : {"network", "baseline"}, default=None
        Only the Keras networks, or only the classic baselines; None lists
        both.

        .. versionadded:: 0.2.0

    Returns
    -------
    names : list of str

    Raises
    ------
    ValueError
        ``kind`` is not None, ``"network"`` or ``"baseline"``.

    Examples
    --------
    >>> from fashionzoo.models import list_models
    >>> list_models("lenet*")
    ['lenet5']
    >>> list_models("l*")
    ['lenet5', 'logistic_regression']
    >>> list_models("l*", kind="network")
    ['lenet5']
    """
    if kind is not None:
        _check_kind(kind)
    names = [n for n, spec in _MODELS.items() if kind is None or spec.kind == kind]
    if pattern is not None:
        pats = [pattern] if isinstance(pattern, str) else list(pattern)
        names = [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in pats)]
    if exclude is not None:
        pats = [exclude] if isinstance(exclude, str) else list(exclude)
        names = [n for n in names if not any(fnmatch.fnmatchcase(n, p) for p in pats)]
    return sorted(names, key=_natural_key)


def resolve_name(name: str) -> str:
    """Registry name for ``name``, following aliases and deprecations.

    Parameters
    ----------
    name : str
        A registered name, an alias (``"best"``) or a deprecated name; any case.

    Returns
    -------
    name : str
        The registered name.

    Raises
    ------
    UnknownModelError
        If no model has that name; the message lists close matches.
    """
    if not isinstance(name, str):
        msg = f"A model name must be a string. Received: name={name!r}"
        raise TypeError(msg)
    key = name.lower()
    if key in _DEPRECATED:
        new = _DEPRECATED[key]
        warnings.warn(
            f"Model name {name!r} is deprecated; use {new!r} instead.",
            FutureWarning,
            stacklevel=3,
        )
        key = new
    key = _ALIASES.get(key, key)
    if key not in _MODELS:
        choices = sorted(set(_MODELS) | set(_ALIASES), key=_natural_key)
        close = difflib.get_close_matches(key, choices, n=3)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        msg = f"Unknown model {name!r}. Available: {', '.join(choices)}.{hint}"
        raise UnknownModelError(msg)
    return key


def get_model_spec(name: str) -> ModelSpec:
    """The :class:`ModelSpec` registered under ``name`` (or an alias of it).

    Parameters
    ----------
    name : str
        A registered name or alias.

    Returns
    -------
    spec : ModelSpec

    Raises
    ------
    UnknownModelError
        If no model has that name; the message lists close matches.
    """
    return _MODELS[resolve_name(name)]


def build_model(
    name: str,
    input_shape: tuple[int, ...] = (28, 28, 1),
    n_classes: int = 10,
    **hyperparameters: Any,
) -> Any:
    """Build the uncompiled Keras model registered under ``name``.

    The model takes float images scaled to [0, 1] and ends in a float32
    softmax over ``n_classes``. Baselines are no Keras models: build them
    with :func:`fashionzoo.create_estimator`.

    Parameters
    ----------
    name : str
        A registered name or alias.
    input_shape : tuple of int, default=(28, 28, 1)
        Shape of one image.
    n_classes : int, default=10
        Number of outputs.
    **hyperparameters
        The builder's keyword arguments (``units_1=128``).

    Returns
    -------
    model : keras.Model

    Raises
    ------
    TypeError
        ``name`` is a baseline, or a hyperparameter does not exist.
    """
    spec = get_model_spec(name)
    if spec.kind != "network":
        msg = (
            f"{spec.name!r} is a classic baseline (a scikit-learn Pipeline), not a "
            f"Keras network. Use fashionzoo.create_estimator({spec.name!r})."
        )
        raise TypeError(msg)
    unknown = set(hyperparameters) - set(spec.hyperparameters)
    if unknown:
        msg = (
            f"Model {spec.name!r} has no hyperparameter(s) {sorted(unknown)}. "
            f"It takes: {sorted(spec.hyperparameters)}."
        )
        raise TypeError(msg)
    return spec.builder(input_shape, n_classes, **hyperparameters)
