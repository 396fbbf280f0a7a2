"""What a store adapter must offer: the narrow ports of the persistence layer.

Theory of operation
-------------------
A store holds the stored state (accounts, dedicated and shared IPs, DIPPs,
tombstones of deleted DIPPs, domains), an *outbox* of pending updates and the
version of every record. What it *does* with them is written once, in
:class:`~ippools.store.base.Store`: effective reads, versioned commits that
store a command's changes and queue its pending updates in one atomic step,
claiming and processing pending updates. An adapter offers only primitives:

* an :class:`Adapter`: :class:`~ippools.storage.Storage` primitives for the
  records (the same ones :class:`~ippools.memory_state.MemoryState` runs on),
  an :class:`OutboxStorage`, the stored versions, and the units of work:
  ``transaction`` (serialising, for writes), ``settling`` (for carrying out
  pending updates, which may run beside one another) and ``reading`` (a read-only
  snapshot that does not wait for writers);
* an :class:`OutboxStorage`: append updates, list the oldest, lease the
  oldest unleased ones, remove the ones done, count.

So a new adapter (a PostgreSQL one, say) is a page of primitives plus the store
contract suite (:mod:`ippools.store.contract`).

Versions
--------
Every domain and DIPP has a version: 0 for a record that never existed, 1 for a
record as the store was created with it, and one more each time a commit writes
or deletes it (a deleted record keeps its last version, so a version is never
reused). Processing a pending update rewrites a stored domain but never changes
what any read answers, so it does not change the version. A domain's effective
state also depends on the DIPP it is (effectively) linked to: a host that checks
versions instead of serialising must include that DIPP's version too. An adapter
stores only the versions written by commits; a record it holds without a stored
version is at version 1.

Errors
------
Adapters never let a driver exception escape. A store that stayed busy (another
writer held it) longer than its timeout raises :class:`StoreBusy`, a
:class:`~ippools.errors.ConflictError`: retry. A version mismatch raises
:class:`~ippools.errors.ConflictError`. Anything else the store cannot do (a
damaged or foreign file, a schema from a newer ippools, a full disk, a value the
driver cannot encode such as text with a lone surrogate or an integer beyond
its range) raises :class:`StoreError`. So does a stored value that no record
can hold (a damaged row): an adapter checks what it reads and names the table
and the row, rather than letting a decoding :class:`ValueError` or
:class:`TypeError` escape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Literal, Protocol

import attrs

from ippools.errors import ConflictError, IppoolsError
from ippools.outcome import Changes, PendingUpdate
from ippools.storage import Storage

__all__ = [
    "DEFAULT_LEASE",
    "Adapter",
    "Claim",
    "OutboxStorage",
    "RecordKey",
    "StoreBusy",
    "StoreError",
    "changed_records",
    "check_versions",
]

DEFAULT_LEASE = 30.0
"""Seconds for which a claimed pending update is left to the worker that claimed it."""


class StoreError(IppoolsError):
    """The store failed: a damaged or foreign file, an unknown schema, a driver error."""


class StoreBusy(ConflictError):
    """Another writer held the store longer than the store's timeout; retry the operation."""


@attrs.frozen
class RecordKey:
    """Names a versioned record: a domain by id or a DIPP by ``pool_id``."""

    kind: Literal["domain", "pool"]
    id: str

    @classmethod
    def domain(cls, domain_id: str) -> RecordKey:
        """The key of a domain."""
        return cls("domain", domain_id)

    @classmethod
    def pool(cls, pool_id: str) -> RecordKey:
        """The key of a DIPP (live or deleted)."""
        return cls("pool", pool_id)


@attrs.frozen
class Claim:
    """A pending update leased to one worker; ``id`` is its place in the outbox.

    Ids increase in the order updates were queued and are never reused.
    """

    id: int
    update: PendingUpdate


def changed_records(changes: Changes) -> list[RecordKey]:
    """The records a commit of ``changes`` writes or deletes, each once, in a stable order."""
    keys = [RecordKey.pool(pool.pool_id) for pool in changes.pools]
    keys += [RecordKey.pool(grave.pool_id) for grave in changes.deleted_pools]
    keys += [RecordKey.domain(domain.id) for domain in changes.domains]
    keys += [RecordKey.domain(domain_id) for domain_id in changes.deleted_domains]
    return list(dict.fromkeys(keys))


def check_versions(
    version: Callable[[RecordKey], int], expected: Mapping[RecordKey, int] | None
) -> None:
    """Raise :class:`ConflictError` unless every record is at the version the caller read."""
    for key, wanted in (expected or {}).items():
        current = version(key)
        if current != wanted:
            raise ConflictError(f"{key.kind} {key.id!r} is at version {current}, not {wanted}")


class OutboxStorage(Protocol):
    """The outbox rows of an adapter: pending updates in queue order, with claim leases.

    Like the :class:`~ippools.storage.Storage` primitives, these neither begin
    nor end a unit of work: the store calls them inside the adapter's
    ``transaction`` or ``reading``.
    """

    def append(self, updates: Iterable[PendingUpdate]) -> None:
        """Queue ``updates`` after every queued one; each gets an id greater than any before."""

    def oldest(self, limit: int | None) -> list[Claim]:
        """The ``limit`` oldest queued updates (all when None), leased or not, oldest first."""

    def claim(self, limit: int, now: float, lease: float) -> list[Claim]:
        """Lease up to ``limit`` of the oldest updates whose lease ended by ``now`` (or none).

        Each of them is leased until ``now + lease``; returns them oldest first.
        """

    def mark_done(self, ids: Iterable[int]) -> int:
        """Remove the updates ``ids``; return how many of them were still queued."""

    def count(self) -> int:
        """How many updates are queued, leased or not."""


class Adapter(Protocol):
    """What a store adapter implements: primitives, versions, units of work.

    Everything else a store does is :class:`~ippools.store.base.Store`'s, once
    for every adapter.
    """

    @property
    def storage(self) -> Storage:
        """The records of the state, as storage primitives."""

    @property
    def outbox(self) -> OutboxStorage:
        """The outbox of pending updates."""

    def transaction(self) -> AbstractContextManager[object]:
        """A serialising unit of work.

        While the block runs, no other writer (thread or process) changes the
        store. Re-entering it in the same thread joins the open one. Raises
        :class:`StoreBusy` when the store stays busy beyond its timeout. When the
        block raises, an adapter that can roll back undoes what the block wrote;
        driver errors leave it as :class:`StoreError` or :class:`StoreBusy`.
        """

    def settling(self) -> AbstractContextManager[object]:
        """A unit of work for carrying out pending updates (claim, run, mark done).

        Carrying out an update never changes what a read answers, so an adapter
        may let settling units run at once with one another (never with a
        ``transaction``), provided that their writes stay those of some serial
        order; it may also make it a ``transaction``. Inside this thread's
        ``transaction`` it joins it. Errors as for ``transaction``.
        """

    def reading(self) -> AbstractContextManager[object]:
        """A consistent snapshot to read in: inside this thread's transaction, that transaction.

        Otherwise a read-only snapshot of the last commit, which should wait for
        no writer (of this process or another): reads must not queue behind
        writes. The storage and outbox primitives that this thread calls inside
        the block read that snapshot (an adapter keeps one unit of work per
        thread and gives its primitives that unit's connection). Re-entering it
        in the same thread joins the open snapshot; a transaction opened inside
        it is the thread's unit of work until it ends. Nothing is written in a
        snapshot. An adapter that cannot read without waiting (the memory one)
        may serialise reads with its transactions instead.
        """

    def stored_version(self, key: RecordKey) -> int | None:
        """The version a commit wrote for ``key``, or None when no commit wrote one."""

    def set_versions(self, versions: Mapping[RecordKey, int]) -> None:
        """Store these versions, replacing earlier ones."""

    def close(self) -> None:
        """Release the adapter's resources; it is not used afterwards."""
