"""The outbox of a PostgreSQL store: the shared outbox, with claims that never wait.

:meth:`PostgresOutbox.claim` takes the oldest unleased rows ``FOR UPDATE SKIP
LOCKED`` and leases them in the same statement: a worker never waits for the
rows another worker is claiming at that moment, and never takes them (it skips
them, or sees them leased once that claim committed). A worker killed before
its claim commits leaves nothing leased (its transaction rolls back with the
connection); killed after, its rows wait for the lease to end, as on SQLite.
Identity ids grow in queue order because writers are serialised (see
:mod:`ippools.store.postgres`).

Everything else is :class:`~ippools.store.sql_storage.SqlOutbox`.
"""

from __future__ import annotations

from ippools.store.ports import Claim
from ippools.store.sql_storage import SqlOutbox

__all__ = ["PostgresOutbox"]


class PostgresOutbox(SqlOutbox):
    """The ``outbox`` table of a PostgreSQL store, claimed without waiting."""

    def claim(self, limit: int, now: float, lease: float) -> list[Claim]:
        found = self._sql.all(
            "UPDATE outbox SET claimed_until = ? WHERE seq IN (SELECT seq FROM outbox"
            " WHERE claimed_until IS NULL OR claimed_until <= ? ORDER BY seq LIMIT ?"
            " FOR UPDATE SKIP LOCKED) RETURNING seq, kind, subject, pool_id",
            now + lease,
            now,
            self._sql.limit(limit),
        )
        return sorted(self._claims(found), key=lambda claim: claim.id)
