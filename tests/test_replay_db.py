"""``ippools replay --db``: the SQLite store answers every scenario exactly as memory does."""

from __future__ import annotations

from pathlib import Path

import pytest

from ippools.cli import main
from ippools.documents import dump_json, load_scenario, parse_json, unstructure
from ippools.replay import replay
from ippools.store import open_sqlite

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "src" / "ippools" / "scenarios").glob("*.json"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_sqlite_replay_output_equals_the_in_memory_output(path: Path, tmp_path: Path) -> None:
    """Every scenario replays on SQLite to exactly the in-memory output, byte for byte."""
    scenario = load_scenario(parse_json(path.read_text(encoding="utf-8")))
    in_memory = replay(scenario)
    with open_sqlite(tmp_path / "replay.db", scenario.world) as store:
        on_sqlite = replay(scenario, store)
    assert dump_json(unstructure(on_sqlite.output)) == dump_json(unstructure(in_memory.output))
    assert on_sqlite.differences == in_memory.differences == ()


def test_cli_db_option_prints_the_same_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--db FILE`` and ``--db :memory:`` print what the in-memory replay prints, exit 0."""
    assert main(["replay", "--example", "quickstart"]) == 0
    expected = capsys.readouterr().out
    assert main(["replay", "--example", "quickstart", "--db", str(tmp_path / "q.db")]) == 0
    assert capsys.readouterr().out == expected
    assert main(["replay", "--example", "quickstart", "--db", ":memory:"]) == 0
    assert capsys.readouterr().out == expected


def test_cli_db_refuses_an_existing_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An existing database file is never replayed onto nor changed: exit 2, one line."""
    db = tmp_path / "q.db"
    assert main(["replay", "--example", "quickstart", "--db", str(db)]) == 0
    capsys.readouterr()
    before = db.read_bytes()
    assert main(["replay", "--example", "quickstart", "--db", str(db)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"ippools: {db}: already exists; --db takes a new database file\n"
    assert db.read_bytes() == before


def test_cli_db_that_cannot_be_opened_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database path in a missing folder gives exit 2 and one line naming it, no traceback."""
    db = tmp_path / "missing" / "q.db"
    assert main(["replay", "--example", "quickstart", "--db", str(db)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"ippools: {db}: ")
    assert captured.err.count("\n") == 1
    assert "Traceback" not in captured.err
