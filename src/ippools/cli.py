"""The ``ippools`` command line: ``ippools replay`` runs a conformance scenario (§7).

``main`` never lets an exception escape: a scenario that cannot be read or is
not valid gives one line on standard error and exit status 2; anything
unexpected gives one line and exit status 3.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Iterator
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from typing import Final, TextIO

from ippools.documents import Scenario, dump_json, load_scenario, parse_json, unstructure
from ippools.errors import DocumentError
from ippools.replay import ReplayResult, replay
from ippools.store import StoreError, open_sqlite

__all__ = ["EXIT_DIFFERENT", "EXIT_INTERNAL", "EXIT_INVALID", "EXIT_OK", "example_names", "main"]

EXIT_OK: Final = 0
EXIT_DIFFERENT: Final = 1
EXIT_INVALID: Final = 2
EXIT_INTERNAL: Final = 3

_EXIT_STATUS = """\
exit status:
  0  every step ran and every expectation held
  1  an expectation failed: the replay output is still printed on standard
     output, the differences go to standard error
  2  the file is missing, not JSON, truncated or not a valid scenario, or the
     command line is wrong: one line on standard error, nothing on standard output
  3  internal error (a bug in ippools): one line on standard error
"""


class _Unreadable(Exception):
    """The scenario could not be read or is not valid; the message says why."""


def _examples() -> Traversable:
    return resources.files("ippools").joinpath("scenarios")


def example_names() -> list[str]:
    """The names of the scenarios shipped with the package, sorted."""
    return sorted(
        entry.name.removesuffix(".json")
        for entry in _examples().iterdir()
        if entry.is_file() and entry.name.endswith(".json")
    )


def _version() -> str:
    """The version of the installed ippools distribution ("unknown" when it is not installed)."""
    try:
        return metadata.version("ippools")
    except metadata.PackageNotFoundError:
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ippools",
        description="Reference implementation of dedicated IP pool (DIPP) management.",
        epilog=_EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ippools {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "replay",
        help="replay a conformance scenario and print the replay output",
        description=(
            "Replay a scenario (format ippools-scenario/1) against the reference engine and "
            "print the replay output (format ippools-replay/1) as canonical JSON."
        ),
        epilog=_EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = run.add_mutually_exclusive_group(required=True)
    source.add_argument("file", nargs="?", metavar="FILE", help="the scenario file; - for stdin")
    source.add_argument(
        "--example", metavar="NAME", help="replay a scenario shipped with the package"
    )
    source.add_argument(
        "--list-examples", action="store_true", help="list the shipped scenarios and exit"
    )
    run.add_argument(
        "--db",
        metavar="FILE",
        help=(
            "run on the SQLite store in FILE, a new file (or :memory:) that the replay "
            "creates; without it the replay runs in memory"
        ),
    )
    return parser


def _read(args: argparse.Namespace) -> tuple[str, str]:
    """The name to show and the text of the scenario the arguments name."""
    if args.example is not None:
        label = f"example {args.example!r}"
        if args.example not in example_names():
            raise _Unreadable(f"{label}: no such example (see ippools replay --list-examples)")
        data = _examples().joinpath(f"{args.example}.json").read_bytes()
    elif args.file == "-":
        label = "<stdin>"
        stream = sys.stdin
        data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read().encode()
    else:
        label = args.file
        try:
            with open(args.file, "rb") as handle:
                data = handle.read()
        except OSError as error:
            raise _Unreadable(f"{label}: cannot read: {error.strerror or error}") from None
    try:
        return label, data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _Unreadable(f"{label}: not UTF-8 text (byte {error.start})") from None


def _replay(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.list_examples:
        for name in example_names():
            out.write(f"{name}\n")
        return EXIT_OK
    try:
        label, text = _read(args)
        try:
            with _no_cycle_collection():
                scenario = load_scenario(parse_json(text))
        except DocumentError as error:
            raise _Unreadable(f"{label}: {error}") from None
    except _Unreadable as error:
        err.write(f"ippools: {_one_line(str(error))}\n")
        return EXIT_INVALID
    if args.db is None:
        result = replay(scenario)
    else:
        try:
            result = _replay_on_sqlite(scenario, args.db)
        except _Unreadable as error:
            err.write(f"ippools: {_one_line(str(error))}\n")
            return EXIT_INVALID
    with _no_cycle_collection():
        out.write(dump_json(unstructure(result.output)))
    for difference in result.differences:
        err.write(f"ippools: {label}: {_one_line(str(difference))}\n")
    return EXIT_OK if result.ok else EXIT_DIFFERENT


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector around bulk work that makes no reference cycles.

    Reading a large scenario or writing its output allocates hundreds of
    thousands of containers, and each collection that this triggers walks all of
    them again, for nothing: none of them is garbage yet.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _replay_on_sqlite(scenario: Scenario, path: str) -> ReplayResult:
    """Replay on a new SQLite store at ``path``; an existing database is never touched."""
    if path != ":memory:" and os.path.exists(path) and os.path.getsize(path) > 0:
        raise _Unreadable(f"{path}: already exists; --db takes a new database file")
    try:
        with open_sqlite(path, scenario.world) as store:
            return replay(scenario, store)
    except StoreError as error:
        raise _Unreadable(f"{path}: {error}") from None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    try:
        args = _parser().parse_args(argv)
        return _replay(args, sys.stdout, sys.stderr)
    except SystemExit as done:  # argparse: --help (0) or a usage error (2)
        return done.code if isinstance(done.code, int) else EXIT_INVALID
    except Exception as error:
        message = _one_line(f"{type(error).__name__}: {error}")
        sys.stderr.write(f"ippools: internal error: {message}\n")
        return EXIT_INTERNAL
