"""``ippools`` with standard streams that fail: a closed pipe, a full disk, closed streams, and
usage errors; each run as a real process, since only a real process shows what the interpreter
prints when it exits."""

from __future__ import annotations

import errno
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

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
            ["replay", "-", "b.json"],
            "ippools replay: - (standard input) is taken only as the one FILE "
            "(see ippools replay --help)",
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


# -- the same, in process, with streams that fail on purpose ------------------------------------


class Failing(io.StringIO):
    """A text stream whose writes (or only its flushes) fail with ``error``; ``fd`` is the
    file descriptor it claims."""

    def __init__(self, error: OSError, *, on_flush: bool = False, fd: int | None = None) -> None:
        super().__init__()
        self.error, self.on_flush, self.fd = error, on_flush, fd

    def write(self, text: str) -> int:
        if not self.on_flush:
            raise self.error
        return super().write(text)

    def flush(self) -> None:
        if self.on_flush:
            raise self.error

    def fileno(self) -> int:
        if self.fd is None:
            raise io.UnsupportedOperation("no file descriptor")
        return self.fd


class Short(io.RawIOBase):
    """A raw stream that takes at most ``step`` bytes per write, then fails once it holds
    ``room`` bytes (a disk that fills up)."""

    def __init__(self, step: int, room: int | None = None) -> None:
        self.data, self.step, self.room = bytearray(), step, room

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if self.room is not None and len(self.data) >= self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        taken = bytes(data[: self.step])
        self.data += taken
        return len(taken)


def text(raw: Short) -> io.TextIOWrapper:
    """An unbuffered text stream over ``raw``, as ``sys.stdout`` is under ``python -u``."""
    return io.TextIOWrapper(cast(Any, raw), encoding="utf-8", write_through=True)


def quickstart_output(capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["replay", "--example", "quickstart"]) == EXIT_OK
    return capsys.readouterr().out


@pytest.mark.parametrize(
    ("stdout", "message"),
    [
        (Failing(BrokenPipeError(errno.EPIPE, "Broken pipe")), ""),
        (Failing(BrokenPipeError(errno.EPIPE, "Broken pipe"), on_flush=True), ""),
        (Failing(OSError(errno.ENOSPC, "No space left on device")), FULL),
        (Failing(OSError(errno.ENOSPC, "No space left on device"), on_flush=True), FULL),
        (Failing(OSError("no reason")), "ippools: cannot write to standard output: no reason\n"),
        (None, CLOSED),
    ],
)
def test_write_failures_in_process(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, stdout: Any, message: str
) -> None:
    """A failed write or flush of standard output is exit 4 with one line, or none for a
    broken pipe; so is a closed standard output."""
    monkeypatch.setattr(sys, "stdout", stdout)
    assert main(["replay", "--example", "quickstart"]) == EXIT_OUTPUT
    assert capsys.readouterr().err == message


def test_a_failed_stream_is_pointed_at_the_null_device(monkeypatch: pytest.MonkeyPatch) -> None:
    """After a failed write, the stream's file descriptor writes to the null device, so that
    the interpreter's last flush cannot fail again."""
    read, write = os.pipe()
    try:
        monkeypatch.setattr(sys, "stdout", Failing(BrokenPipeError(errno.EPIPE, "x"), fd=write))
        assert main(["replay", "--list-examples"]) == EXIT_OUTPUT
        assert os.path.samestat(os.fstat(write), os.stat(os.devnull))
    finally:
        os.close(read)
        os.close(write)


def test_a_failing_standard_error_keeps_the_status(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Standard error that cannot be written (closed or failing) changes no exit status."""
    for stderr in (None, Failing(OSError(errno.EIO, "I/O error"))):
        monkeypatch.setattr(sys, "stderr", stderr)
        assert main(["replay", "no-such-file.json"]) == EXIT_INVALID
        assert main(["replay"]) == EXIT_INVALID
        assert main(["replay", "--example", "quickstart"]) == EXIT_OK
        assert json.loads(capsys.readouterr().out)["pending"] == 0


def test_unbuffered_output_is_written_whole_despite_short_writes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unbuffered standard output (``python -u``) whose raw writes are short still gets the
    whole output, although its text layer alone would drop the rest of each write."""
    expected = quickstart_output(capsys)
    lossy = Short(7)
    text(lossy).write(expected)
    assert len(lossy.data) == 7  # what Python's text layer alone delivers
    raw = Short(7)
    monkeypatch.setattr(sys, "stdout", text(raw))
    assert main(["replay", "--example", "quickstart"]) == EXIT_OK
    assert raw.data.decode() == expected
    full = Short(7, room=70)
    monkeypatch.setattr(sys, "stdout", text(full))
    assert main(["replay", "--example", "quickstart"]) == EXIT_OUTPUT
    assert capsys.readouterr().err == FULL
    assert full.data.decode() == expected[:70]


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (None, "standard input is closed"),
        (Failing(OSError(errno.EIO, "Input/output error")), "Input/output error"),
    ],
)
def test_standard_input_that_cannot_be_read_is_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, stdin: Any, message: str
) -> None:
    """``ippools replay -`` with a closed or failing standard input: exit 2, one line."""
    if stdin is not None:
        monkeypatch.setattr(stdin, "read", lambda: (_ for _ in ()).throw(stdin.error))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["replay", "-"]) == EXIT_INVALID
    assert capsys.readouterr() == ("", f"ippools: <stdin>: cannot read: {message}\n")
