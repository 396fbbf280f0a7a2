"""Persistence: the ports a host's store offers, two adapters and a service.

* :mod:`ippools.store.ports`: :class:`Store` (effective reads, versioned atomic
  commits with an outbox, serialising transactions) and the errors stores raise;
* :class:`MemoryStore` (in memory) and :class:`SqliteStore` (a SQLite file, the
  embedded default: ``open_sqlite(path, world)``);
* :class:`Service`: decide and commit commands or wire requests, and process
  pending updates, from several workers at once;
* :mod:`ippools.store.contract`: the checks every store must pass, to run on
  your own store.
"""

from ippools.store.memory import MemoryStore
from ippools.store.ports import (
    DEFAULT_LEASE,
    Claim,
    Outbox,
    RecordKey,
    Store,
    StoreBusy,
    StoreError,
)
from ippools.store.service import Service
from ippools.store.sqlite import SqliteStore, open_sqlite

__all__ = [
    "DEFAULT_LEASE",
    "Claim",
    "MemoryStore",
    "Outbox",
    "RecordKey",
    "Service",
    "SqliteStore",
    "Store",
    "StoreBusy",
    "StoreError",
    "open_sqlite",
]
