"""Sphinx configuration of the fashionzoo documentation.

Build it with ``nox -s docs`` (HTML with warnings as errors and the example
gallery, then a doctest pass), or by hand::

    sphinx-build -W --keep-going -b html docs docs/_build/html
    sphinx-build -b doctest docs docs/_build/doctest

The API pages are written at build time from each public module's
``__all__`` (see :func:`write_api_pages`), so a new estimator, plot or
loader appears in the reference without editing the docs.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import os
import re
import sys
import warnings
from pathlib import Path
from typing import Any

from sphinx.errors import PycodeError
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging

# Before anything imports Keras or TensorFlow.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("FASHIONZOO_DOCS_BUDGET", "tiny")
os.environ.setdefault("MPLBACKEND", "agg")

import fashionzoo

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))  # gallery_hooks

# -- Project ------------------------------------------------------------------

project = "fashionzoo"
author = "The fashionzoo developers"
copyright = f"2026, {author}"
release = fashionzoo.__version__
version = ".".join(release.split(".")[:2])

# -- General ------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

templates_path = ["_templates"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = [
    "_build",
    "**.ipynb_checkpoints",
    # sphinx-gallery's own bookkeeping pages, not part of the site.
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.json",
    "sg_execution_times.rst",
]
# No intersphinx: the build machines reach no documentation site, and an
# inventory that cannot be fetched is a warning (an error under -W).
default_role = "literal"
add_function_parentheses = False
pygments_style = "sphinx"

# -- autodoc / autosummary ----------------------------------------------------

autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc's Parameters section carries the types
autodoc_member_order = "groupwise"
autoclass_content = "class"


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Document only the members fashionzoo defines, not inherited foreign ones.

    The Keras layers of fashionzoo (``RandomErasing``, ``BackbonePreprocess``,
    ``HorizontalFlip``) inherit a hundred methods from ``keras.layers.Layer``,
    and the estimators ``get_params``, ``set_params``, ``score`` and the
    ``set_*_request`` methods from scikit-learn. Their docstrings refer to
    the glossaries and labels of those projects' own sites (which this build
    cannot link to), and are documented there; the user guide says which
    scikit-learn methods every estimator has.
    """
    if skip:
        return None
    target = obj.fget if isinstance(obj, property) else obj
    target = getattr(target, "__func__", target)
    module = getattr(target, "__module__", None) or ""
    if not module.startswith("fashionzoo"):
        return True
    return None


# -- numpydoc -----------------------------------------------------------------

numpydoc_show_class_members = False  # the class template lists members
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False
# Every check, less these (a missing parameter entry, PR01, fails the build):
numpydoc_validation_checks = {
    "all",
    # Summary on the line of the opening quotes is the house style (PEP 257).
    "GL01",
    # An extended summary, a See Also and an Examples section are welcome
    # but not required on every function, method and attribute.
    "ES01",
    "SA01",
    "EX01",
    # Returns entries are named (``names : list of str``), as in scikit-learn,
    # and a name and type may say it all without a description.
    "RT02",
    "RT03",
    # One-line docstrings close on their line (PEP 257); ruff formats them.
    "GL02",
    # Summaries are often noun phrases ("Names of the registered models"),
    # whose plural first word SS05 takes for a third-person verb.
    "SS05",
}
# numpydoc takes a first parameter named ``cls`` for a classmethod's and
# calls its entry unknown (PR02); fashionzoo.testing.fast_instance(cls, ...)
# documents it as a real parameter.
numpydoc_validation_overrides = {"PR02": [r"(?m)^\s*cls : type"]}
numpydoc_validation_exclude = {
    # Inherited from scikit-learn's BaseEstimator / ClassifierMixin and
    # documented (and validated) there, as are the set_*_request methods
    # that scikit-learn's metadata routing generates.
    r"\.get_params$",
    r"\.set_params$",
    r"\.score$",
    r"\.get_metadata_routing$",
    r"\.set_\w+_request$",
    r"\.__sklearn_tags__$",
    r"\.__init__$",
    # Keras Layer API overrides of fashionzoo's layers: their contract is
    # keras.layers.Layer's, documented by Keras.
    r"\.(call|build|compute_output_shape|get_config)$",
}

# -- doctest ------------------------------------------------------------------

doctest_global_setup = """
import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
"""
# Plain ``>>>`` blocks (the user guide and every Examples section) are tested.
doctest_test_doctest_blocks = "default"

# -- HTML ---------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"fashionzoo {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    # The examples (auto_examples/, matched by no pattern) get the full
    # width for their code and figures; the patterns must not overlap.
    "secondary_sidebar_items": {
        "index": ["page-toc", "sourcelink"],
        "api": ["page-toc", "sourcelink"],
        "changelog": ["page-toc", "sourcelink"],
        "user_guide/*": ["page-toc", "sourcelink"],
        "generated/**": ["page-toc", "sourcelink"],
    },
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
    "header_links_before_dropdown": 6,
    # Nothing fetched at build or view time.
    "icon_links": [],
}
html_sidebars = {"index": [], "changelog": []}
html_show_sourcelink = True
html_last_updated_fmt = None

# -- myst (the changelog is Markdown) -----------------------------------------

myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

# -- sphinx-gallery -----------------------------------------------------------

BUDGET = os.environ["FASHIONZOO_DOCS_BUDGET"]


def _budget_changed() -> bool:
    """True when the examples last ran under another budget than this build's.

    sphinx-gallery reruns an example only when its source changes; a build
    with a new ``FASHIONZOO_DOCS_BUDGET`` must rerun them all so the printed
    figures match the budget.
    """
    stamp = HERE / "auto_examples" / ".budget"
    previous = stamp.read_text().strip() if stamp.is_file() else None
    if stamp.parent.is_dir():
        stamp.write_text(BUDGET)
    return previous is not None and previous != BUDGET


sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"(__init__|/_)",
    "within_subsection_order": "FileNameSortKey",
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("fashionzoo",),
    "reset_modules": ("matplotlib", "gallery_hooks.reset_keras"),
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "min_reported_time": 1,
    "remove_config_comments": True,
    "show_memory": False,
    "run_stale_examples": _budget_changed(),
    # Examples print what they show; no repr of a last expression (such as
    # the diagram of a fitted search).
    "capture_repr": (),
    "download_all_examples": True,
}

# Keras and TensorFlow warn about things the examples cannot change.
warnings.filterwarnings(
    "ignore", category=DeprecationWarning, module="(tensorflow|keras|google)"
)
warnings.filterwarnings(
    "ignore",
    message="Matplotlib is currently using agg",
    category=UserWarning,
)

# -- API pages, written from __all__ ------------------------------------------

#: (module, title, one-line description[, names]) in the order of the API page;
#: names, when given, replace the module's ``__all__``.
API_MODULES: list[tuple[Any, ...]] = [
    (
        "fashionzoo",
        "Settings",
        "Device, precision and threads for every estimator of the process.",
        ["set_config", "get_config", "config_context"],
    ),
    ("fashionzoo.datasets", "Data", "Fetch, cache and load Fashion-MNIST."),
    (
        "fashionzoo.estimators",
        "Estimators",
        "The scikit-learn classifiers, one per network of the zoo.",
    ),
    (
        "fashionzoo.transfer",
        "Transfer learning",
        "An ImageNet backbone with a new head, as a classifier.",
    ),
    (
        "fashionzoo.zoo",
        "The catalogue",
        "Every network and baseline by name, as an estimator.",
    ),
    (
        "fashionzoo.models",
        "Model registry",
        "Keras networks and classic baselines registered by name.",
    ),
    (
        "fashionzoo.models.baselines",
        "Baselines",
        "Classic scikit-learn pipelines beside the networks (no Keras).",
    ),
    (
        "fashionzoo.models.backbones",
        "Backbones",
        "The keras.applications networks TransferClassifier can use.",
    ),
    (
        "fashionzoo.models.augment",
        "Augmentation",
        "Training-time augmentation layers and presets.",
    ),
    (
        "fashionzoo.models.whitening",
        "Patch whitening",
        "The frozen first layer computed from the training images (best's whiten).",
    ),
    (
        "fashionzoo.models.parts",
        "Model parts",
        "The named parts of a fitted model and the models derived from them.",
    ),
    ("fashionzoo.evaluation", "Evaluation", "Scores, reports and timings."),
    (
        "fashionzoo.plotting",
        "Plotting",
        "Matplotlib views of data, training and results.",
    ),
    ("fashionzoo.export", "Export", "Save a fitted network for serving."),
    (
        "fashionzoo.inference",
        "Inference without TensorFlow",
        "Run exported and shipped networks in ONNX Runtime or OpenVINO.",
    ),
    (
        "fashionzoo.serve",
        "Serving",
        "An HTTP service and a page to try the models (fashionzoo serve).",
    ),
    ("fashionzoo.testing", "Testing", "Fast parameters and scikit-learn check tables."),
    ("fashionzoo.exceptions", "Exceptions", "Errors raised by fashionzoo."),
]


def public_names(module_name: str) -> list[str]:
    """The public names of a module: its ``__all__``, else what it defines.

    Names that are modules are left out. A module missing from this
    checkout (one being written) gives no names, and :func:`write_api_pages`
    leaves its page out.
    """
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return []
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            name
            for name, obj in vars(module).items()
            if not name.startswith("_")
            and getattr(obj, "__module__", None) == module_name
        ]
    return [n for n in names if not inspect.ismodule(getattr(module, n, None))]


def _kind(obj) -> str:
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "data"


def write_api_pages(folder: Path) -> list[str]:
    """Write one reference page per public module into ``folder``.

    Each page has the module's docstring and an autosummary table of its
    public names, classes first, then functions, then data; autosummary
    writes a page per object. Only files whose text changed are rewritten,
    so an unchanged API does not make Sphinx reread them.

    Returns
    -------
    pages : list of str
        The document names written, for the toctree of ``api.rst``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for module_name, title, summary, *chosen in API_MODULES:
        names = chosen[0] if chosen else public_names(module_name)
        if not names:
            continue
        module = importlib.import_module(module_name)
        groups: dict[str, list[str]] = {"class": [], "function": [], "data": []}
        for name in names:
            groups[_kind(getattr(module, name))].append(name)
        lines = [
            f".. _api-{module_name}:",
            "",
            module_name,
            "=" * len(module_name),
            "",
            f"**{title}.** {summary}",
            "",
            *([] if chosen else [f".. automodule:: {module_name}", ""]),
            f".. currentmodule:: {module_name}",
            "",
        ]
        labels = {"class": "Classes", "function": "Functions", "data": "Data"}
        for kind, members in groups.items():
            if not members:
                continue
            lines += [
                labels[kind],
                "-" * len(labels[kind]),
                "",
                ".. autosummary::",
                "   :toctree: ../stubs",
                "",
                *(f"   {name}" for name in members),
                "",
            ]
        text = "\n".join(lines)
        path = folder / f"{module_name}.rst"
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
        written.append(f"{module_name}|{summary}")
    # Remove pages of modules that no longer exist.
    keep = {f"{w.split('|')[0]}.rst" for w in written}
    for stale in folder.glob("*.rst"):
        if stale.name not in keep:
            stale.unlink()
    return written


API_PAGES = write_api_pages(HERE / "generated" / "api")

# The API page's table of modules and its toctree, included by api.rst.
_table = [".. list-table::", "   :widths: 35 65", ""]
for entry in API_PAGES:
    module_name, summary = entry.split("|")
    _table += [
        f"   * - :doc:`{module_name} <generated/api/{module_name}>`",
        f"     - {summary}",
    ]
_toc = [".. toctree::", "   :hidden:", "   :maxdepth: 1", ""]
_toc += [f"   generated/api/{entry.split('|')[0]}" for entry in API_PAGES]
(HERE / "generated" / "api_index.rst.inc").write_text(
    "\n".join([*_table, "", *_toc, ""])
)


# -- Checks and fixes of docstrings -------------------------------------------


def _public_objects():
    for module_name, *_ in API_MODULES:
        module = (
            importlib.import_module(module_name) if public_names(module_name) else None
        )
        for name in public_names(module_name):
            yield f"{module_name}.{name}", getattr(module, name)


#: Public dataclasses: records whose fields are documented as Attributes.
DATACLASSES = {
    full: obj
    for full, obj in _public_objects()
    if inspect.isclass(obj) and dataclasses.is_dataclass(obj)
}
# numpydoc reads a dataclass's fields as constructor parameters and asks for
# a Parameters section (PR01); these records are made by fashionzoo, not by
# users, so their fields are documented under Attributes, which
# _check_dataclass_attributes checks instead. Their methods are validated.
numpydoc_validation_exclude |= {re.escape(full) + "$" for full in DATACLASSES}


def _check_dataclass_attributes(app):
    """Warn (an error under -W) for a dataclass field missing from Attributes."""
    from numpydoc.docscrape import NumpyDocString

    for full, cls in DATACLASSES.items():
        documented = set()
        for param in NumpyDocString(inspect.getdoc(cls) or "")["Attributes"]:
            documented.update(n.strip() for n in param.name.split(","))
        missing = [f.name for f in dataclasses.fields(cls) if f.name not in documented]
        if missing:
            logger.warning(
                "[fashionzoo] %s: fields %s are not documented under Attributes",
                full,
                missing,
                type="fashionzoo",
                subtype="dataclass",
            )


def _data_docstring(app, what, name, obj, options, lines):
    """Give re-exported data the ``#:`` comment of the module defining it.

    ``fashionzoo.estimators.TRAINING_DEFAULTS`` is defined and commented in
    ``fashionzoo.estimators._base``; autodoc looks for the comment only in
    the module it documents, and would show ``dict``'s docstring instead.
    """
    if what != "data":
        return
    if lines and "\n".join(lines).strip() != (type(obj).__doc__ or "").strip():
        return
    attr = name.rpartition(".")[2]
    for module_name in sorted(sys.modules):
        module = sys.modules[module_name]
        if (
            not module_name.startswith("fashionzoo")
            or getattr(module, attr, None) is not obj
        ):
            continue
        try:
            analyzer = ModuleAnalyzer.for_module(module_name)
            analyzer.find_attr_docs()
        except PycodeError:
            continue
        comment = analyzer.attr_docs.get(("", attr))
        if comment:
            lines[:] = [line for line in comment if line is not None]
            return
    lines[:] = []


def setup(app):
    """Connect the docstring hooks; before numpydoc's, which run at 500."""
    app.connect("autodoc-process-docstring", _data_docstring, priority=100)
    app.connect("builder-inited", _check_dataclass_attributes)
    app.connect("autodoc-skip-member", _skip_foreign_members)


# -- The zoo's table: model cards of the networks, measured rows of baselines --


def _latest_baseline_rows() -> dict[str, dict[str, Any]]:
    """The last row of each baseline in benchmarks/results/zoo_table.jsonl."""
    import json

    source = ROOT / "benchmarks" / "results" / "zoo_table.jsonl"
    rows: dict[str, dict[str, Any]] = {}
    if source.is_file():
        for line in source.read_text().splitlines():
            row = json.loads(line) if line.strip() else {}
            if row.get("kind") == "baseline":
                rows[row["model"]] = row
    return rows


def _fit_time(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def _mean_corruption(card: dict[str, Any]) -> str:
    """The card's mean corruption accuracy (benchmarks/bench_robustness.py)."""
    entry = card.get("robustness")
    return f"{entry['mean_corruption_accuracy']:.4f}" if entry else "--"


def write_zoo_table(path: Path) -> None:
    """One RST table of the zoo: networks from their model cards, then baselines.

    A network's row comes from the model card of its shipped weights; a
    baseline's from its latest row in ``benchmarks/results/zoo_table.jsonl``
    (``python benchmarks/zoo_table.py --kind baseline``), or "not measured
    yet". Short figures only (the page's notes say what they mean), so the
    table fits the page at 1280 pixels.
    """
    from fashionzoo import get_model_info, list_models
    from fashionzoo.pretrained import list_pretrained, model_card

    rows = []
    for name in list_pretrained():
        card = model_card(name)
        reported = card["study"]["reported_accuracy"]
        source = card["study"]["source"]
        rows.append(
            [
                f"``{name}``",
                "network",
                source.split("_")[0] if source else "--",
                f"{reported:.4f}" if reported else "--",
                f"{card['test_accuracy']:.4f}",
                _mean_corruption(card),
                str(card["epochs"]),
                _fit_time(card["fit_seconds"]),
                f"{card['network']['parameters']:,}",
                f"{card['weights']['bytes'] / 1e6:.1f} MB",
            ]
        )
    measured = _latest_baseline_rows()
    for name in list_models(kind="baseline"):
        info = get_model_info(name)
        source = info["source"] or ""
        row = measured.get(name)
        rows.append(
            [
                f"``{name}``",
                "baseline",
                source.split("_")[0] if source[:3].isdigit() else "authors",
                f"{info['reported_accuracy']:g}",  # the published precision
                f"{row['test_accuracy']:.4f}" if row else "not measured yet",
                "--",
                "--",
                _fit_time(row["fit_s"]) if row else "--",
                "--",
                "--",
            ]
        )
    head = [
        "model",
        "kind",
        "study",
        "study reported",
        "test accuracy",
        "mean corruption",
        "epochs",
        "fit",
        "parameters",
        "weights",
    ]
    lines = [".. list-table::", "   :header-rows: 1", "   :class: zoo-table", ""]
    for row in [head, *rows]:
        lines.append(f"   * - {row[0]}")
        lines += [f"     - {cell}" for cell in row[1:]]
    hosts = sorted(
        {
            f"{c['host']['cpu']} ({c['host']['cores']} cores, "
            f"{c['host']['vector_unit']})"
            for c in map(model_card, list_pretrained())
        }
    )
    dates = sorted({model_card(n)["trained"][:10] for n in list_pretrained()})
    lines += [
        "",
        (
            f"Networks: trained on {'; '.join(hosts)}, {', '.join(dates)}; "
            "``random_state=0``, each network's default recipe. Mean corruption: "
            "the accuracy on the 10,000 test images averaged over 15 corruption "
            "kinds x 5 severities (:ref:`robustness`)."
        ),
        "",
    ]
    if measured:
        machines = "; ".join(sorted({r["machine"] for r in measured.values()}))
        runs = ", ".join(
            sorted({r.get("run", "unrecorded") for r in measured.values()})
        )
        lines.append(
            f"Baselines: one run each of ``benchmarks/zoo_table.py`` on {machines}, "
            f"started {runs}; ``random_state=None``, each baseline's default recipe."
        )
    else:
        lines.append(
            "Baselines: not measured yet; ``python benchmarks/zoo_table.py "
            "--kind baseline`` measures them."
        )
    lines.append("")
    text = "\n".join(lines)
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)


write_zoo_table(HERE / "generated" / "zoo_table.rst.inc")


def write_recipe_trials(path: Path) -> None:
    """An RST table of the recipes tried, kept or dropped (benchmarks/results)."""
    import json

    source = HERE.parent / "benchmarks" / "results" / "recipe_trials.jsonl"
    rows = [json.loads(line) for line in source.read_text().splitlines() if line]
    lines = [
        ".. list-table::",
        "   :header-rows: 1",
        "",
        "   * - model",
        "     - recipe tried",
        "     - test accuracy",
        "     - kept",
    ]
    for row in rows:
        lines += [
            f"   * - ``{row['model']}``",
            f"     - {row['change']}",
            f"     - {row['test_accuracy']:.4f}",
            f"     - {'yes' if row.get('kept') else 'no'}",
        ]
    text = "\n".join([*lines, ""])
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)


write_recipe_trials(HERE / "generated" / "recipe_trials.rst.inc")
