"""What the server serves from: one SQLite store, its service, its worker, and resets.

Theory of operation
-------------------
A :class:`Backend` owns a :class:`~ippools.store.SqliteStore` (a file, or
``:memory:``) and the :class:`~ippools.store.Service` over it. Requests run
:meth:`Backend.handle` from a pool of threads; the service serialises their
decisions (S1). A background thread runs the worker loop
(:func:`ippools.worker.run_worker`) without leases, so that pending updates left
by a crash are taken up again as soon as the server restarts.

With an audit log, every request other than a GET that became a command
(accepted or refused by the rules) is written as one JSON line, a request step
of the scenario format (``{"request": ..., "expect": {"status", "body"}}``, the
request with its identity headers), in commit order: such requests hold a lock
from their decision to their line. A world and these lines make a scenario that
``ippools replay`` runs to the same answers and the same world. A reset is not
recorded; a crash between a commit and its line loses the line.

A reset replaces the whole store: it waits for the requests under way, lets no
new one start, stops the worker, swaps the store (a file keeps its path: the new
content is copied into it with SQLite's backup API, in one transaction), and
starts the worker again. A shared/exclusive lock makes every request see either
the store before the reset or the one after it, never a mix.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Literal, TextIO, TypeAlias

from ippools.documents import Expect, FieldValue, RequestStep, ScenarioRequest, make_converter
from ippools.policies import IdSource, Policies, RandomIds, SequenceIds
from ippools.server.keys import IDENTITY_HEADERS
from ippools.store import Service, SqliteStore, Store, StoreError, open_store
from ippools.store.opener import is_postgres_url
from ippools.wire import Request, Response
from ippools.worker import DEFAULT_SETTLE_DELAY
from ippools.world import World

__all__ = ["MEMORY", "Backend", "Synchronous", "open_database"]

MEMORY = ":memory:"

Synchronous: TypeAlias = Literal["FULL", "NORMAL"]
"""SQLite's ``synchronous`` setting for the store: ``FULL`` or ``NORMAL``."""

log = logging.getLogger("ippools.server")

_WORKER_POLL = 0.02
_WORKER_RETRY = 1.0


def open_database(
    path: str, world: World | None = None, synchronous: Synchronous = "FULL"
) -> Store:
    """Open the SQLite store at ``path`` (``:memory:`` or a file), new or existing.

    A ``postgresql://`` URL opens a PostgreSQL store instead (see
    :func:`~ippools.store.open_store`; ``synchronous`` does not apply to it).

    ``world`` seeds a new database; giving one for a file that already holds an
    ippools database raises :class:`~ippools.store.StoreError`, and the file is
    left as it was. Raises :class:`~ippools.store.StoreError` for a file that is
    not an ippools store and :class:`~ippools.errors.DocumentError` for an
    invalid world. ``synchronous`` is the store's: ``"FULL"`` (a commit survives
    a power loss) or ``"NORMAL"`` (it survives the death of the process).
    """
    store: SqliteStore | Store
    if is_postgres_url(path):
        try:
            store = open_store(path, world)
        except ValueError as error:
            raise StoreError(str(error)) from None
    else:
        store = SqliteStore(path, world, synchronous=synchronous)
    if world is not None and not getattr(store, "created", True):
        store.close()
        raise StoreError(
            f"database {path!r} already holds a world; a world seeds only a new database "
            "(use another file, or leave the world out to serve the one it holds)"
        )
    return store


class _SharedLock:
    """Many holders of the shared side at once, or one of the exclusive side.

    A thread waiting for the exclusive side keeps new shared holders out, so a
    reset is never starved by a stream of requests.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._shared = 0
        self._exclusive = False
        self._waiting = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._exclusive or self._waiting:
                self._cond.wait()
            self._shared += 1
        try:
            yield
        finally:
            with self._cond:
                self._shared -= 1
                if not self._shared:
                    self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            self._waiting += 1
            while self._exclusive or self._shared:
                self._cond.wait()
            self._waiting -= 1
            self._exclusive = True
        try:
            yield
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()


class Backend:
    """A store, its service and its background worker, with the operations the server needs.

    ``path`` is a SQLite file or ``:memory:``; ``world`` seeds a new database
    (see :func:`open_database`, whose errors this raises). ``ids`` is the source
    of new pool ids until the first reset (random by default). The worker waits
    ``settle_delay`` seconds once it finds pending work; ``worker=False`` leaves
    pending updates to :meth:`settle` (or to workers elsewhere). ``synchronous``
    is the store's (see :func:`open_database`). ``audit``, when
    given, receives the audit log (see the module documentation); the backend
    closes it. Nothing runs in the background until :meth:`start`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] = MEMORY,
        world: World | None = None,
        *,
        ids: IdSource | None = None,
        settle_delay: float = DEFAULT_SETTLE_DELAY,
        worker: bool = True,
        audit: TextIO | None = None,
        synchronous: Synchronous = "FULL",
    ) -> None:
        if settle_delay < 0:
            raise ValueError(f"settle_delay must be >= 0, got {settle_delay}")
        self.path = os.fspath(path)
        self.settle_delay = settle_delay
        self.worker = worker
        self.synchronous: Synchronous = synchronous
        store = open_database(self.path, world, synchronous)
        self._service = Service(store, Policies(ids=ids or RandomIds()))
        self._lock = _SharedLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._audit = audit
        self._audit_lock = threading.Lock()
        self._converter = make_converter()

    @property
    def service(self) -> Service:
        """The service over the current store (a reset replaces it)."""
        return self._service

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> None:
        """Start the background worker (when it is on); starting twice is harmless."""
        with self._lock.exclusive():
            self._start_worker()

    def close(self) -> None:
        """Stop the worker (it finishes its batch) and close the store; idempotent."""
        with self._lock.exclusive():
            if self._closed:
                return
            self._closed = True
            self._stop_worker()
            self._service.store.close()
            if self._audit is not None:
                self._audit.close()

    def _start_worker(self) -> None:
        if self._closed or not self.worker or self._thread is not None:
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._work, args=(self._service, self._stop), name="ippools-worker", daemon=True
        )
        self._thread.start()

    def _stop_worker(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None

    def _work(self, service: Service, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                service.run_worker(stop, delay=self.settle_delay, poll=_WORKER_POLL, leases=False)
            except Exception:
                log.exception("the pending-update worker failed; it starts again in a second")
                stop.wait(_WORKER_RETRY)

    # -- operations --------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer a wire request (see :meth:`ippools.store.Service.handle` for what it raises)."""
        with self._lock.shared():
            if self._audit is None or _is_get(request.method):
                return self._service.handle(request)
            with self._audit_lock:
                response = self._service.handle(request)
                if response.outcome is not None:
                    self._audit.write(self._audit_line(request, response))
                    self._audit.flush()
                return response

    def _audit_line(self, request: Request, response: Response) -> str:
        identity = {h.lower(): h for h in IDENTITY_HEADERS}
        step = RequestStep(
            ScenarioRequest(
                request.method,
                request.path,
                _grouped(request.query),
                tuple(
                    (identity[n.lower()], v) for n, v in request.headers if n.lower() in identity
                ),
                _grouped(request.form) if request.form else None,
                request.json,
            ),
            Expect(response.status, response.body),
        )
        return json.dumps(self._converter.unstructure(step, RequestStep), sort_keys=True) + "\n"

    def pending(self) -> int:
        """How many pending updates the store holds."""
        with self._lock.shared():
            return self._service.store.pending_count

    def world(self) -> tuple[World, int]:
        """The stored world and the pending count, read in one snapshot."""
        with self._lock.shared():
            store = self._service.store
            with store.transaction():
                return store.world(), store.pending_count

    def settle(self, limit: int | None) -> tuple[int, int]:
        """Process up to ``limit`` pending updates now (all when None), oldest first.

        Returns how many were processed and how many are left.
        """
        with self._lock.shared():
            store = self._service.store
            with store.transaction():
                done = store.process(limit)
                return done, store.pending_count

    def reset(self, world: World, ids: Iterable[str] = (), *, worker: bool | None = None) -> None:
        """Replace the whole store with ``world``, new pool ids coming from ``ids`` (K16).

        ``worker`` turns background processing on or off from now on (None: as
        it is). Raises :class:`ValueError` for invalid ``ids`` and
        :class:`~ippools.store.StoreError` when the database cannot be replaced.
        """
        policies = Policies(ids=SequenceIds(ids))
        with self._lock.exclusive():
            if self._closed:
                raise StoreError("the server is shutting down")
            self._stop_worker()
            if worker is not None:
                self.worker = worker
            try:
                self._service = Service(self._replaced(world), policies)
            finally:
                self._start_worker()

    def _replaced(self, world: World) -> Store:
        """A store holding ``world`` at :attr:`path`; the old store is closed.

        A file keeps its path and inode: the new content is built aside, then
        copied in by SQLite's backup API in one transaction, so the file holds
        the old content or the new one, whatever happens. A PostgreSQL schema is
        dropped and created again holding ``world``, in one transaction.
        """
        old = self._service.store
        if is_postgres_url(self.path):
            from ippools.store.postgres import PostgresStore

            assert isinstance(old, PostgresStore)
            old.replace_world(world)
            return old
        if self.path == MEMORY:
            fresh = SqliteStore(MEMORY, world, synchronous=self.synchronous)
            old.close()
            return fresh
        with tempfile.TemporaryDirectory(prefix="ippools-reset-") as scratch:
            built = os.path.join(scratch, "world.db")
            SqliteStore(built, world).close()
            old.close()
            try:
                _copy_database(built, self.path)
            except StoreError:  # the file holds its old content: serve it again
                reopened = SqliteStore(self.path, synchronous=self.synchronous)
                self._service = Service(reopened, self._service.policies)
                raise
        return SqliteStore(self.path, synchronous=self.synchronous)


def _is_get(method: str) -> bool:
    return method.isascii() and method.upper() == "GET"


def _grouped(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, FieldValue], ...]:
    """Pairs as scenario fields: one value, or the list of a repeated name's values."""
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    return tuple((n, v[0] if len(v) == 1 else tuple(v)) for n, v in values.items())


def _copy_database(source_path: str, target_path: str) -> None:
    """Replace the content of the SQLite file ``target_path`` by that of ``source_path``."""
    try:
        source = sqlite3.connect(source_path)
        try:
            target = sqlite3.connect(target_path, timeout=10.0)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.Error as error:
        raise StoreError(f"store {target_path!r}: cannot replace its content: {error}") from None
