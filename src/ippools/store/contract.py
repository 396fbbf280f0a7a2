"""The store contract: the checks every store must pass, written once against a store factory.

A *store factory* takes a settled :class:`~ippools.world.World` and a clock (a
callable giving seconds) and returns a new store holding that world, with no
pending update, that measures claim leases with that clock. Each check builds the
stores it needs with the factory, exercises one promise of
:class:`~ippools.store.Store` over the adapter, closes them, and raises
:class:`AssertionError` with a message naming what differed. No check depends
on how much time passes: leases are measured on a clock the check moves.
The reference for every read and every world is
:class:`~ippools.memory_state.MemoryState` given the same world and the same changes.

Run every check with :func:`run_contract`, or one at a time from :data:`CHECKS`
(for example as a parametrised test)::

    from ippools.store.contract import CHECKS

    @pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
    def test_my_store(check, tmp_path):
        check(lambda world, clock: MyStore(tmp_path / "x", world, clock=clock))

Nothing here imports a test framework.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeAlias

from ippools.commands import (
    AddPoolIp,
    AddPoolIps,
    Command,
    CreatePool,
    DelegatePool,
    DeletePool,
    EditPool,
    GetPool,
    ListPoolDomains,
    RemoveDomainIp,
    RemoveDomainPool,
    RemovePoolIp,
    RevokeDelegation,
    UnlinkDomainPool,
)
from ippools.engine import Engine
from ippools.errors import ConflictError
from ippools.memory_state import MemoryState
from ippools.model import DedicatedIp, Domain, IPAddress, Pool, ip_sort_key
from ippools.outcome import (
    Changes,
    DomainUpdate,
    Rejected,
    SubaccountUpdate,
)
from ippools.policies import Policies, SequenceIds
from ippools.state import StateView
from ippools.store.base import Clock, Store
from ippools.store.contract_data import (
    NEW_IDS,
    OTHER,
    PARENT,
    POOL_A,
    POOL_B,
    POOL_C,
    POOL_D,
    POOLS,
    SEQUENCES,
    SHARED_1,
    SHARED_2,
    SHARED_3,
    SUB,
    Step,
    contract_world,
    ip,
    ips,
    who,
)
from ippools.store.ports import RecordKey
from ippools.world import World

__all__ = [
    "CHECKS",
    "NEW_IDS",
    "POOLS",
    "SEQUENCES",
    "ManualClock",
    "Step",
    "StoreFactory",
    "assert_same_reads",
    "check_claims_take_the_oldest_unleased_updates",
    "check_commit_round_trips",
    "check_commit_with_a_stale_version_writes_nothing",
    "check_delegation_moves_domains_and_pages_follow",
    "check_delegations_and_relinked_domains_commit_as_one_write",
    "check_expired_claims_run_again_harmlessly",
    "check_marking_done_removes_each_update_once",
    "check_new_store_holds_its_world",
    "check_process_takes_the_oldest_updates_claimed_or_not",
    "check_reads_are_effective_before_settle",
    "check_rejected_commands_write_nothing",
    "check_replays_match_the_memory_state",
    "check_transactions_serialise_threads",
    "check_updates_not_queued_change_nothing_wrong",
    "check_versions_count_writes",
    "contract_world",
    "run_contract",
]

StoreFactory: TypeAlias = Callable[[World, Clock], Store]
"""Makes a new store holding a settled world, with no pending update, leasing by the clock."""


class ManualClock:
    """A clock that stands still until moved: ``clock()`` is ``now``."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock ``seconds`` forward."""
        self.now += seconds


@contextmanager
def _opened(
    factory: StoreFactory, world: World | None = None, clock: Clock | None = None
) -> Iterator[Store]:
    with factory(
        world if world is not None else contract_world(),
        clock if clock is not None else ManualClock(),
    ) as store:
        yield store


def _policies() -> Policies:
    return Policies(ids=SequenceIds(NEW_IDS))


def _expect(actual: object, expected: object, what: str) -> None:
    if actual != expected:
        raise AssertionError(f"{what}:\n  expected {expected!r}\n  got      {actual!r}")


def _usage(view: Any) -> list[tuple[IPAddress, int]]:
    return sorted(view.shared_ip_usage(), key=lambda item: ip_sort_key(item[0]))


def _owned(view: Any, account_id: str) -> list[DedicatedIp]:
    return sorted(view.dedicated_ips_of(account_id), key=lambda record: ip_sort_key(record.ip))


def _expect_pages(
    view: StateView, pool_id: str, owner: str | None, linked: list[Domain], where: str
) -> None:
    """Pages of every size from 1 to 3, walked to the end, give ``linked``; so do pages after
    ids that are not linked."""
    label = f"{where}linked_domains_page({pool_id}, {owner}"
    for size in (1, 2, 3):
        walked: list[Domain] = []
        after: str | None = None
        while page := view.linked_domains_page(pool_id, owner, after, size):
            if len(page) > size:
                raise AssertionError(f"{label}, {after}, {size}): {len(page)} domains")
            walked += page
            after = page[-1].id
        _expect(walked, linked, f"{label}, ..., {size}) walked to the end")
    for after in ("d-a", "d-b", "d-s1", "d-z"):
        _expect(
            view.linked_domains_page(pool_id, owner, after, 2),
            [domain for domain in linked if domain.id > after][:2],
            f"{label}, {after!r}, 2)",
        )
    _expect(view.linked_domains_page(pool_id, owner, None, 0), [], f"{label}, None, 0)")


def assert_same_reads(store: Store, reference: MemoryState, label: str = "") -> None:
    """Raise :class:`AssertionError` unless ``store`` answers every read as ``reference`` does.

    Compares the stored and effective worlds, the pending updates and every
    :class:`~ippools.state.StateView` read on each record of either world (plus
    unknown ids, names in other cases and with a trailing dot), and walks the
    pages of every DIPP's linked domains.
    """
    where = f"{label}: " if label else ""
    world = reference.world()
    _expect(store.world(), world, f"{where}stored world")
    _expect(store.effective_world(), reference.effective_world(), f"{where}effective world")
    _expect(store.pending, reference.pending, f"{where}pending updates")
    _expect(store.pending_count, reference.pending_count, f"{where}pending count")
    _expect(_usage(store), _usage(reference), f"{where}shared_ip_usage()")
    accounts = [account.id for account in world.accounts] + ["acct-none"]
    for account_id in accounts:
        _expect(store.account(account_id), reference.account(account_id), f"{where}account")
        _expect(_owned(store, account_id), _owned(reference, account_id), f"{where}owned IPs")
        _expect(
            store.subaccounts_of(account_id),
            reference.subaccounts_of(account_id),
            f"{where}subaccounts_of({account_id})",
        )
        _expect(
            store.domains_of(account_id),
            reference.domains_of(account_id),
            f"{where}domains_of({account_id})",
        )
        _expect(
            store.pools_owned_by(account_id),
            reference.pools_owned_by(account_id),
            f"{where}pools_owned_by({account_id})",
        )
        _expect(
            store.pools_delegated_to(account_id),
            reference.pools_delegated_to(account_id),
            f"{where}pools_delegated_to({account_id})",
        )
    probes = [record.ip for record in world.dedicated_ips] + list(world.shared_ips)
    probes.append(ip("192.0.2.99"))
    for probe in probes:
        _expect(
            store.dedicated_ip(probe),
            reference.dedicated_ip(probe),
            f"{where}dedicated_ip({probe})",
        )
        _expect(
            store.shared_usage(probe),
            reference.shared_usage(probe),
            f"{where}shared_usage({probe})",
        )
        _expect(
            store.pool_holding(probe),
            reference.pool_holding(probe),
            f"{where}pool_holding({probe})",
        )
    pool_ids = [*POOLS, *NEW_IDS, "e" * 24, "not-a-pool-id"]
    for pool_id in pool_ids:
        _expect(store.pool(pool_id), reference.pool(pool_id), f"{where}pool({pool_id})")
        _expect(
            store.pool_id_in_use(pool_id),
            reference.pool_id_in_use(pool_id),
            f"{where}pool_id_in_use({pool_id})",
        )
        for owner in [None, *accounts]:
            linked = reference.linked_domains(pool_id, owner)
            _expect(
                store.linked_domains(pool_id, owner),
                linked,
                f"{where}linked_domains({pool_id}, {owner})",
            )
            _expect_pages(store, pool_id, owner, linked, where)
    domains = contract_world().domains
    for record in domains:
        for domain_id in (record.id, record.id.upper()):
            _expect(store.domain(domain_id), reference.domain(domain_id), f"{where}domain")
            _expect(
                store.stored_domain(domain_id),
                reference.stored_domain(domain_id),
                f"{where}stored_domain({domain_id})",
            )
        for name in (record.name, record.name.upper(), record.name + ".", record.name + ".."):
            _expect(store.domain_named(name), reference.domain_named(name), f"{where}domain_named")


def _versions(store: Store) -> dict[RecordKey, int]:
    keys = [RecordKey.pool(pool_id) for pool_id in (*POOLS, *NEW_IDS)]
    keys += [RecordKey.domain(domain.id) for domain in contract_world().domains]
    return {key: store.version(key) for key in keys}


# -- the checks ------------------------------------------------------------


def check_new_store_holds_its_world(factory: StoreFactory) -> None:
    """A new store holds exactly its world, settled, with nothing pending (§7, K14)."""
    world = contract_world()
    with _opened(factory, world) as store:
        _expect(store.world(), world, "stored world of a new store")
        _expect(store.effective_world(), world, "effective world of a new store")
        _expect(store.pending, (), "pending updates of a new store")
        assert_same_reads(store, MemoryState(world), "new store")
    with _opened(factory, World()) as empty:
        _expect(empty.world(), World(), "stored world of an empty store")
        _expect(empty.pending_count, 0, "pending count of an empty store")


def check_commit_round_trips(factory: StoreFactory) -> None:
    """A commit stores its records and queues its pending updates, in order (S4, S5)."""
    world = contract_world()
    grown = Pool(POOL_B, PARENT, "beta", "renamed", ips("10.0.1.3", "10.0.1.6"))
    created = Pool(NEW_IDS[0], OTHER, "new", "made", ips("10.0.2.3"))
    rewritten = Domain("d-u2", "u2.example.com", PARENT, None, ips(SHARED_2))
    added = Domain("d-c3", "c3.example.org", OTHER, POOL_C, ips("10.0.2.1"))
    pending = (DomainUpdate("d-b1"), SubaccountUpdate(SUB, POOL_A), DomainUpdate("d-a1"))
    changes = Changes(
        pools=(grown, created),
        domains=(rewritten, added),
        deleted_domains=("d-c2",),
        pending=pending,
    )
    with _opened(factory, world) as store:
        store.commit(changes)
        reference = MemoryState(world)
        reference.apply(changes)
        _expect(store.pending, pending, "pending updates after a commit")
        expected = World(
            accounts=world.accounts,
            dedicated_ips=world.dedicated_ips,
            shared_ips=world.shared_ips,
            pools=[p for p in world.pools if p.pool_id != POOL_B] + [grown, created],
            domains=[d for d in world.domains if d.id not in ("d-u2", "d-c2")] + [rewritten, added],
        )
        _expect(store.world(), expected, "stored world after a commit")
        assert_same_reads(store, reference, "after a commit")
        store.commit(Changes(pending=(DomainUpdate("d-a2"),)))
        _expect(store.pending, (*pending, DomainUpdate("d-a2")), "pending after a second commit")


def check_reads_are_effective_before_settle(factory: StoreFactory) -> None:
    """Reads answer in the effective state while updates are pending (S2, §5, D4)."""
    world = contract_world()
    with _opened(factory, world) as store:
        engine = Engine(store, _policies())
        reference = Engine(MemoryState(world), _policies())
        for command in (
            AddPoolIp(who(PARENT), POOL_A, "10.0.1.6"),
            DeletePool(who(PARENT), POOL_B, replacement_pool_id=POOL_A),
            DeletePool(who(OTHER), POOL_C, replacement_ip="10.0.2.3"),
            EditPool(who(PARENT), POOL_D, add_ips=("10.0.1.4",), link_domain_ids=("d-u1",)),
            DeletePool(who(PARENT), POOL_D, replacement_ip="shared"),
        ):
            _expect(engine.execute(command), reference.execute(command), f"outcome of {command}")
            assert_same_reads(store, reference.state, f"after {type(command).__name__}")
        a_ips = ips("10.0.1.1", "10.0.1.2", "10.0.1.6")
        _expect(store.stored_domain("d-b1"), world.domains[2], "stored d-b1 before settle")
        _expect(
            store.domain("d-b1"),
            Domain("d-b1", "b1.example.com", PARENT, POOL_A, a_ips),
            "effective d-b1 before settle",
        )
        _expect(
            [d.id for d in store.linked_domains(POOL_A)],
            ["d-a1", "d-a2", "d-b1", "d-s1"],
            "domains effectively linked to A",
        )
        _expect(
            store.domain("d-c1"),
            Domain("d-c1", "c1.example.org", OTHER, None, ips("10.0.2.3")),
            "effective d-c1 of a DIPP deleted with an IP replacement",
        )
        _expect(
            store.domain("d-u1"),
            Domain("d-u1", "u1.example.com", PARENT, None, ips(SHARED_2)),
            "effective d-u1 of a DIPP deleted with a shared replacement",
        )
        _expect(
            _usage(store),
            [(ip(SHARED_1), 1), (ip(SHARED_2), 1), (ip(SHARED_3), 0)],
            "shared IP usage in the effective state",
        )
        _expect(engine.settle(), reference.settle(), "settled count")
        assert_same_reads(store, reference.state, "after settle")
        _expect(store.world(), store.effective_world(), "stored world after settle")


def check_commit_with_a_stale_version_writes_nothing(factory: StoreFactory) -> None:
    """A version mismatch raises ConflictError; neither changes nor pending updates are kept."""
    world = contract_world()
    changes = Changes(
        pools=(Pool(POOL_A, PARENT, "alpha", "first", ips("10.0.1.1"), frozenset({SUB})),),
        pending=(DomainUpdate("d-a1"), DomainUpdate("d-a2"), SubaccountUpdate(SUB, POOL_A)),
    )
    with _opened(factory, world) as store:
        before = _versions(store)
        for expected in (
            {RecordKey.pool(POOL_A): 2},
            {RecordKey.pool(POOL_A): 1, RecordKey.domain("d-a1"): 0},
            {RecordKey.pool(NEW_IDS[0]): 1},
        ):
            try:
                store.commit(changes, expected)
            except ConflictError:
                pass
            else:
                raise AssertionError(f"commit expecting {expected} did not raise ConflictError")
            assert_same_reads(store, MemoryState(world), f"after a refused commit {expected}")
            _expect(_versions(store), before, "versions after a refused commit")
        store.commit(changes, {RecordKey.pool(POOL_A): 1, RecordKey.domain("d-a1"): 1})
        _expect(store.pending, changes.pending, "pending after the accepted commit")


def check_versions_count_writes(factory: StoreFactory) -> None:
    """Versions: 0 never existed, 1 as created, +1 per committed write or deletion only."""
    world = contract_world()
    with _opened(factory, world) as store:
        engine = Engine(store, _policies())
        initial = _versions(store)
        expected = {key: (0 if key.id in NEW_IDS else 1) for key in initial}
        _expect(initial, expected, "versions of a new store")
        engine.execute(AddPoolIp(who(PARENT), POOL_A, "10.0.1.6"))  # A written
        engine.execute(CreatePool(who(PARENT), "n", "d"))  # NEW_IDS[0] created
        engine.execute(DeletePool(who(PARENT), POOL_B, replacement_pool_id=POOL_A))
        engine.execute(RemoveDomainPool(who(OTHER), "c2.example.org"))  # d-c2 deleted
        engine.execute(RemoveDomainIp(who(PARENT), "u1.example.com", "10.0.1.4"))
        engine.execute(GetPool(who(PARENT), POOL_A))  # reads write nothing
        engine.execute(AddPoolIp(who(PARENT), POOL_A, "10.0.1.6"))  # D11: no change
        expected[RecordKey.pool(POOL_A)] = 2
        expected[RecordKey.pool(NEW_IDS[0])] = 1
        expected[RecordKey.pool(POOL_B)] = 2
        expected[RecordKey.domain("d-c2")] = 2
        expected[RecordKey.domain("d-u1")] = 2
        _expect(_versions(store), expected, "versions after five writes")
        engine.settle()
        _expect(_versions(store), expected, "versions after processing (which writes no version)")
        engine.execute(EditPool(who(PARENT), POOL_A, unlink_domain_ids=("d-b1",)))
        expected[RecordKey.pool(POOL_A)] = 3
        expected[RecordKey.domain("d-b1")] = 2
        _expect(_versions(store), expected, "versions after an edit")


def check_claims_take_the_oldest_unleased_updates(factory: StoreFactory) -> None:
    """claim() leases the oldest updates not leased; ids grow in queue order (S5)."""
    updates = tuple(DomainUpdate(d) for d in ("d-a1", "d-a2", "d-s1", "d-b1", "d-c1"))
    with _opened(factory) as store:
        store.commit(Changes(pending=updates[:2]))
        store.commit(Changes(pending=updates[2:]))
        first = store.claim(2, lease=3600)
        _expect([c.update for c in first], list(updates[:2]), "first claim")
        second = store.claim(2, lease=3600)
        _expect([c.update for c in second], list(updates[2:4]), "second claim")
        ids = [c.id for c in first + second]
        _expect(ids, sorted(set(ids)), "claim ids increase in queue order")
        third = store.claim(5, lease=3600)
        _expect([c.update for c in third], [updates[4]], "third claim takes what is left")
        _expect(store.claim(5, lease=3600), [], "nothing left to claim")
        _expect(store.pending, updates, "claimed updates stay pending")
        _expect(store.pending_count, 5, "claimed updates stay counted")


def check_marking_done_removes_each_update_once(factory: StoreFactory) -> None:
    """mark_done() removes claimed updates and counts only those still pending (S5)."""
    updates = (DomainUpdate("d-a1"), DomainUpdate("d-a2"), DomainUpdate("d-s1"))
    with _opened(factory) as store:
        store.commit(Changes(pending=updates))
        claims = store.claim(2, lease=3600)
        _expect(store.mark_done([claims[1].id]), 1, "count marking the second claim done")
        _expect(store.pending, (updates[0], updates[2]), "pending after marking one done")
        _expect(store.mark_done([c.id for c in claims]), 1, "count marking both done")
        _expect(store.mark_done([c.id for c in claims]), 0, "count marking them done again")
        _expect(store.mark_done([10**9]), 0, "count marking an unknown id done")
        _expect(store.pending, (updates[2],), "pending after marking done")
        store.commit(Changes(pending=(DomainUpdate("d-b1"),)))
        fresh = store.claim(5, lease=3600)
        _expect([c.update for c in fresh], [updates[2], DomainUpdate("d-b1")], "next claim")
        if {c.id for c in fresh} & {c.id for c in claims}:
            raise AssertionError(f"claim ids were reused: {claims} then {fresh}")


def check_expired_claims_run_again_harmlessly(factory: StoreFactory) -> None:
    """An update left claimed (a worker died) is claimed again once its lease ends, not
    before (S5)."""
    world = contract_world()
    clock = ManualClock()
    with _opened(factory, world, clock) as store:
        engine = Engine(store, _policies())
        reference = Engine(MemoryState(world), _policies())
        command = AddPoolIp(who(PARENT), POOL_A, "10.0.1.6")
        engine.execute(command)
        reference.execute(command)
        claims = store.claim(10, lease=30.0)
        _expect(len(claims), 3, "claims of the three pending updates")
        for claim in claims:  # the worker carries them out, then dies before marking them done
            store.run_update(claim.update)
        clock.advance(29.5)
        _expect(store.claim(10, lease=3600), [], "claim while the lease holds")
        clock.advance(0.5)
        again = store.claim(10, lease=3600)
        _expect(again, claims, "the expired claims are claimed again, same ids and updates")
        for claim in again:
            store.run_update(claim.update)
        _expect(store.mark_done(c.id for c in again), len(claims), "marked done")
        reference.settle()
        assert_same_reads(store, reference.state, "after running updates twice")


def check_process_takes_the_oldest_updates_claimed_or_not(factory: StoreFactory) -> None:
    """process(n) carries out and removes the n oldest updates, claimed or not (S5)."""
    world = contract_world()
    with _opened(factory, world) as store:
        engine = Engine(store, _policies())
        reference = Engine(MemoryState(world), _policies())
        for command in (
            AddPoolIp(who(PARENT), POOL_A, "10.0.1.6"),
            RemovePoolIp(who(PARENT), POOL_A, "10.0.1.1"),
        ):
            engine.execute(command)
            reference.execute(command)
        store.claim(1, lease=3600)
        for step in (1, 2, 0, None):
            _expect(engine.process(step), reference.process(step), f"process({step}) count")
            assert_same_reads(store, reference.state, f"after process({step})")
        _expect(engine.process(5), 0, "process() on an empty outbox")


def check_updates_not_queued_change_nothing_wrong(factory: StoreFactory) -> None:
    """run_update() of an unknown domain or of a settled one changes nothing (S5)."""
    world = contract_world()
    with _opened(factory, world) as store:
        before = _versions(store)
        for update in (
            DomainUpdate("d-none"),
            DomainUpdate("d-a1"),
            SubaccountUpdate(SUB, POOL_A),
            SubaccountUpdate("acct-none", "e" * 24),
        ):
            store.run_update(update)
        assert_same_reads(store, MemoryState(world), "after running needless updates")
        _expect(_versions(store), before, "versions after running needless updates")


def check_rejected_commands_write_nothing(factory: StoreFactory) -> None:
    """A rejected command changes nothing and leaves nothing pending (C4)."""
    world = contract_world()
    rejected: list[Command] = [
        RemoveDomainIp(who(PARENT), "a1.example.com", "10.0.1.1"),  # 3.1.2 linked
        DeletePool(who(PARENT), POOL_A, replacement_ip="shared"),  # D6 delegated
        EditPool(who(PARENT), POOL_B, name="beta"),  # D8 no change
        RemovePoolIp(who(OTHER), POOL_C, "10.0.2.1"),  # D10 last IP
        AddPoolIps(who(PARENT), POOL_B, {"ips": ["10.0.1.6", "10.0.2.1"]}),  # 3.10 one bad
        CreatePool(who(OTHER), "  ", "x"),  # 3.4 blank name
        UnlinkDomainPool(who(SUB), "s1.example.net", replacement_ip="10.0.1.1"),  # K8
    ]
    with _opened(factory, world) as store:
        engine = Engine(store, _policies())
        before = _versions(store)
        for command in rejected:
            outcome = engine.execute(command)
            if not isinstance(outcome, Rejected):
                raise AssertionError(f"{command} was not rejected: {outcome}")
            assert_same_reads(store, MemoryState(world), f"after rejected {command}")
            _expect(_versions(store), before, f"versions after rejected {command}")


def check_transactions_serialise_threads(factory: StoreFactory) -> None:
    """A transaction keeps other threads' writes out until it ends; it is re-entrant.

    The other thread's commit is given a moment to get in while the transaction is
    open: a store that lets it in fails at once, and one that keeps it out passes
    however long the moment lasts.
    """
    with _opened(factory) as store:
        inside = threading.Event()
        committed = threading.Event()
        order: list[str] = []

        def other() -> None:
            inside.wait(5)
            store.commit(Changes(pending=(DomainUpdate("d-a2"),)))
            order.append("other committed")
            committed.set()

        thread = threading.Thread(target=other)
        thread.start()
        with store.transaction():
            with store.transaction():
                store.commit(Changes(pending=(DomainUpdate("d-a1"),)))
            inside.set()
            if committed.wait(0.2):
                raise AssertionError("another thread committed inside an open transaction")
            order.append("first ends")
            _expect(store.pending, (DomainUpdate("d-a1"),), "pending inside the transaction")
        thread.join(10)
        _expect(order, ["first ends", "other committed"], "order of the two writers")
        _expect(store.pending, (DomainUpdate("d-a1"), DomainUpdate("d-a2")), "pending after")


def check_delegations_and_relinked_domains_commit_as_one_write(factory: StoreFactory) -> None:
    """Changing DIPPs' delegations and relinking the subaccount's domains is one ordinary
    commit, through tombstones too: reads, pages and worlds stay MemoryState's (S2, S6)."""
    world = contract_world()
    with _opened(factory, world) as store:
        engine = Engine(store, _policies())
        reference = Engine(MemoryState(world), _policies())
        command = DeletePool(who(PARENT), POOL_B, replacement_pool_id=POOL_A)
        _expect(engine.execute(command), reference.execute(command), "outcome of the deletion")
        spare = ips("10.0.1.4")
        changes = Changes(
            pools=(
                Pool(POOL_A, PARENT, "alpha", "first", ips("10.0.1.1", "10.0.1.2")),
                Pool(POOL_D, PARENT, "delta", "spare", spare, frozenset({SUB})),
            ),
            domains=(
                Domain("d-s1", "s1.example.net", SUB, None, ips("10.0.3.1")),
                Domain("d-s2", "s2.example.net", SUB, POOL_D, spare),
                Domain("d-b1", "b1.example.com", PARENT, POOL_D, spare),
            ),
            pending=(SubaccountUpdate(SUB, POOL_A),),
        )
        store.commit(changes)
        reference.state.apply(changes)
        assert_same_reads(store, reference.state, "after a change of delegations")
        _expect(
            [d.id for d in store.linked_domains_page(POOL_D, None, None, 5)],
            ["d-b1", "d-s2"],
            "domains linked to D",
        )
        _expect(store.linked_domains(POOL_A, SUB), [], "the subaccount's domains linked to A")
        _expect(store.settle(), reference.settle(), "settled count")
        assert_same_reads(store, reference.state, "after a change of delegations, settled")


def check_delegation_moves_domains_and_pages_follow(factory: StoreFactory) -> None:
    """3.13/3.14: delegation indexes follow every write; a revocation relinks exactly the
    subaccount's linked domains, synchronously; 3.12 pages walk the links in id order."""
    p = who(PARENT)
    with _opened(factory) as store:
        engine = Engine(store, _policies())
        _expect([pool.pool_id for pool in store.pools_delegated_to(SUB)], [POOL_A], "delegated")
        _expect(
            [pool.pool_id for pool in store.pools_owned_by(PARENT)],
            [POOL_A, POOL_B, POOL_D],
            "owned by the parent",
        )
        outcome = engine.execute(DelegatePool(p, POOL_B, SUB))
        _expect(outcome.status, 200, f"delegate: {outcome!r}")
        _expect(
            [pool.pool_id for pool in store.pools_delegated_to(SUB)],
            [POOL_A, POOL_B],
            "delegated after 3.13",
        )
        outcome = engine.execute(RevokeDelegation(p, POOL_A, SUB, replacement_pool_id=POOL_B))
        _expect(outcome.status, 200, f"revoke: {outcome!r}")
        _expect(
            [pool.pool_id for pool in store.pools_delegated_to(SUB)],
            [POOL_B],
            "delegated after 3.14",
        )
        _expect(
            store.stored_domain("d-s1"),
            Domain("d-s1", "s1.example.net", SUB, POOL_B, ips("10.0.1.3")),
            "the subaccount's domain, rewritten at once",
        )
        _expect([d.id for d in store.linked_domains(POOL_A)], ["d-a1", "d-a2"], "A keeps its own")
        outcome = engine.execute(ListPoolDomains(p, POOL_B, "10", "ZC1iMQ"))  # after d-b1
        _expect(
            outcome.body["domains"],
            [{"id": "d-s1", "name": "s1.example.net"}],
            "3.12 page after the token of d-b1",
        )
        _expect(store.pending, (), "nothing pending")


def check_replays_match_the_memory_state(factory: StoreFactory) -> None:
    """Command sequences give the answers and worlds MemoryState gives, step by step (S1)."""
    for name, steps in SEQUENCES.items():
        world = contract_world()
        with _opened(factory, world) as store:
            engine = Engine(store, _policies())
            reference = Engine(MemoryState(world), _policies())
            for index, step in enumerate(itertools.chain(steps, [None])):
                label = f"sequence {name!r} step {index} ({step!r})"
                if step is None or isinstance(step, int):
                    _expect(engine.process(step), reference.process(step), f"{label}: count")
                else:
                    _expect(engine.execute(step), reference.execute(step), f"{label}: outcome")
                _expect(store.pending, reference.state.pending, f"{label}: pending")
                _expect(store.world(), reference.state.world(), f"{label}: stored world")
                _expect(
                    store.effective_world(),
                    reference.state.effective_world(),
                    f"{label}: effective world",
                )
            assert_same_reads(store, reference.state, f"sequence {name!r} settled")


CHECKS: tuple[Callable[[StoreFactory], None], ...] = (
    check_new_store_holds_its_world,
    check_commit_round_trips,
    check_reads_are_effective_before_settle,
    check_commit_with_a_stale_version_writes_nothing,
    check_delegations_and_relinked_domains_commit_as_one_write,
    check_delegation_moves_domains_and_pages_follow,
    check_versions_count_writes,
    check_claims_take_the_oldest_unleased_updates,
    check_marking_done_removes_each_update_once,
    check_expired_claims_run_again_harmlessly,
    check_process_takes_the_oldest_updates_claimed_or_not,
    check_updates_not_queued_change_nothing_wrong,
    check_rejected_commands_write_nothing,
    check_transactions_serialise_threads,
    check_replays_match_the_memory_state,
)
"""Every check of the store contract, in a sensible order."""


def run_contract(factory: StoreFactory) -> None:
    """Run every check of :data:`CHECKS` on stores from ``factory``.

    Raises :class:`AssertionError` naming the first check that failed.
    """
    for check in CHECKS:
        try:
            check(factory)
        except AssertionError as error:
            raise AssertionError(f"{check.__name__}: {error}") from error
