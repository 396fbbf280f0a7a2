"""The SQLite store: the embedded default, a file path is all it needs.

Theory of operation
-------------------
:class:`SqliteStore` is :class:`~ippools.store.base.Store` over
:class:`SqliteAdapter`, whose records, outbox and versions are the SQL
primitives shared with the PostgreSQL store (:mod:`ippools.store.sql_storage`).
The file is in write-ahead-log mode. Several stores, in several threads or
processes, may open the same file: SQLite serialises their writers, and readers
never wait for a writer.

* **Writes.** The adapter holds one connection for writing, guarded by a
  re-entrant lock so that the threads of a process may share it. The
  transaction is ``BEGIN IMMEDIATE`` ... ``COMMIT``: it takes the file's write
  lock before the first read, so everything read, decided and written inside it
  is one step of a serial order across every process. A block that raises is
  rolled back. Every write of the store (``commit``, ``process``, ``claim``,
  ``run_update``, ``mark_done``) runs in such a transaction, its own or the
  caller's. So a command's changes and its pending updates are stored together
  or not at all, whatever moment the process dies at.
* **Reads.** A read outside a transaction runs in a read snapshot: a deferred
  read transaction on a read-only connection of its own, taken from a pool (one
  per thread reading at the same moment). It sees the state of the last commit
  before its first statement and nothing after, takes neither the write lock of
  the file nor the adapter's lock, so it never waits for a writer of this
  process or of another (WAL). Inside a transaction, a read reads the
  transaction. A database private to one connection (``":memory:"``) has no
  other connection to read from: its reads take the lock of the writing one.
* ``synchronous`` is ``FULL`` by default (a commit survives a power loss) or
  ``NORMAL`` (a commit survives the death of the process; the last ones may be
  lost on a power loss, never half of one).

Driver errors never escape: every statement runs through
:class:`~ippools.store.sqlite_sql.Sql`, so a busy file becomes
:class:`~ippools.store.ports.StoreBusy` (retry), anything else the driver
refuses (a damaged file, a full disk, text with a lone surrogate, an integer
beyond 64 bits) :class:`~ippools.store.ports.StoreError`; a row whose values no
record can hold raises :class:`~ippools.store.ports.StoreError` naming it
(:mod:`ippools.store.sqlite_rows`).

Open a store in each process that uses it: a connection must not cross ``fork``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Literal

from ippools.store.base import Clock, Store
from ippools.store.idle import IdleConnections
from ippools.store.ports import StoreBusy, StoreError
from ippools.store.sql_storage import SqlOutbox, SqlStorage, SqlVersions
from ippools.store.sqlite_schema import prepare
from ippools.store.sqlite_sql import Sql, translated
from ippools.world import World

__all__ = ["SqliteAdapter", "SqliteStore", "Synchronous", "open_sqlite"]

Synchronous = Literal["FULL", "NORMAL"]

# The first SQLite to take the upserts of the shared statements (INSERT ... ON CONFLICT).
_OLDEST_SQLITE = (3, 24, 0)

# Databases that live only inside the connection that opened them.
_PRIVATE = ("", ":memory:")


class SqliteAdapter(SqlVersions):
    """The adapter of :class:`SqliteStore`: connections to the file at ``path``.

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
        self._where = f"store {self.path!r}"
        if sqlite3.sqlite_version_info < _OLDEST_SQLITE:
            raise StoreError(
                f"{self._where}: the SQLite store needs SQLite 3.24 or later"
                f" (INSERT ... ON CONFLICT), this Python has {sqlite3.sqlite_version}"
            )
        self._timeout = timeout
        self._lock = threading.RLock()  # the writing connection, one thread at a time
        self._depth = 0
        self._writer: int | None = None  # the thread whose transaction is open
        self._local = threading.local()  # per thread: the connection of its read snapshot
        self._idle = IdleConnections[sqlite3.Connection](self._where)  # reading connections
        self._snapshots = self.path not in _PRIVATE
        with translated(self._where):
            self._conn = self._connect()
        # Switching a new file to WAL while other connections open it can answer
        # "busy" at once, without waiting on the busy timeout: retry until it runs out.
        deadline = time.monotonic() + timeout
        while True:
            try:
                with translated(self._where):
                    mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                    if mode != "wal" and self._snapshots:
                        raise StoreError(f"{self._where} cannot use write-ahead logging")
                    self._conn.execute(f"PRAGMA synchronous = {synchronous}")
                    self.created = prepare(self._conn, self._where, world)
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
        self._sql = Sql(self._connection, self._where)
        self.storage = SqlStorage(self._sql)
        self.outbox = SqlOutbox(self._sql)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(
            self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
        )

    def _connection(self) -> sqlite3.Connection:
        """The connection of the current thread's unit of work."""
        if self._writer != threading.get_ident():
            snapshot: sqlite3.Connection | None = getattr(self._local, "snapshot", None)
            if snapshot is not None:
                return snapshot
        return self._conn

    @property
    def synchronous(self) -> Synchronous:
        """The connection's ``PRAGMA synchronous``: ``"FULL"`` or ``"NORMAL"``."""
        with self._lock, translated(self._where):
            level = self._conn.execute("PRAGMA synchronous").fetchone()[0]
        return "FULL" if level >= 2 else "NORMAL"

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; rolled back if the block raises; re-entrant."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            with translated(self._where):
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            self._writer = threading.get_ident()
            try:
                yield
            except BaseException:
                self._depth, self._writer = 0, None
                self._rollback(self._conn)
                raise
            self._depth, self._writer = 0, None
            try:
                with translated(self._where):
                    self._conn.execute("COMMIT")
            except BaseException:
                self._rollback(self._conn)
                raise

    def settling(self) -> AbstractContextManager[None]:
        """A transaction: SQLite serialises every writer, workers included."""
        return self.transaction()

    @contextmanager
    def reading(self) -> Iterator[None]:
        """A read snapshot that waits for no writer; inside a transaction, the transaction.

        Re-entrant: a read inside a snapshot of the same thread joins it.
        """
        if self._writer == threading.get_ident() or not self._snapshots:
            with self._lock:
                yield
            return
        if getattr(self._local, "snapshot", None) is not None:
            yield
            return
        conn = self._take()
        try:
            with translated(self._where):
                conn.execute("BEGIN")
            self._local.snapshot = conn
            try:
                yield
            finally:
                self._local.snapshot = None
                self._rollback(conn)
        finally:
            self._idle.give_back(conn)

    def _take(self) -> sqlite3.Connection:
        """A reading connection: an idle one, or a new one."""
        idle = self._idle.take()
        if idle is not None:
            return idle
        with translated(self._where):
            conn = self._connect()
            try:
                conn.execute("PRAGMA query_only = ON")
            except BaseException:
                conn.close()
                raise
        return conn

    @staticmethod
    def _rollback(conn: sqlite3.Connection) -> None:
        try:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        except sqlite3.Error:  # the transaction is gone either way
            pass

    def close(self) -> None:
        """Close every connection; reading connections in use close when given back."""
        self._idle.close()
        with self._lock:
            self._rollback(self._conn)
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
