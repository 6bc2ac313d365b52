"""Run the app in uvicorn: graceful stop on SIGTERM and Ctrl-C, exit status 0."""

from __future__ import annotations

import contextlib
import logging
import math
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from fashionzoo.serve._limits import ServeLimits
from fashionzoo.serve._models import ServedModel

__all__ = ["run"]

logger = logging.getLogger(__name__)


def _server_class() -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, without re-raising the signal that stopped it.

        uvicorn finishes the requests in flight on SIGTERM or SIGINT, then
        raises the same signal again so that the process dies of it (status
        143, or a KeyboardInterrupt). A service that stopped cleanly exits 0.
        """

        stopped_by: int | None = None

        def handle_exit(self, sig: int, frame: Any) -> None:
            if self.stopped_by is None:
                self.stopped_by = sig
            super().handle_exit(sig, frame)

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            handled = (signal.SIGINT, signal.SIGTERM)
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return Server


def run(
    models: Mapping[str, ServedModel],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    limits: ServeLimits | None = None,
    root_path: str = "",
    forwarded_allow_ips: str | None = None,
    graceful_timeout: float = 30.0,
    access_log: bool = False,
    quiet: bool = False,
    on_started: Callable[[str], None] | None = None,
) -> int:
    """Serve ``models`` until SIGTERM or Ctrl-C, then finish the requests in flight.

    Parameters
    ----------
    models : mapping of str to ServedModel
    host : str, default="127.0.0.1"
        The address to bind; ``0.0.0.0`` for every interface.
    port : int, default=8000
        0 picks a free port (``on_started`` gets the URL).
    limits : ServeLimits, default=None
    root_path : str, default=""
        The path prefix a reverse proxy serves the app under (``/fashionzoo``).
    forwarded_allow_ips : str, default=None
        Proxies whose ``X-Forwarded-*`` headers are trusted (comma-separated,
        ``*`` for any); None: uvicorn's default (127.0.0.1).
    graceful_timeout : float, default=30.0
        Seconds to wait for requests in flight after a stop signal (rounded
        up to a whole second, at least 1).
    access_log : bool, default=False
        Log one line per request.
    quiet : bool, default=False
        Log uvicorn's warnings and errors only.
    on_started : callable, default=None
        Called with the base URL once the server listens.

    Returns
    -------
    status : int
        0 after a clean stop.
    """
    import uvicorn

    from fashionzoo.serve._app import create_app

    app = create_app(models, limits=limits)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        root_path=root_path,
        forwarded_allow_ips=forwarded_allow_ips,
        proxy_headers=True,
        timeout_graceful_shutdown=max(1, math.ceil(graceful_timeout)),
        access_log=access_log,
        log_level="warning" if quiet else "info",
        lifespan="on",
    )
    server = _server_class()(config)
    if on_started is not None:
        _notify_when_started(server, on_started, host, root_path)
    server.run()
    if server.stopped_by is not None:
        logger.info(
            "stopped by %s after finishing the requests in flight",
            signal.Signals(server.stopped_by).name,
        )
    return 0 if server.started else 1


def _notify_when_started(
    server: Any, on_started: Callable[[str], None], host: str, root_path: str
) -> None:
    original = server.startup

    async def startup(sockets: Any = None) -> None:
        await original(sockets=sockets)
        if server.started and server.servers:
            port = server.servers[0].sockets[0].getsockname()[1]
            shown = f"[{host}]" if ":" in host else host
            on_started(f"http://{shown}:{port}{root_path}/")

    server.startup = startup
