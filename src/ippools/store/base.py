"""The store, written once over the primitives of any adapter.

Theory of operation
-------------------
:class:`Store` is everything a store does, on top of an
:class:`~ippools.store.ports.Adapter` that only keeps records, an outbox and
versions, and provides units of work:

* reads answer in the effective state (S2) through the state's one algorithm,
  :class:`~ippools.stored_state.StoredState`, each inside the adapter's
  ``reading`` so that it sees one snapshot, without waiting for writers;
  :meth:`Store.reading` lets a caller make several reads on one snapshot;
* :meth:`Store.commit` checks the versions the caller read, stores a command's
  changes, bumps the versions of the records it writes and appends its pending
  updates to the outbox, all inside one ``transaction``: a crash keeps all of
  it or none (the outbox);
* :meth:`Store.claim` leases the oldest pending updates to one worker, using
  the store's clock; :meth:`Store.run_update` carries one out;
  :meth:`Store.mark_done` removes them; :meth:`Store.process` does all three in
  one transaction. Carrying out an update is idempotent (S5), so an update
  whose worker died before marking it done simply runs again once its lease
  expires.

A store satisfies :class:`~ippools.state.WritableState`, so that
``Engine(store)`` works unchanged: ``apply(changes)`` is ``commit(changes)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from types import TracebackType

from ippools.arguments import check_count, check_seconds
from ippools.model import Account, DedicatedIp, Domain, IPAddress, Pool
from ippools.outcome import Changes, PendingUpdate
from ippools.store.ports import (
    DEFAULT_LEASE,
    Adapter,
    Claim,
    RecordKey,
    changed_records,
    check_versions,
)
from ippools.stored_state import StoredState
from ippools.world import World

__all__ = ["Clock", "Store"]

Clock = Callable[[], float]
"""Gives the time in seconds; claim leases are measured with it."""


class Store:
    """A store over ``adapter``: effective reads, versioned atomic commits, an outbox.

    ``clock`` gives the time in seconds used for claim leases. Use it in a
    ``with`` block, or call :meth:`close` when done.
    """

    def __init__(self, adapter: Adapter, *, clock: Clock) -> None:
        self._adapter = adapter
        self._state = StoredState(adapter.storage)
        self._clock = clock

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # -- StateView ---------------------------------------------------------------

    def account(self, account_id: str) -> Account | None:
        """The account with this id, if any."""
        with self._adapter.reading():
            return self._state.account(account_id)

    def dedicated_ip(self, ip: IPAddress) -> DedicatedIp | None:
        """The dedicated IP record of ``ip``, if ``ip`` is dedicated."""
        with self._adapter.reading():
            return self._state.dedicated_ip(ip)

    def dedicated_ips_of(self, account_id: str) -> list[DedicatedIp]:
        """Every dedicated IP owned by the account."""
        with self._adapter.reading():
            return self._state.dedicated_ips_of(account_id)

    def shared_ip_usage(self) -> list[tuple[IPAddress, int]]:
        """Every shared IP with how many domains hold it in the effective state."""
        with self._adapter.reading():
            return self._state.shared_ip_usage()

    def pool(self, pool_id: str) -> Pool | None:
        """The live DIPP with this id, if any."""
        with self._adapter.reading():
            return self._state.pool(pool_id)

    def pool_holding(self, ip: IPAddress) -> str | None:
        """The id of the live DIPP holding ``ip``, if any."""
        with self._adapter.reading():
            return self._state.pool_holding(ip)

    def pool_id_in_use(self, pool_id: str) -> bool:
        """True when a live DIPP has this id or a deleted one had it."""
        with self._adapter.reading():
            return self._state.pool_id_in_use(pool_id)

    def shared_usage(self, ip: IPAddress) -> int | None:
        """How many domains hold the shared IP ``ip``; None when it is not shared."""
        with self._adapter.reading():
            return self._state.shared_usage(ip)

    def subaccounts_of(self, account_id: str) -> list[Account]:
        """The subaccounts of the account, sorted by id."""
        with self._adapter.reading():
            return self._state.subaccounts_of(account_id)

    def domains_of(self, account_id: str) -> list[Domain]:
        """The account's domains in their effective state, sorted by id."""
        with self._adapter.reading():
            return self._state.domains_of(account_id)

    def pools_owned_by(self, account_id: str) -> list[Pool]:
        """The live DIPPs the account owns, sorted by pool id."""
        with self._adapter.reading():
            return self._state.pools_owned_by(account_id)

    def pools_delegated_to(self, account_id: str) -> list[Pool]:
        """The live DIPPs delegated to the account, sorted by pool id."""
        with self._adapter.reading():
            return self._state.pools_delegated_to(account_id)

    def domain(self, domain_id: str) -> Domain | None:
        """The domain with this id, in its effective state."""
        with self._adapter.reading():
            return self._state.domain(domain_id)

    def domain_named(self, name: str) -> Domain | None:
        """The domain whose name matches ``name`` (C6), in its effective state."""
        with self._adapter.reading():
            return self._state.domain_named(name)

    def linked_domains(self, pool_id: str, account_id: str | None = None) -> list[Domain]:
        """The domains effectively linked to a live DIPP, optionally one account's, by id."""
        with self._adapter.reading():
            return self._state.linked_domains(pool_id, account_id)

    def linked_domains_page(
        self, pool_id: str, account_id: str | None, after: str | None, limit: int
    ) -> list[Domain]:
        """The first ``limit`` of :meth:`linked_domains` with an id after ``after`` (if given)."""
        with self._adapter.reading():
            return self._state.linked_domains_page(pool_id, account_id, after, limit)

    # -- stored state ------------------------------------------------------------

    def stored_domain(self, domain_id: str) -> Domain | None:
        """The domain's record as stored, which may lag behind its effective state."""
        with self._adapter.reading():
            return self._state.stored_domain(domain_id)

    def world(self) -> World:
        """The stored state as a world (before a settle it may lag, K15)."""
        with self._adapter.reading():
            return self._state.world()

    def effective_world(self) -> World:
        """The effective state as a world: what the stored state becomes once settled."""
        with self._adapter.reading():
            return self._state.effective_world()

    # -- writes ------------------------------------------------------------------

    def transaction(self) -> AbstractContextManager[object]:
        """A serialising unit of work.

        While the block runs, no other writer (thread or process) changes the
        store, so reads, decision and commit inside it form one step of a serial
        order. Re-entering it in the same thread joins the open one. Raises
        :class:`~ippools.store.ports.StoreBusy` when the store stays busy beyond
        its timeout. When the block raises, a store that can roll back (SQLite)
        undoes the commits made inside it; each commit is atomic in any case.
        """
        return self._adapter.transaction()

    def settling(self) -> AbstractContextManager[object]:
        """A unit of work for carrying out pending updates: claim, run and mark done in it.

        Settling units may run beside one another (on PostgreSQL; SQLite and
        memory make them transactions), never beside a :meth:`transaction`,
        which they join when opened inside one. Carrying out an update never
        changes what a read answers, so that order does not matter to anyone.
        """
        return self._adapter.settling()

    def reading(self) -> AbstractContextManager[object]:
        """A read-only snapshot: every read inside the block sees the same state.

        It does not wait for writers: on SQLite it reads the last commit while
        other threads and processes write (in memory it takes the store's lock).
        Inside an open transaction of this thread it is that transaction.
        Re-entering it joins the open snapshot. Nothing may be written inside
        it except in a transaction opened inside it, which a snapshot opened
        before does not see.
        """
        return self._adapter.reading()

    def version(self, key: RecordKey) -> int:
        """The version of a domain or DIPP: 0 never existed, 1 as created, +1 per write."""
        with self._adapter.reading():
            return self._version(key)

    def commit(self, changes: Changes, expected: Mapping[RecordKey, int] | None = None) -> None:
        """Store ``changes`` and queue their pending updates, atomically.

        ``expected`` maps records to the versions the caller read; any mismatch
        raises :class:`~ippools.errors.ConflictError` and writes nothing.
        """
        with self._adapter.transaction():
            check_versions(self._version, expected)
            bumped = {key: self._version(key) + 1 for key in changed_records(changes)}
            self._state.write(changes)
            self._adapter.set_versions(bumped)
            self._adapter.outbox.append(changes.pending)

    def apply(self, changes: Changes) -> None:
        """Store an accepted command's changes and queue its pending updates (``commit``)."""
        self.commit(changes)

    def process(self, limit: int | None = None) -> int:
        """Carry out and remove up to ``limit`` of the oldest pending updates (all when None).

        Leased or not, in one transaction; returns how many. Raises
        :class:`TypeError` or :class:`ValueError` for a ``limit`` that is
        neither None nor a count.
        """
        check_count(limit, "limit", optional=True)
        with self._adapter.settling():
            claims = self._adapter.outbox.oldest(limit)
            for claim in claims:
                self._state.run_update(claim.update)
            self._adapter.outbox.mark_done(claim.id for claim in claims)
            return len(claims)

    def settle(self) -> int:
        """Process every pending update; return how many."""
        return self.process(None)

    def claim(self, limit: int, lease: float = DEFAULT_LEASE) -> list[Claim]:
        """Lease up to ``limit`` of the oldest pending updates that no live lease holds.

        Returns them oldest first. Each stays pending (and counted) until marked
        done; another worker can claim it again ``lease`` seconds from now, by
        the store's clock. Raises :class:`TypeError` or :class:`ValueError` for
        a ``limit`` that is not a count or a ``lease`` that is not a number of
        seconds.
        """
        check_count(limit, "limit")
        check_seconds(lease, "lease")
        with self._adapter.settling():
            return self._adapter.outbox.claim(limit, self._clock(), lease)

    def run_update(self, update: PendingUpdate) -> None:
        """Carry out one update now: its domains' stored records take their effective state.

        Idempotent, and harmless for an update that was already carried out,
        whose domain is gone, or that is no longer queued (S5).
        """
        with self._adapter.settling():
            self._state.run_update(update)

    def mark_done(self, ids: Iterable[int]) -> int:
        """Remove the claimed updates ``ids`` from the outbox; return how many were still there."""
        with self._adapter.settling():
            return self._adapter.outbox.mark_done(ids)

    @property
    def pending(self) -> tuple[PendingUpdate, ...]:
        """Every pending update, oldest first, claimed or not."""
        with self._adapter.reading():
            return tuple(claim.update for claim in self._adapter.outbox.oldest(None))

    @property
    def pending_count(self) -> int:
        """How many pending updates remain, claimed or not."""
        with self._adapter.reading():
            return self._adapter.outbox.count()

    def close(self) -> None:
        """Release the store's resources; the store is not used afterwards."""
        self._adapter.close()

    def _version(self, key: RecordKey) -> int:
        stored = self._adapter.stored_version(key)
        if stored is not None:
            return stored
        if key.kind == "domain":
            exists = self._state.stored_domain(key.id) is not None
        else:
            exists = self._state.pool_id_in_use(key.id)
        return 1 if exists else 0
