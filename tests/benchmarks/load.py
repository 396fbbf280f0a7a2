"""How fast a large world loads, and how long ``ippools replay`` of it takes.

Each scenario has a world of 100,000 domains (``--domains`` to change it) and no
step: 100 accounts, every other one allowed shared IPs, each with a DIPP of K
dedicated IPs and 2 more dedicated IPs of its own (one IP in four is IPv6, one
of the two on warmup), and 16 shared IPs. A third of the domains are linked to
their account's DIPP and hold its K IPs (I1), a third hold the 2 other dedicated
IPs, a third one IP (a shared one where the account may use them). So every IP
in the document is one of a few hundred texts, repeated, as on a real platform
where many domains share few IPs. K is 2 (1.7 IP entries per domain) and 8
(3.7 per domain); ``--pool-ips`` to change it.

Figures, each the median of ``--repeat`` runs:

* ``ippools replay FILE`` in a new process (start, read, load, replay, canonical
  output on standard output): wall time, and CPU time (user + system), which a
  machine shared with other work disturbs less;
* the stages inside one process, in CPU time, with the cyclic collector paused
  while reading and writing documents as ``ippools replay`` does: parse the JSON
  text, load (structure and check) the scenario, build the state and read its
  world back, unstructure and dump the replay output; and the load again with
  the collector running, as a library caller would have it;
* world loading in IP entries per second: every IP text in the world document
  (dedicated, shared, domain and DIPP IPs) over the CPU time of ``load_scenario``.

Usage: ``python -m tests.benchmarks.load [--domains N] [--pool-ips K,K] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ippools.documents import dump_json, load_scenario, parse_json, unstructure
from ippools.replay import replay

T = TypeVar("T")

ACCOUNTS = 100
SHARED = 16


def _dedicated_text(account: int, n: int) -> str:
    if n % 4 == 3:
        return f"2001:db8:{account:x}::{n + 1}"
    return f"10.{account // 256}.{account % 256}.{n + 1}"


def build_scenario(domains: int, pool_ips: int) -> dict[str, Any]:
    """A scenario document (JSON value) of ``domains`` domains, DIPPs of ``pool_ips`` IPs."""
    accounts = [
        {"id": f"acct-{a}", "dipps": True, "shared_ip_eligible": a % 2 == 0}
        for a in range(ACCOUNTS)
    ]
    dedicated = [
        {"ip": _dedicated_text(a, n), "account_id": f"acct-{a}", "warmup": n == pool_ips}
        for a in range(ACCOUNTS)
        for n in range(pool_ips + 2)
    ]
    shared = [f"192.0.2.{n + 1}" for n in range(SHARED)]
    pools = [
        {
            "pool_id": f"{a:024x}",
            "account_id": f"acct-{a}",
            "name": f"pool {a}",
            "description": "bench",
            "ips": [_dedicated_text(a, n) for n in range(pool_ips)],
        }
        for a in range(ACCOUNTS)
    ]
    free = [
        [_dedicated_text(a, pool_ips), _dedicated_text(a, pool_ips + 1)] for a in range(ACCOUNTS)
    ]
    records = []
    for n in range(domains):
        a = n % ACCOUNTS
        domain: dict[str, Any] = {
            "id": f"dom-{n:07d}",
            "name": f"d{n}.example.com",
            "account_id": f"acct-{a}",
        }
        kind = (n // ACCOUNTS) % 3
        if kind == 0:
            domain["pool_id"] = f"{a:024x}"
            domain["ips"] = pools[a]["ips"]
        elif kind == 1:
            domain["ips"] = free[a]
        elif a % 2 == 0:
            domain["ips"] = [shared[n % SHARED]]
        else:
            domain["ips"] = free[a][1:]
        records.append(domain)
    world = {
        "accounts": accounts,
        "dedicated_ips": dedicated,
        "shared_ips": shared,
        "domains": records,
        "pools": pools,
    }
    return {"format": "ippools-scenario/1", "name": "a large world", "world": world, "steps": []}


def ip_entries(world: dict[str, Any]) -> int:
    """Every IP text in a world document."""
    return (
        len(world["dedicated_ips"])
        + len(world["shared_ips"])
        + sum(len(record["ips"]) for record in world["domains"])
        + sum(len(record["ips"]) for record in world["pools"])
    )


def timed(run: Callable[[], T]) -> tuple[float, T]:
    """CPU time of ``run`` in seconds (after a collection), and what it returned."""
    gc.collect()
    start = time.process_time()
    value = run()
    return time.process_time() - start, value


def paused(run: Callable[[], T]) -> Callable[[], T]:
    """``run`` with the cyclic collector paused, as ``ippools replay`` reads and writes."""

    def run_paused() -> T:
        gc.disable()
        try:
            return run()
        finally:
            gc.enable()

    return run_paused


def stages(text: str) -> dict[str, float]:
    """Seconds spent in each stage of a replay, in one process."""
    spent: dict[str, float] = {}
    spent["parse JSON"], value = timed(paused(lambda: parse_json(text)))
    spent["load scenario"], scenario = timed(paused(lambda: load_scenario(value)))
    spent["replay (state + world)"], result = timed(lambda: replay(scenario))
    spent["unstructure output"], out = timed(paused(lambda: unstructure(result.output)))
    spent["dump JSON"], _ = timed(paused(lambda: dump_json(out)))
    spent["load, collector running"], _ = timed(lambda: load_scenario(value))
    assert result.ok
    assert not result.output.steps
    return spent


def cli_seconds(path: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of ``ippools replay FILE`` in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "ippools", "replay", str(path)], capture_output=True, check=False
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 0, done.stderr.decode()
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return elapsed, cpu


def bench(domains: int, pool_ips: int, repeat: int) -> None:
    """Build one scenario, then measure the replay command and the load stages."""
    document = build_scenario(domains, pool_ips)
    entries = ip_entries(document["world"])
    text = json.dumps(document)
    print(
        f"world of {domains:,} domains, DIPPs of {pool_ips} IPs: {entries:,} IP entries, "
        f"{len(text) / 1e6:.1f} MB of JSON; medians of {repeat} runs"
    )
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "scenario.json"
        path.write_text(text, encoding="utf-8")
        replays = [cli_seconds(path) for _ in range(repeat)]
    wall = statistics.median(run[0] for run in replays)
    cpu = statistics.median(run[1] for run in replays)
    print(f"  ippools replay FILE (new process): {wall:6.2f} s   ({cpu:.2f} s of CPU)")
    runs = [stages(text) for _ in range(repeat)]
    for stage in runs[0]:
        seconds = statistics.median(run[stage] for run in runs)
        print(f"  {stage:<34} {seconds:6.3f} s of CPU")
    load = statistics.median(run["load scenario"] for run in runs)
    print(f"  world loading: {entries / load:,.0f} IP entries per second")


def main() -> None:
    """Measure each DIPP size in turn."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.load")
    parser.add_argument("--domains", type=int, default=100_000)
    parser.add_argument("--pool-ips", default="2,8", help="DIPP sizes, comma-separated")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for pool_ips in (int(size) for size in args.pool_ips.split(",")):
        bench(args.domains, pool_ips, args.repeat)


if __name__ == "__main__":
    main()
