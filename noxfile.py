"""Developer tasks: ``nox -l`` lists them, ``nox`` runs lint and tests.

Every session builds its own virtual environment from ``pyproject.toml``
(``reuse_venv=True`` keeps it between runs; ``nox -R`` reuses it without
reinstalling). Arguments after ``--`` go to the tool the session runs, e.g.
``nox -s tests-3.11 -- -k lenet -x``. The Keras backend is the
``KERAS_BACKEND`` of the calling shell (TensorFlow when unset), so the same
sessions run on TensorFlow here and on JAX on a GPU box.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nox

# download_python came in 2025.10.14; "uv|virtualenv" fallbacks in 2024.3.2.
nox.needs_version = ">=2025.10.14"
nox.options.sessions = ["lint", "tests"]
# uv creates environments and installs TensorFlow far faster than pip; nox
# falls back to virtualenv + pip where uv is not installed.
nox.options.default_venv_backend = "uv|virtualenv"
# Never download a standalone Python: a version that is not installed is
# skipped with "Python interpreter X not found" (an error on CI, where nox
# sets --error-on-missing-interpreters).
nox.options.download_python = "never"

ROOT = Path(__file__).resolve().parent
# Python versions allowed by requires-python (>=3.10) that TensorFlow ships
# wheels for.
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
TEST_ENV = {"TF_CPP_MIN_LOG_LEVEL": "2"}


def _runs(executable: str) -> bool:
    try:
        done = subprocess.run(
            [executable, "-c", "import sys"], capture_output=True, check=False
        )
    except OSError:
        return False
    return done.returncode == 0


def _expose_pyenv_interpreters() -> None:
    """Let nox find Pythons that pyenv installed but does not put on PATH.

    pyenv's shims answer ``python3.12: command not found`` for every version
    that is installed but not selected, and nox would take the shim for the
    interpreter. For each such version, a link named ``python3.X`` to the
    real executable goes into a folder put first on PATH; nothing else on
    PATH changes (``python`` and ``python3`` stay what they were).
    """
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    links = Path(tempfile.gettempdir()) / f"fashionzoo-nox-pythons-{os.getuid()}"
    for version in PYTHONS:
        name = f"python{version}"
        found = shutil.which(name)
        if found and _runs(found):
            continue
        candidates = sorted(pyenv_root.glob(f"versions/{version}.*/bin/{name}"))
        candidates = [c for c in candidates if _runs(str(c))]
        if not candidates:
            continue
        links.mkdir(exist_ok=True)
        # A new link replaces the old one in one step, so two nox runs
        # starting together never see the name missing.
        staged = links / f".{name}.{os.getpid()}"
        staged.unlink(missing_ok=True)
        staged.symlink_to(candidates[-1])
        staged.replace(links / name)
    if links.is_dir():
        os.environ["PATH"] = f"{links}{os.pathsep}{os.environ['PATH']}"


_expose_pyenv_interpreters()


@nox.session(python=PYTHONS, reuse_venv=True)
def tests(session: nox.Session) -> None:
    """Run the test suite (fast subset: `-m "not slow"` from pyproject) on each Python.

    A Python that is not installed here is skipped ("Python interpreter 3.X
    not found").
    """
    session.install(".[test]")
    session.run("pytest", *session.posargs, env=TEST_ENV)


@nox.session(name="tests-lowest", python="3.11", reuse_venv=True)
def tests_lowest(session: nox.Session) -> None:
    """Run the tests against the lowest versions pyproject allows (uv --resolution lowest-direct).

    Every direct dependency (runtime and the test extra) is installed at its
    lower bound; their own dependencies are resolved as usual.
    """
    session.install("uv")
    session.run_install(
        "uv",
        "pip",
        "install",
        "--python",
        _venv_python(session),
        "--resolution",
        "lowest-direct",
        ".[test]",
    )
    # Show what was resolved, so a failure can be traced to a version.
    session.run("uv", "pip", "freeze", "--python", _venv_python(session), silent=False)
    session.run("pytest", *session.posargs, env=TEST_ENV)


@nox.session(reuse_venv=True)
def lint(session: nox.Session) -> None:
    """Check style with ruff, and that imports follow ``layers.txt`` without cycles."""
    session.install("ruff")
    session.run("ruff", "check", ".", *session.posargs)
    session.run("ruff", "format", "--check", ".")
    session.run(
        "python", "tools/import_cycles.py", "src/fashionzoo", "--layers", "layers.txt"
    )


@nox.session(reuse_venv=True)
def typecheck(session: nox.Session) -> None:
    """Type-check src with mypy (settings in [tool.mypy])."""
    session.install("mypy", ".")
    session.run("mypy", *session.posargs)


@nox.session(reuse_venv=True)
def docs(session: nox.Session) -> None:
    """Build the HTML site with the example gallery (-W), then doctest it.

    ``FASHIONZOO_DOCS_BUDGET`` (default "tiny") sets the examples' data and
    epochs; "full" runs the studies' real recipes (hours on a CPU). Pass
    ``-- -E`` (or any sphinx-build option) to rebuild from scratch. The
    doctest pass checks the user guide and the docstrings on the API pages.
    """
    session.install(".[docs]")
    env = {
        "FASHIONZOO_DOCS_BUDGET": os.environ.get("FASHIONZOO_DOCS_BUDGET", "tiny"),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONHASHSEED": "0",
    }
    build = ROOT / "docs" / "_build"
    doctrees = str(build / "doctrees")
    common = ["-W", "--keep-going", "-d", doctrees, *session.posargs]
    session.run(
        "sphinx-build", "-b", "html", *common, "docs", str(build / "html"), env=env
    )
    # The examples ran in the HTML build; their checksums are current, so the
    # gallery does not run them again here.
    session.run(
        "sphinx-build",
        "-b",
        "doctest",
        *common,
        "docs",
        str(build / "doctest"),
        env=env,
    )
    session.log(f"Site: {build / 'html' / 'index.html'}")


@nox.session(reuse_venv=True)
def build(session: nox.Session) -> None:
    """Build sdist and wheel, check them, install the wheel in a fresh venv and import it."""
    session.install("build", "twine")
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    installer = ["--installer=uv"] if shutil.which("uv") else []
    session.run("python", "-m", "build", *installer, "--outdir", str(dist))
    wheels = sorted(dist.glob("*.whl"))
    sdists = sorted(dist.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        session.error(
            f"expected one wheel and one sdist in {dist}, found {wheels + sdists}"
        )
    session.run("twine", "check", "--strict", str(wheels[0]), str(sdists[0]))
    session.run("python", "-c", _WHEEL_CONTENT_CHECK, str(wheels[0]), str(sdists[0]))
    # A fresh environment with nothing but the wheel and its dependencies.
    with tempfile.TemporaryDirectory(prefix="fashionzoo-wheel-") as tmp:
        venv = Path(tmp) / "venv"
        python = str(venv / "bin" / "python")
        if shutil.which("uv"):
            session.run("uv", "venv", "--quiet", "--python", sys.executable, str(venv))
            session.run(
                "uv", "pip", "install", "--quiet", "--python", python, str(wheels[0])
            )
        else:
            session.run(sys.executable, "-m", "venv", str(venv), external=True)
            session.run(
                python, "-m", "pip", "install", "--quiet", str(wheels[0]), external=True
            )
        env = {"TF_CPP_MIN_LOG_LEVEL": "2"}
        session.run(python, "-c", _IMPORT_CHECK, env=env, external=True)
        session.run(
            str(venv / "bin" / "fashionzoo"), "--help", silent=True, external=True
        )


_WHEEL_CONTENT_CHECK = """
import sys, tarfile, zipfile
wheel, sdist = sys.argv[1:]
names = set(zipfile.ZipFile(wheel).namelist())
need = [
    "fashionzoo/__init__.py",
    "fashionzoo/py.typed",
    "fashionzoo/datasets/data/fashion_mnist_sample.npz",
    "fashionzoo/datasets/descr/fashion_mnist.rst",
]
missing = [n for n in need if n not in names]
assert not missing, f"missing from {wheel}: {missing}"
print(f"{wheel}: {len(names)} files, includes {', '.join(need)}")
snames = tarfile.open(sdist).getnames()
assert any(n.endswith("src/fashionzoo/py.typed") for n in snames), "py.typed not in sdist"
print(f"{sdist}: {len(snames)} files")
"""

_IMPORT_CHECK = """
import importlib.resources, sys
import fashionzoo
from fashionzoo.datasets import load_sample
X, y = load_sample(return_X_y=True)
assert X.shape == (1000, 784), X.shape
assert importlib.resources.files("fashionzoo").joinpath("py.typed").is_file()
assert "site-packages" in fashionzoo.__file__, fashionzoo.__file__
print("fashionzoo", fashionzoo.__version__, "from", fashionzoo.__file__)
print("models:", ", ".join(fashionzoo.list_models()))
"""


@nox.session(reuse_venv=True)
def bench(session: nox.Session) -> None:
    """Run the benchmarks in benchmarks/ (on demand, slow; not a default session).

    ``nox -s bench -- bench_lenet.py --only time`` runs one script with its
    options; without a script name every ``bench_*.py`` runs with the options.
    """
    session.install(".")
    scripts = sorted((ROOT / "benchmarks").glob("bench_*.py"))
    args = list(session.posargs)
    if args and args[0].removesuffix(".py") in {s.stem for s in scripts}:
        scripts = [ROOT / "benchmarks" / f"{args.pop(0).removesuffix('.py')}.py"]
    for script in scripts:
        session.run("python", str(script), *args, env=TEST_ENV)


@nox.session(reuse_venv=True)
def slow(session: nox.Session) -> None:
    """Run only the tests marked slow (real training on the full data; long)."""
    session.install(".[test]")
    session.run("pytest", "-m", "slow", *session.posargs, env=TEST_ENV)


@nox.session(reuse_venv=True)
def mlflow(session: nox.Session) -> None:
    """Store and load every estimator with MLflow's sklearn flavour (skops format).

    MLflow is not in the test extra: it brings some 35 packages (about 330 MB:
    pyarrow, SQLAlchemy, its server); the test is skipped without it. The lower
    bound matters: left free, the resolver picks mlflow 1.27 (which accepts the
    newest python-dateutil) and that one does not import with protobuf 7.
    """
    session.install(".[test]", "mlflow>=3.17")
    session.run(
        "pytest", "tests/test_state.py", "-k", "mlflow", *session.posargs, env=TEST_ENV
    )


def _tests_on_backend(session: nox.Session, backend: str, package: str) -> None:
    session.install(".[test]", package)
    session.run("pytest", *session.posargs, env={**TEST_ENV, "KERAS_BACKEND": backend})


@nox.session(reuse_venv=True)
def jax(session: nox.Session) -> None:
    """Run the tests under KERAS_BACKEND=jax (jax[cpu]); test paths after --."""
    _tests_on_backend(session, "jax", "jax[cpu]")


@nox.session(reuse_venv=True)
def torch(session: nox.Session) -> None:
    """Run the tests under KERAS_BACKEND=torch (PyPI's torch); test paths after --."""
    _tests_on_backend(session, "torch", "torch")


def _venv_python(session: nox.Session) -> str:
    bindir = session.bin
    return str(Path(bindir) / "python")
