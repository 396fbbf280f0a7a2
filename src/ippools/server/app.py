"""The ASGI application: a thin adapter from HTTP to the wire layer, with identity and control.

Theory of operation
-------------------
For each HTTP request, :class:`IppoolsApp` does, in this order (the first
failing step answers):

0. ``GET /_ippools/openapi.json`` answers the OpenAPI document of the API
   (:mod:`ippools.openapi`), in either mode, without authentication: it holds
   nothing but the route table;
1. size: a ``Content-Length`` above the body limit is 413 (so is a body that
   grows past it while it is read);
2. identity: in public mode, HTTP Basic auth ``api:<key>`` with a key of the
   keys file, else 401; the ``X-Mailgun-*`` identity headers the client sent are
   dropped and the key's account, requestor and client put in their place. In
   trusted mode the client's headers pass as they are;
3. control: a path under ``/_ippools/``, when the control endpoints are on, goes
   to :func:`ippools.server.control.control`;
4. reading: header values, the query string and the body become text
   (:mod:`ippools.server.bodies`); what cannot be read is 400;
5. the wire layer: the method as sent and the raw, undecoded path (ASGI
   ``raw_path``) go to :func:`ippools.wire.handle` through the backend's
   service, which decides routes, methods (K2), and every check (K1).

Blocking work (the store, the worker, resets) runs in a pool of threads, never
on the event loop. Every answer is JSON: the wire layer's body as compact JSON
with sorted keys (``{"message":"success"}``), or ``{"message": ...}`` for an
error of the server's own (401, 413, 400 before the wire, 503 when the store
stays busy, 500 for anything unexpected; a 405 names the path's methods in
``Allow``: the traceback goes to the log, never to
the client). One access log line per request gives the method, the path (no
query string), the status and the milliseconds taken; no header, hence no key,
is ever logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Final, TypeVar
from urllib.parse import quote

from ippools.errors import ConflictError
from ippools.openapi import OPENAPI_PATH, openapi_document
from ippools.server.backend import MEMORY, Backend, Synchronous
from ippools.server.bodies import Malformed, parse_body, parse_query
from ippools.server.control import CONTROL_METHODS, CONTROL_PREFIX, control
from ippools.server.keys import IDENTITY_HEADERS, ApiKey, Keys, basic_auth_key
from ippools.wire import Request
from ippools.wire.parse import split_target
from ippools.wire.routes import match
from ippools.worker import DEFAULT_SETTLE_DELAY
from ippools.world import World

__all__ = ["DEFAULT_MAX_BODY", "DEFAULT_THREADS", "IppoolsApp", "create_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
T = TypeVar("T")

DEFAULT_MAX_BODY: Final = 1024 * 1024
"""Bytes a request body may hold (413 past it)."""
DEFAULT_THREADS: Final = 2
"""Threads that run the blocking store work of requests. The SQLite store serialises its
work on one connection, and more threads only contend for the GIL: measured with 16
connections, 4 threads answered reads about a quarter slower than 1 or 2, with a worse p99."""

log = logging.getLogger("ippools.server")
access = logging.getLogger("ippools.server.access")

_IDENTITY: Final = frozenset(h.lower() for h in IDENTITY_HEADERS)
_JSON_HEADERS: Final = [(b"content-type", b"application/json")]
_CHALLENGE: Final = (b"www-authenticate", b'Basic realm="ippools"')
_OPENAPI: Final = OPENAPI_PATH.encode("ascii")
_NO_KEY = "authentication required: HTTP Basic auth with the user 'api' and an API key"
_BAD_AUTH = "the Authorization header is not HTTP Basic auth with the user 'api' and a key"
_UNKNOWN_KEY = "invalid API key"


class _TooLarge(Exception):
    """The body is larger than the limit."""


class _Gone(Exception):
    """The client disconnected before the request was complete."""


class _Answer(Exception):
    """Answer at once with this status and message."""

    def __init__(self, status: int, message: str, *headers: tuple[bytes, bytes]) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = list(headers)


_ENCODER: Final = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def _dumps(body: dict[str, Any]) -> bytes:
    return _ENCODER.encode(body).encode("ascii")


def _shown(raw_path: bytes) -> str:
    text = raw_path.decode("ascii", "backslashreplace")
    return text if len(text) <= 200 else text[:200] + "..."


class IppoolsApp:
    """The ASGI 3 application of the reference server (build it with :func:`create_app`).

    It answers ``http`` and ``lifespan`` scopes. A host whose ASGI stack does not
    forward lifespan events gets the background worker started by the first
    request, and calls :meth:`close` when it stops.
    """

    def __init__(
        self,
        backend: Backend,
        *,
        keys: Keys | None = None,
        trust_headers: bool = False,
        control: bool | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        threads: int = DEFAULT_THREADS,
        access_log: bool = True,
    ) -> None:
        if trust_headers and keys is not None:
            raise ValueError("trusted mode takes no keys: identity headers come from the client")
        if not trust_headers and keys is None:
            raise ValueError("public mode needs keys (or trust_headers=True)")
        if max_body < 0 or threads < 1:
            raise ValueError(f"max_body must be >= 0 and threads >= 1, got {max_body}, {threads}")
        self.backend = backend
        self.keys = keys
        self.trust_headers = trust_headers
        self.control = trust_headers if control is None else control
        self.max_body = max_body
        self.access_log = access_log
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="ippools-request")
        self._started = False
        self._start_lock = threading.Lock()
        self.openapi = openapi_document()

    @property
    def mode(self) -> str:
        """``"public"`` or ``"trusted headers"``."""
        return "trusted headers" if self.trust_headers else "public"

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> None:
        """Start the background worker (done by the lifespan startup or the first request)."""
        with self._start_lock:
            if not self._started:
                self.backend.start()
                self._started = True

    def close(self) -> None:
        """Finish the work under way, stop the worker and close the store."""
        self._executor.shutdown(wait=True)
        self.backend.close()

    async def _blocking(self, call: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, call, *args)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self._blocking(self.start)
                except Exception as error:
                    log.exception("startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(error)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await asyncio.to_thread(self.close)
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- requests ----------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":
            await receive()
            await send({"type": "websocket.close", "code": 1003})

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        began = time.perf_counter()
        method: str = scope["method"]
        raw_path: bytes = scope.get("raw_path") or quote(scope["path"]).encode("ascii")
        extra: list[tuple[bytes, bytes]] = []
        try:
            status, body = await self._answer(scope, receive, method, raw_path)
            if status == 405:
                extra = [(b"allow", _allowed(raw_path, self.control).encode("ascii"))]
        except _Answer as answer:
            status, body, extra = answer.status, {"message": answer.message}, answer.headers
        except _Gone:
            return
        except Exception:
            log.exception("internal error answering %s %s", method, _shown(raw_path))
            status, body = 500, {"message": "internal error; the server log has the details"}
        payload = _dumps(body)
        headers = [*_JSON_HEADERS, (b"content-length", str(len(payload)).encode()), *extra]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
        if self.access_log:
            elapsed = (time.perf_counter() - began) * 1000
            access.info("%s %s %d %.1f ms", method, _shown(raw_path), status, elapsed)

    async def _answer(
        self, scope: Scope, receive: Receive, method: str, raw_path: bytes
    ) -> tuple[int, dict[str, Any]]:
        if raw_path == _OPENAPI and method == "GET":
            return 200, self.openapi
        raw_headers: list[tuple[bytes, bytes]] = list(scope["headers"])
        length = [value for name, value in raw_headers if name.lower() == b"content-length"]
        if length and length[0].strip().isdigit() and int(length[0]) > self.max_body:
            raise _Answer(413, f"the request body is larger than {self.max_body} bytes")
        key = None if self.trust_headers else self._authenticate(raw_headers)
        data = await self._read_body(receive)
        if not self._started:
            await self._blocking(self.start)
        try:
            path = raw_path.decode("utf-8")
            headers = _text_headers(raw_headers)
            content_type = _content_type(headers)
            if self.control and path.startswith(CONTROL_PREFIX):
                call = partial(control, self.backend, method, path, content_type, data)
                return await self._store_work(call)
            query = parse_query(scope.get("query_string", b""))
            body = parse_body(content_type, data)
        except UnicodeDecodeError:
            raise _Answer(400, "the request path is not UTF-8") from None
        except Malformed as error:
            raise _Answer(400, str(error)) from None
        if key is not None:
            headers = [(n, v) for n, v in headers if n.lower() not in _IDENTITY]
            headers += key.headers
        request = Request(method, path, query, tuple(headers), body.form, body.json)
        response = await self._store_work(partial(self.backend.handle, request))
        return response.status, response.body

    async def _store_work(self, call: Callable[[], T]) -> T:
        """Run ``call`` off the loop; a store that stayed busy through every retry is 503."""
        try:
            return await self._blocking(call)
        except ConflictError:
            raise _Answer(503, "the store is busy; retry", (b"retry-after", b"1")) from None

    def _authenticate(self, raw_headers: list[tuple[bytes, bytes]]) -> ApiKey:
        assert self.keys is not None
        given = [value for name, value in raw_headers if name.lower() == b"authorization"]
        if not given:
            raise _Answer(401, _NO_KEY, _CHALLENGE)
        secret = basic_auth_key(given)
        if secret is None:
            raise _Answer(401, _BAD_AUTH, _CHALLENGE)
        key = self.keys.lookup(secret)
        if key is None:
            raise _Answer(401, _UNKNOWN_KEY, _CHALLENGE)
        return key

    async def _read_body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Gone
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise _Answer(413, f"the request body is larger than {self.max_body} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _allowed(raw_path: bytes, control: bool) -> str:
    """The ``Allow`` header of a 405 answer (RFC 9110): the methods the path takes."""
    path = raw_path.decode("utf-8", "replace")
    if control and path.startswith(CONTROL_PREFIX):
        return CONTROL_METHODS.get(path[len(CONTROL_PREFIX) :], "")
    target = split_target(path)
    found = match(target.segments) if target.segments is not None else None
    return ", ".join(found[0].methods) if found is not None else ""


def _text_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    headers = []
    for name, value in raw:
        text_name = name.decode("latin-1")
        try:
            headers.append((text_name, value.decode("utf-8")))
        except UnicodeDecodeError:
            raise Malformed(f"header {text_name[:60]!r} is not UTF-8") from None
    return headers


def _content_type(headers: list[tuple[str, str]]) -> str | None:
    given = [value for name, value in headers if name.lower() == "content-type"]
    if len(given) > 1:
        raise Malformed("header Content-Type is given more than once")
    return given[0] if given else None


def create_app(
    db: str = MEMORY,
    world: World | None = None,
    *,
    keys: Keys | None = None,
    trust_headers: bool = False,
    control: bool | None = None,
    settle_delay: float = DEFAULT_SETTLE_DELAY,
    worker: bool = True,
    max_body: int = DEFAULT_MAX_BODY,
    threads: int = DEFAULT_THREADS,
    access_log: bool = True,
    audit_log: str | os.PathLike[str] | None = None,
    synchronous: Synchronous = "FULL",
) -> IppoolsApp:
    """The ASGI application of the reference server, over the SQLite store at ``db``.

    ``db`` is a file (created when new; an existing ippools database is served
    as it is, its pending updates resuming) or ``:memory:``. ``world`` seeds a
    new database only (:class:`~ippools.store.StoreError` for a file that holds
    one already). Public mode (the default) needs ``keys``; ``trust_headers=True``
    takes the identity headers from the client and no keys. ``control`` turns
    the ``/_ippools/`` endpoints on or off (default: on in trusted mode only).
    The worker waits ``settle_delay`` seconds once it finds pending work;
    ``worker=False`` leaves pending updates to ``/_ippools/settle`` or to workers
    elsewhere. ``audit_log`` names a file that every request other than a GET
    that became a command is appended to, in commit order, as a scenario step
    (see :class:`~ippools.server.backend.Backend`). ``synchronous`` is the
    store's: ``"FULL"`` (a commit survives a power loss) or ``"NORMAL"`` (it
    survives the death of the process, and costs no disk flush). Raises :class:`ValueError`
    for a bad combination, and what :func:`~ippools.server.backend.open_database`
    raises.
    """
    if trust_headers and keys is not None:
        raise ValueError("trusted mode takes no keys: identity headers come from the client")
    if not trust_headers and keys is None:
        raise ValueError("public mode needs keys (or trust_headers=True)")
    # Not a with-block: the backend owns the file and closes it when it closes.
    audit = None if audit_log is None else open(audit_log, "a", encoding="utf-8")  # noqa: SIM115
    try:
        backend = Backend(
            db,
            world,
            settle_delay=settle_delay,
            worker=worker,
            audit=audit,
            synchronous=synchronous,
        )
    except BaseException:
        if audit is not None:
            audit.close()
        raise
    return IppoolsApp(
        backend,
        keys=keys,
        trust_headers=trust_headers,
        control=control,
        max_body=max_body,
        threads=threads,
        access_log=access_log,
    )
