"""The store contract suite, run on both shipped adapters."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from ippools import World
from ippools.store import MemoryStore, SqliteStore, Store
from ippools.store.contract import CHECKS, StoreFactory

_files = itertools.count()


def _sqlite_factory(directory: Path) -> StoreFactory:
    def factory(world: World) -> Store:
        return SqliteStore(directory / f"store-{next(_files)}.db", world)

    return factory


ADAPTERS: dict[str, Callable[[Path], StoreFactory]] = {
    "memory": lambda directory: MemoryStore,
    "sqlite": _sqlite_factory,
}


@pytest.mark.parametrize("check", CHECKS, ids=[check.__name__ for check in CHECKS])
@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
def test_store_contract(
    adapter: str, check: Callable[[StoreFactory], None], tmp_path: Path
) -> None:
    """Each store adapter passes each check of the store contract (ports, S1-S5, C4).

    The check's own docstring names what it pins; it raises AssertionError
    naming the read, world or count that differed from MemoryState's.
    """
    check(ADAPTERS[adapter](tmp_path))
