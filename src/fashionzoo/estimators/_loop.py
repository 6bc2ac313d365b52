"""The training loop: one ``model.fit`` per training phase, on Keras's callbacks.

:func:`train_phase` takes a compiled model and its data and returns what
happened (:class:`PhaseResult`); it keeps no state between calls, so an
estimator with two phases (:class:`~fashionzoo.transfer.TransferClassifier`)
calls it twice. Early stopping and the plateau schedule are Keras's
``EarlyStopping(restore_best_weights=True)`` and ``ReduceLROnPlateau``.
:class:`FitCallbacks` gives the user's callbacks the events of one whole
estimator fit, however many phases it has.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fashionzoo._backends import current as current_backend
from fashionzoo._backends._batches import EpochBatches
from fashionzoo._keras import keras
from fashionzoo.estimators._interrupt import ctrl_c_between_batches

__all__ = [
    "FitCallbacks",
    "PhaseResult",
    "assign_values",
    "train_phase",
    "variable_values",
]


@dataclass(frozen=True)
class PhaseResult:
    """What one training phase did.

    Epoch numbers are Keras's: 0-based, counted over the whole fit.

    Attributes
    ----------
    history : dict of list of float
        Per completed epoch: the logs (``loss``, ``accuracy``, ``val_*``),
        ``learning_rate`` (at the epoch's first step) and ``epoch_time``.
    start_epoch, end_epoch : int
        The phase's first epoch and one past its last completed epoch.
    stopped_early : bool
        Early stopping ended the phase.
    stopped_by_callback : bool
        A user callback set ``model.stop_training`` (``TerminateOnNaN``...).
    interrupted : bool
        A ``KeyboardInterrupt`` ended it; the model holds the weights of its
        last completed epoch (those it started with if none completed).
    best_epoch : int or None
        With early stopping, the epoch whose weights the model holds.
    error : Exception or None
        The exception that ended the phase (a callback's, Keras's); the model
        holds the weights of its last completed epoch, as when interrupted.
        The caller records the completed epochs, then raises it.
    """

    history: dict[str, list[float]] = field(default_factory=dict)
    start_epoch: int = 0
    end_epoch: int = 0
    stopped_early: bool = False
    stopped_by_callback: bool = False
    interrupted: bool = False
    best_epoch: int | None = None
    error: Exception | None = None

    @property
    def epochs_run(self) -> int:
        """Epochs completed in the phase."""
        return self.end_epoch - self.start_epoch


def _learning_rate(model: Any) -> float:
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def variable_values(variables: Sequence[Any]) -> list[tuple[Any, np.ndarray]]:
    """Each variable with a copy of its value, for :func:`assign_values`."""
    return [(v, np.array(v.numpy())) for v in variables]


def assign_values(values: Sequence[tuple[Any, np.ndarray]]) -> None:
    """Put back the values :func:`variable_values` copied."""
    for variable, value in values:
        variable.assign(value)


class _Recorder(keras.callbacks.Callback):
    """Per-epoch history (with the learning rate used and the time) and lines.

    It also keeps the model's weights as the last completed epoch left them
    (as the phase began before any), for a phase that fails to go back to.
    """

    def __init__(self, last_epoch: int, verbose: int) -> None:
        super().__init__()
        self.last_epoch, self.verbose = last_epoch, verbose
        self.history: dict[str, list[float]] = {}
        self.end_epoch: int | None = None
        self.completed: list[tuple[Any, np.ndarray]] | None = None

    def on_train_begin(self, logs: Any = None) -> None:
        self.completed = variable_values(self.model.weights)

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self._start = time.perf_counter()
        self._learning_rate = _learning_rate(self.model)

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if logs is None:
            logs = {}
        # The rate of the epoch's first step, also for callbacks after this one
        # (ReduceLROnPlateau writes the rate it sets for the next epoch).
        logs["learning_rate"] = self._learning_rate
        record = {k: float(v) for k, v in logs.items()}
        record["epoch_time"] = time.perf_counter() - self._start
        for key, value in record.items():
            self.history.setdefault(key, []).append(value)
        self.end_epoch = epoch + 1
        self.completed = variable_values(self.model.weights)
        if self.verbose:  # on stdout, as scikit-learn's estimators print
            print(_epoch_line(epoch + 1, self.last_epoch, record), flush=True)  # noqa: T201


def _epoch_line(epoch: int, last: int, record: dict[str, float]) -> str:
    """One progress line: ``Epoch 3/15 - 5.1s - loss: 0.4123 - ...``."""
    metrics = " - ".join(
        f"{key}: {value:.4g}" for key, value in record.items() if key != "epoch_time"
    )
    return f"Epoch {epoch}/{last} - {record['epoch_time']:.1f}s - {metrics}"


class FitCallbacks:
    """The user's Keras callbacks, told of one estimator fit as one ``model.fit``.

    ``begin`` sends ``on_train_begin`` once, ``relay`` is added to each
    phase's ``model.fit`` and forwards the epoch and batch events (with the
    fit's epoch numbers), ``end`` sends ``on_train_end`` once. The callbacks
    see ``model`` (the estimator's whole model) as ``self.model`` even while a
    phase trains a part of it, and a callback that sets
    ``model.stop_training`` stops the phase and the fit. ``detach`` lets go of
    the model, so the callbacks (estimator parameters, deep-copied by
    ``clone`` and pickled by parallel searches) do not carry it along.

    Parameters
    ----------
    callbacks : sequence of keras.callbacks.Callback or None
        The estimator's ``callbacks`` parameter.
    model : keras.Model
        The estimator's ``model_``.
    """

    def __init__(self, callbacks: Sequence[Any] | None, model: Any) -> None:
        self.model = model
        self.callbacks = list(callbacks or ())
        self._list = keras.callbacks.CallbackList(self.callbacks, model=model)

    def begin(self) -> int:
        """Send ``on_train_begin``; return the epoch to resume at (``BackupAndRestore``)."""
        self.model.stop_training = False
        self.model._initial_epoch = None
        self._list.on_train_begin()
        # Keras's own protocol: BackupAndRestore sets this to the epoch after
        # the last one it backed up, and Keras's fit starts there.
        resume = self.model._initial_epoch or 0
        self.model._initial_epoch = None
        return int(resume)

    def relay(self) -> keras.callbacks.Callback:
        """A callback for one phase's ``model.fit`` that forwards to the user's."""
        return _Relay(self._list, self.model)

    def end(self, logs: dict[str, Any] | None = None) -> None:
        """Send ``on_train_end``."""
        self._list.on_train_end(logs)

    def detach(self) -> None:
        """Drop every callback's reference to the model, and its open files.

        What Keras's callbacks keep after a fit (``CSVLogger``'s closed file,
        ``TensorBoard``'s writers and summary module) cannot be copied or
        pickled, and each fit opens it anew; it is reset to its state before
        a fit, so that ``clone``, pickle and parallel searches work.
        """
        for callback in self.callbacks:
            callback.set_model(None)
            for kind, fresh in _RUN_TIME_STATE:
                if isinstance(callback, kind):
                    for name, value in fresh.items():
                        if name in vars(callback):
                            setattr(
                                callback, name, value() if callable(value) else value
                            )


#: Per Keras callback class, the attributes a fit sets that do not pickle,
#: with the value they have before a fit (a callable: a fresh one each time).
_RUN_TIME_STATE: tuple[tuple[type, dict[str, Any]], ...] = (
    (keras.callbacks.CSVLogger, {"csv_file": None, "writer": None}),
    (keras.callbacks.TensorBoard, {"_summary_module": None, "_writers": dict}),
)


class _Relay(keras.callbacks.Callback):
    """Forwards a phase's events to the user's callbacks (see :class:`FitCallbacks`)."""

    def __init__(self, user: Any, whole_model: Any) -> None:
        super().__init__()
        self._user, self._whole = user, whole_model

    def _forward(self, hook: str, *args: Any) -> None:
        getattr(self._user, hook)(*args)
        if self._whole.stop_training and self.model is not self._whole:
            self.model.stop_training = True

    def on_epoch_begin(self, epoch, logs=None):
        self._forward("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._forward("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._forward("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._forward("on_train_batch_end", batch, logs)

    def on_test_begin(self, logs=None):
        self._forward("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._forward("on_test_end", logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._forward("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._forward("on_test_batch_end", batch, logs)


def train_phase(
    model: Any,
    data: EpochBatches,
    *,
    epochs: int,
    initial_epoch: int = 0,
    validation: tuple[np.ndarray, ...] | None = None,
    patience: int | None = None,
    plateau: bool = False,
    callbacks: FitCallbacks | None = None,
    last_epoch: int | None = None,
    verbose: int = 0,
) -> PhaseResult:
    """Train a compiled ``model`` for epochs ``initial_epoch`` to ``epochs - 1``.

    Parameters
    ----------
    model : keras.Model
        Compiled; its optimizer's schedule counts this phase's steps.
    data : EpochBatches
        The training rows and their seeded per-epoch order.
    epochs : int
        One past the last epoch to train (Keras's ``fit(epochs=...)``).
    initial_epoch : int, default=0
        The first epoch's number.
    validation : tuple of ndarray, default=None
        ``(inputs, targets, sample_weight)`` scored after every epoch.
    patience : int, default=None
        Early stopping on ``val_loss`` with this patience, restoring the best
        weights at the end (needs ``validation``).
    plateau : bool, default=False
        Halve the learning rate when the monitored loss (``val_loss`` if
        validating, else ``loss``) has not improved for two epochs.
    callbacks : FitCallbacks, default=None
        The user's callbacks.
    last_epoch : int, default=None
        The fit's last epoch, for the progress lines (``epochs`` if None).
    verbose : int, default=0
        1 prints a line per epoch; 2 adds Keras's progress bars.

    Returns
    -------
    result : PhaseResult
    """
    result = PhaseResult(start_epoch=initial_epoch, end_epoch=initial_epoch)
    if epochs <= initial_epoch:
        return result
    backend = current_backend()
    recorder = _Recorder(last_epoch or epochs, verbose)
    stack: list[Any] = []
    stopper = None
    if patience is not None:
        stopper = keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=patience, restore_best_weights=True
        )
        stack.append(stopper)
    if plateau:
        stack.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor="val_loss" if validation is not None else "loss",
                factor=0.5,
                patience=2,
                min_lr=1e-6,
                min_delta=0.0,
            )
        )
    stack.append(recorder)
    if callbacks is not None:
        stack.append(callbacks.relay())
    fit_args: dict[str, Any] = {}
    if validation is not None:
        fit_args["validation_data"], fit_args["validation_steps"] = (
            backend.validation_input(validation, data.batch_size)
        )
    interrupted = False
    error: Exception | None = None
    try:
        with ctrl_c_between_batches() as stop_on_ctrl_c:
            model.fit(
                backend.training_input(data, initial_epoch, epochs),
                steps_per_epoch=data.steps_per_epoch,
                epochs=epochs,
                initial_epoch=initial_epoch,
                shuffle=False,  # the input holds each epoch's seeded order
                callbacks=[*stack, stop_on_ctrl_c],
                verbose=1 if verbose >= 2 else 0,
                **fit_args,
            )
    except KeyboardInterrupt:
        interrupted = True
    except Exception as exc:  # noqa: BLE001  (re-raised by the caller)
        error = exc
    if (interrupted or error is not None) and recorder.completed is not None:
        # Nothing of the unfinished epoch stays: back to the last completed one.
        assign_values(recorder.completed)
    end = recorder.end_epoch if recorder.end_epoch is not None else initial_epoch
    stopped_early = stopper is not None and stopper.stopped_epoch > 0
    best = None
    failed = interrupted or error is not None
    if stopper is not None and stopper.best_weights is not None and not failed:
        best = stopper.best_epoch
    return PhaseResult(
        history=recorder.history,
        start_epoch=initial_epoch,
        end_epoch=end,
        stopped_early=stopped_early,
        stopped_by_callback=not failed and not stopped_early and end < epochs,
        interrupted=interrupted,
        best_epoch=best,
        error=error,
    )


def check_finite_weights(model: Any, history: dict[str, list[float]]) -> None:
    """Raise ValueError if training left non-finite weights (a diverged fit).

    Parameters
    ----------
    model : keras.Model
        The trained model.
    history : dict of list of float
        The fit's history, to name the epoch where the loss diverged.

    Raises
    ------
    ValueError
        Some weight is NaN or infinite.
    """
    if all(np.isfinite(w).all() for w in model.get_weights()):
        return
    losses = history.get("loss", [])
    bad = next((i for i, v in enumerate(losses) if not math.isfinite(v)), None)
    when = (
        f" (the loss became {losses[bad]} in epoch {bad + 1})"
        if bad is not None
        else ""
    )
    msg = (
        f"Training diverged: the model's weights hold NaN or infinite values{when}, "
        "so its predictions would be meaningless. Lower learning_rate, or check "
        "the input for extreme values."
    )
    raise ValueError(msg)
