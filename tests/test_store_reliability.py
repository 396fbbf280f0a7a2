"""Reliability of the SQLite store and the service: concurrent writers, crashes, dead workers.

Every test here is bounded in time (seconds) and randomised; the seed of each run is
in the assertion messages, and ``IPPOOLS_SEED`` fixes it to reproduce a failure.

The serial-order check: the service calls its observer inside each command's
serialising transaction, where workers stamp the outcome with the machine's monotonic
clock. Transactions do not overlap, so the stamps order the commands as they were
serialised; replaying them in that order on a MemoryState must give every answer
again and, once settled, the same world (S1). A read runs on a snapshot, beside the
transactions: its worker notes the clock before and after it, and its answer must be
the answer of the serial order after some prefix of the writes that ends inside that
window (the write in progress when the read started may or may not be in it).
"""

from __future__ import annotations

import bisect
import multiprocessing
import os
import pickle
import random
import signal
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs
import pytest

from ippools import (
    AddPoolIp,
    Command,
    CreatePool,
    DeletePool,
    Domain,
    EditPool,
    Engine,
    GetPool,
    MemoryState,
    Outcome,
    PendingUpdate,
    Policies,
    RandomIds,
    RemoveDomainIp,
    RemovePoolIp,
    SequenceIds,
    UnlinkDomainPool,
    World,
    world_problems,
)
from ippools.rules import decide
from ippools.service import READ_COMMANDS
from ippools.store import MemoryStore, Service, SqliteStore, Store
from ippools.store.contract import assert_same_reads
from ippools.store.contract_data import NEW_IDS, POOL_A, POOL_B, POOL_C, POOL_D, contract_world
from tests.support import actor, ips

SEED = int(os.environ.get("IPPOOLS_SEED", random.SystemRandom().randrange(2**32)))
SPAWN = multiprocessing.get_context("spawn")

PARENT, SUB, OTHER = actor("acct-1"), actor("acct-1a"), actor("acct-2")
PARENT_IPS = [*(f"10.0.1.{n}" for n in range(1, 7)), "2001:db8::1"]
OTHER_IPS = ["10.0.2.1", "10.0.2.2", "10.0.2.3"]
SHARED = ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
DOMAINS = ["d-a1", "d-a2", "d-b1", "d-u1", "d-u2", "d-x000", "d-x001"]
NAMES = ["a1.example.com", "a2.example.com", "b1.example.com", "u1.example.com", "x0.example.com"]


def reliability_world(extra: int = 300, sub_extra: int = 20) -> World:
    """The contract world with ``extra`` more domains of acct-1 and ``sub_extra`` of its
    subaccount, all linked to DIPP A: one change to A queues hundreds of updates."""
    base = contract_world()
    pool_a = next(pool for pool in base.pools if pool.pool_id == POOL_A)
    more = [
        Domain(f"d-x{n:03d}", f"x{n}.example.com", "acct-1", POOL_A, pool_a.ips)
        for n in range(extra)
    ]
    more += [
        Domain(f"d-y{n:03d}", f"y{n}.example.net", "acct-1a", POOL_A, pool_a.ips)
        for n in range(sub_extra)
    ]
    return attrs.evolve(base, domains=[*base.domains, *more])


def random_command(rng: random.Random, created: Sequence[str]) -> Command:
    """A command on the DIPPs and domains every worker fights over; many are accepted."""
    pools = [POOL_A, POOL_B, POOL_D, *created[-3:]]
    pool = rng.choice(pools)
    roll = rng.random()
    if roll < 0.22:
        return AddPoolIp(PARENT, pool, rng.choice(PARENT_IPS))
    if roll < 0.40:
        return RemovePoolIp(PARENT, pool, rng.choice(PARENT_IPS))
    if roll < 0.46:
        return AddPoolIp(OTHER, POOL_C, rng.choice(OTHER_IPS))
    if roll < 0.50:
        return RemovePoolIp(OTHER, POOL_C, rng.choice(OTHER_IPS))
    if roll < 0.60:
        return EditPool(PARENT, pool, link_domain_ids=(rng.choice(DOMAINS),))
    if roll < 0.66:
        return EditPool(PARENT, pool, unlink_domain_ids=(rng.choice(DOMAINS),))
    if roll < 0.72:
        if rng.random() < 0.5:
            return UnlinkDomainPool(
                PARENT, rng.choice(NAMES), replacement_pool_id=rng.choice(pools)
            )
        return UnlinkDomainPool(PARENT, rng.choice(NAMES), replacement_ip="shared")
    if roll < 0.80:
        replacement = rng.choice([None, "shared", *PARENT_IPS])
        ip = rng.choice(PARENT_IPS + SHARED)
        return RemoveDomainIp(PARENT, rng.choice(NAMES), ip, replacement_ip=replacement)
    if roll < 0.84:  # A, the delegated DIPP, stays: the others come and go
        doomed = rng.choice([POOL_B, POOL_D, *created[-3:]])
        if rng.random() < 0.5:
            return DeletePool(PARENT, doomed, replacement_pool_id=rng.choice(pools))
        return DeletePool(PARENT, doomed, replacement_ip="shared")
    if roll < 0.90:
        return CreatePool(PARENT, "made", "by a worker", (rng.choice(PARENT_IPS),))
    return GetPool(rng.choice([PARENT, SUB]), pool)


@attrs.frozen
class Record:
    """One answered command: when it was serialised, what it was, what it answered."""

    stamp: int
    command: Command
    status: int
    body: dict[str, Any]
    window: tuple[int, int] | None = None  # a read's: the clock before and after it


def replay_serially(world: World, records: Iterable[Record]) -> Engine[MemoryState]:
    """Replay the writes of ``records`` in stamp order on a MemoryState, checking every
    answer, and check each read against the prefixes of that order in its window (S1)."""
    writes = sorted((r for r in records if r.window is None), key=lambda r: r.stamp)
    stamps = [record.stamp for record in writes]
    assert len(set(stamps)) == len(stamps), f"seed {SEED}: two commands share a stamp"
    ids = [
        record.body["pool_id"]
        for record in writes
        if isinstance(record.command, CreatePool) and record.status == 200
    ]
    engine = Engine(MemoryState(world), Policies(ids=SequenceIds(ids)))
    reads_at: list[list[Record]] = [[] for _ in range(len(writes) + 1)]
    unmatched: set[int] = set()
    for record in records:
        if record.window is not None:
            start, end = record.window
            first = max(bisect.bisect_left(stamps, start) - 1, 0)
            for prefix in range(first, bisect.bisect_left(stamps, end) + 1):
                reads_at[prefix].append(record)
            unmatched.add(id(record))
    for index in range(len(writes) + 1):
        for read in reads_at[index]:
            outcome = decide(engine.state, read.command, engine.policies)
            if (outcome.status, outcome.body) == (read.status, read.body):
                unmatched.discard(id(read))
        if index == len(writes):
            break
        record = writes[index]
        outcome = engine.execute(record.command)
        assert (outcome.status, outcome.body) == (record.status, record.body), (
            f"seed {SEED}: command {index} {record.command} answered {record.status} "
            f"{record.body}, but {outcome.status} {outcome.body} in the serial replay"
        )
    wrong = [(r.command, r.status) for r in records if id(r) in unmatched]
    assert not wrong, f"seed {SEED}: reads answered outside the serial order: {wrong}"
    return engine


def _worker_service(store: Store, records: list[Record]) -> Service:
    def observe(outcome: Outcome) -> None:
        records.append(
            Record(time.monotonic_ns(), outcome.command, outcome.status, dict(outcome.body))
        )

    return Service(store, Policies(ids=RandomIds()), batch=5, observer=observe)


def run_commands(service: Service, records: list[Record], seed: int, count: int) -> None:
    """Issue ``count`` random commands through ``service``; pool ids it creates are reused."""
    rng = random.Random(seed)
    created: list[str] = []
    for _ in range(count):
        command = random_command(rng, created)
        start = time.monotonic_ns()
        outcome = service.execute(command)
        if isinstance(command, READ_COMMANDS):
            records[-1] = attrs.evolve(records[-1], window=(start, time.monotonic_ns()))
        if isinstance(outcome.command, CreatePool) and outcome.status == 200:
            created.append(outcome.body["pool_id"])
    assert len(records) == count


def process_until(service: Service, stop: Any) -> None:
    """Process pending updates in small batches until ``stop`` is set."""
    while not stop.is_set():
        if service.process_pending(7) == 0:
            time.sleep(0.002)


def command_process(path: str, seed: int, count: int, results: Any) -> None:
    """A worker process: issue commands on its own store, then send back its records."""
    records: list[Record] = []
    with SqliteStore(path) as store:
        run_commands(_worker_service(store, records), records, seed, count)
    results.put(records)


def processing_process(path: str, stop: Any) -> None:
    """A worker process that processes pending updates until told to stop."""
    with SqliteStore(path) as store:
        process_until(Service(store, batch=4), stop)


def _check_settled(store: Store, world: World, records: list[Record], label: str) -> None:
    reference = replay_serially(world, records)
    assert store.effective_world() == reference.state.effective_world(), f"seed {SEED} {label}"
    store.process(None)
    reference.settle()
    assert store.pending_count == 0
    assert store.world() == reference.state.world(), f"seed {SEED} {label}: settled world"
    assert world_problems(store.world()) == [], f"seed {SEED} {label}: invariants"
    assert_same_reads(store, reference.state, f"seed {SEED} {label}")


@pytest.mark.parametrize("adapter", ["memory", "sqlite"])
def test_concurrent_threads_answer_as_some_serial_order(adapter: str, tmp_path: Path) -> None:
    """Threads issuing conflicting commands (two sharing a store, others with their own
    store on the same file) while others process updates: every answer is the answer of
    the serial order of the transactions, nothing is lost, and after settle the world is
    the serial one and holds I1-I7 (S1, S5, §4)."""
    world = reliability_world()
    path = tmp_path / "threads.db"
    shared: Store = MemoryStore(world) if adapter == "memory" else SqliteStore(path, world)
    own: list[Store] = [SqliteStore(path) for _ in range(3)] if adapter == "sqlite" else []
    stores = [shared, shared, *own] if own else [shared] * 5
    per_worker: list[list[Record]] = [[] for _ in range(4)]
    stop = threading.Event()
    processor = threading.Thread(target=process_until, args=(Service(stores[4], batch=3), stop))
    workers = [
        threading.Thread(
            target=run_commands,
            args=(_worker_service(stores[n], per_worker[n]), per_worker[n], SEED + n, 40),
        )
        for n in range(4)
    ]
    processor.start()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(60)
    stop.set()
    processor.join(60)
    records = [record for worker in per_worker for record in worker]
    assert len(records) == 160, f"seed {SEED}: a worker failed"
    assert sum(r.status == 200 for r in records) >= 20, f"seed {SEED}: too few accepted"
    _check_settled(shared, world, records, "threads")
    for store in [*own, shared]:
        store.close()


def test_concurrent_processes_answer_as_some_serial_order(tmp_path: Path) -> None:
    """Three processes issuing conflicting commands on one SQLite file while a fourth
    processes pending updates: answers consistent with the serial order of their
    transactions, no update lost, settled world serial and valid (S1, S5, §4)."""
    world = reliability_world()
    path = tmp_path / "processes.db"
    SqliteStore(path, world).close()
    results = SPAWN.Queue()
    stop = SPAWN.Event()
    workers = [
        SPAWN.Process(target=command_process, args=(str(path), SEED + n, 30, results))
        for n in range(3)
    ]
    processor = SPAWN.Process(target=processing_process, args=(str(path), stop))
    processor.start()
    for process in workers:
        process.start()
    records: list[Record] = []
    for _ in workers:
        records += results.get(timeout=120)
    for process in workers:
        process.join(30)
        assert process.exitcode == 0
    stop.set()
    processor.join(30)
    assert processor.exitcode == 0
    assert len(records) == 90
    assert sum(r.status == 200 for r in records) >= 10, f"seed {SEED}: too few accepted"
    with SqliteStore(path) as store:
        _check_settled(store, world, records, "processes")


# -- crash injection -------------------------------------------------------------


def _log(journal: Any, outcome: Outcome) -> None:
    data = pickle.dumps((outcome.command, outcome.status, dict(outcome.body)))
    journal.write(len(data).to_bytes(4, "big") + data)
    journal.flush()


def _read_journal(path: Path) -> list[tuple[Command, int, dict[str, Any]]]:
    data = path.read_bytes() if path.exists() else b""
    entries = []
    at = 0
    while at + 4 <= len(data):
        size = int.from_bytes(data[at : at + 4], "big")
        if at + 4 + size > len(data):
            break  # torn by the kill: never reached the store either
        entries.append(pickle.loads(data[at + 4 : at + 4 + size]))
        at += 4 + size
    return entries


def crash_process(path: str, journal_path: str, seed: int, mode: str, ready: Any) -> None:
    """Work on the store until killed; log each answer before its transaction commits."""
    rng = random.Random(seed)
    synchronous: Literal["FULL", "NORMAL"] = "NORMAL" if seed % 2 else "FULL"
    with SqliteStore(path, synchronous=synchronous) as store, open(journal_path, "ab") as journal:
        service = Service(
            store,
            Policies(ids=RandomIds()),
            batch=rng.randint(1, 8),
            lease=3600,
            observer=lambda outcome: _log(journal, outcome),
        )
        created: list[str] = []
        ready.set()
        while True:
            roll = rng.random()
            if mode == "commands" and roll < 0.7:
                outcome = service.execute(random_command(rng, created))
                if isinstance(outcome.command, CreatePool) and outcome.status == 200:
                    created.append(outcome.body["pool_id"])
            elif roll < 0.85:
                service.process_pending(rng.randint(1, 12))
            else:
                store.process(rng.randint(1, 6))


def _is_suffix(tail: Sequence[PendingUpdate], queue: Sequence[PendingUpdate]) -> bool:
    return len(tail) <= len(queue) and tuple(queue[len(queue) - len(tail) :]) == tuple(tail)


@attrs.define
class History:
    """Every command a crash test's store committed so far, to rebuild the reference."""

    world: World
    commands: list[Command] = attrs.field(factory=list)
    ids: list[str] = attrs.field(factory=list)

    def reference(self, more: Sequence[Command], more_ids: Sequence[str]) -> Engine[MemoryState]:
        """A MemoryState that ran the history, settled, then ran ``more`` (unprocessed)."""
        engine = Engine(MemoryState(self.world), Policies(ids=SequenceIds([*self.ids, *more_ids])))
        for command in self.commands:
            engine.execute(command)
        engine.settle()
        for command in more:
            engine.execute(command)
        return engine


def _crash_round(
    path: Path, tmp_path: Path, rng: random.Random, index: int, mode: str, history: History
) -> int:
    """One round: maybe queue work, let a child work, kill it, check the reopened store."""
    label = f"seed {SEED} round {index} ({mode})"
    prelude: list[Command] = []
    with SqliteStore(path) as store:
        assert store.pending_count == 0
        if mode == "processing":  # two changes of A's IPs: over 600 updates to process
            pool_a = store.pool(POOL_A)
            assert pool_a is not None
            for ip in rng.sample(["10.0.1.4", "10.0.1.6", "2001:db8::1"], 2):
                command: Command = AddPoolIp(PARENT, POOL_A, ip)
                if ips(ip) <= pool_a.ips:
                    command = RemovePoolIp(PARENT, POOL_A, ip)
                assert Engine(store).execute(command).status == 200, label
                prelude.append(command)
    journal = tmp_path / f"journal-{index}.bin"
    ready = SPAWN.Event()
    child = SPAWN.Process(
        target=crash_process,
        args=(str(path), str(journal), rng.randrange(2**32), mode, ready),
    )
    child.start()
    assert ready.wait(30), label
    time.sleep(rng.uniform(0.0, 0.4 if mode == "commands" else 0.2))
    os.kill(child.pid or 0, signal.SIGKILL)
    child.join(30)
    assert child.exitcode == -signal.SIGKILL, f"{label}: the child died before the kill"
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",), label

    logged = _read_journal(journal)
    created = _created(logged)
    with SqliteStore(path) as store:
        matches = []
        for committed in (len(logged), len(logged) - 1):
            if committed < 0:
                continue
            engine = history.reference(prelude, created)
            for logged_command, status, body in logged[:committed]:
                outcome = engine.execute(logged_command)
                assert (outcome.status, outcome.body) == (status, body), label
            same = store.effective_world() == engine.state.effective_world()
            if same and _is_suffix(store.pending, engine.state.pending):
                matches.append((committed, engine))
        assert matches, f"{label}: the store is not a logged prefix with a suffix of its queue"
        committed, reference = matches[0]
        queue = reference.state.pending
        reference.process(len(queue) - store.pending_count)
        assert store.process(None) == reference.settle()
        assert store.world() == reference.state.world(), f"{label}: settled world"
        assert world_problems(store.world()) == [], f"{label}: invariants"
        assert_same_reads(store, reference.state, label)
    history.commands += [*prelude, *(entry[0] for entry in logged[:committed])]
    history.ids += _created(logged[:committed])
    return len(logged) + len(queue)


def _created(logged: Sequence[tuple[Command, int, dict[str, Any]]]) -> list[str]:
    return [
        body["pool_id"]
        for command, status, body in logged
        if isinstance(command, CreatePool) and status == 200
    ]


@pytest.mark.parametrize("mode", ["commands", "processing"])
def test_killed_worker_leaves_no_half_command_and_loses_no_update(
    mode: str, tmp_path: Path
) -> None:
    """A process killed (SIGKILL) at random moments while handling commands and processing
    updates: after reopening, the store holds exactly the commands that committed (no
    half-applied one), its pending updates are the queue minus the oldest processed ones
    (none lost), settling converges to the serial world and I1-I7 hold (§5, S1, S5, §4)."""
    rng = random.Random(SEED + (1 if mode == "processing" else 0))
    path = tmp_path / "crash.db"
    history = History(reliability_world())
    SqliteStore(path, history.world).close()
    work = sum(_crash_round(path, tmp_path, rng, index, mode, history) for index in range(6))
    assert work > 0, f"seed {SEED}: no round did any work before the kill"


def apply_then_die(path: str, limit: int) -> None:
    """Claim updates, carry them out (committed), then die before marking them done."""
    store = SqliteStore(path)
    for claim in store.claim(limit, lease=3600):
        store.run_update(claim.update)
    os.kill(os.getpid(), signal.SIGKILL)


def test_update_applied_by_a_worker_that_died_before_marking_it_runs_again_harmlessly(
    tmp_path: Path,
) -> None:
    """A worker dies after carrying out updates but before marking them done: they stay
    pending; once the lease ends another worker runs them again, which changes nothing,
    not even a domain changed synchronously in between (S3, S5)."""
    path = tmp_path / "dead.db"
    world = reliability_world(extra=10, sub_extra=2)
    commands: list[Command] = [
        AddPoolIp(PARENT, POOL_A, "10.0.1.6"),
        DeletePool(PARENT, POOL_B, replacement_pool_id=POOL_A),
    ]
    with SqliteStore(path, world) as store:
        for command in commands:
            assert Engine(store).execute(command).status == 200
        queued = store.pending
    assert len(queued) == 14  # d-a1, d-a2, d-x000..d-x009, acct-1a's update, then d-b1
    child = SPAWN.Process(target=apply_then_die, args=(str(path), 8))
    child.start()
    child.join(30)
    assert child.exitcode == -signal.SIGKILL
    reference = Engine(MemoryState(world), Policies(ids=SequenceIds(NEW_IDS)))
    for command in commands:
        reference.execute(command)
    with SqliteStore(path, clock=lambda: time.time() + 7200) as store:
        assert store.pending == queued
        followed = ips("10.0.1.1", "10.0.1.2", "10.0.1.6")
        for domain_id in ["d-a1", "d-a2", *(f"d-x{n:03d}" for n in range(6))]:
            stored = store.stored_domain(domain_id)
            assert stored is not None
            assert stored.ips == followed
        assert store.stored_domain("d-x009") == world_domain(world, "d-x009")
        late = UnlinkDomainPool(PARENT, "x0.example.com", replacement_ip="10.0.1.4")
        assert Service(store).execute(late).status == 200
        reference.execute(late)
        assert Service(store, batch=4).process_pending() == len(queued)
        reference.settle()
        assert store.pending_count == 0
        assert store.world() == reference.state.world()
        assert store.stored_domain("d-x000") == Domain(
            "d-x000", "x0.example.com", "acct-1", None, ips("10.0.1.4")
        )
        assert world_problems(store.world()) == []


def world_domain(world: World, domain_id: str) -> Domain:
    """The domain ``domain_id`` of ``world``."""
    return next(domain for domain in world.domains if domain.id == domain_id)
