"""A damaged SQLite store, and values its driver cannot take: StoreError, never anything else.

A file altered by another program (a non-JSON IP list, a value of the wrong type,
an invalid IP, a NULL where a value is needed, an unknown kind) raises StoreError
naming the table and the row, from reads, commands and processing alike, and a
command that meets the damage writes nothing. Text that is not valid Unicode, given
to the store's Python API directly, is a StoreError too (or refused by the model),
never a driver exception.
"""

from __future__ import annotations

import itertools
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from operator import methodcaller
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ippools import (
    Actor,
    AddPoolIp,
    Changes,
    Command,
    CreatePool,
    DeletePool,
    Domain,
    DomainUpdate,
    EditPool,
    Engine,
    GetPool,
    Policies,
    RemovePoolIp,
    SequenceIds,
    UnlinkDomainPool,
    World,
)
from ippools.store import RecordKey, Service, SqliteStore, StoreError
from ippools.store.contract_data import (
    NEW_IDS,
    OTHER,
    PARENT,
    POOL_A,
    POOL_B,
    POOL_C,
    POOL_D,
    contract_world,
    ip,
    ips,
    who,
)

P, Q = who(PARENT), who(OTHER)
POOL_E = NEW_IDS[0]
SETUP: list[Command] = [
    DeletePool(P, POOL_B, replacement_pool_id=POOL_A),  # tombstone B: pool A
    DeletePool(Q, POOL_C, replacement_ip="10.0.2.1"),  # tombstone C: an IP
    CreatePool(P, "epsilon", "new", ("10.0.1.6",)),
    EditPool(P, POOL_E, link_domain_ids=("d-u1",)),
    DeletePool(P, POOL_E, replacement_ip="shared"),  # tombstone E: a shared IP for d-u1
    AddPoolIp(P, POOL_A, "10.0.1.4"),  # queues a subaccount update
]
"""Commands that leave a row in every table: tombstones of each kind, shared choices,
versions and both kinds of pending update."""

_files = itertools.count()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store that ran SETUP, nothing processed."""
    path = tmp_path_factory.mktemp("damage") / "template.db"
    with SqliteStore(path, contract_world()) as store:
        service = Service(store, Policies(ids=SequenceIds(list(NEW_IDS))))
        for command in SETUP:
            assert service.execute(command).status == 200, command
    return path


def _copy(template: Path) -> Path:
    path = template.parent / f"copy-{next(_files)}.db"
    shutil.copyfile(template, path)
    return path


def _raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def _dump(path: Path) -> list[str]:
    with _raw(path) as conn:
        return list(conn.iterdump())


def _writable_schema(conn: sqlite3.Connection, table: str, old: str, new: str) -> None:
    """Rewrite a table's schema text in place, as a hand edit of the file could."""
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE name = ?", (old, new, table)
    )
    conn.execute(f"PRAGMA schema_version = {version + 1}")
    conn.execute("PRAGMA writable_schema = OFF")


Operation = Callable[[SqliteStore], object]


def _get(pool_id: str) -> Operation:
    return lambda store: Service(store).execute(GetPool(P, pool_id))


def _run(command: Any) -> Operation:
    return lambda store: Service(store).execute(command)


DAMAGE: list[tuple[str, str, tuple[Any, ...], Operation, str]] = [
    # (id, SQL damaging the file, its arguments, what meets it, the message after "row ")
    (
        "ips not JSON",
        "UPDATE domains SET ips = 'not json' WHERE id = 'd-a1'",
        (),
        _get(POOL_A),
        "domains row 'd-a1': ips is not a JSON list of IPs",
    ),
    (
        "ips not a list",
        "UPDATE domains SET ips = '{\"ips\": []}' WHERE id = 'd-a2'",
        (),
        _run(RemovePoolIp(P, POOL_A, "10.0.1.4")),
        "domains row 'd-a2': ips is not a JSON list of IPs",
    ),
    (
        "ips holds an invalid IP",
        "UPDATE domains SET ips = '[\"10.0.1.999\"]' WHERE id = 'd-c2'",
        (),
        lambda store: store.world(),
        "domains row 'd-c2': ips is not a JSON list of IPs",
    ),
    (
        "ips holds a number",
        "UPDATE pools SET ips = '[1]' WHERE pool_id = ?",
        (POOL_A,),
        _get(POOL_A),
        f"pools row {POOL_A!r}: ips is not a JSON list of IPs",
    ),
    (
        "ips is a blob",
        "UPDATE domains SET ips = CAST('[]' AS BLOB) WHERE id = 'd-u2'",
        (),
        lambda store: store.domain("d-u2"),
        "domains row 'd-u2': ips is not a JSON list of IPs",
    ),
    (
        "delegated_to not JSON",
        "UPDATE pools SET delegated_to = '[acct-1a' WHERE pool_id = ?",
        (POOL_A,),
        _run(UnlinkDomainPool(P, "a1.example.com", replacement_ip="10.0.1.6")),
        f"pools row {POOL_A!r}: delegated_to is not a JSON list of account ids",
    ),
    (
        "name of the wrong type",
        "UPDATE domains SET name = X'00ff' WHERE id = 'd-u2'",
        (),
        lambda store: store.effective_world(),
        "domains row 'd-u2': name ",
    ),
    (
        "pool_id not a DIPP id",
        "UPDATE domains SET pool_id = 'not a pool' WHERE id = 'd-s1'",
        (),
        lambda store: store.stored_domain("d-s1"),
        "domains row 'd-s1': pool_id ",
    ),
    (
        "flag not 0 or 1",
        "UPDATE accounts SET dipps = 'yes' WHERE id = ?",
        (PARENT,),
        _get(POOL_A),
        f"accounts row {PARENT!r}: dipps is not 0 or 1",
    ),
    (
        "flag out of range",
        "UPDATE accounts SET shared_ip_eligible = 2 WHERE id = ?",
        (PARENT,),
        _run(UnlinkDomainPool(P, "a1.example.com", replacement_ip="shared")),
        f"accounts row {PARENT!r}: shared_ip_eligible is not 0 or 1",
    ),
    (
        "account its own parent",
        "UPDATE accounts SET parent_id = id WHERE id = ?",
        (OTHER,),
        lambda store: Service(store).execute(GetPool(Q, POOL_C)),
        f"accounts row {OTHER!r}: account {OTHER!r} cannot be its own parent",
    ),
    (
        "warmup of the wrong type",
        "UPDATE dedicated_ips SET warmup = 0.5 WHERE ip = '10.0.1.6'",
        (),
        _run(AddPoolIp(P, POOL_D, "10.0.1.6")),
        "dedicated_ips row '10.0.1.6': warmup is not 0 or 1",
    ),
    (
        "dedicated IP invalid",
        "UPDATE dedicated_ips SET ip = '10.0.3.999' WHERE ip = '10.0.3.1'",
        (),
        lambda store: store.dedicated_ips_of("acct-1a"),
        "dedicated_ips row '10.0.3.999': ip is not an IP",
    ),
    (
        "usage not a count",
        "UPDATE shared_ips SET usage = 'many' WHERE ip = '203.0.113.3'",
        (),
        _run(UnlinkDomainPool(P, "a1.example.com", replacement_ip="shared")),
        "shared_ips row '203.0.113.3': usage is not an integer of at least 0",
    ),
    (
        "usage negative",
        "UPDATE shared_ips SET usage = -1 WHERE ip = '203.0.113.1'",
        (),
        lambda store: store.shared_ip_usage(),
        "shared_ips row '203.0.113.1': usage is not an integer of at least 0",
    ),
    (
        "shared IP invalid",
        "UPDATE shared_ips SET ip = 'shared' WHERE ip = '203.0.113.1'",
        (),
        lambda store: store.world(),
        "shared_ips row 'shared': ip is not an IP",
    ),
    (
        "holder not a DIPP id",
        "UPDATE pool_holders SET pool_id = 'nobody' WHERE ip = '10.0.1.1'",
        (),
        _run(AddPoolIp(P, POOL_D, "10.0.1.1")),
        "pool_holders row '10.0.1.1': pool_id is not a DIPP id",
    ),
    (
        "tombstone of an unknown kind",
        "UPDATE tombstones SET kind = 'bogus' WHERE pool_id = ?",
        (POOL_B,),
        lambda store: store.domain("d-b1"),
        f"tombstones row {POOL_B!r}: kind is not one of 'pool', 'ip', 'shared', 'none'",
    ),
    (
        "NULL target of a pool tombstone",
        "UPDATE tombstones SET target = NULL WHERE pool_id = ?",
        (POOL_B,),
        lambda store: store.domain("d-b1"),
        f"tombstones row {POOL_B!r}: target is not a DIPP id",
    ),
    (
        "IP tombstone target invalid",
        "UPDATE tombstones SET target = 'nope' WHERE pool_id = ?",
        (POOL_C,),
        lambda store: store.domain_named("c1.example.org"),
        f"tombstones row {POOL_C!r}: target is not an IP",
    ),
    (
        "tombstone owner of the wrong type",
        "UPDATE tombstones SET account_id = X'01' WHERE pool_id = ?",
        (POOL_C,),
        lambda store: store.settle(),
        f"tombstones row {POOL_C!r}: account_id ",
    ),
    (
        "pool id led to, not a DIPP id",
        "UPDATE tombstones SET pool_id = 'x' WHERE pool_id = ?",
        (POOL_B,),
        _get(POOL_A),
        "tombstones row 'x': pool_id is not a DIPP id",
    ),
    (
        "shared choice invalid",
        "UPDATE shared_choices SET ip = '' WHERE domain_id = 'd-u1'",
        (),
        lambda store: store.domain("d-u1"),
        f"shared_choices row ({POOL_E!r}, 'd-u1'): ip is not an IP",
    ),
    (
        "pending update of an unknown kind",
        "UPDATE outbox SET kind = 'pool' WHERE seq = 2",
        (),
        lambda store: store.pending,
        "outbox row 2: kind is not 'domain' or 'subaccount'",
    ),
    (
        "NULL DIPP of a subaccount update",
        "UPDATE outbox SET pool_id = NULL WHERE kind = 'subaccount'",
        (),
        lambda store: Service(store).process_pending(),
        "outbox row 8: pool_id is not a DIPP id",
    ),
    (
        "pending update subject of the wrong type",
        "UPDATE outbox SET subject = X'01' WHERE seq = 1",
        (),
        lambda store: store.process(1),
        "outbox row 1: subject is not a non-empty text",
    ),
    (
        "version of the wrong type",
        "UPDATE versions SET version = 'two' WHERE kind = 'pool' AND id = ?",
        (POOL_A,),
        lambda store: store.version(RecordKey.pool(POOL_A)),
        f"versions row ('pool', {POOL_A!r}): version is not an integer of at least 1",
    ),
    (
        "version 0",
        "UPDATE versions SET version = 0 WHERE kind = 'pool' AND id = ?",
        (POOL_A,),
        _run(EditPool(P, POOL_A, name="renamed")),
        f"versions row ('pool', {POOL_A!r}): version is not an integer of at least 1",
    ),
]


@pytest.mark.parametrize(
    ("sql", "args", "operation", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in DAMAGE],
)
def test_a_damaged_row_raises_store_error_naming_it_and_changes_nothing(
    template: Path, sql: str, args: tuple[Any, ...], operation: Operation, message: str
) -> None:
    """Item by item, a row altered by hand raises StoreError naming the table, the row and
    what is wrong, whether a read, a command or processing meets it; nothing is written."""
    path = _copy(template)
    with _raw(path) as conn:
        conn.execute(sql, args)
    before = _dump(path)
    with SqliteStore(path) as store, pytest.raises(StoreError) as caught:
        operation(store)
    assert str(caught.value).startswith(f"store {str(path)!r} is damaged: {message}")
    assert "\n" not in str(caught.value)
    assert _dump(path) == before


def test_a_null_where_the_schema_wanted_a_value_raises_store_error(template: Path) -> None:
    """A file whose schema was edited to allow NULL IPs, holding one: StoreError naming it."""
    path = _copy(template)
    with _raw(path) as conn:
        _writable_schema(conn, "domains", "ips TEXT NOT NULL", "ips TEXT")
    with _raw(path) as conn:
        conn.execute("UPDATE domains SET ips = NULL WHERE id = 'd-c1'")
    with SqliteStore(path) as store, pytest.raises(StoreError) as caught:
        store.domain("d-c1")
    assert str(caught.value) == (
        f"store {str(path)!r} is damaged: domains row 'd-c1': ips is not a JSON list of IPs"
    )


def test_text_that_is_not_utf_8_raises_store_error_naming_the_column(template: Path) -> None:
    """Bytes that are not UTF-8 in a text column: StoreError (the driver cannot decode the
    row, so the message names the column), not the driver's OperationalError."""
    path = _copy(template)
    with _raw(path) as conn:
        conn.execute("UPDATE domains SET name = CAST(X'ff' AS TEXT) WHERE id = 'd-u2'")
    with SqliteStore(path) as store, pytest.raises(StoreError) as caught:
        store.world()
    assert not isinstance(caught.value, sqlite3.Error)
    assert str(caught.value).startswith(
        f"store {str(path)!r}: Could not decode to UTF-8 column 'name'"
    )


# -- random damage -----------------------------------------------------------------------

BLOB = b"\xff\x00"
BAD_ID = [BLOB, "", "a b"]
BAD_IP = [BLOB, "", "10.0.1.999", "shared"]
BAD_FLAG = [2, -1, "yes", 0.5, BLOB]
BAD_JSON_IPS = ["nope", "{}", "[1]", '["10.0.1.999"]', "[[]]", BLOB, "[" * 5000]
BAD_JSON_IDS = ["nope", "{}", "[1]", '"acct-1a"', BLOB]
BAD_POOL_ID = [BLOB, "xyz", "A" * 24]

# The columns the store decodes, except the keys that other records refer to (changing
# one loses the record instead of damaging it), with values that no record can hold.
COLUMNS: dict[tuple[str, str], list[Any]] = {
    ("accounts", "parent_id"): BAD_ID,
    ("accounts", "dipps"): BAD_FLAG,
    ("accounts", "shared_ip_eligible"): BAD_FLAG,
    ("dedicated_ips", "account_id"): BAD_ID,
    ("dedicated_ips", "warmup"): BAD_FLAG,
    ("shared_ips", "usage"): [-1, "many", 0.5, BLOB],
    ("pools", "account_id"): BAD_ID,
    ("pools", "name"): [BLOB, 12],
    ("pools", "description"): [BLOB, 1.5],
    ("pools", "ips"): BAD_JSON_IPS,
    ("pools", "delegated_to"): BAD_JSON_IDS,
    ("pool_holders", "pool_id"): BAD_POOL_ID,
    ("tombstones", "account_id"): BAD_ID,
    ("tombstones", "kind"): ["bogus", BLOB],
    ("tombstones", "target"): [None, BLOB, "nope"],
    ("shared_choices", "ip"): BAD_IP,
    ("domains", "name"): BAD_ID,
    ("domains", "account_id"): BAD_ID,
    ("domains", "pool_id"): BAD_POOL_ID,
    ("domains", "ips"): BAD_JSON_IPS,
    ("versions", "version"): [0, -3, "two", 1.5, BLOB],
    ("outbox", "kind"): ["bogus", BLOB],
    ("outbox", "subject"): [BLOB, ""],
    ("outbox", "pool_id"): [BLOB, "xyz"],
}
KEYS = {
    "accounts": "id",
    "dedicated_ips": "ip",
    "shared_ips": "ip",
    "pools": "pool_id",
    "pool_holders": "ip",
    "tombstones": "pool_id",
    "shared_choices": "pool_id, domain_id",
    "domains": "id",
    "versions": "kind, id",
    "outbox": "seq",
}


def _damage(conn: sqlite3.Connection, table: str, column: str, row: int, value: Any) -> None:
    keys = KEYS[table].split(", ")
    found = conn.execute(f"SELECT {KEYS[table]} FROM {table} ORDER BY {KEYS[table]}").fetchall()
    where = " AND ".join(f"{key} = ?" for key in keys)
    conn.execute(
        f"UPDATE {table} SET {column} = ? WHERE {where}", (value, *found[row % len(found)])
    )


def _reads() -> Iterator[Operation]:
    """Every read of the store."""
    world = contract_world()
    yield from (methodcaller(name) for name in ("world", "effective_world", "shared_ip_usage"))
    yield lambda store: store.pending
    for account in world.accounts:
        yield methodcaller("account", account.id)
        yield methodcaller("dedicated_ips_of", account.id)
    for record in world.dedicated_ips:
        yield methodcaller("dedicated_ip", record.ip)
        yield methodcaller("pool_holding", record.ip)
    for domain in world.domains:
        yield methodcaller("domain", domain.id)
        yield methodcaller("stored_domain", domain.id)
        yield methodcaller("domain_named", domain.name)
        yield methodcaller("version", RecordKey.domain(domain.id))
    for pool_id in (POOL_A, POOL_B, POOL_C, POOL_D, POOL_E):
        yield methodcaller("linked_domains_page", pool_id, None, None, 2)
        yield methodcaller("version", RecordKey.pool(pool_id))
        yield _get(pool_id)


READS = list(_reads())
WRITES: list[Operation] = [
    _run(UnlinkDomainPool(P, "a1.example.com", replacement_ip="shared")),
    _run(AddPoolIp(P, POOL_D, "10.0.1.6")),
    _run(DeletePool(P, POOL_A, replacement_pool_id=POOL_D)),
    lambda store: store.process(None),
]
"""Commands of each kind through the service, and processing: each one transaction."""


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(
    damage=st.lists(
        st.sampled_from(sorted(COLUMNS)).flatmap(
            lambda column: st.tuples(
                st.just(column), st.integers(0, 20), st.sampled_from(COLUMNS[column])
            )
        ),
        min_size=1,
        max_size=3,
    )
)
def test_random_damage_raises_only_store_error(
    template: Path, damage: list[tuple[tuple[str, str], int, Any]]
) -> None:
    """Values no record can hold, in random columns of random rows: every read, command and
    processing step either answers or raises StoreError naming the store; a command or
    processing step that raised wrote nothing."""
    path = _copy(template)
    prefix = f"store {str(path)!r}"
    try:
        with _raw(path) as conn:
            for (table, column), row, value in damage:
                _damage(conn, table, column, row, value)
        failures: list[tuple[str, bool]] = []
        with SqliteStore(path) as store:
            for read in READS:
                try:
                    read(store)
                except StoreError as error:
                    failures.append((str(error), True))
            for write in WRITES:
                before = _dump(path)
                try:
                    write(store)
                except StoreError as error:
                    failures.append((str(error), _dump(path) == before))
        assert [f for f in failures if not f[0].startswith(prefix) or not f[1]] == []
    finally:
        path.unlink()


# -- values the driver cannot take -----------------------------------------------------------

SURROGATE = "\ud800"


def _refused(action: Callable[[], object]) -> BaseException:
    """Run ``action``: a StoreError, or a model's refusal; never a driver or encoding error."""
    with pytest.raises((StoreError, TypeError, ValueError)) as caught:
        action()
    assert isinstance(caught.value, StoreError) or not isinstance(caught.value, UnicodeError)
    return caught.value


def test_a_world_with_a_lone_surrogate_is_refused_and_leaves_no_store(tmp_path: Path) -> None:
    """A world whose text is not valid Unicode cannot be stored: StoreError naming the
    store (not UnicodeEncodeError); the file stays empty, so a valid world can follow."""
    path = tmp_path / "surrogate.db"
    world = contract_world()

    def load() -> None:
        bad = Domain("d-x", f"x{SURROGATE}.example.com", PARENT, None, ips("10.0.1.6"))
        SqliteStore(path, World(world.accounts, world.dedicated_ips, domains=[bad])).close()

    error = _refused(load)
    if isinstance(error, StoreError):
        assert str(error).startswith(
            f"store {str(path)!r}: cannot store text that is not valid Unicode: "
        )
        assert "surrogates not allowed" in str(error)
    with SqliteStore(path, world) as store:
        assert store.created is True
        assert store.world() == world


def test_a_lone_surrogate_through_the_python_api_is_a_store_error(tmp_path: Path) -> None:
    """Commands, commits and reads given text with a lone surrogate directly (bypassing the
    wire, which refuses it) raise StoreError or are refused by the model; nothing is
    written."""
    with SqliteStore(tmp_path / "api.db", contract_world()) as store:
        before = (store.world(), store.pending, store.version(RecordKey.pool(POOL_A)))
        engine = Engine(store, Policies(ids=SequenceIds(list(NEW_IDS))))
        actions: list[Callable[[], object]] = [
            lambda: engine.execute(CreatePool(P, f"name{SURROGATE}", "description", ("10.0.1.6",))),
            lambda: engine.execute(EditPool(P, POOL_A, description=SURROGATE)),
            lambda: store.commit(Changes(pending=(DomainUpdate(f"d-{SURROGATE}"),))),
            lambda: store.domain(SURROGATE),
            lambda: store.domain_named(f"{SURROGATE}.example.com"),
            lambda: store.pool(SURROGATE * 24),
            lambda: store.version(RecordKey.domain(SURROGATE)),
            lambda: Service(store).execute(GetPool(Actor(f"acct-{SURROGATE}"), POOL_A)),
            lambda: Service(store).execute(AddPoolIp(Actor(SURROGATE, "ops", "cli"), POOL_A, "x")),
        ]
        for action in actions:
            _refused(action)
        assert (store.world(), store.pending, store.version(RecordKey.pool(POOL_A))) == before
        assert store.pool_id_in_use(NEW_IDS[0]) is False


def test_integers_beyond_64_bits_are_no_driver_error(tmp_path: Path) -> None:
    """A limit or an outbox id beyond SQLite's integers is simply larger than any: no
    OverflowError from the driver."""
    with SqliteStore(tmp_path / "big.db", contract_world()) as store:
        Engine(store).execute(AddPoolIp(P, POOL_A, "10.0.1.6"))
        assert store.linked_domains_page(POOL_A, None, None, 2**70) == store.linked_domains(POOL_A)
        assert store.mark_done([2**70, -(2**70)]) == 0
        assert len(store.claim(2**64)) == 3
        assert store.process(2**70) == 3
        assert store.pending_count == 0
        assert store.dedicated_ip(ip("10.0.1.6")) is not None


def test_a_long_key_is_cut_in_the_message(template: Path) -> None:
    """The key of a damaged row is shown up to 100 characters, the cut marked."""
    path = _copy(template)
    long_id = "d-" + "x" * 200
    with _raw(path) as conn:
        conn.execute("UPDATE domains SET id = ?, ips = 'bad' WHERE id = 'd-u2'", (long_id,))
    with SqliteStore(path) as store, pytest.raises(StoreError) as caught:
        store.world()
    assert str(caught.value) == (
        f"store {str(path)!r} is damaged: domains row {repr(long_id)[:100]}...(cut): "
        "ips is not a JSON list of IPs"
    )


def test_a_tombstone_without_replacement_reads_as_one(template: Path) -> None:
    """Kind 'none' is a kind the store writes (a deleted DIPP without replacement): it reads
    as a tombstone without replacement (the domain is unlinked, keeping its IPs), not as
    damage."""
    path = _copy(template)
    with _raw(path) as conn:
        sql = "UPDATE tombstones SET kind = 'none', target = NULL WHERE pool_id = ?"
        conn.execute(sql, (POOL_C,))
    with SqliteStore(path) as store:
        stored = store.stored_domain("d-c1")
        assert stored is not None
        assert stored.pool_id == POOL_C
        assert store.domain("d-c1") == attrs.evolve(stored, pool_id=None)


def test_an_integer_beyond_64_bits_given_to_the_adapter_is_a_store_error(tmp_path: Path) -> None:
    """The adapter's own primitives translate OverflowError too (a version beyond 64 bits)."""
    with SqliteStore(tmp_path / "v.db", contract_world()) as store:
        adapter = store._sqlite  # the adapter, as another store class built on it would see it
        with store.transaction(), pytest.raises(StoreError) as caught:
            adapter.set_versions({RecordKey.pool(POOL_A): 2**70})
        assert str(caught.value) == (
            f"store {store.path!r}: cannot store a value: "
            "Python int too large to convert to SQLite INTEGER"
        )
        assert store.version(RecordKey.pool(POOL_A)) == 1
