"""The PostgreSQL server the tests talk to, and a fresh schema per test.

The server is ``IPPOOLS_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``). When it cannot be reached, or
psycopg is not installed, every PostgreSQL test is skipped with one reason, so
that a newcomer's test run still passes; ``IPPOOLS_REQUIRE_POSTGRES=1`` (set by
``.ci/run``) turns that skip into a failure. Each test works in schemas of its
own (:func:`fresh_schema`), dropped when it ends; :func:`leftover_schemas` lists
any that a test left behind.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

URL = os.environ.get("IPPOOLS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRED = os.environ.get("IPPOOLS_REQUIRE_POSTGRES", "") == "1"
PREFIX = "ippools_test_"


@functools.cache
def unreachable() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None when they can."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install 'ippools[postgres]')"
    try:
        with psycopg.connect(URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return f"no PostgreSQL server at IPPOOLS_TEST_POSTGRES_URL ({first})"
    return None


def require_postgres() -> None:
    """Skip the calling test when there is no server (fail instead under CI's variable)."""
    reason = unreachable()
    if reason is None:
        return
    if REQUIRED:
        pytest.fail(f"IPPOOLS_REQUIRE_POSTGRES=1, but {reason}")
    pytest.skip(reason)


def _admin() -> Any:
    import psycopg

    return psycopg.connect(URL, autocommit=True)


def new_schema_name() -> str:
    """A schema name no other test (or process) uses."""
    return f"{PREFIX}{os.getpid()}_{uuid.uuid4().hex[:12]}"


def drop_schemas(names: list[str]) -> None:
    """Drop the schemas ``names`` with everything in them, if they exist."""
    from psycopg import sql

    if not names:
        return
    with _admin() as conn:
        for name in names:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


@contextmanager
def fresh_schema() -> Iterator[str]:
    """The name of a schema that does not exist yet; dropped (if created) at the end."""
    require_postgres()
    name = new_schema_name()
    try:
        yield name
    finally:
        drop_schemas([name])


def leftover_schemas(pid: int | None = None) -> list[str]:
    """The test schemas that exist now (only this process's when ``pid`` is given)."""
    prefix = PREFIX if pid is None else f"{PREFIX}{pid}_"
    with _admin() as conn:
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", (prefix,)
        ).fetchall()
    return sorted(str(row[0]) for row in rows)


def url_with_schema(schema: str) -> str:
    """:data:`URL` naming ``schema`` in its query, as ``open_store`` takes it."""
    return f"{URL}{'&' if '?' in URL else '?'}schema={schema}"
