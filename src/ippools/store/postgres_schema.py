"""The schema of a PostgreSQL store, which the store creates and versions itself.

A store lives in one PostgreSQL schema that the host names (``ippools`` unless
told otherwise): several stores share a database by taking a schema each. The
schema is created on first use, with its tables and the initial world, in one
transaction, under a transaction-level advisory lock so that processes opening
a new store at the same moment create it once.

Table ``ippools_meta`` marks the schema as an ippools store
(``application`` = :data:`APPLICATION`) and carries ``schema_version`` =
:data:`SCHEMA_VERSION`. A schema that holds tables but no such mark is refused as
foreign; one that carries a newer version than this ippools knows is refused: an
older library must not write a layout it does not understand. A later version
adds its migration step to :data:`MIGRATIONS`.

The layout is the SQLite store's (:mod:`ippools.store.sqlite_schema`): IPs in
canonical text (C5), the IPs of a domain or DIPP and a DIPP's delegations as
JSON arrays, and the same side tables and indexes (S6). Every text column uses
the ``"C"`` collation, so that ``ORDER BY`` and ranges follow code points, as
the memory store's sorting does, whatever the database's default collation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

from ippools.store.ports import StoreError
from ippools.store.postgres_sql import Sql
from ippools.store.sql_storage import SqlStorage
from ippools.stored_state import load_world
from ippools.world import World

__all__ = [
    "APPLICATION",
    "MIGRATIONS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "check_schema_name",
    "lock_key",
    "prepare",
    "recreate",
]

APPLICATION = "ippools"
"""The value of ``application`` in ``ippools_meta``: marks a schema as an ippools store."""

SCHEMA_VERSION = 1

_T = 'TEXT COLLATE "C"'

SCHEMA = (
    f"CREATE TABLE ippools_meta (name {_T} PRIMARY KEY, value {_T} NOT NULL)",
    f"CREATE TABLE accounts (id {_T} PRIMARY KEY, parent_id {_T},"
    " dipps SMALLINT NOT NULL, shared_ip_eligible SMALLINT NOT NULL)",
    "CREATE INDEX accounts_by_parent ON accounts (parent_id) WHERE parent_id IS NOT NULL",
    f"CREATE TABLE dedicated_ips (ip {_T} PRIMARY KEY, account_id {_T} NOT NULL,"
    " warmup SMALLINT NOT NULL)",
    "CREATE INDEX dedicated_ips_by_account ON dedicated_ips (account_id)",
    f"CREATE TABLE shared_ips (ip {_T} PRIMARY KEY, usage BIGINT NOT NULL)",
    f"CREATE TABLE pools (pool_id {_T} PRIMARY KEY, account_id {_T} NOT NULL,"
    f" name {_T} NOT NULL, description {_T} NOT NULL, ips {_T} NOT NULL,"
    f" delegated_to {_T} NOT NULL)",
    "CREATE INDEX pools_by_owner ON pools (account_id)",
    f"CREATE TABLE delegations (account_id {_T} NOT NULL, pool_id {_T} NOT NULL,"
    " PRIMARY KEY (account_id, pool_id))",
    "CREATE INDEX delegations_by_pool ON delegations (pool_id)",
    f"CREATE TABLE pool_holders (ip {_T} PRIMARY KEY, pool_id {_T} NOT NULL)",
    "CREATE INDEX pool_holders_by_pool ON pool_holders (pool_id)",
    f"CREATE TABLE used_pool_ids (pool_id {_T} PRIMARY KEY)",
    f"CREATE TABLE tombstones (pool_id {_T} PRIMARY KEY, account_id {_T} NOT NULL,"
    f" kind {_T} NOT NULL, target {_T})",
    "CREATE INDEX tombstones_by_target ON tombstones (target) WHERE kind = 'pool'",
    f"CREATE TABLE shared_choices (pool_id {_T} NOT NULL, domain_id {_T} NOT NULL,"
    f" ip {_T} NOT NULL, PRIMARY KEY (pool_id, domain_id))",
    f"CREATE TABLE domains (id {_T} PRIMARY KEY, name {_T} NOT NULL, key {_T} NOT NULL UNIQUE,"
    f" account_id {_T} NOT NULL, pool_id {_T}, ips {_T} NOT NULL)",
    "CREATE INDEX domains_by_link ON domains (pool_id, account_id, id) WHERE pool_id IS NOT NULL",
    "CREATE INDEX domains_by_pool ON domains (pool_id, id) WHERE pool_id IS NOT NULL",
    "CREATE INDEX domains_by_account ON domains (account_id)",
    f"CREATE TABLE versions (kind {_T} NOT NULL, id {_T} NOT NULL, version BIGINT NOT NULL,"
    " PRIMARY KEY (kind, id))",
    f"CREATE TABLE outbox (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    f" kind {_T} NOT NULL, subject {_T} NOT NULL, pool_id {_T},"
    " claimed_until DOUBLE PRECISION)",
)
"""Statements creating the current schema's tables in an empty schema."""

MIGRATIONS: dict[int, Callable[[psycopg.Connection[Any]], None]] = {}
"""Steps from version N to N + 1, by N (none yet: version 1 is the first)."""

_MAX_NAME = 63  # PostgreSQL cuts longer identifiers, so two long names could meet


def check_schema_name(schema: str) -> str:
    """``schema`` if PostgreSQL keeps it as given; else :class:`ValueError` naming it."""
    if not isinstance(schema, str) or not schema or "\x00" in schema:
        raise ValueError(f"a schema name is a non-empty text without NUL, got {schema!r:.100}")
    if len(schema.encode("utf-8", "surrogatepass")) > _MAX_NAME:
        raise ValueError(f"schema name {schema!r:.100} is longer than {_MAX_NAME} bytes")
    return schema


def lock_key(schema: str, purpose: str) -> int:
    """A ``bigint`` advisory-lock key for ``purpose`` on the store in ``schema``."""
    digest = hashlib.blake2b(f"ippools\x00{purpose}\x00{schema}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def _tables(conn: psycopg.Connection[Any], schema: str) -> set[str]:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
    ).fetchall()
    return {str(row[0]) for row in rows}


def _version(conn: psycopg.Connection[Any], where: str, schema: str) -> int | None:
    """The schema version of the store in ``schema``; None when the schema holds nothing."""
    tables = _tables(conn, schema)
    if not tables:
        return None
    if "ippools_meta" not in tables:
        raise StoreError(f"{where} is not an ippools store (the schema holds other tables)")
    meta = dict(conn.execute("SELECT name, value FROM ippools_meta").fetchall())
    if meta.get("application") != APPLICATION:
        raise StoreError(f"{where} is not an ippools store (its ippools_meta is foreign)")
    text = meta.get("schema_version", "")
    if not text.isdigit() or int(text) < 1:
        raise StoreError(f"{where} is an ippools store without a valid schema version")
    version = int(text)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{where} has store schema version {version}, newer than version "
            f"{SCHEMA_VERSION} that this ippools knows; open it with a newer ippools"
        )
    return version


def prepare(
    conn: psycopg.Connection[Any],
    where: str,
    schema: str,
    world: World | None,
    *,
    create: bool = True,
) -> bool:
    """Make ``schema`` a store of the current schema version; True when it was created.

    ``conn`` is in autocommit mode with ``search_path`` set to ``schema``. A new
    (absent or empty) schema gets the tables and ``world`` (or an empty state) in
    one transaction; ``world`` is ignored for a schema that is already a store.
    Raises :class:`StoreError` for a foreign schema or a newer version and
    :class:`~ippools.errors.DocumentError` for a world that breaks a reference or
    an invariant, and :class:`StoreError` when ``create`` is false and the schema
    holds no store. Driver errors are left to the caller to translate, except
    those of loading ``world``.
    """
    if _version(conn, where, schema) == SCHEMA_VERSION:
        return False
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(schema, "create"),))
        version = _version(conn, where, schema)
        if version is None and not create:
            raise StoreError(f"{where} holds no ippools store")
        if version is None:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            conn.execute(";\n".join(SCHEMA))  # one round trip: no parameters, one query
            storage = SqlStorage(Sql(lambda: conn, where))
            load_world(storage, world if world is not None else World())
            conn.execute(
                "INSERT INTO ippools_meta (name, value) VALUES ('application', %s),"
                " ('schema_version', %s)",
                (APPLICATION, str(SCHEMA_VERSION)),
            )
            return True
        while version < SCHEMA_VERSION:
            MIGRATIONS[version](conn)
            version += 1
            conn.execute(
                "UPDATE ippools_meta SET value = %s WHERE name = 'schema_version'", (str(version),)
            )
        return False


def recreate(conn: psycopg.Connection[Any], where: str, schema: str, world: World) -> None:
    """Replace the store in ``schema`` by a new one holding ``world``, in one transaction.

    The caller holds the store's exclusive lock; another connection sees the old
    store or the new one, never a mix.
    """
    with conn.transaction():
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        prepare(conn, where, schema, world)
