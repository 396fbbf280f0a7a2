"""One switch for hosts: :func:`open_store` picks the store a location names.

* a ``postgresql://`` or ``postgres://`` URL: a :class:`~ippools.store.postgres.PostgresStore`
  (needs ``ippools[postgres]``) in the schema named by the URL's ``schema``
  query parameter (``?schema=tenant_a``), else by the ``schema`` argument, else
  ``ippools``; every other part of the URL goes to libpq as it is;
* anything else: a path, or ``:memory:``, of a :class:`~ippools.store.sqlite.SqliteStore`.

So a host moves from SQLite to PostgreSQL by changing the one string it passes.
"""

from __future__ import annotations

import os
import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ippools.store.base import Clock, Store
from ippools.store.ports import StoreError
from ippools.store.sqlite import SqliteStore
from ippools.world import World

__all__ = ["is_postgres_url", "open_store", "safe_url", "split_schema"]

_SCHEMES = ("postgresql", "postgres")


def is_postgres_url(location: str | os.PathLike[str]) -> bool:
    """True when ``location`` is a ``postgresql://`` or ``postgres://`` URL."""
    if not isinstance(location, str):
        return False
    scheme, sep, _ = location.partition("://")
    return bool(sep) and scheme.lower() in _SCHEMES


def split_schema(url: str, schema: str | None = None) -> tuple[str, str | None]:
    """``url`` without its ``schema`` query parameter, and the schema (the parameter first).

    Raises :class:`ValueError` when the URL gives the parameter more than once.
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    named = [value for key, value in query if key == "schema"]
    if len(named) > 1:
        raise ValueError(f"{safe_url(url)} names the schema {len(named)} times")
    rest = urlencode([(key, value) for key, value in query if key != "schema"])
    return urlunsplit(parts._replace(query=rest)), (named[0] if named else schema)


def safe_url(url: str) -> str:
    """``url`` with its password hidden, for a message."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def open_store(
    location: str | os.PathLike[str],
    world: World | None = None,
    *,
    schema: str | None = None,
    clock: Clock = time.time,
    create: bool = True,
) -> Store:
    """Open (or create, holding ``world``) the store at ``location``; see the module docs.

    ``world`` is loaded only when the store is new (``store.created``);
    ``create=False`` refuses a location that holds no store yet (a missing or
    empty SQLite file, a PostgreSQL schema without a store) with
    :class:`~ippools.store.ports.StoreError`.
    Raises :class:`~ippools.store.ports.StoreError` as the chosen store does,
    and also for a PostgreSQL URL when psycopg is not installed.
    """
    if not is_postgres_url(location):
        if schema is not None:
            raise ValueError(f"a schema applies to a PostgreSQL store, not to {location!r:.100}")
        path = os.fspath(location)
        if not create and (path == ":memory:" or not os.path.isfile(path)):
            raise StoreError(f"{path}: no such database file")
        return SqliteStore(location, world, clock=clock)
    assert isinstance(location, str)
    try:
        from ippools.store.postgres import DEFAULT_SCHEMA, PostgresStore
    except ImportError as error:
        raise StoreError(
            f"{safe_url(location)}: a PostgreSQL store needs the postgres extra, "
            f"ippools[postgres] ({error})"
        ) from None
    conninfo, named = split_schema(location, schema)
    return PostgresStore(
        conninfo, world, schema=named or DEFAULT_SCHEMA, clock=clock, create=create
    )
