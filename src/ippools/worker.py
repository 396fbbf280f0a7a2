"""The loop that processes pending updates in the background, until told to stop.

:meth:`ippools.store.Service.run_worker`, the ``ippools worker`` command and the
worker inside ``ippools serve`` all run :func:`run_worker`.

Theory of operation
-------------------
The loop looks at the pending count every ``poll`` seconds. When it finds work,
it first waits ``delay`` seconds (the *settle delay*, so that a client can
observe the stored state before its asynchronous part is done), then processes
batches, oldest first, until none is left, and looks again. Reads never need
the worker (they see the effective state, S2); it only brings the stored state
up to date.

A batch is taken one of two ways:

* with leases (``leases=True``, for several workers on one store):
  :meth:`~ippools.store.Service.process_pending` claims a batch, carries it out
  and marks it done; a worker that dies leaves its batch to the others once the
  lease expires;
* without leases (``leases=False``, for a worker that is alone or nearly so):
  :meth:`~ippools.store.ports.Store.process` carries out and removes a batch in
  one transaction, so a crash leaves nothing leased and a restarted worker
  resumes at once. Processing an update twice is harmless (S5), so this is safe
  next to leasing workers too.

A store that stays busy (:class:`~ippools.errors.ConflictError`) ends the round;
the next round tries again. Any other error propagates to the caller.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from types import FrameType
from typing import TYPE_CHECKING, Final

from ippools.errors import ConflictError

if TYPE_CHECKING:
    from ippools.service import Service

__all__ = ["DEFAULT_POLL", "DEFAULT_SETTLE_DELAY", "run_worker"]

DEFAULT_SETTLE_DELAY: Final = 0.2
"""Seconds a worker waits, once it finds pending work, before processing it."""

DEFAULT_POLL: Final = 0.05
"""Seconds between two looks at the pending count while there is nothing to do."""

_SIGNALS: Final = (signal.SIGTERM, signal.SIGINT)


def run_worker(
    service: Service,
    stop: threading.Event | None = None,
    *,
    delay: float = DEFAULT_SETTLE_DELAY,
    poll: float = DEFAULT_POLL,
    leases: bool = True,
) -> int:
    """Process ``service``'s pending updates until ``stop`` is set; return how many it did.

    Without ``stop``, the loop stops on SIGTERM or SIGINT instead: it must then
    run in the main thread (else :class:`ValueError`), and the previous signal
    handlers are back when it returns. Either way, a batch under way is
    finished before the loop returns. ``delay`` and ``poll`` are in seconds (see
    the module documentation); a negative value is a :class:`ValueError`.
    """
    if delay < 0 or poll < 0:
        raise ValueError(f"delay and poll must be >= 0, got delay={delay} and poll={poll}")
    guard: AbstractContextManager[None] = nullcontext()
    if stop is None:
        if threading.current_thread() is not threading.main_thread():
            raise ValueError("without a stop event, run_worker must run in the main thread")
        stop = threading.Event()
        guard = _stopping_on_signals(stop)

    def batch() -> int:
        if leases:
            return service.process_pending(service.batch)
        return service.store.process(service.batch)

    done = 0
    with guard:
        while not stop.is_set():
            if not _has_work(service):
                stop.wait(poll)
                continue
            if delay and stop.wait(delay):
                break
            this_round = _drain(batch, stop)
            done += this_round
            if not this_round:  # busy, or every update leased to another worker
                stop.wait(poll)
    return done


def _has_work(service: Service) -> bool:
    try:
        return service.store.pending_count > 0
    except ConflictError:
        return False


def _drain(batch: Callable[[], int], stop: threading.Event) -> int:
    done = 0
    while not stop.is_set():
        try:
            processed = batch()
        except ConflictError:
            break
        if not processed:
            break
        done += processed
    return done


@contextmanager
def _stopping_on_signals(stop: threading.Event) -> Iterator[None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {number: signal.signal(number, handler) for number in _SIGNALS}
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)
