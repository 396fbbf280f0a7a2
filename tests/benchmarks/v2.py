"""What S6 promises for the routes of contract version 2, in memory and on SQLite.

* one page of 3.12 (``limit=100``, a token in the middle) costs the same on 100,000 domains
  of which 10,000 are linked to the DIPP as on 1,000 domains of which 100 are;
* a revocation (3.14, with a replacement DIPP) costs time linear in the subaccount's linked
  domains, whatever the size of the state (100,000 domains here).

Each figure is the median of ``--repeat`` runs of the whole command (decide, and for the
revocation store its changes), through :class:`~ippools.Engine`. Usage:
``python -m tests.benchmarks.v2 [--repeat N]``.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ippools import (
    Account,
    Actor,
    DedicatedIp,
    Domain,
    Engine,
    ListPoolDomains,
    MemoryState,
    Pool,
    RevokeDelegation,
    World,
    parse_ip,
)
from ippools.model import IPAddress
from ippools.rules.listing import page_token
from ippools.store import SqliteStore

ACTOR = Actor("acct-0", "ops@example.com", "bench")
LINKED = "1" * 24  # the DIPP that is paged, or revoked
SPARE = "2" * 24  # the replacement of a revocation


def _ip(text: str) -> IPAddress:
    parsed = parse_ip(text)
    assert parsed is not None
    return parsed


def build_world(domains: int, linked: int, *, sub_linked: int = 0) -> World:
    """``domains`` domains over 100 accounts; ``linked`` of acct-0's and ``sub_linked`` of its
    subaccount ``sub-0``'s are linked to LINKED, which is delegated to ``sub-0``."""
    accounts = [Account(f"acct-{n}", dipps=True) for n in range(100)]
    accounts.append(Account("sub-0", "acct-0", dipps=True))
    own = [DedicatedIp(_ip(f"10.0.{n}.1"), f"acct-{n}") for n in range(100)]
    pool_ips = frozenset({_ip("10.200.0.1")})
    spare_ips = frozenset({_ip("10.200.0.2")})
    dedicated = [*own, *(DedicatedIp(ip, "acct-0") for ip in pool_ips | spare_ips)]
    pools = [
        Pool(LINKED, "acct-0", "linked", "bench", pool_ips, frozenset({"sub-0"})),
        Pool(SPARE, "acct-0", "spare", "bench", spare_ips),
    ]
    records = []
    for n in range(domains):
        if n < linked:
            owner, pool_id, ips = "acct-0", LINKED, pool_ips
        elif n < linked + sub_linked:
            owner, pool_id, ips = "sub-0", LINKED, pool_ips
        else:
            owner = f"acct-{n % 100}"
            pool_id, ips = None, frozenset({own[n % 100].ip})
        records.append(Domain(f"dom-{n:07d}", f"d{n}.example.com", owner, pool_id, ips))
    return World(accounts=accounts, dedicated_ips=dedicated, domains=records, pools=pools)


def _median(repeat: int, run: Callable[[], Any]) -> float:
    """The median seconds of ``repeat`` runs after one warm-up run, the collector paused."""
    run()
    times = []
    for _ in range(repeat):
        gc.disable()
        try:
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return statistics.median(times)


@contextmanager
def _engines(world: World, work: Path, name: str) -> Iterator[dict[str, Engine[Any]]]:
    """An engine over a memory state and one over a new SQLite store, both of ``world``."""
    with SqliteStore(work / f"{name}.db", world) as store:
        yield {"memory": Engine(MemoryState(world)), "sqlite": Engine(store)}


def page_costs(repeat: int, work: Path) -> None:
    """3.12: one page after a token in the middle, on a small and a large state.

    With ``limit=100`` the small state's page holds only the 49 domains after the middle of
    its 100, so the table also shows ``limit=40``, where both pages hold 40 domains.
    """
    rows: dict[tuple[str, int], dict[int, float]] = {}
    for domains, linked in ((1_000, 100), (100_000, 10_000)):
        token = page_token(f"dom-{linked // 2:07d}")
        with _engines(build_world(domains, linked), work, f"page-{domains}") as engines:
            for kind, engine in engines.items():
                for limit in (100, 40):
                    command = ListPoolDomains(ACTOR, LINKED, str(limit), token)
                    size = min(limit, linked - linked // 2 - 1)

                    def run(
                        engine: Engine[Any] = engine, command: Any = command, size: int = size
                    ) -> None:
                        outcome = engine.execute(command)
                        assert outcome.status == 200
                        assert len(outcome.body["domains"]) == size

                    rows.setdefault((kind, limit), {})[domains] = _median(repeat, run)
    print("3.12 one page after a token in the middle (median µs per request):")
    for (kind, limit), figures in rows.items():
        small, large = figures[1_000], figures[100_000]
        print(
            f"  {kind:<7} limit={limit:<3} 1,000 domains / 100 linked: {small * 1e6:8.1f}"
            f"   100,000 / 10,000: {large * 1e6:8.1f}   ratio {large / small:.2f}"
        )


def revocation_costs(repeat: int, work: Path) -> None:
    """3.14 with a replacement DIPP, for N linked domains of the subaccount in 100,000."""
    command = RevokeDelegation(ACTOR, LINKED, "sub-0", replacement_pool_id=SPARE)
    print("3.14 revocation with pool_id, 100,000 domains (median ms, µs per linked domain):")
    for sub_linked in (100, 1_000, 10_000):
        world = build_world(100_000, 10, sub_linked=sub_linked)
        template = work / f"revoke-{sub_linked}.db"
        SqliteStore(template, world).close()
        figures = []
        for kind in ("memory", "sqlite"):
            times = []
            for attempt in range(repeat):
                if kind == "memory":
                    engine: Engine[Any] = Engine(MemoryState(world))
                    closing = None
                else:
                    copy = work / f"copy-{attempt}.db"
                    shutil.copyfile(template, copy)
                    closing = SqliteStore(copy)
                    engine = Engine(closing)
                gc.disable()
                try:
                    start = time.perf_counter()
                    outcome = engine.execute(command)
                    times.append(time.perf_counter() - start)
                finally:
                    gc.enable()
                assert outcome.status == 200, outcome
                if closing is not None:
                    closing.close()
            seconds = statistics.median(times)
            figures.append(f"{kind} {seconds * 1e3:8.2f} ({seconds / sub_linked * 1e6:5.1f})")
        print(f"  {sub_linked:>6,} linked: " + "   ".join(figures))


def main() -> None:
    """Measure and print both tables."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.v2")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        page_costs(max(args.repeat, 50), Path(directory))
        revocation_costs(args.repeat, Path(directory))


if __name__ == "__main__":
    main()
