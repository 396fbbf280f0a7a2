"""The ASGI application in process, as a host that mounts it would use it: lifespan, lazy start,
an internal error (500, traceback in the log, not to the client), a busy store (503), and a
server that gives no ``raw_path``."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from ippools.server import IppoolsApp, create_app
from ippools.server.run import bind, startup_line
from ippools.store import SqliteStore, StoreBusy, StoreError
from ippools.wire import Request, Response
from tests.support import POOL_A
from tests.test_wire import HEADERS, WORLD


@pytest.fixture
def app() -> Iterator[IppoolsApp]:
    application = create_app(world=WORLD, trust_headers=True, settle_delay=0)
    yield application
    application.close()


def call(app: IppoolsApp, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(run())


def test_an_internal_error_is_500_with_the_traceback_in_the_log_only(
    app: IppoolsApp, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(request: Request) -> Response:
        raise RuntimeError("secret detail of the failure")

    monkeypatch.setattr(app.backend, "handle", broken)
    with caplog.at_level(logging.ERROR, logger="ippools.server"):
        answer = call(app, "GET", f"/v3/ip_pools/{POOL_A}", headers=HEADERS)
    assert (answer.status_code, answer.json()) == (
        500,
        {"message": "internal error; the server log has the details"},
    )
    assert "secret detail" not in answer.text
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.getMessage() == f"internal error answering GET /v3/ip_pools/{POOL_A}"
    assert record.exc_info is not None
    assert "secret detail of the failure" in caplog.text
    assert "Traceback" in caplog.text


def test_a_store_that_stays_busy_is_503(app: IppoolsApp, monkeypatch: pytest.MonkeyPatch) -> None:
    def busy(request: Request) -> Response:
        raise StoreBusy("store 'x' is busy")

    def busy_settle(limit: int | None) -> tuple[int, int]:
        raise StoreBusy("store 'x' is busy")

    monkeypatch.setattr(app.backend, "handle", busy)
    monkeypatch.setattr(app.backend, "settle", busy_settle)
    for method, path in (("GET", f"/v3/ip_pools/{POOL_A}"), ("POST", "/_ippools/settle")):
        answer = call(app, method, path, headers=HEADERS)
        assert (answer.status_code, answer.json()) == (503, {"message": "the store is busy; retry"})
        assert answer.headers["retry-after"] == "1"


def test_without_lifespan_the_first_request_starts_the_worker(app: IppoolsApp) -> None:
    """A host that forwards no lifespan events still gets its pending updates processed."""
    answer = call(app, "PUT", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.4", headers=HEADERS)
    assert answer.json() == {"message": "started"}
    for _ in range(500):
        if not app.backend.pending():
            break
        asyncio.run(asyncio.sleep(0.01))
    assert app.backend.pending() == 0


def test_lifespan_starts_and_closes_the_backend() -> None:
    """Startup completes; shutdown completes after the store is closed."""
    app = create_app(world=WORLD, trust_headers=True)
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    asyncio.run(app({"type": "lifespan"}, receive, send))
    assert sent == [{"type": "lifespan.startup.complete"}, {"type": "lifespan.shutdown.complete"}]
    with pytest.raises(StoreError):
        app.backend.service.store.world()


def test_without_raw_path_the_decoded_path_is_encoded_again(app: IppoolsApp) -> None:
    """A server that gives only the decoded ``path``: IPv6 in it still reaches the wire."""
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "method": "PUT",
        "path": f"/v3/ip_pools/{POOL_A}/ips/2001:db8::3",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()],
    }
    requests = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict[str, Any]:
        return requests.pop(0)

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b'{"message":"started"}'


def test_a_websocket_is_closed(app: IppoolsApp) -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    asyncio.run(app({"type": "websocket", "path": "/"}, receive, send))
    assert sent == [{"type": "websocket.close", "code": 1003}]


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="settle_delay must be >= 0, got -1"):
        create_app(trust_headers=True, settle_delay=-1)
    with pytest.raises(ValueError, match="max_body must be >= 0 and threads >= 1"):
        create_app(trust_headers=True, threads=0)


def test_accepted_connections_have_nagles_algorithm_off() -> None:
    """A response goes out in several writes; with Nagle on, each after the first would wait
    for the client's delayed ACK."""
    with bind("127.0.0.1", 0) as listening:
        assert listening.proto == socket.IPPROTO_TCP
        with socket.create_connection(listening.getsockname()) as client:
            accepted, _ = listening.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
                assert client.fileno() >= 0


def test_the_synchronous_setting_reaches_the_store_and_survives_a_reset(tmp_path: Path) -> None:
    app = create_app(str(tmp_path / "s.db"), WORLD, trust_headers=True, synchronous="NORMAL")
    try:
        store = app.backend.service.store
        assert isinstance(store, SqliteStore)
        assert store.synchronous == "NORMAL"
        app.backend.reset(WORLD)
        store = app.backend.service.store
        assert isinstance(store, SqliteStore)
        assert store.synchronous == "NORMAL"
        assert store.world() == WORLD
    finally:
        app.close()


def test_the_startup_line_names_a_synchronous_setting_other_than_full(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    app = create_app(str(db), trust_headers=True, synchronous="NORMAL", worker=False)
    try:
        assert startup_line(app, "http://127.0.0.1:1") == (
            f"serving http://127.0.0.1:1 (store: SQLite file {db}, synchronous NORMAL; "
            "mode: trusted headers; control endpoints: on; worker: off)"
        )
    finally:
        app.close()
