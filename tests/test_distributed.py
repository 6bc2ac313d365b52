"""Model selection beyond one process: joblib's dask backend on a real cluster.

``joblib.parallel_config(backend="dask")`` sends each cross-validation fit
to a dask worker; nothing in fashionzoo is dask-specific. The cluster here
is a ``LocalCluster`` on the loopback interface (pytest-socket allows only
that), with two worker processes of one thread each.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")


def _worker_state() -> dict:
    """What a worker process did: runs there through ``client.run``."""
    import os
    import sys

    cfg = sys.modules.get("fashionzoo._config")
    tf = sys.modules.get("tensorflow")
    state = getattr(cfg, "_state", None)
    return {
        "pid": os.getpid(),
        "omp": os.environ.get("OMP_NUM_THREADS"),
        "configured": state is not None and state.settings is not None,
        "n_threads": getattr(state, "n_threads", None),
        "intra_op": (
            tf.config.threading.get_intra_op_parallelism_threads() if tf else None
        ),
    }


@pytest.fixture
def pickled_by_value():
    """Send this module's functions to workers by value: they cannot import it."""
    import sys

    import cloudpickle

    module = sys.modules[__name__]
    cloudpickle.register_pickle_by_value(module)
    yield
    cloudpickle.unregister_pickle_by_value(module)


@pytest.mark.usefixtures("pickled_by_value")
def test_cross_val_score_runs_on_dask_workers():
    import os

    from distributed import Client, LocalCluster, get_task_stream
    from joblib import parallel_config
    from sklearn.model_selection import cross_val_score

    from fashionzoo.estimators import LeNet5Classifier
    from fashionzoo.testing import make_images

    X, y = make_images(20, 3)
    params = {"units_1": 16, "units_2": 8, "epochs": 1, "batch_size": 16}
    clf = LeNet5Classifier(**params, learning_rate=0.01, random_state=0)
    # Log loss, not accuracy: after one epoch on 60 images the probabilities
    # are close to ties, so accuracy flips with the last bit of a float,
    # while the log loss tells fits apart (see the other seed below).
    scoring = "neg_log_loss"
    expected = cross_val_score(clf, X, y, cv=2, n_jobs=1, scoring=scoring)
    other_seed = cross_val_score(
        clf.set_params(random_state=1), X, y, cv=2, scoring=scoring
    )
    clf.set_params(random_state=0)
    assert not np.allclose(other_seed, expected, rtol=1e-4, atol=0)

    with (
        LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            host="127.0.0.1",
            # A free port: the default 8787 is taken when two test runs
            # share the machine, and the scheduler's retry leaks a socket.
            dashboard_address="127.0.0.1:0",
        ) as cluster,
        Client(cluster) as client,
    ):
        with get_task_stream(client) as stream, parallel_config(backend="dask"):
            scores = cross_val_score(clf, X, y, cv=2, n_jobs=-1, scoring=scoring)
        workers = set(client.scheduler_info()["workers"])
        states = client.run(_worker_state)

    # The task stream shows where each batch of fits ran and how many fits it held.
    fits = {}
    for task in stream.data:
        match = re.match(r"batch_of__fit_and_score_(\d+)_calls", task["key"])
        if match:
            fits[task["key"]] = (int(match.group(1)), task["worker"])
    assert sum(n for n, _ in fits.values()) == 2, stream.data
    assert {worker for _, worker in fits.values()} <= workers

    # The workers that fitted built a model there: fashionzoo configured
    # itself in that process, with the nanny's OMP_NUM_THREADS=1 applied
    # to TensorFlow's thread pool.
    assert set(states) == workers
    assert all(s["pid"] != os.getpid() for s in states.values())
    fitted = [states[w] for _, w in fits.values()]
    for state in fitted:
        assert state["configured"], state
        assert state["omp"] == "1"
        assert state["n_threads"] == 1
        if state["intra_op"] is not None:  # the TensorFlow backend
            assert state["intra_op"] == 1

    # Same seed, same folds: the same scores as in this process (up to the
    # float rounding of TensorFlow's 1 thread there against 2 here). This
    # holds because model builds draw Keras's seeds from a private
    # random.Random: the worker's event loop also draws from the global one.
    np.testing.assert_allclose(scores, expected, rtol=1e-4, atol=0)
