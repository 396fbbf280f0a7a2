"""Serving the application with uvicorn: the socket, the startup line, logging and signals.

:func:`serve` binds the socket itself, so that with port 0 the startup line can
name the port the system chose before the first request is accepted. uvicorn
runs with its pure-Python HTTP parser (h11), which hands over methods as sent
(K2: ``get`` is ``GET``; a parser that knows only upper-case methods would
refuse it). SIGTERM and SIGINT stop accepting connections, let the requests
under way finish, then stop the worker, which finishes its batch, and close the
store; :func:`serve` then returns normally.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TextIO

import uvicorn

from ippools.server.app import IppoolsApp

__all__ = ["bind", "configure_logging", "serve", "startup_line"]

log = logging.getLogger("ippools.server")

_GRACE = 30
"""Seconds that requests under way get to finish after SIGTERM or SIGINT."""


def configure_logging(stream: TextIO | None = None) -> None:
    """Send the server's log lines (startup, access, errors) to ``stream`` (default stderr)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("ippools: %(message)s"))
    logger = logging.getLogger("ippools.server")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False


def startup_line(app: IppoolsApp, url: str) -> str:
    """The line the server logs once it listens: address, store, mode and what runs."""
    backend = app.backend
    store = "SQLite in memory" if backend.path == ":memory:" else f"SQLite file {backend.path}"
    if backend.synchronous != "FULL":
        store += f", synchronous {backend.synchronous}"
    control = "on" if app.control else "off"
    worker = f"settle delay {backend.settle_delay:g} s" if backend.worker else "off"
    return (
        f"serving {url} (store: {store}; mode: {app.mode}; control endpoints: {control}; "
        f"worker: {worker})"
    )


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (0: a free port), Nagle's algorithm off."""
    # Made as asyncio makes its own (protocol TCP), so that it turns Nagle's algorithm off on
    # every accepted connection: a response goes out in several writes, and with Nagle on
    # each one after the first would wait for the client's delayed ACK (40 ms on Linux).
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


@contextmanager
def _signals_stop(server: uvicorn.Server) -> Iterator[None]:
    # A signal that arrives before uvicorn installs its own handlers must stop it too; and
    # uvicorn re-raises the signal that stopped it once it is done, with the handlers it
    # found in place: these set the flag it watches, so a clean stop exits normally.
    def stop(signum: int, frame: FrameType | None) -> None:
        server.should_exit = True

    numbers = (signal.SIGTERM, signal.SIGINT)
    previous = {number: signal.signal(number, stop) for number in numbers}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def serve(app: IppoolsApp, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve ``app`` on ``host``:``port`` until SIGTERM or SIGINT (port 0: any free port).

    Raises :class:`OSError` when the address cannot be bound. The store is closed
    when this returns.
    """
    try:
        sock = bind(host, port)
    except OSError:
        app.backend.close()
        raise
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{sock.getsockname()[1]}"
    config = uvicorn.Config(
        app,
        http="h11",
        ws="none",
        lifespan="on",
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=_GRACE,
    )
    server = uvicorn.Server(config)
    try:
        with _signals_stop(server):
            log.info("%s", startup_line(app, url))
            server.run(sockets=[sock])
    finally:
        sock.close()
        app.backend.close()
    log.info("stopped")
