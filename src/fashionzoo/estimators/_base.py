"""ZooClassifier: the scikit-learn side of every fashionzoo network."""

from __future__ import annotations

import copy
import inspect
import logging
import time
import warnings
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d

from fashionzoo.estimators._generate import (
    estimator_docstring,
    hyperparameter_constraints,
    make_init,
)
from fashionzoo.estimators._seeding import (
    epoch_rng,
    seed_from_random_state,
    seeded_build,
)
from fashionzoo.estimators._training import PlateauSchedule, make_loss, make_optimizer
from fashionzoo.estimators._validation import (
    IMAGE_SIDE,
    check_images,
    pixel_scale,
    to_images,
)

logger = logging.getLogger(__name__)

__all__ = ["TRAINING_DEFAULTS", "ZooClassifier"]

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
    "random_state": None,
    "verbose": 0,
}


def _epoch_line(epoch: int, last: int, record: dict[str, float]) -> str:
    """One progress line: ``Epoch 3/15 - 5.1s - loss: 0.4123 - ...``."""
    metrics = " - ".join(
        f"{key}: {value:.4g}" for key, value in record.items() if key != "epoch_time"
    )
    return f"Epoch {epoch}/{last} - {record['epoch_time']:.1f}s - {metrics}"


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
        "tta": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("_model_name") and "__init__" not in cls.__dict__:
            _generate_estimator(cls)

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

    def _build_model(self, image_hw: tuple[int, int], n_classes: int, seed: int) -> Any:
        import keras

        from fashionzoo._config import strategy_scope
        from fashionzoo.models.augment import make_augmentation

        with strategy_scope(), seeded_build(seed):
            inputs = keras.Input(shape=(*image_hw, 1), dtype="float32", name="pixels")
            x = keras.layers.Rescaling(self.pixel_scale_, name="scale")(inputs)
            if image_hw != (IMAGE_SIDE, IMAGE_SIDE):
                x = keras.layers.Resizing(IMAGE_SIDE, IMAGE_SIDE, name="resize")(x)
            augmentation = make_augmentation(self.augment)
            if augmentation is not None:
                x = augmentation(x)
            outputs = self._build_network(n_classes)(x)
            model = keras.Model(inputs, outputs, name=type(self).__name__)
        return model

    def _compile(self, model: Any, steps_per_epoch: int, total_steps: int) -> None:
        from fashionzoo._config import strategy_scope

        with strategy_scope():
            model.compile(
                optimizer=make_optimizer(
                    self.optimizer,
                    self.learning_rate,
                    weight_decay=self.weight_decay,
                    schedule=self.lr_schedule,
                    total_steps=total_steps,
                ),
                loss=make_loss(self.label_smoothing),
                metrics=["accuracy"],
            )

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
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float32)
        return X, hw, y, sample_weight

    def _initialize(self, X, hw, y, seed: int) -> None:
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            msg = (
                f"y has only one class ({encoder.classes_[0]!r}); a classifier "
                f"needs at least two. Check the labels you passed."
            )
            raise ValueError(msg)
        # Build first, then replace the fitted state at once: a failure here
        # leaves a previously fitted model untouched.
        self.pixel_scale_ = pixel_scale(X)
        model = self._build_model(hw, len(encoder.classes_), seed)
        self.classes_ = encoder.classes_
        self.image_shape_ = (*hw, 1)
        self.model_ = model
        self.history_: dict[str, list[float]] = {}
        self.n_iter_ = 0
        self._seed = seed

    def fit(self, X, y, sample_weight=None) -> ZooClassifier:
        """Train the network on images X and labels y.

        Parameters
        ----------
        X : array-like of shape (n_samples, 784), (n_samples, 28, 28) or (n_samples, 28, 28, 1)
            Images: uint8 in 0-255 or floats in 0-1 or 0-255.
        y : array-like of shape (n_samples,)
            Class labels (ints or strings).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-image weights of the loss.

        Returns
        -------
        self : ZooClassifier
            The fitted estimator.
        """
        self._validate_params()
        return self._fit(X, y, sample_weight, epochs=self.epochs, partial=False)

    def partial_fit(self, X, y, classes=None, sample_weight=None) -> ZooClassifier:
        """Train one more epoch on X, y (initialising on the first call).

        Parameters
        ----------
        X : array-like of images
            As in :meth:`fit`.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            All classes, needed on the first call if y does not hold all of them.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-image weights of the loss.

        Returns
        -------
        self : ZooClassifier
        """
        first = not hasattr(self, "model_")
        if first:
            self._validate_params()
        if (
            classes is not None
            and not first
            and not np.array_equal(np.sort(np.asarray(classes)), self.classes_)
        ):
            msg = (
                f"classes={classes!r} differs from the classes of the first "
                f"call to partial_fit: {self.classes_!r}."
            )
            raise ValueError(msg)
        return self._fit(X, y, sample_weight, epochs=1, partial=True, classes=classes)

    def _fit(self, X, y, sample_weight, *, epochs: int, partial: bool, classes=None):
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
        y_enc = np.searchsorted(self.classes_, y).astype(np.int32)
        if self.class_weight is not None:
            sample_weight = sample_weight * compute_sample_weight(
                self._class_weight_encoded(), y_enc
            ).astype(np.float32)
        self._train(to_images(X, hw), y_enc, sample_weight, epochs)
        return self

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

    def _train(
        self, images: np.ndarray, y_enc: np.ndarray, sample_weight, epochs: int
    ) -> None:
        from fashionzoo._config import batch_multiple, device_scope

        n = images.shape[0]
        # Data parallelism on JAX splits every batch evenly over the devices:
        # batches hold a multiple of the device count, and each epoch leaves
        # out its last (fewer than that many) shuffled rows.
        multiple = batch_multiple()
        batch_size = -(-self.batch_size // multiple) * multiple
        validation = None
        train_idx = None
        if self.early_stopping:
            train_idx, val_idx = self._split_validation(n, y_enc)
            val_idx = val_idx[: max(multiple, val_idx.size - val_idx.size % multiple)]
            validation = (
                images[val_idx],
                self._targets(y_enc[val_idx]),
                sample_weight[val_idx],
            )
            n = train_idx.size
        n_used = max(multiple, n - n % multiple)
        steps = -(-n_used // batch_size)
        if not getattr(self.model_, "optimizer", None) or not self.model_.compiled:
            self._compile(self.model_, steps, steps * epochs)
        last_epoch = self.n_iter_ + epochs
        best = (np.inf, None, 0)
        since_best = 0
        plateau = PlateauSchedule()
        try:
            for _ in range(epochs):
                order = epoch_rng(self._seed, self.n_iter_).permutation(n)[:n_used]
                if train_idx is not None:
                    order = train_idx[order]
                start = time.perf_counter()
                with device_scope():
                    hist = self.model_.fit(
                        images[order],
                        self._targets(y_enc[order]),
                        sample_weight=sample_weight[order],
                        batch_size=batch_size,
                        epochs=self.n_iter_ + 1,
                        initial_epoch=self.n_iter_,
                        shuffle=False,
                        validation_data=validation,
                        # Keras's own "Epoch k/k" header would count this
                        # one-epoch call; the line below counts the fit.
                        verbose=1 if self.verbose >= 2 else 0,
                    )
                self.n_iter_ += 1
                record = {k: float(v[-1]) for k, v in hist.history.items()}
                record["learning_rate"] = self._current_learning_rate()
                record["epoch_time"] = time.perf_counter() - start
                for key, value in record.items():
                    self.history_.setdefault(key, []).append(value)
                if self.verbose:  # on stdout, as scikit-learn's estimators print
                    line = _epoch_line(self.n_iter_, last_epoch, record)
                    print(line, flush=True)  # noqa: T201
                if self.lr_schedule == "plateau":
                    plateau.update(
                        self.model_.optimizer, record.get("val_loss", record["loss"])
                    )
                if validation is not None:
                    if record["val_loss"] < best[0]:
                        best = (
                            record["val_loss"],
                            self.model_.get_weights(),
                            self.n_iter_,
                        )
                        since_best = 0
                    else:
                        since_best += 1
                        if since_best >= self.n_iter_no_change:
                            logger.info("early stopping after epoch %d", self.n_iter_)
                            break
        except KeyboardInterrupt:
            warnings.warn(
                f"Training interrupted after {self.n_iter_} epoch(s); the model "
                f"keeps the weights trained so far.",
                UserWarning,
                stacklevel=4,
            )
        if best[1] is not None and best[2] != self.n_iter_:
            self.model_.set_weights(best[1])
            self.best_epoch_ = best[2]

    def _targets(self, y_enc: np.ndarray) -> np.ndarray:
        if self.label_smoothing:
            return np.eye(len(self.classes_), dtype=np.float32)[y_enc]
        return y_enc

    def _current_learning_rate(self) -> float:
        import keras

        opt = self.model_.optimizer
        return float(keras.ops.convert_to_numpy(opt.learning_rate))

    # --------------------------------------------------------------- predict
    def _predict_images(self, X) -> np.ndarray:
        check_is_fitted(self)
        X, hw = check_images(self, X, reset=False, expected_hw=self.image_shape_[:2])
        return to_images(X, hw)

    #: Up to this many batches run eagerly (``model(x)``) in prediction;
    #: more go through ``predict``'s compiled loop.
    _eager_batches = 1

    def _run_batches(self, model: Any, images: np.ndarray) -> np.ndarray:
        """``model`` on ``images`` in batches of ``batch_size``, as float32.

        When the images fill more than one batch, the last batch is padded
        with blank images so that every batch has one shape: one traced
        graph, and a row gets the same float32 result whichever batch holds it.
        """
        import keras

        from fashionzoo._config import batch_multiple, device_scope

        n = images.shape[0]
        multiple = batch_multiple()
        size = -(-self.batch_size // multiple) * multiple
        pad = -n % size if n > size or multiple > 1 else 0
        if pad:
            blank = np.zeros((pad, *images.shape[1:]), dtype=images.dtype)
            images = np.concatenate([images, blank])
        with device_scope():
            if images.shape[0] <= self._eager_batches * size:
                # Calling the model skips predict()'s graph tracing and callbacks.
                parts = [
                    keras.ops.convert_to_numpy(
                        model(images[i : i + size].astype(np.float32), training=False)
                    )
                    for i in range(0, images.shape[0], size)
                ]
                out = np.concatenate(parts)
            else:
                out = model.predict(
                    images, batch_size=size, verbose=max(0, self.verbose - 1)
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
        proba = self._forward(images)
        if self.tta:
            proba = (proba + self._forward(images[:, :, ::-1])) / 2
        return proba

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
    def __deepcopy__(self, memo):
        state = {k: v for k, v in self.__dict__.items() if k != "model_"}
        new = type(self).__new__(type(self))
        new.__dict__.update(copy.deepcopy(state, memo))
        if "model_" in self.__dict__:
            import pickle

            new.model_ = pickle.loads(pickle.dumps(self.model_))
        return new


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


def _generate_estimator(cls: type[ZooClassifier]) -> None:
    from fashionzoo.models import get_model_spec

    spec = get_model_spec(cls._registered_name())
    defaults = estimator_defaults(spec.name)
    cls.__init__ = make_init(defaults, cls.__qualname__)  # type: ignore[method-assign]
    cls._parameter_constraints = {
        **ZooClassifier._parameter_constraints,
        **hyperparameter_constraints(spec.hyperparameters),
    }
    doc = inspect.cleandoc(cls.__doc__ or f"The {spec.name} network as a classifier.")
    summary, _, examples = doc.partition("Examples\n--------\n")
    cls.__doc__ = estimator_docstring(summary.strip(), spec, defaults)
    if examples:
        cls.__doc__ += f"\nExamples\n--------\n{examples}"
