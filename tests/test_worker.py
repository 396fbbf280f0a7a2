"""The worker loop (``Service.run_worker``): it processes every pending update, oldest first,
after the settle delay, with or without leases, and stops on an event or on SIGTERM/SIGINT."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from ippools import AddPoolIp, Command, Engine, MemoryState, RemovePoolIp
from ippools.store import MemoryStore, Service, SqliteStore, Store, StoreBusy
from ippools.store.contract_data import POOL_A, contract_world
from tests.support import actor

P = actor("acct-1")
COMMANDS: list[Command] = [AddPoolIp(P, POOL_A, "10.0.1.4"), RemovePoolIp(P, POOL_A, "10.0.1.1")]


def queued(store: Store) -> int:
    """Run the commands on ``store``; return how many pending updates they left."""
    service = Service(store, batch=2)
    for command in COMMANDS:
        assert service.execute(command).status == 200
    return store.pending_count


def settled_world() -> object:
    eng = Engine(MemoryState(contract_world()))
    for command in COMMANDS:
        eng.execute(command)
    eng.settle()
    return eng.state.world()


def in_thread(run: Callable[[], int]) -> tuple[threading.Thread, list[int]]:
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(run()))
    thread.start()
    return thread, result


@pytest.mark.parametrize("leases", [True, False])
@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_the_worker_settles_the_store_and_stops_on_the_event(
    tmp_path: Path, kind: str, leases: bool
) -> None:
    """Every pending update is processed (in batches of 2), the stored world is the settled
    one, and setting the event ends the loop with the count."""
    store: Store = (
        MemoryStore(contract_world())
        if kind == "memory"
        else SqliteStore(tmp_path / "w.db", contract_world())
    )
    count = queued(store)
    assert count > 2
    service = Service(store, batch=2)
    stop = threading.Event()
    thread, result = in_thread(lambda: service.run_worker(stop, delay=0, poll=0.001, leases=leases))
    while store.pending_count:
        stop.wait(0.005)
    stop.set()
    thread.join(10)
    assert result == [count]
    assert store.world() == settled_world()
    store.close()


def test_the_worker_waits_the_settle_delay_before_processing() -> None:
    """With a delay longer than the test, the event stops the loop before anything is done."""
    store = MemoryStore(contract_world())
    count = queued(store)
    stop = threading.Event()
    thread, result = in_thread(lambda: Service(store).run_worker(stop, delay=600, poll=0.001))
    stop.wait(0.2)
    stop.set()
    thread.join(10)
    assert result == [0]
    assert store.pending_count == count


def test_without_an_event_the_worker_stops_on_sigterm_and_restores_the_handler() -> None:
    store = MemoryStore(contract_world())
    count = queued(store)
    before = signal.getsignal(signal.SIGTERM)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    assert Service(store).run_worker(delay=0, poll=0.001) == count
    timer.join()
    assert signal.getsignal(signal.SIGTERM) is before
    assert store.pending_count == 0


def test_without_an_event_the_worker_must_run_in_the_main_thread() -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            Service(MemoryStore(contract_world())).run_worker()
        except ValueError as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    assert [str(e) for e in errors] == [
        "without a stop event, run_worker must run in the main thread"
    ]


def test_a_busy_store_ends_the_round_and_the_next_one_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = MemoryStore(contract_world())
    count = queued(store)
    real = store.process
    calls: list[int | None] = []

    def flaky(limit: int | None = None) -> int:
        calls.append(limit)
        if len(calls) == 1:
            raise StoreBusy("busy")
        return real(limit)

    monkeypatch.setattr(store, "process", flaky)
    stop = threading.Event()
    thread, result = in_thread(
        lambda: Service(store).run_worker(stop, delay=0, poll=0.001, leases=False)
    )
    while store.pending_count:
        stop.wait(0.005)
    stop.set()
    thread.join(10)
    assert result == [count]
    assert len(calls) >= 2


def test_negative_times_are_refused() -> None:
    with pytest.raises(ValueError, match="delay and poll must be >= 0"):
        Service(MemoryStore()).run_worker(threading.Event(), delay=-1)
