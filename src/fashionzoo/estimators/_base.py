"""ZooClassifier: the scikit-learn side of every fashionzoo network."""

from __future__ import annotations

import copy
import inspect
import logging
import os
import warnings
import weakref
from dataclasses import replace
from numbers import Integral, Real
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d

# Registers RandomErasing with Keras, which unpickling a fitted estimator needs.
import fashionzoo.models.augment  # noqa: F401
from fashionzoo._backends._batches import EpochBatches
from fashionzoo._defaults import TRAINING_DEFAULTS, estimator_defaults
from fashionzoo.estimators._generate import (
    estimator_docstring,
    hyperparameter_constraints,
    make_init,
)
from fashionzoo.estimators._seeding import seed_from_random_state, seeded_build
from fashionzoo.estimators._state import from_plain, to_plain
from fashionzoo.estimators._training import make_loss, make_optimizer
from fashionzoo.estimators._tta import TTA_MODES, average_views, tta_views
from fashionzoo.estimators._validation import (
    IMAGE_SIDE,
    check_images,
    match_fit_scale,
    pixel_scale,
    to_images,
)

if TYPE_CHECKING:
    from fashionzoo.estimators._loop import FitCallbacks, PhaseResult

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
        "pretrained": ["boolean"],
        "callbacks": [list, tuple, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("_model_name"):
            _complete_estimator(cls)

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
        from fashionzoo.models.augment import augment_strengths

        super()._validate_params()
        augment_strengths(self.augment)

    # --------------------------------------------------------- model building
    def _model_params(self) -> dict[str, Any]:
        """Hyperparameters passed to the network builder."""
        from fashionzoo.models import get_model_spec

        spec = get_model_spec(self._registered_name())
        return {name: getattr(self, name) for name in spec.hyperparameters}

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
        from fashionzoo.models import build_model

        return build_model(
            self._registered_name(),
            (IMAGE_SIDE, IMAGE_SIDE, 1),
            n_classes,
            **self._model_params(),
        )

    def _build_model(
        self, image_hw: tuple[int, int], n_classes: int, seed: int, scale: float
    ) -> Any:
        from fashionzoo._config import strategy_scope
        from fashionzoo._keras import keras
        from fashionzoo.models.augment import make_augmentation

        with strategy_scope(), seeded_build(seed):
            inputs = keras.Input(shape=(*image_hw, 1), dtype="float32", name="pixels")
            x = keras.layers.Rescaling(scale, name="scale")(inputs)
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
        from fashionzoo._config import strategy_scope

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
        from fashionzoo._keras import keras

        for callback in self.callbacks or ():
            if not isinstance(callback, keras.callbacks.Callback):
                msg = (
                    "callbacks must be a list of keras.callbacks.Callback "
                    f"instances; got {type(callback).__name__}. Received: "
                    f"callbacks={self.callbacks!r}"
                )
                raise TypeError(msg)

    def _initialize(self, X, hw, y, seed: int) -> None:
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
        before = _FittedState(self)
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
            self._initialize(X, hw, labels, seed)
            if getattr(self, "pretrained", False):
                self._start_from_pretrained()
        y_enc = np.searchsorted(self.classes_, y).astype(np.int32)
        if self.class_weight is not None:
            sample_weight = sample_weight * compute_sample_weight(
                self._class_weight_encoded(), y_enc
            ).astype(np.float32)
        self.best_epoch_: int | None = None
        interrupted = self._run_training(
            to_images(X, hw), y_enc, sample_weight, partial=partial
        )
        if interrupted:
            raise KeyboardInterrupt
        from fashionzoo.estimators._loop import check_finite_weights

        check_finite_weights(self.model_, self.history_)
        return self

    def _start_from_pretrained(self) -> None:
        """Put the shipped weights into the network just built (``pretrained=True``).

        The head is kept when the classes are Fashion-MNIST's 0-9; otherwise
        the last layer starts from random weights, with a warning.
        """
        from fashionzoo.pretrained import load_pretrained, model_card

        name = self._registered_name()
        card = model_card(name)
        changed = {
            k: (v, getattr(self, k))
            for k, v in card["network"]["hyperparameters"].items()
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
        source = load_pretrained(name).model_.get_layer(name)
        target = self.model_.get_layer(name)
        same_classes = np.array_equal(self.classes_, np.arange(len(card["classes"])))
        new_head = []
        for src, dst in zip(source.layers, target.layers, strict=True):
            weights = src.get_weights()
            if [w.shape for w in weights] == [w.shape for w in dst.get_weights()] and (
                same_classes or dst is not target.layers[-1]
            ):
                dst.set_weights(weights)
            elif weights:
                new_head.append(dst.name)
        if new_head:
            warnings.warn(
                f"The pretrained {name} predicts Fashion-MNIST's {len(card['classes'])} "
                f"classes 0-9; y has the classes {list(self.classes_)!r}, so its last "
                f"layer ({', '.join(new_head)}) starts from random weights.",
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
        from fashionzoo._config import batch_multiple

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
            batch_size=-(-self.batch_size // multiple) * multiple,
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
        """Train ``model_`` (one epoch for ``partial_fit``); True if interrupted."""
        data, held_out = self._epoch_batches(images, y_enc, sample_weight)
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
        result = self._train(
            self.model_, replace(data, epoch_offset=offset), first, stop, held_out
        )
        return result.interrupted

    def _train(
        self,
        model: Any,
        data: EpochBatches,
        first: int,
        stop: int,
        held_out: np.ndarray | None,
        *,
        callbacks: FitCallbacks | None = None,
    ) -> PhaseResult:
        """One phase of :func:`train_phase` on ``model``, recorded in the fitted state.

        ``held_out`` rows of ``data``'s arrays are the validation set. Without
        ``callbacks`` the phase is a whole fit: the user's callbacks are told
        of it here.
        """
        from fashionzoo._config import device_scope
        from fashionzoo.estimators._loop import FitCallbacks, train_phase

        validation = None if held_out is None else data.take(held_out)
        own = callbacks is None
        if callbacks is None:
            callbacks = FitCallbacks(self.callbacks, self.model_)
        try:
            if own:
                first = max(first, callbacks.begin())
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
            if own and not result.interrupted:
                callbacks.end(_last_logs(result))
        finally:
            if own:
                callbacks.detach()
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
        """``model`` on ``images`` in batches of ``batch_size``, as float32.

        When the images fill more than one batch, the last batch is padded
        with blank images so that every batch has one shape: one traced
        graph, and a row gets the same float32 result whichever batch holds it.
        A few images (one batch or less) are padded to the next power of two
        instead and run through ``predict_on_batch``: the compiled step
        without ``predict``'s dataset and callbacks, 8x faster than calling
        the model eagerly for one image, with a handful of traced shapes.
        """
        from fashionzoo._config import batch_multiple, device_scope
        from fashionzoo._keras import keras
        from fashionzoo.estimators._interrupt import ctrl_c_between_batches

        n = images.shape[0]
        multiple = batch_multiple()
        size = -(-self.batch_size // multiple) * multiple
        if n <= self._direct_batches * size:
            rows = min(size, max(multiple, 1 << max(0, min(n, size) - 1).bit_length()))
            pad = -n % rows
        else:
            rows, pad = size, -n % size
        if pad:
            blank = np.zeros((pad, *images.shape[1:]), dtype=images.dtype)
            images = np.concatenate([images, blank])
        with device_scope(), ctrl_c_between_batches() as stop_on_ctrl_c:
            if n <= self._direct_batches * size:
                # A Ctrl-C pressed meanwhile raises as the context ends.
                step = (
                    model.predict_on_batch
                    if self._compiled_direct
                    else lambda x: model(x, training=False)
                )
                out = np.concatenate(
                    [
                        keras.ops.convert_to_numpy(
                            step(images[i : i + rows].astype(np.float32))
                        )
                        for i in range(0, images.shape[0], rows)
                    ]
                )
            else:
                from fashionzoo._backends import current as current_backend

                out = model.predict(
                    current_backend().prediction_input(images, size),
                    batch_size=None,
                    verbose=max(0, self.verbose - 1),
                    callbacks=[stop_on_ctrl_c],
                )
        return np.asarray(out[:n], dtype=np.float32)

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
        from fashionzoo.models.parts import embedding_model

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
        from fashionzoo.saving import save

        return save(self, path, weights=weights)

    def __getstate__(self) -> dict[str, Any]:
        # The network as .keras bytes: pickle, skops and MLflow get plain data.
        return to_plain(super().__getstate__())

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(from_plain(state))

    def __deepcopy__(self, memo):
        state = {k: v for k, v in self.__dict__.items() if k != "model_"}
        new = type(self).__new__(type(self))
        new.__dict__.update(copy.deepcopy(state, memo))
        if "model_" in self.__dict__:
            import pickle

            new.model_ = pickle.loads(pickle.dumps(self.model_))
        return new


class _FittedState:
    """An estimator's fitted state at the start of a fit, to go back to.

    The attributes (learned ``*_`` ones and private ones), and for a fitted
    estimator the values of its model's weights and optimizer variables and
    the optimizer itself (``fit`` compiles a new one). Restoring gives the
    estimator exactly as it was: unfitted if it was.
    """

    def __init__(self, estimator: ZooClassifier) -> None:
        from fashionzoo.estimators._loop import variable_values

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

    def restore(self, estimator: ZooClassifier) -> None:
        from fashionzoo.estimators._loop import assign_values

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
            from fashionzoo._config import strategy_scope

            with strategy_scope():
                model.compile(
                    optimizer=self.optimizer,
                    loss=make_loss(estimator.label_smoothing),
                    metrics=["accuracy"],
                )
        assign_values(self.values)


def _complete_estimator(cls: type[ZooClassifier]) -> None:
    """Constraints of a network's hyperparameters; ``__init__`` and doc if missing.

    The zoo's own classes are written out in ``_cnn.py``; a network a user
    registers gets its ``__init__`` and docstring generated here.
    """
    from fashionzoo.models import get_model_spec

    spec = get_model_spec(cls._registered_name())
    cls._parameter_constraints = {
        **ZooClassifier._parameter_constraints,
        **hyperparameter_constraints(spec.hyperparameters),
    }
    if "__init__" in cls.__dict__:
        return
    defaults = estimator_defaults(spec.name)
    cls.__init__ = make_init(defaults, cls.__qualname__)  # type: ignore[method-assign]
    summary = inspect.cleandoc(
        cls.__doc__ or f"The {spec.name} network as a classifier."
    )
    cls.__doc__ = estimator_docstring(summary, spec, defaults)


def _last_logs(result: PhaseResult) -> dict[str, float]:
    """The last epoch's logs, as Keras passes them to ``on_train_end``."""
    return {k: v[-1] for k, v in result.history.items() if v and k != "epoch_time"}
