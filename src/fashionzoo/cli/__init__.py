"""The ``fashionzoo`` command line.

``fashionzoo COMMAND --help`` explains each command. Each command group is a
module here (``_data``, ``_models``, ``_training``, ``_inference``,
``_compare``, ``_serve``) whose handlers parse nothing and compute nothing themselves:
they call the library (:func:`fashionzoo.evaluation.cross_validate`,
:func:`~fashionzoo.evaluation.compare`, :func:`fashionzoo.datasets.load_images`
...) and print. The heavy libraries (Keras, TensorFlow, scikit-learn,
Matplotlib) are imported inside the handlers, so ``fashionzoo --help``
answers at once. Results go to stdout; progress (epoch lines, Keras's progress bars, fold
headers) and log messages to stderr. TensorFlow's start-up lines are hidden
unless ``-v``. An error prints one line ``fashionzoo: error: ...`` on stderr
and exits with status 2 (usage) or 1 (a failure while running); Ctrl-C
exits with 130 after saying what was done.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from fashionzoo.cli import (
    _analysis,
    _compare,
    _data,
    _inference,
    _models,
    _serve,
    _training,
)
from fashionzoo.cli._common import (
    PROG,
    Commands,
    HelpFormatter,
    LogFormatter,
    UsageError,
    common_parser,
    err,
    examples,
    is_baseline,
    load_keras,
    logger,
    parse_param,
    results_to,
)
from fashionzoo.exceptions import FashionZooError

__all__ = ["build_parser", "image_to_array", "main", "parse_param"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``fashionzoo`` command.

    Returns
    -------
    parser : argparse.ArgumentParser
        With one subcommand per task; ``args.handler(args)`` runs it.
    """
    from fashionzoo._version import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        formatter_class=HelpFormatter,
        description=(
            "fashionzoo: a model zoo for Fashion-MNIST (70,000 28x28 grayscale images of\n"
            "clothes in 10 classes) with a scikit-learn API over Keras 3.\n\n"
            "Start with 'fashionzoo fetch' to get the data, 'fashionzoo models' to see the\n"
            "networks, then 'fashionzoo cv lenet5 --test' to reproduce study 001."
        ),
        epilog=examples(
            "fashionzoo fetch                      # download (or find) and verify the data",
            "fashionzoo models                     # networks, baselines, reported accuracy",
            "fashionzoo cv lenet5 --test           # 5-fold CV on 60k images, then the test set",
            "fashionzoo cv lenet5 --max-samples 2000 --epochs 2 --folds 2   # a quick try",
            "fashionzoo train lenet5 --save lenet5.joblib",
            "fashionzoo predict --model lenet5.joblib shirt.png",
            "fashionzoo compare lenet5 cnn_dropout --max-samples 5000 --out report/",
            "fashionzoo serve --model best          # HTTP API and a page to try it",
            note="Run 'fashionzoo COMMAND --help' for the options of a command.",
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    sub = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    commands = Commands(sub, common_parser())
    for group in (_data, _models, _training, _inference, _compare, _serve, _analysis):
        group.register(commands)
    return parser


def _describe(exc: BaseException) -> str:
    if (
        isinstance(exc, OSError)
        and not isinstance(exc, FashionZooError)
        and exc.strerror
        and exc.filename
    ):
        text = f"{exc.strerror}: {exc.filename}"
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())


def _baselines_only(args: argparse.Namespace) -> bool:
    """Whether the command runs classic baselines only (no Keras to load)."""
    names = getattr(args, "models", None) or [getattr(args, "model", None)]
    return all(isinstance(n, str) and is_baseline(n) for n in names)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``fashionzoo`` command.

    Parameters
    ----------
    argv : sequence of str, default=None
        The arguments after the program name; ``sys.argv[1:]`` if None.

    Returns
    -------
    status : int
        0 on success.

    Raises
    ------
    SystemExit
        After one line ``fashionzoo: error: ...`` on stderr, never a
        traceback (``-v`` logs it): status 2 for a usage error (an unknown
        model, parameter or value, a bad path to write), 1 for a failure
        while running (data not found, a missing or damaged file, a bad
        picture, anything unexpected); 130 on Ctrl-C and 143 on SIGTERM,
        after saying what was done (and removing a half-written file).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    args.argv = argv
    args.done = []  # what finished, said if the run is interrupted
    package_logger = logging.getLogger("fashionzoo")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogFormatter("%(message)s"))
    old_level = package_logger.level
    package_logger.addHandler(handler)
    package_logger.setLevel(
        logging.DEBUG
        if args.verbose
        else logging.WARNING
        if args.quiet
        else logging.INFO
    )
    terminated = _terminate_as_interrupt()
    try:
        # Results go to stdout; the estimators' epoch lines and Keras's
        # progress bars (printed to stdout by the library) go to stderr.
        with results_to(sys.stdout), contextlib.redirect_stdout(sys.stderr):
            if getattr(args, "needs_keras", False) and not _baselines_only(args):
                load_keras(quiet=not args.verbose)
            return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        done = "; ".join(args.done) if args.done else "nothing had finished"
        how = "terminated" if terminated.get("signal") else "interrupted"
        err(f"{PROG}: {how} ({done}); nothing was saved.")
        raise SystemExit(143 if terminated.get("signal") else 130) from None
    except UsageError as exc:
        err(f"{PROG}: error: {_describe(exc)}")
        raise SystemExit(2) from None
    except Exception as exc:  # noqa: BLE001  (every failure is one line, exit 1)
        logger.debug("details", exc_info=True)
        known = isinstance(exc, (FashionZooError, ValueError, OSError, ImportError))
        text = _describe(exc) if known else f"{type(exc).__name__}: {_describe(exc)}"
        hint = "" if known or args.verbose else " (run with -v for details)"
        err(f"{PROG}: error: {text}{hint}")
        raise SystemExit(1) from None
    finally:
        terminated.get("restore", lambda: None)()
        package_logger.removeHandler(handler)
        package_logger.setLevel(old_level)


def _terminate_as_interrupt() -> dict[str, Any]:
    """SIGTERM stops the command as Ctrl-C does: files half-written are removed.

    Only where SIGTERM has its default handling and in the main thread.
    Returns a dict whose ``"signal"`` is set once SIGTERM came, and whose
    ``"restore"`` puts the default handling back.
    """
    import signal
    import threading

    state: dict[str, Any] = {}
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        return state

    def on_sigterm(signum: int, frame: Any) -> None:
        state["signal"] = signum
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    state["restore"] = lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL)
    return state


def image_to_array(path: str | os.PathLike[str]) -> Any:
    """Deprecated: use :func:`fashionzoo.datasets.load_image`.

    .. deprecated:: 0.2.0
       Removed in 0.3.0.

    Parameters
    ----------
    path : str or path-like
        A picture file.

    Returns
    -------
    image : ndarray of shape (28, 28), dtype uint8
    """
    from fashionzoo.datasets import load_image

    warnings.warn(
        "fashionzoo.cli.image_to_array is deprecated and will be removed in 0.3.0; "
        "use fashionzoo.datasets.load_image.",
        FutureWarning,
        stacklevel=2,
    )
    return load_image(path)
