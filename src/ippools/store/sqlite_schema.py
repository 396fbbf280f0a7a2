"""The schema of a SQLite store, which the store creates and versions itself.

A store file carries ``PRAGMA application_id`` = :data:`APPLICATION_ID`, so that
no other SQLite file is mistaken for one, and ``PRAGMA user_version`` =
:data:`SCHEMA_VERSION`. Opening a file that carries a newer version than this
ippools knows is refused: an older library must not write a layout it does not
understand. A later version adds its migration step to :data:`MIGRATIONS`.

IPs are stored in canonical text (C5); the IPs of a domain or DIPP and a DIPP's
delegations are JSON arrays. Side tables keep what the reads need at a cost
proportional to what they touch (S6): the DIPP holding each IP, the effective
shared-IP usage, tombstones with an index from replacement to replaced, the
shared IP a deletion chose for each domain, DIPPs by owner, and delegations by
subaccount.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from ippools.store.ports import StoreError
from ippools.store.sql_storage import SqlStorage
from ippools.store.sqlite_sql import Sql
from ippools.stored_state import load_world
from ippools.world import World

__all__ = ["APPLICATION_ID", "MIGRATIONS", "SCHEMA", "SCHEMA_VERSION", "prepare"]

APPLICATION_ID = 0x6970706C
"""``ippl``: marks a SQLite file as an ippools store."""

SCHEMA_VERSION = 4

_DOMAINS_BY_POOL = "CREATE INDEX domains_by_pool ON domains (pool_id, id) WHERE pool_id IS NOT NULL"
_POOLS_BY_OWNER = "CREATE INDEX pools_by_owner ON pools (account_id)"
_DELEGATIONS = (
    "CREATE TABLE delegations (account_id TEXT NOT NULL, pool_id TEXT NOT NULL,"
    " PRIMARY KEY (account_id, pool_id)) WITHOUT ROWID"
)
_DELEGATIONS_BY_POOL = "CREATE INDEX delegations_by_pool ON delegations (pool_id)"
_ACCOUNTS_BY_PARENT = (
    "CREATE INDEX accounts_by_parent ON accounts (parent_id) WHERE parent_id IS NOT NULL"
)
_DOMAINS_BY_ACCOUNT = "CREATE INDEX domains_by_account ON domains (account_id)"

SCHEMA = (
    "CREATE TABLE accounts (id TEXT PRIMARY KEY, parent_id TEXT,"
    " dipps INTEGER NOT NULL, shared_ip_eligible INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE dedicated_ips (ip TEXT PRIMARY KEY, account_id TEXT NOT NULL,"
    " warmup INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE INDEX dedicated_ips_by_account ON dedicated_ips (account_id)",
    "CREATE TABLE shared_ips (ip TEXT PRIMARY KEY, usage INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE pools (pool_id TEXT PRIMARY KEY, account_id TEXT NOT NULL,"
    " name TEXT NOT NULL, description TEXT NOT NULL, ips TEXT NOT NULL,"
    " delegated_to TEXT NOT NULL) WITHOUT ROWID",
    _ACCOUNTS_BY_PARENT,
    _POOLS_BY_OWNER,
    _DELEGATIONS,
    _DELEGATIONS_BY_POOL,
    "CREATE TABLE pool_holders (ip TEXT PRIMARY KEY, pool_id TEXT NOT NULL) WITHOUT ROWID",
    "CREATE INDEX pool_holders_by_pool ON pool_holders (pool_id)",
    "CREATE TABLE used_pool_ids (pool_id TEXT PRIMARY KEY) WITHOUT ROWID",
    "CREATE TABLE tombstones (pool_id TEXT PRIMARY KEY, account_id TEXT NOT NULL,"
    " kind TEXT NOT NULL, target TEXT) WITHOUT ROWID",
    "CREATE INDEX tombstones_by_target ON tombstones (target) WHERE kind = 'pool'",
    "CREATE TABLE shared_choices (pool_id TEXT NOT NULL, domain_id TEXT NOT NULL,"
    " ip TEXT NOT NULL, PRIMARY KEY (pool_id, domain_id)) WITHOUT ROWID",
    "CREATE TABLE domains (id TEXT PRIMARY KEY, name TEXT NOT NULL, key TEXT NOT NULL UNIQUE,"
    " account_id TEXT NOT NULL, pool_id TEXT, ips TEXT NOT NULL) WITHOUT ROWID",
    # The primary key ends every index of a WITHOUT ROWID table: this one is in fact
    # (pool_id, account_id, id), and serves one account's links in domain-id order.
    "CREATE INDEX domains_by_link ON domains (pool_id, account_id) WHERE pool_id IS NOT NULL",
    _DOMAINS_BY_POOL,
    _DOMAINS_BY_ACCOUNT,
    "CREATE TABLE versions (kind TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,"
    " PRIMARY KEY (kind, id)) WITHOUT ROWID",
    "CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,"
    " subject TEXT NOT NULL, pool_id TEXT, claimed_until REAL)",
)
"""Statements creating the current schema in an empty file."""


def _add_domains_by_pool(conn: sqlite3.Connection) -> None:
    conn.execute(_DOMAINS_BY_POOL)


def _add_delegations(conn: sqlite3.Connection) -> None:
    conn.execute(_POOLS_BY_OWNER)
    conn.execute(_DELEGATIONS)
    conn.execute(_DELEGATIONS_BY_POOL)
    conn.execute(
        "INSERT INTO delegations (account_id, pool_id)"
        " SELECT value, pool_id FROM pools, json_each(pools.delegated_to)"
    )


def _add_provisioning_indexes(conn: sqlite3.Connection) -> None:
    conn.execute(_ACCOUNTS_BY_PARENT)
    conn.execute(_DOMAINS_BY_ACCOUNT)


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _add_domains_by_pool,
    2: _add_delegations,
    3: _add_provisioning_indexes,
}
"""Steps from version N to N + 1, by N. Version 2 adds the index of a DIPP's links by
domain id, for pages of linked domains; version 3 the indexes of DIPPs by owner and by
the subaccounts they are delegated to, for listing DIPPs (3.11); version 4 the indexes
of subaccounts by parent and of domains by account, for the host's provisioning
commands."""


def _header(conn: sqlite3.Connection) -> tuple[int, int, int]:
    # One statement, so one read snapshot: read one by one, the three could straddle
    # another connection's commit of a new store and look like a foreign file.
    row = conn.execute(
        "SELECT (SELECT application_id FROM pragma_application_id()),"
        " (SELECT user_version FROM pragma_user_version()),"
        " (SELECT count(*) FROM sqlite_master)"
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def _check(where: str, application_id: int, version: int, tables: int) -> bool:
    """True when the file is an ippools store of the current version; False when empty."""
    if application_id == 0 and version == 0 and tables == 0:
        return False
    if application_id != APPLICATION_ID:
        raise StoreError(f"{where} is not an ippools store (it holds other SQLite data)")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{where} has store schema version {version}, newer than version "
            f"{SCHEMA_VERSION} that this ippools knows; open it with a newer ippools"
        )
    if version < 1:
        raise StoreError(f"{where} is an ippools store without a schema version; it is damaged")
    return True


def prepare(conn: sqlite3.Connection, where: str, world: World | None) -> bool:
    """Make the file behind ``conn`` a store of the current schema; True when it was created.

    A new (empty) file gets the schema and ``world`` (or an empty state) in one
    transaction, so a crash leaves either nothing or a complete store; ``world``
    is ignored for a file that is already a store. Raises :class:`StoreError` for a
    foreign file or a newer schema and :class:`~ippools.errors.DocumentError` for a
    world that breaks a reference or an invariant. The driver errors of loading
    ``world`` are translated (a value it cannot store raises :class:`StoreError`);
    those of the other statements are left to the caller to translate.
    """
    header = _header(conn)
    if _check(where, *header) and header[1] == SCHEMA_VERSION:
        return False
    conn.execute("BEGIN IMMEDIATE")
    try:
        existing = _check(where, *_header(conn))
        if existing:
            version = _header(conn)[1]
            while version < SCHEMA_VERSION:
                MIGRATIONS[version](conn)
                version += 1
                conn.execute(f"PRAGMA user_version = {version}")
        else:
            for statement in SCHEMA:
                conn.execute(statement)
            storage = SqlStorage(Sql(lambda: conn, where))
            load_world(storage, world if world is not None else World())
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return not existing
