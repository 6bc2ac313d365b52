"""The benchmark scripts that must work on machines we cannot test on here."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import keras

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
