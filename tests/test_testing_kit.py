"""The testing kit as its users meet it: the extra, from_type, the pytest plugin, resources,
and the planted bugs the default machine must find."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

from ippools import Account, Actor, DedicatedIp, Domain, Pool, World
from ippools.store import MemoryStore, SqliteStore
from ippools.store.contract import CHECKS
from ippools.testing import check_invariants, make_machine
from ippools.testing.machine import MACHINE_SETTINGS
from ippools.testing.strategies import COMMAND_TYPES
from ippools.world import world_problems
from tests.benchmarks.planted import PLANTED

BLOCK_HYPOTHESIS = "import sys; sys.modules['hypothesis'] = None; "
"""Run first in a subprocess: every later ``import hypothesis`` raises ImportError."""


def _python(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=cwd
    )


def test_import_without_hypothesis_names_the_extra_to_install() -> None:
    """`import ippools.testing` without Hypothesis raises ImportError saying which extra."""
    done = _python(BLOCK_HYPOTHESIS + "import ippools.testing")
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last == (
        'ImportError: ippools.testing needs Hypothesis, the "testing" extra: '
        'pip install "ippools[testing]"'
    )


def test_the_core_and_the_pytest_plugin_import_without_hypothesis() -> None:
    """Without the extra the library works and the pytest plugin gives nothing."""
    done = _python(
        BLOCK_HYPOTHESIS + "import ippools, ippools.pytest_plugin as p; "
        "print(p.ENABLED, hasattr(p, 'ippools_memory_store'), p.__all__)"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "['ENABLED']"]


def test_entry_points_are_declared() -> None:
    """Hypothesis finds the setup hook, pytest the plugin, through the installed metadata."""
    hooks = {ep.name: ep.value for ep in metadata.entry_points(group="hypothesis")}
    plugins = {ep.name: ep.value for ep in metadata.entry_points(group="pytest11")}
    assert hooks["ippools"] == "ippools.testing.register:_hypothesis_setup_hook"
    assert plugins["ippools"] == "ippools.pytest_plugin"


def test_from_type_resolves_through_the_entry_point_alone() -> None:
    """A fresh interpreter that imports only Hypothesis and the models draws valid worlds
    and pools with st.from_type: the entry point registered the strategies."""
    done = _python(
        "from hypothesis import strategies as st\n"
        "from ippools.model import Pool\nfrom ippools.world import World, world_problems\n"
        "w = st.from_type(World).example(); p = st.from_type(Pool).example()\n"
        "print(world_problems(w), len(p.pool_id), p.pool_id[0] * 24 == p.pool_id)"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "24", "True"]


RECORD_TYPES: list[type[Any]] = [World, Account, DedicatedIp, Domain, Pool, Actor]


@pytest.mark.parametrize("kind", RECORD_TYPES + list(COMMAND_TYPES), ids=lambda k: k.__name__)
def test_from_type_draws_each_type_from_the_kit(kind: type[Any]) -> None:
    """st.from_type of every model type and command type draws instances of that type, the
    records taken from valid generated worlds (pool ids as worlds give them)."""
    drawn: list[Any] = []

    @settings(max_examples=10, database=None, suppress_health_check=list(HealthCheck))
    @given(st.from_type(kind))
    def draw(value: Any) -> None:
        assert type(value) is kind
        drawn.append(value)

    draw()
    assert drawn
    for value in drawn:
        if isinstance(value, World):
            assert world_problems(value) == []
        if isinstance(value, Pool):
            assert value.pool_id[0] * 24 == value.pool_id  # aaaa..., bbbb...: a world's ids
        if isinstance(value, Domain):
            assert value.id.startswith("dom-")


def test_plugin_fixtures_give_fresh_stores(
    ippools_memory_store: MemoryStore, ippools_sqlite_store: SqliteStore, tmp_path: Path
) -> None:
    """The plugin's fixtures: an in-memory store and a SQLite store under tmp_path, both
    holding the (empty) world, nothing pending."""
    for store in (ippools_memory_store, ippools_sqlite_store):
        assert store.world() == World()
        assert store.pending_count == 0
    assert (tmp_path / "ippools.db").exists()


USER_TESTS = '''
import pytest
from ippools.store import MemoryStore
from ippools.pytest_plugin import test_ippools_store_contract

class Forgetful(MemoryStore):
    """Loses the pending updates of every commit."""
    def commit(self, changes, expected=None):
        from ippools import Changes
        super().commit(Changes(pools=changes.pools, domains=changes.domains), expected)

@pytest.fixture
def ippools_store_factory():
    return lambda world, clock: {store}(world, clock=clock)
'''


def test_contract_suite_runs_on_a_users_adapter(tmp_path: Path) -> None:
    """A user's test module that imports the contract test and overrides the factory
    fixture gets one test per check: all pass on a correct store, and a store that loses
    pending updates fails, named by check. Without the override, each says what to do."""
    (tmp_path / "test_good.py").write_text(USER_TESTS.format(store="MemoryStore"))
    (tmp_path / "test_bad.py").write_text(USER_TESTS.format(store="Forgetful"))
    (tmp_path / "test_none.py").write_text(
        "from ippools.pytest_plugin import test_ippools_store_contract\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    out = done.stdout
    assert done.returncode == 1, out
    checks = len(CHECKS)
    assert "test_good.py" not in out
    assert "FAILED test_bad.py::test_ippools_store_contract[check_commit_round_trips]" in out
    assert "define that fixture, returning (world, clock) -> Store" in out
    assert out.count("ERROR test_none.py::") == checks
    assert f"{checks} errors" in out


class _Connections:
    """Wraps sqlite3.connect in the SQLite store's module and keeps every connection."""

    def __init__(self) -> None:
        self.made: list[sqlite3.Connection] = []
        self._connect: Callable[..., sqlite3.Connection] = sqlite3.connect

    def __call__(self, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = self._connect(*args, **kwargs)
        self.made.append(connection)
        return connection

    def left_open(self) -> list[sqlite3.Connection]:
        still: list[sqlite3.Connection] = []
        for connection in self.made:
            try:
                connection.execute("SELECT 1")
            except sqlite3.ProgrammingError:  # "Cannot operate on a closed database."
                continue
            still.append(connection)
        return still


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Connections]:
    tracked = _Connections()
    monkeypatch.setattr(sqlite3, "connect", tracked)
    yield tracked
    for connection in tracked.left_open():
        connection.close()


def _sqlite_factory(directory: Path, store: type[SqliteStore] = SqliteStore) -> Any:
    made = iter(range(10**6))
    return lambda world: store(directory / f"run-{next(made)}.db", world)


def test_the_machine_closes_every_store_it_opens(connections: _Connections, tmp_path: Path) -> None:
    """Every run of the machine on SQLite stores closes its store: no connection is left
    open (checked on each connection, so it holds on Pythons that do not warn)."""
    machine = make_machine(_sqlite_factory(tmp_path))
    run_state_machine_as_test(
        machine, settings=settings(MACHINE_SETTINGS, max_examples=8, database=None)
    )
    runs = len(list(tmp_path.glob("run-*.db")))
    assert runs >= 8
    assert len(connections.made) >= runs
    assert connections.left_open() == []


class _Misreporting(SqliteStore):
    """Reports an empty stored world: every run fails at its first check."""

    def world(self) -> World:
        return World()


def test_a_failing_run_closes_its_store_too(connections: _Connections, tmp_path: Path) -> None:
    """A run that fails (and every shrinking rerun) still closes its store."""
    machine = make_machine(_sqlite_factory(tmp_path, _Misreporting))
    with pytest.raises(AssertionError, match="stored world at the start: worlds differ"):
        run_state_machine_as_test(
            machine, settings=settings(MACHINE_SETTINGS, max_examples=20, database=None)
        )
    assert connections.made
    assert connections.left_open() == []


# The seeds are fixed so the test is reproducible; the benchmark runs more of them.
@pytest.mark.parametrize("bug", sorted(PLANTED))
def test_the_default_machine_finds_each_planted_bug(bug: str) -> None:
    """No blind spots: with its default settings (generation only, no shrinking here),
    the machine finds each planted bug: a wrong D4 choice, a dropped pending update, a
    stale read after a partial settle, a lost delegation."""
    machine = seed(11)(make_machine(PLANTED[bug]))
    generate = tuple(p for p in MACHINE_SETTINGS.phases if p is not Phase.shrink)
    with pytest.raises(AssertionError):
        run_state_machine_as_test(
            machine, settings=settings(MACHINE_SETTINGS, database=None, phases=generate)
        )


def test_planted_stores_are_correct_without_their_bug_trigger() -> None:
    """Each planted store holds and reports a settled world like the reference (the bug is
    in what it does later, not in how it starts)."""
    world = World([Account("acct-1")])
    for factory in PLANTED.values():
        store = factory(world)
        assert store.world() == world
        assert check_invariants(store.effective_world()) == []
