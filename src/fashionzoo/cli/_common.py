"""What the command handlers share: output, argument types and groups, loading."""

from __future__ import annotations

import argparse
import ast
import contextlib
import logging
import os
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Literal

from fashionzoo.exceptions import FashionZooError

PROG = "fashionzoo"
logger = logging.getLogger("fashionzoo.cli")

_results: list[IO[str]] = []


class UsageError(ValueError):
    """A command-line argument or parameter is not usable (exit status 2)."""


@contextlib.contextmanager
def usage() -> Iterator[None]:
    """Report the errors of checking arguments and parameters as usage errors."""
    try:
        yield
    except (ValueError, TypeError, KeyError) as exc:
        if isinstance(exc, KeyError) and not isinstance(exc, FashionZooError):
            raise
        raise UsageError(str(exc)) from exc


@contextlib.contextmanager
def results_to(stream: IO[str]) -> Iterator[None]:
    """Send :func:`out` to ``stream`` (the real stdout) inside the block."""
    _results.append(stream)
    try:
        yield
    finally:
        _results.pop()


# ------------------------------------------------------------------ output
def out(text: str = "") -> None:
    """Print a result line on stdout."""
    print(text, file=_results[-1] if _results else sys.stdout, flush=True)


def progress(text: str) -> None:
    """A progress line on stderr (not with ``--quiet``)."""
    logger.info("%s", text)


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Send what C++ code writes to file descriptor 2 to /dev/null meanwhile."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def load_keras(*, quiet: bool) -> None:
    """Import Keras and its backend and query the devices, quietly unless told.

    TensorFlow writes start-up lines (absl's "All log messages before
    absl::InitializeLog()", the oneDNN notice, "Could not find cuda
    drivers", a failed cuInit on a machine without a GPU) straight to file
    descriptor 2 from C++, before ``TF_CPP_MIN_LOG_LEVEL`` applies; they are
    silenced around the import and the first device query only.
    """
    if not quiet:
        from fashionzoo import _backends

        _backends.current().gpu_count()
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    with _native_stderr_silenced():
        from fashionzoo import _backends
        from fashionzoo._keras import keras

        _backends.current().gpu_count()
        keras.ops.convert_to_numpy(keras.ops.zeros(1))  # the runtime's first op


def err(text: str) -> None:
    """Print a line on stderr."""
    print(text, file=sys.stderr, flush=True)  # noqa: T201


def table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> list[str]:
    """Left-aligned text table with a rule under the header; the last column unpadded."""
    widths = [
        max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers) - 1)
    ]

    def line(cells: Sequence[str]) -> str:
        padded = [str(c).ljust(w) for c, w in zip(cells, widths, strict=False)]
        return "  ".join([*padded, str(cells[-1])]).rstrip()

    rule = ["-" * w for w in widths] + ["-" * len(headers[-1])]
    return [line(headers), line(rule), *(line(r) for r in rows)]


class LogFormatter(logging.Formatter):
    """Messages as they are; warnings and errors prefixed ``fashionzoo: warning:``."""

    def format(self, record: logging.LogRecord) -> str:
        """The formatted message."""
        message = super().format(record)
        if record.levelno >= logging.WARNING:
            return f"{PROG}: {record.levelname.lower()}: {message}"
        return message


# --------------------------------------------------------- argument types
def parse_param(text: str) -> tuple[str, Any]:
    """Parse a ``--param KEY=VALUE`` argument.

    The value is read as a Python literal (``16``, ``1e-3``, ``True``,
    ``None``, ``(3, 3)``, ``{"flip": True}``) and kept as a string when it is
    not one (``adam``).

    Parameters
    ----------
    text : str
        ``"key=value"``.

    Returns
    -------
    key, value : tuple of (str, object)

    Raises
    ------
    argparse.ArgumentTypeError
        If there is no ``=`` or the key is empty.

    Examples
    --------
    >>> from fashionzoo.cli import parse_param
    >>> parse_param("units_1=16"), parse_param("optimizer=sgd")
    (('units_1', 16), ('optimizer', 'sgd'))
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key.isidentifier():
        msg = f"expected KEY=VALUE, e.g. units_1=16; got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    try:
        value = ast.literal_eval(raw.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        value = raw.strip()
    return key, value


def positive_int(text: str) -> int:
    """An int >= 1, for argparse."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        msg = f"expected a positive integer; got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def folds(text: str) -> int:
    """A fold count >= 2, for argparse."""
    value = positive_int(text)
    if value < 2:
        msg = f"cross-validation needs at least 2 folds; got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def n_jobs(text: str) -> int:
    """A process count for joblib: -1 (one per CPU) or >= 1, for argparse."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0 or value < -1:
        msg = f"expected -1 (one process per CPU) or a positive integer; got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def seed(text: str) -> int:
    """A random seed in [0, 2**32 - 1], for argparse."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**32:
        msg = f"expected an integer from 0 to 4294967295; got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def check_folds(args: argparse.Namespace, y: Any) -> None:
    """``--folds`` no larger than the images of the smallest class (a usage error)."""
    import numpy as np

    _, counts = np.unique(np.asarray(y), return_counts=True)
    smallest = int(counts.min()) if counts.size else 0
    if args.folds > smallest:
        msg = (
            f"argument --folds: {args.folds} stratified folds need at least "
            f"{args.folds} images of each class; the smallest class of the "
            f"{len(y):,} training images has {smallest}. Use --folds {smallest} "
            f"or fewer, or train on more images (--max-samples)"
        )
        raise UsageError(msg)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the line breaks of descriptions and examples; at most 100 columns."""

    def __init__(self, prog: str) -> None:
        width = min(100, shutil.get_terminal_size((100, 24)).columns)
        super().__init__(prog, max_help_position=30, width=width)


def examples(*lines: str, note: str = "") -> str:
    """The ``examples:`` epilog of a command's help."""
    text = "examples:\n" + "\n".join(f"  {line}" for line in lines)
    return f"{text}\n\n{note}" if note else text


# ----------------------------------------------------------- parser groups
def common_parser() -> argparse.ArgumentParser:
    """Options every command takes."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("general options")
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print results only: no progress or log",
    )
    group.add_argument(
        "-v", "--verbose", action="store_true", help="print debugging messages"
    )
    group.add_argument(
        "--seed",
        type=seed,
        default=0,
        metavar="N",
        help="random seed for subsets, folds and training (default: 0)",
    )
    group.add_argument(
        "--data-home",
        metavar="DIR",
        help="folder of the data (default: $FASHIONZOO_DATA, else the user cache folder)",
    )
    return common


def training_parser() -> argparse.ArgumentParser:
    """Options of the commands that train."""
    training = argparse.ArgumentParser(add_help=False)
    group = training.add_argument_group("training options")
    group.add_argument(
        "--epochs",
        type=positive_int,
        metavar="N",
        help="epochs per fit (default: the model's recipe, see 'fashionzoo models --json')",
    )
    group.add_argument(
        "--batch-size", type=positive_int, metavar="N", help="images per training step"
    )
    group.add_argument(
        "--max-samples",
        type=positive_int,
        metavar="N",
        help="train on a stratified random subset of N of the 60,000 training images "
        "(default: all)",
    )
    group.add_argument(
        "--test-samples",
        type=positive_int,
        metavar="N",
        help="score on a stratified subset of N of the 10,000 test images (default: all)",
    )
    group.add_argument(
        "--param",
        action="append",
        type=parse_param,
        metavar="KEY=VALUE",
        help="a model parameter, repeatable: --param units_1=128 --param learning_rate=1e-3",
    )
    return training


def cv_options(parser: argparse.ArgumentParser, default_folds: int) -> None:
    """``--folds`` and ``--n-jobs``."""
    group = parser.add_argument_group("cross-validation options")
    group.add_argument(
        "--folds",
        type=folds,
        default=default_folds,
        metavar="K",
        help=f"number of stratified folds (default: {default_folds})",
    )
    group.add_argument(
        "--n-jobs",
        type=n_jobs,
        default=1,
        metavar="N",
        help="folds trained in parallel processes; -1 for one per CPU (default: 1)",
    )


Handler = Callable[[argparse.Namespace], int]


class Commands:
    """Adds subcommands, each with its summary, description, examples and handler."""

    def __init__(self, sub: Any, common: argparse.ArgumentParser) -> None:
        self.sub, self.common = sub, common
        self.training = training_parser()

    def add(
        self,
        name: str,
        handler: Handler,
        summary: str,
        description: str,
        example_lines: Sequence[str],
        *,
        trains: bool = False,
        needs_keras: bool = True,
    ) -> argparse.ArgumentParser:
        """The parser of a new subcommand (``needs_keras``: load it quietly first)."""
        parents = [self.training, self.common] if trains else [self.common]
        command = self.sub.add_parser(
            name,
            help=summary,
            description=description,
            epilog=examples(*example_lines),
            formatter_class=HelpFormatter,
            parents=parents,
        )
        command.set_defaults(handler=handler, needs_keras=needs_keras)
        return command


# ------------------------------------------------------------ shared steps
def params(args: argparse.Namespace) -> dict[str, Any]:
    """``--param`` values, with ``--epochs`` and ``--batch-size`` on top."""
    values = dict(getattr(args, "param", None) or [])
    for option in ("epochs", "batch_size"):
        value = getattr(args, option, None)
        if value is not None:
            values[option] = value
    return values


def make_estimators(names: Sequence[str], args: argparse.Namespace) -> dict[str, Any]:
    """One fresh estimator per model name, with the command line's parameters.

    A parameter applies to every model that has it; one that no model has
    is an error (with the valid names), as is an unknown model name. The
    values are checked here, before any data is loaded. Baselines get
    ``random_state`` from ``--seed`` and no ``verbose``; their parameters are
    their recipe's flat names (``--param C=5``).
    """
    with usage():
        return _make_estimators(names, args)


def is_baseline(name: str) -> bool:
    """Whether ``name`` is a classic baseline (False for unknown names)."""
    from fashionzoo.exceptions import UnknownModelError
    from fashionzoo.zoo import get_model_info

    try:
        return bool(get_model_info(name)["kind"] == "baseline")
    except (UnknownModelError, TypeError):
        return False


def _make_estimators(names: Sequence[str], args: argparse.Namespace) -> dict[str, Any]:
    from fashionzoo.zoo import create_estimator, get_model_info

    given = params(args)
    estimators: dict[str, Any] = {}
    used: set[str] = set()
    for name in names:
        if name in estimators:
            msg = f"model {name!r} is given twice."
            raise ValueError(msg)
        baseline = get_model_info(name)["kind"] == "baseline"
        if baseline:
            valid = set(get_model_info(name)["recipe"])
            common: dict[str, Any] = {"random_state": args.seed}
        else:
            valid = set(create_estimator(name).get_params())
            common = {"random_state": args.seed, "verbose": 0 if args.quiet else 1}
        mine = {k: v for k, v in given.items() if k in valid}
        used.update(mine)
        if len(names) == 1:
            mine = given  # let create_estimator explain an unknown parameter
        estimator = create_estimator(name, **{**common, **mine})
        if baseline:  # a Pipeline: check the values of each of its steps
            for _, step in estimator.steps:
                if hasattr(step, "_parameter_constraints"):
                    step._validate_params()
        else:
            validate = getattr(estimator, "_validate_params", None)
            if validate is not None:
                validate()
        estimators[name] = estimator
    unused = sorted(set(given) - used)
    if unused and len(names) > 1:
        msg = f"no model among {', '.join(names)} has the parameter(s) {', '.join(unused)}."
        raise ValueError(msg)
    return estimators


def load(
    subset: Literal["train", "test"], args: argparse.Namespace, n: int | None
) -> tuple[Any, Any]:
    """The training or test images, as a stratified subset of ``n`` if given."""
    from fashionzoo.datasets import fetch_fashion_mnist, stratified_subset

    X, y = fetch_fashion_mnist(
        subset, data_home=args.data_home, return_X_y=True, progressbar=show_bars()
    )
    try:
        return stratified_subset(X, y, n, random_state=args.seed)
    except ValueError as exc:
        option = "--max-samples" if subset == "train" else "--test-samples"
        msg = f"argument {option}: {exc}"
        raise UsageError(msg) from exc


def show_bars() -> bool:
    """Download progress bars: on a terminal, when tqdm is installed."""
    import importlib.util

    return sys.stderr.isatty() and importlib.util.find_spec("tqdm") is not None


def load_train(args: argparse.Namespace) -> tuple[Any, Any]:
    """The training images of ``--max-samples``."""
    X, y = load("train", args, args.max_samples)
    logger.info("training images: %s", f"{len(y):,}")
    return X, y


def load_test(args: argparse.Namespace) -> tuple[Any, Any]:
    """The test images of ``--test-samples``."""
    return load("test", args, args.test_samples)


def allow_pickle_option(parser: argparse.ArgumentParser) -> None:
    """``--allow-pickle``: read a ``.joblib`` pickle (it runs code)."""
    parser.add_argument(
        "--allow-pickle",
        action="store_true",
        help="read a .joblib model file: a pickle, which runs the code it holds; "
        "only for files you trust",
    )


def load_estimator(spec: str, *, allow_pickle: bool = False) -> Any:
    """A fitted estimator: a model file, or a network's shipped weights by name.

    ``.fzoo`` files (``fashionzoo train --save``) are read in fashionzoo's
    safe format. ``.joblib`` files (older versions of ``train --save``) are
    pickles: loading one runs the code it holds, so they are refused unless
    ``allow_pickle`` (``--allow-pickle``), and then read after a warning.
    """
    source = Path(spec).expanduser()
    if source.suffix in (".joblib", ".pkl", ".pickle"):
        return _load_joblib(source, allow_pickle=allow_pickle)
    if source.is_file() or source.suffix == ".fzoo" or os.sep in spec:
        from fashionzoo.saving import load

        if not source.is_file():
            msg = (
                f"no model file at {str(source)!r}. Train and save one first, e.g. "
                f"fashionzoo train lenet5 --save {source.name or 'model.fzoo'}, or "
                f"give a network's name to use its shipped weights (--model lenet5)"
            )
            raise FileNotFoundError(msg)
        return load(source)
    from fashionzoo.exceptions import UnknownModelError
    from fashionzoo.zoo import create_estimator

    try:
        return create_estimator(spec, pretrained=True)
    except UnknownModelError as exc:
        msg = f"no model file at {spec!r}, and {exc}"
        raise UsageError(msg) from None


def _load_joblib(source: Path, *, allow_pickle: bool) -> Any:
    if not source.is_file():
        msg = (
            f"no model file at {str(source)!r}. Train and save one first, e.g. "
            f"fashionzoo train lenet5 --save {source.with_suffix('.fzoo').name}"
        )
        raise FileNotFoundError(msg)
    if not allow_pickle:
        msg = (
            f"{str(source)!r} is a pickle: loading it runs the code it holds, so it "
            f"is not read unless you pass --allow-pickle (only for a file you "
            f"trust), and then better re-save it in the .fzoo format, which runs "
            f"nothing: estimator.save('{source.with_suffix('.fzoo').name}')"
        )
        raise UsageError(msg)
    import joblib

    logger.warning(
        "%s is a pickle: loading it runs code, so only load files you trust. "
        "Save models with 'fashionzoo train --save model.fzoo' (a safe format).",
        source,
    )
    try:
        estimator = joblib.load(source)
    except Exception as exc:  # unpickling raises anything for a foreign file
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        msg = (
            f"{str(source)!r} is truncated or not a model file saved by "
            f"'fashionzoo train --save' ({detail})"
        )
        raise ValueError(msg) from exc
    if not (hasattr(estimator, "predict_proba") and hasattr(estimator, "classes_")):
        msg = f"{str(source)!r} holds a {type(estimator).__name__}, not a fitted classifier."
        raise ValueError(msg)
    return estimator
