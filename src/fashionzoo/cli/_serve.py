"""``serve``: an HTTP service and a web page for the models."""

from __future__ import annotations

import argparse

from fashionzoo.cli._common import Commands, UsageError, err, positive_int

#: ``--runtime`` choices (the library's).
RUNTIME_CHOICES = ("auto", "onnxruntime", "openvino", "keras")


def serve(args: argparse.Namespace) -> int:
    """Load the models, then serve them until SIGTERM or Ctrl-C."""
    try:
        from fashionzoo.serve import ServeLimits, load_models, run
    except ImportError as exc:
        msg = f'serve needs Starlette and uvicorn: pip install "fashionzoo[serve]" ({exc})'
        raise ImportError(msg) from None
    from fashionzoo.exceptions import UnknownModelError

    try:
        limits = ServeLimits(
            max_body_bytes=args.max_body_bytes,
            max_images=args.max_images,
            max_image_pixels=args.max_image_pixels,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        models = load_models(args.model, runtime=args.runtime, threads=args.threads)
    except UnknownModelError as exc:
        raise UsageError(str(exc)) from None
    names = ", ".join(f"{m.name} ({m.runtime})" for m in models.values())

    def started(url: str) -> None:
        err(f"fashionzoo: serving {names} on {url} (Ctrl-C or SIGTERM stops)")

    return run(
        models,
        host=args.host,
        port=args.port,
        limits=limits,
        root_path=args.root_path.rstrip("/"),
        forwarded_allow_ips=args.forwarded_allow_ips,
        graceful_timeout=args.graceful_timeout,
        access_log=args.access_log,
        quiet=args.quiet,
        on_started=started,
    )


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        msg = f"expected a port from 0 to 65535 (0: any free one); got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def register(commands: Commands) -> None:
    """Add ``serve``."""
    parser = commands.add(
        "serve",
        serve,
        "serve models over HTTP, with a web page to try them",
        "Serve networks over HTTP (JSON API under /v1, OpenAPI at /openapi.json) with a\n"
        "page at / to try them: pick a model, drop a picture or draw one, see the 28x28\n"
        "image the model sees and the class probabilities. Models are loaded once, in\n"
        "ONNX Runtime (no TensorFlow) where they have an exported graph. Binds to\n"
        "127.0.0.1 unless --host says otherwise. SIGTERM or Ctrl-C finishes the\n"
        'requests in flight and exits 0. Needs pip install "fashionzoo[serve]".',
        [
            "fashionzoo serve                          # every shipped network, port 8000",
            "fashionzoo serve --model lenet5 --model best --port 8080",
            "fashionzoo serve --model mine.onnx --host 0.0.0.0 --max-images 8",
            "fashionzoo serve --model best --runtime openvino",
            "fashionzoo serve --root-path /fashionzoo  # behind a reverse proxy",
        ],
        needs_keras=False,
    )
    parser.add_argument(
        "--model",
        action="append",
        metavar="MODEL",
        help="a shipped network's name (lenet5, best), or an .onnx / .xml file from "
        "'fashionzoo export' or a .fzoo file (runs in Keras); repeat for several "
        "(default: every shipped network)",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=_port, default=8000, help="port (default: 8000; 0: a free one)"
    )
    parser.add_argument(
        "--runtime",
        choices=RUNTIME_CHOICES,
        default="auto",
        help="what runs the networks (default auto: onnxruntime, else openvino; "
        "keras only for models without an exported graph)",
    )
    parser.add_argument(
        "--threads",
        type=positive_int,
        default=1,
        metavar="N",
        help="intra-op threads of each prediction (default: 1, so that concurrent "
        "requests run on separate cores; more speeds up one large request on an "
        "idle host)",
    )
    limits = parser.add_argument_group("limits (answered with status 413)")
    limits.add_argument(
        "--max-body-bytes",
        type=positive_int,
        default=8 * 1024 * 1024,
        metavar="N",
        help="largest request body (default: 8388608, 8 MiB)",
    )
    limits.add_argument(
        "--max-images",
        type=positive_int,
        default=32,
        metavar="N",
        help="most pictures in one request (default: 32)",
    )
    limits.add_argument(
        "--max-image-pixels",
        type=positive_int,
        default=4096 * 4096,
        metavar="N",
        help="largest picture in pixels, width x height (default: 16777216)",
    )
    proxy = parser.add_argument_group("behind a reverse proxy")
    proxy.add_argument(
        "--root-path",
        default="",
        metavar="PATH",
        help="the path prefix the proxy serves the app under, e.g. /fashionzoo",
    )
    proxy.add_argument(
        "--forwarded-allow-ips",
        metavar="IPS",
        help="proxies whose X-Forwarded-* headers are trusted (default: 127.0.0.1)",
    )
    parser.add_argument(
        "--graceful-timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="seconds to finish requests in flight after a stop signal (default: 30)",
    )
    parser.add_argument(
        "--access-log", action="store_true", help="log one line per request"
    )
