"""GridSearchCV wall time with n_jobs=1 against n_jobs=2 on this machine.

LeNet5Classifier, a 4-candidate grid, cv=2, one epoch, on a stratified
subset of the Fashion-MNIST training images (8 fits per search, no refit).
Runs alternate between the settings (1, 2, 1, 2, ...) so load from other
jobs on a shared machine falls on both alike; the first run of each setting
is reported separately ("cold": TensorFlow import and graph tracing in this
process for n_jobs=1, in the loky workers for n_jobs=2), the rest are
"warm" (loky reuses its workers between calls). After the searches, the
loky workers report the thread cap fashionzoo applied to TensorFlow there
(joblib sets OMP_NUM_THREADS=cores // n_jobs in each worker).

Usage::

    python benchmarks/bench_parallel.py                  # 4000 images, 3 rounds
    python benchmarks/bench_parallel.py --n-images 2000 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

GRID = {"learning_rate": [1e-3, 3e-3], "batch_size": [64, 128]}


def load(n_images: int):
    from fashionzoo.datasets import fetch_fashion_mnist, stratified_subset

    X, y = fetch_fashion_mnist("train", return_X_y=True)
    return stratified_subset(X, y, n_images, random_state=0)


def search(X, y, n_jobs: int) -> float:
    from sklearn.model_selection import GridSearchCV

    from fashionzoo import LeNet5Classifier

    gs = GridSearchCV(
        LeNet5Classifier(epochs=1, random_state=0),
        GRID,
        cv=2,
        n_jobs=n_jobs,
        refit=False,
    )
    start = time.perf_counter()
    gs.fit(X, y)
    elapsed = time.perf_counter() - start
    best = gs.best_score_
    print(
        f"  n_jobs={n_jobs}: {elapsed:6.1f} s  best cv accuracy {best:.3f}", flush=True
    )
    return elapsed


def worker_threads() -> dict:
    """Runs in a loky worker: the caps fashionzoo applied there."""
    import sys

    cfg = sys.modules.get("fashionzoo._config")
    tf = sys.modules.get("tensorflow")
    state = getattr(cfg, "_state", None)
    return {
        "pid": os.getpid(),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "fashionzoo_n_threads": getattr(state, "n_threads", None),
        "tf_intra_op": tf.config.threading.get_intra_op_parallelism_threads()
        if tf
        else None,
        "tf_inter_op": tf.config.threading.get_inter_op_parallelism_threads()
        if tf
        else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from joblib import Parallel, cpu_count, delayed

    X, y = load(args.n_images)
    print(
        f"{args.n_images} images, grid {GRID}, cv=2, 1 epoch; "
        f"{cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    times: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(args.rounds):
        for n_jobs in (1, 2):
            times[n_jobs].append(search(X, y, n_jobs))
    workers = Parallel(n_jobs=2)(delayed(worker_threads)() for _ in range(2))

    def summary(ts: list[float]) -> dict:
        warm = ts[1:] or ts
        return {"cold_s": ts[0], "warm_median_s": statistics.median(warm), "all_s": ts}

    result = {
        "n_images": args.n_images,
        "cpu_count": cpu_count(),
        "load_average_end": os.getloadavg(),
        "n_jobs_1": summary(times[1]),
        "n_jobs_2": summary(times[2]),
        "speedup_warm": statistics.median(times[1][1:] or times[1])
        / statistics.median(times[2][1:] or times[2]),
        "speedup_cold": times[1][0] / times[2][0],
        "loky_workers": workers,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
