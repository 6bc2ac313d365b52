"""Per-epoch times of the estimators against raw Keras ``fit``: no slow epochs.

For LeNet-5 (60k images) and ``best`` (20k images, as in the issue that found
the stalls), ``--fits`` fits of each, alternating: the estimator (one
``model.fit`` fed by one seeded tf.data pipeline) and raw Keras ``fit`` of
the same network on the same uint8 arrays (Keras builds an input pipeline
per epoch, whose teardown can block for seconds). After the first epoch
(graph tracing), the goal is every epoch within 15% of the fastest. Rows go
to ``results/epoch_times.jsonl``.

Usage::

    python benchmarks/bench_epochs.py            # about 10 minutes here
    python benchmarks/bench_epochs.py --models lenet5 --fits 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

RESULTS = Path(__file__).resolve().parent / "results"
SETUPS = {"lenet5": (60_000, 5), "best": (20_000, 5)}  # images, epochs


def raw_model(name: str, estimator):
    """The estimator's network and recipe in plain Keras (augmentation kept)."""
    import keras

    from fashionzoo.estimators._training import make_loss, make_optimizer

    keras.utils.set_random_seed(0)
    model = estimator._build_model((28, 28), 10, 0, 1 / 255)
    model.compile(
        optimizer=make_optimizer(
            estimator.optimizer,
            estimator.learning_rate,
            weight_decay=estimator.weight_decay,
            schedule=estimator.lr_schedule,
            total_steps=1_000_000,
        ),
        loss=make_loss(0.0),
        metrics=["accuracy"],
    )
    return model


def epochs_of_raw(model, X, y, batch_size: int, epochs: int) -> list[float]:
    import keras

    times: list[float] = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    model.fit(
        X, y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[Timer()]
    )
    return times


def spread(times: list[float]) -> float:
    """Slowest over fastest epoch, after the first."""
    rest = times[1:]
    return max(rest) / min(rest)


def main() -> None:
    from zoo_table import machine  # a sibling script

    from fashionzoo import create_estimator
    from fashionzoo.datasets import fetch_fashion_mnist

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=list(SETUPS))
    parser.add_argument("--fits", type=int, default=3)
    parser.add_argument("--beside", default="nothing")
    args = parser.parse_args()
    X, y = fetch_fashion_mnist("train", return_X_y=True)
    X = X.reshape(-1, 28, 28, 1)
    run = time.strftime("%Y-%m-%d %H:%M")
    with (RESULTS / "epoch_times.jsonl").open("a") as log:
        for name in args.models:
            n, epochs = SETUPS[name]
            for fit in range(args.fits):
                est = create_estimator(name, epochs=epochs, random_state=fit)
                est.fit(X[:n], y[:n])
                zoo = [round(t, 2) for t in est.history_["epoch_time"]]
                raw = epochs_of_raw(
                    raw_model(name, est), X[:n], y[:n], est.batch_size, epochs
                )
                raw = [round(t, 2) for t in raw]
                for who, times in (("fashionzoo", zoo), ("raw keras", raw)):
                    row = {
                        "model": name,
                        "images": n,
                        "fit": fit,
                        "who": who,
                        "epoch_s": times,
                        "spread": round(spread(times), 3),
                        "machine": machine(),
                        "run": run,
                        "beside": args.beside,
                    }
                    log.write(json.dumps(row) + "\n")
                    log.flush()
                    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
