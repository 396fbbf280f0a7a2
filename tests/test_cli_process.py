"""What the command line tells about itself (``--version``) and leaves of its process."""

from __future__ import annotations

import gc
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from ippools.cli import main
from ippools.documents import dump_json, load_scenario
from ippools.replay import replay

EXAMPLES = Path(__file__).resolve().parent.parent / "src" / "ippools" / "scenarios"


def test_version_names_the_installed_distribution(capsys: pytest.CaptureFixture[str]) -> None:
    """`ippools --version` prints the version of the installed package and exits 0."""
    assert main(["--version"]) == 0
    out, err = capsys.readouterr()
    assert (out, err) == (f"ippools {metadata.version('ippools')}\n", "")


def test_version_of_python_m_ippools_is_the_same() -> None:
    """`python -m ippools --version` is the same command line in a new process."""
    done = subprocess.run(
        [sys.executable, "-m", "ippools", "--version"], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        f"ippools {metadata.version('ippools')}\n",
        "",
    )


def test_version_of_a_copy_that_is_not_installed_is_unknown(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from a source tree that pip never installed, the version says so."""

    def not_installed(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == "ippools unknown\n"


@pytest.mark.parametrize("enabled", [True, False], ids=["collector-on", "collector-off"])
def test_replay_pauses_the_collector_only_to_read_and_write_documents(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    """Loading and writing run without cycle collection; the replay and the caller keep theirs."""
    seen: dict[str, bool] = {}

    def spy(name: str, run: Any) -> Any:
        def spied(*args: Any) -> Any:
            seen[name] = gc.isenabled()
            return run(*args)

        return spied

    monkeypatch.setattr("ippools.cli.load_scenario", spy("load", load_scenario))
    monkeypatch.setattr("ippools.cli.replay", spy("replay", replay))
    monkeypatch.setattr("ippools.cli.dump_json", spy("dump", dump_json))
    (gc.enable if enabled else gc.disable)()
    try:
        code = main(["replay", str(EXAMPLES / "quickstart.json")])
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
    assert code == 0
    assert seen == {"load": False, "replay": enabled, "dump": False}
    assert capsys.readouterr().err == ""
