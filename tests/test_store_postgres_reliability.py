"""Reliability of the PostgreSQL store: many writer and worker processes, and SIGKILLs.

As in test_store_reliability.py (whose helpers this reuses), the service's observer
stamps each decision inside its write transaction. On PostgreSQL the writers of every
process hold one exclusive advisory lock from before ``BEGIN`` until after ``COMMIT``,
so the stamps order the commands as they committed; replaying them in that order on a
MemoryState must give every answer again and, settled, the same world (S1).

The crash rounds record each committed command in an ``audit`` table of the store's
schema, written by the observer in the command's own transaction (a host's audit
record, C2): it holds exactly the commands that committed, numbered in commit order,
whatever moment a process dies at. Each writer also journals every answer it got back
(acknowledged); every acknowledged answer must be in the audit.

``IPPOOLS_CRASH_ROUNDS`` sets how many crash rounds run (each kills 5 processes: 3
writers and 2 workers); ``nox -s crash`` runs 40 of them, 200 kills. The seed is in the
messages; ``IPPOOLS_SEED`` fixes it.
"""

from __future__ import annotations

import collections
import os
import pickle
import random
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ippools import (
    CreatePool,
    Engine,
    MemoryState,
    Outcome,
    Policies,
    RandomIds,
    world_problems,
)
from ippools.errors import ConflictError
from ippools.service import READ_COMMANDS
from ippools.store import Service
from ippools.store.contract import assert_same_reads
from tests.postgres import URL, fresh_schema
from tests.test_store_reliability import (
    SEED,
    SPAWN,
    Record,
    _check_settled,
    _read_journal,
    _worker_service,
    random_command,
    reliability_world,
    replay_serially,
    run_commands,
)

CRASH_ROUNDS = int(os.environ.get("IPPOOLS_CRASH_ROUNDS", "2"))
WRITERS, WORKERS = 4, 3


@pytest.fixture
def schema() -> Iterator[str]:
    """A schema no store uses yet, dropped after the test."""
    with fresh_schema() as name:
        yield name


def _store(schema: str, clock: Callable[[], float] = time.time) -> Any:
    from ippools.store.postgres import PostgresStore

    return PostgresStore(URL, schema=schema, clock=clock)


# -- concurrency -------------------------------------------------------------------------


def writer_process(schema: str, seed: int, count: int, results: Any) -> None:
    """Issue ``count`` random commands on an own connection; send back the records."""
    records: list[Record] = []
    with _store(schema) as store:
        run_commands(_worker_service(store, records), records, seed, count)
    results.put(records)


def settling_process(schema: str, stop: Any, results: Any) -> None:
    """Process pending updates in small batches until told to stop; send back how many."""
    done = 0
    with _store(schema) as store:
        service = Service(store, batch=4)
        while not stop.is_set():
            try:
                processed = service.process_pending(9)
            except ConflictError:  # serialization failures through every retry: next round
                processed = 0
            done += processed
            if not processed:
                time.sleep(0.002)
    results.put(done)


def test_writers_and_workers_in_many_processes_answer_as_the_commit_order(schema: str) -> None:
    """Four processes, each with its own connection, issue conflicting commands on the same
    DIPPs and domains while three worker processes settle at once: every answer is the
    answer of the serial order of the commits, the settled world is that order's and holds
    I1-I7, and every queued update was marked done exactly once (none processed twice with
    a visible effect: the shared-IP usage counts and stored domains are the serial ones)."""
    world = reliability_world(extra=150, sub_extra=10)
    from ippools.store.postgres import PostgresStore

    PostgresStore(URL, world, schema=schema).close()
    results, counts, stop = SPAWN.Queue(), SPAWN.Queue(), SPAWN.Event()
    workers = [
        SPAWN.Process(target=settling_process, args=(schema, stop, counts)) for _ in range(WORKERS)
    ]
    writers = [
        SPAWN.Process(target=writer_process, args=(schema, SEED + n, 25, results))
        for n in range(WRITERS)
    ]
    for process in [*workers, *writers]:
        process.start()
    records: list[Record] = []
    for _ in writers:
        records += results.get(timeout=180)
    for process in writers:
        process.join(30)
        assert process.exitcode == 0
    stop.set()
    by_workers = sum(counts.get(timeout=60) for _ in workers)
    for process in workers:
        process.join(30)
        assert process.exitcode == 0
    assert len(records) == WRITERS * 25
    assert sum(r.status == 200 for r in records) >= 10, f"seed {SEED}: too few accepted"
    queued = len(replay_serially(world, records).state.pending)
    with _store(schema) as store:
        left = store.pending_count
        _check_settled(store, world, records, "postgres processes")
    assert by_workers + left == queued, f"seed {SEED}: {by_workers} + {left} != {queued}"
    assert by_workers > 0, f"seed {SEED}: the workers settled nothing"


# -- crashes -------------------------------------------------------------------------------


def _audit(store: Any) -> Callable[[Outcome], None]:
    def observe(outcome: Outcome) -> None:
        if isinstance(outcome.command, READ_COMMANDS):
            return  # decided on a read snapshot: changes nothing, not in the serial order
        entry = pickle.dumps((outcome.command, outcome.status, dict(outcome.body)))
        store.host_statement("INSERT INTO audit (entry) VALUES (%s)", entry)

    return observe


def _ack(journal: Any, outcome: Outcome) -> None:
    data = pickle.dumps((outcome.command, outcome.status, dict(outcome.body)))
    journal.write(len(data).to_bytes(4, "big") + data)
    journal.flush()


def crash_writer(schema: str, journal_path: str, seed: int, ready: Any) -> None:
    """Issue commands until killed; journal each answer once it came back (acknowledged)."""
    rng = random.Random(seed)
    with _store(schema) as store, open(journal_path, "ab") as journal:
        service = Service(store, Policies(ids=RandomIds()), observer=_audit(store))
        created: list[str] = []
        parent = os.getppid()
        ready.set()
        while os.getppid() == parent:  # an orphan (its test died) stops on its own
            outcome = service.execute(random_command(rng, created))
            _ack(journal, outcome)
            if isinstance(outcome.command, CreatePool) and outcome.status == 200:
                created.append(outcome.body["pool_id"])


def crash_worker(schema: str, seed: int, ready: Any) -> None:
    """Claim, carry out and mark done pending updates until killed."""
    rng = random.Random(seed)
    with _store(schema) as store:
        service = Service(store, batch=rng.randint(1, 8), lease=3600)
        parent = os.getppid()
        ready.set()
        while os.getppid() == parent:
            try:
                if rng.random() < 0.8:
                    service.process_pending(rng.randint(1, 12))
                else:
                    store.process(rng.randint(1, 6))
            except ConflictError:  # another worker won a conflict: as run_worker, go on
                pass
            time.sleep(0.001)


class _Ids:
    """The ids the audited CreatePools drew, handed out in commit order."""

    def __init__(self) -> None:
        self.queue: collections.deque[str] = collections.deque()

    def new_pool_id(self, in_use: Callable[[str], bool]) -> str:
        return self.queue.popleft()


def _crash_round(
    schema: str, tmp_path: Path, rng: random.Random, index: int, reference: Engine[MemoryState]
) -> tuple[int, int]:
    """Start writers and workers, SIGKILL each at a random moment, check the store."""
    label = f"seed {SEED} round {index}"
    with _store(schema) as store, store.transaction():
        seen = store.host_statement("SELECT coalesce(max(seq), 0) FROM audit")[0][0]
    journals = [tmp_path / f"ack-{index}-{n}.bin" for n in range(3)]
    children, readies = [], []
    for n in range(5):
        ready = SPAWN.Event()
        if n < 3:
            args: tuple[Any, ...] = (schema, str(journals[n]), rng.randrange(2**32), ready)
            child = SPAWN.Process(target=crash_writer, args=args)
        else:
            child = SPAWN.Process(target=crash_worker, args=(schema, rng.randrange(2**32), ready))
        child.start()
        children.append(child)
        readies.append(ready)
    for ready in readies:
        assert ready.wait(60), label
    time.sleep(rng.uniform(0.05, 0.5))
    for child in rng.sample(children, len(children)):
        os.kill(child.pid or 0, signal.SIGKILL)
        time.sleep(rng.uniform(0.0, 0.05))
    for child in children:
        child.join(30)
        assert child.exitcode == -signal.SIGKILL, f"{label}: a child died before the kill"

    ids = reference.policies.ids
    assert isinstance(ids, _Ids)
    with _store(schema, clock=lambda: time.time() + 7200) as store:
        with store.reading():
            rows = store.host_statement("SELECT entry FROM audit WHERE seq > %s ORDER BY seq", seen)
        audited = [pickle.loads(bytes(row[0])) for row in rows]
        acknowledged = [entry for path in journals for entry in _read_journal(path)]
        in_audit = collections.Counter(pickle.dumps(entry) for entry in audited)
        for entry in acknowledged:
            if isinstance(entry[0], READ_COMMANDS):
                continue
            assert in_audit[pickle.dumps(entry)] > 0, f"{label}: acknowledged but lost: {entry}"
        for command, status, body in audited:
            if isinstance(command, CreatePool) and status == 200:
                ids.queue.append(body["pool_id"])
            outcome = reference.execute(command)
            assert (outcome.status, outcome.body) == (status, body), (
                f"{label}: {command} answered {status} {body}, serially {outcome.status} "
                f"{outcome.body}"
            )
        assert store.effective_world() == reference.state.effective_world(), label
        store.process(None)  # claimed by killed workers or not
        reference.settle()
        assert store.pending_count == 0, label
        assert store.world() == reference.state.world(), f"{label}: settled world"
        assert world_problems(store.world()) == [], f"{label}: invariants"
        assert_same_reads(store, reference.state, label)
    return len(children), len(audited)


def test_sigkilled_writers_and_workers_lose_nothing_acknowledged_and_apply_nothing_twice(
    schema: str, tmp_path: Path
) -> None:
    """Rounds of three writer and two worker processes, each SIGKILLed at a random moment:
    every acknowledged answer is in the store's audit (nothing acknowledged lost), the
    audit replayed in commit order answers the same and gives the same effective world
    (no half-applied command), and after settling (expired claims of killed workers
    included) the world, the shared-IP usage counts and every read are the serial ones
    (nothing applied twice) and I1-I7 hold (§5, S1, S5, §4)."""
    from ippools.store.postgres import PostgresStore

    world = reliability_world(extra=120, sub_extra=10)
    PostgresStore(URL, world, schema=schema).close()
    with _store(schema) as store, store.transaction():
        store.host_statement(
            "CREATE TABLE audit (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
            " entry BYTEA NOT NULL)"
        )
    rng = random.Random(SEED)
    reference = Engine(MemoryState(world), Policies(ids=_Ids()))
    kills = committed = 0
    for index in range(CRASH_ROUNDS):
        killed, audited = _crash_round(schema, tmp_path, rng, index, reference)
        kills += killed
        committed += audited
    print(f"postgres crash rounds: {CRASH_ROUNDS}, SIGKILLs: {kills}, commands: {committed}")
    assert kills == 5 * CRASH_ROUNDS
    assert committed > 0, f"seed {SEED}: no writer committed anything before its kill"
