"""The outbox primitives of a SQLite store: pending updates in queue order, with leases.

Rows are numbered by an ``AUTOINCREMENT`` key, so ids grow in queue order and are
never reused: marking an id done can never remove a later update. Like
:class:`~ippools.store.sqlite_storage.SqliteStorage`, :class:`OutboxTable`
(an :class:`~ippools.store.ports.OutboxStorage`) neither begins nor ends
transactions; it runs its statements through :class:`~ippools.store.sqlite_sql.Sql`
and checks every row it reads (a damaged one raises
:class:`~ippools.store.ports.StoreError` naming it).
"""

from __future__ import annotations

from collections.abc import Iterable

from ippools.outcome import PendingUpdate
from ippools.store import sqlite_rows as rows
from ippools.store.ports import Claim
from ippools.store.sqlite_sql import SQL_INT_MAX, Sql, sql_limit

__all__ = ["OutboxTable"]

_OUTBOX_COLUMNS = "seq, kind, subject, pool_id"


class OutboxTable:
    """The ``outbox`` table that ``sql`` runs statements on."""

    def __init__(self, sql: Sql) -> None:
        self._sql = sql
        self._where = sql.where

    def append(self, updates: Iterable[PendingUpdate]) -> None:
        self._sql.many(
            "INSERT INTO outbox (kind, subject, pool_id) VALUES (?, ?, ?)",
            [rows.update_row(update) for update in updates],
        )

    def oldest(self, limit: int | None) -> list[Claim]:
        found = self._sql.all(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox ORDER BY seq LIMIT ?", sql_limit(limit)
        )
        return [Claim(row[0], rows.update(self._where, row)) for row in found]

    def claim(self, limit: int, now: float, lease: float) -> list[Claim]:
        found = self._sql.all(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox"
            " WHERE claimed_until IS NULL OR claimed_until <= ? ORDER BY seq LIMIT ?",
            now,
            sql_limit(limit),
        )
        claims = [Claim(row[0], rows.update(self._where, row)) for row in found]
        self._sql.many(
            "UPDATE outbox SET claimed_until = ? WHERE seq = ?",
            [(now + lease, claim.id) for claim in claims],
        )
        return claims

    def mark_done(self, ids: Iterable[int]) -> int:
        # An id beyond SQLite's integers was never handed out: it is simply not queued.
        keys = [(entry_id,) for entry_id in ids if abs(entry_id) <= SQL_INT_MAX]
        return max(self._sql.many("DELETE FROM outbox WHERE seq = ?", keys), 0)

    def count(self) -> int:
        return int(self._sql.one("SELECT count(*) FROM outbox")[0])
