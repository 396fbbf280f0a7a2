"""Throughput of the SQLite store through the service, durable (FULL) and NORMAL.

On a state of 100,000 domains (``--domains`` to change it), for each setting of
``synchronous``:

* commands per second: pairs of PUT and DELETE of an IP of a DIPP linked to 10
  domains (each command one transaction, leaving 10 pending updates), and reads of
  that DIPP;
* pending updates processed per second: the updates those commands left, then the
  10,000 updates of deleting a DIPP linked to 10,000 domains, processed by
  ``Service.process_pending`` in batches of 100;
* pages of 100 of the 10,000 domains linked to a DIPP, from the middle, per second.

Usage: ``python -m tests.benchmarks.store [--domains N] [--commands N]``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ippools import (
    Account,
    Actor,
    AddPoolIp,
    DedicatedIp,
    DeletePool,
    Domain,
    GetPool,
    IPAddress,
    Pool,
    RemovePoolIp,
    World,
    parse_ip,
)
from ippools.store import Service, SqliteStore
from ippools.store.sqlite import Synchronous

ACTOR = Actor("acct-0", "ops@example.com", "bench")
SMALL = "1" * 24  # linked to 10 domains
LARGE = "2" * 24  # linked to 10,000 domains
SPARE = "3" * 24  # replaces LARGE when it is deleted


def _ip(text: str) -> IPAddress:
    parsed = parse_ip(text)
    assert parsed is not None
    return parsed


def build_world(domains: int, large: int) -> World:
    """``domains`` domains over 100 accounts; acct-0 owns 10 linked to SMALL and ``large``
    linked to LARGE."""
    accounts = [Account(f"acct-{n}", dipps=True) for n in range(100)]
    own = [DedicatedIp(_ip(f"10.0.{n}.1"), f"acct-{n}") for n in range(100)]
    spare = [DedicatedIp(_ip(f"10.200.0.{n}"), "acct-0") for n in range(1, 6)]
    small_ips = frozenset({_ip("10.200.0.1")})
    large_ips = frozenset({_ip("10.200.0.2")})
    pools = [
        Pool(SMALL, "acct-0", "small", "bench", small_ips),
        Pool(LARGE, "acct-0", "large", "bench", large_ips),
        Pool(SPARE, "acct-0", "spare", "bench", frozenset({_ip("10.200.0.3")})),
    ]
    records = []
    for n in range(domains):
        if n < 10:
            owner, pool_id, ips = "acct-0", SMALL, small_ips
        elif n < 10 + large:
            owner, pool_id, ips = "acct-0", LARGE, large_ips
        else:
            owner = f"acct-{n % 100}"
            pool_id, ips = None, frozenset({own[n % 100].ip})
        records.append(Domain(f"dom-{n:07d}", f"d{n}.example.com", owner, pool_id, ips))
    return World(accounts=accounts, dedicated_ips=own + spare, domains=records, pools=pools)


def _rate(count: int, run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return count / (time.perf_counter() - start)


def bench(template: Path, synchronous: Synchronous, commands: int, work: Path) -> None:
    """Measure one setting of ``synchronous`` on a fresh copy of the template store."""
    path = work / f"{synchronous.lower()}.db"
    shutil.copyfile(template, path)
    with SqliteStore(path, synchronous=synchronous) as store:
        service = Service(store, batch=100)
        put = AddPoolIp(ACTOR, SMALL, "10.200.0.4")
        delete = RemovePoolIp(ACTOR, SMALL, "10.200.0.4")

        def write() -> None:
            for _ in range(commands // 2):
                assert service.execute(put).status == 200
                assert service.execute(delete).status == 200

        def read() -> None:
            for _ in range(commands):
                assert service.execute(GetPool(ACTOR, SMALL)).status == 200

        writes = _rate(commands, write)
        reads = _rate(commands, read)
        queued = store.pending_count
        assert queued == commands * 10
        small = _rate(queued, lambda: service.process_pending())
        large_count = len(store.linked_domains(LARGE))
        middle = f"dom-{10 + large_count // 2:07d}"

        def pages() -> None:
            for _ in range(commands):
                assert len(store.linked_domains_page(LARGE, None, middle, 100)) == 100

        paged = _rate(commands, pages)
        deleted = service.execute(DeletePool(ACTOR, LARGE, replacement_pool_id=SPARE))
        assert deleted.status == 200
        assert store.pending_count == large_count
        large = _rate(large_count, lambda: service.process_pending())
        assert store.pending_count == 0
    print(
        f"synchronous={synchronous:<6} commands/s: {writes:8.0f} (PUT/DELETE pool IP)"
        f"  {reads:8.0f} (GET pool)   updates/s: {small:8.0f} (from those commands)"
        f"  {large:8.0f} (DIPP of {large_count:,} domains deleted)"
        f"   pages/s: {paged:6.0f} (100 of its domains)"
    )


def main() -> None:
    """Build the state once, then measure FULL and NORMAL on copies of it."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.store")
    parser.add_argument("--domains", type=int, default=100_000)
    parser.add_argument("--commands", type=int, default=400)
    args = parser.parse_args()
    large = min(10_000, max(args.domains - 10, 0))
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        template = work / "template.db"
        start = time.perf_counter()
        SqliteStore(template, build_world(args.domains, large)).close()
        print(
            f"state: {args.domains:,} domains, created in {time.perf_counter() - start:.1f} s;"
            f" {args.commands} commands per measure"
        )
        for synchronous in ("FULL", "NORMAL"):
            bench(template, synchronous, args.commands, work)


if __name__ == "__main__":
    main()
