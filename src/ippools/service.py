"""A small façade beside the engine that glues a store and the rules together, for several workers.

Theory of operation
-------------------
Correctness first: every answer must be the answer of some serial order of the
commands (S1). The service gets that by *deciding under a serialising
transaction*: :meth:`Service.execute` (and :meth:`Service.handle`) run read,
decide and commit of every command that may write inside one
:meth:`~ippools.store.Store.transaction`,
which on SQLite is ``BEGIN IMMEDIATE`` (the file's write lock is taken before the
first read) and in memory a lock. The transactions' commit order is then the
serial order, and every answer was decided on exactly the state that order gives.

Reads do not wait for writers. A command that only reads (:data:`READ_COMMANDS`:
3.5; every reading route of the contract belongs there) is decided on a
read-only snapshot (:meth:`~ippools.store.Store.reading`): on SQLite a deferred
read transaction in write-ahead-log mode, which sees the last commit and takes
no lock that a writer holds, in this process or another. A snapshot is the
state between two commits of the serial order, so the answer is the one that
order gives at that point (S1); the read is placed in the order where its
snapshot was taken. :meth:`Service.handle` first runs the wire checks on a
snapshot too: a request refused there, or one whose command only reads, never
takes the write lock; any other is answered again from the start under the
write transaction. The classification cannot make an answer wrong: a command
listed as a read whose outcome would change something is decided again under
the write transaction, and only that decision counts (a new id it drew from the
policies on the snapshot is not handed back).

Why not optimistic concurrency (decide on a snapshot, then check the versions of
everything read)? The rules read more than records: shared-IP usage over the
whole platform (D4), "is this id in use", "which DIPP holds this IP", "which
domains are linked", each through tombstones. Versioning all of those reads
(predicates, not just rows) would make every command conflict with most others,
and SQLite serialises writers anyway. The store's versions remain for hosts that
decide elsewhere and commit with ``expected`` versions.

Retries: a store that stays busy beyond its timeout raises
:class:`~ippools.store.ports.StoreBusy`, a :class:`~ippools.errors.ConflictError`;
the service retries the whole command (nothing of the failed attempt was
written) up to ``attempts`` times, then raises :class:`ConflictError`.

Pending updates: :meth:`Service.process_pending` claims a batch of the oldest
unclaimed updates (a short settling unit, :meth:`~ippools.store.Store.settling`,
that leases them to this worker), then carries them out and marks them done in a
second one. Settling units never run beside a write transaction; on PostgreSQL
they run beside one another, and one that loses a conflict to another worker
raises :class:`~ippools.store.ports.StoreBusy` and is retried like a busy store. Workers in threads
and processes take disjoint batches; a worker that dies leaves its batch leased,
and another worker takes it again when the lease expires. Carrying out an update
twice is harmless (S5), so a batch processed by two workers is counted once, by
the one that marks it done first.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from ippools.arguments import check_count, check_seconds
from ippools.commands import Command, GetDomainIps, GetPool, ListPoolDomains, ListPools
from ippools.engine import Engine
from ippools.errors import ConflictError
from ippools.outcome import Accepted, Outcome
from ippools.policies import Policies
from ippools.rules import decide
from ippools.wire import Request, Response, handle
from ippools.worker import DEFAULT_POLL, DEFAULT_SETTLE_DELAY, run_worker

if TYPE_CHECKING:  # the store package re-exports this module: import it lazily
    from ippools.store import Claim, Store

__all__ = ["READ_COMMANDS", "Observer", "Service"]

T = TypeVar("T")

Observer = Callable[[Outcome], None]
"""Called with each outcome inside the command's unit of work, before its changes are written."""

READ_COMMANDS: tuple[type[object], ...] = (GetPool, ListPools, ListPoolDomains, GetDomainIps)
"""The commands that only read, which the service decides on a read snapshot.

Every command of a reading route of the contract belongs here (3.5, and the
reading routes of version 2: 3.11, 3.12, 3.15). A command missing from it is
still answered correctly, under the write lock; one listed wrongly is decided
again under the write lock as soon as its outcome would change something.
"""


class _Writes(Exception):
    """Leaves a read snapshot: the command must be decided under the write transaction."""


class _ServiceEngine(Engine["Store"]):
    """The engine the wire layer drives: decide, tell the observer, commit."""

    def __init__(self, store: Store, policies: Policies, observer: Observer | None) -> None:
        super().__init__(store, policies)
        self._observer = observer

    def execute(self, command: Command) -> Outcome:
        outcome = decide(self.state, command, self.policies)
        if self._observer is not None:
            self._observer(outcome)
        if isinstance(outcome, Accepted) and outcome.changes:
            self.state.commit(outcome.changes)
        return outcome


class _ReadEngine(Engine["Store"]):
    """The engine of a read snapshot: it decides only commands that read and change nothing."""

    def __init__(self, store: Store, policies: Policies, observer: Observer | None) -> None:
        super().__init__(store, policies)
        self._observer = observer

    def execute(self, command: Command) -> Outcome:
        if not isinstance(command, READ_COMMANDS):
            raise _Writes
        outcome = decide(self.state, command, self.policies)
        if isinstance(outcome, Accepted) and outcome.changes:
            raise _Writes
        if self._observer is not None:
            self._observer(outcome)
        return outcome


class Service:
    """Handle commands and wire requests against ``store``; process its pending updates.

    ``attempts`` bounds how many times one command is tried when the store is
    busy; ``batch`` is how many pending updates one worker claims at a time and
    ``lease`` how many seconds it keeps them (None: the store's default,
    :data:`~ippools.store.DEFAULT_LEASE`). ``observer``, if given, is called
    with every outcome (accepted or rejected) inside the command's unit of work
    (the write transaction, or the read snapshot of a command that only reads),
    before the changes are written: a host may write its audit record there (C2),
    and an exception it raises abandons the command. It is called again when a
    busy store forces a retry; the last call is the one that counts.
    """

    def __init__(
        self,
        store: Store,
        policies: Policies | None = None,
        *,
        attempts: int = 8,
        batch: int = 100,
        lease: float | None = None,
        observer: Observer | None = None,
    ) -> None:
        check_count(attempts, "attempts", minimum=1)
        check_count(batch, "batch", minimum=1)
        if lease is not None:
            check_seconds(lease, "lease")
        self.store = store
        self.policies = policies if policies is not None else Policies()
        self.attempts = attempts
        self.batch = batch
        self.lease = lease
        self._engine = _ServiceEngine(store, self.policies, observer)
        self._reader = _ReadEngine(store, self.policies, observer)

    def execute(self, command: Command) -> Outcome:
        """Decide ``command`` and store what it changes, as one serialised step.

        A command that only reads (:data:`READ_COMMANDS`) is decided on a read
        snapshot, without waiting for writers. Returns the outcome; raises
        :class:`~ippools.errors.ConflictError` when the store stayed busy through
        every attempt (nothing was written).
        """
        if isinstance(command, READ_COMMANDS):
            try:
                return self._retrying(partial(self._read, partial(self._reader.execute, command)))
            except _Writes:
                pass

        def attempt() -> Outcome:
            with self.store.transaction():
                return self._engine.execute(command)

        return self._retrying(attempt)

    def handle(self, request: Request) -> Response:
        """Answer a wire request as one serialised step (see :func:`ippools.wire.handle`).

        A request refused by the wire checks, or whose command only reads, is
        answered from a read snapshot, without waiting for writers; any other is
        answered under the write transaction. Returns the response; raises
        :class:`~ippools.errors.ConflictError` as :meth:`execute` does.
        """
        try:
            return self._retrying(partial(self._read, partial(handle, self._reader, request)))
        except _Writes:
            pass

        def attempt() -> Response:
            with self.store.transaction():
                return handle(self._engine, request)

        return self._retrying(attempt)

    def process_pending(self, limit: int | None = None) -> int:
        """Process up to ``limit`` pending updates (all when None), oldest first, in batches.

        Returns how many this call marked done. Updates leased to another live
        worker are left to it, so several workers may call this at once. Raises
        :class:`TypeError` or :class:`ValueError` for a ``limit`` that is neither
        None nor a count.
        """
        check_count(limit, "limit", optional=True)
        done = 0
        while limit is None or done < limit:
            size = self.batch if limit is None else min(self.batch, limit - done)
            claim = partial(self.store.claim, size)
            if self.lease is not None:
                claim = partial(claim, lease=self.lease)
            claims = self._retrying(claim)
            if not claims:
                break
            done += self._retrying(partial(self._finish, claims))
        return done

    def _read(self, answer: Callable[[], T]) -> T:
        with self.store.reading():
            return answer()

    def run_worker(
        self,
        stop: threading.Event | None = None,
        *,
        delay: float = DEFAULT_SETTLE_DELAY,
        poll: float = DEFAULT_POLL,
        leases: bool = True,
    ) -> int:
        """Process pending updates in the background until ``stop`` is set; return how many.

        Without ``stop`` it runs in the main thread until SIGTERM or SIGINT. Once it
        finds pending work it waits ``delay`` seconds, then processes batches of
        :attr:`batch` updates, oldest first, until none is left; ``poll`` is how
        often it looks for work. ``leases=False`` processes each batch in one
        transaction without leases, for a worker that runs alone (nothing stays
        leased after a crash). See :mod:`ippools.worker`.
        """
        return run_worker(self, stop, delay=delay, poll=poll, leases=leases)

    def _finish(self, claims: list[Claim]) -> int:
        with self.store.settling():
            for claim in claims:
                self.store.run_update(claim.update)
            return self.store.mark_done(claim.id for claim in claims)

    def _retrying(self, attempt: Callable[[], T]) -> T:
        for tried in range(1, self.attempts + 1):
            try:
                return attempt()
            except ConflictError as error:
                if tried == self.attempts:
                    raise ConflictError(
                        f"gave up after {self.attempts} attempts: {error}"
                    ) from error
                time.sleep(random.uniform(0, 0.005 * 2**tried))
        raise AssertionError("unreachable")  # pragma: no cover
