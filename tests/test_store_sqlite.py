"""The SQLite store: its file, schema versioning, durability settings and error translation."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from ippools import (
    AddPoolIp,
    Changes,
    ConflictError,
    DeletePool,
    DocumentError,
    DomainUpdate,
    Engine,
    MemoryState,
    Policies,
    SequenceIds,
    SubaccountUpdate,
    World,
)
from ippools.store import RecordKey, SqliteStore, StoreBusy, StoreError, open_sqlite
from ippools.store.contract_data import POOL_A, POOL_B, POOL_D, contract_world, ip
from ippools.store.sqlite_schema import APPLICATION_ID, SCHEMA_VERSION
from tests.support import actor, domain

P = actor("acct-1")


def _raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False)


def _pragma(path: Path, name: str) -> int | str:
    with _raw(path) as conn:
        value: int | str = conn.execute(f"PRAGMA {name}").fetchone()[0]
    return value


def _snapshot(store: SqliteStore) -> tuple[World, World, tuple[object, ...], int]:
    return (
        store.world(),
        store.effective_world(),
        store.pending,
        store.version(RecordKey.pool(POOL_A)),
    )


def test_new_file_gets_schema_version_application_id_and_wal(tmp_path: Path) -> None:
    """A path is all a new store needs: it creates the file, its schema (user_version 2,
    the ippools application id) and uses write-ahead logging; ``created`` says so."""
    path = tmp_path / "new.db"
    with SqliteStore(path, contract_world()) as store:
        assert store.created is True
        assert store.world() == contract_world()
    assert _pragma(path, "user_version") == SCHEMA_VERSION == 4
    assert _pragma(path, "application_id") == APPLICATION_ID
    assert _pragma(path, "journal_mode") == "wal"


def test_reopening_keeps_state_pending_and_versions_and_ignores_world(tmp_path: Path) -> None:
    """A reopened store holds what was committed (records, outbox, versions); the world
    argument is only for a new file (§5 durability of the outbox)."""
    path = tmp_path / "s.db"
    with SqliteStore(path, contract_world()) as store:
        Engine(store).execute(AddPoolIp(P, POOL_A, "10.0.1.6"))
        before = _snapshot(store)
    assert before[2] == (
        DomainUpdate("d-a1"),
        DomainUpdate("d-a2"),
        SubaccountUpdate("acct-1a", POOL_A),
    )
    assert before[3] == 2
    with SqliteStore(path, World()) as again:
        assert again.created is False
        assert _snapshot(again) == before


def test_an_empty_existing_file_is_a_new_store(tmp_path: Path) -> None:
    """An existing empty file is treated as new and receives the world."""
    path = tmp_path / "empty.db"
    path.touch()
    with SqliteStore(path, contract_world()) as store:
        assert store.created is True
        assert store.world() == contract_world()


def test_a_newer_schema_version_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    """A store written by a newer ippools (user_version 5) is refused, not touched."""
    path = tmp_path / "future.db"
    SqliteStore(path, contract_world()).close()
    with _raw(path) as conn:
        conn.execute("PRAGMA user_version = 5")
    with pytest.raises(StoreError) as caught:
        SqliteStore(path)
    assert str(caught.value) == (
        f"store {str(path)!r} has store schema version 5, newer than version 4 that this "
        "ippools knows; open it with a newer ippools"
    )
    assert _pragma(path, "user_version") == 5


def test_a_sqlite_older_than_3_24_is_refused_with_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shared statements upsert with ON CONFLICT: an older SQLite is named, no file made."""
    path = tmp_path / "old.db"
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 23, 1))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.23.1")
    with pytest.raises(StoreError) as caught:
        SqliteStore(path)
    assert str(caught.value) == (
        f"store {str(path)!r}: the SQLite store needs SQLite 3.24 or later"
        " (INSERT ... ON CONFLICT), this Python has 3.23.1"
    )
    assert not path.exists()


def _indexes(path: Path) -> list[str]:
    with _raw(path) as conn:
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'domains'"
            " AND sql IS NOT NULL ORDER BY name"
        ).fetchall()
    return [row[0] for row in rows]


def test_a_version_1_store_is_migrated_keeping_its_state(tmp_path: Path) -> None:
    """A store of schema version 1 (without the index of a DIPP's links by domain id, the
    indexes of DIPPs by owner and by delegation, of subaccounts by parent and of domains by
    account) is brought to version 4 when opened, keeping its records, outbox and versions,
    its delegations indexed."""
    path = tmp_path / "old.db"
    with SqliteStore(path, contract_world()) as store:
        Engine(store).execute(AddPoolIp(P, POOL_A, "10.0.1.6"))
        before = _snapshot(store)
        delegated = store.pools_delegated_to("acct-1a")
    assert [pool.pool_id for pool in delegated] == [POOL_A]
    with _raw(path) as conn:
        conn.execute("DROP INDEX domains_by_pool")
        conn.execute("DROP INDEX pools_by_owner")
        conn.execute("DROP TABLE delegations")
        conn.execute("DROP INDEX accounts_by_parent")
        conn.execute("DROP INDEX domains_by_account")
        conn.execute("PRAGMA user_version = 1")
    assert _indexes(path) == ["domains_by_link"]
    with SqliteStore(path) as again:
        assert again.created is False
        assert _snapshot(again) == before
        assert again.pools_delegated_to("acct-1a") == delegated
        assert [p.pool_id for p in again.pools_owned_by(P.account_id)] == sorted(
            p.pool_id for p in contract_world().pools if p.account_id == P.account_id
        )
    assert _pragma(path, "user_version") == 4
    assert _indexes(path) == ["domains_by_account", "domains_by_link", "domains_by_pool"]


@pytest.mark.parametrize(
    ("account_id", "index"), [(None, "domains_by_pool"), ("acct-1", "domains_by_link")]
)
def test_a_page_of_links_is_read_through_an_index_in_id_order(
    tmp_path: Path, account_id: str | None, index: str
) -> None:
    """S6: a page of a DIPP's links (all accounts' or one's) is read from an index already
    in domain-id order, without sorting every link of the DIPP."""
    path = tmp_path / "plan.db"
    SqliteStore(path, contract_world()).close()
    where = "pool_id = ? AND id > ?" + (" AND account_id = ?" if account_id else "")
    args = [POOL_A, "d-a1", *([account_id] if account_id else [])]
    with _raw(path) as conn:
        plan = conn.execute(
            f"EXPLAIN QUERY PLAN SELECT id FROM domains WHERE {where} ORDER BY id LIMIT 2", args
        ).fetchall()
    details = " ".join(row[-1] for row in plan)
    assert f"USING INDEX {index}" in details or f"USING COVERING INDEX {index}" in details
    assert "TEMP B-TREE" not in details


def test_a_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    """A SQLite file holding other tables is not taken for a store, and is left alone."""
    path = tmp_path / "other.db"
    with _raw(path) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    with pytest.raises(StoreError) as caught:
        SqliteStore(path, contract_world())
    assert str(caught.value) == (
        f"store {str(path)!r} is not an ippools store (it holds other SQLite data)"
    )
    with _raw(path) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("notes",)]


def test_a_file_that_is_not_sqlite_raises_store_error_not_a_driver_error(tmp_path: Path) -> None:
    """A damaged file raises StoreError; no sqlite3 exception escapes."""
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not a database, only some text" * 100)
    with pytest.raises(StoreError) as caught:
        SqliteStore(path)
    assert not isinstance(caught.value, sqlite3.Error)
    assert "file is not a database" in str(caught.value)


def test_a_path_that_cannot_be_opened_raises_store_error(tmp_path: Path) -> None:
    """A file in a missing directory raises StoreError naming the path, not a driver error."""
    path = tmp_path / "missing" / "s.db"
    with pytest.raises(StoreError) as caught:
        SqliteStore(path)
    assert str(caught.value) == f"store {str(path)!r}: unable to open database file"


def test_an_invalid_world_is_refused_and_leaves_no_store(tmp_path: Path) -> None:
    """A world breaking an invariant raises DocumentError naming the record; the file stays
    empty, so opening it again with a valid world creates the store (§7)."""
    path = tmp_path / "bad.db"
    bad = World(accounts=contract_world().accounts, domains=[domain("d-1", "x.com", ip_texts=[])])
    with pytest.raises(DocumentError) as caught:
        SqliteStore(path, bad)
    assert str(caught.value) == "domains[d-1]: holds no IP (I5)"
    with SqliteStore(path, contract_world()) as store:
        assert store.created is True
        assert store.world() == contract_world()


def test_synchronous_is_full_by_default_and_normal_on_request(tmp_path: Path) -> None:
    """Durable by default (synchronous=FULL); NORMAL when asked; anything else is refused."""
    path = tmp_path / "sync.db"
    with SqliteStore(path) as store:
        assert store.synchronous == "FULL"
    with SqliteStore(path, synchronous="NORMAL") as store:
        assert store.synchronous == "NORMAL"
    with pytest.raises(ValueError, match="synchronous must be 'FULL' or 'NORMAL', got 'OFF'"):
        SqliteStore(path, synchronous="OFF")  # type: ignore[arg-type]


def test_a_block_that_raises_rolls_back_its_commits(tmp_path: Path) -> None:
    """A transaction that fails after committing changes and pending updates keeps neither
    (one transaction per command, §5 outbox)."""
    with SqliteStore(tmp_path / "r.db", contract_world()) as store:
        before = _snapshot(store)
        inside: list[tuple[object, ...]] = []

        def fail_after_commit() -> None:
            with store.transaction():
                Engine(store).execute(DeletePool(P, POOL_B, replacement_pool_id=POOL_A))
                inside.append(store.pending)
                raise RuntimeError("host failed")

        with pytest.raises(RuntimeError, match="host failed"):
            fail_after_commit()
        assert inside == [(DomainUpdate("d-b1"),)]
        assert _snapshot(store) == before
        assert store.version(RecordKey.pool(POOL_B)) == 1


def test_a_locked_file_raises_store_busy_and_writes_nothing(tmp_path: Path) -> None:
    """While another connection holds the write lock, a commit waits its timeout and raises
    StoreBusy, a ConflictError; reads still answer (WAL)."""
    path = tmp_path / "busy.db"
    with SqliteStore(path, contract_world(), timeout=0.05) as store:
        holder = _raw(path)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreBusy) as caught:
                store.commit(Changes(pending=(DomainUpdate("d-a1"),)))
            assert isinstance(caught.value, ConflictError)
            assert not isinstance(caught.value, sqlite3.Error)
            assert str(caught.value) == f"store {str(path)!r} is busy: database is locked"
            assert store.pool(POOL_A) == contract_world().pools[0]
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert store.pending_count == 0
        store.commit(Changes(pending=(DomainUpdate("d-a1"),)))
        assert store.pending == (DomainUpdate("d-a1"),)


def test_a_writer_waits_for_a_short_lock_instead_of_failing(tmp_path: Path) -> None:
    """Within its timeout a writer waits for another writer's lock and then commits."""
    path = tmp_path / "wait.db"
    with SqliteStore(path, contract_world(), timeout=5.0) as store:
        holder = _raw(path)
        holder.execute("BEGIN IMMEDIATE")
        release = threading.Timer(0.2, lambda: holder.execute("COMMIT"))
        release.start()
        store.commit(Changes(pending=(DomainUpdate("d-a1"),)))
        release.join()
        holder.close()
        assert store.pending == (DomainUpdate("d-a1"),)


def test_tombstones_are_pruned_once_no_stored_domain_leads_to_them(tmp_path: Path) -> None:
    """Like MemoryState, the store keeps a deleted DIPP's tombstone only while a stored
    domain still leads to it; its id stays used for good (K16)."""
    path = tmp_path / "t.db"
    with SqliteStore(path, contract_world()) as store:
        engine = Engine(store, Policies(ids=SequenceIds()))
        engine.execute(DeletePool(P, POOL_B, replacement_pool_id=POOL_D))  # D has no IP: 400
        engine.execute(DeletePool(P, POOL_B, replacement_pool_id=POOL_A))
        engine.execute(DeletePool(P, POOL_D))  # no IP, no link: no tombstone kept
        with _raw(path) as conn:
            assert conn.execute("SELECT pool_id, kind, target FROM tombstones").fetchall() == [
                (POOL_B, "pool", POOL_A)
            ]
        assert engine.settle() == 1
        with _raw(path) as conn:
            assert conn.execute("SELECT count(*) FROM tombstones").fetchone() == (0,)
            used = conn.execute("SELECT pool_id FROM used_pool_ids ORDER BY pool_id").fetchall()
        assert [row[0] for row in used] == ["a" * 24, "b" * 24, "c" * 24, "d" * 24]
        assert store.pool_id_in_use(POOL_B)
        assert store.pool_id_in_use(POOL_D)
        reference = MemoryState(contract_world())
        Engine(reference).execute(DeletePool(P, POOL_B, replacement_pool_id=POOL_A))
        Engine(reference).execute(DeletePool(P, POOL_D))
        reference.settle()
        assert store.world() == reference.world()


def test_two_threads_creating_the_same_new_file_make_one_store(tmp_path: Path) -> None:
    """Opening one new file from two places at once creates the store exactly once."""
    path = tmp_path / "race.db"
    created: list[bool] = []
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            with SqliteStore(path, contract_world()) as store:
                created.append(store.created)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(created) == [False, False, False, True]
    with SqliteStore(path) as store:
        assert store.world() == contract_world()


def test_open_sqlite_gives_a_state_for_the_engine(tmp_path: Path) -> None:
    """open_sqlite(path, world) is what ``replay --db`` runs the engine on: answers,
    pending counts and settled world equal MemoryState's (S1)."""
    store = open_sqlite(tmp_path / "replay.db", contract_world())
    reference = MemoryState(contract_world())
    try:
        for state in (store, reference):
            engine = Engine(state, Policies(ids=SequenceIds()))
            outcome = engine.execute(AddPoolIp(P, POOL_A, "10.0.1.6"))
            assert (outcome.status, outcome.body) == (200, {"message": "started"})
            assert state.pending_count == 3
            assert engine.process(2) == 2
            assert engine.settle() == 1
        assert store.world() == reference.world()
    finally:
        store.close()


def test_reads_in_one_snapshot_see_one_state_while_others_commit(tmp_path: Path) -> None:
    """Store.reading(): every read in the block sees the state of one moment, although
    another connection commits meanwhile; nested blocks join it; the next block sees the
    commit."""
    path = tmp_path / "snap.db"
    with SqliteStore(path, contract_world()) as store, SqliteStore(path) as other:
        with store.reading():
            before = store.pool(POOL_A)
            Engine(other).execute(AddPoolIp(P, POOL_A, "10.0.1.6"))
            with store.reading():
                assert store.pool(POOL_A) == before
            assert store.pending_count == 0
            assert store.version(RecordKey.pool(POOL_A)) == 1
        assert before is not None
        after = store.pool(POOL_A)
        assert after is not None
        assert after.ips == before.ips | {ip("10.0.1.6")}
        assert store.pending_count == 3


def test_a_transaction_inside_a_snapshot_reads_and_writes_the_latest_state(
    tmp_path: Path,
) -> None:
    """A transaction opened inside a read snapshot of the same thread reads the latest
    commit and its own writes, and commits them; the snapshot around it does not see
    them, the next one does."""
    path = tmp_path / "nested.db"
    with SqliteStore(path, contract_world()) as store, SqliteStore(path) as other:
        with store.reading():
            assert store.pending_count == 0
            other.commit(Changes(pending=(DomainUpdate("d-a1"),)))
            with store.transaction():
                assert store.pending_count == 1
                store.commit(Changes(pending=(DomainUpdate("d-a2"),)))
                with store.reading():
                    assert store.pending_count == 2
            assert store.pending_count == 0
        assert store.pending == (DomainUpdate("d-a1"), DomainUpdate("d-a2"))


def test_a_closed_store_raises_store_error_on_reads(tmp_path: Path) -> None:
    """Reading a closed store raises StoreError, not a driver error."""
    store = SqliteStore(tmp_path / "closed.db", contract_world())
    assert store.pool(POOL_A) is not None
    store.close()
    with pytest.raises(StoreError) as caught:
        store.pool(POOL_A)
    assert str(caught.value) == f"store {store.path!r} is closed"


def test_a_private_database_reads_and_writes_on_its_one_connection() -> None:
    """ ":memory:" lives in its connection only: reads and snapshots use that connection."""
    with SqliteStore(":memory:", contract_world()) as store:
        with store.reading():
            assert store.world() == contract_world()
        Engine(store).execute(AddPoolIp(P, POOL_A, "10.0.1.6"))
        assert store.pending_count == 3


def test_a_store_closed_inside_a_snapshot_closes_its_reading_connection(tmp_path: Path) -> None:
    """Closing a store while a read snapshot is open: the snapshot ends cleanly, its
    connection is closed rather than kept, and later reads raise StoreError."""
    store = SqliteStore(tmp_path / "close.db", contract_world())
    with store.reading():
        assert store.pool(POOL_A) is not None
        store.close()
    with pytest.raises(StoreError, match="is closed"):
        store.world()
