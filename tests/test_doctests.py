"""Run the numpydoc ``Examples`` blocks of the public API as doctests.

Every module whose examples run in a few seconds on the shipped sample and
the shipped pretrained weights is here. An example that cannot run in the
test run is marked ``# doctest: +SKIP`` where it stands: training a network
(``fit`` of a CNN: minutes), downloading (``fetch_fashion_mnist`` without
the data, a hub URL), starting a server (``serve``), or writing files in the
working directory (``est.save("lenet5.fzoo")``). The documentation build
(``nox -s docs``) runs the same blocks with Sphinx's doctest builder.
The ``fashionzoo.datasets`` modules are run by ``test_datasets_api.py``.
"""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "fashionzoo._config",
    "fashionzoo.cli._common",
    "fashionzoo.datasets._corruptions",
    "fashionzoo.datasets._images",
    "fashionzoo.datasets._names",
    "fashionzoo.datasets._subset",
    "fashionzoo.estimators._cnn",
    "fashionzoo.evaluation._calibration",
    "fashionzoo.evaluation._compare",
    "fashionzoo.evaluation._cross_validation",
    "fashionzoo.evaluation._evaluate",
    "fashionzoo.evaluation._robustness",
    "fashionzoo.evaluation._similar",
    "fashionzoo.export",
    "fashionzoo.inference._model",
    "fashionzoo.models._registry",
    "fashionzoo.models.augment",
    "fashionzoo.models.backbones",
    "fashionzoo.models.baselines",
    "fashionzoo.models.whitening",
    "fashionzoo.plotting._calibration",
    "fashionzoo.plotting._data",
    "fashionzoo.plotting._results",
    "fashionzoo.plotting._robustness",
    "fashionzoo.plotting._saliency",
    "fashionzoo.plotting._training",
    "fashionzoo.pretrained",
    "fashionzoo.saving",
    "fashionzoo.serve",
    "fashionzoo.serve._app",
    "fashionzoo.transfer",
    "fashionzoo.zoo",
]


@pytest.fixture(autouse=True)
def _no_open_figures():
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags, verbose=False)
    assert result.attempted > 0, f"{name} has no examples left to run"
    assert result.failed == 0
