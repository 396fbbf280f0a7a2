"""Decisions of our own where the contract is silent, each pinned here (see docs/semantics.md)."""

from __future__ import annotations

import ast
from pathlib import Path

from ippools import (
    Accepted,
    Command,
    DeletePool,
    EditPool,
    Rejected,
    RemoveDomainIp,
    RemovePoolIp,
    World,
    world_problems,
)
from ippools.documents import load_scenario
from ippools.replay import replay
from tests.support import POOL_A, POOL_B, account, actor, dedicated, domain, engine, ips, pool

SRC = Path(__file__).resolve().parent.parent / "src" / "ippools"
CORE = [
    "commands.py",
    "engine.py",
    "errors.py",
    "memory.py",
    "model.py",
    "outcome.py",
    "state.py",
    "text.py",
    "world.py",
    *(f"rules/{p.name}" for p in sorted((SRC / "rules").glob("*.py"))),
]
IMPURE = {
    "asyncio",
    "datetime",
    "io",
    "os",
    "pathlib",
    "random",
    "secrets",
    "socket",
    "sqlite3",
    "subprocess",
    "sys",
    "threading",
    "time",
    "urllib",
    "uuid",
}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_imports_no_clock_randomness_or_io() -> None:
    """§6: the models, rules, state and engine import nothing that reads a clock, draws
    randomness or does I/O; only the replaceable default id source (policies) uses secrets."""
    for name in CORE:
        assert _imported_roots(SRC / name) & IMPURE == set(), name
    assert _imported_roots(SRC / "policies.py") & IMPURE == {"secrets"}


def test_3_1_4_equality_with_the_removed_ip_is_judged_before_the_dedicated_check() -> None:
    """3.1.4: a replacement equal to the removed IP is refused as such even when the removed
    IP is a shared IP, which would also fail the "dedicated IP of the account" check."""
    world = World(
        accounts=[account(shared=True)],
        dedicated_ips=[dedicated("198.51.100.1")],
        shared_ips=ips("203.0.113.1"),
        domains=[domain("dom-1", "example.com", ip_texts=["203.0.113.1", "198.51.100.1"])],
    )
    eng = engine(world)
    outcome = eng.execute(RemoveDomainIp(actor(), "example.com", "203.0.113.1", "203.0.113.1"))
    assert isinstance(outcome, Rejected)
    assert (outcome.status, outcome.body) == (
        400,
        {"message": "replacement IP 203.0.113.1 is the IP being removed"},
    )
    assert eng.state.world() == world


def test_k11_warmup_replacement_ip_gets_no_d1_top_up() -> None:
    """K11 with D1: a DIPP deleted with a replacement IP on warmup leaves each linked domain
    holding exactly that IP; the warmup top-up of D1 belongs to 3.1 only."""
    world = World(
        accounts=[account()],
        dedicated_ips=[
            dedicated("198.51.100.1"),
            dedicated("198.51.100.2", warmup=True),
            dedicated("198.51.100.3"),
        ],
        domains=[domain("dom-1", "example.com", ip_texts=["198.51.100.1"], pool=POOL_A)],
        pools=[pool(POOL_A, ip_texts=["198.51.100.1"])],
    )
    eng = engine(world)
    outcome = eng.execute(DeletePool(actor(), POOL_A, replacement_ip="198.51.100.2"))
    assert isinstance(outcome, Accepted)
    assert eng.settle() == 1
    assert eng.state.world() == World(
        accounts=world.accounts,
        dedicated_ips=world.dedicated_ips,
        domains=[domain("dom-1", "example.com", ip_texts=["198.51.100.2"])],
    )


def test_unlinked_domain_keeps_an_ip_that_later_joins_another_dipp() -> None:
    """D9 with I1/I6: a domain unlinked by PATCH keeps its IPs; one of them may later leave
    that DIPP and join another DIPP of the account while the domain still holds it, and the
    settled world is valid."""
    world = World(
        accounts=[account()],
        dedicated_ips=[dedicated("198.51.100.1"), dedicated("198.51.100.2")],
        domains=[
            domain("dom-1", "a.example.com", ip_texts=["198.51.100.1"], pool=POOL_A),
            domain("dom-2", "b.example.com", ip_texts=["198.51.100.2"], pool=POOL_B),
        ],
        pools=[
            pool(POOL_A, ip_texts=["198.51.100.1"]),
            pool(POOL_B, ip_texts=["198.51.100.2"]),
        ],
    )
    eng = engine(world)
    steps: list[Command] = [
        EditPool(actor(), POOL_A, unlink_domains=("dom-1",)),
        RemovePoolIp(actor(), POOL_A, "198.51.100.1"),
        EditPool(actor(), POOL_B, add_ips=("198.51.100.1",)),
    ]
    for command in steps:
        assert isinstance(eng.execute(command), Accepted), command
    eng.settle()
    settled = eng.state.world()
    assert world_problems(settled) == []
    by_id = {d.id: d for d in settled.domains}
    assert (by_id["dom-1"].pool_id, by_id["dom-1"].ips) == (None, ips("198.51.100.1"))
    assert (by_id["dom-2"].pool_id, by_id["dom-2"].ips) == (
        POOL_B,
        ips("198.51.100.1", "198.51.100.2"),
    )


def test_replayer_compares_expect_world_even_with_updates_pending() -> None:
    """K15 (our replayer): ``expect_world`` is compared with the stored world whenever it is
    given, so a scenario ending before its settle is checked against the lagging state."""
    headers = {
        "X-Mailgun-Account-Id": "acct-1",
        "X-Mailgun-Requestor": "ops@example.com",
        "X-Mailgun-Requestor-Client": "cli",
    }
    world = {
        "accounts": [{"id": "acct-1", "dipps": True}],
        "dedicated_ips": [
            {"ip": "198.51.100.1", "account_id": "acct-1"},
            {"ip": "198.51.100.2", "account_id": "acct-1"},
        ],
        "domains": [
            {"id": "dom-1", "name": "a.example.com", "account_id": "acct-1",
             "pool_id": POOL_A, "ips": ["198.51.100.1"]},
        ],
        "pools": [{"pool_id": POOL_A, "account_id": "acct-1", "name": "n", "description": "d",
                   "ips": ["198.51.100.1"]}],
    }  # fmt: skip
    step = {"request": {"method": "PUT", "path": f"/v3/ip_pools/{POOL_A}/ips/198.51.100.2"}}
    doc = {
        "format": "ippools-scenario/1",
        "world": world,
        "defaults": {"headers": headers},
        "steps": [step],
        "expect_world": world,  # the domain still lags; the pool already changed
    }
    result = replay(load_scenario(doc))
    assert result.output.pending == 1
    assert [str(d) for d in result.differences] == [
        "expect_world: world.pools[aaaaaaaaaaaaaaaaaaaaaaaa].ips: "
        'expected ["198.51.100.1"], got ["198.51.100.1", "198.51.100.2"]'
    ]
