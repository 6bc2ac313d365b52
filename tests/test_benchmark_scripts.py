"""The benchmark scripts that must work on machines we cannot test on here."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import keras
import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_gpu_run_dry_run_writes_one_line_per_model(tmp_path):
    out = tmp_path / "gpu.jsonl"
    env = {**os.environ, "KERAS_BACKEND": keras.backend.backend(), "OUT": str(out)}
    done = subprocess.run(
        ["bash", str(ROOT / "benchmarks" / "gpu_run.sh"), "--dry-run"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["model"] for r in rows] == ["lenet5", "best"]
    for row in rows:
        assert row["dry_run"]
        assert row["epochs"] == 1
        assert len(row["epoch_s"]) == 1
        assert row["train_images"] == 1000
        assert 0.0 <= row["test_accuracy"] <= 1.0
        assert row["backend"] == keras.backend.backend()
        assert row["precision"] == "float32"  # "auto" on a CPU


def test_L_is_the_median_full_speed_epoch(monkeypatch):
    # bench_lenet's epochs of 2026-12-01 22:39: five of nine stalled in Keras's
    # per-epoch pipeline teardown; the median of all nine (10.1 s) is a stall.
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    from bench_lenet import full_speed_median

    epochs = [5.55, 5.67, 10.61, 5.88, 10.12, 6.41, 10.67, 10.59, 10.72]
    L, stalled = full_speed_median(epochs)
    assert (L, stalled) == (pytest.approx(5.775), 5)
    assert full_speed_median([5.0, 5.2, 5.1]) == (pytest.approx(5.1), 0)
