"""The catalogue: every model by name, as an estimator.

Two kinds of models share it. For a network, :func:`create_estimator`
returns the estimator class written for it (``LeNet5Classifier`` for
``"lenet5"``); a network registered by a user gets a class generated on first
use, importable from ``fashionzoo.estimators._dynamic`` so that fitted
estimators pickle. For a classic baseline (``list_models(kind="baseline")``:
logistic regression, random forest, gradient boosting, SVC, k-nearest
neighbours, XGBoost) it returns a scikit-learn ``Pipeline`` built by
:mod:`fashionzoo.models.baselines`, which uses no Keras.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_estimator", "estimator_class", "get_model_info", "list_models"]


def list_models(
    pattern: str | None = None,
    *,
    exclude: str | None = None,
    kind: str | None = None,
    pretrained: bool = False,
) -> list[str]:
    """Names of the zoo's models, sorted naturally, filtered by wildcards and kind.

    Parameters
    ----------
    pattern : str, default=None
        Shell-style wildcard, e.g. ``"cnn*"``.
    exclude : str, default=None
        Wildcard of names to leave out.
    kind : {"network", "baseline"}, default=None
        Only the Keras networks, or only the classic baselines
        (scikit-learn pipelines); None lists both.

        .. versionadded:: 0.2.0
    pretrained : bool, default=False
        Only the networks whose trained weights ship with fashionzoo
        (``create_estimator(name, pretrained=True)``).

    Returns
    -------
    names : list of str

    Raises
    ------
    ValueError
        ``kind`` is not None, ``"network"`` or ``"baseline"``.

    Examples
    --------
    >>> import fashionzoo
    >>> fashionzoo.list_models("lenet*")
    ['lenet5']
    >>> fashionzoo.list_models(kind="baseline")
    ['hist_gradient_boosting', 'knn', 'logistic_regression', 'random_forest', 'svc', 'xgboost']
    >>> "best" in fashionzoo.list_models(pretrained=True)
    False
    """
    from fashionzoo.models import list_models as _list

    names = _list(pattern, exclude=exclude, kind=kind)
    if pretrained:
        from fashionzoo.pretrained import list_pretrained

        shipped = set(list_pretrained())
        names = [n for n in names if n in shipped]
    return names


def estimator_class(name: str) -> type:
    """The estimator class of the model registered as ``name`` (or an alias).

    Parameters
    ----------
    name : str
        A registered name or alias.

    Returns
    -------
    cls : type
        A network's :class:`~fashionzoo.estimators.ZooClassifier` subclass,
        or :class:`sklearn.pipeline.Pipeline` for a baseline.
    """
    from fashionzoo.models import get_model_spec, resolve_name

    key = resolve_name(name)
    if get_model_spec(key).kind == "baseline":
        from sklearn.pipeline import Pipeline

        return Pipeline
    # Importing the estimators package defines (and registers) the zoo's classes.
    from fashionzoo.estimators import _dynamic
    from fashionzoo.estimators._registry import registered_classes

    for cls in registered_classes():
        if cls.__dict__.get("_model_name") == key:
            return cls
    return _dynamic.class_for(key)


def _check_params(owner: str, params: dict[str, Any], valid: Any) -> None:
    """Refuse parameters not in ``valid``, naming close matches and the valid ones."""
    unknown = sorted(set(params) - set(valid))
    if not unknown:
        return
    import difflib

    valid = list(valid)
    by_case = {v.lower(): v for v in valid}

    def close(p: str) -> list[str]:
        same = by_case.get(p.lower())
        return [same] if same else difflib.get_close_matches(p, valid, 1)

    hints = [
        f"{p!r} (did you mean {m[0]!r}?)" if (m := close(p)) else repr(p)
        for p in unknown
    ]
    msg = (
        f"{owner} has no parameter(s) {', '.join(hints)}. "
        f"Valid parameters: {', '.join(sorted(valid))}."
    )
    raise ValueError(msg)


def create_estimator(name: str, *, pretrained: bool = False, **params: Any) -> Any:
    """An estimator of the model ``name`` with ``params`` set.

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
        Baselines ship no weights.
    **params
        For a network: estimator parameters (network hyperparameters and
        training parameters), as in ``set_params``. For a baseline: the
        recipe's flat parameters (``get_model_info(name)["recipe"]``, e.g.
        ``C=5.0`` for ``"svc"``), passed to its builder; ``random_state``
        reaches every step that has one. The returned ``Pipeline``'s own
        ``set_params`` (and ``GridSearchCV`` grids) name them by step:
        ``classifier__C``, ``pca__n_components``.

    Returns
    -------
    estimator : ZooClassifier or sklearn.pipeline.Pipeline
        A network's estimator, or a baseline's unfitted pipeline of steps
        ``pixels``, ``pca`` (for some) and ``classifier``.

    Raises
    ------
    UnknownModelError
        If ``name`` is not registered; the message lists close matches.
    NoPretrainedWeightsError
        ``pretrained=True`` for a model without shipped weights; the
        message lists the networks that have them.
    ValueError
        If a parameter does not exist; the message names the valid ones.
    ImportError
        A baseline needs a package that is not installed (``"xgboost"``:
        ``pip install "fashionzoo[xgboost]"``).

    Examples
    --------
    >>> import fashionzoo
    >>> fashionzoo.create_estimator("lenet5", epochs=3).epochs
    3
    >>> clf = fashionzoo.create_estimator("lenet5", pretrained=True)
    >>> clf.classes_
    array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    >>> svc = fashionzoo.create_estimator("svc", C=5.0)
    >>> [step for step, _ in svc.steps], svc.get_params()["classifier__C"]
    (['pixels', 'pca', 'classifier'], 5.0)
    """
    from fashionzoo.models import get_model_spec

    spec = get_model_spec(name)
    if spec.kind == "baseline":
        if pretrained:
            from fashionzoo.pretrained import weights_path

            weights_path(spec.name)  # raises: no baseline ships weights
        _check_params(f"Baseline {spec.name!r}", params, spec.hyperparameters)
        return spec.builder(**params)
    cls = estimator_class(spec.name)
    if pretrained:
        from fashionzoo.saving import load_pretrained

        estimator = load_pretrained(spec.name)
    else:
        estimator = cls()
    if params:
        _check_params(cls.__name__, params, estimator.get_params())
        if pretrained:
            network = set(spec.hyperparameters) & set(params)
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
    """Metadata of a model: source study, reported accuracy, parameters, recipe.

    Describing a model imports neither Keras nor scikit-learn.

    Parameters
    ----------
    name : str
        A registered name or alias.

    Returns
    -------
    info : dict
        Keys ``name``, ``kind`` (``"network"`` or ``"baseline"``),
        ``estimator``, ``description``, ``source``, ``reported_accuracy``,
        ``param_count``, ``recipe``, ``hyperparameters``, ``notes``,
        ``class_names`` (the names of the classes 0-9) and ``pretrained``
        (the model card of the shipped weights, or None). For a network,
        ``recipe`` holds the default training parameters and
        ``hyperparameters`` the network's. For a baseline, ``estimator`` is
        ``"Pipeline"``, ``param_count`` and ``pretrained`` are None, and
        ``recipe`` and ``hyperparameters`` both hold its builder's flat
        parameters and defaults (what :func:`create_estimator` takes).

    Examples
    --------
    >>> import fashionzoo
    >>> info = fashionzoo.get_model_info("svc")
    >>> info["kind"], info["estimator"], info["recipe"]["C"]
    ('baseline', 'Pipeline', 10.0)
    """
    from fashionzoo.datasets import FASHION_MNIST_CLASSES
    from fashionzoo.models import get_model_spec

    spec = get_model_spec(name)
    if spec.kind == "baseline":
        return {
            "name": spec.name,
            "kind": spec.kind,
            "estimator": spec.estimator,
            "description": spec.description,
            "source": spec.source,
            "reported_accuracy": spec.reported_accuracy,
            "param_count": None,
            "recipe": spec.hyperparameters,
            "hyperparameters": spec.hyperparameters,
            "notes": spec.notes,
            "class_names": list(FASHION_MNIST_CLASSES),
            "pretrained": None,
        }
    from fashionzoo._defaults import estimator_defaults
    from fashionzoo.pretrained import list_pretrained, model_card

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
        "kind": spec.kind,
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
