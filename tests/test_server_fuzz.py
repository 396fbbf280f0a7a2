"""The wire layer's fuzz, repeated through a real server: whatever request arrives over HTTP, the
answer is one of the contract's statuses with a JSON body, never a 500, and exactly what the
wire layer answers for the same request; bodies of random bytes are 400, never 500.

The requests are the wire fuzz's (tests/test_wire_fuzz.py), made sendable over HTTP: a method
that is not an HTTP token becomes GET, text that HTTP cannot carry in a path or a header is
percent-encoded or dropped, the body is urlencoded, multipart or JSON; the answer expected is
the wire layer's for the request as sent, except where the query string holds a bad
percent-escape (a path may carry ``?``): the server refuses that itself, 400.
"""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ippools.server.bodies import Malformed, parse_query
from ippools.wire import Request, handle
from tests.serving import JS_BOUNDARY, Server, client_for, compact, multipart, reset
from tests.support import NEW_IDS, engine
from tests.test_wire import WORLD
from tests.test_wire_fuzz import arbitrary_requests, requests

EXAMPLES = 1000
STATUSES = {200, 400, 403, 404, 405}
TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
FRAMING = {
    "host",
    "content-type",
    "content-length",
    "transfer-encoding",
    "connection",
    "expect",
    "te",
    "trailer",
    "upgrade",
    "keep-alive",
}
"""Headers that belong to HTTP, not to the request the wire layer sees."""
MULTIPART_SAFE = re.compile(r'[^"\r\n\\]*')


class Raw:
    """A keep-alive connection that sends methods, paths and headers byte for byte."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def send(
        self, method: str, target: str, headers: list[tuple[str, bytes]], body: bytes
    ) -> tuple[int, bytes]:
        for attempt in (1, 2):
            try:
                self.conn.putrequest(method, target, skip_accept_encoding=True)
                for name, value in headers:
                    self.conn.putheader(name, value)
                self.conn.putheader("Content-Length", str(len(body)))
                self.conn.endheaders(body)
                answer = self.conn.getresponse()
                return answer.status, answer.read()
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with Server("--trust-headers", "--no-worker", "--no-access-log") as running:
        yield running


@pytest.fixture(scope="module")
def raw(server: Server) -> Iterator[Raw]:
    connection = Raw(server.port)
    yield connection
    connection.conn.close()


def _path(text: str) -> str:
    """``text`` as a request target: printable ASCII kept, anything else percent-encoded."""
    path = text if text.startswith("/") else "/" + text
    return "".join(c if "!" <= c <= "~" else quote(c, safe="") for c in path)


def _value(text: str) -> str:
    """A header value HTTP can carry: no control characters, no surrounding blanks."""
    kept = "".join(c for c in text if c == "\t" or not (ord(c) < 32 or ord(c) == 127))
    return kept.strip(" \t")


def sendable(
    request: Request, use_multipart: bool
) -> tuple[Request, str, list[tuple[str, bytes]], bytes]:
    """The request as HTTP carries it, the target, the headers and the body to send."""
    method = (
        request.method if TOKEN.fullmatch(request.method) and request.method != "CONNECT" else "GET"
    )
    path = _path(request.path)
    headers = [
        (name, _value(value))
        for name, value in request.headers
        if TOKEN.fullmatch(name) and name.lower() not in FRAMING
    ]
    form = request.form if request.json is None else ()
    wire = Request(method, path, request.query, headers, form, request.json)
    target = path
    if request.query:
        target += ("&" if "?" in path else "?") + urlencode(request.query, quote_via=quote)
    sent = [(name, value.encode()) for name, value in headers]
    body = b""
    if request.json is not None:
        body = json.dumps(request.json).encode()
        sent.append(("Content-Type", b"application/json"))
    elif form and use_multipart and all(MULTIPART_SAFE.fullmatch(n + v) for n, v in form):
        body = multipart(form, JS_BOUNDARY)
        sent.append(("Content-Type", f"multipart/form-data; boundary={JS_BOUNDARY}".encode()))
    elif form:
        body = urlencode(form, quote_via=quote).encode()
        sent.append(("Content-Type", b"application/x-www-form-urlencoded"))
    return wire, target, sent, body


def query_refusal(query: str) -> str | None:
    """The message of the server's 400 for a query string it cannot read, or None."""
    try:
        parse_query(query.encode())
    except Malformed as error:
        return str(error)
    return None


class ServerState:
    """Whether the server may hold changes of an earlier example (then it is reset)."""

    dirty = True


def check(server: Server, raw: Raw, request: Request, use_multipart: bool) -> None:
    if ServerState.dirty:
        with client_for(server.url) as control:
            reset(control, WORLD, NEW_IDS)
    wire, target, headers, body = sendable(request, use_multipart)
    expected = handle(engine(WORLD), wire)
    status, content = raw.send(wire.method, target, headers, body)
    ServerState.dirty = status == 200
    event(f"status {status}")
    assert status in STATUSES
    if wire.method.upper() == "HEAD":
        assert status == expected.status
        return
    refused = query_refusal(target.partition("?")[2])
    if refused is not None:
        # The server reads the query string strictly (a bad escape is 400), where the wire
        # layer, given the text, splits it leniently: the server's answer is the 400.
        assert (status, json.loads(content)) == (400, {"message": refused})
        return
    assert (status, json.loads(content)) == (expected.status, expected.body)
    assert content == compact(expected.body)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(request=requests(), use_multipart=st.booleans())
def test_route_shaped_requests_get_the_wire_layers_answer(
    server: Server, raw: Raw, request: Request, use_multipart: bool
) -> None:
    """C4, K1-K7 over HTTP: 1,000 requests built from real route shapes, each answered with
    a contract status and exactly the wire layer's JSON."""
    check(server, raw, request, use_multipart)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(request=arbitrary_requests, use_multipart=st.booleans())
def test_arbitrary_requests_get_the_wire_layers_answer(
    server: Server, raw: Raw, request: Request, use_multipart: bool
) -> None:
    check(server, raw, request, use_multipart)


CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=b",
        "multipart/form-data",
        "text/plain",
        "application/json; charset=latin-1",
        "",
    ]
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    content_type=CONTENT_TYPES,
    body=st.one_of(
        st.binary(min_size=1, max_size=64),
        st.sampled_from([b"--b\r\n", b'{"ips": [', b"ip=%", b"\xff\xfe", b"--b--\r\n"]),
    ),
    method=st.sampled_from(["POST", "PATCH", "DELETE", "PUT"]),
    path=st.sampled_from(
        ["/v3/ip_pools", "/v3/ip_pools/" + "a" * 24, "/v3/ip_pools/" + "b" * 24 + "/ips.json"]
    ),
)
def test_bodies_of_random_bytes_are_never_a_500(
    server: Server, raw: Raw, content_type: str, body: bytes, method: str, path: str
) -> None:
    """Whatever bytes arrive as a body, under whatever content type: a contract status."""
    headers = [
        (name, value.encode())
        for name, value in (
            ("X-Mailgun-Account-Id", "acct-1"),
            ("X-Mailgun-Requestor", "ops@example.com"),
            ("X-Mailgun-Requestor-Client", "fuzz"),
        )
    ]
    if content_type:
        headers.append(("Content-Type", content_type.encode()))
    if ServerState.dirty:
        with client_for(server.url) as control:
            reset(control, WORLD, NEW_IDS)
    status, content = raw.send(method, path, headers, body)
    ServerState.dirty = status == 200
    event(f"status {status}")
    assert status in STATUSES
    assert set(json.loads(content)) <= {"message", "pool_id"}
