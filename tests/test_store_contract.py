"""The store contract suite, run on both shipped adapters, and the store's argument checks."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ippools import Changes, DomainUpdate, World
from ippools.store import Clock, MemoryStore, SqliteStore, Store
from ippools.store.contract import CHECKS, StoreFactory, run_contract
from ippools.store.contract_data import POOL_A, contract_world
from tests.postgres import URL, drop_schemas, new_schema_name, require_postgres

_files = itertools.count()


def _sqlite_factory(directory: Path) -> StoreFactory:
    def factory(world: World, clock: Clock) -> Store:
        return SqliteStore(directory / f"store-{next(_files)}.db", world, clock=clock)

    return factory


def _memory_factory(directory: Path) -> StoreFactory:
    def factory(world: World, clock: Clock) -> Store:
        return MemoryStore(world, clock=clock)

    return factory


@pytest.fixture
def schemas() -> Iterator[list[str]]:
    """Names of the PostgreSQL schemas a test made; dropped when it ends."""
    made: list[str] = []
    yield made
    if made:
        drop_schemas(made)


def _postgres_factory(made: list[str]) -> StoreFactory:
    require_postgres()
    from ippools.store.postgres import PostgresStore

    def factory(world: World, clock: Clock) -> Store:
        made.append(new_schema_name())
        return PostgresStore(URL, world, schema=made[-1], clock=clock)

    return factory


ADAPTERS: dict[str, Callable[[Path, list[str]], StoreFactory]] = {
    "memory": lambda directory, made: _memory_factory(directory),
    "sqlite": lambda directory, made: _sqlite_factory(directory),
    "postgres": lambda directory, made: _postgres_factory(made),
}


@pytest.mark.parametrize("check", CHECKS, ids=[check.__name__ for check in CHECKS])
@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
def test_store_contract(
    adapter: str, check: Callable[[StoreFactory], None], tmp_path: Path, schemas: list[str]
) -> None:
    """Each store adapter passes each check of the store contract (ports, S1-S5, C4).

    The check's own docstring names what it pins; it raises AssertionError
    naming the read, world or count that differed from MemoryState's.
    """
    check(ADAPTERS[adapter](tmp_path, schemas))


# PostgreSQL runs every check in test_store_contract already, each on its own schemas; a
# second full pass would double the time the suite spends on the server.
@pytest.mark.parametrize("adapter", ["memory", "sqlite"])
def test_run_contract_passes_on_each_adapter(
    adapter: str, tmp_path: Path, schemas: list[str]
) -> None:
    """run_contract, the entry point users run on their own store, passes on each adapter
    and builds the stores it needs through the factory."""
    made: list[Store] = []
    factory = ADAPTERS[adapter](tmp_path, schemas)

    def counting(world: World, clock: Clock) -> Store:
        made.append(factory(world, clock))
        return made[-1]

    run_contract(counting)
    assert len(made) == 20


def test_run_contract_names_the_check_that_failed() -> None:
    """A store that loses pending updates fails run_contract with the first check it breaks
    named in the message."""

    class Forgetful(MemoryStore):
        def commit(self, changes: Changes, expected: Any = None) -> None:
            super().commit(Changes(pools=changes.pools, domains=changes.domains), expected)

    with pytest.raises(AssertionError) as caught:
        run_contract(lambda world, clock: Forgetful(world, clock=clock))
    assert str(caught.value).startswith("check_commit_round_trips: pending updates after a commit")


@pytest.fixture(params=sorted(ADAPTERS))
def store(request: pytest.FixtureRequest, tmp_path: Path, schemas: list[str]) -> Iterator[Store]:
    """A store of each adapter over the contract world, with one pending update."""
    opened = ADAPTERS[request.param](tmp_path, schemas)(contract_world(), lambda: 0.0)
    opened.commit(Changes(pending=(DomainUpdate("d-a1"),)))
    yield opened
    opened.close()


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda s: s.process("x"), TypeError, "limit must be an int or None, got 'x'"),
        (lambda s: s.process(-1), ValueError, "limit must be at least 0, got -1"),
        (lambda s: s.process(True), TypeError, "limit must be an int or None, got True"),
        (lambda s: s.process(1.0), TypeError, "limit must be an int or None, got 1.0"),
        (lambda s: s.claim(None), TypeError, "limit must be an int, got None"),
        (lambda s: s.claim(-2), ValueError, "limit must be at least 0, got -2"),
        (lambda s: s.claim(1, "10"), TypeError, "lease must be a number of seconds, got '10'"),
        (lambda s: s.claim(1, -0.5), ValueError, "lease must be at least 0 seconds, got -0.5"),
        (
            lambda s: s.claim(1, float("nan")),
            ValueError,
            "lease must be at least 0 seconds, got nan",
        ),
        (
            lambda s: s.linked_domains_page(POOL_A, None, None, -1),
            ValueError,
            "limit must be at least 0, got -1",
        ),
        (
            lambda s: s.linked_domains_page(POOL_A, None, None, "2"),
            TypeError,
            "limit must be an int, got '2'",
        ),
    ],
)
def test_bad_counts_and_leases_raise_naming_the_argument_and_change_nothing(
    store: Store, call: Callable[[Any], object], error: type[Exception], message: str
) -> None:
    """process, claim and linked_domains_page refuse a limit or lease of the wrong type or
    below zero with TypeError or ValueError naming it; nothing is processed or leased."""
    with pytest.raises(error) as caught:
        call(store)
    assert str(caught.value) == message
    assert store.pending == (DomainUpdate("d-a1"),)
    assert [claim.update for claim in store.claim(5)] == [DomainUpdate("d-a1")]
