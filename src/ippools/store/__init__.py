"""Persistence: a store written once over narrow adapters, two adapters, and a service.

* :class:`Store` (:mod:`ippools.store.base`): effective reads, versioned atomic
  commits with an outbox, claims with leases, serialising transactions; written
  once over an :class:`Adapter`;
* :mod:`ippools.store.ports`: what an adapter implements (:class:`Adapter`,
  :class:`OutboxStorage`, the :class:`~ippools.storage.Storage` primitives) and
  the errors stores raise;
* :class:`MemoryStore` (in memory), :class:`SqliteStore` (a SQLite file, the
  embedded default: ``open_sqlite(path, world)``) and the PostgreSQL store
  (:mod:`ippools.store.postgres`, extra ``ippools[postgres]``); :func:`open_store`
  picks SQLite or PostgreSQL from a path or a ``postgresql://`` URL;
* :class:`Service` (from :mod:`ippools.service`): decide and commit commands or
  wire requests, and process pending updates, from several workers at once;
* :mod:`ippools.store.contract`: the checks every store must pass, to run on
  your own adapter.
"""

from ippools.service import Service
from ippools.store.base import Clock, Store
from ippools.store.memory_store import MemoryStore
from ippools.store.opener import open_store
from ippools.store.ports import (
    DEFAULT_LEASE,
    Adapter,
    Claim,
    OutboxStorage,
    RecordKey,
    StoreBusy,
    StoreError,
)
from ippools.store.sqlite import SqliteStore, open_sqlite

__all__ = [
    "DEFAULT_LEASE",
    "Adapter",
    "Claim",
    "Clock",
    "MemoryStore",
    "OutboxStorage",
    "RecordKey",
    "Service",
    "SqliteStore",
    "Store",
    "StoreBusy",
    "StoreError",
    "open_sqlite",
    "open_store",
]
