"""``ippools conform``: scenarios run over HTTP through the control protocol.

The reference server passes the whole shipped corpus; a server answering 404 to everything
fails every file with a readable line; a target that is not there is one line and exit 2;
a wrong answer is reported exactly as ``ippools replay`` reports it.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ippools.cli import main
from ippools.conform import (
    ControlError,
    HttpClient,
    HttpTarget,
    NotJson,
    Unreachable,
    encode,
    encode_fields,
)
from ippools.corpus import corpus_names, read_corpus_file
from ippools.documents import RequestStep, Scenario, ScenarioRequest, load_scenario, parse_json
from ippools.replay import Unsendable, replay
from tests.serving import Server

NOT_SENDABLE = {
    "k25-values-decoded-once": [
        "steps[13] po\u017ft /v3/ip_pools: the method 'po\u017ft' is not an HTTP token"
    ],
    "k26-invalid-text-and-long-values": [
        "steps[3] GET /v3/nowhere/\\ud800: the path '/v3/nowhere/\\ud800' holds characters "
        "HTTP/1.1 cannot carry",
        "steps[4] GET\\ud800 /v3/ip_pools: the method 'GET\\ud800' is not an HTTP token",
        "steps[5] GET /v3/ip_pools: the header name 'X-\\ud800' is not an HTTP token",
    ],
}
"""The requests of the corpus that HTTP/1.1 cannot carry (a non-token method, raw non-ASCII
in the path, a header name that is not a token): named, never sent."""


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with Server("--trust-headers", "--no-access-log") as running:
        yield running


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_reference_server_passes_the_whole_corpus(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every shipped scenario passes over HTTP; only the unsendable steps are named."""
    code, out, err = run(capsys, "conform", "--target", server.url)
    names = corpus_names()
    lines = out.splitlines()
    assert lines[-1] == f"{len(names)} files: {len(names)} passed, 0 failed, 0 invalid"
    assert len(lines) == len(names) + 1
    for name, line in zip(names, lines, strict=False):
        skipped = len(NOT_SENDABLE.get(name, []))
        note = f" ({skipped} step{'s' if skipped > 1 else ''} not sent)" if skipped else ""
        assert line == f"ok       {name}{note}"
    expected = [
        f"ippools: {name}: not sent: {step}"
        for name, steps in NOT_SENDABLE.items()
        for step in steps
    ]
    assert err.splitlines() == expected
    assert code == 0


def test_files_and_directories_are_checked_too(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """FILE arguments: a file and a directory; a changed expectation is reported as replay
    reports it, with exit 1."""
    doc = json.loads(read_corpus_file("route-3.8-add-ip-d11"))
    doc["steps"][4]["expect"]["status"] = 404
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(doc), encoding="utf-8")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "quickstart.json").write_bytes(read_corpus_file("quickstart"))
    code, out, err = run(
        capsys, "conform", "--target", server.url, str(changed), str(tmp_path / "more")
    )
    where = "steps[4] PUT /v3/ip_pools/aaaaaaaaaaaaaaaaaaaaaaaa/ips/192.0.2.30"
    assert (code, out, err) == (
        1,
        f"FAIL     {changed} (1 difference)\nok       {tmp_path / 'more' / 'quickstart.json'}\n"
        "2 files: 1 passed, 1 failed, 0 invalid\n",
        f"ippools: {changed}: {where}: status: expected 404, got 400\n",
    )
    replayed = replay(load_scenario(doc))
    assert [str(d) for d in replayed.differences] == [f"{where}: status: expected 404, got 400"]


def test_expect_world_is_compared_over_http_only_when_nothing_is_pending(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """K15: a target is held to ``expect_world`` only when it has nothing pending at the end.
    A scenario stopping with an update queued passes over HTTP with a note saying the world
    was not compared, while the reference replayer still compares its own stored state."""
    doc = json.loads(read_corpus_file("route-3.9-remove-ip-partial-settle"))
    while "settle" in doc["steps"][-1]:
        doc["steps"].pop()
    lagging = tmp_path / "lagging.json"
    lagging.write_text(json.dumps(doc), encoding="utf-8")
    replayed = replay(load_scenario(doc))
    assert replayed.output.pending > 0
    assert replayed.differences  # the corpus expects the settled world
    left = replayed.output.pending
    code, out, err = run(capsys, "conform", "--target", server.url, str(lagging))
    assert (code, out.splitlines()[0]) == (0, f"ok       {lagging}")
    plural = "s" if left != 1 else ""
    assert err == (
        f"ippools: {lagging}: expect_world not compared: {left} update{plural} still pending "
        "(K15)\n"
    )


def test_an_invalid_file_is_invalid_and_the_others_still_run(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file that is not a scenario is INVALID (exit 2); the next file still runs."""
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "ippools-scenario/1"}', encoding="utf-8")
    good = tmp_path / "good.json"
    good.write_bytes(read_corpus_file("quickstart"))
    code, out, err = run(capsys, "conform", "--target", server.url, str(bad), str(good))
    assert code == 2
    assert out == f"INVALID  {bad}\nok       {good}\n2 files: 1 passed, 0 failed, 1 invalid\n"
    assert err.startswith(f"ippools: {bad}: ")
    assert err.count("\n") == 1


# -- targets that do not conform -----------------------------------------------------------------


class _Fake:
    """An HTTP server on a free port whose every answer ``respond(method, path, body)`` gives."""

    def __init__(self, respond: Callable[[str, str, bytes], tuple[int, bytes]]) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes

            def _any(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                status, data = respond(self.command, self.path, self.rfile.read(size))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any  # noqa: N815 (stdlib names)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def fake() -> Iterator[Callable[[Callable[[str, str, bytes], tuple[int, bytes]]], _Fake]]:
    started: list[_Fake] = []

    def start(respond: Callable[[str, str, bytes], tuple[int, bytes]]) -> _Fake:
        started.append(_Fake(respond))
        return started[-1]

    yield start
    for server in started:
        server.close()


def test_a_server_answering_404_to_everything_fails_every_file(
    fake: Callable[..., _Fake], capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing passes trivially: each file fails with one line naming the refused reset."""
    nowhere = fake(lambda method, path, body: (404, b'{"message": "not found"}'))
    code, out, err = run(capsys, "conform", "--target", nowhere.url)
    names = corpus_names()
    assert code == 1
    assert out.splitlines() == [
        *(f"FAIL     {name} (the control protocol failed)" for name in names),
        f"{len(names)} files: 0 passed, {len(names)} failed, 0 invalid",
    ]
    reason = (
        'POST /_ippools/reset answered 404 \'{"message": "not found"}\'; the control '
        "protocol (docs/conformance.md) needs 200 and a JSON object"
    )
    assert err.splitlines() == [f"ippools: {name}: {reason}" for name in names]


def test_a_server_with_control_but_wrong_answers_fails_with_the_differences(
    fake: Callable[..., _Fake], capsys: pytest.CaptureFixture[str]
) -> None:
    """Control endpoints that work and an API that answers 404 in HTML: every step's status
    and body differ, each shown as replay shows a difference."""

    def respond(method: str, path: str, body: bytes) -> tuple[int, bytes]:
        if path == "/_ippools/reset":
            return 200, b'{"message": "success"}'
        if path == "/_ippools/pending":
            return 200, b'{"pending": 0}'
        if path == "/_ippools/settle":
            return 200, b'{"pending": 0, "settled": 0}'
        if path == "/_ippools/world":
            return 200, b'{"pending": 0, "world": {}}'
        return 404, b"<h1>Not Found</h1>"

    html = fake(respond)
    code, out, err = run(capsys, "conform", "--target", html.url, "--timeout", "5")
    assert code == 1
    assert not any(line.startswith("ok") for line in out.splitlines())
    lines = [line for line in err.splitlines() if line.startswith("ippools: quickstart: ")]
    assert lines[:2] == [
        "ippools: quickstart: steps[0] POST /v3/ip_pools: status: expected 200, got 404",
        "ippools: quickstart: steps[0] POST /v3/ip_pools: body: expected "
        '{"message": "success", "pool_id": "658041ae44842b99ee2eaa1b"}, '
        "got (not JSON: b'<h1>Not Found</h1>')",
    ]
    assert any(line.startswith("ippools: quickstart: expect_world: world.") for line in lines)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (
            {"/_ippools/reset": b'{"message": "ok"}'},
            'POST /_ippools/reset answered {"message": "ok"}; expected {"message": "success"}',
        ),
        (
            {"/_ippools/pending": b'{"pending": -1}'},
            "GET /_ippools/pending: pending: expected an integer >= 0, got -1",
        ),
        (
            {"/_ippools/settle": b'{"settled": 1}'},
            'POST /_ippools/settle answered {"settled": 1}; expected {"pending": M, '
            '"settled": K}, integers >= 0',
        ),
        (
            {"/_ippools/settle": b'{"pending": 1, "settled": 0}'},
            'POST /_ippools/settle with limit null answered {"pending": 1, "settled": 0}; '
            "a settle of every update leaves none pending",
        ),
        (
            {"/_ippools/world": b'{"pending": 0, "world": {"accounts": 1}}'},
            "GET /_ippools/world: world.accounts: expected an array, got the number 1",
        ),
    ],
)
def test_control_answers_of_the_wrong_shape_fail_the_file(
    fake: Callable[..., _Fake], answers: dict[str, bytes], message: str
) -> None:
    """Each control answer is checked: the file fails with a message naming what is wrong."""
    normal = {
        "/_ippools/reset": b'{"message": "success"}',
        "/_ippools/pending": b'{"pending": 0}',
        "/_ippools/settle": b'{"pending": 0, "settled": 0}',
        "/_ippools/world": b'{"pending": 0, "world": {}}',
    }
    normal.update(answers)
    odd = fake(lambda method, path, body: (200, normal.get(path, b'{"message": "success"}')))
    scenario = load_scenario(parse_json(read_corpus_file("quickstart").decode("utf-8")))
    client = HttpClient(odd.url)
    try:
        with pytest.raises(ControlError) as raised:
            _run_control(HttpTarget, client, scenario)
        assert str(raised.value) == message
    finally:
        client.close()


def _run_control(target: type[HttpTarget], client: HttpClient, scenario: Scenario) -> None:
    """Reset, send the first request, settle, read the world: every control call once."""
    running = target(client, scenario)
    step = scenario.steps[0]
    assert isinstance(step, RequestStep)
    running.send(step.request, ())
    running.settle(None)
    running.stored()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_a_target_that_is_not_there_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Connection refused: one line naming the target, nothing on stdout, no traceback."""
    url = f"http://127.0.0.1:{_free_port()}"
    assert run(capsys, "conform", "--target", url) == (
        2,
        "",
        f"ippools: cannot reach {url}: Connection refused\n",
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--target", "ftp://h:1"], "--target: 'ftp://h:1' is not an http:// or https:// URL"),
        (
            ["--target", "http://h:1/v3"],
            "--target: 'http://h:1/v3': give the scheme, host and port",
        ),
        (["--target", "http://h:99999"], "--target: 'http://h:99999': the port is not a number"),
        (["--target", "http://h:1", "--timeout", "0"], "--timeout must be a number of seconds"),
    ],
)
def test_a_wrong_target_or_timeout_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "conform", *argv)
    assert (code, out) == (2, "")
    assert err.startswith(f"ippools conform: {message}")
    assert err.endswith(" (see ippools conform --help)\n")


def test_an_unknown_host_is_unreachable() -> None:
    """A name that does not resolve is Unreachable, naming the host lookup."""
    client = HttpClient("http://ippools-no-such-host.invalid:8080", timeout=5)
    scenario = load_scenario(parse_json(read_corpus_file("quickstart").decode("utf-8")))
    with pytest.raises(Unreachable, match=r"^cannot reach http://ippools-no-such-host\.invalid"):
        HttpTarget(client, scenario)


# -- the encoding of requests --------------------------------------------------------------------


def test_fields_are_percent_encoded_once_with_space_as_20() -> None:
    """K25: every byte but unreserved ones is escaped; a space is %20 and + is %2B."""
    pairs = [("a b", "x+y z"), ("ip", "2001:db8::1"), ("p", "a/b&c=d"), ("é", "~-._")]
    assert encode_fields(pairs) == (
        "a%20b=x%2By%20z&ip=2001%3Adb8%3A%3A1&p=a%2Fb%26c%3Dd&%C3%A9=~-._"
    )
    assert encode_fields([("s", "\ud800")]) == "s=%ED%A0%80"


def test_a_request_is_encoded_as_the_scenario_writes_it() -> None:
    """The raw path, the query, the headers as written, a form as urlencoded, Content-Length."""
    request = ScenarioRequest(
        "DELETE",
        "/v3/ip_pools/aaaaaaaaaaaaaaaaaaaaaaaa",
        query=(("ip", "198.51.100.1"),),
        headers=(("x-mailgun-account-id", "acct-1"),),
        form=(("pool_id", ("b", "c")),),
    )
    encoded = encode(request, [("x-mailgun-account-id", "acct-1"), ("X-Trace", "é")])
    assert (encoded.method, encoded.target) == (
        "DELETE",
        "/v3/ip_pools/aaaaaaaaaaaaaaaaaaaaaaaa?ip=198.51.100.1",
    )
    assert encoded.headers == [
        ("x-mailgun-account-id", b"acct-1"),
        ("X-Trace", "é".encode()),
        ("Content-Type", b"application/x-www-form-urlencoded"),
        ("Content-Length", b"19"),
    ]
    assert encoded.body == b"pool_id=b&pool_id=c"


def test_an_empty_form_and_no_body_differ_only_in_the_content_type() -> None:
    """``form: {}`` is an empty urlencoded body; no form, no JSON: no body and no type."""
    empty = encode(ScenarioRequest("GET", "/v3/ip_pools", form=()), [])
    assert (empty.body, empty.headers) == (
        b"",
        [("Content-Type", b"application/x-www-form-urlencoded"), ("Content-Length", b"0")],
    )
    none = encode(ScenarioRequest("GET", "/v3/ip_pools"), [])
    assert (none.body, none.headers) == (b"", [("Content-Length", b"0")])
    body = encode(ScenarioRequest("POST", "/x/ips.json", json={"ips": ["\ud800"]}), [])
    assert body.body == b'{"ips": ["\\ud800"]}'
    assert body.headers[0] == ("Content-Type", b"application/json")
    typed = encode(ScenarioRequest("POST", "/x", form=()), [("content-type", "text/plain")])
    assert typed.headers == [("content-type", b"text/plain"), ("Content-Length", b"0")]


@pytest.mark.parametrize(
    ("request_", "headers", "reason"),
    [
        (ScenarioRequest("GE T", "/"), [], "the method 'GE T' is not an HTTP token"),
        (ScenarioRequest("GET", "/a b"), [], "the path '/a b' holds characters"),
        (ScenarioRequest("GET", "/é"), [], "the path '/é' holds characters"),
        (ScenarioRequest("GET", "/"), [("X Y", "1")], "the header name 'X Y' is not"),
        (ScenarioRequest("GET", "/"), [("Host", "h")], "the header Host is the runner's own"),
        (ScenarioRequest("GET", "/"), [("X", "a\nb")], "the value of header X holds a control"),
    ],
)
def test_requests_http_cannot_carry_are_unsendable(
    request_: ScenarioRequest, headers: list[tuple[str, str]], reason: str
) -> None:
    with pytest.raises(Unsendable, match=f"^{re.escape(reason)}"):
        encode(request_, headers)


def test_a_body_that_is_not_json_shows_as_such() -> None:
    """The difference shows the bytes, cut at 80."""
    assert repr(NotJson(b"<p>x</p>")) == "(not JSON: b'<p>x</p>')"
    assert repr(NotJson(b"x" * 100)) == f"(not JSON: b'{'x' * 80}'...)"


# -- connections ----------------------------------------------------------------------------------


class _Raw:
    """A TCP server on a free port that runs ``serve(connection)`` for each connection."""

    def __init__(self, serve: Callable[[socket.socket], None]) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.serve = serve
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:  # closed
                return
            with connection:
                self.serve(connection)

    def close(self) -> None:
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() of the thread
        self.listener.close()
        self.thread.join(timeout=10)


@pytest.fixture
def raw() -> Iterator[Callable[[Callable[[socket.socket], None]], _Raw]]:
    started: list[_Raw] = []

    def start(serve: Callable[[socket.socket], None]) -> _Raw:
        started.append(_Raw(serve))
        return started[-1]

    yield start
    for server in started:
        server.close()


PENDING_ANSWER = b'HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n{"pending": 0}'


def _read_request(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_a_kept_alive_connection_the_server_closed_is_opened_again(
    raw: Callable[..., _Raw],
) -> None:
    """The server answers once per connection and closes it without saying so: the second
    request goes out again on a new connection."""
    requests: list[bytes] = []

    def serve(connection: socket.socket) -> None:
        requests.append(_read_request(connection))
        connection.sendall(PENDING_ANSWER)

    once = raw(serve)
    client = HttpClient(once.url, timeout=5)
    try:
        assert client.count("GET", "pending", "pending") == 0
        assert client.count("GET", "pending", "pending") == 0
    finally:
        client.close()
    assert len(requests) == 2


@pytest.mark.parametrize(
    ("serve", "reason"),
    [
        (lambda connection: None, "the connection was closed"),
        (lambda connection: connection.sendall(b"HELLO\r\n\r\n"), "BadStatusLine: HELLO"),
    ],
    ids=["closed at once", "not HTTP"],
)
def test_a_connection_closed_or_not_http_is_unreachable(
    raw: Callable[..., _Raw], serve: Callable[[socket.socket], None], reason: str
) -> None:
    def answer(connection: socket.socket) -> None:
        _read_request(connection)
        serve(connection)

    target = raw(answer)
    client = HttpClient(target.url, timeout=5)
    try:
        with pytest.raises(Unreachable) as raised:
            client.count("GET", "pending", "pending")
    finally:
        client.close()
    assert str(raised.value).startswith(f"cannot reach {target.url}: {reason}")


def test_a_target_that_never_answers_times_out(raw: Callable[..., _Raw]) -> None:
    hold = threading.Event()

    def never(connection: socket.socket) -> None:
        _read_request(connection)
        hold.wait(10)

    silent = raw(never)
    client = HttpClient(silent.url, timeout=0.3)
    try:
        with pytest.raises(Unreachable) as raised:
            client.count("GET", "pending", "pending")
    finally:
        client.close()
        hold.set()
    assert str(raised.value) == f"cannot reach {silent.url}: timed out"
