"""docs/testing.md: every example runs as written.

Blocks after ``<!-- run: exec -->`` run in order in one namespace; blocks after
``<!-- run: pytest -->`` are written as a test module and run by pytest, which must
pass them all. Every Python block of the page is one or the other.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from ippools.store.contract import CHECKS

DOC = Path(__file__).resolve().parent.parent / "docs" / "testing.md"


def _blocks(kind: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    return re.findall(rf"<!-- run: {kind} -->\n```python\n(.*?)```", text, flags=re.S)


def test_every_python_block_of_the_page_is_run() -> None:
    """No example escapes: each Python block is marked to run one way or the other."""
    text = DOC.read_text(encoding="utf-8")
    every = re.findall(r"```python\n", text)
    assert len(_blocks("exec")) == 5
    assert len(_blocks("pytest")) == 1
    assert len(every) == len(_blocks("exec")) + len(_blocks("pytest"))


def test_the_examples_run_in_order() -> None:
    """Strategies, invariant checks, the machine on SQLite stores, the contract, from_type."""
    namespace: dict[str, object] = {"__name__": "testing_doc"}
    for block in _blocks("exec"):
        exec(compile(block, str(DOC), "exec"), namespace)
    assert "test_from_type" in namespace


def test_the_plugin_example_passes_under_pytest(tmp_path: Path) -> None:
    """The test module of the plugin section: the contract, one test per check, and the
    fixtures all pass on the SQLite store."""
    (module,) = _blocks("pytest")
    (tmp_path / "test_my_store.py").write_text(module, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(CHECKS) + 1} passed" in done.stdout
