"""Durability: the server killed with SIGKILL at random moments of a stream of writes, 50 times.

One client sends writes one after another (creations, IP changes, links, deletions), each
answer compared with a serial replay of the answered writes. A timer kills the server at a
random moment (while a request is decided, committed, answered, or while the worker processes
pending updates). On restart, on the same file and without a world, the worker takes the
pending updates up again by itself, and the settled world must be the replay's: every answered
write present, none applied twice. The one write that was in flight when the server died may
or may not have been committed; it must be all or nothing, so the world is the replay's with
or without it.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from ippools import Account, DedicatedIp, Domain, Engine, MemoryState, Policies, Pool, World
from ippools.wire import Request, handle
from tests.serving import Server, client_for, send, stored, wait_settled, world_file
from tests.support import ip, ips

KILLS = 50
POOL_A = "a" * 24
POOL_B = "b" * 24
HEADERS = {
    "X-Mailgun-Account-Id": "acct-1",
    "X-Mailgun-Requestor": "ops@example.com",
    "X-Mailgun-Requestor-Client": "durability",
}
ADDRESSES = [f"10.1.0.{n}" for n in range(1, 13)]


def start_world() -> World:
    return World(
        accounts=[Account("acct-1", dipps=True)],
        dedicated_ips=[DedicatedIp(ip(a), "acct-1") for a in ADDRESSES],
        domains=[
            Domain("dom-1", "one.example", "acct-1", POOL_A, ips("10.1.0.1", "10.1.0.2")),
            Domain("dom-2", "two.example", "acct-1", POOL_A, ips("10.1.0.1", "10.1.0.2")),
            Domain("dom-3", "three.example", "acct-1", POOL_B, ips("10.1.0.3")),
            Domain("dom-4", "four.example", "acct-1", None, ips("10.1.0.4")),
        ],
        pools=[
            Pool(POOL_A, "acct-1", "a", "first", ips("10.1.0.1", "10.1.0.2")),
            Pool(POOL_B, "acct-1", "b", "second", ips("10.1.0.3")),
        ],
    )


class HandedIds:
    """Hands out the ids the server gave, in the order it gave them."""

    def __init__(self) -> None:
        self.ids: deque[str] = deque()

    def new_pool_id(self, in_use: Callable[[str], bool]) -> str:
        return self.ids.popleft()


def writes(rng: random.Random, created: list[str]) -> Iterator[Request]:
    """An endless stream of writes on the same two DIPPs and four domains, and on the DIPPs
    of ``created`` (ids the caller adds as creations are answered)."""
    for n in range(10**9):
        pool = rng.choice([POOL_A, POOL_B, POOL_A, POOL_B, *created[-2:]])
        address = rng.choice(ADDRESSES)
        kind = rng.randrange(7)
        if kind == 0:
            form = [("name", f"p{n}"), ("description", "made")]
            if rng.random() < 0.5:
                form.append(("ip", rng.choice(ADDRESSES[4:])))
            yield Request("POST", "/v3/ip_pools", headers=HEADERS, form=form)
        elif kind == 1:
            yield Request("PUT", f"/v3/ip_pools/{pool}/ips/{address}", headers=HEADERS)
        elif kind == 2:
            yield Request("DELETE", f"/v3/ip_pools/{pool}/ips/{address}", headers=HEADERS)
        elif kind == 3:
            field = rng.choice(["link_domain", "unlink_domain"])
            form = [(field, f"dom-{rng.randint(1, 4)}"), ("description", f"d{n}")]
            yield Request("PATCH", f"/v3/ip_pools/{pool}", headers=HEADERS, form=form)
        elif kind == 4:
            yield Request("DELETE", f"/v3/domains/four.example/ips/{address}", headers=HEADERS)
        elif kind == 5 and created:
            query = [("pool_id", rng.choice([POOL_A, POOL_B]))]
            yield Request("DELETE", f"/v3/ip_pools/{pool}", headers=HEADERS, query=query)
        else:
            form = [("name", f"n{n}")]
            yield Request("PATCH", f"/v3/ip_pools/{pool}", headers=HEADERS, form=form)


def by_name(pool_name: str, world: World) -> list[str]:
    return [p.pool_id for p in world.pools if p.name == pool_name]


def settled(eng: Engine[MemoryState]) -> World:
    """The engine's world after a full settle (which changes no later answer, S1)."""
    eng.settle()
    return eng.state.world()


def test_acknowledged_writes_survive_sigkill_exactly_once(tmp_path: Path) -> None:
    rng = random.Random(20240611)
    db = str(tmp_path / "pools.db")
    args = ("--trust-headers", "--db", db, "--settle-delay", "0", "--no-access-log")
    created: list[str] = []
    stream = writes(rng, created)
    ids = HandedIds()
    live = Engine(MemoryState(start_world()), Policies(ids=ids))
    in_flight: Request | None = None
    answered = 0
    seed = str(world_file(tmp_path, start_world()))
    with Server(*args, "--world", seed, fork=True) as server:
        for cycle in range(KILLS + 1):
            with client_for(server.url, timeout=30) as client:
                wait_settled(client)
                world = stored(client)[0]
                if in_flight is not None and world != settled(live):
                    # The write in flight at the kill was committed: all of it, once.
                    if in_flight.method == "POST":
                        [pool_id] = by_name(dict(in_flight.form)["name"], world)
                        ids.ids.append(pool_id)
                        created.append(pool_id)
                    handle(live, in_flight)
                assert world == settled(live), f"after kill {cycle}"
                if cycle == KILLS:
                    break
                timer = threading.Timer(rng.uniform(0.0, 0.15), server.kill)
                timer.start()
                in_flight = None
                while in_flight is None:
                    request = next(stream)
                    try:
                        answer = send(client, request)
                    except httpx.TransportError:
                        in_flight = request
                        break
                    pool_id = answer.json().get("pool_id")
                    if pool_id is not None:
                        ids.ids.append(pool_id)
                        created.append(pool_id)
                    expected = handle(live, request)
                    assert (answer.status_code, answer.json()) == (expected.status, expected.body)
                    answered += 1
                timer.join()
            server.restart(*args)
        assert server.stop() == 0
    assert answered > KILLS
