"""The SQLite store: the embedded default, a file path is all it needs.

Theory of operation
-------------------
:class:`SqliteStore` is :class:`~ippools.store.base.Store` over
:class:`SqliteAdapter`, whose records are the SQL primitives of
:class:`~ippools.store.sqlite_storage.SqliteStorage` and whose outbox is
:class:`~ippools.store.sqlite_outbox.OutboxTable`. The adapter holds one
connection (standard library :mod:`sqlite3`) in write-ahead-log mode, guarded by
a re-entrant lock so that the threads of a process may share it. Several
stores, in several threads or processes, may open the same file: SQLite
serialises their writers.

* The transaction is ``BEGIN IMMEDIATE`` ... ``COMMIT``: it takes the file's
  write lock before the first read, so everything read, decided and written
  inside it is one step of a serial order across every process. A block that
  raises is rolled back.
* Every write of the store (``commit``, ``process``, ``claim``, ``run_update``,
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
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Literal

from ippools.store.base import Clock, Store
from ippools.store.ports import RecordKey, StoreBusy, StoreError
from ippools.store.sqlite_outbox import OutboxTable
from ippools.store.sqlite_schema import prepare
from ippools.store.sqlite_storage import SqliteStorage
from ippools.world import World

__all__ = ["SqliteAdapter", "SqliteStore", "Synchronous", "open_sqlite"]

Synchronous = Literal["FULL", "NORMAL"]

_BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class SqliteAdapter:
    """The adapter of :class:`SqliteStore`: one connection to the file at ``path``.

    ``world`` is loaded only when the file is new (:attr:`created` tells).
    Raises as :class:`SqliteStore` does.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        world: World | None,
        *,
        synchronous: Synchronous,
        timeout: float,
    ) -> None:
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous must be 'FULL' or 'NORMAL', got {synchronous!r}")
        self.path = os.fspath(path)
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
        self.storage = SqliteStorage(self._conn)
        self.outbox = OutboxTable(self._conn)

    @property
    def synchronous(self) -> Synchronous:
        """The connection's ``PRAGMA synchronous``: ``"FULL"`` or ``"NORMAL"``."""
        with self.reading():
            level = self._conn.execute("PRAGMA synchronous").fetchone()[0]
        return "FULL" if level >= 2 else "NORMAL"

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
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; rolled back if the block raises; re-entrant."""
        with self._lock, self._translated():
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
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
                self._conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[None]:
        """A consistent snapshot for one read: the open transaction, or a short read one."""
        with self._lock, self._translated():
            if self._depth:
                yield
                return
            self._conn.execute("BEGIN")
            try:
                yield
            finally:
                self._rollback()

    def _rollback(self) -> None:
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except sqlite3.Error:  # the transaction is gone either way
            pass

    def stored_version(self, key: RecordKey) -> int | None:
        row = self._conn.execute(
            "SELECT version FROM versions WHERE kind = ? AND id = ?", (key.kind, key.id)
        ).fetchone()
        return None if row is None else int(row[0])

    def set_versions(self, versions: Mapping[RecordKey, int]) -> None:
        self._conn.executemany(
            "INSERT OR REPLACE INTO versions (kind, id, version) VALUES (?, ?, ?)",
            [(key.kind, key.id, version) for key, version in versions.items()],
        )

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._rollback()
            self._conn.close()


class SqliteStore(Store):
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
        clock: Clock = time.time,
    ) -> None:
        self._sqlite = SqliteAdapter(path, world, synchronous=synchronous, timeout=timeout)
        super().__init__(self._sqlite, clock=clock)
        self.path = self._sqlite.path
        self.created = self._sqlite.created

    def __enter__(self) -> SqliteStore:
        return self

    @property
    def synchronous(self) -> Synchronous:
        """The connection's ``PRAGMA synchronous``: ``"FULL"`` or ``"NORMAL"``."""
        return self._sqlite.synchronous

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"


def open_sqlite(path: str | os.PathLike[str], world: World | None = None) -> SqliteStore:
    """Open (or create, holding ``world``) the durable SQLite store at ``path``.

    The result serves as ``Engine(store)``'s state: ``engine.execute``,
    ``engine.process`` and ``engine.settle`` work on it as on a
    :class:`~ippools.memory_state.MemoryState`, and ``store.world()``,
    ``store.pending_count`` and ``store.pending`` report it. ``world`` is loaded
    only when the file is new (``store.created``). Close it with ``store.close()``
    or use it in a ``with`` block.
    """
    return SqliteStore(path, world)
