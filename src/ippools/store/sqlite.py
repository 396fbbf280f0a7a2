"""The SQLite store: the embedded default, a file path is all it needs.

Theory of operation
-------------------
One :class:`SqliteStore` holds one connection (standard library :mod:`sqlite3`)
in write-ahead-log mode, guarded by a re-entrant lock so that the threads of a
process may share it. Several stores, in several threads or processes, may open
the same file: SQLite serialises their writers.

* :meth:`SqliteStore.transaction` is ``BEGIN IMMEDIATE`` ... ``COMMIT``: it takes
  the file's write lock before the first read, so everything read, decided and
  written inside it is one step of a serial order across every process. A block
  that raises is rolled back.
* Every write method (``commit``, ``process``, ``claim``, ``run_update``,
  ``mark_done``) runs in such a transaction, its own or the caller's. So a
  command's changes and its pending updates are stored together or not at all,
  whatever moment the process dies at.
* Every read outside a transaction runs in a short read transaction, so that it
  sees one snapshot.
* ``synchronous`` is ``FULL`` by default (a commit survives a power loss) or
  ``NORMAL`` (a commit survives the death of the process; the last ones may be
  lost on a power loss, never half of one).

Driver errors never escape: a busy file becomes
:class:`~ippools.store.ports.StoreBusy` (retry), anything else
:class:`~ippools.store.ports.StoreError`.

Open a store in each process that uses it: a connection must not cross ``fork``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Literal

from ippools.model import Account, DedicatedIp, Domain, IPAddress, Pool, domain_key
from ippools.outcome import Changes, PendingUpdate
from ippools.store.ports import (
    DEFAULT_LEASE,
    Claim,
    RecordKey,
    StoreBusy,
    StoreError,
    changed_records,
    check_versions,
)
from ippools.store.sqlite_outbox import OutboxTable
from ippools.store.sqlite_schema import prepare
from ippools.store.sqlite_tables import Tables
from ippools.world import World

__all__ = ["SqliteStore", "open_sqlite"]

Synchronous = Literal["FULL", "NORMAL"]

_BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class SqliteStore:
    """A store in a SQLite file, created with its schema when the file is new or empty.

    ``world`` is the initial settled state, loaded only when the file is new
    (:attr:`created` tells); it is ignored for an existing store. ``synchronous``
    is ``"FULL"`` (durable, the default) or ``"NORMAL"``. ``timeout`` is how many
    seconds to wait for another writer before raising
    :class:`~ippools.store.ports.StoreBusy`. ``clock`` gives the wall-clock time
    in seconds used for claim leases (shared by every process on the machine).

    Raises :class:`~ippools.store.ports.StoreError` for a file that is not an
    ippools store, one with a newer schema, or one that cannot be opened, and
    :class:`~ippools.errors.DocumentError` for an invalid ``world``.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        world: World | None = None,
        *,
        synchronous: Synchronous = "FULL",
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous must be 'FULL' or 'NORMAL', got {synchronous!r}")
        self.path = os.fspath(path)
        self._clock = clock
        self._lock = threading.RLock()
        self._depth = 0
        with self._translated():
            self._conn = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        # Switching a new file to WAL while other connections open it can answer
        # "busy" at once, without waiting on the busy timeout: retry until it runs out.
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self._translated():
                    mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                    if mode != "wal" and self.path != ":memory:":
                        raise StoreError(f"store {self.path!r} cannot use write-ahead logging")
                    self._conn.execute(f"PRAGMA synchronous = {synchronous}")
                    self.created = prepare(self._conn, f"store {self.path!r}", world)
                break
            except StoreBusy:
                if time.monotonic() < deadline:
                    time.sleep(0.005)
                    continue
                self._conn.close()
                raise
            except BaseException:
                self._conn.close()
                raise
        self._tables = Tables(self._conn)
        self._outbox = OutboxTable(self._conn)

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def synchronous(self) -> Synchronous:
        """The connection's ``PRAGMA synchronous``: ``"FULL"`` or ``"NORMAL"``."""
        with self._reading():
            level = self._conn.execute("PRAGMA synchronous").fetchone()[0]
        return "FULL" if level >= 2 else "NORMAL"

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"

    # -- transactions and errors -----------------------------------------

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """Turn driver errors into the library's errors."""
        try:
            yield
        except sqlite3.Error as error:
            code = getattr(error, "sqlite_errorcode", None)
            if code is not None and code & 0xFF in _BUSY_CODES:
                raise StoreBusy(f"store {self.path!r} is busy: {error}") from error
            raise StoreError(f"store {self.path!r}: {error}") from error

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``: one serialised step; rolled back if the block raises.

        Re-entering it in the same thread joins the open transaction. Raises
        :class:`~ippools.store.ports.StoreBusy` when another writer keeps the
        file locked beyond the timeout.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            with self._translated():
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._depth = 0
                self._rollback()
                raise
            self._depth = 0
            try:
                with self._translated():
                    self._conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except sqlite3.Error:  # the transaction is gone either way
            pass

    @contextmanager
    def _reading(self) -> Iterator[Tables]:
        """A consistent snapshot for one read: the open transaction, or a short read one."""
        with self._lock, self._translated():
            if self._depth:
                yield self._tables
                return
            self._conn.execute("BEGIN")
            try:
                yield self._tables
            finally:
                self._rollback()

    @contextmanager
    def _writing(self) -> Iterator[Tables]:
        with self._translated(), self.transaction():
            yield self._tables

    # -- StateView -------------------------------------------------------

    def account(self, account_id: str) -> Account | None:
        """The account with this id, if any."""
        with self._reading() as tables:
            return tables.account(account_id)

    def dedicated_ip(self, ip: IPAddress) -> DedicatedIp | None:
        """The dedicated IP record of ``ip``, if ``ip`` is dedicated."""
        with self._reading() as tables:
            return tables.dedicated_ip(ip)

    def dedicated_ips_of(self, account_id: str) -> list[DedicatedIp]:
        """Every dedicated IP owned by the account."""
        with self._reading() as tables:
            return tables.dedicated_ips_of(account_id)

    def is_shared_ip(self, ip: IPAddress) -> bool:
        """True when ``ip`` is a shared IP."""
        with self._reading() as tables:
            return tables.is_shared_ip(ip)

    def shared_ip_usage(self) -> list[tuple[IPAddress, int]]:
        """Every shared IP with how many domains hold it in the effective state."""
        with self._reading() as tables:
            return tables.shared_ip_usage()

    def pool(self, pool_id: str) -> Pool | None:
        """The live DIPP with this id, if any."""
        with self._reading() as tables:
            return tables.pool(pool_id)

    def pool_holding(self, ip: IPAddress) -> str | None:
        """The id of the live DIPP holding ``ip``, if any."""
        with self._reading() as tables:
            return tables.pool_holding(ip)

    def pool_id_in_use(self, pool_id: str) -> bool:
        """True when a live DIPP has this id or a deleted one had it."""
        with self._reading() as tables:
            return tables.pool_id_in_use(pool_id)

    def domain(self, domain_id: str) -> Domain | None:
        """The domain with this id, in its effective state."""
        with self._reading() as tables:
            return tables.domain(domain_id)

    def domain_named(self, name: str) -> Domain | None:
        """The domain whose name matches ``name`` (C6), in its effective state."""
        with self._reading() as tables:
            return tables.domain_named(domain_key(name))

    def linked_domains(self, pool_id: str, account_id: str | None = None) -> list[Domain]:
        """The domains effectively linked to a live DIPP, optionally one account's, by id."""
        with self._reading() as tables:
            return tables.linked_domains(pool_id, account_id)

    # -- Store -----------------------------------------------------------

    def version(self, key: RecordKey) -> int:
        """The version of a domain or DIPP: 0 never existed, 1 as created, +1 per write."""
        with self._reading() as tables:
            return tables.version(key)

    def commit(self, changes: Changes, expected: Mapping[RecordKey, int] | None = None) -> None:
        """Check ``expected`` versions, then store ``changes`` and queue their pending updates."""
        with self._writing() as tables:
            check_versions(tables.version, expected)
            bumped = {key: tables.version(key) + 1 for key in changed_records(changes)}
            tables.apply(changes)
            tables.set_versions(bumped)
            self._outbox.enqueue(changes.pending)

    def apply(self, changes: Changes) -> None:
        """Store an accepted command's changes and queue its pending updates (``commit``)."""
        self.commit(changes)

    def process(self, limit: int | None = None) -> int:
        """Carry out and remove up to ``limit`` of the oldest pending updates (all when None)."""
        with self._writing() as tables:
            claims = self._outbox.oldest(limit)
            for claim in claims:
                tables.run_update(claim.update)
            self._outbox.mark_done(claim.id for claim in claims)
            return len(claims)

    def settle(self) -> int:
        """Process every pending update; return how many."""
        return self.process(None)

    def claim(self, limit: int, lease: float = DEFAULT_LEASE) -> list[Claim]:
        """Lease up to ``limit`` of the oldest updates that no live lease holds."""
        with self._writing():
            return self._outbox.claim(limit, self._clock(), lease)

    def run_update(self, update: PendingUpdate) -> None:
        """Carry out one update now, queued or not; idempotent."""
        with self._writing() as tables:
            tables.run_update(update)

    def mark_done(self, ids: Iterable[int]) -> int:
        """Remove the updates ``ids``; return how many were still pending."""
        with self._writing():
            return self._outbox.mark_done(ids)

    @property
    def pending(self) -> tuple[PendingUpdate, ...]:
        """Every pending update, oldest first."""
        with self._reading():
            return self._outbox.pending()

    @property
    def pending_count(self) -> int:
        """How many pending updates remain."""
        with self._reading():
            return self._outbox.pending_count()

    def stored_domain(self, domain_id: str) -> Domain | None:
        """The domain's record as stored."""
        with self._reading() as tables:
            return tables.stored_domain(domain_id)

    def world(self) -> World:
        """The stored state as a world."""
        with self._reading() as tables:
            return tables.world()

    def effective_world(self) -> World:
        """The effective state as a world."""
        with self._reading() as tables:
            return tables.effective_world()

    def close(self) -> None:
        """Close the connection; the store is not used afterwards."""
        with self._lock:
            self._rollback()
            self._conn.close()


def open_sqlite(path: str | os.PathLike[str], world: World | None = None) -> SqliteStore:
    """Open (or create, holding ``world``) the durable SQLite store at ``path``.

    The result serves as ``Engine(store)``'s state: ``engine.execute``,
    ``engine.process`` and ``engine.settle`` work on it as on a
    :class:`~ippools.memory.MemoryState`, and ``store.world()``,
    ``store.pending_count`` and ``store.pending`` report it. ``world`` is loaded
    only when the file is new (``store.created``). Close it with ``store.close()``
    or use it in a ``with`` block.
    """
    return SqliteStore(path, world)
