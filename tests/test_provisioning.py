"""The host's provisioning commands keep every invariant of §4, and a hand-made commit cannot
break one (changes are checked before anything is written)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest

from ippools import (
    Accepted,
    Actor,
    AddDedicatedIp,
    AddSharedIp,
    Changes,
    Command,
    CreateAccount,
    CreateDomain,
    DedicatedIp,
    DeletePool,
    Domain,
    InvalidChanges,
    MemoryState,
    Pool,
    RemoveAccount,
    RemoveDedicatedIp,
    RemoveDomain,
    RemoveSharedIp,
    ReplaceWithIp,
    ReplaceWithPool,
    ReplaceWithShared,
    SetAccountFeatures,
    SetWarmup,
    Tombstone,
    World,
    decide,
    world_problems,
)
from ippools.changes_check import check_changes
from ippools.store import MemoryStore, Store, open_sqlite
from tests.support import (
    POOL_A,
    POOL_B,
    SHARED_1,
    SUCCESS,
    accept_queueing,
    account,
    dedicated,
    domain,
    engine,
    ip,
    ips,
    net,
    pool,
    reject,
)

HOST = Actor("platform", "ops@example.com", "provisioning")


def world() -> World:
    """acct-1 (DIPPs) owns .1 (in A, delegated to sub-1) and .2; acct-2 is shared-eligible
    and its domain holds the shared IP; sub-1's domain is linked to A."""
    return World(
        accounts=[account(), account("acct-2", shared=True), account("sub-1", parent="acct-1")],
        dedicated_ips=[dedicated(net(1)), dedicated(net(2)), dedicated(net(9), "acct-2")],
        shared_ips=[SHARED_1],
        domains=[
            domain("dom-1", "one.example", ip_texts=[net(1)], pool=POOL_A),
            domain("dom-2", "two.example", "acct-2", ip_texts=[SHARED_1]),
            domain("s-1", "s.example", "sub-1", ip_texts=[net(1)], pool=POOL_A),
        ],
        pools=[pool(POOL_A, ip_texts=[net(1)], delegated_to=["sub-1"])],
    )


def test_a_platform_is_built_and_torn_down_through_the_commands() -> None:
    """Accounts, IPs and domains are created and removed in order; each step answers
    success, leaves nothing pending and keeps I1-I7."""
    eng = engine(World())
    steps: list[Command] = [
        CreateAccount(HOST, "acct-1", dipps=True, shared_ip_eligible=True),
        CreateAccount(HOST, "sub-1", parent_id="acct-1"),
        AddDedicatedIp(HOST, net(1), "acct-1"),
        AddDedicatedIp(HOST, net(2), "acct-1", warmup=True),
        AddSharedIp(HOST, SHARED_1),
        CreateDomain(HOST, "dom-1", "one.example", "acct-1", (net(1), SHARED_1)),
        SetWarmup(HOST, net(2), False),
        CreateDomain(HOST, "dom-2", "two.example", "acct-1", (net(2),)),
    ]
    for command in steps:
        accept_queueing(eng, command, SUCCESS)
        assert world_problems(eng.state.world()) == []
    assert eng.state.world() == World(
        accounts=[
            account("acct-1", shared=True),
            account("sub-1", parent="acct-1", dipps=False),
        ],
        dedicated_ips=[dedicated(net(1)), dedicated(net(2))],
        shared_ips=[SHARED_1],
        domains=[
            domain("dom-1", "one.example", ip_texts=[net(1), SHARED_1]),
            domain("dom-2", "two.example", ip_texts=[net(2)]),
        ],
    )
    assert eng.state.shared_usage(ip(SHARED_1)) == 1
    teardown: list[Command] = [
        RemoveDomain(HOST, "dom-1"),
        RemoveDomain(HOST, "dom-2"),
        RemoveSharedIp(HOST, SHARED_1),
        RemoveDedicatedIp(HOST, net(1)),
        RemoveDedicatedIp(HOST, net(2)),
        RemoveAccount(HOST, "sub-1"),
        RemoveAccount(HOST, "acct-1"),
    ]
    for command in teardown:
        accept_queueing(eng, command, SUCCESS)
    assert eng.state.world() == World()


def test_a_new_domain_may_link_to_a_visible_pool_and_holds_its_ips() -> None:
    """A domain created linked to a DIPP holds the DIPP's IPs (I1); a subaccount's domain may
    link to an inherited DIPP (I2)."""
    eng = engine(world())
    accept_queueing(eng, CreateDomain(HOST, "s-2", "s2.example", "sub-1", pool_id=POOL_A), SUCCESS)
    assert eng.state.domain("s-2") == domain(
        "s-2", "s2.example", "sub-1", ip_texts=[net(1)], pool=POOL_A
    )


@pytest.mark.parametrize(
    ("command", "status", "message"),
    [
        (
            CreateAccount(HOST, "acct 3"),
            400,
            "account id 'acct 3' must be non-empty, without whitespace or '/'",
        ),
        (CreateAccount(HOST, "acct-2"), 400, "account 'acct-2' exists already"),
        (
            CreateAccount(HOST, "sub-2", parent_id="sub-1"),
            400,
            "parent 'sub-1' of account 'sub-2' is not an existing top-level account",
        ),
        (
            CreateAccount(HOST, "acct-3", parent_id="acct-3"),
            400,
            "parent 'acct-3' of account 'acct-3' is not an existing top-level account",
        ),
        (
            RemoveAccount(HOST, "acct-1"),
            400,
            "account 'acct-1' still has 1 subaccounts, 1 domains, 2 dedicated IPs, 1 DIPPs; "
            "remove them first",
        ),
        (
            RemoveAccount(HOST, "sub-1"),
            400,
            "account 'sub-1' still has 1 domains, 1 inherited DIPPs; remove them first",
        ),
        (RemoveAccount(HOST, "acct-9"), 404, "account 'acct-9' not found"),
        (
            SetAccountFeatures(HOST, "acct-2", shared_ip_eligible=False),
            400,
            f"domain 'two.example' of account 'acct-2' holds the shared IP {SHARED_1}",
        ),
        (
            AddDedicatedIp(HOST, SHARED_1, "acct-1"),
            400,
            f"IP {SHARED_1} is a dedicated or shared IP already",
        ),
        (
            AddDedicatedIp(HOST, "10.0.0.01", "acct-1"),
            400,
            "IP '10.0.0.01' is not a valid IP address",
        ),
        (
            AddDedicatedIp(HOST, "10.0.0.1", "acct-9"),
            400,
            "dedicated IP 10.0.0.1 names account 'acct-9', which does not exist",
        ),
        (RemoveDedicatedIp(HOST, net(1)), 400, f"IP {net(1)} is in DIPP {POOL_A!r}"),
        (RemoveDedicatedIp(HOST, net(5)), 404, f"IP {net(5)} is not a dedicated IP"),
        (RemoveSharedIp(HOST, SHARED_1), 400, f"shared IP {SHARED_1} is held by 1 domain(s)"),
        (
            CreateDomain(HOST, "dom-9", "two.example.", "acct-1", (net(2),)),
            400,
            "a domain with id 'dom-9' or name 'two.example.' exists already",
        ),
        (
            CreateDomain(HOST, "dom-9", "nine.example", "acct-1", (net(9),)),
            400,
            f"IP {net(9)} is not a dedicated IP of account 'acct-1'",
        ),
        (
            CreateDomain(HOST, "dom-9", "nine.example", "acct-1", (net(1),)),
            400,
            f"IP {net(1)} belongs to DIPP {POOL_A!r}",
        ),
        (
            CreateDomain(HOST, "dom-9", "nine.example", "acct-1", (SHARED_1,)),
            403,
            "account 'acct-1' is not eligible for shared IPs",
        ),
        (
            CreateDomain(HOST, "dom-9", "nine.example", "acct-2", pool_id=POOL_A),
            404,
            f"DIPP {POOL_A!r} not found",
        ),
        (
            CreateDomain(HOST, "dom-9", "nine.example", "acct-1", (net(2),), POOL_A),
            400,
            "domain 'nine.example' needs either IPs or a DIPP (pool_id), exactly one",
        ),
        (RemoveDomain(HOST, "TWO.example"), 404, "domain id 'TWO.example' not found"),
    ],
)
def test_commands_that_would_break_an_invariant_are_refused(
    command: Command, status: int, message: str
) -> None:
    """§4, K13: each refusal names the value and changes nothing."""
    reject(engine(world()), command, status, message)


def test_removing_a_dedicated_ip_held_by_a_domain_is_refused() -> None:
    """I5, I6: a dedicated IP that a domain of its owner holds stays."""
    eng = engine(world())
    accept_queueing(eng, CreateDomain(HOST, "dom-9", "nine.example", "acct-1", (net(2),)), SUCCESS)
    reject(
        eng, RemoveDedicatedIp(HOST, net(2)), 400, f"IP {net(2)} is held by domain 'nine.example'"
    )


def test_a_deleted_pools_ip_replacement_counts_as_held_before_settle() -> None:
    """S2: after 3.6 with ``ip=.2`` the linked domain holds .2 at once, so .2 cannot go."""
    base = attrs.evolve(
        world(),
        pools=[pool(POOL_A, ip_texts=[net(1)])],
        domains=[
            domain("dom-1", "one.example", ip_texts=[net(1)], pool=POOL_A),
            domain("dom-2", "two.example", "acct-2", ip_texts=[SHARED_1]),
            domain("s-1", "s.example", "sub-1", ip_texts=[SHARED_1]),
        ],
        accounts=[
            account(),
            account("acct-2", shared=True),
            account("sub-1", parent="acct-1", shared=True),
        ],
    )
    eng = engine(base)
    assert (
        eng.execute(DeletePool(Actor("acct-1", "o@example.com", "c"), POOL_A, net(2))).status == 200
    )
    reject(
        eng, RemoveDedicatedIp(HOST, net(2)), 400, f"IP {net(2)} is held by domain 'one.example'"
    )


# -- the raw commit path is checked -----------------------------------------------------------


def _stores(tmp_path: Path) -> list[Store]:
    return [MemoryStore(world()), open_sqlite(tmp_path / "s.db", world())]


BAD_CHANGES = [
    (
        Changes(domains=(Domain("dom-9", "nine.example", "acct-9", None, ips(net(2))),)),
        "domain 'dom-9': account 'acct-9' does not exist",
    ),
    (
        Changes(domains=(Domain("dom-9", "nine.example", "acct-2", None, ips(net(2))),)),
        f"domain 'dom-9': IP {net(2)} is a dedicated IP of 'acct-1'",
    ),
    (
        Changes(domains=(Domain("dom-9", "nine.example", "acct-1", None, ips(SHARED_1)),)),
        f"domain 'dom-9': account 'acct-1' may not hold shared IP {SHARED_1}",
    ),
    (
        Changes(domains=(Domain("dom-9", "ONE.example", "acct-1", None, ips(net(2))),)),
        "domain 'dom-9': name 'ONE.example' is the name of domain 'dom-1'",
    ),
    (
        Changes(domains=(Domain("dom-9", "nine.example", "acct-2", POOL_A, ips(net(1))),)),
        f"domain 'dom-9': DIPP {POOL_A!r} is not visible to 'acct-2'",
    ),
    (
        Changes(domains=(Domain("dom-9", "nine.example", "acct-1", POOL_B),)),
        f"domain 'dom-9': DIPP {POOL_B!r} is not a live DIPP",
    ),
    (
        Changes(domains=(Domain("dom-9", "nine.example", "acct-1"),)),
        "domain 'dom-9' holds no IP",
    ),
    (
        Changes(pools=(Pool(POOL_B, "acct-1", "n", "d", ips(net(1))),)),
        f"DIPP {POOL_B!r}: IP {net(1)} is in DIPP {POOL_A!r} too",
    ),
    (
        Changes(pools=(Pool(POOL_B, "acct-1", "n", "d", ips(net(9))),)),
        f"DIPP {POOL_B!r}: IP {net(9)} is not a dedicated IP of 'acct-1'",
    ),
    (
        Changes(pools=(Pool(POOL_B, "acct-2", "n", "d", ips(net(9)), frozenset({"sub-1"})),)),
        f"DIPP {POOL_B!r}: 'sub-1' is not a subaccount of 'acct-2'",
    ),
    (
        Changes(deleted_accounts=("acct-2",)),
        "account 'acct-2' is removed but still has domains, dedicated IPs",
    ),
    (
        Changes(deleted_shared_ips=(ip(SHARED_1),)),
        f"shared IP {SHARED_1} is removed but a domain holds it",
    ),
    (
        Changes(accounts=(account("acct-2", shared=False),)),
        "account 'acct-2' is not shared-eligible but its domain 'dom-2' holds a shared IP",
    ),
    (
        Changes(accounts=(account("sub-2", parent="sub-1"),)),
        "account 'sub-2': parent 'sub-1' is not a top-level account",
    ),
    (  # acct-1 would be a subaccount with a subaccount of its own
        Changes(accounts=(account("acct-1", parent="acct-2"),)),
        "account 'acct-1' has a parent but also subaccounts, such as 'sub-1'",
    ),
    (  # A stays delegated to sub-1, which would no longer be acct-1's (I7)
        Changes(accounts=(account("sub-1", parent="acct-2"),)),
        f"account 'sub-1': DIPP {POOL_A!r} of 'acct-1' is delegated to it, and that is not its "
        "parent",
    ),
    (
        Changes(deleted_accounts=("sub-1",)),
        "account 'sub-1' is removed but still has delegated DIPPs, domains",
    ),
    (
        Changes(dedicated_ips=(DedicatedIp(ip("192.0.2.50"), "acct-9"),)),
        "dedicated IP 192.0.2.50: account 'acct-9' does not exist",
    ),
    (
        Changes(dedicated_ips=(DedicatedIp(ip(SHARED_1), "acct-1"),)),
        f"dedicated IP {SHARED_1} is a shared IP too",
    ),
    (Changes(shared_ips=(ip(net(2)),)), f"shared IP {net(2)} is a dedicated IP too"),
    (
        Changes(deleted_dedicated_ips=(ip(net(1)),)),
        f"dedicated IP {net(1)} is removed but DIPP {POOL_A!r} holds it",
    ),
    (
        Changes(
            deleted_dedicated_ips=(ip(net(2)),),
            pools=(Pool(POOL_B, "acct-1", "n", "d", ips(net(2))),),
        ),
        f"dedicated IP {net(2)} is removed but DIPP {POOL_B!r} holds it",
    ),
    (
        Changes(
            deleted_dedicated_ips=(ip(net(2)),),
            domains=(Domain("dom-9", "nine.example", "acct-1", None, ips(net(2))),),
        ),
        f"dedicated IP {net(2)} is removed but a domain holds it",
    ),
    (
        Changes(domains=(Domain("dom-9", "nine.example", "acct-1", None, ips("192.0.2.50")),)),
        "domain 'dom-9': IP 192.0.2.50 is neither a dedicated nor a shared IP",
    ),
    (
        Changes(pools=(Pool(POOL_B, "acct-9", "n", "d"),)),
        f"DIPP {POOL_B!r}: account 'acct-9' does not exist",
    ),
    (
        Changes(pools=(Pool(POOL_B, "acct-1", "n", "d", frozenset(), frozenset({"sub-1"})),)),
        f"DIPP {POOL_B!r} is delegated but has no IPs",
    ),
    (
        Changes(deleted_pools=(Tombstone(POOL_A, "acct-1", ReplaceWithPool(POOL_B)),)),
        f"deleted DIPP {POOL_A!r}: replacement DIPP {POOL_B!r} is not a live DIPP with IPs",
    ),
    (
        Changes(
            deleted_dedicated_ips=(ip(net(2)),),
            deleted_pools=(Tombstone(POOL_A, "acct-1", ReplaceWithIp(ip(net(2)))),),
        ),
        f"deleted DIPP {POOL_A!r}: IP {net(2)} is not a dedicated IP of 'acct-1'",
    ),
    (
        Changes(
            deleted_pools=(
                Tombstone(POOL_A, "acct-1", ReplaceWithShared(choices=(("dom-1", ip(net(2))),))),
            )
        ),
        f"deleted DIPP {POOL_A!r}: IP {net(2)} chosen for 'dom-1' is not shared",
    ),
    (
        Changes(
            deleted_pools=(Tombstone(POOL_A, "acct-1", ReplaceWithIp(ip(net(2)))),),
            domains=(Domain("dom-9", "nine.example", "acct-1", POOL_A, ips(net(1))),),
        ),
        f"domain 'dom-9': DIPP {POOL_A!r} is not a live DIPP",
    ),
]


@pytest.mark.parametrize(("changes", "message"), BAD_CHANGES)
def test_a_hand_made_commit_that_breaks_the_state_is_refused_on_every_store(
    tmp_path: Path, changes: Changes, message: str
) -> None:
    """A raw ``commit`` (and ``MemoryState.apply``) checks the changes first: a domain of an
    unknown account, another account's IP, a shared IP for an ineligible account, a name in
    use, a DIPP not visible, an IP in two DIPPs, a delegation to a stranger, an account or
    shared IP still in use: InvalidChanges naming the record, and nothing written."""
    for store in _stores(tmp_path):
        with store:
            before = (store.world(), store.pending)
            with pytest.raises(InvalidChanges) as caught:
                store.commit(changes)
            assert str(caught.value) == message
            assert (store.world(), store.pending) == before
    state = MemoryState(world())
    with pytest.raises(InvalidChanges):
        state.apply(changes)
    assert state.world() == world()


def test_removing_a_dedicated_ip_that_is_not_stored_changes_nothing() -> None:
    """Removing an IP that is not a dedicated IP passes the check and writes nothing."""
    state = MemoryState(world())
    state.apply(Changes(deleted_dedicated_ips=(ip("192.0.2.50"),)))
    assert state.world() == world()


def test_a_valid_hand_made_commit_is_stored() -> None:
    """Changes that keep the state valid are written as given."""
    with MemoryStore(world()) as store:
        created = Domain("dom-9", "nine.example", "acct-1", None, ips(net(2)))
        store.commit(Changes(domains=(created,)))
        assert store.domain("dom-9") == created


def test_the_changes_decide_accepts_are_decided_and_no_others() -> None:
    """Changes.decided: true for the changes of an outcome ``decide`` accepted; false for
    equal changes built by hand and for changes derived from decided ones."""
    outcome = decide(
        MemoryState(world()), CreateDomain(HOST, "dom-9", "nine.example", "acct-1", (net(2),))
    )
    assert isinstance(outcome, Accepted)
    assert outcome.changes.decided
    by_hand = Changes(domains=outcome.changes.domains)
    assert by_hand == outcome.changes  # the mark is not part of the value
    assert not by_hand.decided
    assert not attrs.evolve(outcome.changes).decided


def test_only_changes_not_decided_are_checked_when_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A state runs the write check on changes built by hand, and not on the changes the
    rules decided from that very state (the stateful machine checks those)."""
    checked: list[Changes] = []

    def recording(state: Any, changes: Changes) -> None:
        checked.append(changes)
        check_changes(state, changes)

    monkeypatch.setattr("ippools.stored_state.check_changes", recording)
    state = MemoryState(world())
    command = CreateDomain(HOST, "dom-9", "nine.example", "acct-1", (net(2),))
    outcome = decide(state, command)
    assert isinstance(outcome, Accepted)
    state.apply(outcome.changes)
    assert checked == []
    created = Domain("dom-8", "eight.example", "acct-1", None, ips(net(2)))
    state.apply(Changes(domains=(created,)))
    assert checked == [Changes(domains=(created,))]


def test_changes_derived_from_decided_ones_are_checked() -> None:
    """Decided changes edited with ``attrs.evolve`` lose the mark: a domain given another
    account's IP is refused with InvalidChanges and nothing is written."""
    state = MemoryState(world())
    outcome = decide(state, CreateDomain(HOST, "dom-9", "nine.example", "acct-1", (net(2),)))
    assert isinstance(outcome, Accepted)
    (created,) = outcome.changes.domains
    stolen = attrs.evolve(created, ips=ips(net(9)))
    with pytest.raises(InvalidChanges, match="dom-9"):
        state.apply(attrs.evolve(outcome.changes, domains=(stolen,)))
    assert state.world() == world()
    state.apply(outcome.changes)
    assert state.domain("dom-9") == created
