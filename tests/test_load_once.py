"""A world is checked once and each IP text of a document parsed once; errors stay the same."""

from __future__ import annotations

import ipaddress
from typing import Any

import attrs
import cattrs
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import ippools.world
from ippools import DocumentError, MemoryState, World, world_problems
from ippools.documents import load_scenario, load_world, make_converter, unstructure
from ippools.documents.world import UsualDomains
from ippools.model import Domain
from ippools.store import open_sqlite
from ippools.testing.strategies import worlds
from ippools.world import check_world
from tests.support import POOL_A, account, dedicated, domain, pool


def world_document() -> dict[str, Any]:
    """Three domains holding the same IPs, two of them linked to one DIPP (I1)."""
    return {
        "accounts": [{"id": "acct-1", "dipps": True, "shared_ip_eligible": True}],
        "dedicated_ips": [
            {"ip": "198.51.100.1", "account_id": "acct-1"},
            {"ip": "2001:db8::1", "account_id": "acct-1"},
        ],
        "shared_ips": ["192.0.2.1"],
        "domains": [
            {"id": "dom-1", "name": "a.example", "account_id": "acct-1", "pool_id": POOL_A,
             "ips": ["198.51.100.1", "2001:db8::1"]},
            {"id": "dom-2", "name": "b.example", "account_id": "acct-1", "pool_id": POOL_A,
             "ips": ["198.51.100.1", "2001:db8::1"]},
            {"id": "dom-3", "name": "c.example", "account_id": "acct-1",
             "ips": ["192.0.2.1", "198.51.100.1"]},
        ],
        "pools": [{"pool_id": POOL_A, "account_id": "acct-1", "name": "p", "description": "d",
                   "ips": ["198.51.100.1", "2001:db8::1"]}],
    }  # fmt: skip


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[World]:
    """Every world that the check of §4 and K13 walks, in order."""
    walked: list[World] = []
    walk = ippools.world._problems

    def counting(world: World) -> list[str]:
        walked.append(world)
        return walk(world)

    monkeypatch.setattr(ippools.world, "_problems", counting)
    return walked


def test_a_loaded_world_is_not_checked_again_by_the_state_or_the_store(
    checks: list[World],
) -> None:
    """The loader's check is the only one: MemoryState and open_sqlite reuse its answer."""
    world = load_world(world_document())
    assert len(checks) == 1
    MemoryState(world)
    with open_sqlite(":memory:", world):
        pass
    check_world(world)
    assert world_problems(world) == []
    assert checks == [world]


def test_each_new_world_is_checked_even_when_equal_to_a_checked_one(
    checks: list[World],
) -> None:
    """What a check found belongs to one world value: an equal or evolved world is checked anew."""
    world = load_world(world_document())
    equal = World(world.accounts, world.dedicated_ips, world.shared_ips, world.domains, world.pools)
    assert world_problems(equal) == []
    broken = attrs.evolve(
        world, domains=[*world.domains, domain("dom-9", "z.example", pool=POOL_A)]
    )
    assert world_problems(broken) == [
        f"domains[dom-9]: holds other IPs than its pool {POOL_A!r} (I1)",
        "domains[dom-9]: holds no IP (I5)",
    ]
    assert checks == [world, equal, broken]
    with pytest.raises(DocumentError, match=r"domains\[dom-9\]: holds other IPs"):
        MemoryState(broken)
    assert checks == [world, equal, broken]


def test_a_remembered_check_is_not_part_of_the_world_value() -> None:
    """A checked world equals, hashes and prints like the same world never checked."""
    fresh = World(accounts=[account("acct-1")], dedicated_ips=[dedicated("198.51.100.1")])
    checked = World(accounts=[account("acct-1")], dedicated_ips=[dedicated("198.51.100.1")])
    assert world_problems(checked) == []
    assert checked == fresh
    assert hash(checked) == hash(fresh)
    assert repr(checked) == repr(fresh)
    assert "_problems" not in repr(checked)


def test_problems_are_remembered_and_given_as_a_new_list_each_time() -> None:
    """A caller that changes the list it got cannot change what the next caller gets."""
    world = World(domains=[domain("dom-1", "a.example")])
    first = world_problems(world)
    first.clear()
    assert world_problems(world) == [
        "domains[dom-1]: unknown account 'acct-1'",
        "domains[dom-1]: holds no IP (I5)",
    ]


def test_equal_ip_texts_of_a_document_give_one_ip_value_and_one_set() -> None:
    """Each distinct IP text, and each distinct list of them, is parsed once per document."""
    world = load_world(world_document())
    first, second, third = world.domains
    assert first.ips is second.ips is world.pools[0].ips
    by_text = {str(ip): ip for ip in first.ips}
    assert third.ips == {by_text["198.51.100.1"], ipaddress.ip_address("192.0.2.1")}
    assert any(ip is by_text["198.51.100.1"] for ip in third.ips)
    assert world.dedicated_ips[0].ip is by_text["198.51.100.1"]


def test_documents_do_not_share_what_they_parsed() -> None:
    """The memo lives as long as one document: a new load parses its texts anew."""
    one, two = load_world(world_document()), load_world(world_document())
    assert one == two
    assert one.domains[0].ips is not two.domains[0].ips


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda doc: doc["domains"][1].update(ips=["198.51.100.1", "198.51.100.1"]),
         "domains[1].ips[1]: '198.51.100.1' is repeated"),
        (lambda doc: doc["domains"][2].update(ips={"198.51.100.1": 1}),
         "domains[2].ips: expected an array, got an object"),
        (lambda doc: doc["domains"][2].update(ips=["198.51.100.1", ["192.0.2.1"]]),
         "domains[2].ips[1]: expected a string, got an array"),
        (lambda doc: doc["domains"][2].update(ips=("198.51.100.1",)),
         "domains[2].ips: expected an array, got a tuple"),
        (lambda doc: doc["domains"][2].update(ips=["198.51.100.01"]),
         "domains[2].ips[0]: '198.51.100.01' is not a valid IP address"),
        (lambda doc: doc["pools"][0].update(ips=["198.51.100.1", "2001:db8::1", "x"]),
         "pools[0].ips[2]: 'x' is not a valid IP address"),
        (lambda doc: doc["dedicated_ips"][1].update(ip="198.51.100.1"),
         "dedicated_ips[1].ip: '198.51.100.1' is repeated"),
    ],
)  # fmt: skip
def test_texts_seen_before_in_the_document_are_refused_as_without_a_memo(
    change: Any, message: str
) -> None:
    """A value equal to an accepted one but of another type, or repeated, still fails the same."""
    doc = world_document()
    change(doc)
    with pytest.raises(DocumentError) as caught:
        load_world(doc)
    assert str(caught.value) == message


def test_a_broken_world_is_named_as_the_document_has_it() -> None:
    """Repeats come before references, references before invariants, each with its index."""
    doc = world_document()
    doc["domains"].append(dict(doc["domains"][0], name="A.example."))
    doc["domains"][2]["account_id"] = "ghost"
    with pytest.raises(DocumentError) as caught:
        load_world(doc)
    assert str(caught.value) == "domains[3].id: 'dom-1' is repeated"
    del doc["domains"][3]
    with pytest.raises(DocumentError) as caught:
        load_world(doc)
    assert str(caught.value) == "domains[2].account_id: unknown account 'ghost'"
    doc["domains"][2]["account_id"] = "acct-1"
    doc["accounts"][0]["shared_ip_eligible"] = False
    with pytest.raises(DocumentError) as caught:
        load_world(doc)
    assert str(caught.value) == ("domains[2]: holds shared IP 192.0.2.1, account not eligible (I5)")


def test_a_converter_made_anew_memoises_inside_each_document_only() -> None:
    """make_converter gives the same worlds; records structured alone are parsed each time."""
    converter = make_converter()
    world = converter.structure(world_document(), World)
    assert world == load_world(world_document())
    raw = world_document()["domains"][0]
    first = converter.structure(raw, type(world.domains[0]))
    second = converter.structure(raw, type(world.domains[0]))
    assert first == second == world.domains[0]
    assert first.ips is not second.ips


def test_a_record_unstructured_alone_gives_its_canonical_form() -> None:
    """Outside a document there is no memo: a record's IPs are still sorted and printed (C5)."""
    converter = make_converter()
    record = domain("dom-1", "a.example", ip_texts=["2001:db8::1", "198.51.100.1"])
    assert converter.unstructure(record)["ips"] == ["198.51.100.1", "2001:db8::1"]
    assert converter.unstructure(record)["ips"] is not converter.unstructure(record)["ips"]


def test_unstructured_ip_lists_are_each_their_own() -> None:
    """Records holding equal IP sets get equal lists in canonical order, not one shared list."""
    value = unstructure(load_world(world_document()))
    first, second, _ = value["domains"]
    assert first["ips"] == second["ips"] == ["198.51.100.1", "2001:db8::1"]
    first["ips"].append("changed")
    assert second["ips"] == ["198.51.100.1", "2001:db8::1"]
    assert value["pools"][0]["ips"] == ["198.51.100.1", "2001:db8::1"]


def test_a_scenario_world_and_its_expected_world_load_as_before() -> None:
    """The scenario's settled world is checked; expect_world, a stored state, is not (K15)."""
    lagging = world_document()
    lagging["domains"][0]["ips"] = ["198.51.100.1"]  # I1 broken: allowed in expect_world
    scenario = load_scenario(
        {"format": "ippools-scenario/1", "world": world_document(), "steps": [],
         "expect_world": lagging}
    )  # fmt: skip
    assert scenario.world == load_world(world_document())
    assert scenario.expect_world is not None
    assert [sorted(map(str, d.ips)) for d in scenario.expect_world.domains] == [
        ["198.51.100.1"],
        ["198.51.100.1", "2001:db8::1"],
        ["192.0.2.1", "198.51.100.1"],
    ]
    shown = pool(POOL_A, ip_texts=["198.51.100.1", "2001:db8::1"], name="p", description="d")
    assert scenario.world.pools[0] == shown


# -- records built directly, checked by the record itself -----------------------------------


class AsDict(dict[str, Any]):
    """A JSON object that is not a plain dict: the loader takes it through its strict hooks only."""


ODD_VALUES = [
    None, True, False, 0, 1.5, "", " ", "a b", "a/b", "x\u00a0y", "x\u2028", "acct-1",
    "sub-1", POOL_A, "A" * 24, "g" * 24, "198.51.100.1", "198.51.100.01", "2001:db8::1",
    "fe80::1%eth0", [], ["198.51.100.1"], ["198.51.100.1", "198.51.100.1"], ["x"],
    ["acct-1", "acct-1"], ["sub-1"], ["acct-1"], {}, {"ip": "198.51.100.1"}, "\ud800",
    "d\u00e9.example", [["198.51.100.1"]], ["198.51.100.1", None], ("198.51.100.1",),
]  # fmt: skip
RECORDS: dict[str, dict[str, Any]] = {
    "accounts": {"id": "sub-1", "parent_id": "acct-1", "dipps": True, "shared_ip_eligible": False},
    "dedicated_ips": {"ip": "198.51.100.7", "account_id": "acct-1", "warmup": True},
    "domains": {"id": "dom-7", "name": "x.example", "account_id": "acct-1", "pool_id": POOL_A,
                "ips": ["198.51.100.1", "2001:db8::1"]},
    "pools": {"pool_id": "b" * 24, "account_id": "acct-1", "name": "n", "description": "d",
              "ips": [], "delegated_to": ["sub-1"]},
}  # fmt: skip


def outcome(doc: dict[str, Any]) -> tuple[str, Any]:
    """What loading ``doc`` gives: the world in canonical form, or the error's message."""
    try:
        return "loaded", unstructure(load_world(doc))
    except DocumentError as error:
        return "refused", str(error)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(sorted(RECORDS)),
    changes=st.dictionaries(
        st.sampled_from(["id", "parent_id", "dipps", "shared_ip_eligible", "ip", "account_id",
                         "warmup", "name", "pool_id", "ips", "description", "delegated_to",
                         "extra"]),
        st.sampled_from(["(absent)", *range(len(ODD_VALUES))]),
        max_size=3,
    ),
)  # fmt: skip
def test_a_record_built_directly_is_the_one_the_strict_hooks_build(
    kind: str, changes: dict[str, Any]
) -> None:
    """Whatever a record holds, building it directly and through the strict hooks agree.

    Either both give the same world, or both refuse it with the same message: the
    record's own checks and the loader's accept the same values.
    """
    record = dict(RECORDS[kind])
    for name, change in changes.items():
        if change == "(absent)":
            record.pop(name, None)
        else:
            record[name] = ODD_VALUES[change]
    direct, strict = world_document(), world_document()
    direct["accounts"].append({"id": "sub-1", "parent_id": "acct-1"})
    strict["accounts"].append({"id": "sub-1", "parent_id": "acct-1"})
    if kind == "accounts":
        direct["accounts"].pop()
        strict["accounts"].pop()
    direct[kind].append(record)
    strict[kind].append(AsDict(record))
    if kind == "domains":  # the same values again: what the first record showed valid is known
        again = {**record, "id": "dom-8", "name": "y.example"}
        direct[kind].append(again)
        strict[kind].append(AsDict(again))
    assert outcome(direct) == outcome(strict)


# -- a whole list of domain records at once ---------------------------------------------------

DOMAIN_CHANGES = st.dictionaries(
    st.sampled_from(["id", "name", "account_id", "pool_id", "ips", "extra"]),
    st.sampled_from(["(absent)", *range(len(ODD_VALUES))]),
    max_size=2,
)


def domain_record(n: int, changes: dict[str, Any]) -> dict[str, Any]:
    """The n-th usual domain record (ids and names of its own), with ``changes`` made."""
    record = {**RECORDS["domains"], "id": f"dom-{n}", "name": f"d{n}.example"}
    if n % 3 == 1:
        del record["pool_id"]
        record["ips"] = ["198.51.100.1"]
    if n % 3 == 2:
        del record["ips"]
    for name, change in changes.items():
        if change == "(absent)":
            record.pop(name, None)
        else:
            record[name] = ODD_VALUES[change]
    return record


def one_by_one(records: list[Any], converter: cattrs.Converter | None = None) -> list[Any] | str:
    """The domains that the domain hook builds from each record in turn, or "refused"."""
    hook = (converter or make_converter()).get_structure_hook(Domain)
    try:
        return [hook(record, Domain) for record in records]
    except Exception:
        return "refused"


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.just({}), DOMAIN_CHANGES), min_size=1, max_size=6))
def test_a_list_of_domains_built_at_once_is_the_list_built_record_by_record(
    changes: list[dict[str, Any]],
) -> None:
    """The column-by-column hook of a domain list gives the domains that the record hook gives
    one by one, or declines (None) and leaves the list to it; it never builds a record that the
    record hook refuses, and it declines only lists that hold an unusual record."""
    records = [domain_record(n, change) for n, change in enumerate(changes)]
    at_once = make_converter().get_structure_hook(UsualDomains)(records, UsualDomains)
    expected = one_by_one(records)
    if at_once is None:
        assert expected == "refused" or any(changes)
    else:
        assert at_once == expected


@pytest.mark.parametrize("field", ["id", "name", "account_id"])
def test_every_ascii_character_in_an_id_is_judged_as_record_by_record(field: str) -> None:
    """The column check of ids and names refuses exactly the ASCII characters that the
    record's own check refuses (whitespace of every kind, ``/``), wherever they stand."""
    converter = make_converter()
    hook = converter.get_structure_hook(UsualDomains)
    for code in range(128):
        for text in (f"x{chr(code)}y", chr(code), f"{chr(code)}x"):
            records = [domain_record(0, {}), domain_record(1, {})]
            records[1][field] = text
            at_once = hook(records, UsualDomains)
            expected = one_by_one(records, converter)
            if at_once is None:
                assert expected == "refused", (code, text)
            else:
                assert at_once == expected, (code, text)


def test_a_usual_domain_list_is_built_at_once() -> None:
    """Records of ASCII ids, an optional pool id and IP lists, nothing else: built at once."""
    records = [domain_record(n, {}) for n in range(9)]
    at_once = make_converter().get_structure_hook(UsualDomains)(records, UsualDomains)
    assert at_once is not None
    assert at_once == one_by_one(records)
    assert [domain.pool_id for domain in at_once[:3]] == [POOL_A, None, POOL_A]
    assert at_once[2].ips == frozenset()


# -- the domains of a world checked column by column ------------------------------------------


@st.composite
def damaged_worlds(draw: st.DrawFn) -> World:
    """A valid world (with subaccounts and delegations now and then) whose domains are redrawn
    from its own values: accounts, DIPPs and IPs of any owner, repeated ids and names."""
    world = draw(worlds(max_accounts=4, min_dedicated_ips=2, min_domains=2, min_pools=1))
    accounts = [account.id for account in world.accounts] + ["acct-unknown"]
    pool_ids = [None, "f" * 24] + [pool.pool_id for pool in world.pools]
    ips = sorted({record.ip for record in world.dedicated_ips} | set(world.shared_ips), key=str)
    domains = list(world.domains)
    for _ in range(draw(st.integers(1, 2))):
        i = draw(st.integers(0, len(domains) - 1))
        old = domains[i]
        values: dict[str, st.SearchStrategy[Any]] = {
            "id": st.sampled_from([d.id for d in domains]),
            "name": st.sampled_from([d.name for d in domains] + [old.name.upper()]),
            "account_id": st.sampled_from(accounts),
            "pool_id": st.sampled_from(pool_ids),
            "ips": st.sets(st.sampled_from(ips), max_size=3),
        }
        field = draw(st.sampled_from(sorted(values)))  # one field per change: one problem
        changes: dict[str, Any] = {field: draw(values[field])}
        domains[i] = attrs.evolve(old, **changes)
    return World(world.accounts, world.dedicated_ips, world.shared_ips, domains, world.pools)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_worlds())
def test_domains_checked_by_columns_give_the_problems_of_the_walk(world: World) -> None:
    """The column check of a world's domains finds a world without domain problems exactly when
    the walk domain by domain does, with the same linked DIPPs; the messages come from the walk."""
    walked: list[str] = []
    linked: set[str] = set()
    accounts = {account.id: account for account in world.accounts}
    dedicated = {record.ip: record for record in world.dedicated_ips}
    shared = set(world.shared_ips)
    own: dict[str, set[Any]] = {}
    for record in world.dedicated_ips:
        own.setdefault(record.account_id, set()).add(record.ip)
    pools = {pool.pool_id: pool for pool in world.pools}
    shared_only = shared - dedicated.keys()
    ippools.world._domain_problems(
        world.domains, accounts, pools, dedicated, shared, own, shared_only, walked.append, linked
    )
    by_columns = ippools.world._domains_fine(world.domains, accounts, pools, own, shared_only)
    if by_columns is not None:
        assert walked == []
        assert by_columns == linked
    event("column check passed" if by_columns is not None else "walked")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(max_domains=8))
def test_domains_unstructured_at_once_are_the_records_unstructured_one_by_one(
    world: World,
) -> None:
    """A world's domain list, written over the whole list, is each record's own unstructured
    form, in order, and no two records share an IP list."""
    converter = make_converter()
    one_by_one = [converter.unstructure(record) for record in world.domains]
    at_once = unstructure(world)["domains"]
    assert at_once == one_by_one
    assert [list(value) for value in at_once] == [list(value) for value in one_by_one]
    assert len({id(value["ips"]) for value in at_once}) == len(at_once)
