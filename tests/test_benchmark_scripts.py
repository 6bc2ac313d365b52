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


def test_find_suspects_writes_the_list_and_its_row(tmp_path, monkeypatch):
    import csv

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    from find_suspects import main

    args = ["lenet5", "--epochs", "1", "--folds", "2", "--max-samples", "200"]
    assert main([*args, "--results", str(tmp_path), "--beside", "a test"]) == 0
    (row,) = map(json.loads, (tmp_path / "suspects.jsonl").read_text().splitlines())
    assert row["folds"] == "StratifiedKFold(2, shuffle=True, random_state=0)"
    assert (row["epochs"], row["n_samples"], row["beside"]) == (1, 200, "a test")
    assert 0.0 <= row["oof_accuracy"] <= 1.0
    with (tmp_path / "suspects_lenet5.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == row["n_suspects"] > 0
    assert list(rows[0]) == ["index", "given", "suggested", "score"]
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores)  # most suspect first
    assert all(r["given"] != r["suggested"] for r in rows[:5])
