"""The catalogue: every model by name, as an estimator.

:func:`create_estimator` returns the estimator class written for a network
(``LeNet5Classifier`` for ``"lenet5"``); a network registered by a user gets a
class generated on first use, importable from
``fashionzoo.estimators._dynamic`` so that fitted estimators pickle.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_estimator", "estimator_class", "get_model_info", "list_models"]


def list_models(
    pattern: str | None = None,
    *,
    exclude: str | None = None,
    pretrained: bool = False,
) -> list[str]:
    """Names of the zoo's networks, sorted naturally, filtered by wildcards.

    Parameters
    ----------
    pattern : str, default=None
        Shell-style wildcard, e.g. ``"cnn*"``.
    exclude : str, default=None
        Wildcard of names to leave out.
    pretrained : bool, default=False
        Only the networks whose trained weights ship with fashionzoo
        (``create_estimator(name, pretrained=True)``).

    Returns
    -------
    names : list of str

    Examples
    --------
    >>> import fashionzoo
    >>> fashionzoo.list_models("lenet*")
    ['lenet5']
    >>> "best" in fashionzoo.list_models(pretrained=True)
    False
    """
    from fashionzoo.models import list_models as _list

    names = _list(pattern, exclude=exclude)
    if pretrained:
        from fashionzoo.pretrained import list_pretrained

        shipped = set(list_pretrained())
        names = [n for n in names if n in shipped]
    return names


def estimator_class(name: str) -> type:
    """The estimator class of the network registered as ``name`` (or an alias).

    Parameters
    ----------
    name : str
        A registered name or alias.

    Returns
    -------
    cls : type
        A :class:`~fashionzoo.estimators.ZooClassifier` subclass.
    """
    from fashionzoo.estimators import _dynamic
    from fashionzoo.estimators._base import ZooClassifier
    from fashionzoo.models import resolve_name

    key = resolve_name(name)
    for cls in _all_subclasses(ZooClassifier):
        if cls.__dict__.get("_model_name") == key:
            return cls
    return _dynamic.class_for(key)


def _all_subclasses(cls: type) -> list[type]:
    subclasses: list[type] = type.__subclasses__(cls)
    out: list[type] = []
    for sub in subclasses:
        out.append(sub)
        out.extend(_all_subclasses(sub))
    return out


def create_estimator(name: str, *, pretrained: bool = False, **params: Any) -> Any:
    """An estimator of the network ``name`` with ``params`` set.

    Parameters
    ----------
    name : str
        A name from :func:`list_models`, or the alias ``"best"``.
    pretrained : bool, default=False
        ``False``: a fresh, unfitted estimator. ``True``: the estimator
        fitted on the 60,000 training images with the weights that ship with
        fashionzoo (see :func:`list_models` with ``pretrained=True``), ready
        to ``predict``; its parameter ``pretrained=True`` makes a later
        ``fit`` (or a clone's, in a search) fine-tune from those weights.
    **params
        Estimator parameters (network hyperparameters and training
        parameters), as in ``set_params``.

    Returns
    -------
    estimator : ZooClassifier

    Raises
    ------
    UnknownModelError
        If ``name`` is not registered; the message lists close matches.
    NoPretrainedWeightsError
        ``pretrained=True`` for a network without shipped weights; the
        message lists the networks that have them.
    ValueError
        If a parameter does not exist; the message names the valid ones.

    Examples
    --------
    >>> import fashionzoo
    >>> fashionzoo.create_estimator("lenet5", epochs=3).epochs
    3
    >>> clf = fashionzoo.create_estimator("lenet5", pretrained=True)
    >>> clf.classes_
    array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    cls = estimator_class(name)
    if pretrained:
        from fashionzoo.pretrained import load_pretrained

        estimator = load_pretrained(name)
    else:
        estimator = cls()
    if params:
        valid = estimator.get_params()
        unknown = sorted(set(params) - set(valid))
        if unknown:
            import difflib

            hints = [
                f"{p!r} (did you mean {m[0]!r}?)"
                if (m := difflib.get_close_matches(p, valid, 1))
                else repr(p)
                for p in unknown
            ]
            msg = (
                f"{cls.__name__} has no parameter(s) {', '.join(hints)}. "
                f"Valid parameters: {', '.join(sorted(valid))}."
            )
            raise ValueError(msg)
        if pretrained:
            from fashionzoo.models import get_model_spec

            network = set(get_model_spec(name).hyperparameters) & set(params)
            if network:
                msg = (
                    f"The pretrained {name} has its shipped network; its "
                    f"hyperparameters cannot change: {', '.join(sorted(network))}. "
                    f"Pass training parameters only, or pretrained=False."
                )
                raise ValueError(msg)
        estimator.set_params(**params)
    return estimator


def get_model_info(name: str) -> dict[str, Any]:
    """Metadata of a network: source study, reported accuracy, parameters, recipe.

    Parameters
    ----------
    name : str
        A registered name or alias.

    Returns
    -------
    info : dict
        Keys ``name``, ``estimator``, ``description``, ``source``,
        ``reported_accuracy``, ``param_count``, ``recipe``,
        ``hyperparameters``, ``notes``, ``class_names`` (the names of the
        classes 0-9) and ``pretrained`` (the model card of the shipped
        weights, or None).
    """
    from fashionzoo._defaults import estimator_defaults
    from fashionzoo.datasets import FASHION_MNIST_CLASSES
    from fashionzoo.models import get_model_spec
    from fashionzoo.pretrained import list_pretrained, model_card

    spec = get_model_spec(name)
    defaults = estimator_defaults(spec.name)
    recipe_keys = (
        "epochs",
        "batch_size",
        "optimizer",
        "learning_rate",
        "lr_schedule",
        "label_smoothing",
        "weight_decay",
        "augment",
        "tta",
    )
    return {
        "name": spec.name,
        "estimator": spec.estimator,
        "description": spec.description,
        "source": spec.source,
        "reported_accuracy": spec.reported_accuracy,
        "param_count": spec.param_count,
        "recipe": {k: defaults[k] for k in recipe_keys},
        "hyperparameters": spec.hyperparameters,
        "notes": spec.notes,
        "class_names": list(FASHION_MNIST_CLASSES),
        "pretrained": model_card(spec.name) if spec.name in list_pretrained() else None,
    }
