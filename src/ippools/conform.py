"""Run scenarios against another implementation of the API over HTTP (``ippools conform``).

Theory of operation
-------------------
The implementation under test exposes the control protocol of
``docs/conformance.md`` (the endpoints of ``ippools serve``'s ``/_ippools/``
prefix). For each scenario, :class:`HttpTarget` is the
:class:`~ippools.replay.Target` that :func:`ippools.replay.run` drives, so the
comparisons are exactly those of ``ippools replay``:

1. ``POST /_ippools/reset`` with the scenario's ``world`` and ``ids`` and
   ``"worker": false``: nothing is pending, no background processing;
2. a request step is sent as the scenario writes it (:func:`encode`), then
   ``GET /_ippools/pending`` gives how many updates it added;
3. a settle step is ``POST /_ippools/settle`` with ``{"limit": N}`` or
   ``{"limit": null}``;
4. at the end, ``GET /_ippools/world`` gives the stored world and what is pending.

A control answer other than 200 with the documented JSON object raises
:class:`ControlError`: the file fails with that message. A target that cannot
be reached at all raises :class:`Unreachable`, which ends the whole run.

HTTP goes through the standard library's :mod:`http.client`, on one kept-alive
connection: unlike :mod:`urllib.request`, it sends header names as written (a
scenario may send one header twice, in two letter cases) and the raw path
unchanged. A request that HTTP/1.1 cannot carry (a method or header name that is
not a token, a path with characters outside printable ASCII, a control character
in a header value) raises :class:`~ippools.replay.Unsendable`: the step is
skipped and named, never altered into another request.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
from collections.abc import Iterable
from typing import Any, Final, cast
from urllib.parse import quote, urlsplit

from ippools.documents import (
    REPLAY_FORMAT,
    RequestResult,
    Scenario,
    ScenarioRequest,
    load_replay_output,
    parse_json,
    unstructure,
)
from ippools.errors import DocumentError
from ippools.replay import ControlError, ReplayResult, Unsendable, run
from ippools.world import World

__all__ = [
    "CONTROL_PREFIX",
    "ControlError",
    "Encoded",
    "HttpClient",
    "HttpTarget",
    "NotJson",
    "Unreachable",
    "conform",
    "encode",
    "encode_fields",
]

CONTROL_PREFIX: Final = "/_ippools/"
URLENCODED: Final = "application/x-www-form-urlencoded"
JSON_TYPE: Final = "application/json"

_TOKEN: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_PATH: Final = re.compile(r"/[\x21-\x7e]*")
_CONTROL_CHARS: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_FRAMING: Final = frozenset({"host", "content-length", "transfer-encoding", "connection"})
_RETRIED: Final = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class Unreachable(Exception):
    """The target cannot be reached (refused, unknown host, timed out); the message says why."""


class NotJson:
    """An answer whose body is not a JSON object: shown as ``(not JSON: ...)`` in a difference."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __repr__(self) -> str:
        shown = repr(self.data[:80])
        return f"(not JSON: {shown}{'...' if len(self.data) > 80 else ''})"


def encode_fields(pairs: Iterable[tuple[str, str]]) -> str:
    """``name=value&...``: each name and value percent-encoded once, as UTF-8 (K25).

    Every byte but ``A-Z a-z 0-9 - . _ ~`` is escaped: a space is ``%20``, a
    ``+`` is ``%2B``, ``/`` is ``%2F``. Text that is not valid Unicode (a lone
    surrogate) is encoded as its surrogate bytes, which no server decodes (K26).
    """
    return "&".join(f"{_escape(name)}={_escape(value)}" for name, value in pairs)


def _escape(text: str) -> str:
    return quote(text, safe="", encoding="utf-8", errors="surrogatepass")


def _flat(fields: Iterable[tuple[str, str | tuple[str, ...]]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, value in fields:
        out.extend([(name, value)] if isinstance(value, str) else [(name, v) for v in value])
    return out


class Encoded:
    """A request as bytes on the wire: method, request target, headers and body."""

    def __init__(
        self, method: str, target: str, headers: list[tuple[str, bytes]], body: bytes
    ) -> None:
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body


def encode(request: ScenarioRequest, headers: Iterable[tuple[str, str]]) -> Encoded:
    """The HTTP request that carries a scenario request with its merged ``headers``.

    The path is sent exactly as written; the query is :func:`encode_fields` of
    ``query``; ``form`` (even ``{}``) is a ``application/x-www-form-urlencoded``
    body, ``json`` a ``application/json`` body (ASCII, escaped); without either
    there is no body. ``Content-Length`` is always sent (0 without a body); a
    ``Content-Type`` is added for a body unless the step names one itself.
    Header values are sent as UTF-8. Raises :class:`~ippools.replay.Unsendable`
    for a request HTTP/1.1 cannot carry.
    """
    if not _TOKEN.fullmatch(request.method):
        raise Unsendable(f"the method {request.method[:40]!r} is not an HTTP token")
    if not _PATH.fullmatch(request.path):
        raise Unsendable(f"the path {request.path[:60]!r} holds characters HTTP/1.1 cannot carry")
    out: list[tuple[str, bytes]] = []
    for name, value in headers:
        if not _TOKEN.fullmatch(name):
            raise Unsendable(f"the header name {name[:40]!r} is not an HTTP token")
        if name.lower() in _FRAMING:
            raise Unsendable(f"the header {name} is the runner's own (framing)")
        if _CONTROL_CHARS.search(value):
            raise Unsendable(f"the value of header {name} holds a control character")
        out.append((name, value.encode("utf-8", "surrogatepass")))
    query = _flat(request.query)
    target = request.path + (f"?{encode_fields(query)}" if query else "")
    body, content_type = b"", None
    if request.json is not None:
        body, content_type = json.dumps(request.json).encode("ascii"), JSON_TYPE
    elif request.form is not None:
        body, content_type = encode_fields(_flat(request.form)).encode("ascii"), URLENCODED
    if content_type and not any(name.lower() == "content-type" for name, _ in out):
        out.append(("Content-Type", content_type.encode("ascii")))
    out.append(("Content-Length", str(len(body)).encode("ascii")))
    return Encoded(request.method, target, out, body)


class HttpClient:
    """One kept-alive HTTP connection to ``url`` (``http://HOST:PORT`` or ``https://...``).

    Raises :class:`ValueError` for a URL that is not of that form.
    """

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{url[:100]!r} is not an http:// or https:// URL")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(f"{url[:100]!r}: give the scheme, host and port only")
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"{url[:100]!r}: the port is not a number from 0 to 65535") from None
        self.url = url.rstrip("/")
        kind = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        self._connection = kind(parts.hostname, port, timeout=timeout)
        self._used = False

    def close(self) -> None:
        self._connection.close()

    def exchange(self, encoded: Encoded) -> tuple[int, bytes]:
        """Send ``encoded`` and return the status and body of the answer.

        A kept-alive connection that the server closed in the meantime is opened
        again once. Raises :class:`Unreachable` when the target cannot be reached.
        """
        try:
            return self._exchange(encoded)
        except _RETRIED:
            if not self._used:
                raise Unreachable(f"cannot reach {self.url}: the connection was closed") from None
            self._connection.close()
            try:
                return self._exchange(encoded)
            except (OSError, http.client.HTTPException) as error:
                raise Unreachable(f"cannot reach {self.url}: {_reason(error)}") from None
        except (OSError, http.client.HTTPException) as error:
            raise Unreachable(f"cannot reach {self.url}: {_reason(error)}") from None

    def _exchange(self, encoded: Encoded) -> tuple[int, bytes]:
        connection = self._connection
        connection.putrequest(
            encoded.method, encoded.target, skip_host=False, skip_accept_encoding=True
        )
        for name, value in encoded.headers:
            connection.putheader(name, value)
        connection.endheaders(encoded.body or None)
        answer = connection.getresponse()
        data = answer.read()
        self._used = True
        return answer.status, data

    def control(self, method: str, name: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """The JSON object that control endpoint ``name`` answers, else :class:`ControlError`."""
        data = b"" if body is None else json.dumps(body).encode("ascii")
        headers = [("Content-Length", str(len(data)).encode("ascii"))]
        if body is not None:
            headers.append(("Content-Type", JSON_TYPE.encode("ascii")))
        where = f"{method} {CONTROL_PREFIX}{name}"
        status, answer = self.exchange(Encoded(method, CONTROL_PREFIX + name, headers, data))
        value = _json_object(answer)
        if status != 200 or value is None:
            raise ControlError(
                f"{where} answered {status} {_shown(answer)}; the control protocol "
                "(docs/conformance.md) needs 200 and a JSON object"
            )
        return value

    def count(self, method: str, name: str, key: str, body: dict[str, Any] | None = None) -> int:
        """The integer ``key`` of a control answer, else :class:`ControlError`."""
        value = self.control(method, name, body).get(key)
        if type(value) is not int or value < 0:
            raise ControlError(
                f"{method} {CONTROL_PREFIX}{name}: {key}: expected an integer >= 0, "
                f"got {_shown_value(value)}"
            )
        return value


def _reason(error: BaseException) -> str:
    if isinstance(error, socket.gaierror):
        return f"unknown host ({error.strerror})"
    if isinstance(error, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return f"{type(error).__name__}: {error}".rstrip(": ")


def _json_object(data: bytes) -> dict[str, Any] | None:
    try:
        value = parse_json(data.decode("utf-8"))
    except (UnicodeDecodeError, DocumentError):
        return None
    return value if isinstance(value, dict) else None


def _shown(data: bytes) -> str:
    text = data[:200].decode("utf-8", "replace")
    return repr(text + ("..." if len(data) > 200 else ""))


def _shown_value(value: Any) -> str:
    return "(absent)" if value is None else json.dumps(value)[:100]


class HttpTarget:
    """A scenario's target over HTTP: resets the implementation to the scenario's start.

    Raises :class:`ControlError` when the reset is refused.
    """

    def __init__(self, client: HttpClient, scenario: Scenario) -> None:
        self.client = client
        body = {"world": unstructure(scenario.world), "ids": list(scenario.ids), "worker": False}
        answer = client.control("POST", "reset", body)
        if answer != {"message": "success"}:
            raise ControlError(
                f"POST {CONTROL_PREFIX}reset answered {_shown_value(answer)}; "
                'expected {"message": "success"}'
            )
        self._pending = 0

    def send(self, request: ScenarioRequest, headers: tuple[tuple[str, str], ...]) -> RequestResult:
        status, data = self.client.exchange(encode(request, headers))
        body = _json_object(data)
        before, self._pending = self._pending, self.client.count("GET", "pending", "pending")
        # A body that is not JSON is kept as such, for the difference to show it.
        shown = body if body is not None else cast(dict[str, Any], NotJson(data))
        return RequestResult(status, shown, self._pending - before)

    def settle(self, limit: int | None) -> int:
        answer = self.client.control("POST", "settle", {"limit": limit})
        settled, pending = answer.get("settled"), answer.get("pending")
        if type(settled) is not int or type(pending) is not int or min(settled, pending) < 0:
            raise ControlError(
                f"POST {CONTROL_PREFIX}settle answered {_shown_value(answer)}; expected "
                '{"pending": M, "settled": K}, integers >= 0'
            )
        if limit is None and pending:
            raise ControlError(
                f"POST {CONTROL_PREFIX}settle with limit null answered {_shown_value(answer)}; "
                "a settle of every update leaves none pending"
            )
        self._pending = pending
        return settled

    def stored(self) -> tuple[World, int]:
        answer = self.client.control("GET", "world")
        document = {"format": REPLAY_FORMAT, "steps": [], **answer}
        try:
            output = load_replay_output(document)
        except DocumentError as error:
            raise ControlError(f"GET {CONTROL_PREFIX}world: {error}") from None
        return output.world, output.pending


def conform(client: HttpClient, scenario: Scenario) -> ReplayResult:
    """Run ``scenario`` against the implementation behind ``client``.

    Raises :class:`ControlError` when the control protocol fails (the scenario
    cannot be judged: it fails) and :class:`Unreachable` when the target cannot
    be reached. The target's stored world is compared with ``expect_world`` only
    when it has nothing pending at the end (K15); a settle of every update
    (``"settle": true``) that leaves updates pending is a control failure.
    """
    return run(scenario, HttpTarget(client, scenario), settled_world_only=True)
