"""Check many scenarios in one run: ``ippools replay A B C`` and ``ippools conform``.

A batch is a list of :data:`Source` values (a label and how to read the bytes):
the files named on the command line, a directory standing for the ``*.json``
files directly inside it, in name order (:func:`file_sources`), or the corpus
shipped with the package (:func:`shipped_sources`). :func:`run_batch` reads,
loads and checks each with a ``check`` function (the reference engine's
:func:`~ippools.replay.replay`, or :func:`~ippools.conform.conform` against an
implementation over HTTP) and writes one summary line per scenario and a total:

.. code-block:: text

    ok       quickstart
    FAIL     mine.json (2 differences)
    INVALID  broken.json
    3 files: 1 passed, 1 failed, 1 invalid

Each difference goes to the error stream exactly as ``ippools replay FILE``
writes it (``ippools: LABEL: <difference>``), as does the reason a file is
invalid, a control protocol failure, and each step that was not sent. A file
that cannot be read or is not a valid scenario does not stop the batch; any
other exception (:class:`~ippools.conform.Unreachable`) does.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Protocol, TypeAlias

import attrs

from ippools.corpus import corpus_names, read_corpus_file
from ippools.documents import Scenario, load_scenario, parse_json
from ippools.errors import DocumentError
from ippools.replay import ControlError, ReplayResult

__all__ = [
    "Source",
    "Tally",
    "Unreadable",
    "Writer",
    "file_sources",
    "one_line",
    "run_batch",
    "shipped_sources",
]

Source: TypeAlias = tuple[str, Callable[[], bytes]]
"""A scenario of a batch: the label to show, and how to read its bytes (raising
:class:`Unreadable`)."""


class Unreadable(Exception):
    """A scenario cannot be read or is not valid; the message (label first) says why."""


class Writer(Protocol):
    def write(self, text: str, /) -> object: ...


@attrs.frozen
class Tally:
    """How many scenarios of a batch passed, failed and were invalid."""

    passed: int = 0
    failed: int = 0
    invalid: int = 0


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) as one space."""
    return " ".join(text.split())


def _escaped(text: str) -> str:
    """``text`` with what cannot be written as UTF-8 (a lone surrogate) as ``\\udxxx``."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _file(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise Unreadable(f"{path}: cannot read: {error.strerror or error}") from None


def _empty_directory(directory: str) -> bytes:
    raise Unreadable(f"{directory}: a directory without any .json file")


def file_sources(names: Iterable[str]) -> list[Source]:
    """The files named, a directory standing for the ``*.json`` files directly inside it.

    A directory without any is one source, which is invalid.
    """
    found: list[Source] = []
    for name in names:
        if not os.path.isdir(name):
            found.append((name, partial(_file, name)))
            continue
        inside = sorted(p for p in Path(name).iterdir() if p.suffix == ".json" and p.is_file())
        if not inside:
            found.append((name, partial(_empty_directory, name)))
        found += [(str(path), partial(_file, str(path))) for path in inside]
    return found


def shipped_sources() -> list[Source]:
    """The corpus shipped with the package, labelled by name."""
    return [(name, partial(read_corpus_file, name)) for name in corpus_names()]


def _load(label: str, data: bytes) -> Scenario:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Unreadable(f"{label}: not UTF-8 text (byte {error.start})") from None
    enabled = gc.isenabled()
    gc.disable()  # a large document makes many containers and no cycles (as ippools replay)
    try:
        return load_scenario(parse_json(text))
    except DocumentError as error:
        raise Unreadable(f"{label}: {error}") from None
    finally:
        if enabled:
            gc.enable()


def run_batch(
    sources: Iterable[Source],
    check: Callable[[Scenario], ReplayResult],
    out: Writer,
    err: Writer,
) -> Tally:
    """Check every scenario of ``sources``: a summary line each and a total on ``out``.

    Differences and problems go to ``err``. Returns the tally.
    """
    counts = {"ok": 0, "FAIL": 0, "INVALID": 0}
    for label, read in sources:
        verdict, note = _check_one(label, read, check, err)
        counts[verdict] += 1
        out.write(f"{verdict:<8} {label}{note}\n")
    tally = Tally(counts["ok"], counts["FAIL"], counts["INVALID"])
    total = tally.passed + tally.failed + tally.invalid
    out.write(
        f"{total} file{'s' if total != 1 else ''}: {tally.passed} passed, {tally.failed} "
        f"failed, {tally.invalid} invalid\n"
    )
    return tally


def _check_one(
    label: str, read: Callable[[], bytes], check: Callable[[Scenario], ReplayResult], err: Writer
) -> tuple[str, str]:
    """The verdict on one scenario (``ok``, ``FAIL``, ``INVALID``) and a note for its line."""
    try:
        scenario = _load(label, read())
    except Unreadable as error:
        err.write(f"ippools: {one_line(str(error))}\n")
        return "INVALID", ""
    try:
        result = check(scenario)
    except ControlError as error:
        err.write(f"ippools: {label}: {one_line(str(error))}\n")
        return "FAIL", " (the control protocol failed)"
    for difference in result.differences:
        err.write(f"ippools: {label}: {one_line(str(difference))}\n")
    for skipped in result.skipped:
        err.write(f"ippools: {label}: not sent: {_escaped(one_line(skipped))}\n")
    for note in result.notes:
        err.write(f"ippools: {label}: {note}\n")
    notes = []
    if result.differences:
        count = len(result.differences)
        notes.append(f"{count} difference{'s' if count != 1 else ''}")
    if result.skipped:
        count = len(result.skipped)
        notes.append(f"{count} step{'s' if count != 1 else ''} not sent")
    note = f" ({', '.join(notes)})" if notes else ""
    return ("ok" if result.ok else "FAIL"), note
