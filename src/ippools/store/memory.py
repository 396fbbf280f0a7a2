"""The in-memory store: a :class:`~ippools.memory.MemoryState` with versions, an outbox and a lock.

Reads and the effects of commits are :class:`~ippools.memory.MemoryState`'s own;
this adapter adds what a store must offer on top: record versions checked on
commit, an outbox of pending updates with ids and leases, and a re-entrant lock
that serialises transactions between the threads of one process.

A commit checks every expected version before it writes anything, so it is
atomic. The lock is all a transaction is: commits made inside a block that later
raises are kept (there is no rollback in memory).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager

import attrs

from ippools.memory import MemoryState
from ippools.model import Account, DedicatedIp, Domain, IPAddress, Pool
from ippools.outcome import Changes, PendingUpdate
from ippools.store.ports import DEFAULT_LEASE, Claim, RecordKey, changed_records, check_versions
from ippools.world import World

__all__ = ["MemoryStore"]


@attrs.define
class _Entry:
    update: PendingUpdate
    claimed_until: float | None = None


class MemoryStore:
    """A store held in memory, for tests, tools and hosts that keep state in one process.

    ``world`` is the initial settled state (raises
    :class:`~ippools.errors.DocumentError` when it breaks a reference or an
    invariant). ``clock`` gives the time in seconds used for claim leases.
    """

    def __init__(
        self, world: World | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._state = MemoryState(world)
        self._lock = threading.RLock()
        self._clock = clock
        self._versions: dict[RecordKey, int] = {}
        self._outbox: dict[int, _Entry] = {}
        self._last_id = 0

    # -- StateView -------------------------------------------------------

    def account(self, account_id: str) -> Account | None:
        """The account with this id, if any."""
        with self._lock:
            return self._state.account(account_id)

    def dedicated_ip(self, ip: IPAddress) -> DedicatedIp | None:
        """The dedicated IP record of ``ip``, if ``ip`` is dedicated."""
        with self._lock:
            return self._state.dedicated_ip(ip)

    def dedicated_ips_of(self, account_id: str) -> list[DedicatedIp]:
        """Every dedicated IP owned by the account."""
        with self._lock:
            return list(self._state.dedicated_ips_of(account_id))

    def is_shared_ip(self, ip: IPAddress) -> bool:
        """True when ``ip`` is a shared IP."""
        with self._lock:
            return self._state.is_shared_ip(ip)

    def shared_ip_usage(self) -> list[tuple[IPAddress, int]]:
        """Every shared IP with how many domains hold it in the effective state."""
        with self._lock:
            return list(self._state.shared_ip_usage())

    def pool(self, pool_id: str) -> Pool | None:
        """The live DIPP with this id, if any."""
        with self._lock:
            return self._state.pool(pool_id)

    def pool_holding(self, ip: IPAddress) -> str | None:
        """The id of the live DIPP holding ``ip``, if any."""
        with self._lock:
            return self._state.pool_holding(ip)

    def pool_id_in_use(self, pool_id: str) -> bool:
        """True when a live DIPP has this id or a deleted one had it."""
        with self._lock:
            return self._state.pool_id_in_use(pool_id)

    def domain(self, domain_id: str) -> Domain | None:
        """The domain with this id, in its effective state."""
        with self._lock:
            return self._state.domain(domain_id)

    def domain_named(self, name: str) -> Domain | None:
        """The domain whose name matches ``name`` (C6), in its effective state."""
        with self._lock:
            return self._state.domain_named(name)

    def linked_domains(self, pool_id: str, account_id: str | None = None) -> list[Domain]:
        """The domains effectively linked to a live DIPP, optionally one account's, by id."""
        with self._lock:
            return self._state.linked_domains(pool_id, account_id)

    # -- Store -----------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the store's lock: no other thread reads or writes until the block ends."""
        with self._lock:
            yield

    def version(self, key: RecordKey) -> int:
        """The version of a domain or DIPP: 0 never existed, 1 as created, +1 per write."""
        with self._lock:
            return self._version(key)

    def commit(self, changes: Changes, expected: Mapping[RecordKey, int] | None = None) -> None:
        """Check ``expected`` versions, then store ``changes`` and queue their pending updates."""
        with self._lock:
            check_versions(self._version, expected)
            bumped = {key: self._version(key) + 1 for key in changed_records(changes)}
            self._state.apply(attrs.evolve(changes, pending=()))
            self._versions.update(bumped)
            for update in changes.pending:
                self._last_id += 1
                self._outbox[self._last_id] = _Entry(update)

    def apply(self, changes: Changes) -> None:
        """Store an accepted command's changes and queue its pending updates (``commit``)."""
        self.commit(changes)

    def process(self, limit: int | None = None) -> int:
        """Carry out and remove up to ``limit`` of the oldest pending updates (all when None)."""
        done = 0
        with self._lock:
            while self._outbox and (limit is None or done < limit):
                first = next(iter(self._outbox))
                self._state.run_update(self._outbox.pop(first).update)
                done += 1
        return done

    def settle(self) -> int:
        """Process every pending update; return how many."""
        return self.process(None)

    def claim(self, limit: int, lease: float = DEFAULT_LEASE) -> list[Claim]:
        """Lease up to ``limit`` of the oldest updates that no live lease holds."""
        claims: list[Claim] = []
        with self._lock:
            now = self._clock()
            for entry_id, entry in self._outbox.items():
                if len(claims) >= limit:
                    break
                if entry.claimed_until is not None and entry.claimed_until > now:
                    continue
                entry.claimed_until = now + lease
                claims.append(Claim(entry_id, entry.update))
        return claims

    def run_update(self, update: PendingUpdate) -> None:
        """Carry out one update now, queued or not; idempotent."""
        with self._lock:
            self._state.run_update(update)

    def mark_done(self, ids: Iterable[int]) -> int:
        """Remove the updates ``ids``; return how many were still pending."""
        with self._lock:
            return sum(1 for entry_id in ids if self._outbox.pop(entry_id, None) is not None)

    @property
    def pending(self) -> tuple[PendingUpdate, ...]:
        """Every pending update, oldest first."""
        with self._lock:
            return tuple(entry.update for entry in self._outbox.values())

    @property
    def pending_count(self) -> int:
        """How many pending updates remain."""
        with self._lock:
            return len(self._outbox)

    def stored_domain(self, domain_id: str) -> Domain | None:
        """The domain's record as stored."""
        with self._lock:
            return self._state.stored_domain(domain_id)

    def world(self) -> World:
        """The stored state as a world."""
        with self._lock:
            return self._state.world()

    def effective_world(self) -> World:
        """The effective state as a world."""
        with self._lock:
            return self._state.effective_world()

    def close(self) -> None:
        """Nothing to release."""

    def _version(self, key: RecordKey) -> int:
        known = self._versions.get(key)
        if known is not None:
            return known
        if key.kind == "domain":
            exists = self._state.stored_domain(key.id) is not None
        else:
            exists = self._state.pool_id_in_use(key.id)
        return 1 if exists else 0
