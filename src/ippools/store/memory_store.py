"""The in-memory store: the in-memory primitives, an outbox, versions and a lock.

:class:`MemoryAdapter` keeps the records in a
:class:`~ippools.memory_state.MemoryStorage` (the primitives
:class:`~ippools.memory_state.MemoryState` runs on), the outbox in an ordered
dictionary and the versions in another; a re-entrant lock is both its
transaction and its read snapshot, serialising the threads of one process.
Records live in place, with no copy to read while a transaction writes, so here
a read waits for the transaction in progress (which does no I/O).
:class:`MemoryStore` is :class:`~ippools.store.base.Store` over it.

A commit checks every expected version before it writes anything, so it is
atomic. The lock is all a transaction is: commits made inside a block that later
raises are kept (there is no rollback in memory).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager

import attrs

from ippools.memory_state import MemoryStorage
from ippools.outcome import PendingUpdate
from ippools.store.base import Clock, Store
from ippools.store.ports import Claim, RecordKey
from ippools.stored_state import load_world
from ippools.world import World

__all__ = ["MemoryAdapter", "MemoryOutbox", "MemoryStore"]


@attrs.define
class _Entry:
    update: PendingUpdate
    claimed_until: float | None = None


class MemoryOutbox:
    """The outbox primitives over an ordered dictionary of entries by id."""

    def __init__(self) -> None:
        self._entries: dict[int, _Entry] = {}
        self._last_id = 0

    def append(self, updates: Iterable[PendingUpdate]) -> None:
        for update in updates:
            self._last_id += 1
            self._entries[self._last_id] = _Entry(update)

    def oldest(self, limit: int | None) -> list[Claim]:
        found: list[Claim] = []
        for entry_id, entry in self._entries.items():
            if limit is not None and len(found) >= limit:
                break
            found.append(Claim(entry_id, entry.update))
        return found

    def claim(self, limit: int, now: float, lease: float) -> list[Claim]:
        claims: list[Claim] = []
        for entry_id, entry in self._entries.items():
            if len(claims) >= limit:
                break
            if entry.claimed_until is not None and entry.claimed_until > now:
                continue
            entry.claimed_until = now + lease
            claims.append(Claim(entry_id, entry.update))
        return claims

    def mark_done(self, ids: Iterable[int]) -> int:
        return sum(1 for entry_id in ids if self._entries.pop(entry_id, None) is not None)

    def count(self) -> int:
        return len(self._entries)


class MemoryAdapter:
    """The adapter of :class:`MemoryStore`, holding ``world`` (checked, as a new store's)."""

    def __init__(self, world: World) -> None:
        self.storage = MemoryStorage()
        load_world(self.storage, world)
        self.outbox = MemoryOutbox()
        self._versions: dict[RecordKey, int] = {}
        self._lock = threading.RLock()

    def transaction(self) -> AbstractContextManager[object]:
        return self._lock

    def settling(self) -> AbstractContextManager[object]:
        return self._lock

    def reading(self) -> AbstractContextManager[object]:
        return self._lock

    def stored_version(self, key: RecordKey) -> int | None:
        return self._versions.get(key)

    def set_versions(self, versions: Mapping[RecordKey, int]) -> None:
        self._versions.update(versions)

    def close(self) -> None:
        """Nothing to release."""


class MemoryStore(Store):
    """A store held in memory, for tests, tools and hosts that keep state in one process.

    ``world`` is the initial settled state (raises
    :class:`~ippools.errors.DocumentError` when it breaks a reference or an
    invariant). ``clock`` gives the time in seconds used for claim leases.
    """

    def __init__(self, world: World | None = None, *, clock: Clock = time.monotonic) -> None:
        super().__init__(MemoryAdapter(world if world is not None else World()), clock=clock)
