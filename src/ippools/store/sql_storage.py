"""The storage, outbox and version primitives of the SQL stores, written once for both.

:class:`SqlStorage` implements :class:`~ippools.storage.Storage`,
:class:`SqlOutbox` :class:`~ippools.store.ports.OutboxStorage` and
:class:`SqlVersions` the versions of an :class:`~ippools.store.ports.Adapter`, over the tables
that :mod:`ippools.store.sqlite_schema` and :mod:`ippools.store.postgres_schema`
create with the same names, columns and keys: one or two statements a
primitive, each served by an index (S6). The choices of a shared replacement
live in a table of their own, read one domain at a time.

Each adapter gives the primitives a :class:`SqlConnection`: its ``Sql``, which
runs a statement on the connection of the current thread's unit of work and
turns every driver error into the library's. The statements are written in the
dialect both databases accept: ``?`` placeholders (the PostgreSQL side
translates them to ``%s`` once per statement text) and upserts as ``INSERT ...
ON CONFLICT (key) DO UPDATE SET column = excluded.column`` (SQLite 3.24 and
later). What differs stays with the adapter: the value of a ``LIMIT`` without
limit (:meth:`SqlConnection.limit`), how PostgreSQL keeps the character U+0000
in text (its connections do it), and how a worker claims updates without
waiting for another (:class:`~ippools.store.postgres_outbox.PostgresOutbox`).

The primitives neither begin nor end transactions: the adapter does. Every
value read is checked by :mod:`ippools.store.sqlite_rows`: a damaged row raises
:class:`~ippools.store.ports.StoreError` naming its table and key.

The outbox numbers its rows by an ``AUTOINCREMENT`` key (SQLite) or an identity
column (PostgreSQL), so ids grow in queue order and are never reused: marking an
id done can never remove a later update.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from ippools.model import Account, DedicatedIp, Domain, IPAddress, Pool, ip_text
from ippools.outcome import (
    PendingUpdate,
    ReplaceWithIp,
    ReplaceWithPool,
    ReplaceWithShared,
    Tombstone,
)
from ippools.store import sqlite_rows as rows
from ippools.store.ports import Claim, RecordKey
from ippools.world import World

__all__ = [
    "SQL_INT_MAX",
    "SqlConnection",
    "SqlOutbox",
    "SqlStorage",
    "SqlVersions",
]

SQL_INT_MAX = 2**63 - 1
"""The largest integer both databases store (a SQLite integer, a PostgreSQL ``bigint``)."""


class SqlConnection(Protocol):
    """What the primitives need of an adapter: statements with ``?`` placeholders."""

    @property
    def where(self) -> str:
        """The store, as error messages name it."""
        ...

    def one(self, sql: str, *args: Any) -> Any:
        """The first row of ``sql``, or None."""
        ...

    def all(self, sql: str, *args: Any) -> list[Any]:
        """Every row of ``sql``."""
        ...

    def run(self, sql: str, *args: Any) -> object:
        """Run one statement."""
        ...

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run ``sql`` once per row; how many rows it changed in all (negative if unknown)."""
        ...

    def limit(self, limit: int | None) -> int | None:
        """``limit`` as the value of a ``LIMIT ?``: no limit for None or beyond SQL_INT_MAX."""
        ...


def _insert(table: str, columns: str) -> str:
    places = ", ".join("?" for _ in columns.split(","))
    return f"INSERT INTO {table} ({columns}) VALUES ({places})"


def _upsert(table: str, columns: str, key: str) -> str:
    """Insert a row, or update every column but ``key`` of the row with its key."""
    keys = {name.strip() for name in key.split(",")}
    updated = [name.strip() for name in columns.split(",") if name.strip() not in keys]
    sets = ", ".join(f"{name} = excluded.{name}" for name in updated)
    return f"{_insert(table, columns)} ON CONFLICT ({key}) DO UPDATE SET {sets}"


def _insert_new(table: str, columns: str, key: str) -> str:
    """Insert a row unless one with its key exists."""
    return f"{_insert(table, columns)} ON CONFLICT ({key}) DO NOTHING"


_DOMAIN_COLUMNS = "id, name, account_id, pool_id, ips"
_POOL_COLUMNS = "pool_id, account_id, name, description, ips, delegated_to"
_ACCOUNT_COLUMNS = "id, parent_id, dipps, shared_ip_eligible"
_DEDICATED_COLUMNS = "ip, account_id, warmup"
_OUTBOX_COLUMNS = "seq, kind, subject, pool_id"

_INSERT_DOMAIN = _insert("domains", "id, name, key, account_id, pool_id, ips")
_INSERT_ACCOUNT = _insert("accounts", _ACCOUNT_COLUMNS)
_INSERT_DEDICATED = _insert("dedicated_ips", _DEDICATED_COLUMNS)
_UPSERT_ACCOUNT = _upsert("accounts", _ACCOUNT_COLUMNS, "id")
_UPSERT_DEDICATED = _upsert("dedicated_ips", _DEDICATED_COLUMNS, "ip")
_UPSERT_HOLDER = _upsert("pool_holders", "ip, pool_id", "ip")
_UPSERT_POOL = _upsert("pools", _POOL_COLUMNS, "pool_id")
_UPSERT_CHOICE = _upsert("shared_choices", "pool_id, domain_id, ip", "pool_id, domain_id")
_UPSERT_TOMBSTONE = _upsert("tombstones", "pool_id, account_id, kind, target", "pool_id")
_UPSERT_VERSION = _upsert("versions", "kind, id, version", "kind, id")
_ADD_SHARED = "INSERT INTO shared_ips (ip, usage) VALUES (?, 0) ON CONFLICT (ip) DO NOTHING"
_USE_POOL_ID = _insert_new("used_pool_ids", "pool_id", "pool_id")
_SHARED_USAGE = "SELECT ip, usage FROM shared_ips ORDER BY ip"


def _account_row(account: Account) -> tuple[str, str | None, int, int]:
    return (account.id, account.parent_id, int(account.dipps), int(account.shared_ip_eligible))


def _dedicated_row(record: DedicatedIp) -> tuple[str, str, int]:
    return (ip_text(record.ip), record.account_id, int(record.warmup))


class SqlStorage:
    """The storage primitives on the tables that ``sql`` runs statements on."""

    def __init__(self, sql: SqlConnection) -> None:
        self._sql = sql
        self._where = sql.where
        self._one = sql.one
        self._all = sql.all
        self._run = sql.run
        self._many = sql.many

    # -- accounts and IPs ----------------------------------------------------------

    def get_account(self, account_id: str) -> Account | None:
        row = self._one(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE id = ?", account_id)
        return None if row is None else rows.account(self._where, row)

    def get_dedicated_ip(self, ip: IPAddress) -> DedicatedIp | None:
        text = ip_text(ip)
        row = self._one("SELECT account_id, warmup FROM dedicated_ips WHERE ip = ?", text)
        return None if row is None else rows.dedicated_ip(self._where, text, row[0], row[1])

    def dedicated_ips_of(self, account_id: str) -> list[DedicatedIp]:
        # Served by dedicated_ips_by_account, which ends with the key ip.
        found = self._all(
            "SELECT ip, warmup FROM dedicated_ips WHERE account_id = ? ORDER BY ip", account_id
        )
        return [rows.dedicated_ip(self._where, row[0], account_id, row[1]) for row in found]

    def shared_ip_usage(self) -> list[tuple[IPAddress, int]]:
        where = self._where
        return [rows.usage(where, row) for row in self._all(_SHARED_USAGE)]

    def add_usage(self, ips: Iterable[IPAddress], delta: int) -> None:
        self._many(
            "UPDATE shared_ips SET usage = usage + ? WHERE ip = ?",
            [(delta, ip_text(ip)) for ip in ips],
        )

    def shared_usage(self, ip: IPAddress) -> int | None:
        row = self._one("SELECT ip, usage FROM shared_ips WHERE ip = ?", ip_text(ip))
        return None if row is None else rows.usage(self._where, row)[1]

    def subaccounts_of(self, account_id: str) -> list[Account]:
        # Served by accounts_by_parent.
        found = self._all(
            f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE parent_id = ?", account_id
        )
        return [rows.account(self._where, row) for row in found]

    def put_account(self, account: Account) -> None:
        self._run(_UPSERT_ACCOUNT, *_account_row(account))

    def remove_account(self, account_id: str) -> None:
        self._run("DELETE FROM accounts WHERE id = ?", account_id)

    def put_dedicated_ip(self, record: DedicatedIp) -> None:
        self._run(_UPSERT_DEDICATED, *_dedicated_row(record))

    def remove_dedicated_ip(self, ip: IPAddress) -> None:
        self._run("DELETE FROM dedicated_ips WHERE ip = ?", ip_text(ip))

    def add_shared_ip(self, ip: IPAddress) -> None:
        self._run(_ADD_SHARED, ip_text(ip))

    def remove_shared_ip(self, ip: IPAddress) -> None:
        self._run("DELETE FROM shared_ips WHERE ip = ?", ip_text(ip))

    # -- DIPPs ---------------------------------------------------------------------

    def get_pool(self, pool_id: str) -> Pool | None:
        row = self._one(f"SELECT {_POOL_COLUMNS} FROM pools WHERE pool_id = ?", pool_id)
        return None if row is None else rows.pool(self._where, row)

    def pool_holding(self, ip: IPAddress) -> str | None:
        text = ip_text(ip)
        row = self._one("SELECT pool_id FROM pool_holders WHERE ip = ?", text)
        return None if row is None else rows.pool_id(self._where, "pool_holders", text, row[0])

    def pool_id_in_use(self, pool_id: str) -> bool:
        return self._one("SELECT 1 FROM used_pool_ids WHERE pool_id = ?", pool_id) is not None

    def pools_of(self, account_id: str) -> list[Pool]:
        # Served by pools_by_owner.
        found = self._all(f"SELECT {_POOL_COLUMNS} FROM pools WHERE account_id = ?", account_id)
        return [rows.pool(self._where, row) for row in found]

    def pools_delegated_to(self, account_id: str) -> list[Pool]:
        # Served by the primary key of delegations (account_id, pool_id).
        found = self._all(
            f"SELECT {_POOL_COLUMNS} FROM pools WHERE pool_id IN"
            " (SELECT pool_id FROM delegations WHERE account_id = ?)",
            account_id,
        )
        return [rows.pool(self._where, row) for row in found]

    def put_pool(self, pool: Pool) -> None:
        self._run("DELETE FROM delegations WHERE pool_id = ?", pool.pool_id)
        self._many(
            "INSERT INTO delegations (account_id, pool_id) VALUES (?, ?)",
            [(account_id, pool.pool_id) for account_id in sorted(pool.delegated_to)],
        )
        self._run("DELETE FROM pool_holders WHERE pool_id = ?", pool.pool_id)
        self._many(_UPSERT_HOLDER, [(ip_text(ip), pool.pool_id) for ip in pool.ips])
        self._run(
            _UPSERT_POOL,
            pool.pool_id,
            pool.account_id,
            pool.name,
            pool.description,
            rows.ips_text(pool.ips),
            json.dumps(sorted(pool.delegated_to)),
        )
        self._run(_USE_POOL_ID, pool.pool_id)

    def remove_pool(self, pool_id: str) -> None:
        self._run("DELETE FROM pools WHERE pool_id = ?", pool_id)
        self._run("DELETE FROM pool_holders WHERE pool_id = ?", pool_id)
        self._run("DELETE FROM delegations WHERE pool_id = ?", pool_id)

    # -- tombstones ------------------------------------------------------------------

    def get_tombstone(self, pool_id: str) -> Tombstone | None:
        row = self._one(
            "SELECT account_id, kind, target FROM tombstones WHERE pool_id = ?", pool_id
        )
        if row is None:
            return None
        # the choices of a shared replacement are read one at a time by shared_choice
        return rows.tombstone(self._where, pool_id, row, {})

    def shared_choice(self, pool_id: str, domain_id: str) -> IPAddress | None:
        row = self._one(
            "SELECT ip FROM shared_choices WHERE pool_id = ? AND domain_id = ?", pool_id, domain_id
        )
        return None if row is None else rows.shared_choice(self._where, pool_id, domain_id, row[0])

    def tombstones_leading_to(self, pool_id: str) -> list[str]:
        found = self._all(
            "SELECT pool_id FROM tombstones WHERE kind = 'pool' AND target = ?", pool_id
        )
        return [rows.pool_id(self._where, "tombstones", row[0], row[0]) for row in found]

    def put_tombstone(self, grave: Tombstone) -> None:
        rep = grave.replacement
        kind, target = "none", None
        if isinstance(rep, ReplaceWithPool):
            kind, target = "pool", rep.pool_id
        elif isinstance(rep, ReplaceWithIp):
            kind, target = "ip", ip_text(rep.ip)
        elif isinstance(rep, ReplaceWithShared):
            kind = "shared"
            self._many(
                _UPSERT_CHOICE,
                [(grave.pool_id, domain_id, ip_text(ip)) for domain_id, ip in rep.choices],
            )
        self._run(_UPSERT_TOMBSTONE, grave.pool_id, grave.account_id, kind, target)

    def remove_tombstone(self, pool_id: str) -> None:
        self._run("DELETE FROM tombstones WHERE pool_id = ?", pool_id)
        self._run("DELETE FROM shared_choices WHERE pool_id = ?", pool_id)

    # -- domains -----------------------------------------------------------------------

    def get_domain(self, domain_id: str) -> Domain | None:
        row = self._one(f"SELECT {_DOMAIN_COLUMNS} FROM domains WHERE id = ?", domain_id)
        return None if row is None else rows.domain(self._where, row)

    def domain_with_key(self, key: str) -> Domain | None:
        row = self._one(f"SELECT {_DOMAIN_COLUMNS} FROM domains WHERE key = ?", key)
        return None if row is None else rows.domain(self._where, row)

    def linked(
        self, pool_id: str, account_id: str | None, after: str | None, limit: int | None
    ) -> list[Domain]:
        # Served by domains_by_pool (pool_id, id) or domains_by_link (pool_id, account_id, id).
        where, args = "pool_id = ?", [pool_id]
        if account_id is not None:
            where += " AND account_id = ?"
            args.append(account_id)
        if after is not None:
            where += " AND id > ?"
            args.append(after)
        found = self._all(
            f"SELECT {_DOMAIN_COLUMNS} FROM domains WHERE {where} ORDER BY id LIMIT ?",
            *args,
            self._sql.limit(limit),
        )
        return rows.domains(self._where, found)

    def domains_of(self, account_id: str) -> list[Domain]:
        # Served by domains_by_account.
        found = self._all(f"SELECT {_DOMAIN_COLUMNS} FROM domains WHERE account_id = ?", account_id)
        return rows.domains(self._where, found)

    def has_links(self, pool_id: str) -> bool:
        return self._one("SELECT 1 FROM domains WHERE pool_id = ? LIMIT 1", pool_id) is not None

    def add_domain(self, domain: Domain) -> None:
        self._run(_INSERT_DOMAIN, *rows.domain_row(domain))

    def replace_domain(self, old: Domain, new: Domain) -> None:
        if (old.pool_id, old.account_id, old.name) == (new.pool_id, new.account_id, new.name):
            # Only the IPs change: leave every index alone.
            self._run("UPDATE domains SET ips = ? WHERE id = ?", rows.ips_text(new.ips), new.id)
            return
        self._run(
            "UPDATE domains SET name = ?, key = ?, account_id = ?, pool_id = ?, ips = ?"
            " WHERE id = ?",
            new.name,
            new.key,
            new.account_id,
            new.pool_id,
            rows.ips_text(new.ips),
            new.id,
        )

    def remove_domain(self, domain: Domain) -> None:
        self._run("DELETE FROM domains WHERE id = ?", domain.id)

    # -- whole state ----------------------------------------------------------------------

    def load(self, world: World, usage: Mapping[IPAddress, int]) -> None:
        self._many(_INSERT_ACCOUNT, [_account_row(a) for a in world.accounts])
        self._many(_INSERT_DEDICATED, [_dedicated_row(r) for r in world.dedicated_ips])
        self._many(
            "INSERT INTO shared_ips (ip, usage) VALUES (?, ?)",
            [(ip_text(ip), count) for ip, count in usage.items()],
        )
        for pool in world.pools:
            self.put_pool(pool)
        self._many(_INSERT_DOMAIN, [rows.domain_row(d) for d in world.domains])

    def stored_world(self) -> World:
        # Each in the order of its primary key, so that both stores answer alike.
        where = self._where
        return World(
            accounts=[
                rows.account(where, row)
                for row in self._all(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts ORDER BY id")
            ],
            dedicated_ips=[
                rows.dedicated_ip(where, *row)
                for row in self._all(f"SELECT {_DEDICATED_COLUMNS} FROM dedicated_ips ORDER BY ip")
            ],
            shared_ips=[rows.shared_ip(where, row[0]) for row in self._all(_SHARED_USAGE)],
            domains=[
                rows.domain(where, row)
                for row in self._all(f"SELECT {_DOMAIN_COLUMNS} FROM domains ORDER BY id")
            ],
            pools=[
                rows.pool(where, row)
                for row in self._all(f"SELECT {_POOL_COLUMNS} FROM pools ORDER BY pool_id")
            ],
        )


class SqlOutbox:
    """The ``outbox`` table that ``sql`` runs statements on.

    :meth:`claim` reads the oldest unleased rows and then leases them: right
    where the unit of work serialises every writer (SQLite's ``BEGIN
    IMMEDIATE``); an adapter whose workers claim side by side overrides it.
    """

    def __init__(self, sql: SqlConnection) -> None:
        self._sql = sql
        self._where = sql.where

    def append(self, updates: Iterable[PendingUpdate]) -> None:
        self._sql.many(
            "INSERT INTO outbox (kind, subject, pool_id) VALUES (?, ?, ?)",
            [rows.update_row(update) for update in updates],
        )

    def oldest(self, limit: int | None) -> list[Claim]:
        found = self._sql.all(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox ORDER BY seq LIMIT ?", self._sql.limit(limit)
        )
        return self._claims(found)

    def claim(self, limit: int, now: float, lease: float) -> list[Claim]:
        found = self._sql.all(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox"
            " WHERE claimed_until IS NULL OR claimed_until <= ? ORDER BY seq LIMIT ?",
            now,
            self._sql.limit(limit),
        )
        claims = self._claims(found)
        self._sql.many(
            "UPDATE outbox SET claimed_until = ? WHERE seq = ?",
            [(now + lease, claim.id) for claim in claims],
        )
        return claims

    def mark_done(self, ids: Iterable[int]) -> int:
        # An id beyond the database's integers was never handed out: it is simply not queued.
        keys = [(entry_id,) for entry_id in ids if abs(entry_id) <= SQL_INT_MAX]
        return max(self._sql.many("DELETE FROM outbox WHERE seq = ?", keys), 0)

    def count(self) -> int:
        return int(self._sql.one("SELECT count(*) FROM outbox")[0])

    def _claims(self, found: Iterable[Any]) -> list[Claim]:
        """The claims of the outbox rows ``found`` (seq first, then the update's columns)."""
        return [Claim(row[0], rows.update(self._where, row)) for row in found]


class SqlVersions:
    """The versions primitives of an adapter whose ``_sql`` runs statements on its tables."""

    _sql: SqlConnection

    def stored_version(self, key: RecordKey) -> int | None:
        row = self._sql.one(
            "SELECT version FROM versions WHERE kind = ? AND id = ?", key.kind, key.id
        )
        return None if row is None else rows.version(self._sql.where, (key.kind, key.id), row[0])

    def set_versions(self, versions: Mapping[RecordKey, int]) -> None:
        self._sql.many(
            _UPSERT_VERSION, [(key.kind, key.id, version) for key, version in versions.items()]
        )
