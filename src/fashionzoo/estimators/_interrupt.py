"""A Ctrl-C during a Keras loop that no library can swallow.

Python turns SIGINT into a ``KeyboardInterrupt`` raised in whatever the main
thread runs next. Inside ``model.fit`` or ``model.predict`` that is often a
Python function called from C code, and some of that C code clears the
exception and carries on: TensorFlow's fast op path falls back to its slow
path, and ``np.array`` of a tensor tries another protocol. The key press is
then lost and training goes on as if nothing had happened (a 4-fold
``fashionzoo cv`` ran to the end and exited 0 after a Ctrl-C in 2 of 33 runs
interrupted while its first fold trained). Under
:func:`ctrl_c_between_batches` the first Ctrl-C only sets a flag, which cannot
be lost, and :class:`StopOnCtrlC` raises ``KeyboardInterrupt`` from Python at
the start of the next batch; a second Ctrl-C raises at once.
Keras has no such handling of its own (nor does scikit-learn).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

from fashionzoo._keras import keras

__all__ = ["StopOnCtrlC", "ctrl_c_between_batches"]


class StopOnCtrlC(keras.callbacks.Callback):
    """Raises ``KeyboardInterrupt`` at the next batch once Ctrl-C was pressed.

    It checks when a batch begins (training, validation, prediction) and when
    an epoch ends, never when a batch ends: a callback with batch-end hooks
    makes Keras convert every batch's logs synchronously, which costs speed.
    Put it last in the list, so that the callbacks before it see a finished
    epoch's end.

    Attributes
    ----------
    pressed : bool
        Ctrl-C was pressed inside :func:`ctrl_c_between_batches`.
    """

    def __init__(self) -> None:
        super().__init__()
        self.pressed = False

    def raise_if_pressed(self) -> None:
        """Raise ``KeyboardInterrupt`` if Ctrl-C was pressed."""
        if self.pressed:
            raise KeyboardInterrupt

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        self.raise_if_pressed()

    def on_test_batch_begin(self, batch: int, logs: Any = None) -> None:
        self.raise_if_pressed()

    def on_predict_batch_begin(self, batch: int, logs: Any = None) -> None:
        self.raise_if_pressed()

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.raise_if_pressed()


@contextlib.contextmanager
def ctrl_c_between_batches() -> Iterator[StopOnCtrlC]:
    """Inside, Ctrl-C stops the Keras loop that runs with the callback yielded.

    The first SIGINT sets the callback's ``pressed`` flag; the callback raises
    ``KeyboardInterrupt`` at the next batch, and this context raises it on the
    way out if the loop ended first. A second SIGINT raises at once. Where
    Python's own ``KeyboardInterrupt`` handler is not the one installed (the
    signal ignored, a handler of the caller's) or outside the main thread
    (a thread pool, a Dask worker), the signal is left alone and the callback
    never raises.

    Yields
    ------
    callback : StopOnCtrlC
        To pass to ``fit`` or ``predict``.
    """
    callback = StopOnCtrlC()
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield callback
        return

    def on_sigint(signum: int, frame: Any) -> None:
        if callback.pressed:
            raise KeyboardInterrupt
        callback.pressed = True

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield callback
    finally:
        signal.signal(signal.SIGINT, previous)
    callback.raise_if_pressed()
