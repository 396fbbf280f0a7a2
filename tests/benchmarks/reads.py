"""Latency of reads while another process writes the same SQLite store without pause.

A writer process runs write commands through its own ``Service`` as fast as it
can: a PUT and a DELETE of an IP of a DIPP linked to ``--linked`` domains (each
command one transaction that queues that many pending updates), then processing
those updates in batches of 100. ``--hold`` adds that many seconds inside every
write transaction (a host's observer writing an audit record slowly, say).

Meanwhile this process answers ``GET /v3/ip_pools/{pool_id}`` (3.5) of another
DIPP through ``Service.handle`` for ``--seconds`` and reports the read latency
(p50, p99, p99.9, max, in milliseconds), the reads that failed with ``ConflictError``
and how many write transactions the writer committed meanwhile.

Usage: ``python -m tests.benchmarks.reads [--seconds S] [--linked N] [--hold S]``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from ippools import (
    Account,
    Actor,
    AddPoolIp,
    ConflictError,
    DedicatedIp,
    Domain,
    IPAddress,
    Outcome,
    Pool,
    RemovePoolIp,
    World,
    parse_ip,
)
from ippools.store import Service, SqliteStore
from ippools.wire import Request

ACTOR = Actor("acct-0", "ops@example.com", "bench")
WRITTEN = "1" * 24  # the writer changes its IPs again and again
READ = "2" * 24  # the reader reads it
SPAWN = multiprocessing.get_context("spawn")


def _ip(text: str) -> IPAddress:
    parsed = parse_ip(text)
    assert parsed is not None
    return parsed


def build_world(linked: int) -> World:
    """acct-0 with ``linked`` domains linked to WRITTEN and 5 linked to READ."""
    written_ips = frozenset({_ip("10.0.0.1")})
    read_ips = frozenset({_ip("10.0.0.2")})
    domains = [
        Domain(f"dom-w{n:06d}", f"w{n}.example.com", "acct-0", WRITTEN, written_ips)
        for n in range(linked)
    ]
    domains += [
        Domain(f"dom-r{n}", f"r{n}.example.com", "acct-0", READ, read_ips) for n in range(5)
    ]
    return World(
        accounts=[Account("acct-0", dipps=True)],
        dedicated_ips=[DedicatedIp(_ip(f"10.0.0.{n}"), "acct-0") for n in range(1, 4)],
        domains=domains,
        pools=[
            Pool(WRITTEN, "acct-0", "written", "bench", written_ips),
            Pool(READ, "acct-0", "read", "bench", read_ips),
        ],
    )


def write_until(path: str, hold: float, started: Any, stop: Any, done: Any) -> None:
    """The writer process: write commands and process their updates until ``stop`` is set."""

    def slowly(outcome: Outcome) -> None:
        time.sleep(hold)

    transactions = 0
    with SqliteStore(path) as store:
        service = Service(store, batch=100, observer=slowly if hold else None)
        started.set()
        while not stop.is_set():
            assert service.execute(AddPoolIp(ACTOR, WRITTEN, "10.0.0.3")).status == 200
            assert service.execute(RemovePoolIp(ACTOR, WRITTEN, "10.0.0.3")).status == 200
            transactions += 2
            while not stop.is_set() and service.process_pending(100):
                transactions += 2  # a batch is claimed, then carried out, in two transactions
    done.put(transactions)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f}"


def main() -> None:
    """Start the writer, read for a while, print the latency figures."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.reads")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--linked", type=int, default=2000)
    parser.add_argument("--hold", type=float, default=0.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "reads.db"
        SqliteStore(path, build_world(args.linked)).close()
        started, stop, done = SPAWN.Event(), SPAWN.Event(), SPAWN.Queue()
        writer = SPAWN.Process(target=write_until, args=(str(path), args.hold, started, stop, done))
        writer.start()
        assert started.wait(60)
        latencies: list[float] = []
        failures = 0
        request = Request("GET", f"/v3/ip_pools/{READ}", headers={"X-Mailgun-Account-Id": "acct-0"})
        with SqliteStore(path) as store:
            service = Service(store)
            end = time.perf_counter() + args.seconds
            while time.perf_counter() < end:
                start = time.perf_counter()
                try:
                    assert service.handle(request).status == 200
                except ConflictError:
                    failures += 1
                latencies.append(time.perf_counter() - start)
        stop.set()
        transactions = done.get(timeout=600)
        writer.join(60)
    cuts = statistics.quantiles(latencies, n=1000)
    print(
        f"reads: {len(latencies):7d} in {args.seconds:.0f} s   latency ms: p50 {_ms(cuts[499])}"
        f"  p99 {_ms(cuts[989])}  p99.9 {_ms(cuts[998])}  max {_ms(max(latencies))}"
        f"   failed (ConflictError): {failures}   writer: {transactions} transactions"
        f" ({args.linked} linked domains, hold {args.hold} s)"
    )


if __name__ == "__main__":
    main()
