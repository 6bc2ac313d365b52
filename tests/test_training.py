"""The training core: every trained epoch learns, Keras callbacks, interrupts.

Tests of training check behaviour: the weights changed, the loss fell, the
learning rate used was above 0.
"""

from __future__ import annotations

import contextlib
import csv
import signal
import threading

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingGridSearchCV, cross_val_score

from fashionzoo.estimators import LeNet5Classifier

FAST = {"units_1": 16, "units_2": 8, "batch_size": 16, "learning_rate": 0.01}
SCHEDULES = [None, "constant", "cosine", "onecycle", "plateau"]


def lenet(**params):
    return LeNet5Classifier(**{**FAST, "epochs": 3, "random_state": 0, **params})


def weights(est):
    return [w.copy() for w in est.model_.get_weights()]


def largest_change(before, after):
    return max(float(np.abs(a - b).max()) for a, b in zip(before, after, strict=True))


class Record(keras.callbacks.Callback):
    """Records the events it gets and the weights at the start of training."""

    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append("train_begin")
        self.start_weights = [w.copy() for w in self.model.get_weights()]

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(epoch)

    def on_train_end(self, logs=None):
        self.events.append("train_end")


class InterruptAt(keras.callbacks.Callback):
    """Raises KeyboardInterrupt in the middle of epoch ``epoch`` (0-based)."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._epoch == self.epoch and batch == 1:
            raise KeyboardInterrupt

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch


def ctrl_c_swallowed():
    """Press Ctrl-C and lose the KeyboardInterrupt, as C code of TensorFlow and NumPy may."""
    with contextlib.suppress(KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)


class CtrlCSwallowedAt(keras.callbacks.Callback):
    """Presses Ctrl-C in the middle of epoch ``epoch``; the interrupt is swallowed."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._epoch == self.epoch and batch == 1:
            ctrl_c_swallowed()


class SwallowsCtrlCAtFirstCall(keras.Model):
    """``inner`` behind a call that presses Ctrl-C once and swallows the interrupt."""

    def __init__(self, inner):
        super().__init__()
        self.inner, self.pressed = inner, False

    def call(self, x, training=False):
        if not self.pressed:
            self.pressed = True
            ctrl_c_swallowed()
        return self.inner(x, training=training)


class StopAfter(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            self.model.stop_training = True


# ------------------------------------------------ every trained epoch learns
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_fit_then_warm_start_both_learn(tiny_data, schedule):
    X, y = tiny_data
    record = Record()
    est = lenet(lr_schedule=schedule, warm_start=True, callbacks=[record])
    est.fit(X, y)
    first = weights(est)
    assert largest_change(record.start_weights, first) > 1e-3
    est.fit(X, y)
    assert largest_change(first, weights(est)) > 1e-3
    assert est.n_iter_ == 6
    lrs = est.history_["learning_rate"]
    assert len(lrs) == 6
    assert min(lrs) > 0, lrs
    # Each warm-start fit runs its own schedule over its own epochs.
    np.testing.assert_allclose(lrs[3:], lrs[:3], rtol=1e-6)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_partial_fit_learns_on_every_call(tiny_data, schedule):
    X, y = tiny_data
    est = lenet(lr_schedule=schedule)
    est.fit(X, y)
    for _ in range(3):
        before = weights(est)
        est.partial_fit(X, y)
        assert largest_change(before, weights(est)) > 1e-4
    fresh = lenet(lr_schedule=schedule)
    for _ in range(3):
        fresh.partial_fit(X, y, classes=[0, 1, 2])
    for trained in (est, fresh):
        losses = trained.history_["loss"][-3:]
        assert losses[0] > losses[1] > losses[2], losses
        lrs = trained.history_["learning_rate"][-3:]
        # partial_fit trains at the constant learning_rate.
        np.testing.assert_allclose(lrs, FAST["learning_rate"], rtol=1e-6)
    assert est.n_iter_ == 6
    assert fresh.n_iter_ == 3


def test_plateau_halves_the_rate_after_two_epochs_without_progress():
    from fashionzoo._backends._batches import EpochBatches
    from fashionzoo.estimators._loop import train_phase

    # Zero inputs into a bias-free layer: the loss is the same in every epoch.
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, use_bias=False)])
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    n = 8
    data = EpochBatches(
        np.zeros((n, 4), np.float32),
        np.zeros(n, np.int32),
        np.ones(n, np.float32),
        batch_size=4,
        seed=0,
    )
    result = train_phase(model, data, epochs=5, plateau=True)
    np.testing.assert_allclose(
        result.history["learning_rate"], [0.1, 0.1, 0.1, 0.05, 0.05], rtol=1e-6
    )


def test_schedules_shape_the_rate(tiny_data):
    X, y = tiny_data
    cos = lenet(lr_schedule="cosine").fit(X, y).history_["learning_rate"]
    assert cos[0] > cos[1] > cos[2] > 0
    one = lenet(epochs=4, lr_schedule="onecycle").fit(X, y).history_["learning_rate"]
    assert one[0] < one[1]
    assert one[1] > one[3] > 0


# -------------------------------------------------------------- early stopping
def test_early_stopping_restores_the_best_weights_and_resets(tiny_data):
    X, y = tiny_data
    record = Record()
    est = lenet(
        epochs=12,
        early_stopping=True,
        n_iter_no_change=2,
        validation_fraction=0.2,
        learning_rate=0.05,
        callbacks=[record],
    )
    est.fit(X, y)
    val = est.history_["val_loss"]
    best = int(np.argmin(val)) + 1
    assert est.best_epoch_ == best
    assert est.n_iter_ == len(val)
    assert est.n_iter_ == 12 or est.n_iter_ == best + 2
    est.set_params(early_stopping=False).fit(X, y)
    assert est.best_epoch_ is None


# ------------------------------------------------------------------- callbacks
def test_callbacks_see_one_fit(tiny_data):
    X, y = tiny_data
    record = Record()
    est = lenet(callbacks=[record]).fit(X, y)
    assert record.events == ["train_begin", 0, 1, 2, "train_end"]
    assert record.model is None  # let go of the model after the fit
    record.events.clear()
    est.partial_fit(X, y)
    assert record.events == ["train_begin", 3, "train_end"]


def test_callback_can_stop_training(tiny_data):
    X, y = tiny_data
    est = lenet(epochs=5, callbacks=[StopAfter(1)]).fit(X, y)
    assert est.n_iter_ == 2
    assert len(est.history_["loss"]) == 2


def test_clone_deep_copies_callbacks_and_pickles(tiny_data):
    import pickle

    X, y = tiny_data
    record = Record()
    est = lenet(callbacks=[record]).fit(X, y)
    copy_ = clone(est)
    assert copy_.callbacks[0] is not record
    assert isinstance(copy_.callbacks[0], Record)
    assert copy_.callbacks[0].events == record.events
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict_proba(X), est.predict_proba(X))


def test_csv_logger_gets_every_epoch(tiny_data, tmp_path):
    X, y = tiny_data
    path = tmp_path / "log.csv"
    est = lenet(callbacks=[keras.callbacks.CSVLogger(str(path))]).fit(X, y)
    with path.open() as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    np.testing.assert_allclose(
        [float(r["loss"]) for r in rows], est.history_["loss"], rtol=1e-5
    )
    assert all(float(r["learning_rate"]) > 0 for r in rows)


def test_model_checkpoint_saves_the_whole_model(tiny_data, tmp_path):
    X, y = tiny_data
    path = tmp_path / "best.keras"
    est = lenet(callbacks=[keras.callbacks.ModelCheckpoint(str(path))]).fit(X, y)
    loaded = keras.saving.load_model(path)
    images = X[..., None].astype(np.float32)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(images)), est.predict_proba(X), atol=1e-6
    )


def test_backup_and_restore_resumes_an_interrupted_fit(tiny_data, tmp_path):
    X, y = tiny_data
    backup = str(tmp_path / "backup")
    whole = lenet(epochs=4).fit(X, y)
    est = lenet(
        epochs=4,
        callbacks=[keras.callbacks.BackupAndRestore(backup), InterruptAt(2)],
    )
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y)
    assert est.n_iter_ == 2
    resumed = lenet(epochs=4, callbacks=[keras.callbacks.BackupAndRestore(backup)])
    record = Record()
    resumed.set_params(callbacks=[*resumed.callbacks, record]).fit(X, y)
    assert record.events == ["train_begin", 2, 3, "train_end"]
    assert resumed.n_iter_ == 4
    # The same batches in the same order, from the same weights and
    # optimizer state: the resumed fit is the uninterrupted one.
    np.testing.assert_allclose(
        resumed.predict_proba(X), whole.predict_proba(X), rtol=1e-5, atol=1e-6
    )


def test_tensorboard_writes_event_files(tiny_data, tmp_path):
    X, y = tiny_data
    lenet(callbacks=[keras.callbacks.TensorBoard(str(tmp_path))]).fit(X, y)
    assert list((tmp_path / "train").glob("events.out.tfevents.*"))


def test_terminate_on_nan_stops_and_the_fit_says_it_diverged(tiny_data):
    X, y = tiny_data
    est = lenet(
        epochs=5,
        optimizer="sgd",
        learning_rate=1e12,
        callbacks=[keras.callbacks.TerminateOnNaN()],
    )
    with pytest.raises(ValueError, match=r"diverged.*epoch 1.*learning_rate"):
        est.fit(X, y)
    assert est.n_iter_ == 1


def test_callbacks_must_be_keras_callbacks(tiny_data):
    X, y = tiny_data
    with pytest.raises(
        TypeError, match=r"keras\.callbacks\.Callback.*got builtin_function_or_method"
    ):
        lenet(callbacks=[print]).fit(X, y)


# ------------------------------------------------------------------ interrupts
def test_interrupt_keeps_the_finished_epochs_and_reraises(tiny_data):
    X, y = tiny_data
    est = lenet(epochs=5, callbacks=[InterruptAt(1)])
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y)
    assert est.n_iter_ == 1
    assert all(len(v) == 1 for v in est.history_.values())
    assert est.predict_proba(X).shape == (len(X), 3)
    # The estimator stays usable: the next partial_fit continues.
    est.set_params(callbacks=None).partial_fit(X, y)
    assert est.n_iter_ == 2


@pytest.mark.usefixtures("sigint_default")
def test_a_ctrl_c_that_a_library_swallows_still_stops_the_fit(tiny_data):
    # Python raises the KeyboardInterrupt wherever the main thread is; when C
    # code clears it, only our SIGINT flag remembers the key press.
    X, y = tiny_data
    est = lenet(epochs=5)
    est.fit(X, y)
    before = weights(est)
    est.set_params(epochs=5, warm_start=True, callbacks=[CtrlCSwallowedAt(1)])
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y)
    assert est.n_iter_ == 6  # 5, then 1 finished epoch of the second fit
    assert len(est.history_["loss"]) == 6
    assert largest_change(before, weights(est)) > 0
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.usefixtures("sigint_default")
@pytest.mark.parametrize("n_images", [8, 90], ids=["one-batch", "predict-loop"])
def test_a_ctrl_c_that_a_library_swallows_still_stops_prediction(tiny_data, n_images):
    X, y = tiny_data
    est = lenet(epochs=1, batch_size=16).fit(X, y)
    model = SwallowsCtrlCAtFirstCall(est.model_)
    model.run_eagerly = True  # predict() calls ``call`` for every batch
    images = X[:n_images].reshape(-1, 28, 28, 1).astype("float32") / 255
    with pytest.raises(KeyboardInterrupt):
        est._run_batches(model, images)
    assert model.pressed
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert est.predict(X).shape == (len(X),)  # nothing pressed: predicts


@pytest.mark.usefixtures("sigint_default")
def test_a_second_ctrl_c_interrupts_at_once():
    from fashionzoo.estimators._interrupt import ctrl_c_between_batches

    with ctrl_c_between_batches() as stop:
        signal.raise_signal(signal.SIGINT)  # sets the flag only
        assert stop.pressed
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
        stop.pressed = False  # leave without the exit's own raise
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.usefixtures("sigint_default")
def test_ctrl_c_is_left_alone_where_the_caller_chose_its_handling():
    from fashionzoo.estimators._interrupt import ctrl_c_between_batches

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with ctrl_c_between_batches() as stop:
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            signal.raise_signal(signal.SIGINT)
        assert not stop.pressed
    finally:
        signal.signal(signal.SIGINT, previous)
    seen = {}

    def in_a_thread():  # signal.signal would raise ValueError outside the main thread
        with ctrl_c_between_batches() as stop:
            seen["handler"] = signal.getsignal(signal.SIGINT)
            seen["pressed"] = stop.pressed

    thread = threading.Thread(target=in_a_thread)
    thread.start()
    thread.join()
    assert seen == {"handler": signal.default_int_handler, "pressed": False}


def test_interrupt_stops_cross_validation(tiny_data):
    X, y = tiny_data
    with pytest.raises(KeyboardInterrupt):
        cross_val_score(lenet(callbacks=[InterruptAt(1)]), X, y, cv=3)


# ------------------------------------------------------------ budgeted search
@pytest.mark.slow  # 38 s on 2 cores
def test_halving_search_over_epochs(tiny_data):
    X, y = tiny_data
    search = HalvingGridSearchCV(
        lenet(),
        {"learning_rate": [0.03, 0.02, 0.01, 0.005]},
        resource="epochs",
        min_resources=1,
        max_resources=4,
        factor=2,
        cv=2,
        random_state=0,
    ).fit(X, y)
    assert list(search.n_resources_) == [1, 2, 4]
    assert search.best_estimator_.epochs == 4
    assert search.best_estimator_.n_iter_ == 4


# ------------------------------------------------- a failed fit loses nothing
class RaiseAt(keras.callbacks.Callback):
    """Raises ``error`` at batch 1 of the ``n``-th epoch it sees (0-based)."""

    def __init__(self, n, error):
        super().__init__()
        self.n, self.error, self.seen = n, error, -1

    def on_epoch_begin(self, epoch, logs=None):
        self.seen += 1

    def on_train_batch_end(self, batch, logs=None):
        if self.seen == self.n and batch == 1:
            raise self.error


ERRORS = [KeyboardInterrupt, RuntimeError]


@pytest.mark.parametrize("mode", ["fit", "warm_start", "partial_fit"])
@pytest.mark.parametrize("error", ERRORS)
def test_a_failed_call_that_completed_no_epoch_leaves_the_estimator_as_it_was(
    tiny_data, mode, error
):
    X, y = tiny_data
    est = lenet(epochs=2).fit(X, y)
    before, proba = weights(est), est.predict_proba(X)
    n_iter, history = est.n_iter_, {k: list(v) for k, v in est.history_.items()}
    est.set_params(callbacks=[RaiseAt(0, error("stop"))], warm_start=mode != "fit")
    with pytest.raises(error):
        est.partial_fit(X, y) if mode == "partial_fit" else est.fit(X, y)
    assert est.n_iter_ == n_iter
    assert est.history_ == history
    assert largest_change(before, weights(est)) == 0
    np.testing.assert_array_equal(est.predict_proba(X), proba)


@pytest.mark.parametrize("error", ERRORS)
def test_a_failed_first_fit_leaves_the_estimator_unfitted(tiny_data, error):
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    X, y = tiny_data
    est = lenet(callbacks=[RaiseAt(0, error("stop"))])
    with pytest.raises(error):
        est.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    assert not hasattr(est, "n_features_in_")


@pytest.mark.parametrize("error", ERRORS)
def test_a_failed_fit_keeps_exactly_the_completed_epochs(tiny_data, error):
    X, y = tiny_data
    one = lenet(epochs=1, lr_schedule="constant").fit(X, y)
    est = lenet(epochs=3, lr_schedule="constant", callbacks=[RaiseAt(1, error("x"))])
    with pytest.raises(error):
        est.fit(X, y)
    assert est.n_iter_ == 1
    assert all(len(v) == 1 for v in est.history_.values())
    # the weights of the completed epoch, none of the unfinished one
    np.testing.assert_array_equal(est.predict_proba(X), one.predict_proba(X))


KERAS_CALLBACKS = {
    "CSVLogger": lambda d: keras.callbacks.CSVLogger(str(d / "log.csv")),
    "ModelCheckpoint": lambda d: keras.callbacks.ModelCheckpoint(str(d / "m.keras")),
    "BackupAndRestore": lambda d: keras.callbacks.BackupAndRestore(str(d / "backup")),
    "TensorBoard": lambda d: keras.callbacks.TensorBoard(str(d / "tb")),
    "TerminateOnNaN": lambda d: keras.callbacks.TerminateOnNaN(),
}


@pytest.mark.parametrize(
    "name",
    [
        # 11-27 s each on 2 cores: TerminateOnNaN keeps the path in the default run.
        n if n == "TerminateOnNaN" else pytest.param(n, marks=pytest.mark.slow)
        for n in KERAS_CALLBACKS
    ],
)
def test_keras_callbacks_survive_clone_pickle_and_parallel_search(
    tiny_data, tmp_path, name
):
    import pickle

    from sklearn.model_selection import GridSearchCV

    X, y = tiny_data
    est = lenet(epochs=1, callbacks=[KERAS_CALLBACKS[name](tmp_path)])
    for fitted in (False, True):
        if fitted:
            est.fit(X, y)
        copied = clone(est)
        assert type(copied.callbacks[0]) is type(est.callbacks[0])
        restored = pickle.loads(pickle.dumps(est))
        if fitted:
            np.testing.assert_array_equal(
                restored.predict_proba(X), est.predict_proba(X)
            )
        # and the copy trains with its callback
        assert copied.fit(X, y).n_iter_ == 1
    # One split and one candidate: the fitted estimator is pickled to a
    # worker, and nothing in parallel writes the callback's files.
    split = [(np.arange(0, len(X), 2), np.arange(1, len(X), 2))]
    search = GridSearchCV(est, {"epochs": [1]}, cv=split, n_jobs=2, refit=False)
    assert search.fit(X, y).cv_results_["mean_test_score"][0] > 0
