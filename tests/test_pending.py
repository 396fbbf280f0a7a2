"""Asynchronous work: sequential semantics, the effective state, and pending updates (S1-S5)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from ippools import (
    AddPoolIp,
    AddPoolIps,
    Changes,
    Command,
    CreatePool,
    DeletePool,
    DomainUpdate,
    EditPool,
    Engine,
    GetPool,
    MemoryState,
    PendingUpdate,
    RemoveDomainIp,
    RemoveDomainPool,
    RemovePoolIp,
    SubaccountUpdate,
    UnlinkDomainPool,
    World,
    world_problems,
)
from tests.support import (
    NEW_IDS,
    POOL_A,
    POOL_B,
    POOL_C,
    STARTED,
    SUCCESS,
    accept,
    account,
    actor,
    dedicated,
    domain,
    effective,
    engine,
    ip,
    ips,
    net,
    pool,
    pool_details,
    reject,
    stored,
)

Answer = tuple[int, dict[str, Any]]


def details(pool_id: str, ip_list: Sequence[str], linked: Sequence[str]) -> Answer:
    """The exact 3.5 answer for a DIPP built with the default name and description."""
    return (200, pool_details(pool_id, ip_list, linked))


def error(status: int, message: str) -> Answer:
    """An exact error answer (C4)."""
    return (status, {"message": message})


def last_ip(pool_id: str, text: str) -> str:
    """D10: the message refusing to remove the last IP of a linked or delegated DIPP."""
    return (
        f"IP {text} is the last IP of DIPP {pool_id!r}, "
        "which is linked to a domain or delegated to a subaccount"
    )


def last_ip_error(pool_id: str, text: str) -> Answer:
    """D10: the answer (400) to removing the last IP of a linked or delegated DIPP."""
    return error(400, last_ip(pool_id, text))


def fully_settled(eng: Engine[MemoryState]) -> World:
    """Settle and return the stored world, checking that it is what the effective world was."""
    expected = eng.state.effective_world()
    eng.settle()
    assert eng.state.pending == ()
    assert eng.state.world() == expected == eng.state.effective_world()
    assert world_problems(eng.state.world()) == []
    return eng.state.world()


# -- S1: sequential semantics ----------------------------------------------------------

Step = tuple[Command, Answer]
Schedule = Sequence[int | None]

SCHEDULES: dict[str, Schedule] = {
    "settle-after-each": [None],
    "settle-at-end": [0],
    "one-after-each": [1],
    "mixed": [0, 2, None, 1, 0, 0, 3],
}


def run_sequence(world: World, steps: Sequence[Step], schedule: Schedule) -> World:
    """Run ``steps`` processing ``schedule[i]`` updates after step i (None: settle).

    Checks every answer exactly and the invariants of the effective state at every
    moment; returns the world after a final settle.
    """
    eng = engine(world)
    for index, (command, answer) in enumerate(steps):
        outcome = eng.execute(command)
        assert (outcome.status, outcome.body) == answer, (index, command)
        assert world_problems(eng.state.effective_world()) == []
        eng.process(schedule[index % len(schedule)])
        assert world_problems(eng.state.effective_world()) == []
    return fully_settled(eng)


def sequence_edit_then_read() -> tuple[World, list[Step], World]:
    """IP edits of a linked DIPP, each followed by reads that must see them."""
    world = World(
        accounts=[account()],
        dedicated_ips=[dedicated(net(n)) for n in (1, 2, 3, 4)],
        domains=[
            domain("dom-1", "a.example", ip_texts=[net(1)], pool=POOL_A),
            domain("dom-2", "b.example", ip_texts=[net(1)], pool=POOL_A),
            domain("dom-3", "c.example", ip_texts=[net(4)]),
        ],
        pools=[pool(POOL_A, ip_texts=[net(1)])],
    )
    me = actor()
    steps: list[Step] = [
        (AddPoolIp(me, POOL_A, net(2)), (200, STARTED)),
        (RemovePoolIp(me, POOL_A, net(1)), (200, STARTED)),
        (GetPool(me, POOL_A), details(POOL_A, [net(2)], ["a.example", "b.example"])),
        (
            EditPool(
                me, POOL_A, add_ips=(net(3),), remove_ips=(net(2),), link_domain_ids=("dom-3",)
            ),
            (200, SUCCESS),
        ),
        (
            RemoveDomainIp(me, "c.example", net(4)),
            error(
                400,
                f"domain 'c.example' is linked to DIPP {POOL_A!r}; its IPs are managed by the DIPP",
            ),
        ),
        (GetPool(me, POOL_A), details(POOL_A, [net(3)], ["a.example", "b.example", "c.example"])),
        (RemovePoolIp(me, POOL_A, net(3)), last_ip_error(POOL_A, net(3))),
        (RemoveDomainPool(me, "b.example"), (200, SUCCESS)),
        (GetPool(me, POOL_A), details(POOL_A, [net(3)], ["a.example", "c.example"])),
    ]
    settled = World(
        accounts=[account()],
        dedicated_ips=[dedicated(net(n)) for n in (1, 2, 3, 4)],
        domains=[
            domain("dom-1", "a.example", ip_texts=[net(3)], pool=POOL_A),
            domain("dom-3", "c.example", ip_texts=[net(3)], pool=POOL_A),
        ],
        pools=[pool(POOL_A, ip_texts=[net(3)])],
    )
    return world, steps, settled


def sequence_delete_then_edit_replacement() -> tuple[World, list[Step], World]:
    """A DIPP deleted with a replacement DIPP, then the replacement edited and a domain moved."""
    world = World(
        accounts=[account()],
        dedicated_ips=[dedicated(net(n)) for n in (1, 2, 3, 4)],
        domains=[
            domain("dom-1", "a.example", ip_texts=[net(1)], pool=POOL_A),
            domain("dom-2", "b.example", ip_texts=[net(2)], pool=POOL_B),
            domain("dom-3", "c.example", ip_texts=[net(4)]),
        ],
        pools=[pool(POOL_A, ip_texts=[net(1)]), pool(POOL_B, ip_texts=[net(2)])],
    )
    me = actor()
    steps: list[Step] = [
        (DeletePool(me, POOL_A, replacement_pool_id=POOL_B), (200, STARTED)),
        (RemovePoolIp(me, POOL_B, net(2)), last_ip_error(POOL_B, net(2))),
        (AddPoolIp(me, POOL_B, net(3)), (200, STARTED)),
        (EditPool(me, POOL_B, remove_ips=(net(2),)), (200, SUCCESS)),
        (GetPool(me, POOL_B), details(POOL_B, [net(3)], ["a.example", "b.example"])),
        (GetPool(me, POOL_A), error(404, f"DIPP {POOL_A!r} not found")),
        (EditPool(me, POOL_B, unlink_domain_ids=("dom-1",)), (200, SUCCESS)),
        (AddPoolIp(me, POOL_B, net(4)), (200, STARTED)),
        (RemoveDomainIp(me, "a.example", net(3), replacement_ip=net(1)), (200, SUCCESS)),
        (GetPool(me, POOL_B), details(POOL_B, [net(3), net(4)], ["b.example"])),
    ]
    settled = World(
        accounts=[account()],
        dedicated_ips=[dedicated(net(n)) for n in (1, 2, 3, 4)],
        domains=[
            domain("dom-1", "a.example", ip_texts=[net(1)]),
            domain("dom-2", "b.example", ip_texts=[net(3), net(4)], pool=POOL_B),
            domain("dom-3", "c.example", ip_texts=[net(4)]),
        ],
        pools=[pool(POOL_B, ip_texts=[net(3), net(4)])],
    )
    return world, steps, settled


def chain_accounts() -> list[Any]:
    """acct-1 and its two subaccounts."""
    return [
        account("acct-1"),
        account("sub-1", parent="acct-1"),
        account("sub-2", parent="acct-1"),
    ]


def chain_ips() -> list[Any]:
    """Four dedicated IPs of acct-1 and one of sub-1."""
    return [*(dedicated(net(n)) for n in (1, 2, 3, 4)), dedicated(net(11), "sub-1")]


def sequence_chain_with_subaccounts() -> tuple[World, list[Step], World]:
    """Deletions P1 -> P2 -> P3, each delegated to a subaccount with linked domains."""
    world = World(
        accounts=chain_accounts(),
        dedicated_ips=chain_ips(),
        domains=[
            domain("own", "own.example", ip_texts=[net(1)], pool=POOL_A),
            domain("s1", "s1.example", "sub-1", ip_texts=[net(1)], pool=POOL_A),
            domain("s1b", "s1b.example", "sub-1", ip_texts=[net(11)]),
            domain("s2", "s2.example", "sub-2", ip_texts=[net(2)], pool=POOL_B),
        ],
        pools=[
            pool(POOL_A, ip_texts=[net(1)], delegated_to=["sub-1"]),
            pool(POOL_B, ip_texts=[net(2)], delegated_to=["sub-2"]),
            pool(POOL_C, ip_texts=[net(3)]),
        ],
    )
    me, sub1, sub2 = actor(), actor("sub-1"), actor("sub-2")
    steps: list[Step] = [
        (DeletePool(me, POOL_A, replacement_pool_id=POOL_B), (200, STARTED)),
        (GetPool(sub1, POOL_B), details(POOL_B, [net(2)], ["s1.example"])),
        (DeletePool(me, POOL_B, replacement_pool_id=POOL_C), (200, STARTED)),
        (AddPoolIp(me, POOL_C, net(4)), (200, STARTED)),
        (
            GetPool(me, POOL_C),
            details(POOL_C, [net(3), net(4)], ["own.example", "s1.example", "s2.example"]),
        ),
        (GetPool(sub2, POOL_C), details(POOL_C, [net(3), net(4)], ["s2.example"])),
        (UnlinkDomainPool(sub1, "s1.example", replacement_ip=net(11)), (200, SUCCESS)),
        (RemovePoolIp(me, POOL_C, net(3)), (200, STARTED)),
        (
            DeletePool(me, POOL_C, replacement_ip=net(3)),
            error(
                400,
                f"DIPP {POOL_C!r} is delegated to subaccounts; "
                "only a replacement DIPP (pool_id) is allowed",
            ),
        ),
        (GetPool(sub1, POOL_C), details(POOL_C, [net(4)], [])),
    ]
    settled = World(
        accounts=chain_accounts(),
        dedicated_ips=chain_ips(),
        domains=[
            domain("own", "own.example", ip_texts=[net(4)], pool=POOL_C),
            domain("s1", "s1.example", "sub-1", ip_texts=[net(11)]),
            domain("s1b", "s1b.example", "sub-1", ip_texts=[net(11)]),
            domain("s2", "s2.example", "sub-2", ip_texts=[net(4)], pool=POOL_C),
        ],
        pools=[pool(POOL_C, ip_texts=[net(4)], delegated_to=["sub-1", "sub-2"])],
    )
    return world, steps, settled


SEQUENCES = {
    "edit-then-read": sequence_edit_then_read,
    "delete-then-edit-replacement": sequence_delete_then_edit_replacement,
    "chain-with-subaccounts": sequence_chain_with_subaccounts,
}


@pytest.mark.parametrize("schedule", SCHEDULES.values(), ids=SCHEDULES.keys())
@pytest.mark.parametrize("sequence", SEQUENCES.values(), ids=SEQUENCES.keys())
def test_s1_answers_and_settled_world_do_not_depend_on_processing(
    sequence: Any, schedule: Schedule
) -> None:
    """S1: settling after every command, partially, or only at the end gives the same answers
    and the same settled world; the effective state keeps I1-I7 at every moment (§4).
    """
    world, steps, settled = sequence()
    assert run_sequence(world, steps, schedule) == settled


@pytest.mark.parametrize("sequence", SEQUENCES.values(), ids=SEQUENCES.keys())
def test_s1_partial_processing_changes_only_the_stored_world_and_pending_count(
    sequence: Any,
) -> None:
    """S1, K15: without settling, the stored world lags while the effective world is final."""
    world, steps, settled = sequence()
    eng = engine(world)
    for command, answer in steps:
        outcome = eng.execute(command)
        assert (outcome.status, outcome.body) == answer
    assert eng.state.pending_count > 0
    assert eng.state.effective_world() == settled
    assert eng.state.world() != settled
    count = eng.state.pending_count
    assert eng.process(1) == 1
    assert eng.state.pending_count == count - 1
    assert eng.state.effective_world() == settled
    assert eng.settle() == count - 1
    assert eng.state.world() == settled


# -- S2: the effective state ----------------------------------------------------------------


def two_pools_world() -> World:
    """DIPP A linked to one domain, DIPP B linked to none and delegated to nobody."""
    return World(
        accounts=[account()],
        dedicated_ips=[dedicated(net(n)) for n in (1, 2, 3)],
        domains=[domain("dom-1", "a.example", ip_texts=[net(1)], pool=POOL_A)],
        pools=[pool(POOL_A, ip_texts=[net(1)]), pool(POOL_B, ip_texts=[net(2)])],
    )


def test_s2_domains_of_a_deleted_pool_count_as_linked_to_the_replacement_at_once() -> None:
    """S2 (the contract's example), D10: after A is deleted with replacement B, B counts as
    linked, so emptying B is refused before anything is settled.
    """
    eng = engine(two_pools_world())
    outcome = accept(eng, DeletePool(actor(), POOL_A, replacement_pool_id=POOL_B), STARTED)
    assert outcome.pending == (DomainUpdate("dom-1"),)
    reject(eng, RemovePoolIp(actor(), POOL_B, net(2)), 400, last_ip(POOL_B, net(2)))
    reject(
        eng,
        EditPool(actor(), POOL_B, remove_ips=(net(2),)),
        400,
        f"DIPP {POOL_B!r} would have no IPs while linked to a domain or delegated to a subaccount",
    )
    assert stored(eng, "dom-1") == domain("dom-1", "a.example", ip_texts=[net(1)], pool=POOL_A)


def test_s2_replacement_counts_as_delegated_to_the_deleted_pools_subaccounts_at_once() -> None:
    """S2 (the contract's example), D6, D10: the replacement is delegated at once, so the
    subaccount sees it, cannot change it, and it cannot be emptied or replaced by an IP.
    """
    world = World(
        accounts=[account(), account("sub-1", parent="acct-1")],
        dedicated_ips=[dedicated(net(n)) for n in (1, 2, 3)],
        pools=[
            pool(POOL_A, ip_texts=[net(1)], delegated_to=["sub-1"]),
            pool(POOL_B, ip_texts=[net(2)]),
        ],
    )
    eng = engine(world)
    outcome = accept(eng, DeletePool(actor(), POOL_A, replacement_pool_id=POOL_B), STARTED)
    assert outcome.changes.pools == (pool(POOL_B, ip_texts=[net(2)], delegated_to=["sub-1"]),)
    assert outcome.pending == (SubaccountUpdate("sub-1", POOL_A),)
    replacement = eng.state.pool(POOL_B)
    assert replacement is not None
    assert replacement.delegated_to == frozenset({"sub-1"})
    reading = eng.execute(GetPool(actor("sub-1"), POOL_B))
    assert (reading.status, reading.body) == details(POOL_B, [net(2)], [])
    reject(
        eng,
        AddPoolIp(actor("sub-1"), POOL_B, net(3)),
        403,
        f"DIPP {POOL_B!r} is inherited from the parent account and cannot be changed",
    )
    reject(eng, RemovePoolIp(actor(), POOL_B, net(2)), 400, last_ip(POOL_B, net(2)))
    reject(
        eng,
        DeletePool(actor(), POOL_B, replacement_ip=net(3)),
        400,
        f"DIPP {POOL_B!r} is delegated to subaccounts; "
        "only a replacement DIPP (pool_id) is allowed",
    )


def test_s2_reads_see_linked_domains_and_ips_of_a_deletion_before_settle() -> None:
    """S2, 3.5: is_linked, linked_domains and a domain's IPs are read in the effective state."""
    eng = engine(two_pools_world())
    accept(eng, DeletePool(actor(), POOL_A, replacement_pool_id=POOL_B), STARTED)
    reading = eng.execute(GetPool(actor(), POOL_B))
    assert (reading.status, reading.body) == details(POOL_B, [net(2)], ["a.example"])
    moved = domain("dom-1", "a.example", ip_texts=[net(2)], pool=POOL_B)
    assert effective(eng, "dom-1") == moved
    assert eng.state.domain_named("A.EXAMPLE.") == moved
    assert eng.state.linked_domains(POOL_B) == [moved]
    assert eng.state.linked_domains(POOL_A) == []
    assert stored(eng, "dom-1") == domain("dom-1", "a.example", ip_texts=[net(1)], pool=POOL_A)


def test_s2_reads_see_ip_changes_and_link_changes_before_settle() -> None:
    """S2, 3.7.7: after an edit, reads show the DIPP's new IPs on linked domains at once."""
    world = World(
        accounts=[account()],
        dedicated_ips=[dedicated(net(n)) for n in (1, 2, 3)],
        domains=[
            domain("dom-1", "a.example", ip_texts=[net(1)], pool=POOL_A),
            domain("dom-2", "b.example", ip_texts=[net(3)]),
        ],
        pools=[pool(POOL_A, ip_texts=[net(1)])],
    )
    eng = engine(world)
    accept(eng, AddPoolIp(actor(), POOL_A, net(2)), STARTED)
    accept(eng, EditPool(actor(), POOL_A, link_domain_ids=("dom-2",)), SUCCESS)
    assert effective(eng, "dom-1").ips == ips(net(1), net(2))
    assert effective(eng, "dom-2") == domain(
        "dom-2", "b.example", ip_texts=[net(1), net(2)], pool=POOL_A
    )
    assert stored(eng, "dom-1").ips == ips(net(1))
    assert stored(eng, "dom-2").ips == ips(net(3))
    reading = eng.execute(GetPool(actor(), POOL_A))
    assert (reading.status, reading.body) == details(
        POOL_A, [net(1), net(2)], ["a.example", "b.example"]
    )
    accept(eng, EditPool(actor(), POOL_A, unlink_domain_ids=("dom-1",)), SUCCESS)
    reading = eng.execute(GetPool(actor(), POOL_A))
    assert (reading.status, reading.body) == details(POOL_A, [net(1), net(2)], ["b.example"])
    assert effective(eng, "dom-1") == domain("dom-1", "a.example", ip_texts=[net(1), net(2)])


def test_s2_domain_unlinked_by_a_deletion_is_unlinked_at_once() -> None:
    """S2, K11: after a deletion with an IP replacement the domain is unlinked, holding the IP,
    and the deleted DIPP's IPs are free at once.
    """
    eng = engine(two_pools_world())
    accept(eng, DeletePool(actor(), POOL_A, replacement_ip=net(3)), STARTED)
    assert effective(eng, "dom-1") == domain("dom-1", "a.example", ip_texts=[net(3)])
    assert eng.state.pool_holding(ip(net(1))) is None
    accept(
        eng, CreatePool(actor(), "n", "d", (net(1),)), {"message": "success", "pool_id": NEW_IDS[0]}
    )
    reject(
        eng,
        UnlinkDomainPool(actor(), "a.example", replacement_pool_id=POOL_B),
        400,
        "domain 'a.example' is not linked to a DIPP",
    )


# -- S3: synchronous commands on domains with pending work -----------------------------


def s3_world() -> World:
    """DIPP A linked to two domains; DIPP B; free IPs 3 and 4 of the same account."""
    return World(
        accounts=[account()],
        dedicated_ips=[dedicated(net(n)) for n in (1, 2, 3, 4, 5)],
        domains=[
            domain("dom-1", "a.example", ip_texts=[net(1)], pool=POOL_A),
            domain("dom-2", "b.example", ip_texts=[net(1)], pool=POOL_A),
            domain("dom-3", "c.example", ip_texts=[net(4)]),
        ],
        pools=[pool(POOL_A, ip_texts=[net(1)]), pool(POOL_B, ip_texts=[net(5)])],
    )


def test_s3_remove_domain_ip_acts_on_effective_state_and_is_not_undone() -> None:
    """S3, 3.1: a domain unlinked by a pending deletion loses its replacement IP now, and the
    stale update does not bring the old IP back.
    """
    eng = engine(s3_world())
    accept(eng, DeletePool(actor(), POOL_A, replacement_ip=net(3)), STARTED)
    assert eng.state.pending == (DomainUpdate("dom-1"), DomainUpdate("dom-2"))
    outcome = accept(
        eng, RemoveDomainIp(actor(), "a.example", net(3), replacement_ip=net(2)), SUCCESS
    )
    assert outcome.pending == ()
    after = domain("dom-1", "a.example", ip_texts=[net(2)])
    assert stored(eng, "dom-1") == after
    assert eng.state.pending == (DomainUpdate("dom-1"), DomainUpdate("dom-2"))
    assert eng.settle() == 2
    assert stored(eng, "dom-1") == after
    assert stored(eng, "dom-2") == domain("dom-2", "b.example", ip_texts=[net(3)])


def test_s3_unlink_domain_pool_acts_on_effective_state_and_is_not_undone() -> None:
    """S3, 3.3, K9: a domain with a pending IP change is unlinked now; the update keeps away."""
    eng = engine(s3_world())
    accept(eng, AddPoolIp(actor(), POOL_A, net(2)), STARTED)
    accept(eng, UnlinkDomainPool(actor(), "a.example", replacement_ip=net(2)), SUCCESS)
    accept(eng, UnlinkDomainPool(actor(), "b.example", replacement_pool_id=POOL_B), SUCCESS)
    assert eng.state.pending == (DomainUpdate("dom-1"), DomainUpdate("dom-2"))
    assert eng.settle() == 2
    assert stored(eng, "dom-1") == domain("dom-1", "a.example", ip_texts=[net(2)])
    assert stored(eng, "dom-2") == domain("dom-2", "b.example", ip_texts=[net(5)], pool=POOL_B)
    assert world_problems(eng.state.world()) == []


def test_s3_unlink_of_a_newly_linked_domain_is_not_undone() -> None:
    """S3, 3.3: a domain linked by an edit but not yet settled can be unlinked at once."""
    eng = engine(s3_world())
    accept(eng, EditPool(actor(), POOL_A, link_domain_ids=("dom-3",)), SUCCESS)
    assert stored(eng, "dom-3") == domain("dom-3", "c.example", ip_texts=[net(4)], pool=POOL_A)
    accept(eng, UnlinkDomainPool(actor(), "c.example", replacement_ip=net(4)), SUCCESS)
    assert eng.settle() == 1
    assert stored(eng, "dom-3") == domain("dom-3", "c.example", ip_texts=[net(4)])


def test_s3_patch_unlink_keeps_effective_ips_and_is_not_undone() -> None:
    """S3, D9, K10: a domain unlinked by PATCH keeps the DIPP's IPs as they are before the
    edit (pending IPs included), and the stale update does not relink it.
    """
    eng = engine(s3_world())
    accept(eng, AddPoolIp(actor(), POOL_A, net(2)), STARTED)
    outcome = accept(
        eng,
        EditPool(actor(), POOL_A, remove_ips=(net(1),), unlink_domain_ids=("dom-1",)),
        SUCCESS,
    )
    assert outcome.pending == (DomainUpdate("dom-2"),)
    kept = domain("dom-1", "a.example", ip_texts=[net(1), net(2)])
    assert stored(eng, "dom-1") == kept
    assert eng.state.pending == (
        DomainUpdate("dom-1"),
        DomainUpdate("dom-2"),
        DomainUpdate("dom-2"),
    )
    assert eng.settle() == 3
    assert stored(eng, "dom-1") == kept
    assert stored(eng, "dom-2") == domain("dom-2", "b.example", ip_texts=[net(2)], pool=POOL_A)


# -- S4: what each command leaves pending ------------------------------------------------


def s4_world() -> World:
    """DIPP A linked to two domains of acct-1 and one of sub-9, delegated to sub-9 and sub-10.

    sub-10 has no domain linked to A. B and C are linked to other domains of acct-1.
    """
    return World(
        accounts=[
            account("acct-1", shared=True),
            account("sub-10", parent="acct-1"),
            account("sub-9", parent="acct-1"),
        ],
        dedicated_ips=[
            *(dedicated(net(n)) for n in range(1, 8)),
            dedicated(net(50), "sub-10"),
            dedicated(net(90), "sub-9"),
        ],
        shared_ips=[ip("203.0.113.1")],
        domains=[
            domain("dom-2", "d2.example", ip_texts=[net(1), net(7)], pool=POOL_A),
            domain("dom-1", "d1.example", ip_texts=[net(1), net(7)], pool=POOL_A),
            domain("dom-s", "s9.example", "sub-9", ip_texts=[net(1), net(7)], pool=POOL_A),
            domain("dom-t", "t10.example", "sub-10", ip_texts=[net(50)]),
            domain("dom-3", "d3.example", ip_texts=[net(3)]),
            domain("dom-4", "d4.example", ip_texts=[net(2)], pool=POOL_B),
            domain("dom-5", "d5.example", ip_texts=[net(6)], pool=POOL_C),
            domain("dom-6", "d6.example", ip_texts=[net(6)], pool=POOL_C),
        ],
        pools=[
            pool(POOL_A, ip_texts=[net(1), net(7)], delegated_to=["sub-10", "sub-9"]),
            pool(POOL_B, ip_texts=[net(2)]),
            pool(POOL_C, ip_texts=[net(6)]),
        ],
    )


SUBS_A: tuple[PendingUpdate, ...] = (
    SubaccountUpdate("sub-10", POOL_A),
    SubaccountUpdate("sub-9", POOL_A),
)
FOLLOW_A: tuple[PendingUpdate, ...] = (DomainUpdate("dom-1"), DomainUpdate("dom-2"), *SUBS_A)


def leaves(command: Command, expected: tuple[PendingUpdate, ...], body: dict[str, Any]) -> None:
    """On a fresh S4 world the command is accepted with ``body`` and leaves exactly ``expected``."""
    eng = engine(s4_world())
    outcome = accept(eng, command, body)
    assert outcome.pending == expected
    assert eng.state.pending == expected
    assert eng.state.pending_count == len(expected)


S4_CASES: dict[str, tuple[Command, tuple[PendingUpdate, ...], dict[str, Any]]] = {
    "3.6-pool_id": (DeletePool(actor(), POOL_A, replacement_pool_id=POOL_B), FOLLOW_A, STARTED),
    "3.6-ip": (
        DeletePool(actor(), POOL_C, replacement_ip=net(4)),
        (DomainUpdate("dom-5"), DomainUpdate("dom-6")),
        STARTED,
    ),
    "3.6-shared": (
        DeletePool(actor(), POOL_C, replacement_ip="shared"),
        (DomainUpdate("dom-5"), DomainUpdate("dom-6")),
        STARTED,
    ),
    "3.7-add_ip": (EditPool(actor(), POOL_A, add_ips=(net(5),)), FOLLOW_A, SUCCESS),
    "3.7-remove_ip": (EditPool(actor(), POOL_A, remove_ips=(net(7),)), FOLLOW_A, SUCCESS),
    "3.7-link-moved-domain-with-ip-change": (
        EditPool(actor(), POOL_A, add_ips=(net(5),), link_domain_ids=("dom-4",)),
        (DomainUpdate("dom-1"), DomainUpdate("dom-2"), DomainUpdate("dom-4"), *SUBS_A),
        SUCCESS,
    ),
    "3.7-link-only": (
        EditPool(actor(), POOL_A, link_domain_ids=("dom-3",)),
        (DomainUpdate("dom-3"),),
        SUCCESS,
    ),
    "3.7-unlink-with-ip-change": (
        EditPool(actor(), POOL_A, add_ips=(net(5),), unlink_domain_ids=("dom-1",)),
        (DomainUpdate("dom-2"), *SUBS_A),
        SUCCESS,
    ),
    "3.7-unlink-only": (EditPool(actor(), POOL_A, unlink_domain_ids=("dom-2",)), (), SUCCESS),
    "3.7-name-only": (EditPool(actor(), POOL_A, name="renamed"), (), SUCCESS),
    "3.7-relink-already-linked": (
        EditPool(actor(), POOL_A, description="new", link_domain_ids=("dom-1",)),
        (),
        SUCCESS,
    ),
    "3.8": (AddPoolIp(actor(), POOL_A, net(5)), FOLLOW_A, STARTED),
    "3.8-already-in": (AddPoolIp(actor(), POOL_A, net(7)), (), STARTED),
    "3.9": (RemovePoolIp(actor(), POOL_A, net(1)), FOLLOW_A, STARTED),
    "3.10": (AddPoolIps(actor(), POOL_A, {"ips": [net(5), net(4), net(5)]}), FOLLOW_A, STARTED),
    "3.10-all-already-in": (AddPoolIps(actor(), POOL_A, {"ips": [net(1), net(7)]}), (), STARTED),
    "3.1": (RemoveDomainIp(actor(), "d3.example", net(3), replacement_ip=net(4)), (), SUCCESS),
    "3.1-shared": (RemoveDomainIp(actor(), "d3.example", net(3), "shared"), (), SUCCESS),
    "3.2-linked-domain": (RemoveDomainPool(actor(), "d1.example"), (), SUCCESS),
    "3.3-pool_id": (
        UnlinkDomainPool(actor(), "d2.example", replacement_pool_id=POOL_B),
        (),
        SUCCESS,
    ),
    "3.3-ip": (UnlinkDomainPool(actor(), "d2.example", replacement_ip=net(4)), (), SUCCESS),
    "3.3-subaccount": (UnlinkDomainPool(actor("sub-9"), "s9.example", net(90)), (), SUCCESS),
    "3.4": (
        CreatePool(actor(), "n", "d", (net(4),)),
        (),
        {"message": "success", "pool_id": NEW_IDS[0]},
    ),
}


@pytest.mark.parametrize("case", S4_CASES.values(), ids=S4_CASES.keys())
def test_s4_each_route_leaves_exactly_these_updates_in_this_order(
    case: tuple[Command, tuple[PendingUpdate, ...], dict[str, Any]],
) -> None:
    """S4, D11: domain updates for the acting account's affected domains by id, then
    subaccount updates by account id (sub-10 with no linked domain included, no domain update
    for sub-9's domain); PATCH adds newly linked domains once, none for unlinked ones;
    3.1-3.4 and changes of nothing leave nothing.
    """
    command, expected, body = case
    leaves(command, expected, body)


def test_s4_updates_are_not_merged_with_queued_ones() -> None:
    """S4: the same domain or subaccount queued twice stays queued twice, in command order."""
    eng = engine(s4_world())
    accept(eng, AddPoolIp(actor(), POOL_A, net(5)), STARTED)
    accept(eng, AddPoolIp(actor(), POOL_A, net(4)), STARTED)
    accept(eng, EditPool(actor(), POOL_A, link_domain_ids=("dom-3",)), SUCCESS)
    assert eng.state.pending == (*FOLLOW_A, *FOLLOW_A, DomainUpdate("dom-3"))
    assert eng.settle() == 9


def test_s4_edit_of_a_replacement_pool_follows_its_effective_links_and_delegations() -> None:
    """S4, S2: after A is deleted into B, an IP change of B updates A's former domains and
    subaccounts too (effectively linked and delegated), in id order.
    """
    eng = engine(s4_world())
    accept(eng, DeletePool(actor(), POOL_A, replacement_pool_id=POOL_B), STARTED)
    outcome = accept(eng, AddPoolIp(actor(), POOL_B, net(5)), STARTED)
    assert outcome.pending == (
        DomainUpdate("dom-1"),
        DomainUpdate("dom-2"),
        DomainUpdate("dom-4"),
        SubaccountUpdate("sub-10", POOL_B),
        SubaccountUpdate("sub-9", POOL_B),
    )
    assert eng.state.pending == (*FOLLOW_A, *outcome.pending)


# -- S5: processing -----------------------------------------------------------------


def test_s5_processes_oldest_first_and_at_most_n() -> None:
    """S5, §7: process(n) takes the oldest updates first, at most n, and returns the count."""
    eng = engine(s4_world())
    accept(eng, AddPoolIp(actor(), POOL_A, net(5)), STARTED)
    accept(eng, AddPoolIp(actor(), POOL_B, net(4)), STARTED)
    queue = (*FOLLOW_A, DomainUpdate("dom-4"))
    assert eng.state.pending == queue
    old, new = ips(net(1), net(7)), ips(net(1), net(5), net(7))
    assert eng.process(0) == 0
    assert eng.state.pending == queue
    assert eng.process(1) == 1
    assert eng.state.pending == queue[1:]
    assert (stored(eng, "dom-1").ips, stored(eng, "dom-2").ips) == (new, old)
    assert eng.process(3) == 3
    assert eng.state.pending == (DomainUpdate("dom-4"),)
    assert (stored(eng, "dom-2").ips, stored(eng, "dom-s").ips) == (new, new)
    assert stored(eng, "dom-4").ips == ips(net(2))
    assert eng.process(10) == 1
    assert eng.state.pending_count == 0
    assert stored(eng, "dom-4").ips == ips(net(2), net(4))
    assert eng.process(5) == 0
    assert eng.settle() == 0


@pytest.mark.parametrize(
    ("limit", "error", "message"),
    [
        ("x", TypeError, "limit must be an int or None, got 'x'"),
        (2.0, TypeError, "limit must be an int or None, got 2.0"),
        (False, TypeError, "limit must be an int or None, got False"),
        (-1, ValueError, "limit must be at least 0, got -1"),
    ],
)
def test_s5_process_refuses_a_limit_that_is_not_a_count(
    limit: Any, error: type[Exception], message: str
) -> None:
    """process("x") or process(-1) raises naming the limit, instead of quietly processing
    nothing; the queue is left as it was."""
    eng = engine(s4_world())
    accept(eng, AddPoolIp(actor(), POOL_A, net(5)), STARTED)
    for process in (eng.process, eng.state.process):
        with pytest.raises(error) as caught:
            process(limit)
        assert str(caught.value) == message
    assert eng.state.pending == FOLLOW_A


def test_s5_processing_an_update_twice_equals_once() -> None:
    """S5: running the same update again changes nothing more; run_update leaves the queue."""
    once, twice = engine(s4_world()), engine(s4_world())
    for eng in (once, twice):
        accept(eng, AddPoolIp(actor(), POOL_A, net(5)), STARTED)
    for update in (DomainUpdate("dom-1"), SubaccountUpdate("sub-9", POOL_A)):
        once.state.run_update(update)
        twice.state.run_update(update)
        twice.state.run_update(update)
    assert twice.state.world() == once.state.world()
    assert stored(twice, "dom-1").ips == ips(net(1), net(5), net(7))
    assert stored(twice, "dom-s").ips == ips(net(1), net(5), net(7))
    assert stored(twice, "dom-2").ips == ips(net(1), net(7))
    assert twice.state.pending == FOLLOW_A
    assert twice.settle() == 4
    assert once.settle() == 4
    assert twice.state.world() == once.state.world() == once.state.effective_world()


def test_s5_update_of_a_removed_domain_still_counts() -> None:
    """S5, 3.2: an update whose domain no longer exists is processed and counted."""
    eng = engine(s4_world())
    accept(eng, AddPoolIp(actor(), POOL_A, net(5)), STARTED)
    accept(eng, RemoveDomainPool(actor(), "d1.example"), SUCCESS)
    assert eng.state.pending == FOLLOW_A
    assert eng.settle() == 4
    assert eng.state.stored_domain("dom-1") is None
    assert stored(eng, "dom-2").ips == ips(net(1), net(5), net(7))


def test_s5_update_with_nothing_left_to_do_still_counts() -> None:
    """S5: updates of a subaccount that unlinked its domain, and of a domain already brought
    up to date by a synchronous command, are still counted as processed.
    """
    eng = engine(s4_world())
    accept(eng, AddPoolIp(actor(), POOL_A, net(5)), STARTED)
    accept(eng, UnlinkDomainPool(actor("sub-9"), "s9.example", replacement_ip=net(90)), SUCCESS)
    accept(eng, UnlinkDomainPool(actor(), "d1.example", replacement_pool_id=POOL_B), SUCCESS)
    assert eng.state.pending == FOLLOW_A
    assert eng.settle() == 4
    assert stored(eng, "dom-s") == domain("dom-s", "s9.example", "sub-9", ip_texts=[net(90)])
    assert stored(eng, "dom-1") == domain("dom-1", "d1.example", ip_texts=[net(2)], pool=POOL_B)


def test_s5_updates_naming_unknown_records_change_nothing_and_count() -> None:
    """S5: an update naming a domain, subaccount or DIPP that does not exist does nothing when
    run, and counts as processed when queued.
    """
    eng = engine(s4_world())
    before = eng.state.world()
    strays: tuple[PendingUpdate, ...] = (
        DomainUpdate("ghost"),
        SubaccountUpdate("ghost", POOL_A),
        SubaccountUpdate("sub-9", "f" * 24),
    )
    for update in strays:
        eng.state.run_update(update)
    assert eng.state.world() == before
    assert eng.state.pending == ()
    eng.state.apply(Changes(pending=strays))
    assert eng.state.pending == strays
    assert eng.process(2) == 2
    assert eng.state.pending == strays[2:]
    assert eng.settle() == 1
    assert eng.state.world() == before


def test_s5_subaccount_update_brings_only_that_subaccounts_linked_domains_up_to_date() -> None:
    """S5, §5: a subaccount update updates that subaccount's domains linked to the DIPP only."""
    world = World(
        accounts=[
            account("acct-1"),
            account("sub-1", parent="acct-1"),
            account("sub-2", parent="acct-1"),
        ],
        dedicated_ips=[dedicated(net(1)), dedicated(net(2)), dedicated(net(11), "sub-1")],
        domains=[
            domain("own", "own.example", ip_texts=[net(1)], pool=POOL_A),
            domain("s1-a", "s1a.example", "sub-1", ip_texts=[net(1)], pool=POOL_A),
            domain("s1-b", "s1b.example", "sub-1", ip_texts=[net(1)], pool=POOL_A),
            domain("s1-c", "s1c.example", "sub-1", ip_texts=[net(11)]),
            domain("s2-a", "s2a.example", "sub-2", ip_texts=[net(1)], pool=POOL_A),
        ],
        pools=[pool(POOL_A, ip_texts=[net(1)], delegated_to=["sub-1", "sub-2"])],
    )
    eng = engine(world)
    accept(eng, AddPoolIp(actor(), POOL_A, net(2)), STARTED)
    eng.state.run_update(SubaccountUpdate("sub-1", POOL_A))
    new, old = ips(net(1), net(2)), ips(net(1))
    assert [stored(eng, d).ips for d in ("own", "s1-a", "s1-b", "s1-c", "s2-a")] == [
        old,
        new,
        new,
        ips(net(11)),
        old,
    ]


def chain_world() -> World:
    """A -> B -> C to be deleted in turn; A delegated to sub-1, which has a linked domain."""
    return World(
        accounts=[account(), account("sub-1", parent="acct-1")],
        dedicated_ips=[dedicated(net(n)) for n in (1, 2, 3, 4)],
        domains=[
            domain("dom-1", "a.example", ip_texts=[net(1)], pool=POOL_A),
            domain("dom-s", "s.example", "sub-1", ip_texts=[net(1)], pool=POOL_A),
        ],
        pools=[
            pool(POOL_A, ip_texts=[net(1)], delegated_to=["sub-1"]),
            pool(POOL_B, ip_texts=[net(2)]),
            pool(POOL_C, ip_texts=[net(3)]),
        ],
    )


def run_chain(eng: Engine[MemoryState]) -> None:
    """Delete A into B, B into C, then add an IP to C."""
    accept(eng, DeletePool(actor(), POOL_A, replacement_pool_id=POOL_B), STARTED)
    accept(eng, DeletePool(actor(), POOL_B, replacement_pool_id=POOL_C), STARTED)
    accept(eng, AddPoolIp(actor(), POOL_C, net(4)), STARTED)


CHAIN_QUEUE: tuple[PendingUpdate, ...] = (
    DomainUpdate("dom-1"),
    SubaccountUpdate("sub-1", POOL_A),
    DomainUpdate("dom-1"),
    SubaccountUpdate("sub-1", POOL_B),
    DomainUpdate("dom-1"),
    SubaccountUpdate("sub-1", POOL_C),
)
CHAIN_END_S = domain("dom-s", "s.example", "sub-1", ip_texts=[net(3), net(4)], pool=POOL_C)


@pytest.mark.parametrize("update", [CHAIN_QUEUE[1], CHAIN_QUEUE[3], CHAIN_QUEUE[5]])
def test_s5_any_subaccount_update_of_a_chain_brings_the_domain_to_the_end(
    update: PendingUpdate,
) -> None:
    """S5, S2: a subaccount update for any DIPP of a chain of deletions A -> B -> C brings the
    subaccount's domain, still stored as linked to A, straight to C with C's IPs.
    """
    eng = engine(chain_world())
    run_chain(eng)
    assert eng.state.pending == CHAIN_QUEUE
    eng.state.run_update(update)
    assert stored(eng, "dom-s") == CHAIN_END_S
    assert stored(eng, "dom-1") == domain("dom-1", "a.example", ip_texts=[net(1)], pool=POOL_A)


def test_s5_chain_updates_processed_out_of_order_reach_the_settled_world() -> None:
    """S5, S1: running a chain's updates newest first gives the settled world; the queue then
    processes with nothing left to do, and every update still counts.
    """
    reference = engine(chain_world())
    run_chain(reference)
    settled = fully_settled(reference)
    eng = engine(chain_world())
    run_chain(eng)
    for update in reversed(eng.state.pending):
        eng.state.run_update(update)
    assert eng.state.world() == settled
    assert eng.settle() == 6
    assert eng.state.world() == settled
    assert settled.domains == (
        domain("dom-1", "a.example", ip_texts=[net(3), net(4)], pool=POOL_C),
        CHAIN_END_S,
    )
    assert settled.pools == (pool(POOL_C, ip_texts=[net(3), net(4)], delegated_to=["sub-1"]),)
