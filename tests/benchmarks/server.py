"""The reference server against moto's server mode, side by side, with wrk as the load generator.

For each server, with 1 and with 16 connections (one wrk thread per connection), ``wrk``
measures requests per second and the 50th and 99th percentile latencies of:

* a read: ippools ``GET /v3/ip_pools/{pool_id}`` (3.5); moto ``GetDedicatedIpPool``
  (``GET /v2/email/dedicated-ip-pools/{name}``);
* a write, alternating two requests on the connection's own record: ippools ``PUT`` then
  ``DELETE /v3/ip_pools/{pool_id}/ips/{ip}`` (3.8, 3.9), each a durable commit (SQLite
  file, ``synchronous=FULL``) leaving a pending update that the server's worker processes;
  moto ``CreateDedicatedIpPool`` then ``DeleteDedicatedIpPool`` (moto's SES v2 has no call
  that moves an IP into a pool; it keeps everything in memory).

Both servers run as started by a user (ippools: ``ippools serve --trust-headers --db FILE``
with its defaults, access log on; moto: ``moto_server``), on 127.0.0.1, one after the other
on the same machine; every answer must be a 2xx. Needs ``wrk`` (Debian: ``apt-get install
wrk``) and ``moto[server]``.

The write is measured twice for ippools: with ``--synchronous FULL`` (the default: every
commit flushed to disk, surviving a power loss) and ``NORMAL`` (surviving the death of the
process, as the SIGKILL test shows, without a flush per commit).

Usage: ``python -m tests.benchmarks.server [--duration SECONDS] [--ippools-only]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs

from ippools import Account, DedicatedIp, Domain, Pool, World, parse_ip
from ippools.documents import unstructure
from ippools.model import IPAddress

POOL = "b" * 24
CONNECTIONS = (1, 16)
HEADERS = {
    "X-Mailgun-Account-Id": "acct-1",
    "X-Mailgun-Requestor": "bench@example.com",
    "X-Mailgun-Requestor-Client": "wrk",
}
AWS_AUTH = (
    "AWS4-HMAC-SHA256 Credential=bench/20240101/us-east-1/ses/aws4_request, "
    "SignedHeaders=host, Signature=0"
)


def _ip(text: str) -> IPAddress:
    parsed = parse_ip(text)
    assert parsed is not None
    return parsed


def bench_world() -> World:
    """acct-1 with a DIPP holding 10.0.0.1, linked to one domain, and 16 free IPs to write."""
    return World(
        accounts=[Account("acct-1", dipps=True)],
        dedicated_ips=[
            DedicatedIp(_ip("10.0.0.1"), "acct-1"),
            *(DedicatedIp(_ip(f"10.0.1.{n}"), "acct-1") for n in range(1, 17)),
        ],
        domains=[Domain("dom-1", "bench.example", "acct-1", POOL, frozenset({_ip("10.0.0.1")}))],
        pools=[Pool(POOL, "acct-1", "bench", "benchmark", frozenset({_ip("10.0.0.1")}))],
    )


def _lua_headers(headers: dict[str, str]) -> str:
    return "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in headers.items())


THREAD_IDS = """
local counter = 1
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
present = false
function response(status, headers, body)
  if status == 200 then
    present = not present
  end
end
"""
"""Each wrk thread (one connection) gets an ``id`` and alternates by its answers: ``present``
says whether its record exists now. (wrk builds one request per thread that it never sends,
so counting requests would not alternate.)"""

SCRIPTS = {
    ("ippools", "read"): _lua_headers(HEADERS),
    ("ippools", "write"): _lua_headers(HEADERS)
    + THREAD_IDS
    + f"""
function request()
  local path = "/v3/ip_pools/{POOL}/ips/10.0.1." .. id
  if present then
    return wrk.format("DELETE", path)
  end
  return wrk.format("PUT", path)
end
""",
    ("moto", "read"): _lua_headers({"Authorization": AWS_AUTH}),
    ("moto", "write"): _lua_headers({"Authorization": AWS_AUTH, "Content-Type": "application/json"})
    + THREAD_IDS
    + """
function request()
  if present then
    return wrk.format("DELETE", "/v2/email/dedicated-ip-pools/w" .. id)
  end
  local body = '{"PoolName": "w' .. id .. '", "ScalingMode": "STANDARD"}'
  return wrk.format("POST", "/v2/email/dedicated-ip-pools", nil, body)
end
""",
}
PATHS = {
    ("ippools", "read"): f"/v3/ip_pools/{POOL}",
    ("ippools", "write"): "/",
    ("moto", "read"): "/v2/email/dedicated-ip-pools/bench",
    ("moto", "write"): "/",
}


@attrs.frozen
class Result:
    server: str
    operation: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(text: str) -> float:
    value = float(re.sub(r"[a-z]+$", "", text))
    if text.endswith("us"):
        return value / 1000
    if text.endswith("ms"):
        return value
    return value * 1000  # seconds


def parse_wrk(output: str) -> tuple[float, float, float, int]:
    """Requests per second, p50 and p99 in ms, and the count of non-2xx/3xx answers."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    count = int(failed.group(1)) if failed else 0
    count += sum(int(g) for g in errors.groups()) if errors else 0
    return rps, p50, p99, count


def run_wrk(url: str, script: Path, connections: int, duration: float) -> str:
    """wrk's output for ``duration`` seconds of ``script`` on ``connections`` connections."""
    command = [
        "wrk",
        f"-t{connections}",
        f"-c{connections}",
        f"-d{round(duration)}s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


@contextmanager
def started(command: list[str], log: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(port)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _request(port: int, method: str, path: str, body: bytes, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers)
        return conn.getresponse().status
    finally:
        conn.close()


def measure(
    label: str, kind: str, port: int, scripts: Path, duration: float, operations: tuple[str, ...]
) -> list[Result]:
    """wrk against the server of ``kind`` (ippools or moto) on ``port``, shown as ``label``."""
    results = []
    url = f"http://127.0.0.1:{port}"
    for operation in operations:
        script = scripts / f"{kind}-{operation}.lua"
        script.write_text(SCRIPTS[(kind, operation)])
        run_wrk(url + PATHS[(kind, operation)], script, 4, 1.0)  # warm up
        for connections in CONNECTIONS:
            output = run_wrk(url + PATHS[(kind, operation)], script, connections, duration)
            rps, p50, p99, errors = parse_wrk(output)
            results.append(Result(label, operation, connections, rps, p50, p99, errors))
    return results


def run_ippools(work: Path, duration: float, synchronous: str) -> list[Result]:
    """Start ``ippools serve`` on a new database file; measure it; stop it."""
    world = work / "world.json"
    world.write_text(json.dumps(unstructure(bench_world())))
    db = work / f"bench-{synchronous}.db"
    port = free_port()
    serve = [sys.executable, "-m", "ippools", "serve", "--trust-headers", "--port", str(port)]
    serve += ["--db", str(db), "--world", str(world), "--synchronous", synchronous]
    label = "ippools" if synchronous == "FULL" else f"ippools {synchronous}"
    operations = ("read", "write") if synchronous == "FULL" else ("write",)
    with started(serve, work / f"ippools-{synchronous}.log", port):
        return measure(label, "ippools", port, work, duration, operations)


def run_moto(moto: str, work: Path, duration: float) -> list[Result]:
    port = free_port()
    with started([moto, "-H", "127.0.0.1", "-p", str(port)], work / "moto.log", port):
        status = _request(
            port,
            "POST",
            "/v2/email/dedicated-ip-pools",
            b'{"PoolName": "bench", "ScalingMode": "STANDARD"}',
            {"Authorization": AWS_AUTH, "Content-Type": "application/json"},
        )
        if status != 200:
            raise RuntimeError(f"moto_server answered {status} to CreateDedicatedIpPool")
        return measure("moto", "moto", port, work, duration, ("read", "write"))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.server")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--ippools-only", action="store_true", help="leave moto_server out")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("the server benchmark needs wrk (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    moto = shutil.which("moto_server")
    if moto is None and not args.ippools_only:
        print('the server benchmark needs moto_server: pip install "moto[server]"', file=sys.stderr)
        return 2
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="ippools-bench-") as scratch:
        work = Path(scratch)
        results += run_ippools(work, args.duration, "FULL")
        results += run_ippools(work, args.duration, "NORMAL")
        if moto is not None and not args.ippools_only:
            results += run_moto(moto, work, args.duration)
    report(results)
    return 1 if any(r.errors for r in results) else 0


def report(results: list[Result]) -> None:
    print(f"wrk, one thread per connection, 127.0.0.1, {os.cpu_count()} CPUs")
    print(
        f"{'server':16} {'operation':9} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}"
        " non-2xx"
    )
    for r in results:
        print(
            f"{r.server:16} {r.operation:9} {r.connections:>5} {r.rps:>9.0f} {r.p50_ms:>8.2f} "
            f"{r.p99_ms:>8.2f} {r.errors}"
        )
    moto = {(r.operation, r.connections): r for r in results if r.server == "moto"}
    targets = {"read": 5.0, "write": 3.0}
    for r in results:
        theirs = moto.get((r.operation, r.connections))
        if r.server == "moto" or theirs is None:
            continue
        ratio = r.rps / theirs.rps
        verdict = "met" if ratio >= targets[r.operation] else "missed"
        print(
            f"{r.server}/moto {r.operation} x{r.connections}: {ratio:.2f} "
            f"(target {targets[r.operation]:g}x: {verdict})"
        )
    for r in results:
        if r.server != "moto" and r.connections == 16:
            verdict = "met" if r.p99_ms < 20 else "missed"
            print(
                f"{r.server} p99 {r.operation} x16: {r.p99_ms:.2f} ms (target < 20 ms: {verdict})"
            )


if __name__ == "__main__":
    sys.exit(main())
