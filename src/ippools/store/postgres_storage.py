"""The storage primitives of a PostgreSQL store, in SQL on the connection of the unit of work.

:class:`PostgresStorage` implements :class:`~ippools.storage.Storage` over the
tables of :mod:`ippools.store.postgres_schema`, one or two statements a
primitive, each served by an index (S6). The choices of a shared replacement
live in a table of their own, read one domain at a time.

It neither begins nor ends transactions: the adapter of
:class:`~ippools.store.postgres.PostgresStore` does that, and gives it the
connection of the current thread's unit of work through
:class:`~ippools.store.postgres_sql.Sql`, which also turns every driver error
into the library's. The rows have the SQLite store's layout, so every value read
is checked by the same functions, :mod:`ippools.store.sqlite_rows`: a damaged
row raises :class:`~ippools.store.ports.StoreError` naming its table and key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from ippools.model import Account, DedicatedIp, Domain, IPAddress, Pool, ip_text
from ippools.outcome import ReplaceWithIp, ReplaceWithPool, ReplaceWithShared, Tombstone
from ippools.store import sqlite_rows as rows
from ippools.store.postgres_sql import Sql, sql_limit
from ippools.world import World

__all__ = ["PostgresStorage"]

_DOMAIN_COLUMNS = "id, name, account_id, pool_id, ips"
_POOL_COLUMNS = "pool_id, account_id, name, description, ips, delegated_to"
_ACCOUNT_COLUMNS = "id, parent_id, dipps, shared_ip_eligible"
_INSERT_DOMAIN = (
    "INSERT INTO domains (id, name, key, account_id, pool_id, ips) VALUES (%s, %s, %s, %s, %s, %s)"
)
_INSERT_ACCOUNT = (
    "INSERT INTO accounts (id, parent_id, dipps, shared_ip_eligible) VALUES (%s, %s, %s, %s)"
)
_INSERT_DEDICATED = "INSERT INTO dedicated_ips (ip, account_id, warmup) VALUES (%s, %s, %s)"


def _account_row(account: Account) -> tuple[str, str | None, int, int]:
    return (account.id, account.parent_id, int(account.dipps), int(account.shared_ip_eligible))


def _dedicated_row(record: DedicatedIp) -> tuple[str, str, int]:
    return (ip_text(record.ip), record.account_id, int(record.warmup))


class PostgresStorage:
    """The storage primitives on the tables that ``sql`` runs statements on."""

    def __init__(self, sql: Sql) -> None:
        self._where = sql.where
        self._one = sql.one
        self._all = sql.all
        self._run = sql.run
        self._many = sql.many

    # -- accounts and IPs ----------------------------------------------------------

    def get_account(self, account_id: str) -> Account | None:
        row = self._one(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE id = %s", account_id)
        return None if row is None else rows.account(self._where, row)

    def get_dedicated_ip(self, ip: IPAddress) -> DedicatedIp | None:
        text = ip_text(ip)
        row = self._one("SELECT account_id, warmup FROM dedicated_ips WHERE ip = %s", text)
        return None if row is None else rows.dedicated_ip(self._where, text, row[0], row[1])

    def dedicated_ips_of(self, account_id: str) -> list[DedicatedIp]:
        found = self._all(
            "SELECT ip, warmup FROM dedicated_ips WHERE account_id = %s ORDER BY ip", account_id
        )
        return [rows.dedicated_ip(self._where, row[0], account_id, row[1]) for row in found]

    def shared_ip_usage(self) -> list[tuple[IPAddress, int]]:
        where = self._where
        found = self._all("SELECT ip, usage FROM shared_ips ORDER BY ip")
        return [rows.usage(where, row) for row in found]

    def add_usage(self, ips: Iterable[IPAddress], delta: int) -> None:
        self._many(
            "UPDATE shared_ips SET usage = usage + %s WHERE ip = %s",
            [(delta, ip_text(ip)) for ip in ips],
        )

    def shared_usage(self, ip: IPAddress) -> int | None:
        text = ip_text(ip)
        row = self._one("SELECT ip, usage FROM shared_ips WHERE ip = %s", text)
        return None if row is None else rows.usage(self._where, row)[1]

    def subaccounts_of(self, account_id: str) -> list[Account]:
        # Served by accounts_by_parent.
        found = self._all(
            f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE parent_id = %s", account_id
        )
        return [rows.account(self._where, row) for row in found]

    def put_account(self, account: Account) -> None:
        self._run(
            f"{_INSERT_ACCOUNT} ON CONFLICT (id) DO UPDATE SET parent_id = EXCLUDED.parent_id,"
            " dipps = EXCLUDED.dipps, shared_ip_eligible = EXCLUDED.shared_ip_eligible",
            *_account_row(account),
        )

    def remove_account(self, account_id: str) -> None:
        self._run("DELETE FROM accounts WHERE id = %s", account_id)

    def put_dedicated_ip(self, record: DedicatedIp) -> None:
        self._run(
            f"{_INSERT_DEDICATED} ON CONFLICT (ip) DO UPDATE SET"
            " account_id = EXCLUDED.account_id, warmup = EXCLUDED.warmup",
            *_dedicated_row(record),
        )

    def remove_dedicated_ip(self, ip: IPAddress) -> None:
        self._run("DELETE FROM dedicated_ips WHERE ip = %s", ip_text(ip))

    def add_shared_ip(self, ip: IPAddress) -> None:
        self._run(
            "INSERT INTO shared_ips (ip, usage) VALUES (%s, 0) ON CONFLICT (ip) DO NOTHING",
            ip_text(ip),
        )

    def remove_shared_ip(self, ip: IPAddress) -> None:
        self._run("DELETE FROM shared_ips WHERE ip = %s", ip_text(ip))

    # -- DIPPs ---------------------------------------------------------------------

    def get_pool(self, pool_id: str) -> Pool | None:
        row = self._one(f"SELECT {_POOL_COLUMNS} FROM pools WHERE pool_id = %s", pool_id)
        return None if row is None else rows.pool(self._where, row)

    def pool_holding(self, ip: IPAddress) -> str | None:
        text = ip_text(ip)
        row = self._one("SELECT pool_id FROM pool_holders WHERE ip = %s", text)
        return None if row is None else rows.pool_id(self._where, "pool_holders", text, row[0])

    def pool_id_in_use(self, pool_id: str) -> bool:
        return self._one("SELECT 1 FROM used_pool_ids WHERE pool_id = %s", pool_id) is not None

    def pools_of(self, account_id: str) -> list[Pool]:
        # Served by pools_by_owner.
        found = self._all(f"SELECT {_POOL_COLUMNS} FROM pools WHERE account_id = %s", account_id)
        return [rows.pool(self._where, row) for row in found]

    def pools_delegated_to(self, account_id: str) -> list[Pool]:
        # Served by the primary key of delegations (account_id, pool_id).
        found = self._all(
            f"SELECT {_POOL_COLUMNS} FROM pools WHERE pool_id IN"
            " (SELECT pool_id FROM delegations WHERE account_id = %s)",
            account_id,
        )
        return [rows.pool(self._where, row) for row in found]

    def put_pool(self, pool: Pool) -> None:
        self._run("DELETE FROM delegations WHERE pool_id = %s", pool.pool_id)
        self._many(
            "INSERT INTO delegations (account_id, pool_id) VALUES (%s, %s)",
            [(account_id, pool.pool_id) for account_id in sorted(pool.delegated_to)],
        )
        self._run("DELETE FROM pool_holders WHERE pool_id = %s", pool.pool_id)
        self._many(
            "INSERT INTO pool_holders (ip, pool_id) VALUES (%s, %s)"
            " ON CONFLICT (ip) DO UPDATE SET pool_id = EXCLUDED.pool_id",
            [(ip_text(ip), pool.pool_id) for ip in pool.ips],
        )
        self._run(
            f"INSERT INTO pools ({_POOL_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (pool_id) DO UPDATE SET account_id = EXCLUDED.account_id,"
            " name = EXCLUDED.name, description = EXCLUDED.description, ips = EXCLUDED.ips,"
            " delegated_to = EXCLUDED.delegated_to",
            pool.pool_id,
            pool.account_id,
            pool.name,
            pool.description,
            rows.ips_text(pool.ips),
            json.dumps(sorted(pool.delegated_to)),
        )
        self._run(
            "INSERT INTO used_pool_ids (pool_id) VALUES (%s) ON CONFLICT (pool_id) DO NOTHING",
            pool.pool_id,
        )

    def remove_pool(self, pool_id: str) -> None:
        self._run("DELETE FROM pools WHERE pool_id = %s", pool_id)
        self._run("DELETE FROM pool_holders WHERE pool_id = %s", pool_id)
        self._run("DELETE FROM delegations WHERE pool_id = %s", pool_id)

    # -- tombstones ------------------------------------------------------------------

    def get_tombstone(self, pool_id: str) -> Tombstone | None:
        row = self._one(
            "SELECT account_id, kind, target FROM tombstones WHERE pool_id = %s", pool_id
        )
        if row is None:
            return None
        # the choices of a shared replacement are read one at a time by shared_choice
        return rows.tombstone(self._where, pool_id, row, {})

    def shared_choice(self, pool_id: str, domain_id: str) -> IPAddress | None:
        row = self._one(
            "SELECT ip FROM shared_choices WHERE pool_id = %s AND domain_id = %s",
            pool_id,
            domain_id,
        )
        return None if row is None else rows.shared_choice(self._where, pool_id, domain_id, row[0])

    def tombstones_leading_to(self, pool_id: str) -> list[str]:
        found = self._all(
            "SELECT pool_id FROM tombstones WHERE kind = 'pool' AND target = %s", pool_id
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
                "INSERT INTO shared_choices (pool_id, domain_id, ip) VALUES (%s, %s, %s)"
                " ON CONFLICT (pool_id, domain_id) DO UPDATE SET ip = EXCLUDED.ip",
                [(grave.pool_id, domain_id, ip_text(ip)) for domain_id, ip in rep.choices],
            )
        self._run(
            "INSERT INTO tombstones (pool_id, account_id, kind, target) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (pool_id) DO UPDATE SET account_id = EXCLUDED.account_id,"
            " kind = EXCLUDED.kind, target = EXCLUDED.target",
            grave.pool_id,
            grave.account_id,
            kind,
            target,
        )

    def remove_tombstone(self, pool_id: str) -> None:
        self._run("DELETE FROM tombstones WHERE pool_id = %s", pool_id)
        self._run("DELETE FROM shared_choices WHERE pool_id = %s", pool_id)

    # -- domains -----------------------------------------------------------------------

    def get_domain(self, domain_id: str) -> Domain | None:
        row = self._one(f"SELECT {_DOMAIN_COLUMNS} FROM domains WHERE id = %s", domain_id)
        return None if row is None else rows.domain(self._where, row)

    def domain_with_key(self, key: str) -> Domain | None:
        row = self._one(f"SELECT {_DOMAIN_COLUMNS} FROM domains WHERE key = %s", key)
        return None if row is None else rows.domain(self._where, row)

    def linked(
        self, pool_id: str, account_id: str | None, after: str | None, limit: int | None
    ) -> list[Domain]:
        # Served by domains_by_pool (pool_id, id) or domains_by_link (pool_id, account_id, id).
        where, args = "pool_id = %s", [pool_id]
        if account_id is not None:
            where += " AND account_id = %s"
            args.append(account_id)
        if after is not None:
            where += " AND id > %s"
            args.append(after)
        found = self._all(
            f"SELECT {_DOMAIN_COLUMNS} FROM domains WHERE {where} ORDER BY id LIMIT %s",
            *args,
            sql_limit(limit),
        )
        return [rows.domain(self._where, row) for row in found]

    def domains_of(self, account_id: str) -> list[Domain]:
        # Served by domains_by_account.
        found = self._all(
            f"SELECT {_DOMAIN_COLUMNS} FROM domains WHERE account_id = %s", account_id
        )
        return [rows.domain(self._where, row) for row in found]

    def has_links(self, pool_id: str) -> bool:
        return self._one("SELECT 1 FROM domains WHERE pool_id = %s LIMIT 1", pool_id) is not None

    def add_domain(self, domain: Domain) -> None:
        self._run(_INSERT_DOMAIN, *rows.domain_row(domain))

    def replace_domain(self, old: Domain, new: Domain) -> None:
        if (old.pool_id, old.account_id, old.name) == (new.pool_id, new.account_id, new.name):
            # Only the IPs change: leave every index alone.
            self._run("UPDATE domains SET ips = %s WHERE id = %s", rows.ips_text(new.ips), new.id)
            return
        self._run(
            "UPDATE domains SET name = %s, key = %s, account_id = %s, pool_id = %s, ips = %s"
            " WHERE id = %s",
            new.name,
            new.key,
            new.account_id,
            new.pool_id,
            rows.ips_text(new.ips),
            new.id,
        )

    def remove_domain(self, domain: Domain) -> None:
        self._run("DELETE FROM domains WHERE id = %s", domain.id)

    # -- whole state ----------------------------------------------------------------------

    def load(self, world: World, usage: Mapping[IPAddress, int]) -> None:
        self._many(_INSERT_ACCOUNT, [_account_row(a) for a in world.accounts])
        self._many(_INSERT_DEDICATED, [_dedicated_row(r) for r in world.dedicated_ips])
        self._many(
            "INSERT INTO shared_ips (ip, usage) VALUES (%s, %s)",
            [(ip_text(ip), count) for ip, count in usage.items()],
        )
        for pool in world.pools:
            self.put_pool(pool)
        self._many(_INSERT_DOMAIN, [rows.domain_row(d) for d in world.domains])

    def stored_world(self) -> World:
        where = self._where
        return World(
            accounts=[
                rows.account(where, row)
                for row in self._all(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts ORDER BY id")
            ],
            dedicated_ips=[
                rows.dedicated_ip(where, *row)
                for row in self._all("SELECT ip, account_id, warmup FROM dedicated_ips ORDER BY ip")
            ],
            shared_ips=[
                rows.shared_ip(where, row[0])
                for row in self._all("SELECT ip FROM shared_ips ORDER BY ip")
            ],
            domains=[
                rows.domain(where, row)
                for row in self._all(f"SELECT {_DOMAIN_COLUMNS} FROM domains ORDER BY id")
            ],
            pools=[
                rows.pool(where, row)
                for row in self._all(f"SELECT {_POOL_COLUMNS} FROM pools ORDER BY pool_id")
            ],
        )
