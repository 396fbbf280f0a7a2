"""Measure what the contract's cost rule (S6) promises.

* a command that touches one domain costs the same whatever the number of domains;
* deleting a DIPP linked to N domains (decide, store, settle) is linear in N;
* one request through the whole wire path, on a state of 10,000 domains;
* a page of a DIPP's linked domains costs the same however many are linked.

Figures are medians of repeated runs, printed as a table. Usage:
``python -m tests.benchmarks [--quick]``.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable

from ippools import (
    Accepted,
    Account,
    Actor,
    AddPoolIp,
    DedicatedIp,
    DeletePool,
    Domain,
    Engine,
    MemoryState,
    Policies,
    Pool,
    RemovePoolIp,
    SequenceIds,
    World,
    parse_ip,
)
from ippools.model import IPAddress

ACTOR = Actor("acct-0", "ops@example.com", "bench")
TARGET = "f" * 24  # the DIPP the benchmarks act on
OTHER = "e" * 24


def _ip(text: str) -> IPAddress:
    parsed = parse_ip(text)
    assert parsed is not None
    return parsed


def build_world(domains: int, linked_to_target: int) -> World:
    """``domains`` domains over 100 accounts, the first ``linked_to_target`` of them acct-0's
    and linked to TARGET."""
    accounts = [Account(f"acct-{n}", dipps=True) for n in range(100)]
    dedicated = [DedicatedIp(_ip(f"10.{n // 256}.{n % 256}.1"), f"acct-{n}") for n in range(100)]
    extra = [DedicatedIp(_ip(f"10.200.0.{n}"), "acct-0") for n in range(2, 6)]
    target_ips = frozenset({_ip("10.200.0.2")})
    records = []
    for n in range(domains):
        linked = n < linked_to_target
        owner = 0 if linked else n % 100
        pool_id = TARGET if linked else None
        ips = target_ips if pool_id else frozenset({dedicated[owner].ip})
        records.append(Domain(f"dom-{n:07d}", f"d{n}.example.com", f"acct-{owner}", pool_id, ips))
    pools = [
        Pool(TARGET, "acct-0", "target", "bench", target_ips),
        Pool(OTHER, "acct-0", "other", "bench", frozenset({_ip("10.200.0.5")})),
    ]
    return World(accounts=accounts, dedicated_ips=dedicated + extra, domains=records, pools=pools)


def median_ns(run: Callable[[], None], repeat: int) -> float:
    """Median wall time of ``run`` in nanoseconds, with the collector off while timing."""
    samples = []
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter_ns()
            run()
            samples.append(time.perf_counter_ns() - start)
    finally:
        gc.enable()
    return statistics.median(samples)


def bench_one_domain(sizes: list[int], repeat: int) -> None:
    """A command pair that touches one linked domain: add an IP to its DIPP, remove it, settle."""
    print("one-domain command (PUT + DELETE pool IP + settle of 2 updates), median per pair")
    base = None
    for size in sizes:
        engine = Engine(MemoryState(build_world(size, 1)), Policies(ids=SequenceIds()))

        def pair(engine: Engine[MemoryState] = engine) -> None:
            assert isinstance(engine.execute(AddPoolIp(ACTOR, TARGET, "10.200.0.3")), Accepted)
            assert isinstance(engine.execute(RemovePoolIp(ACTOR, TARGET, "10.200.0.3")), Accepted)
            assert engine.settle() == 2

        cost = median_ns(pair, repeat)
        base = base or cost
        print(f"  {size:>7} domains: {cost / 1000:8.1f} us   ({cost / base:4.2f}x the first)")


def bench_delete(sizes: list[int]) -> None:
    """Delete a DIPP linked to N domains with a replacement DIPP: decide + store + settle."""
    print("delete a DIPP linked to N domains (decide + store + settle), cost per domain")
    for size in sizes:
        per_domain = []
        for _ in range(3):
            state = MemoryState(build_world(size + 1_000, size))
            engine = Engine(state, Policies(ids=SequenceIds()))
            gc.collect()
            gc.disable()
            start = time.perf_counter_ns()
            outcome = engine.execute(DeletePool(ACTOR, TARGET, replacement_pool_id=OTHER))
            settled = engine.settle()
            elapsed = time.perf_counter_ns() - start
            gc.enable()
            assert isinstance(outcome, Accepted)
            assert settled == size
            per_domain.append(elapsed / size)
        print(f"  N = {size:>7}: {statistics.median(per_domain) / 1000:6.2f} us per domain")


def bench_page(sizes: list[int], repeat: int) -> None:
    """A page of 100 linked domains from the middle of a DIPP's links, by id."""
    print("page of 100 linked domains from the middle of a DIPP's links, median")
    for size in sizes:
        state = MemoryState(build_world(size, size))
        middle = f"dom-{size // 2:07d}"

        def page(state: MemoryState = state, middle: str = middle) -> None:
            assert len(state.linked_domains_page(TARGET, None, middle, 100)) == 100

        cost = median_ns(page, repeat)
        print(f"  {size:>7} linked domains: {cost / 1000:8.1f} us")


def bench_wire(repeat: int) -> None:
    """One PUT /v3/ip_pools/{id}/ips/{ip} through parse, decide, render and apply."""
    try:
        from ippools.wire import Request, handle
    except ImportError:  # the wire layer is optional for the core benchmarks
        return
    engine = Engine(MemoryState(build_world(10_000, 1)), Policies(ids=SequenceIds()))
    headers = {
        "X-Mailgun-Account-Id": "acct-0",
        "X-Mailgun-Requestor": "ops@example.com",
        "X-Mailgun-Requestor-Client": "bench",
    }
    put = Request("PUT", f"/v3/ip_pools/{TARGET}/ips/10.200.0.3", headers=headers)
    delete = Request("DELETE", f"/v3/ip_pools/{TARGET}/ips/10.200.0.3", headers=headers)
    samples = []
    gc.collect()
    gc.disable()
    for _ in range(repeat):
        start = time.perf_counter_ns()
        answer = handle(engine, put)
        samples.append(time.perf_counter_ns() - start)
        assert answer.status == 200
        assert handle(engine, delete).status == 200
        engine.settle()
    gc.enable()
    cost = statistics.median(samples)
    print(f"wire PUT /v3/ip_pools/{{id}}/ips/{{ip}} on 10,000 domains: {cost / 1000:.1f} us median")


def main() -> None:
    """Run every benchmark and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    args = parser.parse_args()
    if args.quick:
        bench_one_domain([1_000, 10_000], 200)
        bench_delete([1_000])
        bench_wire(500)
        bench_page([1_000, 10_000], 200)
        return
    bench_one_domain([1_000, 100_000], 2_000)
    bench_delete([1_000, 10_000, 100_000])
    bench_wire(5_000)
    bench_page([1_000, 100_000], 2_000)


if __name__ == "__main__":
    main()
