"""LeNet5Classifier against raw Keras: fit time, peak memory, predict speed.

Same network, data, epochs and batch size on both sides; timings are medians
of alternating runs in one process, so the machine's load affects both alike.
Memory is measured in fresh processes (peak RSS of: load data, fit one epoch
on the 60k training images, predict the 10k test images).

Usage::

    python benchmarks/bench_lenet.py                 # everything but accuracy
    python benchmarks/bench_lenet.py --accuracy      # + default recipe on 60k/10k
    python benchmarks/bench_lenet.py --only memory   # one part: time, memory,
                                                     # predict, refits, accuracy,
                                                     # epoch (L, the unit of budgets)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

BATCH = 128


def peak_rss_mib() -> float:
    """This process's peak RSS (VmHWM).

    Not ``getrusage``'s ``ru_maxrss``: Linux carries that over ``exec`` from
    the parent, so a child of a big benchmark process reports the parent's size.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def load():
    from fashionzoo.datasets import fetch_fashion_mnist

    train = fetch_fashion_mnist("train")
    test = fetch_fashion_mnist("test")
    return train.images[..., None], train.target, test.images[..., None], test.target


def raw_keras_model(seed: int = 0):
    """LeNet-5 exactly as the estimator builds it, in plain Keras."""
    import keras

    from fashionzoo.models import build_model

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((28, 28, 1), dtype="float32")
    x = keras.layers.Rescaling(1 / 255)(inputs)
    outputs = build_model("lenet5")(x)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def zoo(epochs: int, seed: int = 0):
    from fashionzoo import LeNet5Classifier

    return LeNet5Classifier(epochs=epochs, batch_size=BATCH, random_state=seed)


def bench_time(repeats: int, epochs: int) -> dict:
    X, y, _, _ = load()
    raw_t, zoo_t = [], []
    for i in range(repeats):
        model = raw_keras_model(i)
        start = time.perf_counter()
        model.fit(X, y, batch_size=BATCH, epochs=epochs, verbose=0)
        raw_t.append(time.perf_counter() - start)
        est = zoo(epochs, i)
        start = time.perf_counter()
        est.fit(X, y)
        zoo_t.append(time.perf_counter() - start)
        print(f"  run {i}: raw {raw_t[-1]:.1f}s  zoo {zoo_t[-1]:.1f}s", flush=True)
    raw_m, zoo_m = statistics.median(raw_t), statistics.median(zoo_t)
    return {"epochs": epochs, "raw_s": raw_m, "zoo_s": zoo_m, "ratio": zoo_m / raw_m}


def bench_epoch(repeats: int) -> dict:
    """L: the median epoch of raw Keras LeNet-5 on the 60k images (batch 128).

    Each repeat is a fresh 4-epoch ``fit``; its first epoch (graph tracing)
    is left out. Keras's own ``fit`` on arrays builds an input pipeline every
    epoch and some epochs wait about 5 s for its teardown (issue 19, part 1:
    those run at half speed, about 2x the others), so the median of all
    epochs jumps between the two modes from one session to the next (5.4 s
    and 9.8 s on the same host). L is the host's full-speed epoch: the median
    of the epochs within 1.5x of the fastest; the stalled ones are counted.
    """
    from bench_epochs import host_probe  # a sibling script

    X, y, _, _ = load()
    epochs: list[float] = []
    cores: list[float] = []
    steal: list[float] = []
    for i in range(repeats):
        probe = host_probe()
        raw_keras_model(i).fit(
            X, y, batch_size=BATCH, epochs=4, verbose=0, callbacks=[probe]
        )
        epochs += probe.times[1:]
        cores += probe.cores[1:]
        steal += probe.steal[1:]
    L, stalled = full_speed_median(epochs)
    return {
        "L_s": round(L, 2),
        "median_all_s": round(statistics.median(epochs), 2),
        "stalled": stalled,
        "epochs_s": epochs,
        "cores": cores,
        "steal_s": steal,
    }


def full_speed_median(epochs: list[float], slack: float = 1.5) -> tuple[float, int]:
    """The median of the epochs within ``slack`` x the fastest, and how many stalled."""
    full_speed = [t for t in epochs if t <= slack * min(epochs)]
    return statistics.median(full_speed), len(epochs) - len(full_speed)


def bench_predict(repeats: int) -> dict:
    X, y, Xt, _ = load()
    sub = slice(0, 5000)
    model = raw_keras_model()
    model.fit(X[sub], y[sub], batch_size=BATCH, epochs=1, verbose=0)
    est = zoo(1).fit(X[sub], y[sub])
    raw_t, zoo_t = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict(Xt, batch_size=BATCH, verbose=0)
        raw_t.append(time.perf_counter() - start)
        start = time.perf_counter()
        est.predict_proba(Xt)
        zoo_t.append(time.perf_counter() - start)
    n = len(Xt)
    raw_m, zoo_m = statistics.median(raw_t), statistics.median(zoo_t)
    return {
        "raw_images_per_s": n / raw_m,
        "zoo_images_per_s": n / zoo_m,
        "ratio": raw_m / zoo_m,
    }


def memory_child(kind: str) -> None:
    """Runs in a fresh process; prints its peak RSS as JSON."""
    X, y, Xt, _ = load()
    if kind == "baseline":
        import keras  # noqa: F401

        raw_keras_model()
    elif kind == "raw":
        model = raw_keras_model()
        model.fit(X, y, batch_size=BATCH, epochs=1, verbose=0)
        model.predict(Xt, batch_size=BATCH, verbose=0)
    else:
        est = zoo(1).fit(X, y)
        est.predict_proba(Xt)
    print(json.dumps({"kind": kind, "peak_rss_mib": peak_rss_mib()}))


def bench_memory() -> dict:
    out = {}
    for kind in ("baseline", "raw", "zoo"):
        res = subprocess.run(
            [sys.executable, __file__, "--memory-child", kind],
            capture_output=True,
            text=True,
            check=True,
        )
        out[kind] = json.loads(res.stdout.strip().splitlines()[-1])["peak_rss_mib"]
        print(f"  {kind}: {out[kind]:.0f} MiB", flush=True)
    return out


def refits_child(kind: str, n_fits: int) -> dict:
    """RSS after each of ``n_fits`` one-epoch fits on 2,000 images, in this process.

    ``kind``: ``zoo`` (LeNet5Classifier, as a user refits it), ``raw`` (the
    same network in plain Keras, a new model per fit), each optionally with
    ``+clear`` (``keras.backend.clear_session()`` after each fit).
    """
    import gc

    import keras

    X, y, _, _ = load()
    sub = slice(0, 2000)
    rss = []
    for i in range(n_fits):
        if kind.startswith("zoo"):
            zoo(1, i).fit(X[sub], y[sub]).predict_proba(X[sub])
        else:
            model = raw_keras_model(i)
            model.fit(X[sub], y[sub], batch_size=BATCH, epochs=1, verbose=0)
            model.predict(X[sub], batch_size=BATCH, verbose=0)
            del model
        if kind.endswith("+clear"):
            keras.backend.clear_session()
        gc.collect()
        rss.append(round(current_rss_mib(), 1))
    return {"kind": kind, "rss_mib": rss}


def bench_refits(n_fits: int) -> dict:
    """Memory growth over ``n_fits`` fits, each kind in a fresh process.

    Growth per fit is the slope from the 2nd to the last fit (the first
    includes one-off imports and graph tracing).
    """
    out = {}
    for kind in ("zoo", "raw", "zoo+clear", "raw+clear"):
        res = subprocess.run(
            [sys.executable, __file__, "--refits-child", kind, "--n-fits", str(n_fits)],
            capture_output=True,
            text=True,
            check=True,
        )
        rss = json.loads(res.stdout.strip().splitlines()[-1])["rss_mib"]
        per_fit = (rss[-1] - rss[1]) / (len(rss) - 2)
        out[kind] = {
            "rss_after_first": rss[0],
            "rss_after_last": rss[-1],
            "per_fit_mib": round(per_fit, 1),
            "rss_mib": rss,
        }
        print(
            f"  {kind}: {rss[0]:.0f} -> {rss[-1]:.0f} MiB, {per_fit:+.1f} MiB per fit",
            flush=True,
        )
    return {"fits": n_fits, **out}


def bench_accuracy() -> dict:
    from fashionzoo import LeNet5Classifier

    X, y, Xt, yt = load()
    est = LeNet5Classifier(random_state=0)
    start = time.perf_counter()
    est.fit(X, y)
    fit_s = time.perf_counter() - start
    return {
        "params": {
            k: v
            for k, v in est.get_params().items()
            if k in ("epochs", "batch_size", "learning_rate", "lr_schedule")
        },
        "test_accuracy": est.score(Xt, yt),
        "fit_s": fit_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--accuracy", action="store_true")
    parser.add_argument(
        "--only", choices=["time", "memory", "predict", "refits", "accuracy", "epoch"]
    )
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    parser.add_argument("--refits-child", help=argparse.SUPPRESS)
    parser.add_argument("--n-fits", type=int, default=20)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    if args.refits_child:
        print(json.dumps(refits_child(args.refits_child, args.n_fits)))
        return
    parts = [args.only] if args.only else ["time", "memory", "predict", "refits"]
    if args.accuracy and not args.only:
        parts.append("accuracy")
    results = {}
    for part in parts:
        print(f"[{part}]", flush=True)
        if part == "time":
            results[part] = bench_time(args.repeats, args.epochs)
        elif part == "memory":
            results[part] = bench_memory()
        elif part == "predict":
            results[part] = bench_predict(max(args.repeats, 5))
        elif part == "refits":
            results[part] = bench_refits(args.n_fits)
        elif part == "epoch":
            results[part] = bench_epoch(args.repeats)
        else:
            results[part] = bench_accuracy()
        print(json.dumps(results[part], indent=1), flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
