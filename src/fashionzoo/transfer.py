"""Transfer learning: an ImageNet backbone from ``keras.applications`` with a new head.

:class:`TransferClassifier` takes the same 28x28 grey images as every zoo
estimator. Inside its Keras model the images are repeated to three channels,
resized to the backbone's input side, brought back to 0-255 pixels and passed
through the backbone's own ``preprocess_input`` (a serializable layer), so
``predict`` and a saved ``.keras`` model need no preprocessing outside.

Training follows study 003's two phases: the head on a frozen backbone, then
optionally the top layers of the backbone at a small learning rate. While the
backbone is frozen and no augmentation is on, the backbone's features are
computed once per fit and the head trains on them, so extra head epochs cost
almost nothing.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import replace
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from fashionzoo._backends._batches import EpochBatches
from fashionzoo._config import strategy_scope
from fashionzoo._keras import keras
from fashionzoo.estimators._base import ZooClassifier
from fashionzoo.estimators._loop import FitCallbacks, PhaseResult
from fashionzoo.estimators._seeding import seeded_build
from fashionzoo.models.augment import make_augmentation
from fashionzoo.models.backbones import (
    BackbonePreprocess,
    InferenceMode,
    build_backbone,
    check_input_size,
    get_backbone,
)
from fashionzoo.models.parts import feature_extractor, has_augmentation, scaled_pixels

logger = logging.getLogger(__name__)

__all__ = ["TransferClassifier"]


class TransferClassifier(ZooClassifier):
    """An ImageNet backbone from ``keras.applications`` with a new classification head.

    The model takes the same 28x28 grey images as every zoo estimator and
    does, inside the Keras graph: scale to [0, 1], augmentation (training
    only), resize to ``input_size``, repeat the channel to RGB, scale back to
    0-255, the backbone's own ``preprocess_input`` (:class:`BackbonePreprocess
    <fashionzoo.models.backbones.BackbonePreprocess>`), the backbone (always
    in inference mode, so BatchNormalization keeps its statistics), global
    average pooling, then the head ``Dense(head_units, relu) -> Dropout ->
    Dense(n_classes, softmax)``.

    Training has two phases (study 003). Phase 1 trains the head for
    ``epochs`` on a frozen backbone. Phase 2, when ``fine_tune_epochs > 0``,
    unfreezes the top ``fine_tune_layers`` layers of the backbone (its
    BatchNormalization layers stay frozen), recompiles and trains the whole
    model at ``fine_tune_learning_rate`` for ``fine_tune_epochs``. In phase 1
    without augmentation the pooled backbone features are computed once per
    fit, in batches, and the head trains on them: each extra epoch costs a
    pass of the small head, not of the backbone.

    .. versionadded:: 0.1.0

    Parameters
    ----------
    backbone : str, default="vgg16"
        A ``keras.applications`` network: ``"vgg16"``, ``"resnet50"``,
        ``"resnet152v2"``, ``"xception"``, ``"inception_v3"``,
        ``"mobilenet_v2"``, ``"efficientnet_b0"`` or ``"densenet121"`` (see
        :func:`fashionzoo.models.backbones.list_backbones`; case-insensitive,
        spellings without the underscore such as ``"inceptionv3"`` accepted).
    weights : "imagenet", str, path or None, default="imagenet"
        ``"imagenet"``: Keras's ImageNet weights, read from Keras's cache
        ``KERAS_HOME/models`` (``~/.keras/models``) or downloaded there;
        offline and not cached, fit raises
        :class:`~fashionzoo.exceptions.WeightsNotFoundError` naming the file
        to put there. ``None``: random initialisation. A path: a weights file
        of the same backbone without its top (``backbone.save_weights(...)``
        in Keras, ``.weights.h5``, or a legacy ``.h5``).
    input_size : int, default=None
        Side in pixels the images are resized to before the backbone. ``None``
        uses the backbone's minimum, which keeps CPU training affordable: 32
        for most, 71 for Xception, 75 for InceptionV3. Larger sides (96 to
        224) usually transfer ImageNet features better, at a cost growing with
        the square of the side. Below the backbone's minimum, fit raises
        ValueError.
    head_units : int, default=256
        Units of the head's hidden dense layer.
    dropout : float, default=0.5
        Dropout rate before the output layer.
    fine_tune_epochs : int, default=0
        Epochs of phase 2 (fine-tuning the top of the backbone); 0 skips it.
    fine_tune_layers : int, default=20
        How many of the backbone's last layers (all kinds, in
        ``backbone.layers`` order) phase 2 unfreezes; BatchNormalization
        layers among them stay frozen.
    fine_tune_learning_rate : float, default=1e-5
        Peak learning rate of phase 2.
    epochs : int, default=10
        Epochs of phase 1 (the head on the frozen backbone).
    batch_size : int, default=128
        Images per gradient step, per feature-extraction batch and per
        predict batch.
    optimizer : {"adam", "adamw", "sgd", "nadam", "rmsprop"}, default="adam"
        Keras optimizer of both phases; SGD uses Nesterov momentum 0.9.
    learning_rate : float, default=1e-3
        Peak learning rate of phase 1.
    lr_schedule : {None, "constant", "cosine", "onecycle"}, default=None
        Learning-rate schedule over the steps of each phase.
    weight_decay : float, default=0.0
        Decoupled weight decay.
    label_smoothing : float, default=0.0
        Label smoothing of the cross-entropy loss.
    augment : {None, "light", "standard"} or dict, default=None
        Training-time augmentation inside the model, on the 28x28 images: a
        preset, or a dict of strengths for ``flip``, ``shift``, ``zoom`` and
        ``erasing``. With augmentation on, phase 1 runs the whole model
        every epoch instead of training the head on cached features.
    tta : bool or {"flip", "flip+shift"}, default=False
        Test-time augmentation: average the predictions of each image and
        its mirror image (True or "flip"), and also of both moved by one
        pixel up, down, left and right ("flip+shift", 10 views).
    early_stopping : bool, default=False
        In each phase, hold out ``validation_fraction`` of the data
        (stratified, seeded), stop when the validation loss has not improved
        for ``n_iter_no_change`` epochs, and restore the best weights.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    n_iter_no_change : int, default=5
        Patience of early stopping, in epochs.
    class_weight : dict, "balanced" or None, default=None
        Weights per class, multiplied into ``sample_weight``.
    warm_start : bool, default=False
        Continue from the fitted model on the next ``fit`` (both phases run
        again from the current weights, each with a fresh optimizer and its
        own schedule).
    callbacks : list of keras.callbacks.Callback, default=None
        Keras callbacks told of each whole fit, both phases, as of one
        ``model.fit`` (see :class:`~fashionzoo.estimators.ZooClassifier`).
    random_state : int, RandomState instance or None, default=None
        Seeds the head, a randomly initialised backbone, dropout,
        augmentation and shuffling. An int gives the same predictions on
        every CPU run.
    verbose : int, default=0
        0 is silent, 1 prints a line per epoch (loss, metrics, learning rate,
        time), 2 adds Keras's progress bars while fitting, predicting and
        extracting features.

    Attributes
    ----------
    model_ : keras.Model
        The whole model: 28x28 pixels in, class probabilities out.
    backbone_ : keras.Model
        The backbone inside ``model_`` (a view, not a copy).
    input_size_ : int
        Side the images are resized to.
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    n_features_in_ : int
        Pixels per image seen at fit.
    history_ : dict of list
        Per-epoch ``loss``, ``accuracy``, ``learning_rate``, ``epoch_time``
        (and ``val_loss``, ``val_accuracy`` with early stopping), and
        ``phase`` (1: head on the frozen backbone, 2: fine-tuning).
    n_iter_ : int
        Epochs trained, both phases.
    feature_time_ : float
        Seconds spent computing backbone features in the last phase 1
        trained on cached features (0.0 if the last fit did not).

    See Also
    --------
    fashionzoo.models.backbones.list_backbones : The available backbones.
    fashionzoo.LeNet5Classifier : Study 001's baseline trained from scratch.

    Notes
    -----
    ``partial_fit`` trains one phase-1 epoch of the whole model (backbone
    frozen) at the constant ``learning_rate``, with one optimizer kept across
    calls; fine-tuning runs only in ``fit``. Each phase of ``fit`` starts a
    fresh optimizer.

    The backbone always runs in inference mode (wrapped in
    :class:`~fashionzoo.models.backbones.InferenceMode`): in Keras 3 a nested
    model called with ``training=False`` still gets ``training=True`` from
    ``fit`` (keras-team/keras#20285), so that call alone would let EfficientNet's
    internal dropout act during training.

    ``model_`` holds two custom layers of :mod:`fashionzoo.models.backbones`:
    pass ``custom_objects=fashionzoo.models.custom_layers.custom_objects()``
    to ``keras.saving.load_model`` on a saved ``model_`` (or use
    :func:`fashionzoo.load` on a file of :meth:`save`).

    With ``weights="imagenet"`` the backbone is Keras's own
    ``keras.applications`` network with its ImageNet weights (EfficientNet
    with the input rescaling Keras adds for them), so it gives the same
    output as Keras's constructor.

    Examples
    --------
    >>> from fashionzoo.transfer import TransferClassifier
    >>> from fashionzoo.datasets import load_sample
    >>> X, y = load_sample(return_X_y=True)
    >>> clf = TransferClassifier("MobileNetV2", weights=None, epochs=2)
    >>> clf.get_params()["backbone"]
    'MobileNetV2'
    >>> clf.fit(X, y).predict_proba(X[:2]).shape  # doctest: +SKIP
    (2, 10)
    """

    _saved_attributes: ClassVar[tuple[str, ...]] = (
        *ZooClassifier._saved_attributes,
        "input_size_",
        "feature_time_",
    )

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **ZooClassifier._parameter_constraints,
        "backbone": [str],
        "weights": [str, os.PathLike, None],
        "input_size": [Interval(Integral, 1, None, closed="left"), None],
        "head_units": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "fine_tune_epochs": [Interval(Integral, 0, None, closed="left")],
        "fine_tune_layers": [Interval(Integral, 1, None, closed="left")],
        "fine_tune_learning_rate": [Interval(Real, 0, None, closed="neither")],
    }

    # Features and predictions of up to four batches run eagerly: tracing a
    # graph of the backbone costs more than it saves.
    _direct_batches = 4
    _compiled_direct = False

    def __init__(
        self,
        backbone: str = "vgg16",
        *,
        weights: str | os.PathLike[str] | None = "imagenet",
        input_size: int | None = None,
        head_units: int = 256,
        dropout: float = 0.5,
        fine_tune_epochs: int = 0,
        fine_tune_layers: int = 20,
        fine_tune_learning_rate: float = 1e-5,
        epochs: int = 10,
        batch_size: int = 128,
        optimizer: str = "adam",
        learning_rate: float = 1e-3,
        lr_schedule: str | None = None,
        weight_decay: float = 0.0,
        label_smoothing: float = 0.0,
        augment: str | dict[str, Any] | bool | None = None,
        tta: bool | str = False,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 5,
        class_weight: dict[Any, float] | str | None = None,
        warm_start: bool = False,
        callbacks: list[Any] | None = None,
        random_state: Any = None,
        verbose: int = 0,
    ) -> None:
        self.backbone = backbone
        self.weights = weights
        self.input_size = input_size
        self.head_units = head_units
        self.dropout = dropout
        self.fine_tune_epochs = fine_tune_epochs
        self.fine_tune_layers = fine_tune_layers
        self.fine_tune_learning_rate = fine_tune_learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.weight_decay = weight_decay
        self.label_smoothing = label_smoothing
        self.augment = augment
        self.tta = tta
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose

    # --------------------------------------------------------- model building
    @property
    def backbone_(self) -> Any:
        """The backbone network inside ``model_``."""
        check_is_fitted(self)
        return self.model_.get_layer("backbone").layer

    def _model_params(self) -> dict[str, Any]:
        """Hyperparameters of the head (the base class reads a registry entry)."""
        return {"head_units": self.head_units, "dropout": self.dropout}

    def _build_network(self, n_classes: int) -> Any:
        """The head: pooled backbone features in, class probabilities out."""
        return keras.Sequential(
            [
                keras.layers.Dense(
                    self.head_units, activation="relu", name="head_dense"
                ),
                keras.layers.Dropout(self.dropout, name="head_dropout"),
                keras.layers.Dense(
                    n_classes, activation="softmax", dtype="float32", name="predictions"
                ),
            ],
            name="head",
        )

    def _build_model(
        self, image_hw: tuple[int, int], n_classes: int, seed: int, scale: float
    ) -> Any:
        spec = get_backbone(self.backbone)
        size = spec.min_size if self.input_size is None else int(self.input_size)
        check_input_size(spec, size)
        with strategy_scope(), seeded_build(seed):
            backbone = build_backbone(spec.name, size, weights=self.weights)
            inputs, x = scaled_pixels(image_hw, scale)
            augmentation = make_augmentation(self.augment)
            if augmentation is not None:
                x = augmentation(x)
            if image_hw != (size, size):
                x = keras.layers.Resizing(size, size, name="resize")(x)
            x = keras.layers.Concatenate(name="to_rgb")([x, x, x])
            x = keras.layers.Rescaling(255.0, name="to_pixels")(x)
            x = BackbonePreprocess(spec.name, name="preprocess")(x)
            # Inference mode whatever the outer call: frozen BatchNormalization
            # statistics, no dropout inside the backbone (see InferenceMode).
            x = InferenceMode(backbone, name="backbone")(x)
            x = keras.layers.GlobalAveragePooling2D(name="features")(x)
            outputs = self._build_network(n_classes)(x)
            model = keras.Model(inputs, outputs, name=type(self).__name__)
        backbone.trainable = False
        self.input_size_ = size
        return model

    # ------------------------------------------------------------- training
    def _prepare_phases(
        self, data: EpochBatches, *, partial: bool
    ) -> tuple[EpochBatches, int, int]:
        """``partial_fit``: phase 1 of the whole model; ``fit``: phases compile their own."""
        if partial:
            self.backbone_.trainable = False
            self.feature_time_ = 0.0
            return super()._prepare_phases(data, partial=True)
        self._incremental = False
        return replace(data, epoch_offset=self.n_iter_), 0, self.epochs

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
        """Phase 1 (the head), then phase 2 (fine-tuning) in ``fit``."""
        if partial:
            result = super()._train_phases(
                data, held_out, first, stop, callbacks, partial=True
            )
            self._tag_phase(1)
            return result
        result = self._train_head(data, held_out, first, callbacks)
        self._tag_phase(1)
        if (
            not result.interrupted
            and self.fine_tune_epochs
            and not result.stopped_by_callback
        ):
            result = self._fine_tune(
                data, held_out, max(result.end_epoch, first), callbacks
            )
            self._tag_phase(2)
        return result

    def _train_head(self, data, held_out, resume: int, callbacks) -> Any:
        """Phase 1: the head on the frozen backbone, on cached features if it can."""
        self.backbone_.trainable = False
        self.feature_time_ = 0.0
        if self._uses_augmentation():
            self._compile(self.model_, data.steps_per_epoch * self.epochs)
            return self._train(
                self.model_, data, resume, self.epochs, held_out, callbacks
            )
        head_model, features = self._head_on_features(data.inputs)
        if features is None:
            return PhaseResult(start_epoch=resume, end_epoch=resume, interrupted=True)
        self._compile(head_model, data.steps_per_epoch * self.epochs)
        return self._train(
            head_model,
            replace(data, inputs=features),
            resume,
            self.epochs,
            held_out,
            callbacks,
        )

    def _head_on_features(self, images: np.ndarray) -> tuple[Any, Any]:
        """The head as a model on pooled features, and the features of ``images``.

        The features are ``None`` when a ``KeyboardInterrupt`` stopped their
        computation.
        """
        start_time = time.perf_counter()
        try:
            features = self._extract_features(images)
        except KeyboardInterrupt:
            return None, None
        self.feature_time_ = time.perf_counter() - start_time
        logger.info(
            "backbone features of %d images in %.2fs",
            images.shape[0],
            self.feature_time_,
        )
        head = self.model_.get_layer("head")
        inputs = keras.Input(shape=features.shape[1:], name="features")
        return keras.Model(inputs, head(inputs), name="head_trainer"), features

    def _uses_augmentation(self) -> bool:
        return has_augmentation(self.model_)

    def _extract_features(self, images: np.ndarray) -> np.ndarray:
        """Pooled backbone features of ``images``, in batches, as float32."""
        return self._run_batches(feature_extractor(self.model_), images)

    def _fine_tune(self, data, held_out, first: int, callbacks) -> Any:
        """Phase 2: the top of the backbone and the head, at a small learning rate."""
        self._unfreeze_top(self.backbone_)
        stop = first + self.fine_tune_epochs
        self._compile(
            self.model_,
            data.steps_per_epoch * self.fine_tune_epochs,
            learning_rate=self.fine_tune_learning_rate,
        )
        return self._train(self.model_, data, first, stop, held_out, callbacks)

    def _unfreeze_top(self, backbone: Any) -> None:
        backbone.trainable = True
        first = max(0, len(backbone.layers) - self.fine_tune_layers)
        for i, layer in enumerate(backbone.layers):
            layer.trainable = i >= first and not isinstance(
                layer, keras.layers.BatchNormalization
            )

    def _tag_phase(self, phase: int) -> None:
        n = len(self.history_.get("loss", []))
        phases = self.history_.setdefault("phase", [])
        phases.extend([phase] * (n - len(phases)))
