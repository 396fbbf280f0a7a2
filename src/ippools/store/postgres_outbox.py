"""The outbox primitives of a PostgreSQL store: pending updates in queue order, with leases.

Rows are numbered by an identity column, so ids grow in queue order (writers are
serialised, see :mod:`ippools.store.postgres`) and are never reused: marking an
id done can never remove a later update.

:meth:`OutboxTable.claim` takes the oldest unleased rows ``FOR UPDATE SKIP
LOCKED`` and leases them in the same statement: a worker never waits for the
rows another worker is claiming at that moment, and never takes them (it skips
them, or sees them leased once that claim committed). A worker killed before
its claim commits leaves nothing leased (its transaction rolls back with the
connection); killed after, its rows wait for the lease to end, as on SQLite.

Like :class:`~ippools.store.postgres_storage.PostgresStorage`, :class:`OutboxTable`
(an :class:`~ippools.store.ports.OutboxStorage`) neither begins nor ends
transactions; every row read is checked by :mod:`ippools.store.sqlite_rows`.
"""

from __future__ import annotations

from collections.abc import Iterable

from ippools.outcome import PendingUpdate
from ippools.store import sqlite_rows as rows
from ippools.store.ports import Claim
from ippools.store.postgres_sql import SQL_INT_MAX, Sql, sql_limit

__all__ = ["OutboxTable"]

_OUTBOX_COLUMNS = "seq, kind, subject, pool_id"


class OutboxTable:
    """The ``outbox`` table that ``sql`` runs statements on."""

    def __init__(self, sql: Sql) -> None:
        self._sql = sql
        self._where = sql.where

    def append(self, updates: Iterable[PendingUpdate]) -> None:
        self._sql.many(
            "INSERT INTO outbox (kind, subject, pool_id) VALUES (%s, %s, %s)",
            [rows.update_row(update) for update in updates],
        )

    def oldest(self, limit: int | None) -> list[Claim]:
        found = self._sql.all(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox ORDER BY seq LIMIT %s", sql_limit(limit)
        )
        return [Claim(row[0], rows.update(self._where, row)) for row in found]

    def claim(self, limit: int, now: float, lease: float) -> list[Claim]:
        found = self._sql.all(
            f"UPDATE outbox SET claimed_until = %s WHERE seq IN (SELECT seq FROM outbox"
            " WHERE claimed_until IS NULL OR claimed_until <= %s ORDER BY seq LIMIT %s"
            f" FOR UPDATE SKIP LOCKED) RETURNING {_OUTBOX_COLUMNS}",
            now + lease,
            now,
            sql_limit(limit),
        )
        claims = [Claim(row[0], rows.update(self._where, row)) for row in found]
        return sorted(claims, key=lambda claim: claim.id)

    def mark_done(self, ids: Iterable[int]) -> int:
        # An id beyond a bigint was never handed out: it is simply not queued.
        keys = [(entry_id,) for entry_id in ids if abs(entry_id) <= SQL_INT_MAX]
        return self._sql.many("DELETE FROM outbox WHERE seq = %s", keys)

    def count(self) -> int:
        return int(self._sql.one("SELECT count(*) FROM outbox")[0])
