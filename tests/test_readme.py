"""The README's commands and example are the ones that work."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

from tests.serving import Server, client_for

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


def _marked(name: str) -> str:
    """The one command between ``<!-- name -->`` markers."""
    text = README.read_text(encoding="utf-8")
    block = re.search(rf"<!-- {name} -->\n```sh\n(.*?)\n```\n<!-- /{name} -->", text, flags=re.S)
    assert block is not None, name
    return block.group(1)


def test_readme_server_command_and_call_work() -> None:
    """The "Run the reference server" section: its command starts the server (on a free
    port here), and its curl call gets a new DIPP back, run by curl where it is installed
    and, always, as the same request sent by httpx."""
    install, _, run = _marked("serve-command").partition(" && ")
    assert install == 'python -m pip install ".[server]"'
    argv = shlex.split(run)
    assert argv[:4] == ["python", "-m", "ippools", "serve"]
    call = _marked("serve-call")
    assert "http://127.0.0.1:8080/" in call
    outputs = []
    with Server(*argv[4:]) as server, client_for(server.url) as control:
        command = shlex.split(call.replace("http://127.0.0.1:8080", server.url))
        start = control.get("/_ippools/world").json()["world"]
        outputs.append(_as_httpx(command))
        if shutil.which("curl") is not None:
            control.post("/_ippools/reset", json={"world": start}).raise_for_status()
            outputs.append(subprocess.run(command, capture_output=True, text=True).stdout)
    for output in outputs:
        answer = json.loads(output)
        assert set(answer) == {"message", "pool_id"}
        assert answer["message"] == "success"
        assert re.fullmatch(r"[0-9a-f]{24}", answer["pool_id"])


def _as_httpx(command: list[str]) -> str:
    """Send the request of a curl command (``-X``, ``-H``, ``-d``, the URL) with httpx."""
    args = iter(command[1:])
    method, url = "GET", ""
    headers: list[tuple[str, str]] = []
    data: dict[str, str] = {}
    for arg in args:
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            name, _, value = next(args).partition(":")
            headers.append((name, value.strip()))
        elif arg == "-d":
            name, _, value = next(args).partition("=")
            data[name] = value
        elif not arg.startswith("-"):
            url = arg
    with client_for(url) as client:
        return client.request(method, url, headers=headers, data=data).text
