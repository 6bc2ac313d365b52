"""Estimator signatures are real source that tools can read, and cannot drift."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

import fashionzoo
from fashionzoo.estimators import _cnn
from fashionzoo.estimators._base import TRAINING_DEFAULTS
from fashionzoo.estimators._generate import ESTIMATORS, render_module
from fashionzoo.models import get_model_spec


def test_committed_estimators_match_the_registry():
    source = Path(_cnn.__file__).read_text()
    assert source == render_module(), (
        "src/fashionzoo/estimators/_cnn.py is out of date with the model "
        "registry: run python -m fashionzoo.estimators._generate"
    )


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_signature_is_hyperparameters_then_training_with_recipe(name):
    cls = getattr(fashionzoo, name)
    spec = get_model_spec(cls._model_name)
    params = inspect.signature(cls).parameters
    expected = {**spec.hyperparameters, **TRAINING_DEFAULTS, **spec.recipe}
    assert list(params) == [*spec.hyperparameters, *TRAINING_DEFAULTS]
    assert {p: params[p].default for p in params} == expected
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values())
    assert "self.epochs = epochs" in inspect.getsource(cls.__init__)


def test_mypy_reads_the_signatures(tmp_path):
    pytest.importorskip("mypy")
    script = tmp_path / "user.py"
    script.write_text(
        "from fashionzoo import LeNet5Classifier\n"
        "LeNet5Classifier(bogus=3)\n"
        "LeNet5Classifier(epochs=2, units_1=128)\n"
        "reveal_type(LeNet5Classifier)\n"
    )
    package_root = Path(fashionzoo.__file__).parents[1]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--ignore-missing-imports",
            "--follow-imports=silent",
            "--cache-dir",
            str(tmp_path / "cache"),
            str(script),
        ],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "MYPYPATH": str(package_root)},
        timeout=600,
    )
    out = result.stdout
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert len(errors) == 1, out
    assert 'user.py:2: error: Unexpected keyword argument "bogus"' in errors[0]
    assert "LeNet5Classifier" in out.split("note: Revealed type is")[1]
