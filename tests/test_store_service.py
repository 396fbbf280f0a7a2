"""The service: commands and wire requests as serialised steps, retries, batched processing."""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest

import ippools.service as service_module
from ippools import (
    Accepted,
    Actor,
    AddPoolIp,
    Changes,
    Command,
    ConflictError,
    DeletePool,
    DomainUpdate,
    Engine,
    GetDomainIps,
    GetPool,
    ListPoolDomains,
    ListPools,
    MemoryState,
    Outcome,
    Policies,
    Rejected,
    RemovePoolIp,
    SequenceIds,
    SubaccountUpdate,
    World,
)
from ippools.service import READ_COMMANDS
from ippools.store import (
    DEFAULT_LEASE,
    Claim,
    MemoryStore,
    Service,
    SqliteStore,
    Store,
    StoreBusy,
)
from ippools.store.contract_data import POOL_A, POOL_B, POOL_C, contract_world
from ippools.wire import Request
from ippools.wire.routes import ROUTES, Call, Param
from tests.support import actor

P = actor("acct-1")
OTHER = actor("acct-2")
HEADERS = {
    "X-Mailgun-Account-Id": "acct-1",
    "X-Mailgun-Requestor": "ops@example.com",
    "X-Mailgun-Requestor-Client": "cli",
}
A_UPDATES = (DomainUpdate("d-a1"), DomainUpdate("d-a2"), SubaccountUpdate("acct-1a", POOL_A))

_files = itertools.count()
MakeStore = Callable[[World], Store]


@pytest.fixture(params=["memory", "sqlite"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeStore]:
    """Stores of either adapter, closed after the test."""
    opened: list[Store] = []

    def make(world: World) -> Store:
        store: Store
        if request.param == "memory":
            store = MemoryStore(world)
        else:
            store = SqliteStore(tmp_path / f"s{next(_files)}.db", world)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def _reference(*commands: Command) -> MemoryState:
    state = MemoryState(contract_world())
    engine = Engine(state, Policies(ids=SequenceIds()))
    for command in commands:
        engine.execute(command)
    return state


def test_execute_stores_changes_and_pending_updates(make_store: MakeStore) -> None:
    """An accepted command answers, and its changes and pending updates are stored (3.8, S4)."""
    store = make_store(contract_world())
    service = Service(store, Policies(ids=SequenceIds()))
    command = AddPoolIp(P, POOL_A, "10.0.1.6")
    outcome = service.execute(command)
    assert isinstance(outcome, Accepted)
    assert (outcome.status, outcome.body) == (200, {"message": "started"})
    assert store.pending == A_UPDATES
    assert store.world() == _reference(command).world()


def test_rejected_command_writes_nothing_and_is_observed(make_store: MakeStore) -> None:
    """A rejected command changes nothing, leaves nothing pending (C4), and the observer
    sees its outcome."""
    store = make_store(contract_world())
    seen: list[Outcome] = []
    service = Service(store, observer=seen.append)
    outcome = service.execute(RemovePoolIp(OTHER, POOL_C, "10.0.2.1"))
    assert isinstance(outcome, Rejected)
    assert (outcome.status, outcome.body) == (
        400,
        {
            "message": "IP 10.0.2.1 is the last IP of DIPP 'cccccccccccccccccccccccc', "
            "which is linked to a domain or delegated to a subaccount"
        },
    )
    assert seen == [outcome]
    assert store.world() == contract_world()
    assert store.pending == ()


def test_an_observer_that_raises_abandons_the_command(make_store: MakeStore) -> None:
    """The observer runs inside the command's transaction before the write: if it fails (the
    host could not write its audit record, C2), the command writes nothing."""
    store = make_store(contract_world())

    def fail(outcome: Outcome) -> None:
        raise RuntimeError("audit log unavailable")

    service = Service(store, observer=fail)
    with pytest.raises(RuntimeError, match="audit log unavailable"):
        service.execute(AddPoolIp(P, POOL_A, "10.0.1.6"))
    assert store.world() == contract_world()
    assert store.pending == ()


def test_handle_answers_a_wire_request_and_stores_it(make_store: MakeStore) -> None:
    """A wire request runs as one step: the answer, and its changes and pending updates
    stored (3.8)."""
    store = make_store(contract_world())
    service = Service(store)
    put = Request("PUT", f"/v3/ip_pools/{POOL_A}/ips/10.0.1.6", headers=HEADERS)
    response = service.handle(put)
    assert (response.status, response.body) == (200, {"message": "started"})
    assert store.pending == A_UPDATES
    assert store.world() == _reference(AddPoolIp(P, POOL_A, "10.0.1.6")).world()


def test_handle_refused_request_writes_nothing(make_store: MakeStore) -> None:
    """A request refused by the wire checks (K1: 405) changes nothing."""
    store = make_store(contract_world())
    response = Service(store).handle(Request("POST", f"/v3/ip_pools/{POOL_A}", headers=HEADERS))
    assert response.status == 405
    assert store.world() == contract_world()
    assert store.pending == ()


class _BusyStore(MemoryStore):
    """A memory store whose first ``busy`` transactions fail as if another writer held it."""

    def __init__(self, world: World, busy: int) -> None:
        super().__init__(world)
        self.busy = busy
        self.tries = 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.tries += 1
        if self.tries <= self.busy:
            raise StoreBusy("store is busy")
        with super().transaction():
            yield


def test_a_busy_store_is_retried_until_the_command_goes_through() -> None:
    """StoreBusy (a ConflictError) is retried: the command is decided and stored once."""
    store = _BusyStore(contract_world(), busy=3)
    seen: list[Outcome] = []
    outcome = Service(store, attempts=4, observer=seen.append).execute(
        AddPoolIp(P, POOL_A, "10.0.1.6")
    )
    assert (outcome.status, outcome.body) == (200, {"message": "started"})
    assert store.tries == 4
    assert seen == [outcome]
    assert store.pending == A_UPDATES


def test_a_store_busy_through_every_attempt_gives_up_with_conflict_error() -> None:
    """After ``attempts`` tries the service raises ConflictError and nothing was written."""
    store = _BusyStore(contract_world(), busy=3)
    service = Service(store, attempts=3)
    with pytest.raises(ConflictError) as caught:
        service.execute(AddPoolIp(P, POOL_A, "10.0.1.6"))
    assert str(caught.value) == "gave up after 3 attempts: store is busy"
    assert store.tries == 3
    assert store.world() == contract_world()
    assert store.pending == ()


def test_a_locked_sqlite_file_gives_up_with_conflict_error(tmp_path: Path) -> None:
    """The SQLite driver's "database is locked" reaches the service as StoreBusy, is
    retried, and ends as the library's ConflictError; nothing is written."""
    path = tmp_path / "locked.db"
    with SqliteStore(path, contract_world(), timeout=0.02) as store:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(ConflictError) as caught:
                Service(store, attempts=2).execute(AddPoolIp(P, POOL_A, "10.0.1.6"))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert str(caught.value) == (
            f"gave up after 2 attempts: store {str(path)!r} is busy: database is locked"
        )
        assert isinstance(caught.value.__cause__, StoreBusy)
        assert store.world() == contract_world()
        assert store.pending_count == 0


def test_attempts_and_batch_must_be_positive() -> None:
    """A service needs at least one attempt and batches of at least one update."""
    store = MemoryStore(contract_world())
    with pytest.raises(ValueError, match="attempts must be at least 1, got 0"):
        Service(store, attempts=0)
    with pytest.raises(ValueError, match="batch must be at least 1, got 0"):
        Service(store, batch=0)


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"attempts": "3"}, TypeError, "attempts must be an int, got '3'"),
        ({"batch": 2.5}, TypeError, "batch must be an int, got 2.5"),
        ({"lease": "60"}, TypeError, "lease must be a number of seconds, got '60'"),
        ({"lease": -1}, ValueError, "lease must be at least 0 seconds, got -1"),
    ],
)
def test_arguments_of_the_wrong_type_or_range_are_refused_by_name(
    arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    """attempts, batch and lease of the wrong type or range raise at once, naming them."""
    with pytest.raises(error) as caught:
        Service(MemoryStore(contract_world()), **arguments)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("limit", "error", "message"),
    [
        ("x", TypeError, "limit must be an int or None, got 'x'"),
        (-1, ValueError, "limit must be at least 0, got -1"),
    ],
)
def test_process_pending_refuses_a_bad_limit_and_processes_nothing(
    make_store: MakeStore, limit: Any, error: type[Exception], message: str
) -> None:
    """process_pending("x") or (-1) raises naming the limit instead of processing nothing."""
    store = make_store(contract_world())
    service = Service(store)
    service.execute(AddPoolIp(P, POOL_A, "10.0.1.6"))
    with pytest.raises(error) as caught:
        service.process_pending(limit)
    assert str(caught.value) == message
    assert store.pending == A_UPDATES
    assert service.process_pending(0) == 0


class _LeaseRecorder(MemoryStore):
    """A memory store that records the lease of every claim."""

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.leases: list[float] = []

    def claim(self, limit: int, lease: float = DEFAULT_LEASE) -> list[Claim]:
        self.leases.append(lease)
        return super().claim(limit, lease)


def test_a_service_without_a_lease_claims_with_the_stores_default() -> None:
    """Without a lease of its own a service leases for the store's DEFAULT_LEASE; with one,
    for that."""
    store = _LeaseRecorder(contract_world())
    store.commit(Changes(pending=A_UPDATES))
    assert Service(store).lease is None
    assert Service(store, batch=1).process_pending(1) == 1
    assert Service(store, batch=1, lease=7.5).process_pending(1) == 1
    assert store.leases == [DEFAULT_LEASE, 7.5]
    assert store.pending == A_UPDATES[2:]


def test_process_pending_takes_the_oldest_in_batches_up_to_the_limit(
    make_store: MakeStore,
) -> None:
    """process_pending(n) processes exactly the n oldest updates, in batches (S5)."""
    store = make_store(contract_world())
    service = Service(store, batch=2)
    service.execute(AddPoolIp(P, POOL_A, "10.0.1.6"))
    service.execute(DeletePool(P, POOL_B, replacement_pool_id=POOL_A))
    assert list(store.pending) == [*A_UPDATES, DomainUpdate("d-b1")]
    assert service.process_pending(3) == 3
    assert store.pending == (DomainUpdate("d-b1"),)
    reference = _reference(
        AddPoolIp(P, POOL_A, "10.0.1.6"), DeletePool(P, POOL_B, replacement_pool_id=POOL_A)
    )
    reference.process(3)
    assert store.world() == reference.world()
    assert service.process_pending() == 1
    assert service.process_pending() == 0
    reference.settle()
    assert store.world() == reference.world() == reference.effective_world()


def test_process_pending_leaves_updates_leased_to_another_worker(make_store: MakeStore) -> None:
    """Updates claimed by a live worker are left to it; the rest are processed (S5)."""
    store = make_store(contract_world())
    service = Service(store)
    service.execute(AddPoolIp(P, POOL_A, "10.0.1.6"))
    taken = store.claim(1, lease=3600)
    assert [claim.update for claim in taken] == [DomainUpdate("d-a1")]
    assert service.process_pending() == 2
    assert store.pending == (DomainUpdate("d-a1"),)
    assert store.mark_done([taken[0].id]) == 1


def test_workers_in_threads_process_each_update_once(make_store: MakeStore) -> None:
    """Four threads processing at once count every update exactly once and reach the
    settled world (S1, S5)."""
    store = make_store(contract_world())
    service = Service(store, batch=3)
    commands: list[Command] = [AddPoolIp(P, POOL_A, f"10.0.1.{n}") for n in (4, 6)]
    commands += [RemovePoolIp(P, POOL_A, "10.0.1.4"), RemovePoolIp(P, POOL_A, "10.0.1.6")]
    commands += [AddPoolIp(P, POOL_A, "10.0.1.4")]
    for command in commands:
        service.execute(command)
    queued = store.pending_count
    assert queued == 15
    counts: list[int] = []
    start = threading.Barrier(4)

    def work() -> None:
        start.wait()
        counts.append(service.process_pending())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == queued
    assert store.pending == ()
    reference = _reference(*commands)
    reference.settle()
    assert store.world() == reference.world()


def test_get_pool_reads_the_effective_state_through_the_service(make_store: MakeStore) -> None:
    """A read through the service answers in the effective state before any processing (S2)."""
    store = make_store(contract_world())
    service = Service(store)
    service.execute(DeletePool(P, POOL_B, replacement_pool_id=POOL_A))
    outcome = service.execute(GetPool(P, POOL_A))
    assert outcome.body["details"]["linked_domains"] == [
        "A2.Example.com",
        "a1.example.com",
        "b1.example.com",
        "s1.example.net",
    ]
    assert store.pending_count == 1


# -- reads do not wait for writers ------------------------------------------------------


class _CountingStore(MemoryStore):
    """A memory store that counts the write transactions opened on it."""

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.transactions = 0

    def transaction(self) -> AbstractContextManager[object]:
        self.transactions += 1
        return super().transaction()


GET_A = Request("GET", f"/v3/ip_pools/{POOL_A}", headers=HEADERS)


@pytest.mark.parametrize(
    ("request_", "status", "writes"),
    [
        pytest.param(GET_A, 200, 0, id="GET 3.5"),
        pytest.param(Request("GET", f"/v3/ip_pools/{POOL_C}", headers=HEADERS), 404, 0, id="404"),
        pytest.param(Request("POST", f"/v3/ip_pools/{POOL_A}", headers=HEADERS), 405, 0, id="405"),
        pytest.param(Request("DELETE", f"/v3/ip_pools/{POOL_A}/ips/10.0.1.9"), 400, 0, id="C1"),
        pytest.param(
            Request("PUT", f"/v3/ip_pools/{POOL_A}/ips/10.0.1.6", headers=HEADERS),
            200,
            1,
            id="PUT 3.8",
        ),
        pytest.param(
            Request("PUT", f"/v3/ip_pools/{POOL_A}/ips/10.0.1.9", headers=HEADERS),
            400,
            1,
            id="rejected PUT",
        ),
    ],
)
def test_only_requests_that_may_write_take_the_write_transaction(
    request_: Request, status: int, writes: int
) -> None:
    """A GET (3.5) and a request the wire refuses are answered from a read snapshot; a
    request whose command may write is answered under one write transaction."""
    store = _CountingStore(contract_world())
    response = Service(store).handle(request_)
    assert response.status == status
    assert store.transactions == writes


def test_a_read_command_takes_no_write_transaction() -> None:
    """Service.execute(GetPool) reads a snapshot; a writing command takes one transaction."""
    store = _CountingStore(contract_world())
    seen: list[Outcome] = []
    service = Service(store, observer=seen.append)
    read = service.execute(GetPool(P, POOL_A))
    assert (read.status, store.transactions, seen) == (200, 0, [read])
    write = service.execute(AddPoolIp(P, POOL_A, "10.0.1.6"))
    assert (write.status, store.transactions, seen) == (200, 1, [read, write])


def test_every_reading_route_builds_a_read_command() -> None:
    """Every GET endpoint of the route table builds a command of READ_COMMANDS, so that no
    reading route waits for writers."""
    samples = {"pool_id": POOL_A, "name": "a1.example.com", "ip": "10.0.1.1"}
    built = []
    for route in ROUTES:
        endpoint = route.endpoint("GET")
        if endpoint is None:
            continue
        params = {
            part.name: samples.get(part.name, "x")
            for part in route.pattern
            if isinstance(part, Param)
        }
        command = endpoint.build(Call(Actor("acct-1"), params, {}, None))
        assert isinstance(command, READ_COMMANDS), f"{route.template}: {command!r}"
        built.append(type(command))
    assert set(built) == {GetPool, ListPools, ListPoolDomains, GetDomainIps}


def test_a_command_wrongly_listed_as_a_read_is_decided_again_under_the_write_lock(
    make_store: MakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """READ_COMMANDS cannot make an answer wrong: a listed command whose outcome changes
    something is decided again in a write transaction and stored; the observer sees only
    that decision."""
    monkeypatch.setattr(service_module, "READ_COMMANDS", (GetPool, AddPoolIp))
    store = make_store(contract_world())
    seen: list[Outcome] = []
    command = AddPoolIp(P, POOL_A, "10.0.1.6")
    outcome = Service(store, observer=seen.append).execute(command)
    assert (outcome.status, outcome.body) == (200, {"message": "started"})
    assert seen == [outcome]
    assert store.pending == A_UPDATES
    assert store.world() == _reference(command).world()
    put = Request("PUT", f"/v3/ip_pools/{POOL_A}/ips/10.0.1.4", headers=HEADERS)
    assert Service(store).handle(put).status == 200
    assert store.pending_count == 6


def test_reads_answer_while_another_connection_holds_the_write_lock(tmp_path: Path) -> None:
    """While another process (here a raw connection) holds the file's write lock with
    changes not yet committed, GET answers at once from the last commit: no StoreBusy, no
    ConflictError, no dirty read."""
    path = tmp_path / "held.db"
    with SqliteStore(path, contract_world(), timeout=0.05) as store:
        service = Service(store, attempts=1)
        expected = service.handle(GET_A)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("UPDATE pools SET name = 'uncommitted' WHERE pool_id = ?", (POOL_A,))
        try:
            during = [service.handle(GET_A), service.handle(GET_A)]
            outcome = service.execute(GetPool(P, POOL_A))
            with pytest.raises(ConflictError):
                service.execute(AddPoolIp(P, POOL_A, "10.0.1.6"))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert [(r.status, r.body) for r in during] == [(200, expected.body)] * 2
        assert expected.body["details"]["name"] == "alpha"
        assert (outcome.status, outcome.body) == (200, expected.body)


def test_reads_answer_while_another_thread_of_the_process_writes(tmp_path: Path) -> None:
    """Threads sharing one SQLite store: a read answers while another thread's transaction
    is open (it does not wait for it), and sees the last commit, not the writes in
    progress; once that transaction commits, reads see it."""
    with SqliteStore(tmp_path / "threads.db", contract_world()) as store:
        service = Service(store)
        events: list[str] = []
        inside, done = threading.Event(), threading.Event()

        def write() -> None:
            with store.transaction():
                assert Engine(store).execute(AddPoolIp(P, POOL_A, "10.0.1.6")).status == 200
                inside.set()
                done.wait(30)
            events.append("committed")

        writer = threading.Thread(target=write)
        writer.start()
        assert inside.wait(30)
        during = service.execute(GetPool(P, POOL_A))
        events.append("read")
        done.set()
        writer.join(30)
        after = service.execute(GetPool(P, POOL_A))
        assert events == ["read", "committed"]
        assert during.body["details"]["ips"] == ["10.0.1.1", "10.0.1.2"]
        assert after.body["details"]["ips"] == ["10.0.1.1", "10.0.1.2", "10.0.1.6"]
