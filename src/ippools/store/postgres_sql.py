"""Statements on a PostgreSQL store's connections, with every driver error translated.

Every statement the PostgreSQL store runs goes through :class:`Sql` (or, for the
statements that begin and end units of work, through :func:`translated`), so no
exception of psycopg escapes the store:

* a lock or statement timeout, a serialization failure or a deadlock
  (SQLSTATE ``55P03``, ``57014``, ``40001``, ``40P01``) raises
  :class:`~ippools.store.ports.StoreBusy`: nothing was written, retry;
* anything else the server or the driver refuses (a lost connection, a value
  out of range, text that is not valid Unicode) raises
  :class:`~ippools.store.ports.StoreError`.

PostgreSQL text cannot hold the character U+0000, which is valid Unicode that the
other stores keep as it is. So that every store keeps the same texts, the
connections of the store dump every string through :func:`escape_text` and load
every ``text`` value through :func:`unescape_text`: U+0001 is an escape
character, U+0000 is stored as U+0001 U+0001 and U+0001 as U+0001 U+0002. The
mapping keeps code-point order (a text sorts before another exactly when its
stored form does, under the ``"C"`` collation of every text column), so indexes,
ranges and ``ORDER BY`` answer as on the texts themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import errors
from psycopg.types.string import StrDumperUnknown, TextLoader

from ippools.store.ports import StoreBusy, StoreError
from ippools.store.sql_driver import Statements, translating, value_error
from ippools.store.sql_storage import SQL_INT_MAX

__all__ = [
    "DRIVER_ERRORS",
    "Sql",
    "escape_text",
    "register_text",
    "store_error",
    "translated",
    "unescape_text",
]

_BUSY = (
    errors.LockNotAvailable,
    errors.QueryCanceled,
    errors.SerializationFailure,
    errors.DeadlockDetected,
)

# What the driver raises for what it cannot do: its own errors, and the errors of
# encoding a value (text with a lone surrogate) or of an integer it cannot send.
DRIVER_ERRORS = (psycopg.Error, UnicodeError, OverflowError)


def escape_text(text: str) -> str:
    """``text`` as stored: U+0001 becomes U+0001 U+0002, then U+0000 becomes U+0001 U+0001."""
    if "\x00" in text or "\x01" in text:
        return text.replace("\x01", "\x01\x02").replace("\x00", "\x01\x01")
    return text


def unescape_text(stored: str) -> str:
    """The text that :func:`escape_text` stored as ``stored``."""
    if "\x01" in stored:
        return stored.replace("\x01\x01", "\x00").replace("\x01\x02", "\x01")
    return stored


class _EscapingDumper(StrDumperUnknown):
    def dump(self, obj: str) -> bytes:
        dumped = super().dump(escape_text(obj))
        return b"" if dumped is None else bytes(dumped)


class _UnescapingLoader(TextLoader):
    def load(self, data: Any) -> str:
        return unescape_text(str(super().load(data)))


def register_text(conn: psycopg.Connection[Any]) -> None:
    """Make ``conn`` store and load text as described in the module documentation."""
    conn.adapters.register_dumper(str, _EscapingDumper)
    conn.adapters.register_loader("text", _UnescapingLoader)


def store_error(where: str, error: Exception) -> StoreError | StoreBusy:
    """The library's error for ``error``, raised by the driver on the store ``where``."""
    if isinstance(error, _BUSY):
        return StoreBusy(f"{where} is busy: {_first_line(error)}")
    if isinstance(error, psycopg.Error):
        return StoreError(f"{where}: {_first_line(error)}")
    return value_error(where, error)


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def translated(where: str) -> AbstractContextManager[None]:
    """Raise the library's error instead of any driver error raised in the block."""
    return translating(where, DRIVER_ERRORS, store_error)


@lru_cache(maxsize=256)
def _placeholders(sql: str) -> str:
    """``sql`` with psycopg's ``%s`` for each ``?`` (no statement holds a literal ``?``)."""
    return sql.replace("?", "%s")


class Sql(Statements):
    """Runs statements on ``connection()``, translating driver errors for the store ``where``.

    A statement takes ``?`` placeholders, the style of the statements shared with
    the SQLite store (:mod:`ippools.store.sql_storage`); each text is translated
    to psycopg's ``%s`` once.
    """

    errors = DRIVER_ERRORS
    store_error = staticmethod(store_error)
    text = staticmethod(_placeholders)

    def __init__(self, connection: Callable[[], psycopg.Connection[Any]], where: str) -> None:
        super().__init__(connection, where)

    @staticmethod
    def limit(limit: int | None) -> int | None:
        """``limit`` for a ``LIMIT`` clause: None (no limit) for None or beyond a ``bigint``."""
        return None if limit is None or limit > SQL_INT_MAX else limit
