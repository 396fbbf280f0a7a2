"""The storage primitives of a SQLite store, in SQL on one connection.

:class:`SqliteStorage` implements :class:`~ippools.storage.Storage` over the
tables of :mod:`ippools.store.sqlite_schema`, one or two statements a primitive,
each served by an index (S6). The choices of a shared replacement live in a
table of their own, read one domain at a time.

It neither begins nor ends transactions and does not translate driver errors:
the adapter of :class:`~ippools.store.sqlite.SqliteStore` does both around every
call.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ippools.model import (
    Account,
    DedicatedIp,
    Domain,
    IPAddress,
    Pool,
    ip_text,
    parse_ip,
    sorted_ips,
)
from ippools.outcome import ReplaceWithIp, ReplaceWithPool, ReplaceWithShared, Tombstone
from ippools.world import World

__all__ = ["SqliteStorage"]

_DOMAIN_COLUMNS = "id, name, account_id, pool_id, ips"
_POOL_COLUMNS = "pool_id, account_id, name, description, ips, delegated_to"
_ACCOUNT_COLUMNS = "id, parent_id, dipps, shared_ip_eligible"
_INSERT_DOMAIN = (
    "INSERT INTO domains (id, name, key, account_id, pool_id, ips) VALUES (?, ?, ?, ?, ?, ?)"
)


def _ip(text: str) -> IPAddress:
    parsed = parse_ip(text)
    if parsed is None:  # only a damaged store holds such a value
        raise ValueError(f"stored IP {text!r} is not valid")
    return parsed


def _ips_text(ips: Iterable[IPAddress]) -> str:
    return json.dumps([ip_text(ip) for ip in sorted_ips(ips)])


@functools.lru_cache(maxsize=4096)
def _ips(text: str) -> frozenset[IPAddress]:
    return frozenset(_ip(item) for item in json.loads(text))


def _domain(row: Sequence[Any]) -> Domain:
    return Domain(row[0], row[1], row[2], row[3], _ips(row[4]))


def _domain_row(domain: Domain) -> tuple[str, str, str, str, str | None, str]:
    return (
        domain.id,
        domain.name,
        domain.key,
        domain.account_id,
        domain.pool_id,
        _ips_text(domain.ips),
    )


def _pool(row: Sequence[Any]) -> Pool:
    return Pool(row[0], row[1], row[2], row[3], _ips(row[4]), frozenset(json.loads(row[5])))


def _account(row: Sequence[Any]) -> Account:
    return Account(row[0], row[1], bool(row[2]), bool(row[3]))


class SqliteStorage:
    """The storage primitives on the tables of the connection ``conn``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _one(self, sql: str, *args: Any) -> Any:
        return self._conn.execute(sql, args).fetchone()

    def _all(self, sql: str, *args: Any) -> list[Any]:
        return self._conn.execute(sql, args).fetchall()

    # -- accounts and IPs ----------------------------------------------------------

    def get_account(self, account_id: str) -> Account | None:
        row = self._one(
            f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE id = ?",
            account_id,
        )
        return None if row is None else _account(row)

    def get_dedicated_ip(self, ip: IPAddress) -> DedicatedIp | None:
        row = self._one("SELECT account_id, warmup FROM dedicated_ips WHERE ip = ?", ip_text(ip))
        return None if row is None else DedicatedIp(ip, row[0], bool(row[1]))

    def dedicated_ips_of(self, account_id: str) -> list[DedicatedIp]:
        rows = self._all("SELECT ip, warmup FROM dedicated_ips WHERE account_id = ?", account_id)
        return [DedicatedIp(_ip(row[0]), account_id, bool(row[1])) for row in rows]

    def shared_ip_usage(self) -> list[tuple[IPAddress, int]]:
        return [(_ip(row[0]), row[1]) for row in self._all("SELECT ip, usage FROM shared_ips")]

    def add_usage(self, ips: Iterable[IPAddress], delta: int) -> None:
        self._conn.executemany(
            "UPDATE shared_ips SET usage = usage + ? WHERE ip = ?",
            [(delta, ip_text(ip)) for ip in ips],
        )

    # -- DIPPs ---------------------------------------------------------------------

    def get_pool(self, pool_id: str) -> Pool | None:
        row = self._one(f"SELECT {_POOL_COLUMNS} FROM pools WHERE pool_id = ?", pool_id)
        return None if row is None else _pool(row)

    def pool_holding(self, ip: IPAddress) -> str | None:
        row = self._one("SELECT pool_id FROM pool_holders WHERE ip = ?", ip_text(ip))
        return None if row is None else str(row[0])

    def pool_id_in_use(self, pool_id: str) -> bool:
        return self._one("SELECT 1 FROM used_pool_ids WHERE pool_id = ?", pool_id) is not None

    def put_pool(self, pool: Pool) -> None:
        self._conn.execute("DELETE FROM pool_holders WHERE pool_id = ?", (pool.pool_id,))
        self._conn.executemany(
            "INSERT OR REPLACE INTO pool_holders (ip, pool_id) VALUES (?, ?)",
            [(ip_text(ip), pool.pool_id) for ip in pool.ips],
        )
        self._conn.execute(
            f"INSERT OR REPLACE INTO pools ({_POOL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            (
                pool.pool_id,
                pool.account_id,
                pool.name,
                pool.description,
                _ips_text(pool.ips),
                json.dumps(sorted(pool.delegated_to)),
            ),
        )
        self._conn.execute(
            "INSERT OR IGNORE INTO used_pool_ids (pool_id) VALUES (?)", (pool.pool_id,)
        )

    def remove_pool(self, pool_id: str) -> None:
        self._conn.execute("DELETE FROM pools WHERE pool_id = ?", (pool_id,))
        self._conn.execute("DELETE FROM pool_holders WHERE pool_id = ?", (pool_id,))

    # -- tombstones ------------------------------------------------------------------

    def get_tombstone(self, pool_id: str) -> Tombstone | None:
        row = self._one(
            "SELECT account_id, kind, target FROM tombstones WHERE pool_id = ?", pool_id
        )
        if row is None:
            return None
        account_id, kind, target = row
        if kind == "pool":
            return Tombstone(pool_id, account_id, ReplaceWithPool(target))
        if kind == "ip":
            return Tombstone(pool_id, account_id, ReplaceWithIp(_ip(target)))
        if kind == "shared":  # the choices are read one at a time by shared_choice
            return Tombstone(pool_id, account_id, ReplaceWithShared({}))
        return Tombstone(pool_id, account_id, None)

    def shared_choice(self, pool_id: str, domain_id: str) -> IPAddress | None:
        row = self._one(
            "SELECT ip FROM shared_choices WHERE pool_id = ? AND domain_id = ?", pool_id, domain_id
        )
        return None if row is None else _ip(row[0])

    def tombstones_leading_to(self, pool_id: str) -> list[str]:
        rows = self._all(
            "SELECT pool_id FROM tombstones WHERE kind = 'pool' AND target = ?", pool_id
        )
        return [row[0] for row in rows]

    def put_tombstone(self, grave: Tombstone) -> None:
        rep = grave.replacement
        kind, target = "none", None
        if isinstance(rep, ReplaceWithPool):
            kind, target = "pool", rep.pool_id
        elif isinstance(rep, ReplaceWithIp):
            kind, target = "ip", ip_text(rep.ip)
        elif isinstance(rep, ReplaceWithShared):
            kind = "shared"
            self._conn.executemany(
                "INSERT OR REPLACE INTO shared_choices (pool_id, domain_id, ip) VALUES (?, ?, ?)",
                [(grave.pool_id, domain_id, ip_text(ip)) for domain_id, ip in rep.choices],
            )
        self._conn.execute(
            "INSERT OR REPLACE INTO tombstones (pool_id, account_id, kind, target)"
            " VALUES (?, ?, ?, ?)",
            (grave.pool_id, grave.account_id, kind, target),
        )

    def remove_tombstone(self, pool_id: str) -> None:
        self._conn.execute("DELETE FROM tombstones WHERE pool_id = ?", (pool_id,))
        self._conn.execute("DELETE FROM shared_choices WHERE pool_id = ?", (pool_id,))

    # -- domains -----------------------------------------------------------------------

    def get_domain(self, domain_id: str) -> Domain | None:
        row = self._one(f"SELECT {_DOMAIN_COLUMNS} FROM domains WHERE id = ?", domain_id)
        return None if row is None else _domain(row)

    def domain_with_key(self, key: str) -> Domain | None:
        row = self._one(f"SELECT {_DOMAIN_COLUMNS} FROM domains WHERE key = ?", key)
        return None if row is None else _domain(row)

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
        rows = self._all(
            f"SELECT {_DOMAIN_COLUMNS} FROM domains WHERE {where} ORDER BY id LIMIT ?",
            *args,
            -1 if limit is None else limit,
        )
        return [_domain(row) for row in rows]

    def has_links(self, pool_id: str) -> bool:
        return self._one("SELECT 1 FROM domains WHERE pool_id = ? LIMIT 1", pool_id) is not None

    def add_domain(self, domain: Domain) -> None:
        self._conn.execute(_INSERT_DOMAIN, _domain_row(domain))

    def replace_domain(self, old: Domain, new: Domain) -> None:
        if (old.pool_id, old.account_id, old.name) == (new.pool_id, new.account_id, new.name):
            # Only the IPs change: leave every index alone.
            self._conn.execute(
                "UPDATE domains SET ips = ? WHERE id = ?", (_ips_text(new.ips), new.id)
            )
            return
        self._conn.execute(
            "UPDATE domains SET name = ?, key = ?, account_id = ?, pool_id = ?, ips = ?"
            " WHERE id = ?",
            (new.name, new.key, new.account_id, new.pool_id, _ips_text(new.ips), new.id),
        )

    def remove_domain(self, domain: Domain) -> None:
        self._conn.execute("DELETE FROM domains WHERE id = ?", (domain.id,))

    # -- whole state ----------------------------------------------------------------------

    def load(self, world: World, usage: Mapping[IPAddress, int]) -> None:
        self._conn.executemany(
            "INSERT INTO accounts (id, parent_id, dipps, shared_ip_eligible) VALUES (?, ?, ?, ?)",
            [(a.id, a.parent_id, a.dipps, a.shared_ip_eligible) for a in world.accounts],
        )
        self._conn.executemany(
            "INSERT INTO dedicated_ips (ip, account_id, warmup) VALUES (?, ?, ?)",
            [(ip_text(r.ip), r.account_id, r.warmup) for r in world.dedicated_ips],
        )
        self._conn.executemany(
            "INSERT INTO shared_ips (ip, usage) VALUES (?, ?)",
            [(ip_text(ip), count) for ip, count in usage.items()],
        )
        for pool in world.pools:
            self.put_pool(pool)
        self._conn.executemany(_INSERT_DOMAIN, [_domain_row(d) for d in world.domains])

    def stored_world(self) -> World:
        accounts = self._all(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts")
        return World(
            accounts=[_account(row) for row in accounts],
            dedicated_ips=[
                DedicatedIp(_ip(row[0]), row[1], bool(row[2]))
                for row in self._all("SELECT ip, account_id, warmup FROM dedicated_ips")
            ],
            shared_ips=[_ip(row[0]) for row in self._all("SELECT ip FROM shared_ips")],
            domains=[_domain(row) for row in self._all(f"SELECT {_DOMAIN_COLUMNS} FROM domains")],
            pools=[_pool(row) for row in self._all(f"SELECT {_POOL_COLUMNS} FROM pools")],
        )
