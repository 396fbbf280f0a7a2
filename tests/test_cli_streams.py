"""``ippools`` with standard streams that fail: a closed pipe, a full disk, closed streams, and
usage errors; each run as a real process, since only a real process shows what the interpreter
prints when it exits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ippools.cli import EXIT_INVALID, EXIT_OK, EXIT_OUTPUT, main

ROOT = Path(__file__).resolve().parent.parent
IPPOOLS = [sys.executable, "-m", "ippools"]
FULL = "ippools: cannot write to standard output: No space left on device\n"
CLOSED = "ippools: cannot write to standard output: it is closed\n"


def ippools(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run ``python -m ippools`` with ``args``; standard error is captured as text."""
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [*IPPOOLS, *args], stderr=subprocess.PIPE, text=True, check=False, cwd=ROOT, **kwargs
    )


def with_closed(streams: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``ippools`` with some standard streams closed (``streams`` holds ``<``, ``1``
    or ``2``), capturing the others."""
    closing = " ".join({"<": "<&-", "1": ">&-", "2": "2>&-"}[s] for s in streams)
    return subprocess.run(
        ["sh", "-c", f'exec "$@" {closing}', "sh", *IPPOOLS, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def big_scenario(tmp_path: Path) -> Path:
    """A valid scenario whose replay output is far larger than a pipe's buffer."""
    accounts = [{"id": f"acct-{n:05d}"} for n in range(4000)]
    path = tmp_path / "big.json"
    path.write_text(
        json.dumps({"format": "ippools-scenario/1", "world": {"accounts": accounts}, "steps": []}),
        encoding="utf-8",
    )
    return path


# -- output that cannot be written --------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["replay", "--example", "quickstart"],
        ["replay", "--list-examples"],
        ["--help"],
        ["replay", "--help"],
    ],
)
def test_a_closed_pipe_ends_quietly(args: list[str]) -> None:
    """A reader that closed its end of the pipe: exit 4 and nothing at all on standard error
    (no traceback, no "Exception ignored" from the interpreter's last flush)."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = ippools(*args, stdout=write)
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (EXIT_OUTPUT, "")


@pytest.mark.parametrize("unbuffered", [False, True])
def test_head_reading_ten_bytes_ends_the_replay_quietly(tmp_path: Path, unbuffered: bool) -> None:
    """``ippools replay f.json | head -c 10``: head gets its ten bytes, the replay ends with
    exit 4 and says nothing, also when Python runs unbuffered (``PYTHONUNBUFFERED``), where
    a short write would otherwise drop the rest of the output unseen."""
    path = big_scenario(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    replay = subprocess.Popen(
        [*IPPOOLS, "replay", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    assert replay.stdout is not None
    assert replay.stderr is not None
    head = subprocess.run(["head", "-c", "10"], stdin=replay.stdout, capture_output=True)
    replay.stdout.close()
    error = replay.stderr.read()
    replay.stderr.close()
    assert (replay.wait(), error) == (EXIT_OUTPUT, b"")
    assert head.stdout == b'{\n  "forma'


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args", [["replay", "--example", "quickstart"], ["replay", "--list-examples"], ["--help"]]
)
def test_a_full_disk_is_one_line_and_exit_4(args: list[str]) -> None:
    """Output to a full disk: exit 4 and one line naming the cause, not an internal error."""
    with open("/dev/full", "w") as full:
        done = ippools(*args, stdout=full)
    assert (done.returncode, done.stderr) == (EXIT_OUTPUT, FULL)


@pytest.mark.parametrize("args", [["replay", "--example", "quickstart"], ["--help"]])
def test_a_closed_standard_output_is_one_line_and_exit_4(args: list[str]) -> None:
    """Standard output closed before the run: exit 4, one line saying so."""
    done = with_closed("1", *args)
    assert (done.returncode, done.stderr) == (EXIT_OUTPUT, CLOSED)


def test_a_closed_standard_error_keeps_the_exit_status() -> None:
    """Standard error closed: the messages are lost, but the status still tells what happened
    (2 for a missing file, 0 for a good replay, 4 when standard output is closed too)."""
    assert with_closed("2", "replay", "no-such-file.json").returncode == EXIT_INVALID
    good = with_closed("2", "replay", "--example", "quickstart")
    assert (good.returncode, json.loads(good.stdout)["pending"]) == (EXIT_OK, 0)
    assert with_closed("12", "replay", "--example", "quickstart").returncode == EXIT_OUTPUT


def test_a_closed_standard_input_is_an_unreadable_scenario() -> None:
    """``ippools replay -`` with standard input closed: exit 2, one line."""
    done = with_closed("<", "replay", "-")
    assert (done.returncode, done.stdout) == (EXIT_INVALID, "")
    assert done.stderr == "ippools: <stdin>: cannot read: standard input is closed\n"


def test_help_documents_exit_status_4(capsys: pytest.CaptureFixture[str]) -> None:
    """--help lists status 4 and how a closed pipe ends."""
    assert main(["replay", "--help"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "  4  the output could not be written (a full disk, a closed standard output):" in out
    assert "stops reading (| head), the command ends quietly" in out


# -- usage errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "line"),
    [
        ([], "ippools: the following arguments are required: COMMAND (see ippools --help)"),
        (
            ["replay"],
            "ippools replay: one of the arguments FILE --example --list-examples is required "
            "(see ippools replay --help)",
        ),
        (
            ["replay", "a.json", "b.json"],
            "ippools: unrecognized arguments: b.json (see ippools --help)",
        ),
        (
            ["replay", "--db"],
            "ippools replay: argument --db: expected one argument (see ippools replay --help)",
        ),
    ],
)
def test_a_usage_error_is_one_line_and_exit_2(args: list[str], line: str) -> None:
    """As --help promises: a wrong command line gives exactly one line on standard error,
    nothing on standard output, exit 2."""
    done = ippools(*args, stdout=subprocess.PIPE)
    assert (done.returncode, done.stdout, done.stderr) == (EXIT_INVALID, "", line + "\n")
