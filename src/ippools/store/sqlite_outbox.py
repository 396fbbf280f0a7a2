"""The outbox primitives of a SQLite store: pending updates in queue order, with leases.

Rows are numbered by an ``AUTOINCREMENT`` key, so ids grow in queue order and are
never reused: marking an id done can never remove a later update. Like
:class:`~ippools.store.sqlite_storage.SqliteStorage`, :class:`OutboxTable`
(an :class:`~ippools.store.ports.OutboxStorage`) neither begins nor ends
transactions nor translates driver errors.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from ippools.outcome import DomainUpdate, PendingUpdate, SubaccountUpdate
from ippools.store.ports import Claim

__all__ = ["OutboxTable"]

_OUTBOX_COLUMNS = "seq, kind, subject, pool_id"


def _update(row: Sequence[Any]) -> PendingUpdate:
    if row[1] == "domain":
        return DomainUpdate(row[2])
    return SubaccountUpdate(row[2], row[3])


def _update_row(update: PendingUpdate) -> tuple[str, str, str | None]:
    if isinstance(update, DomainUpdate):
        return ("domain", update.domain_id, None)
    return ("subaccount", update.account_id, update.pool_id)


class OutboxTable:
    """The ``outbox`` table on the connection ``conn``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _all(self, sql: str, *args: Any) -> list[Any]:
        return self._conn.execute(sql, args).fetchall()

    def append(self, updates: Iterable[PendingUpdate]) -> None:
        self._conn.executemany(
            "INSERT INTO outbox (kind, subject, pool_id) VALUES (?, ?, ?)",
            [_update_row(update) for update in updates],
        )

    def oldest(self, limit: int | None) -> list[Claim]:
        rows = self._all(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox ORDER BY seq LIMIT ?",
            -1 if limit is None else limit,
        )
        return [Claim(row[0], _update(row)) for row in rows]

    def claim(self, limit: int, now: float, lease: float) -> list[Claim]:
        rows = self._all(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox"
            " WHERE claimed_until IS NULL OR claimed_until <= ? ORDER BY seq LIMIT ?",
            now,
            limit,
        )
        self._conn.executemany(
            "UPDATE outbox SET claimed_until = ? WHERE seq = ?",
            [(now + lease, row[0]) for row in rows],
        )
        return [Claim(row[0], _update(row)) for row in rows]

    def mark_done(self, ids: Iterable[int]) -> int:
        cursor = self._conn.executemany(
            "DELETE FROM outbox WHERE seq = ?", [(entry_id,) for entry_id in ids]
        )
        return max(cursor.rowcount, 0)

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM outbox").fetchone()[0])
