"""The records of a SQLite store, read and written on one connection (the outbox aside).

:class:`Tables` mirrors :class:`~ippools.memory.MemoryState` on SQL tables, one
method for one of its operations: effective reads through
:func:`~ippools.state.resolve_domain`, tombstones kept only while a stored domain
(or another tombstone) leads to them, the DIPP holding each IP, shared-IP usage
counted in the effective state, and the ids of every DIPP ever stored. Every
operation touches only the rows it needs (S6), through the indexes of
:mod:`ippools.store.sqlite_schema`.

It neither begins nor ends transactions and does not translate driver errors:
:class:`~ippools.store.sqlite.SqliteStore` does both around every call.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
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
from ippools.outcome import (
    Changes,
    DomainUpdate,
    PendingUpdate,
    ReplaceWithIp,
    ReplaceWithPool,
    ReplaceWithShared,
    Tombstone,
)
from ippools.state import resolve_domain
from ippools.store.ports import RecordKey
from ippools.world import World

__all__ = ["Tables"]

_DOMAIN_COLUMNS = "id, name, account_id, pool_id, ips"
_POOL_COLUMNS = "pool_id, account_id, name, description, ips, delegated_to"


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


def _pool(row: Sequence[Any]) -> Pool:
    return Pool(row[0], row[1], row[2], row[3], _ips(row[4]), frozenset(json.loads(row[5])))


class Tables:
    """The state tables of a SQLite store, on the connection ``conn``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _one(self, sql: str, *args: Any) -> Any:
        return self._conn.execute(sql, args).fetchone()

    def _all(self, sql: str, *args: Any) -> list[Any]:
        return self._conn.execute(sql, args).fetchall()

    # -- StateView -------------------------------------------------------

    def account(self, account_id: str) -> Account | None:
        row = self._one(
            "SELECT id, parent_id, dipps, shared_ip_eligible FROM accounts WHERE id = ?",
            account_id,
        )
        return None if row is None else Account(row[0], row[1], bool(row[2]), bool(row[3]))

    def dedicated_ip(self, ip: IPAddress) -> DedicatedIp | None:
        row = self._one("SELECT account_id, warmup FROM dedicated_ips WHERE ip = ?", ip_text(ip))
        return None if row is None else DedicatedIp(ip, row[0], bool(row[1]))

    def dedicated_ips_of(self, account_id: str) -> list[DedicatedIp]:
        rows = self._all("SELECT ip, warmup FROM dedicated_ips WHERE account_id = ?", account_id)
        return [DedicatedIp(_ip(row[0]), account_id, bool(row[1])) for row in rows]

    def is_shared_ip(self, ip: IPAddress) -> bool:
        return self._one("SELECT 1 FROM shared_ips WHERE ip = ?", ip_text(ip)) is not None

    def shared_ip_usage(self) -> list[tuple[IPAddress, int]]:
        return [(_ip(row[0]), row[1]) for row in self._all("SELECT ip, usage FROM shared_ips")]

    def pool(self, pool_id: str) -> Pool | None:
        row = self._one(f"SELECT {_POOL_COLUMNS} FROM pools WHERE pool_id = ?", pool_id)
        return None if row is None else _pool(row)

    def pool_holding(self, ip: IPAddress) -> str | None:
        row = self._one("SELECT pool_id FROM pool_holders WHERE ip = ?", ip_text(ip))
        return None if row is None else str(row[0])

    def pool_id_in_use(self, pool_id: str) -> bool:
        return self._one("SELECT 1 FROM used_pool_ids WHERE pool_id = ?", pool_id) is not None

    def stored_domain(self, domain_id: str) -> Domain | None:
        row = self._one(f"SELECT {_DOMAIN_COLUMNS} FROM domains WHERE id = ?", domain_id)
        return None if row is None else _domain(row)

    def domain(self, domain_id: str) -> Domain | None:
        stored = self.stored_domain(domain_id)
        return None if stored is None else self._effective(stored)

    def domain_named(self, key: str) -> Domain | None:
        row = self._one(f"SELECT {_DOMAIN_COLUMNS} FROM domains WHERE key = ?", key)
        return None if row is None else self._effective(_domain(row))

    def linked_domains(self, pool_id: str, account_id: str | None) -> list[Domain]:
        pools = self._pool_cache()
        if pools(pool_id) is None:
            return []
        found = self._stored_links(pool_id, account_id)
        found.sort(key=lambda domain: domain.id)
        return [self._effective(domain, pools) for domain in found]

    # -- effective state -------------------------------------------------

    def _pool_cache(self) -> Callable[[str], Pool | None]:
        cache: dict[str, Pool | None] = {}

        def lookup(pool_id: str) -> Pool | None:
            if pool_id not in cache:
                cache[pool_id] = self.pool(pool_id)
            return cache[pool_id]

        return lookup

    def _effective(
        self, stored: Domain, pools: Callable[[str], Pool | None] | None = None
    ) -> Domain:
        if stored.pool_id is None:
            return stored
        return resolve_domain(
            stored, lambda pool_id: self._tombstone(pool_id, stored.id), pools or self.pool
        )

    def _tombstone(self, pool_id: str, domain_id: str) -> Tombstone | None:
        """The tombstone of ``pool_id``; a shared replacement carries only this domain's IP."""
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
        if kind == "shared":
            choice = self._one(
                "SELECT ip FROM shared_choices WHERE pool_id = ? AND domain_id = ?",
                pool_id,
                domain_id,
            )
            choices = {} if choice is None else {domain_id: _ip(choice[0])}
            return Tombstone(pool_id, account_id, ReplaceWithShared(choices))
        return Tombstone(pool_id, account_id, None)

    def _closure(self, pool_id: str) -> list[str]:
        """``pool_id`` and every tombstone whose replacement chain leads to it."""
        out: list[str] = []
        stack = [pool_id]
        while stack:
            key = stack.pop()
            out.append(key)
            rows = self._all(
                "SELECT pool_id FROM tombstones WHERE kind = 'pool' AND target = ?", key
            )
            stack.extend(row[0] for row in rows)
        return out

    def _stored_links(self, pool_id: str, account_id: str | None) -> list[Domain]:
        """Stored domains whose link leads to ``pool_id``, optionally one account's."""
        found: list[Domain] = []
        for key in self._closure(pool_id):
            if account_id is None:
                rows = self._all(f"SELECT {_DOMAIN_COLUMNS} FROM domains WHERE pool_id = ?", key)
            else:
                rows = self._all(
                    f"SELECT {_DOMAIN_COLUMNS} FROM domains WHERE pool_id = ? AND account_id = ?",
                    key,
                    account_id,
                )
            found.extend(_domain(row) for row in rows)
        return found

    # -- writes ----------------------------------------------------------

    def apply(self, changes: Changes) -> None:
        """Store ``changes`` (not their pending updates), as MemoryState.apply does."""
        before: dict[str, Domain] = {}
        for domain_id in [d.id for d in changes.domains] + list(changes.deleted_domains):
            stored = self.stored_domain(domain_id)
            if stored is not None:
                before[domain_id] = self._effective(stored)
        for pool in changes.pools:
            self._put_pool(pool)
        for grave in changes.deleted_pools:
            self._bury_pool(grave)
        for domain_id in changes.deleted_domains:
            old = self.stored_domain(domain_id)
            if old is not None:
                self._unstore_domain(old)
                self._count_shared(before[domain_id], -1)
        for domain in changes.domains:
            old = self.stored_domain(domain.id)
            if old is not None:
                self._unstore_domain(old)
                self._count_shared(before[domain.id], -1)
            self._store_domain(domain)
            self._count_shared(self._effective(domain), 1)

    def run_update(self, update: PendingUpdate) -> None:
        """Carry out one pending update: its domains' stored records take their effective state."""
        if isinstance(update, DomainUpdate):
            self._materialize(update.domain_id)
            return
        targets = self._stored_links(update.pool_id, update.account_id)
        for domain_id in sorted(domain.id for domain in targets):
            self._materialize(domain_id)

    def _put_pool(self, pool: Pool) -> None:
        old = self.pool(pool.pool_id)
        if old is not None:
            self._conn.executemany(
                "DELETE FROM pool_holders WHERE ip = ? AND pool_id = ?",
                [(ip_text(ip), pool.pool_id) for ip in old.ips - pool.ips],
            )
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

    def _bury_pool(self, grave: Tombstone) -> None:
        self._conn.execute("DELETE FROM pools WHERE pool_id = ?", (grave.pool_id,))
        self._conn.execute("DELETE FROM pool_holders WHERE pool_id = ?", (grave.pool_id,))
        rep = grave.replacement
        if isinstance(rep, ReplaceWithShared):
            self._conn.executemany(
                "UPDATE shared_ips SET usage = usage + 1 WHERE ip = ?",
                [(ip_text(ip),) for _, ip in rep.choices],
            )
        if not (self._has_links(grave.pool_id) or self._has_preds(grave.pool_id)):
            return
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

    def _has_links(self, pool_id: str) -> bool:
        return self._one("SELECT 1 FROM domains WHERE pool_id = ? LIMIT 1", pool_id) is not None

    def _has_preds(self, pool_id: str) -> bool:
        row = self._one(
            "SELECT 1 FROM tombstones WHERE kind = 'pool' AND target = ? LIMIT 1", pool_id
        )
        return row is not None

    def _store_domain(self, domain: Domain) -> None:
        self._conn.execute(
            "INSERT INTO domains (id, name, key, account_id, pool_id, ips)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                domain.id,
                domain.name,
                domain.key,
                domain.account_id,
                domain.pool_id,
                _ips_text(domain.ips),
            ),
        )

    def _unstore_domain(self, domain: Domain) -> None:
        self._conn.execute("DELETE FROM domains WHERE id = ?", (domain.id,))
        if domain.pool_id is not None and not self._has_links(domain.pool_id):
            self._prune(domain.pool_id)

    def _prune(self, key: str) -> None:
        """Forget tombstones that no stored domain leads to any more."""
        while True:
            row = self._one("SELECT kind, target FROM tombstones WHERE pool_id = ?", key)
            if row is None or self._has_links(key) or self._has_preds(key):
                return
            self._conn.execute("DELETE FROM tombstones WHERE pool_id = ?", (key,))
            self._conn.execute("DELETE FROM shared_choices WHERE pool_id = ?", (key,))
            if row[0] != "pool":
                return
            key = row[1]

    def _materialize(self, domain_id: str) -> None:
        stored = self.stored_domain(domain_id)
        if stored is None:
            return
        effective = self._effective(stored)
        if effective == stored:
            return
        if effective.pool_id == stored.pool_id:  # only the IPs change
            self._conn.execute(
                "UPDATE domains SET ips = ? WHERE id = ?", (_ips_text(effective.ips), domain_id)
            )
            return
        self._unstore_domain(stored)
        self._store_domain(effective)

    def _count_shared(self, domain: Domain, delta: int) -> None:
        self._conn.executemany(
            "UPDATE shared_ips SET usage = usage + ? WHERE ip = ?",
            [(delta, ip_text(ip)) for ip in domain.ips],
        )

    # -- versions --------------------------------------------------------

    def version(self, key: RecordKey) -> int:
        row = self._one("SELECT version FROM versions WHERE kind = ? AND id = ?", key.kind, key.id)
        if row is not None:
            return int(row[0])
        if key.kind == "domain":
            exists = self._one("SELECT 1 FROM domains WHERE id = ?", key.id) is not None
        else:
            exists = self.pool_id_in_use(key.id)
        return 1 if exists else 0

    def set_versions(self, versions: dict[RecordKey, int]) -> None:
        self._conn.executemany(
            "INSERT OR REPLACE INTO versions (kind, id, version) VALUES (?, ?, ?)",
            [(key.kind, key.id, version) for key, version in versions.items()],
        )

    # -- whole state -----------------------------------------------------

    def world(self) -> World:
        accounts = [
            Account(row[0], row[1], bool(row[2]), bool(row[3]))
            for row in self._all("SELECT id, parent_id, dipps, shared_ip_eligible FROM accounts")
        ]
        dedicated = [
            DedicatedIp(_ip(row[0]), row[1], bool(row[2]))
            for row in self._all("SELECT ip, account_id, warmup FROM dedicated_ips")
        ]
        shared = [_ip(row[0]) for row in self._all("SELECT ip FROM shared_ips")]
        domains = [_domain(row) for row in self._all(f"SELECT {_DOMAIN_COLUMNS} FROM domains")]
        pools = [_pool(row) for row in self._all(f"SELECT {_POOL_COLUMNS} FROM pools")]
        return World(
            accounts=accounts,
            dedicated_ips=dedicated,
            shared_ips=shared,
            domains=domains,
            pools=pools,
        )

    def effective_world(self) -> World:
        world = self.world()
        pools = self._pool_cache()
        return World(
            accounts=world.accounts,
            dedicated_ips=world.dedicated_ips,
            shared_ips=world.shared_ips,
            domains=[self._effective(domain, pools) for domain in world.domains],
            pools=world.pools,
        )

    def load(self, world: World) -> None:
        """Insert a settled world into empty tables."""
        self._conn.executemany(
            "INSERT INTO accounts (id, parent_id, dipps, shared_ip_eligible) VALUES (?, ?, ?, ?)",
            [(a.id, a.parent_id, a.dipps, a.shared_ip_eligible) for a in world.accounts],
        )
        self._conn.executemany(
            "INSERT INTO dedicated_ips (ip, account_id, warmup) VALUES (?, ?, ?)",
            [(ip_text(r.ip), r.account_id, r.warmup) for r in world.dedicated_ips],
        )
        usage = dict.fromkeys(world.shared_ips, 0)
        for domain in world.domains:
            for ip in domain.ips:
                if ip in usage:
                    usage[ip] += 1
        self._conn.executemany(
            "INSERT INTO shared_ips (ip, usage) VALUES (?, ?)",
            [(ip_text(ip), count) for ip, count in usage.items()],
        )
        for pool in world.pools:
            self._put_pool(pool)
        self._conn.executemany(
            "INSERT INTO domains (id, name, key, account_id, pool_id, ips)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (d.id, d.name, d.key, d.account_id, d.pool_id, _ips_text(d.ips))
                for d in world.domains
            ],
        )
