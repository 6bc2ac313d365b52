"""ZooClassifier: the scikit-learn side of every fashionzoo network."""

from __future__ import annotations

import copy
import logging
import os
import pickle
import warnings
import weakref
from dataclasses import replace
from numbers import Integral, Real
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d

from fashionzoo._backends._batches import EpochBatches
from fashionzoo._config import (
    batch_multiple,
    device_scope,
    rounded_batch_size,
    strategy_scope,
)
from fashionzoo._defaults import TRAINING_DEFAULTS
from fashionzoo._keras import keras
from fashionzoo._labels import check_label_kinds
from fashionzoo.estimators import _persistence
from fashionzoo.estimators._fitted_state import FittedState
from fashionzoo.estimators._generate import complete_estimator
from fashionzoo.estimators._loop import (
    FitCallbacks,
    PhaseResult,
    check_finite_weights,
    train_phase,
)
from fashionzoo.estimators._predict import run_batches
from fashionzoo.estimators._registry import register
from fashionzoo.estimators._seeding import seed_from_random_state, seeded_build
from fashionzoo.estimators._state import from_plain, to_plain
from fashionzoo.estimators._training import make_loss, make_optimizer
from fashionzoo.estimators._validation import (
    IMAGE_SIDE,
    check_images,
    match_fit_scale,
    pixel_scale,
    to_images,
)
from fashionzoo.models import build_model, get_model_spec
from fashionzoo.models.augment import augment_strengths, make_augmentation
from fashionzoo.models.parts import embedding_model, scaled_pixels
from fashionzoo.models.views import TTA_MODES, average_views, tta_views
from fashionzoo.models.whitening import adapt_whitening, whitening_layers
from fashionzoo.pretrained import network_weights, shipped_network

logger = logging.getLogger(__name__)

__all__ = ["TRAINING_DEFAULTS", "ZooClassifier"]

#: A fitted model -> its embedding model, built once (one traced graph).
_EMBEDDERS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


class ZooClassifier(ClassifierMixin, BaseEstimator):
    """Base class of the fashionzoo estimators: a Keras network behind fit/predict.

    Subclasses name a registered network in ``_model_name`` and list its
    hyperparameters and the training parameters of :data:`TRAINING_DEFAULTS`
    in ``__init__``. The base validates input, encodes labels, seeds, builds
    the Keras model (pixel scaling and augmentation inside it), compiles it
    and trains it epoch by epoch.

    Inputs are images as (n, 784), (n, 28, 28) or (n, 28, 28, 1) arrays of
    uint8 pixels in 0-255 or floats in 0-1 or 0-255. The scale found at fit
    is applied at predict; uint8 data stays uint8 up to the batch.
    Other image sizes are resized to 28x28 inside the model, and flat rows of
    another length are zero-padded to the next square image.

    Attributes
    ----------
    model_ : keras.Model
        The trained model: pixels in, class probabilities out.
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    n_features_in_ : int
        Pixels per image seen at fit.
    history_ : dict of list
        Per-epoch ``loss`` and ``accuracy`` (and ``val_loss``,
        ``val_accuracy`` with early stopping), ``learning_rate`` and
        ``epoch_time`` in seconds.
    n_iter_ : int
        Epochs trained so far.
    """

    _model_name: ClassVar[str | None] = None

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "optimizer": [StrOptions({"adam", "adamw", "sgd", "nadam", "rmsprop"})],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "lr_schedule": [
            StrOptions({"constant", "cosine", "onecycle", "plateau"}),
            None,
        ],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "augment": [StrOptions({"none", "light", "standard"}), dict, "boolean", None],
        "tta": ["boolean", StrOptions(set(TTA_MODES))],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "warm_start": ["boolean"],
        "callbacks": [list, tuple, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    #: The fitted attributes a model file holds (:meth:`save`); loading
    #: accepts no others.
    _saved_attributes: ClassVar[tuple[str, ...]] = (
        "classes_",
        "pixel_scale_",
        "image_shape_",
        "n_features_in_",
        "n_iter_",
        "history_",
        "best_epoch_",
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("_model_name"):
            complete_estimator(cls, ZooClassifier._parameter_constraints)
        register(cls)

    # ------------------------------------------------------------------ tags
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True  # pixels
        tags.input_tags.allow_nan = False
        tags.target_tags.required = True
        # Image networks: scikit-learn's 0.83-accuracy check on 2-feature
        # blobs (padded into 2x2 images at 1/255 scale) is out of their scope.
        tags.classifier_tags.poor_score = True
        return tags

    def _validate_params(self) -> None:
        """scikit-learn's parameter checks, then the finer ones of ``augment``."""
        super()._validate_params()
        augment_strengths(self.augment)

    # --------------------------------------------------------- model building
    def _model_params(self) -> dict[str, Any]:
        """Hyperparameters passed to the network builder."""
        spec = get_model_spec(self._registered_name())
        return {name: getattr(self, name) for name in spec.hyperparameters}

    @classmethod
    def _values_of_added_parameters(cls) -> dict[str, Any]:
        """What a model file saved before a parameter was added means by it."""
        if cls._model_name is None:  # a subclass with its own _build_network
            return {}
        return dict(get_model_spec(cls._registered_name()).added_parameters)

    @classmethod
    def _registered_name(cls) -> str:
        """The registry name of this class's network."""
        if cls._model_name is None:
            msg = (
                f"{cls.__name__} sets no _model_name: subclass ZooClassifier "
                "with the name of a registered model, or override _build_network."
            )
            raise TypeError(msg)
        return cls._model_name

    def _build_network(self, n_classes: int) -> Any:
        """The uncompiled network for 28x28x1 images scaled to [0, 1]."""
        return build_model(
            self._registered_name(),
            (IMAGE_SIDE, IMAGE_SIDE, 1),
            n_classes,
            **self._model_params(),
        )

    def _build_model(
        self, image_hw: tuple[int, int], n_classes: int, seed: int, scale: float
    ) -> Any:
        with strategy_scope(), seeded_build(seed):
            inputs, x = scaled_pixels(image_hw, scale)
            if image_hw != (IMAGE_SIDE, IMAGE_SIDE):
                x = keras.layers.Resizing(IMAGE_SIDE, IMAGE_SIDE, name="resize")(x)
            augmentation = make_augmentation(self.augment)
            if augmentation is not None:
                x = augmentation(x)
            outputs = self._build_network(n_classes)(x)
            model = keras.Model(inputs, outputs, name=type(self).__name__)
        return model

    def _compile(
        self, model: Any, total_steps: int, *, learning_rate: float | None = None
    ) -> None:
        """Compile ``model`` with a fresh optimizer.

        ``total_steps`` is the horizon of ``lr_schedule``; 0 means a constant
        ``learning_rate`` (``partial_fit``).
        """
        schedule = self.lr_schedule if total_steps else None
        with strategy_scope():
            model.compile(
                optimizer=make_optimizer(
                    self.optimizer,
                    self.learning_rate if learning_rate is None else learning_rate,
                    weight_decay=self.weight_decay,
                    schedule=schedule,
                    total_steps=total_steps,
                ),
                loss=make_loss(self.label_smoothing),
                metrics=["accuracy"],
            )
            # Built now, so that BackupAndRestore can load its state into it.
            model.optimizer.build(model.trainable_variables)

    # ------------------------------------------------------------------- fit
    def _check_fit_input(self, X, y, sample_weight, reset: bool):
        expected = None if reset else self.image_shape_[:2]
        X, hw = check_images(self, X, reset=reset, expected_hw=expected)
        check_classification_targets(y)
        y = column_or_1d(y, warn=True)
        if y.shape[0] != X.shape[0]:
            msg = (
                f"X and y have different lengths: {X.shape[0]} images and "
                f"{y.shape[0]} labels. Pass one label per image."
            )
            raise ValueError(msg)
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float32, ensure_non_negative=True
        )
        return X, hw, y, sample_weight

    def _check_callbacks(self) -> None:
        for callback in self.callbacks or ():
            if not isinstance(callback, keras.callbacks.Callback):
                msg = (
                    "callbacks must be a list of keras.callbacks.Callback "
                    f"instances; got {type(callback).__name__}. Received: "
                    f"callbacks={self.callbacks!r}"
                )
                raise TypeError(msg)

    def _initialize(self, X, images, hw, y, seed: int) -> None:
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            msg = (
                f"y has only one class ({encoder.classes_[0]!r}); a classifier "
                f"needs at least two. Check the labels you passed."
            )
            raise ValueError(msg)
        # Build first, then replace the fitted state: a failed build leaves a
        # previously fitted estimator as it was.
        scale = pixel_scale(X)
        model = self._build_model(hw, len(encoder.classes_), seed, scale)
        if whitening_layers(model):  # computed from this fit's images
            adapt_whitening(model, images.astype(np.float32) * scale)
        self.pixel_scale_ = scale
        self.model_ = model
        self.classes_ = encoder.classes_
        self.image_shape_ = (*hw, 1)
        self.history_: dict[str, list[float]] = {}
        self.n_iter_ = 0
        self._seed = seed
        self._incremental = False

    def fit(self, X, y, sample_weight=None) -> ZooClassifier:
        """Train the network on images X and labels y.

        A new network is built unless ``warm_start=True`` and the estimator
        is fitted: then training continues from the current weights, for
        ``epochs`` epochs with a fresh optimizer and its own ``lr_schedule``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 784), (n_samples, 28, 28) or (n_samples, 28, 28, 1)
            Images: uint8 in 0-255 or floats in 0-1 or 0-255.
        y : array-like of shape (n_samples,)
            Class labels (ints or strings).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-image weights of the loss.

        Returns
        -------
        self : ZooClassifier
            The fitted estimator.

        Raises
        ------
        KeyboardInterrupt
            Re-raised after an interrupt (Ctrl-C). Like any other exception
            raised while fitting (by a callback, by Keras), it leaves the
            estimator exactly as it was before the call (the previous model,
            or unfitted) if no epoch was completed; otherwise the estimator
            keeps the completed epochs: ``n_iter_`` and ``history_`` count
            them and the weights are those of the last one.
        """
        return self._fit(X, y, sample_weight, partial=False)

    def partial_fit(self, X, y, classes=None, sample_weight=None) -> ZooClassifier:
        """Train one epoch on X, y (initialising on the first call).

        Every call trains at the constant ``learning_rate`` whatever
        ``lr_schedule`` says (the number of calls is not known in advance, so
        no schedule can be laid out over them), with one optimizer kept
        across calls, so its moment estimates carry over.

        Parameters
        ----------
        X : array-like of images
            As in :meth:`fit`.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            All classes, needed on the first call if y does not hold all of them.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-image weights of the loss.

        Returns
        -------
        self : ZooClassifier

        Raises
        ------
        KeyboardInterrupt
            Re-raised after an interrupt. Then, as after any exception, the
            estimator is as it was before the call unless the epoch was
            completed (see :meth:`fit`).
        """
        if (
            classes is not None
            and hasattr(self, "model_")
            and not np.array_equal(np.sort(np.asarray(classes)), self.classes_)
        ):
            msg = (
                f"classes={classes!r} differs from the classes of the first "
                f"call to partial_fit: {self.classes_!r}."
            )
            raise ValueError(msg)
        return self._fit(X, y, sample_weight, partial=True, classes=classes)

    def _fit(self, X, y, sample_weight, *, partial: bool, classes=None):
        self._validate_params()
        self._check_callbacks()
        before = FittedState(self)
        self._epochs_completed = 0
        try:
            return self._fit_checked(X, y, sample_weight, partial, classes)
        except BaseException:
            # A fit that completed no epoch leaves the estimator as it was;
            # one that completed epochs keeps them (n_iter_, history_, and
            # the weights of the last one).
            if not self._epochs_completed:
                before.restore(self)
            raise
        finally:
            self.__dict__.pop("_epochs_completed", None)

    def _fit_checked(self, X, y, sample_weight, partial: bool, classes):
        continuing = hasattr(self, "model_") and (partial or self.warm_start)
        X, hw, y, sample_weight = self._check_fit_input(
            X, y, sample_weight, reset=not continuing
        )
        images = to_images(X, hw)
        if continuing:
            unseen = np.setdiff1d(np.unique(y), self.classes_)
            if unseen.size:
                msg = f"y holds labels {unseen!r} not seen in the first fit: {self.classes_!r}."
                raise ValueError(msg)
        else:
            seed = seed_from_random_state(self.random_state)
            labels = (
                np.concatenate([np.asarray(classes), y]) if classes is not None else y
            )
            self._initialize(X, images, hw, labels, seed)
            if "pretrained" in self._parameter_constraints and self.pretrained:
                self._start_from_pretrained()
        y_enc = np.searchsorted(self.classes_, y).astype(np.int32)
        if self.class_weight is not None:
            sample_weight = sample_weight * compute_sample_weight(
                self._class_weight_encoded(), y_enc
            ).astype(np.float32)
        self.best_epoch_: int | None = None
        interrupted = self._run_training(images, y_enc, sample_weight, partial=partial)
        if interrupted:
            raise KeyboardInterrupt
        check_finite_weights(self.model_, self.history_)
        return self

    def _start_from_pretrained(self) -> None:
        """Copy the shipped weights into the network just built (``pretrained=True``).

        No estimator is loaded: the shipped file's arrays go into this
        estimator's fresh network, layer by layer. The head is kept when the
        classes are the shipped ones (Fashion-MNIST's 0-9); otherwise the
        last layer keeps its random start, with a warning.
        """
        name = self._registered_name()
        shipped = shipped_network(name)
        changed = {
            k: (v, getattr(self, k))
            for k, v in shipped.hyperparameters.items()
            if getattr(self, k) != v
        }
        if changed:
            detail = ", ".join(
                f"{k}={mine!r} (shipped: {v!r})" for k, (v, mine) in changed.items()
            )
            msg = (
                f"pretrained=True starts from the shipped {name} network, but this "
                f"estimator builds another one: {detail}. Keep the network's "
                f"defaults, or set pretrained=False."
            )
            raise ValueError(msg)
        network = self.model_.get_layer(name)
        arrays = network_weights(name)
        arrays = arrays[len(arrays) - len(network.weights) :]
        same_classes = np.array_equal(self.classes_, np.arange(len(shipped.classes)))
        new_head = []
        start = 0
        for layer in network.layers:
            current = layer.get_weights()
            weights = arrays[start : start + len(current)]
            start += len(current)
            if [w.shape for w in weights] == [w.shape for w in current] and (
                same_classes or layer is not network.layers[-1]
            ):
                layer.set_weights(weights)
            elif current:
                new_head.append(layer.name)
        if new_head:
            warnings.warn(
                f"The pretrained {name} predicts Fashion-MNIST's "
                f"{len(shipped.classes)} classes 0-9; y has the classes "
                f"{list(self.classes_)!r}, so its last layer ({', '.join(new_head)}) "
                f"starts from random weights.",
                UserWarning,
                stacklevel=4,
            )

    def _class_weight_encoded(self):
        if self.class_weight == "balanced" or self.class_weight is None:
            return self.class_weight
        return {
            int(np.searchsorted(self.classes_, k)): v
            for k, v in self.class_weight.items()
        }

    def _split_validation(self, n: int, y_enc: np.ndarray):
        idx = np.arange(n)
        counts = np.bincount(y_enc)
        n_val = max(1, round(self.validation_fraction * n))
        stratify = (
            y_enc if counts[counts > 0].min() >= 2 and n_val >= counts.size else None
        )
        return train_test_split(
            idx, test_size=n_val, stratify=stratify, random_state=self._seed % (2**31)
        )

    def _epoch_batches(
        self, inputs: np.ndarray, y_enc: np.ndarray, sample_weight: np.ndarray
    ) -> tuple[EpochBatches, np.ndarray | None]:
        """The training rows (seeded per-epoch order) and the held-out rows.

        Data parallelism on JAX splits every batch evenly over the devices:
        batches hold a multiple of the device count, and each epoch leaves
        out its last (fewer than that many) shuffled rows.
        """
        multiple = batch_multiple()
        targets = self._targets(y_enc)
        rows = held_out = None
        if self.early_stopping:
            rows, held_out = self._split_validation(len(inputs), y_enc)
            held_out = held_out[
                : max(multiple, held_out.size - held_out.size % multiple)
            ]
        data = EpochBatches(
            inputs,
            targets,
            sample_weight,
            batch_size=rounded_batch_size(self.batch_size),
            seed=self._seed,
            rows=rows,
            multiple=multiple,
        )
        return data, held_out

    def _run_training(
        self,
        images: np.ndarray,
        y_enc: np.ndarray,
        sample_weight: np.ndarray,
        *,
        partial: bool,
    ) -> bool:
        """Train ``model_`` (one epoch for ``partial_fit``); True if interrupted.

        The one lifecycle of every fit: the epochs are laid out and the
        optimizer made (:meth:`_prepare_phases`), the user's callbacks are
        told the fit begins (and say where to resume), the phases run
        (:meth:`_train_phases`; one here, two in ``TransferClassifier``),
        and the callbacks are told it ended, with the last epoch's logs.
        """
        data, held_out = self._epoch_batches(images, y_enc, sample_weight)
        data, first, stop = self._prepare_phases(data, partial=partial)
        callbacks = FitCallbacks(self.callbacks, self.model_)
        try:
            first = max(first, callbacks.begin())
            result = self._train_phases(
                data, held_out, first, stop, callbacks, partial=partial
            )
            if not result.interrupted:
                callbacks.end(_last_logs(self.history_))
        finally:
            callbacks.detach()
        return result.interrupted

    def _prepare_phases(
        self, data: EpochBatches, *, partial: bool
    ) -> tuple[EpochBatches, int, int]:
        """Number the epochs and compile: the data, first epoch and stop."""
        if partial:
            # Epochs are numbered by n_iter_, across calls; one constant-rate
            # optimizer serves all the calls.
            offset, first, stop = 0, self.n_iter_, self.n_iter_ + 1
            if not getattr(self, "_incremental", False):  # older pickles lack it
                self._compile(self.model_, total_steps=0)
                self._incremental = True
        else:
            offset, first, stop = self.n_iter_, 0, self.epochs
            self._compile(self.model_, total_steps=data.steps_per_epoch * self.epochs)
            self._incremental = False
        return replace(data, epoch_offset=offset), first, stop

    def _train_phases(
        self,
        data: EpochBatches,
        held_out: np.ndarray | None,
        first: int,
        stop: int,
        callbacks: FitCallbacks,
        *,
        partial: bool,
    ) -> PhaseResult:
        """The fit's training phases; the last one's result."""
        return self._train(self.model_, data, first, stop, held_out, callbacks)

    def _train(
        self,
        model: Any,
        data: EpochBatches,
        first: int,
        stop: int,
        held_out: np.ndarray | None,
        callbacks: FitCallbacks,
    ) -> PhaseResult:
        """One phase of :func:`train_phase` on ``model``, recorded in the fitted state.

        ``held_out`` rows of ``data``'s arrays are the validation set.
        """
        validation = None if held_out is None else data.take(held_out)
        with device_scope():
            result = train_phase(
                model,
                data,
                epochs=stop,
                initial_epoch=first,
                validation=validation,
                patience=self.n_iter_no_change if validation is not None else None,
                plateau=self.lr_schedule == "plateau" and not self._incremental,
                callbacks=callbacks,
                last_epoch=data.epoch_offset + stop,
                verbose=self.verbose,
            )
        self._record(result, data.epoch_offset)
        if result.error is not None:
            raise result.error
        return result

    def _record(self, result: PhaseResult, offset: int) -> None:
        """Add a phase's epochs to ``history_``, ``n_iter_`` and ``best_epoch_``."""
        for key, values in result.history.items():
            self.history_.setdefault(key, []).extend(values)
        self.n_iter_ = offset + result.end_epoch
        self._epochs_completed = getattr(self, "_epochs_completed", 0) + (
            result.epochs_run
        )
        if result.best_epoch is not None:
            self.best_epoch_ = offset + result.best_epoch + 1

    def _targets(self, y_enc: np.ndarray) -> np.ndarray:
        if self.label_smoothing:
            return np.eye(len(self.classes_), dtype=np.float32)[y_enc]
        return y_enc

    # --------------------------------------------------------------- predict
    def _predict_images(self, X) -> np.ndarray:
        check_is_fitted(self)
        X, hw = check_images(self, X, reset=False, expected_hw=self.image_shape_[:2])
        return to_images(match_fit_scale(X, self.pixel_scale_), hw)

    #: Up to this many batches go one by one straight to the model; more go
    #: through ``predict``'s loop.
    _direct_batches = 1
    #: Whether those go through the compiled step (``predict_on_batch``) or
    #: an eager call (cheaper for a large backbone used a few times).
    _compiled_direct = True

    def _run_batches(self, model: Any, images: np.ndarray) -> np.ndarray:
        """``model`` on ``images`` in batches of ``batch_size``, as float32."""
        return run_batches(
            model,
            images,
            self.batch_size,
            direct_batches=self._direct_batches,
            compiled=self._compiled_direct,
            verbose=self.verbose,
        )

    def _forward(self, images: np.ndarray) -> np.ndarray:
        return self._run_batches(self.model_, images)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like of images
            As in :meth:`fit`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        images = self._predict_images(X)
        views = tta_views(self.tta)
        if len(views) == 1:
            return self._forward(images)
        return average_views(self._forward, images, views)

    def predict(self, X) -> np.ndarray:
        """Predicted class labels.

        Parameters
        ----------
        X : array-like of images
            As in :meth:`fit`.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X, y, sample_weight=None) -> float:
        """Accuracy on ``X`` and labels ``y`` (:meth:`ClassifierMixin.score`).

        Labels of another kind than ``classes_`` (numbers for a model fitted
        on strings, or the reverse) are a ``ValueError`` that lists both.
        """
        check_is_fitted(self)
        check_label_kinds(self.classes_, y)
        return float(super().score(X, y, sample_weight=sample_weight))

    def embed(self, X) -> np.ndarray:
        """Activations of the network's last hidden layer: one vector per image.

        The input of the classification head (the ``"features"`` of a
        transfer model), in inference mode, without test-time views. A
        :class:`sklearn.preprocessing.FunctionTransformer` of this method puts
        the embeddings in a :class:`~sklearn.pipeline.Pipeline`
        (``make_pipeline(FunctionTransformer(est.embed), KNeighborsClassifier())``);
        it is a method of its own, not ``transform``, so that the estimator
        stays a classifier to scikit-learn (its tags, checks and pipelines).

        .. versionadded:: 0.2.0

        Parameters
        ----------
        X : array-like of images
            As in :meth:`fit`.

        Returns
        -------
        embedding : ndarray of shape (n_samples, n_features), float32
        """
        images = self._predict_images(X)
        embedder = _EMBEDDERS.get(self.model_)
        if embedder is None:
            embedder = _EMBEDDERS[self.model_] = embedding_model(self.model_)
        return self._run_batches(embedder, images)

    def predict_log_proba(self, X) -> np.ndarray:
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of images
            As in :meth:`fit`.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``-inf`` where a probability is 0.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    # ----------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike[str], *, weights: str = "keras") -> Path:
        """Write the fitted estimator in fashionzoo's safe file format.

        Read it back with :func:`fashionzoo.load`: no pickle, nothing in the
        file runs. See :func:`fashionzoo.saving.save`.

        Parameters
        ----------
        path : str or path-like
            The file to write (``.fzoo`` by convention), replaced atomically.
        weights : {"keras", "float32", "float16"}, default="keras"
            Store the Keras model, or the weights alone at that precision.

        Returns
        -------
        path : Path
        """
        return _persistence.save(self, path, weights=weights)

    def __getstate__(self) -> dict[str, Any]:
        # The network as .keras bytes: pickle, skops and MLflow get plain data.
        return to_plain(super().__getstate__())

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A pickle from before a parameter was added means its former value.
        state = {**self._values_of_added_parameters(), **state}
        super().__setstate__(from_plain(state))

    def __deepcopy__(self, memo):
        state = {k: v for k, v in self.__dict__.items() if k != "model_"}
        new = type(self).__new__(type(self))
        new.__dict__.update(copy.deepcopy(state, memo))
        if "model_" in self.__dict__:
            new.model_ = pickle.loads(pickle.dumps(self.model_))
        return new


def _last_logs(history: dict[str, list[float]]) -> dict[str, float]:
    """The last epoch's logs, as Keras passes them to ``on_train_end``.

    Keras's own keys (losses, metrics, ``learning_rate``); fashionzoo's
    bookkeeping (``epoch_time``, ``phase``) stays in ``history_``.
    """
    return {
        k: v[-1] for k, v in history.items() if v and k not in ("epoch_time", "phase")
    }
