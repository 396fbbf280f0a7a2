"""The in-memory state: stored and effective reads, tombstones, used ids, and what rules touch."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ippools import (
    Accepted,
    Account,
    AddPoolIp,
    AssignDomainIp,
    Changes,
    Command,
    CreatePool,
    DedicatedIp,
    DelegatePool,
    DeletePool,
    Domain,
    DomainUpdate,
    EditPool,
    Engine,
    GetDomainIps,
    GetPool,
    IPAddress,
    ListPoolDomains,
    ListPools,
    MemoryState,
    Policies,
    Pool,
    Rejected,
    RemoveDomainIp,
    RemoveDomainPool,
    RemovePoolIp,
    ReplaceWithPool,
    ReplaceWithShared,
    RevokeDelegation,
    SequenceIds,
    SubaccountUpdate,
    Tombstone,
    UnlinkDomainPool,
    World,
    decide,
    resolve_domain,
)
from ippools.memory_state import MemoryStorage, SortedIds
from ippools.stored_state import StoredState, load_world
from tests.support import (
    NEW_IDS,
    POOL_A,
    POOL_B,
    POOL_C,
    SHARED_1,
    SHARED_2,
    STARTED,
    SUCCESS,
    accept,
    account,
    actor,
    dedicated,
    domain,
    engine,
    hex_id,
    ip,
    ips,
    net,
    pool,
)


def chain_world() -> World:
    """A delegated to sub-1 and linked to a domain of each account; B and C to replace it.

    sub-1 owns one dedicated IP of its own.
    """
    return World(
        accounts=[account(), account("sub-1", parent="acct-1")],
        dedicated_ips=[*(dedicated(net(n)) for n in (1, 2, 3)), dedicated(net(11), "sub-1")],
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


# -- reads -------------------------------------------------------------------------------


def test_memory_state_round_trips_its_world() -> None:
    """§7: a state built from a settled world gives it back, stored and effective alike."""
    world = chain_world()
    state = MemoryState(world)
    assert state.world() == world
    assert state.effective_world() == world
    assert state.pending == ()
    assert state.pending_count == 0


def test_reads_by_id_and_by_name() -> None:
    """C6: domains are found by id, and by name case-insensitively ignoring a trailing dot."""
    state = MemoryState(chain_world())
    expected = domain("dom-1", "a.example", ip_texts=[net(1)], pool=POOL_A)
    assert state.domain("dom-1") == expected
    assert state.stored_domain("dom-1") == expected
    for name in ("a.example", "A.Example", "a.example.", "A.EXAMPLE."):
        assert state.domain_named(name) == expected
    assert state.domain_named("a.example..") is None
    assert state.domain_named("b.example") is None
    assert state.domain("ghost") is None
    assert state.stored_domain("ghost") is None


def test_reads_of_accounts_ips_and_pools() -> None:
    """§1: accounts, dedicated IPs by owner, shared IPs and the DIPP holding an IP are found."""
    world = World(
        accounts=[account(), account("acct-2", shared=True)],
        dedicated_ips=[
            dedicated(net(1)),
            dedicated(net(2), warmup=True),
            dedicated(net(9), "acct-2"),
        ],
        shared_ips=[ip(SHARED_1)],
        pools=[pool(POOL_A, ip_texts=[net(1)])],
    )
    state = MemoryState(world)
    assert state.account("acct-2") == Account("acct-2", None, True, True)
    assert state.account("ghost") is None
    assert state.dedicated_ip(ip(net(2))) == DedicatedIp(ip(net(2)), "acct-1", True)
    assert state.dedicated_ip(ip(SHARED_1)) is None
    assert sorted(r.ip for r in state.dedicated_ips_of("acct-1")) == [ip(net(1)), ip(net(2))]
    assert list(state.dedicated_ips_of("ghost")) == []
    assert state.shared_ip_usage() == [(ip(SHARED_1), 0)]
    assert state.pool(POOL_A) == pool(POOL_A, ip_texts=[net(1)])
    assert state.pool(POOL_B) is None
    assert (state.pool_holding(ip(net(1))), state.pool_holding(ip(net(2)))) == (POOL_A, None)
    assert state.pool_id_in_use(POOL_A) is True
    assert state.pool_id_in_use(POOL_B) is False


def test_linked_domains_by_pool_and_account_sorted_by_id() -> None:
    """3.5, S2: the domains linked to a DIPP, optionally one account's, in domain id order."""
    world = World(
        accounts=[account(), account("sub-1", parent="acct-1")],
        dedicated_ips=[dedicated(net(1))],
        domains=[
            domain("dom-b", "b.example", "sub-1", ip_texts=[net(1)], pool=POOL_A),
            domain("dom-c", "c.example", ip_texts=[net(1)], pool=POOL_A),
            domain("dom-a", "a.example", ip_texts=[net(1)], pool=POOL_A),
            domain("dom-x", "x.example", ip_texts=[net(1)]),
        ],
        pools=[pool(POOL_A, ip_texts=[net(1)], delegated_to=["sub-1"])],
    )
    state = MemoryState(world)
    assert [d.id for d in state.linked_domains(POOL_A)] == ["dom-a", "dom-b", "dom-c"]
    assert [d.id for d in state.linked_domains(POOL_A, "acct-1")] == ["dom-a", "dom-c"]
    assert [d.id for d in state.linked_domains(POOL_A, "sub-1")] == ["dom-b"]
    assert state.linked_domains(POOL_A, "ghost") == []
    assert state.linked_domains(POOL_B) == []


def test_applying_no_changes_changes_nothing() -> None:
    """C4: an empty set of changes stores nothing and queues nothing."""
    state = MemoryState(chain_world())
    state.apply(Changes())
    assert state.world() == chain_world()
    assert state.pending == ()
    assert not Changes()


def test_apply_stores_records_and_queues_updates_in_order() -> None:
    """S4, S5: apply stores a command's records and appends its updates after queued ones."""
    state = MemoryState(chain_world())
    grown = pool(POOL_B, ip_texts=[net(2), net(3)])
    assert state.pool(POOL_B) != grown
    state.apply(Changes(pending=(DomainUpdate("dom-1"),)))
    state.apply(
        Changes(
            pools=(pool(POOL_C), grown),
            pending=(SubaccountUpdate("sub-1", POOL_A), DomainUpdate("dom-1")),
        )
    )
    assert state.pool(POOL_B) == grown
    assert state.pool_holding(ip(net(3))) == POOL_B
    assert state.pending == (
        DomainUpdate("dom-1"),
        SubaccountUpdate("sub-1", POOL_A),
        DomainUpdate("dom-1"),
    )
    assert state.process() == 3
    assert state.world() == World(
        accounts=chain_world().accounts,
        dedicated_ips=chain_world().dedicated_ips,
        domains=chain_world().domains,
        pools=[pool(POOL_A, ip_texts=[net(1)], delegated_to=["sub-1"]), grown, pool(POOL_C)],
    )


# -- tombstones (S6, a good shape of §5) ----------------------------------------------------


def test_chain_of_deletions_settles_into_plain_records() -> None:
    """S6, S5: once a chain A -> B -> C is settled nothing leads to A or B any more: stored and
    effective worlds agree, C is linked to every domain, and updates naming A do nothing.
    """
    eng = engine(chain_world())
    accept(eng, DeletePool(actor(), POOL_A, replacement_pool_id=POOL_B), STARTED)
    accept(eng, DeletePool(actor(), POOL_B, replacement_pool_id=POOL_C), STARTED)
    assert [d.id for d in eng.state.linked_domains(POOL_C)] == ["dom-1", "dom-s"]
    assert eng.state.world() != eng.state.effective_world()
    assert eng.settle() == 4
    state = eng.state
    settled = state.world()
    assert settled == state.effective_world()
    assert [d.pool_id for d in settled.domains] == [POOL_C, POOL_C]
    assert [d.id for d in state.linked_domains(POOL_C)] == ["dom-1", "dom-s"]
    assert [d.id for d in state.linked_domains(POOL_C, "sub-1")] == ["dom-s"]
    assert (state.linked_domains(POOL_A), state.linked_domains(POOL_B)) == ([], [])
    assert (state.pool(POOL_A), state.pool(POOL_B)) == (None, None)
    state.run_update(SubaccountUpdate("sub-1", POOL_A))
    state.run_update(SubaccountUpdate("sub-1", POOL_B))
    assert state.world() == settled
    got = eng.execute(GetPool(actor(), POOL_A))
    assert (got.status, got.body) == (404, {"message": f"DIPP {POOL_A!r} not found"})


def test_domain_rewritten_before_settle_no_longer_follows_the_deleted_pool() -> None:
    """S6, S3: once its last stored domain is rewritten, a deleted DIPP leads nowhere: the
    replacement lists only the domains still linked, stored and effective alike.
    """
    eng = engine(chain_world())
    accept(eng, DeletePool(actor(), POOL_A, replacement_pool_id=POOL_B), STARTED)
    accept(eng, UnlinkDomainPool(actor(), "a.example", replacement_ip=net(1)), SUCCESS)
    accept(eng, UnlinkDomainPool(actor("sub-1"), "s.example", replacement_ip=net(11)), SUCCESS)
    assert eng.state.linked_domains(POOL_B) == []
    assert eng.state.world() == eng.state.effective_world()
    got = eng.execute(GetPool(actor(), POOL_B))
    assert got.body["details"]["linked_domains"] == []
    assert got.body["details"]["is_linked"] is False
    assert eng.settle() == 2
    assert eng.state.world().domains == (
        domain("dom-1", "a.example", ip_texts=[net(1)]),
        domain("dom-s", "s.example", "sub-1", ip_texts=[net(11)]),
    )


def test_removed_domain_gives_back_its_shared_ip_from_an_unsettled_deletion() -> None:
    """S6, D4: shared-IP usage follows the effective state through tombstones: a domain given
    SHARED_1 by a pending deletion counts for SHARED_1 until it is removed.
    """
    world = World(
        accounts=[account(shared=True)],
        dedicated_ips=[dedicated(net(1))],
        shared_ips=[ip(SHARED_1), ip(SHARED_2)],
        domains=[domain("dom-1", "a.example", ip_texts=[net(1)], pool=POOL_A)],
        pools=[pool(POOL_A, ip_texts=[net(1)])],
    )
    eng = engine(world)
    accept(eng, DeletePool(actor(), POOL_A, replacement_ip="shared"), STARTED)
    assert sorted(eng.state.shared_ip_usage()) == [(ip(SHARED_1), 1), (ip(SHARED_2), 0)]
    accept(eng, RemoveDomainPool(actor(), "a.example"), SUCCESS)
    assert sorted(eng.state.shared_ip_usage()) == [(ip(SHARED_1), 0), (ip(SHARED_2), 0)]
    assert eng.settle() == 1
    assert eng.state.world() == World(
        accounts=[account(shared=True)],
        dedicated_ips=[dedicated(net(1))],
        shared_ips=[ip(SHARED_1), ip(SHARED_2)],
    )


# -- ids of deleted DIPPs (K16) -------------------------------------------------------------


def test_deleted_pool_id_stays_in_use() -> None:
    """K16, §6: a deleted DIPP's id counts as in use for good."""
    world = World(accounts=[account()], pools=[pool(hex_id(1))])
    eng = engine(world, ids=[])
    outcome = accept(eng, DeletePool(actor(), hex_id(1)), STARTED)
    assert outcome.pending == ()
    assert eng.state.pool(hex_id(1)) is None
    assert eng.state.pool_id_in_use(hex_id(1)) is True
    assert eng.state.world() == World(accounts=[account()])
    accept(eng, CreatePool(actor(), "n", "d"), {"message": "success", "pool_id": hex_id(2)})


def test_deleted_pool_id_is_never_handed_out_again() -> None:
    """K16: neither a given id nor a fallback id equal to a deleted DIPP's id is handed out."""
    world = World(accounts=[account()], pools=[pool(POOL_A)])
    eng: Engine[MemoryState] = Engine(
        MemoryState(world), Policies(ids=SequenceIds([POOL_A, NEW_IDS[0]]))
    )
    accept(eng, DeletePool(actor(), POOL_A), STARTED)
    accept(eng, CreatePool(actor(), "n", "d"), {"message": "success", "pool_id": NEW_IDS[0]})
    accept(eng, DeletePool(actor(), NEW_IDS[0]), STARTED)
    accept(eng, CreatePool(actor(), "n", "d"), {"message": "success", "pool_id": hex_id(1)})
    accept(eng, DeletePool(actor(), hex_id(1)), STARTED)
    accept(eng, CreatePool(actor(), "n", "d"), {"message": "success", "pool_id": hex_id(2)})
    for used in (POOL_A, NEW_IDS[0], hex_id(1), hex_id(2)):
        assert eng.state.pool_id_in_use(used) is True
    assert [p.pool_id for p in eng.state.world().pools] == [hex_id(2)]


# -- what a command reads (S6) ----------------------------------------------------------------


class Recorder:
    """A state view that passes reads through and records every domain it hands out."""

    def __init__(self, inner: MemoryState) -> None:
        self.inner = inner
        self.seen: set[str] = set()

    def _saw(self, found: Domain | None) -> Domain | None:
        if found is not None:
            self.seen.add(found.id)
        return found

    def account(self, account_id: str) -> Account | None:
        return self.inner.account(account_id)

    def dedicated_ip(self, address: IPAddress) -> DedicatedIp | None:
        return self.inner.dedicated_ip(address)

    def dedicated_ips_of(self, account_id: str) -> Iterable[DedicatedIp]:
        return self.inner.dedicated_ips_of(account_id)

    def shared_ip_usage(self) -> Iterable[tuple[IPAddress, int]]:
        return self.inner.shared_ip_usage()

    def pool(self, pool_id: str) -> Pool | None:
        return self.inner.pool(pool_id)

    def pool_holding(self, address: IPAddress) -> str | None:
        return self.inner.pool_holding(address)

    def pool_id_in_use(self, pool_id: str) -> bool:
        return self.inner.pool_id_in_use(pool_id)

    def shared_usage(self, address: IPAddress) -> int | None:
        return self.inner.shared_usage(address)

    def subaccounts_of(self, account_id: str) -> list[Account]:
        return self.inner.subaccounts_of(account_id)

    def domains_of(self, account_id: str) -> list[Domain]:
        found = self.inner.domains_of(account_id)
        self.seen.update(d.id for d in found)
        return found

    def pools_owned_by(self, account_id: str) -> list[Pool]:
        return self.inner.pools_owned_by(account_id)

    def pools_delegated_to(self, account_id: str) -> list[Pool]:
        return self.inner.pools_delegated_to(account_id)

    def domain(self, domain_id: str) -> Domain | None:
        return self._saw(self.inner.domain(domain_id))

    def domain_named(self, name: str) -> Domain | None:
        return self._saw(self.inner.domain_named(name))

    def linked_domains(self, pool_id: str, account_id: str | None = None) -> list[Domain]:
        found = self.inner.linked_domains(pool_id, account_id)
        self.seen.update(d.id for d in found)
        return found

    def linked_domains_page(
        self, pool_id: str, account_id: str | None, after: str | None, limit: int
    ) -> list[Domain]:
        found = self.inner.linked_domains_page(pool_id, account_id, after, limit)
        self.seen.update(d.id for d in found)
        return found


def crowded_world() -> World:
    """Three linked DIPPs (C delegated to sub-1, whose two domains are linked to it) among many
    unrelated domains of the same and of another account."""
    bulk = [domain(f"bulk-{n:03}", f"bulk{n}.example", ip_texts=[net(9)]) for n in range(150)]
    other = [
        domain(f"other-{n:03}", f"other{n}.example", "acct-2", ip_texts=[net(99)])
        for n in range(150)
    ]
    return World(
        accounts=[account(), account("acct-2"), account("sub-1", parent="acct-1")],
        dedicated_ips=[
            *(dedicated(net(n)) for n in (1, 2, 3, 5, 9)),
            dedicated(net(99), "acct-2"),
        ],
        domains=[
            domain("dom-1", "a.example", ip_texts=[net(1)], pool=POOL_A),
            domain("dom-2", "b.example", ip_texts=[net(1)], pool=POOL_A),
            domain("dom-3", "c.example", ip_texts=[net(2)], pool=POOL_B),
            domain("s-1", "s1.example", "sub-1", ip_texts=[net(3)], pool=POOL_C),
            domain("s-2", "s2.example", "sub-1", ip_texts=[net(3)], pool=POOL_C),
            *bulk,
            *other,
        ],
        pools=[
            pool(POOL_A, ip_texts=[net(1)]),
            pool(POOL_B, ip_texts=[net(2)]),
            pool(POOL_C, ip_texts=[net(3)], delegated_to=["sub-1"]),
        ],
    )


READS: dict[str, tuple[Command, set[str], int, int]] = {
    "3.1": (RemoveDomainIp(actor(), "bulk7.example", net(9), net(5)), {"bulk-007"}, 1, 0),
    "3.2": (RemoveDomainPool(actor(), "bulk5.example"), {"bulk-005"}, 0, 0),
    "3.3": (UnlinkDomainPool(actor(), "a.example", replacement_pool_id=POOL_B), {"dom-1"}, 1, 0),
    "3.4": (CreatePool(actor(), "n", "d", (net(5),)), set(), 0, 0),
    "3.5": (GetPool(actor(), POOL_B), {"dom-3"}, 0, 0),
    "3.6": (DeletePool(actor(), POOL_A, replacement_pool_id=POOL_B), {"dom-1", "dom-2"}, 0, 2),
    # The subaccount's linked domains follow its subaccount update: not read here.
    "3.6 delegated": (
        DeletePool(actor(), POOL_C, replacement_pool_id=POOL_A),
        set(),
        0,
        1,
    ),
    "3.7": (
        EditPool(actor(), POOL_A, add_ips=(net(5),), link_domain_ids=("bulk-003",)),
        {"dom-1", "dom-2", "bulk-003"},
        1,
        3,
    ),
    "3.8": (AddPoolIp(actor(), POOL_A, net(5)), {"dom-1", "dom-2"}, 0, 2),
    # 3.11: one linked domain per DIPP is enough to know is_linked.
    "3.11": (ListPools(actor()), {"dom-1", "dom-3", "s-1"}, 0, 0),
    "3.12": (ListPoolDomains(actor(), POOL_A, "10", None), {"dom-1", "dom-2"}, 0, 0),
    "3.13": (DelegatePool(actor(), POOL_A, "sub-1"), set(), 0, 0),
    "3.14": (
        RevokeDelegation(actor(), POOL_C, "sub-1", replacement_pool_id=POOL_A),
        {"s-1", "s-2"},
        2,
        0,
    ),
    "3.15": (GetDomainIps(actor(), "bulk3.example"), {"bulk-003"}, 0, 0),
    "3.16": (AssignDomainIp(actor(), "bulk4.example", pool_id=POOL_A), {"bulk-004"}, 1, 1),
}


@pytest.mark.parametrize("case", READS.values(), ids=READS.keys())
def test_commands_read_and_write_only_what_they_touch(
    case: tuple[Command, set[str], int, int],
) -> None:
    """S6: deciding a command reads only the domains it names or that are linked to its DIPP,
    writes only those records, and leaves one update per affected domain, however many
    other domains the state holds.
    """
    command, expected_seen, written, pending = case
    recorder = Recorder(MemoryState(crowded_world()))
    outcome = decide(recorder, command, Policies(ids=SequenceIds(NEW_IDS)))
    assert isinstance(outcome, Accepted), outcome
    assert recorder.seen == expected_seen
    assert len(outcome.changes.domains) == written
    assert len(outcome.changes.pending) == pending
    assert len(outcome.changes.pools) <= 2  # 3.14: the revoked DIPP and its replacement


REFUSALS: dict[str, tuple[Command, set[str]]] = {
    # 3.6.6: a DIPP with IPs needs a replacement whatever is linked to it.
    "3.6 no replacement": (DeletePool(actor(), POOL_B), set()),
    # D10: one linked domain is enough to refuse emptying a DIPP.
    "3.7 last IP": (EditPool(actor(), POOL_A, remove_ips=(net(1),)), {"dom-1"}),
    "3.9 last IP": (RemovePoolIp(actor(), POOL_A, net(1)), {"dom-1"}),
    # D10 on a delegated DIPP: the delegation decides, no link is read.
    "3.9 delegated": (RemovePoolIp(actor(), POOL_C, net(3)), set()),
}


@pytest.mark.parametrize("case", REFUSALS.values(), ids=REFUSALS.keys())
def test_refusals_read_no_more_links_than_they_need(case: tuple[Command, set[str]]) -> None:
    """S6: a refusal that only needs to know whether a DIPP is linked reads at most one
    linked domain, not all of them."""
    command, expected_seen = case
    recorder = Recorder(MemoryState(crowded_world()))
    outcome = decide(recorder, command, Policies(ids=SequenceIds(NEW_IDS)))
    assert isinstance(outcome, Rejected), outcome
    assert outcome.status == 400
    assert recorder.seen == expected_seen


def test_processing_one_update_rewrites_only_its_domain() -> None:
    """S6, S5: processing a domain update rewrites that one stored domain and nothing else."""
    eng = engine(crowded_world())
    accept(eng, AddPoolIp(actor(), POOL_A, net(5)), STARTED)
    before = {d.id: d for d in eng.state.world().domains}
    assert eng.process(1) == 1
    after = {d.id: d for d in eng.state.world().domains}
    changed = sorted(key for key in after if after[key] != before[key])
    assert changed == ["dom-1"]
    assert after["dom-1"].ips == ips(net(1), net(5))


# -- pages of linked domains (S6, the shape of 3.12) ---------------------------------------------


class CountingStorage(MemoryStorage):
    """In-memory storage that counts the stored links it hands out."""

    def __init__(self) -> None:
        super().__init__()
        self.links_read = 0

    def linked(
        self, pool_id: str, account_id: str | None, after: str | None, limit: int | None
    ) -> list[Domain]:
        found = super().linked(pool_id, account_id, after, limit)
        self.links_read += len(found)
        return found


def paging_world() -> World:
    """A linked to 3,000 domains of acct-1 and 1,000 of its subaccount; B to 1,000 more."""
    a_ips, b_ips = [net(1)], [net(2)]
    domains = [
        domain(f"a-{n:04}", f"a{n}.example", ip_texts=a_ips, pool=POOL_A) for n in range(3000)
    ]
    domains += [
        domain(f"s-{n:04}", f"s{n}.example", "sub-1", ip_texts=a_ips, pool=POOL_A)
        for n in range(1000)
    ]
    domains += [
        domain(f"b-{n:04}", f"b{n}.example", ip_texts=b_ips, pool=POOL_B) for n in range(1000)
    ]
    return World(
        accounts=[account(), account("sub-1", parent="acct-1")],
        dedicated_ips=[dedicated(net(1)), dedicated(net(2))],
        domains=domains,
        pools=[
            pool(POOL_A, ip_texts=a_ips, delegated_to=["sub-1"]),
            pool(POOL_B, ip_texts=b_ips),
        ],
    )


def test_a_page_of_linked_domains_reads_one_page_per_id_of_the_chain() -> None:
    """S6: once B is deleted into A, a page of A's linked domains merges A's and B's links in
    id order, and reads at most ``limit`` stored links for each of the two ids, however many
    domains are linked."""
    storage = CountingStorage()
    load_world(storage, paging_world())
    state = StoredState(storage)
    outcome = decide(state, DeletePool(actor(), POOL_B, replacement_pool_id=POOL_A))
    assert isinstance(outcome, Accepted)
    state.write(outcome.changes)
    storage.links_read = 0
    page = state.linked_domains_page(POOL_A, None, "a-2996", 5)
    assert [d.id for d in page] == ["a-2997", "a-2998", "a-2999", "b-0000", "b-0001"]
    assert {d.pool_id for d in page} == {POOL_A}
    assert {d.ips for d in page} == {ips(net(1))}
    assert storage.links_read <= 10
    storage.links_read = 0
    own = state.linked_domains_page(POOL_A, "sub-1", "s-0997", 10)
    assert [d.id for d in own] == ["s-0998", "s-0999"]
    assert storage.links_read <= 2
    assert state.linked_domains_page(POOL_B, None, None, 5) == []


def test_pages_walked_to_the_end_give_every_linked_domain_once_in_order() -> None:
    """3.5, S2: walking the pages of a DIPP's linked domains, for every account and page size,
    gives exactly its linked domains in id order, through a chain of deletions."""
    eng = engine(paging_world())
    accept(eng, DeletePool(actor(), POOL_B, replacement_pool_id=POOL_A), STARTED)
    assert eng.process(700) == 700
    for owner in (None, "acct-1", "sub-1", "ghost"):
        linked = eng.state.linked_domains(POOL_A, owner)
        for size in (1, 7, 1000, 6000):
            walked: list[Domain] = []
            after: str | None = None
            while page := eng.state.linked_domains_page(POOL_A, owner, after, size):
                assert len(page) <= size
                walked += page
                after = page[-1].id
            assert walked == linked
    assert len(eng.state.linked_domains(POOL_A)) == 5000
    assert len(eng.state.linked_domains(POOL_A, "sub-1")) == 1000


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.text(alphabet="abc", max_size=4)),
        max_size=200,
    ),
    st.one_of(st.none(), st.text(alphabet="abcd", max_size=4)),
)
def test_sorted_ids_keep_a_sorted_set_in_small_buckets(
    steps: list[tuple[bool, str]], start: str | None
) -> None:
    """SortedIds, the index of stored links, behaves as a sorted set: after any adds and
    discards it holds the same items, in order, and pages after any start agree."""

    class Small(SortedIds):
        SPLIT = 3

    ids = Small()
    model: set[str] = set()
    for adding, item in steps:
        if adding:
            ids.add(item)
            model.add(item)
        else:
            ids.discard(item)
            model.discard(item)
    assert list(ids) == sorted(model)
    assert len(ids) == len(model)
    assert bool(ids) == bool(model)
    assert list(ids.after(start)) == sorted(i for i in model if start is None or i > start)


def test_a_link_that_leads_nowhere_resolves_to_an_unlinked_domain() -> None:
    """A damaged store never makes a read fail: a link to an id that is neither live nor
    buried, a cycle of tombstones, a tombstone without a replacement, or a shared
    replacement without a choice for the domain, each give the domain unlinked with the IPs
    it has. A choice stored apart from its tombstone is found through ``shared_choice``."""
    stored = domain("dom-1", "a.example", ip_texts=[net(1)], pool=POOL_A)
    unlinked = domain("dom-1", "a.example", ip_texts=[net(1)])
    graves = {
        POOL_A: Tombstone(POOL_A, "acct-1", ReplaceWithPool(POOL_B)),
        POOL_B: Tombstone(POOL_B, "acct-1", ReplaceWithPool(POOL_A)),
    }
    no_pool: dict[str, Pool] = {}
    no_grave: dict[str, Tombstone] = {}
    assert resolve_domain(stored, no_grave.get, no_pool.get) == unlinked
    assert resolve_domain(stored, graves.get, no_pool.get) == unlinked
    for replacement in (None, ReplaceWithShared({"dom-2": ip(SHARED_1)})):
        grave = {POOL_A: Tombstone(POOL_A, "acct-1", replacement)}
        assert resolve_domain(stored, grave.get, no_pool.get) == unlinked
    chosen = {POOL_A: Tombstone(POOL_A, "acct-1", ReplaceWithShared({}))}
    picks = {(POOL_A, "dom-1"): ip(SHARED_2)}
    assert resolve_domain(
        stored, chosen.get, no_pool.get, lambda pool_id, domain_id: picks.get((pool_id, domain_id))
    ) == domain("dom-1", "a.example", ip_texts=[SHARED_2])
    live = {POOL_C: pool(POOL_C, ip_texts=[net(3)])}
    graves[POOL_B] = Tombstone(POOL_B, "acct-1", ReplaceWithPool(POOL_C))
    assert resolve_domain(stored, graves.get, live.get) == domain(
        "dom-1", "a.example", ip_texts=[net(3)], pool=POOL_C
    )
