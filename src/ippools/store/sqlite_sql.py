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
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ippools.store.ports import StoreBusy, StoreError
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
    if isinstance(error, UnicodeError):
        return StoreError(f"{where}: cannot store text that is not valid Unicode: {error}")
    return StoreError(f"{where}: cannot store a value: {error}")


@contextmanager
def translated(where: str) -> Iterator[None]:
    """Raise the library's error instead of any driver error raised in the block."""
    try:
        yield
    except DRIVER_ERRORS as error:
        raise store_error(where, error) from error


class Sql:
    """Runs statements on ``connection()``, translating driver errors for the store ``where``."""

    def __init__(self, connection: Callable[[], sqlite3.Connection], where: str) -> None:
        self.connection = connection
        self.where = where

    def one(self, sql: str, *args: Any) -> Any:
        """The first row of ``sql``, or None."""
        try:
            return self.connection().execute(sql, args).fetchone()
        except DRIVER_ERRORS as error:
            raise store_error(self.where, error) from error

    def all(self, sql: str, *args: Any) -> list[Any]:
        """Every row of ``sql``."""
        try:
            return self.connection().execute(sql, args).fetchall()
        except DRIVER_ERRORS as error:
            raise store_error(self.where, error) from error

    def run(self, sql: str, *args: Any) -> None:
        """Run one statement that returns no row."""
        try:
            self.connection().execute(sql, args)
        except DRIVER_ERRORS as error:
            raise store_error(self.where, error) from error

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run ``sql`` once per row; return how many rows it changed in all."""
        try:
            return self.connection().executemany(sql, rows).rowcount
        except DRIVER_ERRORS as error:
            raise store_error(self.where, error) from error

    @staticmethod
    def limit(limit: int | None) -> int:
        """``limit`` for a ``LIMIT`` clause: -1 (no limit) for None or beyond what SQLite stores."""
        return -1 if limit is None or limit > SQL_INT_MAX else limit
