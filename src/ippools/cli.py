"""The ``ippools`` command line: ``ippools replay`` runs a conformance scenario (§7), or many
in one run (:mod:`ippools.batch`); ``ippools conform`` runs them against another
implementation over HTTP (:mod:`ippools.conform`); ``ippools corpus`` lists or writes out the
shipped corpus and ``ippools openapi`` prints the OpenAPI document; ``ippools serve`` runs the
reference HTTP server (``ippools[server]``) and ``ippools worker`` processes the pending
updates of a database.

``main`` never lets an exception escape: a wrong command line, or a scenario
that cannot be read or is not valid, gives one line on standard error and exit
status 2; output that cannot be written gives exit status 4, with one line
naming the cause unless the reader of a pipe just stopped reading; anything
unexpected gives one line and exit status 3. A failure to write standard error
itself changes nothing: there is nowhere left to report it.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import os
import sys
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, Final, NoReturn, Protocol, TextIO

from ippools.batch import Source, file_sources, run_batch, shipped_sources
from ippools.batch import one_line as _one_line
from ippools.corpus import corpus_names, read_corpus_file
from ippools.documents import (
    Scenario,
    dump_json,
    load_scenario,
    load_world,
    parse_json,
    unstructure,
)
from ippools.errors import DocumentError, echo
from ippools.replay import ReplayResult, replay
from ippools.worker import DEFAULT_SETTLE_DELAY
from ippools.world import World

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = [
    "EXIT_DIFFERENT",
    "EXIT_INTERNAL",
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_OUTPUT",
    "example_names",
    "main",
]

EXIT_OK: Final = 0
EXIT_DIFFERENT: Final = 1
EXIT_INVALID: Final = 2
EXIT_INTERNAL: Final = 3
EXIT_OUTPUT: Final = 4

_EXIT_STATUS = """\
exit status:
  0  every step ran and every expectation held
  1  an expectation failed: the replay output is still printed on standard
     output, the differences go to standard error
  2  the file is missing, not JSON, truncated or not a valid scenario, or the
     command line is wrong: one line on standard error, nothing on standard output
  3  internal error (a bug in ippools): one line on standard error
  4  the output could not be written (a full disk, a closed standard output):
     one line on standard error naming the cause; when the reader of a pipe
     stops reading (| head), the command ends quietly
"""


_BATCH_REPLAY = """\
several files, or a directory (its *.json files, in name order), run in one process:
one line per scenario (ok, FAIL or INVALID, then its name) and a total on standard
output, each difference on standard error; no replay output. Exit status: 0 every
scenario passed; 1 some failed; 2 some file is invalid (the others still run) or the
command line is wrong; 3 and 4 as above.
"""


class _Unreadable(Exception):
    """The scenario could not be read or is not valid; the message says why."""


class _UsageError(Exception):
    """The command line is wrong; the message is the one line to show."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, as the exit statuses promise.

    argparse prints the usage and then the error (two or three lines); this one
    raises :class:`_UsageError` instead, which :func:`main` shows as one line.
    The subcommands' parsers are of this class too (argparse makes them so).
    """

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{self.prog}: {_one_line(message)} (see {self.prog} --help)")

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        # argparse drops a failed write of --help silently; this one lets main report it.
        if message:
            _Stream(file).write(message)


class _Writer(Protocol):
    def write(self, text: str, /) -> object: ...


class _WriteFailed(Exception):
    """Standard output could not be written: ``error`` is the cause, None when it is closed."""

    def __init__(self, error: OSError | None) -> None:
        super().__init__(error)
        self.error = error


class _Stream:
    """A standard stream that reports a failed write as :class:`_WriteFailed`.

    ``sys.stdout`` or ``sys.stderr`` is None when the stream was closed before
    Python started (``>&-``). When a write or flush fails, the stream's file
    descriptor is pointed at ``os.devnull`` (the advice of Python's notes on
    SIGPIPE), so that the interpreter's last flush of what is still buffered
    neither fails nor prints "Exception ignored". A standard error stream
    (``quiet``) swallows its failures: it is where they would be reported.
    """

    def __init__(self, stream: SupportsWrite[str] | None, *, quiet: bool = False) -> None:
        self._stream = stream
        self._quiet = quiet

    def write(self, text: str) -> None:
        self._run(lambda stream: _write_all(stream, text))

    def flush(self) -> None:
        if hasattr(self._stream, "flush"):
            self._run(lambda stream: stream.flush())

    def _run(self, action: Callable[[Any], object]) -> None:
        if self._stream is None:
            if self._quiet:
                return
            raise _WriteFailed(None)
        try:
            action(self._stream)
        except OSError as error:
            self._silence()
            if not self._quiet:
                raise _WriteFailed(error) from None

    def _silence(self) -> None:
        try:
            # A standard stream has fileno(); any other stream fails into the except below.
            fd = self._stream.fileno()  # type: ignore[union-attr]
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, fd)
            finally:
                os.close(devnull)
        except (AttributeError, OSError, ValueError):  # no file descriptor (an in-memory stream)
            pass


def _write_all(stream: Any, text: str) -> None:
    """Write ``text`` to ``stream`` entirely, or raise the OSError that stopped it.

    An unbuffered text stream (``python -u``, ``PYTHONUNBUFFERED``) drops whatever
    a short write leaves (a full disk, a reader that went away), so its bytes are
    written here until none is left; the next write raises what went wrong.
    """
    raw = getattr(stream, "buffer", None)
    if not isinstance(raw, io.RawIOBase):
        stream.write(text)
        return
    stream.flush()
    data = memoryview(text.encode(stream.encoding, stream.errors or "strict"))
    while data:
        data = data[raw.write(data) or 0 :]


def example_names() -> list[str]:
    """The names of the scenarios shipped with the package, sorted."""
    return corpus_names()


def _version() -> str:
    """The version of the installed ippools distribution ("unknown" when it is not installed)."""
    from importlib import metadata  # here: it takes longer to import than a small replay runs

    try:
        return metadata.version("ippools")
    except metadata.PackageNotFoundError:
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
        epilog=_EXIT_STATUS + "\n" + _BATCH_REPLAY,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "file",
        nargs="*",
        metavar="FILE",
        help=(
            "a scenario file (- for standard input) or a directory of them; several files or "
            "a directory are replayed in one run, one summary line each"
        ),
    )
    source = run.add_mutually_exclusive_group()
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
            "creates, or on a new PostgreSQL store: postgresql://...?schema=NAME, a schema "
            "that holds no store yet; without it the replay runs in memory"
        ),
    )
    _add_serve(commands)
    _add_worker(commands)
    _add_conformance(commands)
    return parser


def _read(args: argparse.Namespace) -> tuple[str, str]:
    """The name to show and the text of the scenario the arguments name."""
    if args.example is not None:
        label = f"example {echo(args.example)}"
        try:
            data = read_corpus_file(args.example)
        except KeyError:
            raise _Unreadable(
                f"{label}: no such example (see ippools replay --list-examples)"
            ) from None
    elif args.file == "-":
        label = "<stdin>"
        stream = sys.stdin
        if stream is None:
            raise _Unreadable(f"{label}: cannot read: standard input is closed")
        try:
            data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read().encode()
        except OSError as error:
            raise _Unreadable(f"{label}: cannot read: {error.strerror or error}") from None
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


def _scenario(label: str, text: str) -> Scenario:
    try:
        with _no_cycle_collection():
            return load_scenario(parse_json(text))
    except DocumentError as error:
        raise _Unreadable(f"{label}: {error}") from None


def _usage(command: str, message: str, err: _Writer) -> int:
    err.write(f"ippools {command}: {message} (see ippools {command} --help)\n")
    return EXIT_INVALID


def _replay(args: argparse.Namespace, out: _Writer, err: _Writer) -> int:
    files: list[str] = args.file
    if files and (args.example is not None or args.list_examples):
        other = "--example" if args.example is not None else "--list-examples"
        return _usage("replay", f"argument FILE: not allowed with argument {other}", err)
    if args.list_examples:
        for name in example_names():
            out.write(f"{name}\n")
        return EXIT_OK
    if args.example is None and not files:
        return _usage(
            "replay", "one of the arguments FILE --example --list-examples is required", err
        )
    if args.example is not None or (len(files) == 1 and not os.path.isdir(files[0])):
        one = argparse.Namespace(example=args.example, file=files[0] if files else None)
        return _replay_one(one, args.db, out, err)
    if args.db is not None:
        return _usage("replay", "--db takes one scenario file, not several", err)
    if "-" in files:
        return _usage("replay", "- (standard input) is taken only as the one FILE", err)
    return _run_batch(file_sources(files), replay, out, err)


def _replay_one(args: argparse.Namespace, db: str | None, out: _Writer, err: _Writer) -> int:
    """Replay one scenario and print its replay output: what ``ippools replay FILE`` does."""
    try:
        label, text = _read(args)
        scenario = _scenario(label, text)
    except _Unreadable as error:
        err.write(f"ippools: {_one_line(str(error))}\n")
        return EXIT_INVALID
    if db is None:
        result = replay(scenario)
    else:
        try:
            result = _replay_on_store(scenario, db)
        except _Unreadable as error:
            err.write(f"ippools: {_one_line(str(error))}\n")
            return EXIT_INVALID
    with _no_cycle_collection():
        out.write(dump_json(unstructure(result.output)))
    for difference in result.differences:
        err.write(f"ippools: {label}: {_one_line(str(difference))}\n")
    return EXIT_OK if result.ok else EXIT_DIFFERENT


def _run_batch(
    sources: list[Source], check: Callable[[Scenario], ReplayResult], out: _Writer, err: _Writer
) -> int:
    """Check every scenario of ``sources`` (see :func:`ippools.batch.run_batch`).

    The exit status is 2 when a file was invalid, else 1 when one failed, else 0.
    """
    tally = run_batch(sources, check, out, err)
    if tally.invalid:
        return EXIT_INVALID
    return EXIT_DIFFERENT if tally.failed else EXIT_OK


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


def _replay_on_store(scenario: Scenario, path: str) -> ReplayResult:
    """Replay on a new store at ``path``; an existing database is never touched."""
    from ippools.store import StoreError, open_sqlite  # only --db needs a store
    from ippools.store.opener import is_postgres_url

    if is_postgres_url(path):
        return _replay_on_postgres(scenario, path)
    if path != ":memory:" and os.path.exists(path) and os.path.getsize(path) > 0:
        raise _Unreadable(f"{path}: already exists; --db takes a new database file")
    try:
        with open_sqlite(path, scenario.world) as store:
            return replay(scenario, store)
    except StoreError as error:
        raise _Unreadable(f"{path}: {error}") from None


def _replay_on_postgres(scenario: Scenario, url: str) -> ReplayResult:
    """Replay on a new store in the schema ``url`` names; an existing store is never touched."""
    from ippools.store import StoreError, open_store
    from ippools.store.opener import safe_url

    label = safe_url(url)
    try:
        store = open_store(url, scenario.world)
    except (StoreError, ValueError) as error:
        raise _Unreadable(f"{label}: {error}") from None
    with store:
        if not getattr(store, "created", False):
            raise _Unreadable(f"{label}: already holds a store; --db takes a new schema")
        try:
            return replay(scenario, store)
        except StoreError as error:
            raise _Unreadable(f"{label}: {error}") from None


def _add_serve(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the reference HTTP server (needs ippools[server])",
        description=(
            "Serve the IP pools API over HTTP on the embedded SQLite store, for real Mailgun "
            "clients. Public mode (the default) takes HTTP Basic auth api:<key> with the keys "
            "of --keys; --trust-headers takes the X-Mailgun-* headers from the client. "
            "Exit status: 0 after SIGTERM or SIGINT, 2 for a bad command line, file or address."
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=8080, help="port to listen on (8080); 0 picks a free one"
    )
    serve.add_argument(
        "--db",
        metavar="FILE",
        default=":memory:",
        help=(
            "the SQLite database: a new file is created, an existing ippools database is "
            "served as it is and its pending updates resume; :memory: (the default) keeps "
            "it in memory; a postgresql://...?schema=NAME URL serves a PostgreSQL store"
        ),
    )
    seed = serve.add_mutually_exclusive_group()
    seed.add_argument("--world", metavar="FILE", help="seed a new database with this world")
    seed.add_argument(
        "--example", metavar="NAME", help="seed a new database with a shipped scenario's world"
    )
    mode = serve.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--keys", metavar="FILE", help="public mode: the API keys file (see docs/server.md)"
    )
    mode.add_argument(
        "--trust-headers",
        action="store_true",
        help="trusted mode: no auth, the X-Mailgun-* headers come from the client",
    )
    serve.add_argument(
        "--control",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the test-control endpoints under /_ippools/ (default: on in trusted mode only)",
    )
    serve.add_argument(
        "--settle-delay",
        type=float,
        default=DEFAULT_SETTLE_DELAY,
        metavar="SECONDS",
        help=f"wait this long before processing pending work (default {DEFAULT_SETTLE_DELAY})",
    )
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="no background processing: pending updates wait for /_ippools/settle",
    )
    serve.add_argument(
        "--synchronous",
        type=str.upper,
        choices=["FULL", "NORMAL"],
        default="FULL",
        help=(
            "FULL (the default): a commit survives a power loss; NORMAL: it survives the "
            "death of the process, without a disk flush per write"
        ),
    )
    serve.add_argument(
        "--max-body", type=int, default=1024 * 1024, metavar="BYTES", help="body limit (1 MiB)"
    )
    serve.add_argument("--no-access-log", action="store_true", help="no line per request")
    serve.add_argument(
        "--audit-log",
        metavar="FILE",
        help=(
            "append every request other than a GET that became a command to FILE, in commit "
            "order, as a scenario step (see docs/server.md)"
        ),
    )


def _serve(args: argparse.Namespace, err: TextIO) -> int:
    from ippools.store import StoreError

    try:
        from ippools.server import create_app, load_keys
        from ippools.server.run import configure_logging, serve
    except ImportError as error:
        err.write(f"ippools: serve needs the server extra, ippools[server] ({error})\n")
        return EXIT_INVALID
    if args.settle_delay < 0 or args.max_body < 0 or not 0 <= args.port <= 65535:
        err.write("ippools: --settle-delay, --max-body and --port must not be negative\n")
        return EXIT_INVALID
    try:
        world = _seed_world(args)
        keys = load_keys(args.keys) if args.keys is not None else None
        app = create_app(
            args.db,
            world,
            keys=keys,
            trust_headers=args.trust_headers,
            control=args.control,
            settle_delay=args.settle_delay,
            worker=not args.no_worker,
            max_body=args.max_body,
            access_log=not args.no_access_log,
            audit_log=args.audit_log,
            synchronous=args.synchronous,
        )
    except OSError as error:
        err.write(f"ippools: {error.filename}: cannot open: {error.strerror or error}\n")
        return EXIT_INVALID
    except (_Unreadable, DocumentError, StoreError) as error:
        err.write(f"ippools: {_one_line(str(error))}\n")
        return EXIT_INVALID
    configure_logging(err)
    try:
        serve(app, args.host, args.port)
    except OSError as error:
        err.write(f"ippools: cannot listen on {args.host}:{args.port}: {error.strerror or error}\n")
        return EXIT_INVALID
    return EXIT_OK


def _seed_world(args: argparse.Namespace) -> World | None:
    """The world of ``--world`` or ``--example``, or None."""
    if args.world is None and args.example is None:
        return None
    label, text = _read(argparse.Namespace(file=args.world, example=args.example))
    try:
        data = parse_json(text)
        return load_scenario(data).world if args.example is not None else load_world(data)
    except DocumentError as error:
        raise _Unreadable(f"{label}: {error}") from None


def _add_worker(commands: Any) -> None:
    worker = commands.add_parser(
        "worker",
        help="process the pending updates of a database until SIGTERM or SIGINT",
        description=(
            "Process the pending updates of an ippools SQLite database in the background, "
            "oldest first, in batches, until SIGTERM or SIGINT. Several workers (and a server) "
            "may run on one database. Exit status: 0 when stopped, 2 for a bad database."
        ),
    )
    worker.add_argument(
        "--db",
        metavar="FILE",
        required=True,
        help="the SQLite database, or a postgresql://...?schema=NAME URL",
    )
    worker.add_argument(
        "--settle-delay",
        type=float,
        default=DEFAULT_SETTLE_DELAY,
        metavar="SECONDS",
        help=f"wait this long before processing pending work (default {DEFAULT_SETTLE_DELAY})",
    )
    worker.add_argument("--batch", type=int, default=100, help="updates per batch (100)")


def _worker(args: argparse.Namespace, err: TextIO) -> int:
    from ippools.store import Service, StoreError, open_store
    from ippools.store.opener import is_postgres_url, safe_url

    postgres = is_postgres_url(args.db)
    label = safe_url(args.db) if postgres else args.db
    if not postgres and (args.db == ":memory:" or not os.path.isfile(args.db)):
        err.write(f"ippools: {args.db}: no such database file\n")
        return EXIT_INVALID
    if args.settle_delay < 0 or args.batch < 1:
        err.write("ippools: --settle-delay must be >= 0 and --batch >= 1\n")
        return EXIT_INVALID
    try:
        store = open_store(args.db, create=False)
    except (StoreError, ValueError) as error:
        err.write(f"ippools: {_one_line(str(error))}\n")
        return EXIT_INVALID
    with store:
        err.write(f"ippools: worker on {label} (settle delay {args.settle_delay:g} s)\n")
        err.flush()
        done = Service(store, batch=args.batch).run_worker(delay=args.settle_delay)
    err.write(f"ippools: worker stopped; it processed {done} pending updates\n")
    return EXIT_OK


_BATCH_STATUS = """\
output: one line per scenario (ok, FAIL or INVALID, then its name) and a total on
standard output; each difference on standard error, as ippools replay FILE writes it

exit status:
  0  every scenario passed
  1  some scenario failed (a difference, or a control answer that breaks the protocol)
  2  some file is missing, not JSON or not a valid scenario (the others still run); a
     wrong command line; or the target cannot be reached (one line, the run stops)
  3  internal error (a bug in ippools)
  4  the output could not be written
"""


def _add_conformance(commands: Any) -> None:
    check = commands.add_parser(
        "conform",
        help="run scenarios against another implementation over HTTP",
        description=(
            "Run conformance scenarios against a running implementation of the API through its "
            "control protocol (docs/conformance.md), comparing every answer as ippools replay "
            "does. Without FILE, the whole corpus shipped with the package runs."
        ),
        epilog=_BATCH_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "--target", required=True, metavar="URL", help="the implementation: http://HOST:PORT"
    )
    check.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long to wait for each answer (30)",
    )
    check.add_argument(
        "file", nargs="*", metavar="FILE", help="scenario files or directories of them"
    )
    corpus = commands.add_parser(
        "corpus",
        help="list the scenario corpus shipped with the package, or write it out",
        description=(
            "List the names of the conformance scenarios shipped with the package, or with "
            "--out write each to DIR/NAME.json (DIR is created; files of the same name are "
            "replaced). Exit status: 0, or 2 when DIR cannot be written."
        ),
    )
    corpus.add_argument("--out", metavar="DIR", help="write the scenarios into DIR")
    commands.add_parser(
        "openapi",
        help="print the OpenAPI 3.1 document of the HTTP API",
        description=(
            "Print the OpenAPI 3.1 document of the HTTP surface (the API's routes and the "
            "control endpoints), generated from the route table, as ippools serve serves it "
            "at /_ippools/openapi.json."
        ),
    )


def _conform(args: argparse.Namespace, out: _Writer, err: _Writer) -> int:
    # Imported here: HTTP costs a replay a tenth of a second of start-up it never uses.
    from ippools.conform import HttpClient, Unreachable, conform

    if not args.timeout > 0:
        return _usage("conform", "--timeout must be a number of seconds above 0", err)
    try:
        client = HttpClient(args.target, timeout=args.timeout)
    except ValueError as error:
        return _usage("conform", f"--target: {error}", err)
    sources = file_sources(args.file) if args.file else shipped_sources()
    try:
        return _run_batch(sources, partial(conform, client), out, err)
    except Unreachable as error:
        err.write(f"ippools: {_one_line(str(error))}\n")
        return EXIT_INVALID
    finally:
        client.close()


def _corpus(args: argparse.Namespace, out: _Writer, err: _Writer) -> int:
    names = corpus_names()
    if args.out is None:
        for name in names:
            out.write(f"{name}\n")
        return EXIT_OK
    try:
        os.makedirs(args.out, exist_ok=True)
        for name in names:
            with open(os.path.join(args.out, f"{name}.json"), "wb") as handle:
                handle.write(read_corpus_file(name))
    except OSError as error:
        where = error.filename or args.out
        err.write(f"ippools: {where}: cannot write: {error.strerror or error}\n")
        return EXIT_INVALID
    out.write(f"wrote {len(names)} scenarios to {args.out}\n")
    return EXIT_OK


def _openapi(out: _Writer) -> int:
    from ippools.openapi import openapi_document

    out.write(dump_json(openapi_document()))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    out, err = _Stream(sys.stdout), _Stream(sys.stderr, quiet=True)
    try:
        status = _run(argv, out, err)
        out.flush()  # a full disk shows only here; the output counts once it is out
    except _WriteFailed as failure:
        if not isinstance(failure.error, BrokenPipeError):  # a reader that stops: quietly
            cause = "it is closed" if failure.error is None else failure.error.strerror
            err.write(f"ippools: cannot write to standard output: {cause or failure.error}\n")
        return EXIT_OUTPUT
    except Exception as error:
        message = _one_line(f"{type(error).__name__}: {error}")
        err.write(f"ippools: internal error: {message}\n")
        return EXIT_INTERNAL
    err.flush()
    return status


def _run(argv: list[str] | None, out: _Stream, err: _Stream) -> int:
    try:
        args = _parser().parse_args(argv)
    except _UsageError as error:
        err.write(f"{error}\n")
        return EXIT_INVALID
    except SystemExit as done:  # --help: argparse printed it
        return done.code if isinstance(done.code, int) else EXIT_INVALID
    if args.command == "serve":
        return _serve(args, sys.stderr)
    if args.command == "worker":
        return _worker(args, sys.stderr)
    if args.command == "conform":
        return _conform(args, out, err)
    if args.command == "corpus":
        return _corpus(args, out, err)
    if args.command == "openapi":
        return _openapi(out)
    return _replay(args, out, err)
