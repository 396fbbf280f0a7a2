"""Helpers for the server tests: a real ``ippools serve`` process, its control endpoints, HTTP
renderings of wire requests (urlencoded, multipart as mailgun.js sends it, JSON) and the
serial replay the answers are compared with."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlencode

import httpx

from ippools import Engine, MemoryState, Policies, SequenceIds, World
from ippools.documents import REPLAY_FORMAT, load_replay_output, unstructure
from ippools.wire import Request, Response, handle

STARTUP_TIMEOUT = 30.0
ROOT = Path(__file__).resolve().parent.parent

Style = Literal["urlencoded", "multipart", "json"]


_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(["ippools.cli", "ippools.server", "ippools.server.run"])


def _serve_in_child(argv: list[str], log_path: str) -> None:
    """The body of a forked server: standard error to the log, then ``ippools ARGV``."""
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND)
    os.dup2(log, 2)
    os.close(log)
    from ippools.cli import main

    sys.exit(main(argv))


class _Forked:
    """A forked server process with the bits of the ``Popen`` interface the tests use."""

    def __init__(self, argv: list[str], log_path: Path) -> None:
        self.process = _FORKS.Process(target=_serve_in_child, args=(argv, str(log_path)))
        self.process.start()

    def poll(self) -> int | None:
        return self.process.exitcode

    def send_signal(self, sig: int) -> None:
        assert self.process.pid is not None
        os.kill(self.process.pid, sig)

    def kill(self) -> None:
        self.process.kill()

    def wait(self, timeout: float | None = None) -> int:
        self.process.join(timeout)
        code = self.process.exitcode
        if code is None:
            raise subprocess.TimeoutExpired("forked server", timeout or 0)
        return code


class Server:
    """``python -m ippools serve ARGS`` on 127.0.0.1 and a port the system picks.

    Standard error goes to a file (read it with :meth:`log`), so a chatty server never blocks
    on a full pipe. The constructor returns once the startup line names the URL. With
    ``fork=True`` the process is forked from a server of processes that has ippools imported
    already (the same ``main``, without an interpreter start), for tests that restart often.
    """

    def __init__(self, *args: str, cwd: Path | None = None, fork: bool = False) -> None:
        handle, name = tempfile.mkstemp(prefix="ippools-serve-", suffix=".log")
        os.close(handle)
        self.log_path = Path(name)
        self.args = ["serve", "--host", "127.0.0.1", "--port", "0", *args]
        self.cwd = cwd
        self.fork = fork
        seen = self.log().count("\n")
        self.process = self._spawn()
        self.url = self._wait_for_url(seen)

    def _spawn(self) -> subprocess.Popen[bytes] | _Forked:
        if self.fork:
            return _Forked(self.args, self.log_path)
        with open(self.log_path, "ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "ippools", *self.args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                cwd=self.cwd,
            )

    def _wait_for_url(self, seen: int) -> str:
        """The URL of the first startup line after the first ``seen`` lines of the log."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            complete = self.log().split("\n")[:-1]  # a line being written is not read yet
            for line in complete[seen:]:
                # A killed server may have left half a line, which this one's first line ends.
                found = re.search(r"ippools: serving (http://\S+) \(", line)
                if found is not None:
                    return found.group(1)
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited early:\n{self.log()}")
            time.sleep(0.01)
        raise AssertionError(f"no startup line within {STARTUP_TIMEOUT} s:\n{self.log()}")

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def restart(self, *args: str) -> None:
        """Start the server again (after it stopped or was killed), with other arguments."""
        assert self.process.poll() is not None
        if args:
            self.args = ["serve", "--host", "127.0.0.1", "--port", "0", *args]
        seen = self.log().count("\n")
        self.process = self._spawn()
        self.url = self._wait_for_url(seen)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send ``sig`` and return the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)

    def close(self) -> None:
        """Stop the server (SIGTERM, so that a coverage run keeps its data) and drop its log."""
        try:
            self.stop()
        except subprocess.TimeoutExpired:
            self.kill()
        self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def keys_file(directory: Path, *entries: tuple[str, str, str, str]) -> Path:
    """A keys file with (key, account, requestor, client) entries."""
    path = directory / "keys.json"
    keys = [dict(zip(("key", "account", "requestor", "client"), e, strict=True)) for e in entries]
    path.write_text(json.dumps({"keys": keys}), encoding="utf-8")
    return path


def world_file(directory: Path, world: World, name: str = "world.json") -> Path:
    path = directory / name
    path.write_text(json.dumps(unstructure(world)), encoding="utf-8")
    return path


def client_for(url: str, **kwargs: Any) -> httpx.Client:
    """An httpx client for ``url``: plain HTTP on loopback, so no TLS setup and no proxies."""
    return httpx.Client(base_url=url, verify=False, trust_env=False, **kwargs)


# -- the control endpoints ------------------------------------------------------------------


def reset(
    client: httpx.Client, world: World, ids: Sequence[str] = (), *, worker: bool = False
) -> None:
    answer = client.post(
        "/_ippools/reset", json={"world": unstructure(world), "ids": list(ids), "worker": worker}
    )
    assert (answer.status_code, answer.json()) == (200, {"message": "success"}), answer.text


def settle(client: httpx.Client, limit: int | None = None) -> int:
    answer = client.post("/_ippools/settle", json={"limit": limit})
    assert answer.status_code == 200, answer.text
    settled: int = answer.json()["settled"]
    return settled


def stored(client: httpx.Client) -> tuple[World, int]:
    """The stored world and the pending count."""
    answer = client.get("/_ippools/world")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    output = load_replay_output(
        {"format": REPLAY_FORMAT, "steps": [], "world": body["world"], "pending": body["pending"]}
    )
    return output.world, output.pending


def pending(client: httpx.Client) -> int:
    answer = client.get("/_ippools/pending")
    assert answer.status_code == 200, answer.text
    count: int = answer.json()["pending"]
    return count


def wait_settled(client: httpx.Client, timeout: float = 20.0) -> None:
    """Wait until the background worker has processed every pending update."""
    deadline = time.monotonic() + timeout
    while pending(client):
        assert time.monotonic() < deadline, "the worker did not settle in time"
        time.sleep(0.02)


# -- requests over HTTP ---------------------------------------------------------------------


def compact(body: dict[str, Any]) -> bytes:
    """The bytes the server sends for a wire body: compact JSON, keys sorted."""
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def multipart(pairs: Iterable[tuple[str, str]], boundary: str) -> bytes:
    """A multipart body as mailgun.js (form-data) builds it: one part per pair, repeats kept."""
    out = b""
    for name, value in pairs:
        out += f"--{boundary}\r\n".encode()
        out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


JS_BOUNDARY = "--------------------------515890814546601021194782"


def render(
    request: Request, style: Style = "urlencoded", headers: Iterable[tuple[str, str]] = ()
) -> tuple[str, str, list[tuple[str, str]], bytes]:
    """Method, raw target (path and query), headers and body bytes that carry ``request``."""
    target = request.path
    if request.query:
        target += ("&" if "?" in target else "?") + urlencode(request.query, quote_via=quote)
    all_headers = [*request.headers, *headers]
    body = b""
    if request.json is not None:
        body = json.dumps(request.json).encode()
        all_headers.append(("Content-Type", "application/json"))
    elif request.form and style == "multipart":
        body = multipart(request.form, JS_BOUNDARY)
        all_headers.append(("Content-Type", f"multipart/form-data; boundary={JS_BOUNDARY}"))
    elif request.form:
        body = urlencode(request.form, quote_via=quote).encode()
        all_headers.append(("Content-Type", "application/x-www-form-urlencoded"))
    return request.method, target, all_headers, body


def send(
    client: httpx.Client,
    request: Request,
    style: Style = "urlencoded",
    headers: Iterable[tuple[str, str]] = (),
) -> httpx.Response:
    method, target, all_headers, body = render(request, style, headers)
    return client.request(method, target, headers=all_headers, content=body)


def engine_for(world: World, ids: Sequence[str] = ()) -> Engine[MemoryState]:
    return Engine(MemoryState(world), Policies(ids=SequenceIds(ids)))


def replay_one(eng: Engine[MemoryState], request: Request) -> Response:
    return handle(eng, request)


def check_same(answer: httpx.Response, expected: Response, label: str = "") -> None:
    """The server answered exactly what the wire layer answers: status and body bytes."""
    assert (answer.status_code, answer.json()) == (expected.status, expected.body), label
    assert answer.content == compact(expected.body), label
    assert answer.headers["content-type"] == "application/json"
