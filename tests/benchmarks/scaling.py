"""Scaling with processes (not a test): PostgreSQL and SQLite side by side, in one run.

On a state of 100,000 domains (``--domains``), for each store:

* durable commands per second with 1, 2 and 4 writer processes, each with its own
  connection: every writer toggles an IP of a DIPP of its own, linked to 10 domains
  (each command one durable transaction leaving 10 pending updates), for
  ``--seconds`` seconds;
* settled updates per second with 1, 2 and 4 worker processes: one command queues
  the 10,000 updates of a DIPP linked to 10,000 domains, then the workers run
  ``Service.process_pending`` (batches of 100) until none is left.

One untimed writer second warms each store up first (a fresh SQLite file checkpoints
the loaded world on its first commits). Durable means a commit survives a power loss:
SQLite ``synchronous=FULL``, PostgreSQL with its default ``synchronous_commit = on``.
Processes start before the clock does (they wait on an event), so interpreter start-up
is not measured.

Usage: ``python -m tests.benchmarks.scaling [--domains N] [--seconds S] [--postgres URL]``
(``nox -s scaling``); the PostgreSQL store goes to a schema of its own, dropped at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import tempfile
import time
import uuid
from typing import Any

import attrs

from ippools import (
    Actor,
    AddPoolIp,
    DedicatedIp,
    Pool,
    RemovePoolIp,
    World,
)
from ippools.errors import ConflictError
from ippools.store import Service, Store, open_store
from tests.benchmarks.store import ACTOR, LARGE, _ip, build_world

SPAWN = multiprocessing.get_context("spawn")
COUNTS = (1, 2, 4)
DEFAULT_URL = os.environ.get(
    "IPPOOLS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def _writer_pool(n: int) -> str:
    return f"{n + 10:024x}"


def scaling_world(domains: int) -> World:
    """The store benchmark's world, plus one DIPP per writer (owned by acct-N, linked to
    10 of its domains) and a second dedicated IP of acct-N for the writer to toggle."""
    world = build_world(domains, 10_000)
    pools = list(world.pools)
    records = list(world.domains)
    extra = []
    for n in range(1, max(COUNTS) + 1):
        ips = frozenset({_ip(f"10.0.{n}.1")})
        pools.append(Pool(_writer_pool(n), f"acct-{n}", f"writer {n}", "bench", ips))
        extra.append(DedicatedIp(_ip(f"10.201.0.{n}"), f"acct-{n}"))
        linked = 0
        for index, domain in enumerate(records):
            if domain.account_id == f"acct-{n}" and domain.pool_id is None and linked < 10:
                records[index] = attrs.evolve(domain, pool_id=_writer_pool(n))
                linked += 1
    return attrs.evolve(
        world, pools=pools, domains=records, dedicated_ips=[*world.dedicated_ips, *extra]
    )


def writer(location: str, n: int, ready: Any, start: Any, seconds: float, out: Any) -> None:
    """Toggle 10.201.0.N on writer N's DIPP for ``seconds`` after ``start``; report the count."""
    actor = Actor(f"acct-{n}", "ops@example.com", "bench")
    with open_store(location) as store:
        service = Service(store)
        pool, ip = _writer_pool(n), f"10.201.0.{n}"
        ready.set()
        start.wait()
        done, deadline = 0, time.monotonic() + seconds
        while time.monotonic() < deadline:
            command = AddPoolIp(actor, pool, ip) if done % 2 == 0 else RemovePoolIp(actor, pool, ip)
            assert service.execute(command).status == 200
            done += 1
        if done % 2:  # leave the DIPP as it was
            assert service.execute(RemovePoolIp(actor, pool, ip)).status == 200
    out.put(done)


def worker(location: str, ready: Any, start: Any, out: Any) -> None:
    """After ``start``, settle pending updates until none is left; report how many."""
    with open_store(location) as store:
        service = Service(store, batch=100)
        ready.set()
        start.wait()
        done = 0
        while True:
            try:
                processed = service.process_pending(100)
            except ConflictError:  # serialization failures through every retry: go on
                processed = 0
            done += processed
            if not processed and store.pending_count == 0:
                break
    out.put((done, time.monotonic()))


def _run(target: Any, args: list[tuple[Any, ...]]) -> tuple[list[Any], float, float]:
    """Start processes, wait until each is ready, start the clock; their reports, start, end."""
    start, out = SPAWN.Event(), SPAWN.Queue()
    readies = [SPAWN.Event() for _ in args]
    processes = [
        SPAWN.Process(target=target, args=(*head, ready, start, *tail, out))
        for (head, tail), ready in zip(args, readies, strict=True)
    ]
    for process in processes:
        process.start()
    for ready in readies:
        assert ready.wait(120)
    began = time.monotonic()
    start.set()
    reports = [out.get(timeout=600) for _ in processes]
    ended = time.monotonic()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    return reports, began, ended


def bench(label: str, location: str, store: Store, seconds: float) -> None:
    """Print the writer and worker rates of the store at ``location``."""
    _run(writer, [((location, 1), (1.0,))])  # warm-up, not measured: caches, first checkpoint
    for count in COUNTS:
        store.settle()
        args = [((location, n + 1), (seconds,)) for n in range(count)]
        reports, began, _ = _run(writer, args)
        total = sum(reports)
        print(
            f"{label:10} {count} writer(s):  {total / seconds:8.1f} durable commands/s"
            f"  ({total} in {seconds:g} s)",
            flush=True,
        )
    store.settle()
    toggle = True
    for count in COUNTS:
        command: AddPoolIp | RemovePoolIp = AddPoolIp(ACTOR, LARGE, "10.200.0.4")
        if not toggle:
            command = RemovePoolIp(ACTOR, LARGE, "10.200.0.4")
        toggle = not toggle
        assert Service(store).execute(command).status == 200
        queued = store.pending_count
        reports, began, _ = _run(worker, [((location,), ()) for _ in range(count)])
        done = sum(report[0] for report in reports)
        finished = max(report[1] for report in reports)
        assert done == queued
        assert store.pending_count == 0
        elapsed = finished - began
        print(
            f"{label:10} {count} worker(s):  {done / elapsed:8.1f} settled updates/s"
            f"  ({done} in {elapsed:.2f} s)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--domains", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--postgres", default=DEFAULT_URL, help="the server to measure")
    args = parser.parse_args()
    started = time.monotonic()
    world = scaling_world(args.domains)
    print(f"world: {len(world.domains)} domains; cores: {os.cpu_count()}", flush=True)
    schema = f"ippools_bench_{uuid.uuid4().hex[:12]}"
    sep = "&" if "?" in args.postgres else "?"
    directory = tempfile.mkdtemp(prefix="ippools-scaling-")
    try:
        locations = [
            ("sqlite", os.path.join(directory, "bench.db")),
            ("postgresql", f"{args.postgres}{sep}schema={schema}"),
        ]
        for label, location in locations:
            loading = time.monotonic()
            with open_store(location, world) as store:
                print(f"{label}: loaded in {time.monotonic() - loading:.1f} s", flush=True)
                bench(label, location, store, args.seconds)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        import psycopg

        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    print(f"total {time.monotonic() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
