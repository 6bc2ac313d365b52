"""Per-epoch times of the estimators against raw Keras ``fit``: no slow epochs.

For LeNet-5 (60k images) and ``best`` (20k images, as in the issue that found
the stalls), ``--fits`` fits of each, alternating: the estimator (one
``model.fit`` fed by one seeded tf.data pipeline) and raw Keras ``fit`` of
the same network on the same uint8 arrays (Keras builds an input pipeline
per epoch, whose teardown can block for seconds). After the first epoch
(graph tracing), the goal is every epoch within 15% of the fastest. Each row
also has, per epoch, the cores the process used and the host's steal time
(CPU time the hypervisor gave other guests), to tell an epoch that waited
inside the process from one that lost its cores to the host. Rows go to
``results/epoch_times.jsonl``.

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


def steal_s() -> float:
    """CPU time the hypervisor gave other guests, all cores, since boot."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    return int(fields[8]) / os.sysconf("SC_CLK_TCK")


def host_probe():
    """A callback recording each epoch's cores used and the host's steal time.

    An epoch that runs at full use of both cores but takes longer lost them to
    the host (steal time); one that uses fewer cores waited inside the
    process (the input pipeline's stall of issue 19).
    """
    import keras

    class HostProbe(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.times: list[float] = []
            self.cores: list[float] = []
            self.steal: list[float] = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = (time.perf_counter(), time.process_time(), steal_s())

        def on_epoch_end(self, epoch, logs=None):
            wall = time.perf_counter() - self.start[0]
            self.times.append(round(wall, 2))
            self.cores.append(round((time.process_time() - self.start[1]) / wall, 2))
            self.steal.append(round(steal_s() - self.start[2], 2))

    return HostProbe()


def epochs_of_raw(model, X, y, batch_size: int, epochs: int):
    probe = host_probe()
    model.fit(X, y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[probe])
    return probe


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
                zoo = host_probe()
                est = create_estimator(
                    name, epochs=epochs, random_state=fit, callbacks=[zoo]
                )
                est.fit(X[:n], y[:n])
                raw = epochs_of_raw(
                    raw_model(name, est), X[:n], y[:n], est.batch_size, epochs
                )
                for who, probe in (("fashionzoo", zoo), ("raw keras", raw)):
                    row = {
                        "model": name,
                        "images": n,
                        "fit": fit,
                        "who": who,
                        "epoch_s": probe.times,
                        "spread": round(spread(probe.times), 3),
                        "cores": probe.cores,
                        "steal_s": probe.steal,
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
