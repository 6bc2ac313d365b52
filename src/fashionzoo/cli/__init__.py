"""The ``fashionzoo`` command line.

``fashionzoo COMMAND --help`` explains each command. Each command group is a
module here (``_data``, ``_models``, ``_training``, ``_inference``,
``_compare``) whose handlers parse nothing and compute nothing themselves:
they call the library (:func:`fashionzoo.evaluation.cross_validate`,
:func:`~fashionzoo.evaluation.compare`, :func:`fashionzoo.datasets.load_images`
...) and print. The heavy libraries (Keras, TensorFlow, scikit-learn,
Matplotlib) are imported inside the handlers, so ``fashionzoo --help``
answers at once. Results go to stdout, progress and log messages to stderr;
an error prints one line ``fashionzoo: error: ...`` on stderr and exits with
status 2.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from fashionzoo.cli import _compare, _data, _inference, _models, _training
from fashionzoo.cli._common import (
    PROG,
    Commands,
    HelpFormatter,
    LogFormatter,
    common_parser,
    err,
    examples,
    logger,
    parse_param,
)
from fashionzoo.exceptions import FashionZooError

__all__ = ["build_parser", "image_to_array", "main", "parse_param"]

# Exceptions turned into one error line and exit status 2.
_USER_ERRORS = (FashionZooError, ValueError, OSError, ImportError)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``fashionzoo`` command.

    Returns
    -------
    parser : argparse.ArgumentParser
        With one subcommand per task; ``args.handler(args)`` runs it.
    """
    from fashionzoo import __version__

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
            "fashionzoo models                     # the networks and their reported accuracy",
            "fashionzoo cv lenet5 --test           # 5-fold CV on 60k images, then the test set",
            "fashionzoo cv lenet5 --max-samples 2000 --epochs 2 --folds 2   # a quick try",
            "fashionzoo train lenet5 --save lenet5.joblib",
            "fashionzoo predict --model lenet5.joblib shirt.png",
            "fashionzoo compare lenet5 cnn_dropout --max-samples 5000 --out report/",
            note="Run 'fashionzoo COMMAND --help' for the options of a command.",
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    sub = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    commands = Commands(sub, common_parser())
    for group in (_data, _models, _training, _inference, _compare):
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
        With status 2 on a usage error or a failure the user can fix (unknown
        model, missing file, bad image, data not found), after printing one
        line ``fashionzoo: error: ...`` on stderr; 130 on Ctrl-C.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    args.argv = argv
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ info lines
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
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        err(f"{PROG}: interrupted")
        raise SystemExit(130) from None
    except _USER_ERRORS as exc:
        logger.debug("details", exc_info=True)
        err(f"{PROG}: error: {_describe(exc)}")
        raise SystemExit(2) from None
    finally:
        package_logger.removeHandler(handler)
        package_logger.setLevel(old_level)


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
