"""Running the server: the startup line, the body limit, malformed requests, storage on a file
(reopened, its pending updates resuming; a world refused for it), graceful stops on SIGTERM
and SIGINT, and ``ippools worker``."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ippools.cli import main
from ippools.store import open_sqlite
from ippools.wire import Request
from tests.serving import (
    Server,
    client_for,
    engine_for,
    pending,
    replay_one,
    reset,
    stored,
    wait_settled,
    world_file,
)
from tests.support import NEW_IDS, POOL_A
from tests.test_wire import HEADERS, WORLD

LIMIT = 2048


@pytest.fixture(scope="module")
def small() -> Iterator[Server]:
    with Server("--trust-headers", "--no-worker", "--max-body", str(LIMIT)) as server:
        yield server


@pytest.fixture
def client(small: Server) -> Iterator[httpx.Client]:
    with client_for(small.url) as http:
        reset(http, WORLD, NEW_IDS)
        yield http


QUEUED = [
    Request("PUT", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.4", headers=HEADERS),
    Request("DELETE", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.3", headers=HEADERS),
    Request("DELETE", f"/v3/ip_pools/{POOL_A}", headers=HEADERS, query=[("ip", "198.51.100.1")]),
]
"""Three commands that leave one pending update each."""


def send_queued(http: httpx.Client) -> None:
    for request in QUEUED:
        answer = http.request(request.method, request.path, headers=HEADERS, params=request.query)
        assert answer.status_code == 200, answer.text


def settled_replay() -> object:
    eng = engine_for(WORLD, NEW_IDS)
    for request in QUEUED:
        replay_one(eng, request)
    eng.settle()
    return eng.state.world()


def test_the_startup_line_names_address_store_mode_and_worker(tmp_path: Path) -> None:
    """Port 0 gets a free port, which the line names; the server answers there."""
    db = tmp_path / "pools.db"
    with Server("--trust-headers", "--db", str(db), "--settle-delay", "0.5") as server:
        assert server.port > 0
        assert server.log().splitlines()[0] == (
            f"ippools: serving http://127.0.0.1:{server.port} (store: SQLite file {db}; "
            "mode: trusted headers; control endpoints: on; worker: settle delay 0.5 s)"
        )
        with client_for(server.url) as http:
            assert http.get("/_ippools/pending").json() == {"pending": 0}


# -- limits and malformed requests ------------------------------------------------------------

TOO_LARGE = {"message": f"the request body is larger than {LIMIT} bytes"}


def test_a_body_past_the_limit_is_413(client: httpx.Client) -> None:
    """Declared by Content-Length or streamed in chunks, a body past the limit is 413 and
    changes nothing; a body of exactly the limit is read."""
    big = b"name=" + b"x" * LIMIT
    answer = client.post("/v3/ip_pools", headers=HEADERS, content=big)
    assert (answer.status_code, answer.json()) == (413, TOO_LARGE)
    chunked = client.post(
        "/v3/ip_pools",
        headers={**HEADERS, "Content-Type": "application/x-www-form-urlencoded"},
        content=iter([big[:1000], big[1000:]]),
    )
    assert (chunked.status_code, chunked.json()) == (413, TOO_LARGE)
    name = "x" * (LIMIT - len("name=&description=d"))
    exact = client.post("/v3/ip_pools", headers=HEADERS, data={"name": name, "description": "d"})
    assert exact.status_code == 200
    assert [p.name for p in stored(client)[0].pools if p.pool_id == NEW_IDS[0]] == [name]


MULTIPART = "multipart/form-data; boundary=b0undary"


@pytest.mark.parametrize(
    ("path", "headers", "content", "message"),
    [
        (
            f"/v3/ip_pools/{POOL_A}/ips.json",
            {"Content-Type": "application/json"},
            b'{"ips": ["198.51.100.4"',
            "JSON body: truncated JSON: the text ends at line 1 column 24",
        ),
        (
            f"/v3/ip_pools/{POOL_A}/ips.json",
            {"Content-Type": "application/json"},
            b'{"ips": [], "ips": ["198.51.100.4"]}',
            "JSON body: not valid JSON: the key 'ips' is repeated in an object",
        ),
        (
            f"/v3/ip_pools/{POOL_A}/ips.json",
            {"Content-Type": "application/json"},
            b'{"ips": ["\\ud800"]}',
            "JSON body: holds text that is not valid Unicode",
        ),
        (
            f"/v3/ip_pools/{POOL_A}/ips.json",
            {"Content-Type": "application/json"},
            b"null",
            "JSON body: null is not taken",
        ),
        (
            f"/v3/ip_pools/{POOL_A}/ips.json",
            {"Content-Type": "application/json"},
            b'{"ips": ["\xff"]}',
            "JSON body is not UTF-8 (byte 10)",
        ),
        (
            "/v3/ip_pools",
            {"Content-Type": "application/x-www-form-urlencoded"},
            b"name=%zz&description=d",
            "form body: bad percent-encoding at 'name=%zz'",
        ),
        (
            "/v3/ip_pools",
            {"Content-Type": "application/x-www-form-urlencoded"},
            b"name=%ff&description=d",
            "form body: percent-escapes that do not decode to UTF-8",
        ),
        (
            "/v3/ip_pools",
            {"Content-Type": "application/x-www-form-urlencoded"},
            b"name=\xe9&description=d",
            "form body is not UTF-8 (byte 5)",
        ),
        (
            "/v3/ip_pools?name=%G0",
            {},
            b"",
            "query string: bad percent-encoding at 'name=%G0'",
        ),
        (
            "/v3/ip_pools",
            {"Content-Type": MULTIPART},
            b'--b0undary\r\nContent-Disposition: form-data; name="name"\r\n\r\nx',
            "multipart body: truncated (no closing boundary)",
        ),
        (
            "/v3/ip_pools",
            {"Content-Type": "multipart/form-data"},
            b"--b0undary--\r\n",
            "multipart body: the Content-Type has no boundary",
        ),
        (
            "/v3/ip_pools",
            {"Content-Type": MULTIPART},
            b"--b0undary\r\nContent-Type: text/plain\r\n\r\nx\r\n--b0undary--\r\n",
            "multipart body: Field name not found in Content-Disposition",
        ),
        (
            "/v3/ip_pools",
            {"Content-Type": MULTIPART},
            b'--b0undary\r\nContent-Disposition: form-data; name="ips"; filename="a.txt"\r\n\r\n'
            b"198.51.100.4\r\n--b0undary--\r\n",
            "multipart body: part 'ips' is a file; only text fields are taken",
        ),
        (
            "/v3/ip_pools",
            {"Content-Type": "text/plain"},
            b"name=x",
            "content type 'text/plain' is not taken; send application/x-www-form-urlencoded, "
            "multipart/form-data or application/json",
        ),
        ("/v3/ip_pools", {}, b"name=x", "a request body needs a Content-Type header"),
        (
            "/v3/ip_pools",
            {"X-Mailgun-Requestor-Client": b"caf\xe9"},
            b"",
            "header 'x-mailgun-requestor-client' is not UTF-8",
        ),
    ],
)
def test_a_malformed_request_is_400_with_a_json_message(
    client: httpx.Client,
    path: str,
    headers: dict[str, str | bytes],
    content: bytes,
    message: str,
) -> None:
    """Bad JSON, broken multipart, bad percent-encoding, text that is not UTF-8, an unknown
    content type: 400 with a message saying what is wrong; nothing changes."""
    sent = [(k.encode(), v.encode()) for k, v in HEADERS.items()]
    sent += [(k.encode(), v if isinstance(v, bytes) else v.encode()) for k, v in headers.items()]
    if not content and "Content-Type" not in headers:
        sent.append((b"Content-Type", b"application/x-www-form-urlencoded"))
    answer = client.post(path, headers=sent, content=content)
    assert answer.status_code == 400, answer.text
    assert answer.json()["message"].startswith(message)
    assert stored(client) == (WORLD, 0)


def test_what_cannot_be_read_is_400_before_the_route(client: httpx.Client) -> None:
    """Our decision, as K26 puts invalid text before the route: a request the server cannot
    read is 400 even on an unknown path (not 404) or a path without that method (not 405)."""
    answer = client.get("/v3/nope?a=%zz", headers=HEADERS)
    assert (answer.status_code, answer.json()) == (
        400,
        {"message": "query string: bad percent-encoding at 'a=%zz'"},
    )
    answer = client.post(
        f"/v3/ip_pools/{POOL_A}/domains",
        headers={**HEADERS, "Content-Type": "application/x-www-form-urlencoded"},
        content=b"a=%zz",
    )
    assert (answer.status_code, answer.json()) == (
        400,
        {"message": "form body: bad percent-encoding at 'a=%zz'"},
    )
    assert stored(client) == (WORLD, 0)


def test_two_content_types_are_400(client: httpx.Client) -> None:
    answer = client.post(
        "/v3/ip_pools",
        headers=[*HEADERS.items(), ("Content-Type", "text/plain"), ("Content-Type", "text/x")],
        content=b"name=x",
    )
    assert (answer.status_code, answer.json()) == (
        400,
        {"message": "header Content-Type is given more than once"},
    )


# -- storage on a file ------------------------------------------------------------------------


def test_a_reopened_database_is_served_and_its_pending_updates_resume(tmp_path: Path) -> None:
    """Writes that left pending updates survive a stop; on restart (no world given) the
    worker takes them up by itself and the store settles to the serial replay's world."""
    db = str(tmp_path / "pools.db")
    seed = str(world_file(tmp_path, WORLD))
    with Server("--trust-headers", "--db", db, "--world", seed, "--no-worker") as server:
        with client_for(server.url) as http:
            reset(http, WORLD, NEW_IDS)
            send_queued(http)
            assert pending(http) == 3
        assert server.stop() == 0
        server.restart("--trust-headers", "--db", db, "--settle-delay", "0")
        with client_for(server.url) as http:
            wait_settled(http)
            assert stored(http) == (settled_replay(), 0)


def test_a_world_is_refused_for_a_database_that_holds_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 2 with one clear line; the database is left as it was."""
    db = tmp_path / "pools.db"
    with open_sqlite(db, WORLD):
        pass
    seed = world_file(tmp_path, WORLD)
    assert main(["serve", "--trust-headers", "--db", str(db), "--world", str(seed)]) == 2
    assert capsys.readouterr().err == (
        f"ippools: database {str(db)!r} already holds a world; a world seeds only a new "
        "database (use another file, or leave the world out to serve the one it holds)\n"
    )
    with open_sqlite(db) as store:
        assert store.world() == WORLD


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--world", "{dir}/missing.json"], "ippools: {dir}/missing.json: cannot read: "),
        (
            ["--world", "{dir}/bad.json"],
            "ippools: {dir}/bad.json: accounts[0].id: 'a b' is not a valid id",
        ),
        (["--example", "nope"], "ippools: example 'nope': no such example"),
        (["--db", "{dir}/bad.json"], "ippools: store '{dir}/bad.json': file is not a database"),
        (["--settle-delay", "-1"], "ippools: --settle-delay, --max-body and --port must not"),
    ],
)
def test_a_bad_file_or_option_is_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (tmp_path / "bad.json").write_text(json.dumps({"accounts": [{"id": "a b"}]}))
    argv = [arg.format(dir=tmp_path) for arg in args]
    assert main(["serve", "--trust-headers", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message.format(dir=tmp_path))
    assert err.count("\n") == 1


def test_an_address_in_use_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--trust-headers", "--port", str(port)]) == 2
    assert capsys.readouterr().err.startswith(f"ippools: cannot listen on 127.0.0.1:{port}: ")


# -- stopping ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_lets_the_request_under_way_finish(tmp_path: Path, sig: int) -> None:
    """A request half received when the signal arrives is still answered (and stored);
    then the server stops the worker, closes the store and exits 0."""
    db = str(tmp_path / "pools.db")
    seed = str(world_file(tmp_path, WORLD))
    with Server("--trust-headers", "--db", db, "--world", seed) as server:
        body = b"name=late&description=d&ip=198.51.100.4"
        head = (
            f"POST /v3/ip_pools HTTP/1.1\r\nHost: x\r\nX-Mailgun-Account-Id: acct-1\r\n"
            f"X-Mailgun-Requestor: ops@example.com\r\nX-Mailgun-Requestor-Client: raw\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        with socket.create_connection(("127.0.0.1", server.port)) as conn:
            conn.sendall(head + body[:10])
            time.sleep(0.3)
            server.process.send_signal(sig)
            time.sleep(0.3)
            assert server.process.poll() is None
            conn.sendall(body[10:])
            answer = conn.makefile("rb").read()
        assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
        assert b'{"message":"success","pool_id":"' in answer
        assert server.process.wait(timeout=30) == 0
        assert server.log().splitlines()[-1] == "ippools: stopped"
    with open_sqlite(db) as store:
        assert [p.name for p in store.world().pools].count("late") == 1


# -- ippools worker ---------------------------------------------------------------------------


def test_ippools_worker_processes_a_servers_pending_updates(tmp_path: Path) -> None:
    """A server without a worker leaves pending updates; ``ippools worker`` on the same file
    processes them, stops on SIGTERM and says how many it did."""
    db = str(tmp_path / "pools.db")
    seed = str(world_file(tmp_path, WORLD))
    with (
        Server("--trust-headers", "--db", db, "--world", seed, "--no-worker") as server,
        client_for(server.url) as http,
    ):
        reset(http, WORLD, NEW_IDS)
        send_queued(http)
        worker = subprocess.Popen(
            [sys.executable, "-m", "ippools", "worker", "--db", db, "--settle-delay", "0"],
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert worker.stderr is not None
            assert worker.stderr.readline() == f"ippools: worker on {db} (settle delay 0 s)\n"
            wait_settled(http)
        finally:
            worker.send_signal(signal.SIGTERM)
            _, err = worker.communicate(timeout=30)
        assert worker.returncode == 0
        assert err == "ippools: worker stopped; it processed 3 pending updates\n"
        assert stored(http) == (settled_replay(), 0)


def test_ippools_worker_needs_an_existing_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["worker", "--db", str(tmp_path / "none.db")]) == 2
    assert capsys.readouterr().err == f"ippools: {tmp_path / 'none.db'}: no such database file\n"
