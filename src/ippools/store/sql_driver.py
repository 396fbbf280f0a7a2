"""Statements on a SQL adapter's connection, with every driver error turned into the library's.

Each SQL adapter subclasses :class:`Statements` with what belongs to its driver:
the exceptions it raises (:attr:`Statements.errors`: its own errors, and those of
binding a value, :class:`UnicodeError` for text that is not valid Unicode and
:class:`OverflowError` for an integer beyond 64 bits), how each becomes the
library's (:meth:`Statements.store_error`: :class:`~ippools.store.ports.StoreBusy`
for a busy store, :class:`~ippools.store.ports.StoreError` for anything else),
the statement text as the driver takes it (:meth:`Statements.text`), and the
value of a ``LIMIT ?`` without limit. So every statement the adapter runs, and
every block in :func:`translating`, raises only the library's errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

from ippools.store.ports import StoreBusy, StoreError

__all__ = ["Statements", "translating", "value_error"]


def value_error(where: str, error: Exception) -> StoreError:
    """The library's error for a value the driver could not bind on the store ``where``."""
    if isinstance(error, UnicodeError):
        return StoreError(f"{where}: cannot store text that is not valid Unicode: {error}")
    return StoreError(f"{where}: cannot store a value: {error}")


@contextmanager
def translating(
    where: str,
    errors: tuple[type[Exception], ...],
    store_error: Callable[[str, Exception], StoreError | StoreBusy],
) -> Iterator[None]:
    """Raise ``store_error(where, error)`` instead of any of ``errors`` raised in the block."""
    try:
        yield
    except errors as error:
        raise store_error(where, error) from error


class Statements:
    """Runs statements on ``connection()``, translating driver errors for the store ``where``."""

    errors: ClassVar[tuple[type[Exception], ...]]
    """What the driver raises for what it cannot do."""

    def __init__(self, connection: Callable[[], Any], where: str) -> None:
        self.connection = connection
        self.where = where

    @staticmethod
    def store_error(where: str, error: Exception) -> StoreError | StoreBusy:
        """The library's error for ``error``, raised by the driver on the store ``where``."""
        raise NotImplementedError

    @staticmethod
    def text(sql: str) -> str:
        """``sql`` as the driver takes it."""
        return sql

    def one(self, sql: str, *args: Any) -> Any:
        """The first row of ``sql``, or None."""
        try:
            return self.connection().execute(self.text(sql), args).fetchone()
        except self.errors as error:
            raise self.store_error(self.where, error) from error

    def all(self, sql: str, *args: Any) -> list[Any]:
        """Every row of ``sql``."""
        try:
            return list(self.connection().execute(self.text(sql), args).fetchall())
        except self.errors as error:
            raise self.store_error(self.where, error) from error

    def run(self, sql: str, *args: Any) -> int:
        """Run one statement; return how many rows it changed (negative if unknown)."""
        try:
            return int(self.connection().execute(self.text(sql), args).rowcount)
        except self.errors as error:
            raise self.store_error(self.where, error) from error

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run ``sql`` once per row; return how many rows it changed in all (0 for no row)."""
        batch = list(rows)
        if not batch:
            return 0
        try:
            cursor = self.connection().cursor()
            try:
                cursor.executemany(self.text(sql), batch)
                return max(int(cursor.rowcount), 0)
            finally:
                cursor.close()
        except self.errors as error:
            raise self.store_error(self.where, error) from error
