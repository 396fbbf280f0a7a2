"""What a host's store must offer: the ports of the persistence layer.

Theory of operation
-------------------
A store holds the stored state (accounts, dedicated and shared IPs, DIPPs,
tombstones of deleted DIPPs, domains) and an *outbox* of pending updates. It is
three things at once:

* a :class:`~ippools.state.StateView`: every read answers in the *effective*
  state (S2), exactly as :class:`~ippools.memory.MemoryState` does;
* a writer: :meth:`Store.commit` stores one command's changes **and** appends
  its pending updates to the outbox in one atomic step, after checking the
  versions the caller read (optimistic concurrency);
* an outbox: :meth:`Outbox.claim` leases the oldest pending updates to one
  worker, :meth:`Outbox.run_update` carries one out, :meth:`Outbox.mark_done`
  removes them. Carrying out an update is idempotent (S5), so an update whose
  worker died before marking it done simply runs again once its lease expires.

A store also satisfies :class:`~ippools.state.WritableState`, so that
``Engine(store)`` works unchanged.

Versions
--------
Every domain and DIPP has a version: 0 for a record that never existed, 1 for a
record as the store was created with it, and one more each time a commit writes
or deletes it (a deleted record keeps its last version, so a version is never
reused). Processing a pending update rewrites a stored domain but never changes
what any read answers, so it does not change the version. A domain's effective
state also depends on the DIPP it is (effectively) linked to: a host that checks
versions instead of serialising must include that DIPP's version too.

Errors
------
Adapters never let a driver exception escape. A store that stayed busy (another
writer held it) longer than its timeout raises :class:`StoreBusy`, a
:class:`~ippools.errors.ConflictError`: retry. A version mismatch raises
:class:`~ippools.errors.ConflictError`. Anything else the store cannot do (a
damaged or foreign file, a schema from a newer ippools, a full disk) raises
:class:`StoreError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Literal, Protocol

import attrs

from ippools.errors import ConflictError, IppoolsError
from ippools.model import Domain
from ippools.outcome import Changes, PendingUpdate
from ippools.state import WritableState
from ippools.world import World

__all__ = [
    "DEFAULT_LEASE",
    "Claim",
    "Outbox",
    "RecordKey",
    "Store",
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


class Outbox(Protocol):
    """The pending updates of a store, processed oldest first by one or more workers."""

    def claim(self, limit: int, lease: float = DEFAULT_LEASE) -> list[Claim]:
        """Lease up to ``limit`` of the oldest pending updates that no live lease holds.

        Returns them oldest first. Each stays pending (and counted) until marked
        done; another worker can claim it again ``lease`` seconds from now.
        """

    def run_update(self, update: PendingUpdate) -> None:
        """Carry out one update now: its domains' stored records take their effective state.

        Idempotent, and harmless for an update that was already carried out,
        whose domain is gone, or that is no longer queued (S5).
        """

    def mark_done(self, ids: Iterable[int]) -> int:
        """Remove the claimed updates ``ids`` from the outbox; return how many were still there."""

    @property
    def pending(self) -> tuple[PendingUpdate, ...]:
        """Every pending update, oldest first, claimed or not."""

    @property
    def pending_count(self) -> int:
        """How many pending updates remain, claimed or not."""


class Store(WritableState, Outbox, Protocol):
    """A store: effective reads, versioned atomic commits with an outbox, and transactions.

    ``apply(changes)`` is ``commit(changes)``; ``process(limit)`` carries out and
    removes up to ``limit`` of the oldest pending updates, claimed or not, in one
    atomic step.
    """

    def transaction(self) -> AbstractContextManager[None]:
        """A serialising unit of work.

        While the block runs, no other writer (thread or process) changes the
        store, so reads, decision and commit inside it form one step of a serial
        order. Re-entering it in the same thread is a no-op. Raises
        :class:`StoreBusy` when the store stays busy beyond its timeout. When the
        block raises, a store that can roll back (SQLite) undoes the commits made
        inside it; each commit is atomic in any case.
        """

    def version(self, key: RecordKey) -> int:
        """The version of a domain or DIPP (see the module documentation)."""

    def commit(self, changes: Changes, expected: Mapping[RecordKey, int] | None = None) -> None:
        """Store ``changes`` and queue their pending updates, atomically.

        ``expected`` maps records to the versions the caller read; any mismatch
        raises :class:`~ippools.errors.ConflictError` and writes nothing.
        """

    def stored_domain(self, domain_id: str) -> Domain | None:
        """The domain's record as stored, which may lag behind its effective state."""

    def world(self) -> World:
        """The stored state as a world (before a settle it may lag, K15)."""

    def effective_world(self) -> World:
        """The effective state as a world: what the stored state becomes once settled."""

    def close(self) -> None:
        """Release the store's resources; the store is not used afterwards."""
