"""Statements on a SQLite store's connection, with every driver error translated.

Every statement the SQLite store runs goes through :class:`Sql` (or, for the
statements that begin and end units of work, through :func:`translated`), so no
exception of the driver escapes the store: a busy file raises
:class:`~ippools.store.ports.StoreBusy`, anything else the driver refuses raises
:class:`~ippools.store.ports.StoreError`. That covers every :class:`sqlite3.Error`,
and the errors the driver raises while binding a value: text that is not valid
Unicode (a lone surrogate, :class:`UnicodeEncodeError`) and an integer beyond
SQLite's 64 bits (:class:`OverflowError`).

:class:`Sql` runs each statement on the connection that ``connection`` gives at
that moment: the adapter gives the one of the current thread's unit of work.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager

from ippools.store.ports import StoreBusy, StoreError
from ippools.store.sql_driver import Statements, translating, value_error
from ippools.store.sql_storage import SQL_INT_MAX

__all__ = ["DRIVER_ERRORS", "Sql", "store_error", "translated"]

_BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)

# What the driver raises for what it cannot do: its own errors, and the errors of
# binding a value (text with a lone surrogate, an int beyond 64 bits).
DRIVER_ERRORS = (sqlite3.Error, UnicodeError, OverflowError)


def store_error(where: str, error: Exception) -> StoreError | StoreBusy:
    """The library's error for ``error``, raised by the driver on the store ``where``."""
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in _BUSY_CODES:
            return StoreBusy(f"{where} is busy: {error}")
        return StoreError(f"{where}: {error}")
    return value_error(where, error)


def translated(where: str) -> AbstractContextManager[None]:
    """Raise the library's error instead of any driver error raised in the block."""
    return translating(where, DRIVER_ERRORS, store_error)


class Sql(Statements):
    """Runs statements on ``connection()``, translating driver errors for the store ``where``."""

    errors = DRIVER_ERRORS
    store_error = staticmethod(store_error)

    def __init__(self, connection: Callable[[], sqlite3.Connection], where: str) -> None:
        super().__init__(connection, where)

    @staticmethod
    def limit(limit: int | None) -> int:
        """``limit`` for a ``LIMIT`` clause: -1 (no limit) for None or beyond what SQLite stores."""
        return -1 if limit is None or limit > SQL_INT_MAX else limit
