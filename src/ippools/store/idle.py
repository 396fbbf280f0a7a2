"""The idle connections of a SQL adapter, kept for the next unit of work until the store closes.

A unit of work takes a connection (an idle one, or the adapter opens a new one)
and gives it back when it ends: kept when healthy and the store is open, closed
otherwise. Closing the store closes every idle connection at once; a connection
in use closes when it is given back, and taking one after that raises
:class:`~ippools.store.ports.StoreError`.
"""

from __future__ import annotations

import threading
from typing import Generic, Protocol, TypeVar

from ippools.store.ports import StoreError

__all__ = ["IdleConnections"]


class _Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=_Closable)


class IdleConnections(Generic[C]):
    """The idle connections of the store ``where``, shared by its threads."""

    def __init__(self, where: str) -> None:
        self._where = where
        self._idle: list[C] = []
        self._lock = threading.Lock()
        self._closed = False

    def take(self) -> C | None:
        """An idle connection, or None (the caller opens one); raises once the store is closed."""
        with self._lock:
            if self._closed:
                raise StoreError(f"{self._where} is closed")
            return self._idle.pop() if self._idle else None

    def give_back(self, conn: C, *, healthy: bool = True) -> None:
        """Keep ``conn`` for the next unit of work, or close it if not healthy or closed."""
        with self._lock:
            if healthy and not self._closed:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        """Close every idle connection; those in use close when given back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
