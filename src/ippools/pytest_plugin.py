"""The pytest plugin of ippools: store fixtures and the store contract as a test.

Installed with ippools (entry point ``pytest11``), it is inert unless Hypothesis,
the ``testing`` extra, is importable: then it gives

* ``ippools_world``: the world the store fixtures start from (an empty
  :class:`~ippools.world.World`; override the fixture to start from another);
* ``ippools_memory_store``: a fresh :class:`~ippools.store.MemoryStore` holding it;
* ``ippools_sqlite_store``: a fresh :class:`~ippools.store.SqliteStore` holding it,
  in a file under the test's ``tmp_path``, closed after the test;
* ``ippools_store_factory``: the store factory the contract test checks; override
  it with your own adapter's factory (``(world, clock) -> Store``);
* :func:`test_ippools_store_contract`: every check of
  :data:`ippools.store.contract.CHECKS` as one parametrised test. Import it into a
  test module that overrides ``ippools_store_factory`` and pytest runs it there::

      from ippools.pytest_plugin import test_ippools_store_contract  # noqa: F401

Every name starts with ``ippools_``, so the plugin's fixtures never shadow a
project's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ippools.store import MemoryStore, SqliteStore
from ippools.store.contract import CHECKS, StoreFactory
from ippools.world import World

__all__ = ["ENABLED"]

try:
    import hypothesis  # noqa: F401  (the testing extra)
except ImportError:
    ENABLED = False
else:
    ENABLED = True
"""True when the ``testing`` extra is installed: only then does the plugin give anything."""

if ENABLED:
    __all__ += [
        "ippools_memory_store",
        "ippools_sqlite_store",
        "ippools_store_factory",
        "ippools_world",
        "test_ippools_store_contract",
    ]

    @pytest.fixture
    def ippools_world() -> World:
        """The world the store fixtures hold at the start: empty unless overridden."""
        return World()

    @pytest.fixture
    def ippools_memory_store(ippools_world: World) -> Iterator[MemoryStore]:
        """A fresh in-memory store holding ``ippools_world``, closed after the test."""
        store = MemoryStore(ippools_world)
        yield store
        store.close()

    @pytest.fixture
    def ippools_sqlite_store(ippools_world: World, tmp_path: Path) -> Iterator[SqliteStore]:
        """A fresh SQLite store holding ``ippools_world`` under ``tmp_path``, closed after."""
        store = SqliteStore(tmp_path / "ippools.db", ippools_world)
        yield store
        store.close()

    @pytest.fixture
    def ippools_store_factory() -> StoreFactory:
        """The store factory that ``test_ippools_store_contract`` checks: override it."""
        pytest.fail(
            "test_ippools_store_contract checks the store factory of the fixture "
            "ippools_store_factory: define that fixture, returning (world, clock) -> Store"
        )

    @pytest.mark.parametrize("ippools_check", CHECKS, ids=[check.__name__ for check in CHECKS])
    def test_ippools_store_contract(
        ippools_check: Callable[[StoreFactory], None], ippools_store_factory: StoreFactory
    ) -> None:
        """The store from ``ippools_store_factory`` passes one check of the store contract."""
        ippools_check(ippools_store_factory)
