"""The PostgreSQL store: one database shared by many processes and machines.

Theory of operation
-------------------
:class:`PostgresStore` is :class:`~ippools.store.base.Store` over
:class:`PostgresAdapter`, whose records, outbox and versions are the SQL
primitives shared with the SQLite store (:mod:`ippools.store.sql_storage`; claims
by :class:`~ippools.store.postgres_outbox.PostgresOutbox`), in a schema the host names
(:mod:`ippools.store.postgres_schema`). The adapter holds a pool of connections
in autocommit mode; each unit of work takes one for its duration, so the threads
of a process work at once, and every primitive runs on the connection of the
current thread's unit of work.

Concurrency scheme
~~~~~~~~~~~~~~~~~~
The service decides each command on the state inside its transaction, and the
answers must be those of a serial order of the commands (S1): the order in which
their transactions commit. Row versions alone cannot give that: the rules read
predicates across accounts (D4 counts shared-IP use platform-wide; "is this id
in use", "which DIPP holds this IP", "which domains are linked", each through
tombstones), which no row lock covers. SERIALIZABLE isolation does make the
transactions serialisable, but its serial order need not be the commit order (a
reader that commits later may be ordered before a writer that committed
earlier), and a host replaying commands in commit order must get the same
world. So the store takes explicit locks, one pair of advisory locks per schema:

* **Writes** (:meth:`PostgresAdapter.transaction`: every command, every
  provisioning write, ``Store.commit``) take the *exclusive* advisory lock,
  at session level, *before* ``BEGIN``, then run a READ COMMITTED transaction
  and release the lock after ``COMMIT`` or ``ROLLBACK``. Taking the lock first
  matters: a snapshot taken before the lock could miss the commit of the
  writer that held it. While a writer holds the lock no other writer and no
  worker runs, so everything it reads, decides and writes is one step of a
  serial order, and that order is the commit order. A process that dies loses
  its connection, and PostgreSQL releases the lock and rolls the transaction
  back.
* **Settling** (:meth:`PostgresAdapter.settling`: claiming, carrying out and
  marking done pending updates) takes the *shared* side of the lock before a
  SERIALIZABLE transaction. Workers run in parallel with one another, never
  with a writer. Carrying out an update never changes what a read answers, so
  the effective state is frozen while workers run; what two workers can still
  collide on (the stored record of one domain, a shared IP's usage count, the
  tombstones they prune) is caught by serializable snapshot isolation, and the
  loser's transaction fails with a serialization failure, which becomes
  :class:`~ippools.store.ports.StoreBusy` and is retried by the service.
  PostgreSQL queues a shared request behind a waiting exclusive one, so a
  stream of workers cannot starve a writer.
* **Reads** (:meth:`PostgresAdapter.reading`: the service's read-only commands,
  every ``Store`` read) run in a REPEATABLE READ READ ONLY transaction without
  any lock: they never wait. Writers commit one at a time, so a snapshot is the
  state after some prefix of the commit order.

A writer or worker that waits for the lock longer than ``timeout`` seconds, or
for a row lock of another worker, raises :class:`~ippools.store.ports.StoreBusy`
(a :class:`~ippools.errors.ConflictError`; ``lock_timeout``), as the SQLite
store does when its file stays busy. Every other driver error becomes
:class:`~ippools.store.ports.StoreError` (:mod:`ippools.store.postgres_sql`).

Open a store in each process that uses it: a connection must not cross ``fork``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Literal

import attrs
import psycopg
from psycopg import conninfo as pg_conninfo
from psycopg import pq, sql

from ippools.store.base import Clock, Store
from ippools.store.idle import IdleConnections
from ippools.store.ports import StoreError
from ippools.store.postgres_outbox import PostgresOutbox
from ippools.store.postgres_schema import check_schema_name, lock_key, prepare, recreate
from ippools.store.postgres_sql import DRIVER_ERRORS, Sql, register_text, translated
from ippools.store.sql_storage import SqlStorage, SqlVersions
from ippools.world import World

__all__ = ["DEFAULT_SCHEMA", "PostgresAdapter", "PostgresStore", "connect", "describe"]

DEFAULT_SCHEMA = "ippools"
"""The schema a store lives in when the host names none."""

_Kind = Literal["write", "settle", "read"]

_BEGIN: dict[_Kind, str] = {
    "write": "BEGIN ISOLATION LEVEL READ COMMITTED",
    "settle": "BEGIN ISOLATION LEVEL SERIALIZABLE",
    "read": "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
}
_LOCK: dict[_Kind, str] = {
    "write": "SELECT pg_advisory_lock(%s)",
    "settle": "SELECT pg_advisory_lock_shared(%s)",
}


@attrs.define
class _Unit:
    """The unit of work a thread has open: its connection, its kind, how deep it is joined."""

    conn: psycopg.Connection[Any]
    kind: _Kind


def describe(conninfo: str, schema: str) -> str:
    """How error messages name the store: host, database and schema, never a password."""
    try:
        params = pg_conninfo.conninfo_to_dict(conninfo)
    except psycopg.Error:
        params = {}
    host = params.get("host") or "localhost"
    port = params.get("port")
    database = params.get("dbname") or params.get("user") or ""
    where = f"{host}:{port}" if port else str(host)
    return f"store postgresql://{where}/{database} schema {schema!r}"


class PostgresAdapter(SqlVersions):
    """The adapter of :class:`PostgresStore`: connections to the database ``conninfo``.

    ``world`` is loaded only when the schema is new (:attr:`created` tells).
    Raises as :class:`PostgresStore` does.
    """

    def __init__(
        self,
        conninfo: str,
        world: World | None,
        *,
        schema: str,
        timeout: float,
        create: bool = True,
    ) -> None:
        self.schema = check_schema_name(schema)
        if not isinstance(timeout, int | float) or not timeout > 0:
            raise ValueError(f"timeout must be a number of seconds above 0, got {timeout!r}")
        self._conninfo = conninfo
        self._timeout = timeout
        self._where = describe(conninfo, self.schema)
        self._key = lock_key(self.schema, "write")
        self._local = threading.local()  # per thread: the stack of its open units
        self._idle = IdleConnections[psycopg.Connection[Any]](self._where)
        conn = self._take()
        try:
            with translated(self._where):
                self.created = prepare(conn, self._where, self.schema, world, create=create)
        except BaseException:
            conn.close()
            self.close()
            raise
        self._give_back(conn)
        self._sql = Sql(self._connection, self._where)
        self.storage = SqlStorage(self._sql)
        self.outbox = PostgresOutbox(self._sql)

    # -- connections -------------------------------------------------------------

    def _connect(self) -> psycopg.Connection[Any]:
        with translated(self._where):
            conn = psycopg.connect(
                self._conninfo,
                autocommit=True,
                connect_timeout=max(1, round(self._timeout)),
                application_name="ippools",
            )
            try:
                register_text(conn)
                conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
                conn.execute(
                    sql.SQL("SET lock_timeout = {}").format(
                        sql.Literal(f"{max(1, round(self._timeout * 1000))}ms")
                    )
                )
            except BaseException:
                conn.close()
                raise
        return conn

    def _take(self) -> psycopg.Connection[Any]:
        idle = self._idle.take()
        return self._connect() if idle is None else idle

    def _give_back(self, conn: psycopg.Connection[Any]) -> None:
        healthy = not conn.closed and conn.info.transaction_status == pq.TransactionStatus.IDLE
        self._idle.give_back(conn, healthy=healthy)

    def _units(self) -> list[_Unit]:
        units: list[_Unit] | None = getattr(self._local, "units", None)
        if units is None:
            units = self._local.units = []
        return units

    def _connection(self) -> psycopg.Connection[Any]:
        """The connection of the current thread's unit of work."""
        units = self._units()
        if not units:
            raise StoreError(f"{self._where}: a statement ran outside a unit of work")
        return units[-1].conn

    # -- units of work -----------------------------------------------------------

    def transaction(self) -> AbstractContextManager[None]:
        """A serialised write transaction (exclusive lock, then READ COMMITTED); re-entrant."""
        return self._unit("write")

    def settling(self) -> AbstractContextManager[None]:
        """A settling transaction (shared lock, then SERIALIZABLE); inside a write, that write."""
        return self._unit("settle")

    @contextmanager
    def _unit(self, kind: _Kind) -> Iterator[None]:
        units = self._units()
        top = units[-1] if units else None
        if top is not None and top.kind != "read":
            if kind == "write" and top.kind == "settle":
                raise StoreError(
                    f"{self._where}: a write transaction cannot be opened inside a settling one"
                )
            yield  # join the open transaction
            return
        conn = self._take()
        try:
            with translated(self._where):
                conn.execute(_LOCK[kind], (self._key,))
            try:
                with translated(self._where):
                    conn.execute(_BEGIN[kind])
                units.append(_Unit(conn, kind))
                try:
                    yield
                except BaseException:
                    units.pop()
                    self._rollback(conn)
                    raise
                units.pop()
                try:
                    with translated(self._where):
                        conn.execute("COMMIT")
                except BaseException:
                    self._rollback(conn)
                    raise
            finally:
                self._unlock(conn)
        finally:
            self._give_back(conn)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """A REPEATABLE READ READ ONLY snapshot, without any lock; inside a unit, that unit."""
        units = self._units()
        if units:
            yield
            return
        conn = self._take()
        try:
            with translated(self._where):
                conn.execute(_BEGIN["read"])
            units.append(_Unit(conn, "read"))
            try:
                yield
            finally:
                units.pop()
                self._rollback(conn)
        finally:
            self._give_back(conn)

    @staticmethod
    def _rollback(conn: psycopg.Connection[Any]) -> None:
        try:
            if conn.info.transaction_status != pq.TransactionStatus.IDLE:
                conn.execute("ROLLBACK")
        except DRIVER_ERRORS:  # the transaction is gone either way
            conn.close()

    @staticmethod
    def _unlock(conn: psycopg.Connection[Any]) -> None:
        try:
            conn.execute("SELECT pg_advisory_unlock_all()")
        except DRIVER_ERRORS:  # a lost connection holds no lock
            conn.close()

    def host_statement(self, statement: str, *args: Any) -> list[Any]:
        """Run a host's own statement in this thread's unit of work; its rows (or none)."""
        conn = self._connection()
        with translated(self._where):
            cursor = conn.execute(statement, args)
            return cursor.fetchall() if cursor.description is not None else []

    def replace_world(self, world: World) -> None:
        """Replace the whole store by a new one holding ``world`` (no pending update)."""
        if self._units():
            raise StoreError(f"{self._where}: cannot replace the store inside a unit of work")
        conn = self._take()
        try:
            with translated(self._where):
                conn.execute(_LOCK["write"], (self._key,))
            try:
                with translated(self._where):
                    recreate(conn, self._where, self.schema, world)
            finally:
                self._unlock(conn)
        finally:
            self._give_back(conn)

    def close(self) -> None:
        """Close every idle connection; connections in use close when given back."""
        self._idle.close()


class PostgresStore(Store):
    """A store in the schema ``schema`` of the PostgreSQL database ``conninfo``.

    ``conninfo`` is a libpq connection string or URL (``postgresql://...``).
    The schema and its tables are created on first use, holding ``world``
    (:attr:`created` tells); ``world`` is ignored for an existing store.
    ``timeout`` is how many seconds to wait for another writer (or a worker's
    row lock) before raising :class:`~ippools.store.ports.StoreBusy`. ``clock``
    gives the wall-clock time in seconds used for claim leases: the workers of
    one store must share it (synchronised clocks across machines).

    ``create=False`` refuses a schema that holds no store yet.

    Raises :class:`~ippools.store.ports.StoreError` for a database that cannot
    be reached, a schema that holds other tables or a newer store schema,
    :class:`ValueError` for a schema name PostgreSQL would not keep as given,
    and :class:`~ippools.errors.DocumentError` for an invalid ``world``.
    """

    def __init__(
        self,
        conninfo: str,
        world: World | None = None,
        *,
        schema: str = DEFAULT_SCHEMA,
        timeout: float = 10.0,
        clock: Clock = time.time,
        create: bool = True,
    ) -> None:
        self._postgres = PostgresAdapter(
            conninfo, world, schema=schema, timeout=timeout, create=create
        )
        super().__init__(self._postgres, clock=clock)
        self.schema = self._postgres.schema
        self.created = self._postgres.created

    def __enter__(self) -> PostgresStore:
        return self

    def host_statement(self, statement: str, *args: Any) -> list[Any]:
        """Run a host's own SQL statement inside this thread's unit of work; return its rows.

        For what a host writes together with a command, such as its audit record
        from the service's observer (C2): it commits or rolls back with the
        command. ``statement`` takes ``%s`` placeholders for ``args``. Outside a
        unit of work, or inside a read snapshot for a write, it raises
        :class:`~ippools.store.ports.StoreError`.
        """
        return self._postgres.host_statement(statement, *args)

    def replace_world(self, world: World) -> None:
        """Replace everything the store holds by ``world``, atomically for every process.

        Raises :class:`~ippools.errors.DocumentError` for an invalid world (the
        store is left as it was) and :class:`~ippools.store.ports.StoreError`
        or :class:`~ippools.store.ports.StoreBusy` as a write does.
        """
        self._postgres.replace_world(world)

    def __repr__(self) -> str:
        return f"PostgresStore(schema={self.schema!r})"


def connect(
    conninfo: str,
    world: World | None = None,
    *,
    schema: str = DEFAULT_SCHEMA,
    clock: Clock = time.time,
) -> PostgresStore:
    """Open (or create, holding ``world``) the store in ``schema`` of the database ``conninfo``.

    See :class:`PostgresStore`; :func:`ippools.store.opener.open_store` takes a
    URL that may name the schema itself.
    """
    return PostgresStore(conninfo, world, schema=schema, clock=clock)
