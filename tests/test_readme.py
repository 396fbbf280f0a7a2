"""The README's commands and example are the ones that work."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_embedding_example_runs() -> None:
    """The embedding example decides, stores and processes exactly as its asserts say."""
    blocks = _python_blocks()
    assert len(blocks) == 1
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], str(README), "exec"), namespace)
    assert namespace["outcome"].__class__.__name__ == "Accepted"


def test_readme_gives_exactly_two_commands() -> None:
    """One command runs the main job, one the test suite; .ci/run takes the latter from here."""
    text = README.read_text(encoding="utf-8")
    commands = re.findall(r"```\n(python -m .*?)\n```", text)
    assert commands == [
        "python -m pip install . && python -m ippools replay --example quickstart --db :memory:",
        'python -m pip install -U "pip>=25.1" && python -m pip install -e . --group dev'
        " && python -m pytest",
    ]
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "README.md" in ci
