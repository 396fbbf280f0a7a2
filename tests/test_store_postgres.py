"""The PostgreSQL store: its schema, its errors, ``replay``/``worker``/``serve --db`` on it.

Every test here runs on the server of :mod:`tests.postgres`, in schemas of its own that
it drops when it ends (skipped when no server is reachable, unless CI requires one).
The store contract suite runs on PostgreSQL in test_store_contract.py; concurrency and
crashes in test_store_postgres_reliability.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ippools import (
    AddPoolIp,
    CreatePool,
    Domain,
    Engine,
    MemoryState,
    Policies,
    SequenceIds,
    World,
)
from ippools.cli import main
from ippools.documents import dump_json, load_scenario, parse_json, unstructure
from ippools.errors import ConflictError
from ippools.replay import replay
from ippools.store import Service, StoreBusy, StoreError, open_store
from ippools.store.contract import assert_same_reads
from ippools.store.contract_data import POOL_A, contract_world
from tests.postgres import URL, fresh_schema, leftover_schemas, require_postgres, url_with_schema
from tests.serving import Server, client_for, settle, stored
from tests.support import actor

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "src" / "ippools" / "scenarios").glob("*.json"))


@pytest.fixture
def schema() -> Iterator[str]:
    """A schema name no store uses yet, dropped after the test."""
    with fresh_schema() as name:
        yield name


def _admin() -> object:
    import psycopg

    return psycopg.connect(URL, autocommit=True)


def test_replay_on_postgres_prints_the_in_memory_output_for_the_whole_corpus(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``ippools replay FILE --db postgresql://...?schema=NEW`` prints, for every scenario of
    the corpus, exactly what the in-memory replay prints, and exits as it does."""
    require_postgres()
    for path in SCENARIOS:
        expected_status = main(["replay", str(path)])
        expected = capsys.readouterr()
        with fresh_schema() as name:
            status = main(["replay", str(path), "--db", url_with_schema(name)])
            got = capsys.readouterr()
        assert (status, got.out) == (expected_status, expected.out), path.name
        assert got.err == expected.err, path.name


def test_replay_refuses_a_schema_that_holds_a_store(
    schema: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A schema that already holds a store is never replayed onto: exit 2, one line, and
    the store keeps its content."""
    url = url_with_schema(schema)
    assert main(["replay", "--example", "quickstart", "--db", url]) == 0
    capsys.readouterr()
    with open_store(url) as store:
        before = store.world()
    assert main(["replay", "--example", "quickstart", "--db", url]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"ippools: {url}: already holds a store; --db takes a new schema\n"
    with open_store(url) as store:
        assert store.world() == before


def test_open_store_picks_the_adapter_and_the_schema_from_the_url(schema: str) -> None:
    """open_store: a postgresql:// URL opens the schema named by ?schema=, created with the
    world the first time and found again afterwards; postgres:// is the same scheme."""
    url = url_with_schema(schema)
    with open_store(url, contract_world()) as store:
        assert getattr(store, "created", None) is True
        assert store.world() == MemoryState(contract_world()).world()
    with open_store(url.replace("postgresql://", "postgres://", 1), World()) as again:
        assert getattr(again, "created", None) is False
        assert again.world() == MemoryState(contract_world()).world()
    assert schema in leftover_schemas(os.getpid())


def test_a_schema_of_other_tables_is_refused_and_left_alone(schema: str) -> None:
    """A schema that holds tables of someone else is not an ippools store: StoreError naming
    it, and nothing is created in it."""
    with _admin() as conn:  # type: ignore[attr-defined]
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(f'CREATE TABLE "{schema}".theirs (x int)')
    with pytest.raises(StoreError, match=f"schema '{schema}' is not an ippools store"):
        open_store(url_with_schema(schema), contract_world())
    with _admin() as conn:  # type: ignore[attr-defined]
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
    assert tables == [("theirs",)]


def test_a_newer_store_schema_is_refused(schema: str) -> None:
    """A store written by a newer ippools (a higher schema_version) is refused, naming both
    versions; an older library never writes a layout it does not know."""
    url = url_with_schema(schema)
    open_store(url, contract_world()).close()
    with _admin() as conn:  # type: ignore[attr-defined]
        conn.execute(
            f"UPDATE \"{schema}\".ippools_meta SET value = '99' WHERE name = 'schema_version'"
        )
    with pytest.raises(StoreError, match="schema version 99, newer than version 1"):
        open_store(url)


def test_an_unreachable_server_is_a_store_error() -> None:
    """A server that does not answer: StoreError naming host and schema, no password."""
    with pytest.raises(StoreError) as caught:
        open_store("postgresql://nobody:secret@127.0.0.1:1/nowhere?schema=s&connect_timeout=2")
    assert "127.0.0.1:1/nowhere schema 's'" in str(caught.value)
    assert "secret" not in str(caught.value)


def test_a_schema_name_postgresql_would_cut_is_refused() -> None:
    """Names beyond 63 bytes would be cut by PostgreSQL, so two could meet: ValueError."""
    with pytest.raises(ValueError, match="longer than 63 bytes"):
        open_store(url_with_schema("s" * 64))


def test_text_with_nul_and_control_characters_is_stored_faithfully(schema: str) -> None:
    """PostgreSQL text cannot hold U+0000; the store escapes it, so a DIPP name or a domain
    with NUL and U+0001 reads back exactly, and links still page in code-point order."""
    odd = "a\x00b\x01c\x01\x02\x00"
    world = contract_world()
    pool_a = next(pool for pool in world.pools if pool.pool_id == POOL_A)
    names = ["e\x00.example.com", "e\x01.example.com", "e.example.com", "e\x02.example.com"]
    extra = [
        Domain(f"d-z{chr(n)}", name, "acct-1", POOL_A, pool_a.ips)
        for n, name in zip([0, 1, 2, 48], names, strict=True)
    ]
    world = World(
        accounts=world.accounts,
        dedicated_ips=world.dedicated_ips,
        shared_ips=world.shared_ips,
        pools=world.pools,
        domains=[*world.domains, *extra],
    )
    reference = Engine(MemoryState(world), Policies(ids=SequenceIds(["e" * 24])))
    with open_store(url_with_schema(schema), world) as store:
        command = CreatePool(actor("acct-1"), odd, odd, ())
        outcome = Service(store, Policies(ids=SequenceIds(["e" * 24]))).execute(command)
        assert (outcome.status, outcome.body) == (200, reference.execute(command).body)
        created = store.pool(outcome.body["pool_id"])
        assert created is not None
        assert (created.name, created.description) == (odd, odd)
        ids = [domain.id for domain in store.linked_domains(POOL_A)]
        assert ids == [domain.id for domain in reference.state.linked_domains(POOL_A)]
        assert store.domain_named("e\x00.example.com") is not None
        assert_same_reads(store, reference.state, "NUL text")


def test_values_beyond_what_postgresql_stores_are_store_errors(schema: str) -> None:
    """Text with a lone surrogate cannot be encoded: StoreError, and the store is unchanged;
    an outbox id beyond a bigint was never handed out, so marking it done removes nothing."""
    with open_store(url_with_schema(schema), contract_world()) as store:
        before = store.world()
        with pytest.raises(StoreError, match="not valid Unicode"):
            Engine(store).execute(CreatePool(actor("acct-1"), "bad\ud800", "d", ()))
        assert store.world() == before
        assert store.mark_done([2**70, -(2**70)]) == 0


def test_a_writer_held_up_beyond_the_timeout_gets_store_busy(schema: str) -> None:
    """While one store holds the write lock, another store's write waits at most its
    timeout, then raises StoreBusy (a ConflictError): nothing of it is written."""
    from ippools.store.postgres import PostgresStore

    with (
        PostgresStore(URL, contract_world(), schema=schema) as holder,
        PostgresStore(URL, schema=schema, timeout=0.2) as waiter,
    ):
        with holder.transaction():
            with pytest.raises(StoreBusy) as caught:
                Engine(waiter).execute(AddPoolIp(actor("acct-1"), POOL_A, "10.0.1.6"))
            assert isinstance(caught.value, ConflictError)
            assert waiter.pool(POOL_A) == holder.pool(POOL_A)  # reads never wait
        assert Engine(waiter).execute(AddPoolIp(actor("acct-1"), POOL_A, "10.0.1.6")).status == 200


def test_a_write_inside_a_settling_unit_is_refused(schema: str) -> None:
    """A write transaction cannot be opened inside a settling one (it could deadlock with
    the other workers): StoreError, and nothing is written."""
    with open_store(url_with_schema(schema), contract_world()) as store:
        before = store.world()
        with pytest.raises(StoreError, match="inside a settling one"), store.settling():
            Engine(store).execute(AddPoolIp(actor("acct-1"), POOL_A, "10.0.1.6"))
        assert store.world() == before


def test_worker_command_settles_a_postgres_store(schema: str) -> None:
    """``ippools worker --db postgresql://...`` refuses a schema without a store (exit 2,
    creating nothing); on a store with pending updates it settles them, stops on SIGTERM
    and says how many it did."""
    url = url_with_schema(schema)
    assert main(["worker", "--db", url]) == 2
    assert schema not in leftover_schemas(os.getpid())
    world = contract_world()
    reference = Engine(MemoryState(world))
    with open_store(url, world) as store:
        command = AddPoolIp(actor("acct-1"), POOL_A, "10.0.1.6")
        assert Engine(store).execute(command).status == 200
        reference.execute(command)
        queued = store.pending_count
        assert queued > 0
    worker = subprocess.Popen(
        [sys.executable, "-m", "ippools", "worker", "--db", url, "--settle-delay", "0"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stderr is not None
        first = worker.stderr.readline()
        assert first.startswith("ippools: worker on postgresql://"), first
        with open_store(url) as store:
            deadline = time.monotonic() + 30
            while store.pending_count:
                assert time.monotonic() < deadline, "the worker did not settle in time"
                time.sleep(0.05)
    finally:
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=30)
    assert worker.returncode == 0
    assert err == f"ippools: worker stopped; it processed {queued} pending updates\n"
    reference.settle()
    with open_store(url) as store:
        assert store.world() == reference.state.world()


def test_serve_on_postgres_answers_and_settles(schema: str, tmp_path: Path) -> None:
    """``ippools serve --db postgresql://...`` serves the API from the PostgreSQL store: a
    change is answered, its pending updates settle, the stored world is the serial one;
    a second server on the same schema sees the same store, and a reset replaces it."""
    url = url_with_schema(schema)
    world = contract_world()
    world_path = tmp_path / "world.json"
    world_path.write_text(dump_json(unstructure(world)), encoding="utf-8")
    reference = Engine(MemoryState(world))
    reference.execute(AddPoolIp(actor("acct-1"), POOL_A, "10.0.1.6"))
    reference.settle()
    headers = {
        "X-Mailgun-Account-Id": "acct-1",
        "X-Mailgun-Requestor": "ops@example.com",
        "X-Mailgun-Requestor-Client": "test",
    }
    with (
        Server("--trust-headers", "--db", url, "--world", str(world_path), "--no-worker") as one,
        client_for(one.url) as client,
    ):
        answer = client.patch(
            f"/v3/ip_pools/{POOL_A}", data={"add_ip": "10.0.1.6"}, headers=headers
        )
        assert answer.status_code == 200, answer.text
        assert settle(client) > 0
        assert stored(client) == (reference.state.world(), 0)
        mine = client.get(f"/v3/ip_pools/{POOL_A}", headers=headers)
        with (
            Server("--trust-headers", "--db", url, "--no-worker") as two,
            client_for(two.url) as other,
        ):
            theirs = other.get(f"/v3/ip_pools/{POOL_A}", headers=headers)
            assert (theirs.status_code, theirs.json()) == (200, mine.json())
        reset = client.post("/_ippools/reset", json={"world": unstructure(World()), "ids": []})
        assert reset.status_code == 200, reset.text
        assert stored(client) == (World(), 0)


def test_replay_output_equals_memory_for_a_scenario_via_the_library(schema: str) -> None:
    """The library path (open_store + replay) gives the in-memory output too."""
    path = ROOT / "src" / "ippools" / "scenarios" / "delete-with-replacement.json"
    scenario = load_scenario(parse_json(path.read_text(encoding="utf-8")))
    with open_store(url_with_schema(schema), scenario.world) as store:
        on_postgres = replay(scenario, store)
    assert dump_json(unstructure(on_postgres.output)) == dump_json(
        unstructure(replay(scenario).output)
    )


def test_no_test_schema_is_left_behind() -> None:
    """The tests of this process drop every schema they made (checked last in this file)."""
    require_postgres()
    assert leftover_schemas(os.getpid()) == []
