"""World, scenario and replay-output documents: round trips, canonical form, every refusal."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import cattrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ippools import Account, DocumentError, World
from ippools.documents import (
    Expect,
    ReplayOutput,
    RequestResult,
    RequestStep,
    Scenario,
    ScenarioRequest,
    SettleResult,
    SettleStep,
    load_replay_output,
    load_scenario,
    load_world,
    make_converter,
    parse_json,
    unstructure,
)
from ippools.testing.strategies import worlds
from tests.fuzzing import fuzz_examples
from tests.support import POOL_A, POOL_B, account, dedicated, domain, ip, pool

# -- strategies ------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)
json_objects = st.dictionaries(st.text(max_size=6), json_values, max_size=4)
pool_ids = st.text("0123456789abcdef", min_size=24, max_size=24)
field_values = st.text(max_size=5) | st.lists(st.text(max_size=5), max_size=3).map(tuple)
field_maps = st.lists(
    st.tuples(st.text(max_size=6), field_values), max_size=3, unique_by=lambda p: p[0]
)
header_maps = st.lists(
    st.tuples(st.text(min_size=1, max_size=8), st.none() | st.text(max_size=8)),
    max_size=3,
    unique_by=lambda p: p[0],
)


@st.composite
def scenario_requests(draw: st.DrawFn) -> ScenarioRequest:
    """Any well-formed request of a scenario."""
    body = draw(st.sampled_from(["none", "form", "json"]))
    return ScenarioRequest(
        method=draw(st.text(min_size=1, max_size=8)),
        path="/" + draw(st.text(max_size=12).filter(lambda s: "?" not in s and "#" not in s)),
        query=tuple(draw(field_maps)),
        headers=tuple(draw(header_maps)),
        form=tuple(draw(field_maps)) if body == "form" else None,
        json=draw(json_values.filter(lambda v: v is not None)) if body == "json" else None,
    )


steps = st.one_of(
    st.builds(
        RequestStep,
        scenario_requests(),
        st.none() | st.builds(Expect, st.integers(100, 599), st.none() | json_objects),
    ),
    st.builds(SettleStep, st.none() | st.integers(0, 2**40)),
)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """Any valid scenario: a valid world, fresh ids, steps of every kind."""
    world = draw(worlds())
    taken = {p.pool_id for p in world.pools}
    ids = draw(st.lists(pool_ids.filter(lambda i: i not in taken), max_size=3, unique=True))
    return Scenario(
        world=world,
        steps=tuple(draw(st.lists(steps, max_size=4))),
        name=draw(st.text(max_size=10)),
        ids=tuple(ids),
        default_headers=tuple(draw(header_maps)),
        expect_world=draw(st.none() | worlds()),
    )


replay_outputs = st.builds(
    ReplayOutput,
    st.lists(
        st.builds(RequestResult, st.integers(100, 599), json_objects, st.integers(0, 50))
        | st.builds(SettleResult, st.integers(0, 50)),
        max_size=4,
    ).map(tuple),
    worlds(),
    st.integers(0, 50),
)


def through_text(value: Any) -> Any:
    """The value as a JSON text would carry it."""
    return json.loads(json.dumps(value))


# -- round trips ----------------------------------------------------------------------------


@settings(max_examples=150)
@given(worlds())
def test_world_round_trips_through_the_converter(world: World) -> None:
    """§7/K14: structure(unstructure(w)) == w for every valid world, also through JSON text."""
    converter = make_converter()
    assert converter.structure(converter.unstructure(world), World) == world
    assert load_world(through_text(unstructure(world))) == world


@settings(max_examples=150)
@given(scenarios())
def test_scenario_round_trips_through_the_converter(scenario: Scenario) -> None:
    """§7/K17: structure(unstructure(s)) == s for every valid scenario, also through JSON text."""
    converter = make_converter()
    assert converter.structure(converter.unstructure(scenario), Scenario) == scenario
    assert load_scenario(through_text(unstructure(scenario))) == scenario


@settings(max_examples=150)
@given(replay_outputs)
def test_replay_output_round_trips_through_the_converter(output: ReplayOutput) -> None:
    """§7: structure(unstructure(o)) == o for replay outputs, also through JSON text."""
    converter = make_converter()
    assert converter.structure(converter.unstructure(output), ReplayOutput) == output
    assert load_replay_output(through_text(unstructure(output))) == output


def test_converter_is_not_cattrs_global_one() -> None:
    """Style: documents use their own converter; the global one keeps its lenient defaults."""
    doc = {"id": "acct-1", "dipps": 1}
    assert make_converter() is not cattrs.global_converter
    assert cattrs.structure(doc, Account) == account("acct-1", dipps=True)
    with pytest.raises(DocumentError) as caught:
        load_world({"accounts": [doc]})
    assert str(caught.value) == "accounts[0].dipps: expected true or false, got the number 1"


# -- canonical form ---------------------------------------------------------------------------

CANONICAL_WORLD: dict[str, Any] = {
    "accounts": [
        {"id": "acct-1", "parent_id": None, "dipps": True, "shared_ip_eligible": False},
        {"id": "acct-2", "parent_id": "acct-1", "dipps": False, "shared_ip_eligible": False},
        {"id": "acct-3", "parent_id": "acct-1", "dipps": False, "shared_ip_eligible": False},
    ],
    "dedicated_ips": [
        {"ip": "198.51.100.2", "account_id": "acct-1", "warmup": False},
        {"ip": "198.51.100.10", "account_id": "acct-1", "warmup": True},
        {"ip": "::ffff:198.51.100.1", "account_id": "acct-1", "warmup": False},
        {"ip": "2001:db8::1", "account_id": "acct-1", "warmup": False},
    ],
    "shared_ips": ["203.0.113.9", "2001:db8:ffff::1"],
    "domains": [
        {
            "id": "dom-1",
            "name": "b.example.com",
            "account_id": "acct-1",
            "pool_id": POOL_A,
            "ips": ["198.51.100.2", "198.51.100.10", "2001:db8::1"],
        },
        {
            "id": "dom-2",
            "name": "a.example.com",
            "account_id": "acct-1",
            "pool_id": None,
            "ips": ["::ffff:198.51.100.1"],
        },
    ],
    "pools": [
        {
            "pool_id": POOL_A,
            "account_id": "acct-1",
            "name": "n",
            "description": "d",
            "ips": ["198.51.100.2", "198.51.100.10", "2001:db8::1"],
            "delegated_to": ["acct-2", "acct-3"],
        },
        {
            "pool_id": POOL_B,
            "account_id": "acct-1",
            "name": "",
            "description": " ",
            "ips": [],
            "delegated_to": [],
        },
    ],
}


def _scrambled() -> dict[str, Any]:
    """CANONICAL_WORLD with every list reversed, IPs in other text forms and defaults left out."""
    doc = copy.deepcopy(CANONICAL_WORLD)
    for key in doc:
        doc[key].reverse()
    for record in doc["accounts"]:
        if record["parent_id"] is None:
            del record["parent_id"]
    doc["dedicated_ips"][0]["ip"] = "2001:DB8:0::1"
    doc["shared_ips"][0] = "2001:db8:ffff:0:0:0:0:1"
    del doc["pools"][0]["delegated_to"]
    doc["pools"][1]["delegated_to"].reverse()
    doc["domains"][1]["ips"] = ["2001:0db8::1", "198.51.100.10", "198.51.100.2"]
    return doc


def test_world_dumps_in_canonical_form() -> None:
    """K14/C5/K4: records sorted by id, IPs IPv4 first then numerically, every field present."""
    world = load_world(_scrambled())
    dumped = unstructure(world)
    assert dumped == CANONICAL_WORLD
    assert json.dumps(dumped) == json.dumps(CANONICAL_WORLD)


def test_world_defaults_apply_only_where_k13_says() -> None:
    """K13: absent lists are empty; parent_id, dipps, eligibility, warmup, pool_id, ips default."""
    world = load_world(
        {
            "accounts": [{"id": "acct-1"}],
            "dedicated_ips": [{"ip": "198.51.100.1", "account_id": "acct-1"}],
            "domains": [
                {"id": "d", "name": "x.example", "account_id": "acct-1", "ips": ["198.51.100.1"]}
            ],
            "pools": [{"pool_id": POOL_A, "account_id": "acct-1", "name": "n", "description": ""}],
        }
    )
    assert world == World(
        accounts=[account("acct-1", dipps=False)],
        dedicated_ips=[dedicated("198.51.100.1")],
        domains=[domain("d", "x.example", ip_texts=["198.51.100.1"])],
        pools=[pool(POOL_A, name="n", description="")],
    )
    assert load_world({}) == World()


# -- K13: refusals of a world, each with its exact message ------------------------------------

BASE_WORLD: dict[str, Any] = {
    "accounts": [
        {"id": "acct-1", "dipps": True},
        {"id": "acct-2", "parent_id": "acct-1"},
    ],
    "dedicated_ips": [
        {"ip": "198.51.100.1", "account_id": "acct-1"},
        {"ip": "198.51.100.2", "account_id": "acct-1"},
    ],
    "shared_ips": ["203.0.113.1"],
    "domains": [
        {"id": "dom-1", "name": "a.example.com", "account_id": "acct-1", "pool_id": POOL_A,
         "ips": ["198.51.100.1"]},
        {"id": "dom-2", "name": "b.example.com", "account_id": "acct-1", "ips": ["198.51.100.2"]},
        {"id": "dom-3", "name": "c.example.com", "account_id": "acct-2", "pool_id": POOL_A,
         "ips": ["198.51.100.1"]},
    ],
    "pools": [
        {"pool_id": POOL_A, "account_id": "acct-1", "name": "n", "description": "d",
         "ips": ["198.51.100.1"], "delegated_to": ["acct-2"]},
    ],
}  # fmt: skip

Edit = Callable[[dict[str, Any]], object]


def _set(path: str, value: Any) -> Edit:
    """An edit setting the value at ``path`` ('domains.2.ips.0'); a new list index appends."""

    def edit(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = doc
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            index = int(last)
            if index == len(target):
                target.append(value)
            else:
                target[index] = value
        else:
            target[last] = value

    return edit


def _all(*edits: Edit) -> Edit:
    """Several edits made in order."""

    def edit(doc: dict[str, Any]) -> None:
        for one in edits:
            one(doc)

    return edit


def _drop(path: str) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = doc
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        del target[last]

    return edit


_NEW_DOMAIN = {
    "id": "dom-4",
    "name": "d.example.com",
    "account_id": "acct-1",
    "ips": ["198.51.100.2"],
}

WORLD_REFUSALS: list[tuple[str, Edit, str]] = [
    ("unknown top-level field", _set("domain", []), "unknown field 'domain'"),
    ("list not an array", _set("accounts", {}), "accounts: expected an array, got an object"),
    (
        "record not an object",
        _set("accounts.0", "acct-1"),
        "accounts[0]: expected an account (an object), got the string 'acct-1'",
    ),
    (
        "unknown record field",
        _set("accounts.1.feature", True),
        "accounts[1]: unknown field 'feature'",
    ),
    ("account id missing", _drop("accounts.0.id"), "accounts[0].id: required field is missing"),
    (
        "account id not a string",
        _set("accounts.0.id", 1),
        "accounts[0].id: expected a string, got the number 1",
    ),
    ("account id empty", _set("accounts.0.id", ""), "accounts[0].id: an id must not be empty"),
    (
        "account id with space",
        _set("accounts.0.id", "acct 1"),
        "accounts[0].id: 'acct 1' is not a valid id: it contains whitespace or '/'",
    ),
    (
        "account id with slash",
        _set("accounts.0.id", "acct/1"),
        "accounts[0].id: 'acct/1' is not a valid id: it contains whitespace or '/'",
    ),
    (
        "account id repeated",
        _set("accounts.2", {"id": "acct-1"}),
        "accounts[2].id: 'acct-1' is repeated",
    ),
    (
        "dipps given as 1",
        _set("accounts.0.dipps", 1),
        "accounts[0].dipps: expected true or false, got the number 1",
    ),
    (
        "eligibility given as a string",
        _set("accounts.0.shared_ip_eligible", "true"),
        "accounts[0].shared_ip_eligible: expected true or false, got the string 'true'",
    ),
    (
        "dipps null",
        _set("accounts.0.dipps", None),
        "accounts[0].dipps: expected true or false, got null",
    ),
    (
        "unknown parent",
        _set("accounts.1.parent_id", "acct-9"),
        "accounts[1].parent_id: unknown account 'acct-9'",
    ),
    (
        "own parent",
        _set("accounts.1.parent_id", "acct-2"),
        "accounts[1].parent_id: account 'acct-2' cannot be its own parent",
    ),
    (
        "parent is a subaccount",
        _set("accounts.2", {"id": "acct-3", "parent_id": "acct-2"}),
        "accounts[2].parent_id: account 'acct-2' is itself a subaccount",
    ),
    (
        "dedicated ip missing",
        _drop("dedicated_ips.0.ip"),
        "dedicated_ips[0].ip: required field is missing",
    ),
    (
        "dedicated account missing",
        _drop("dedicated_ips.0.account_id"),
        "dedicated_ips[0].account_id: required field is missing",
    ),
    (
        "invalid dedicated IP",
        _set("dedicated_ips.0.ip", "198.51.100.01"),
        "dedicated_ips[0].ip: '198.51.100.01' is not a valid IP address",
    ),
    (
        "IP with scope",
        _set("dedicated_ips.1.ip", "fe80::1%eth0"),
        "dedicated_ips[1].ip: 'fe80::1%eth0' is not a valid IP address",
    ),
    (
        "IP not a string",
        _set("dedicated_ips.1.ip", 3325256705),
        "dedicated_ips[1].ip: expected a string, got the number 3325256705",
    ),
    (
        "warmup given as 0",
        _set("dedicated_ips.0.warmup", 0),
        "dedicated_ips[0].warmup: expected true or false, got the number 0",
    ),
    (
        "dedicated IP repeated in another form",
        _set("dedicated_ips.2", {"ip": "198.51.100.1", "account_id": "acct-2"}),
        "dedicated_ips[2].ip: '198.51.100.1' is repeated",
    ),
    (
        "dedicated IP of unknown account",
        _set("dedicated_ips.1.account_id", "acct-9"),
        "dedicated_ips[1].account_id: unknown account 'acct-9'",
    ),
    (
        "shared IP invalid",
        _set("shared_ips.0", "203.0.113"),
        "shared_ips[0]: '203.0.113' is not a valid IP address",
    ),
    (
        "shared IP repeated",
        _set("shared_ips.1", "203.0.113.1"),
        "shared_ips[1]: '203.0.113.1' is repeated",
    ),
    (
        "IP both dedicated and shared",
        _set("shared_ips.1", "198.51.100.2"),
        "shared_ips[1]: '198.51.100.2' is also a dedicated IP",
    ),
    ("domain id missing", _drop("domains.1.id"), "domains[1].id: required field is missing"),
    ("domain name missing", _drop("domains.1.name"), "domains[1].name: required field is missing"),
    (
        "domain account missing",
        _drop("domains.1.account_id"),
        "domains[1].account_id: required field is missing",
    ),
    (
        "domain name with space",
        _set("domains.1.name", "b example.com"),
        "domains[1].name: 'b example.com' is not a valid domain name: "
        "it contains whitespace or '/'",
    ),
    (
        "domain name empty",
        _set("domains.1.name", ""),
        "domains[1].name: a domain name must not be empty",
    ),
    (
        "domain name repeated in other case",
        _set("domains.1.name", "A.Example.COM"),
        "domains[1].name: 'A.Example.COM' repeats the name of domains[0] "
        "(names match case-insensitively)",
    ),
    (
        "domain id repeated",
        _set("domains.3", dict(_NEW_DOMAIN, id="dom-2")),
        "domains[3].id: 'dom-2' is repeated",
    ),
    (
        "domain IP invalid",
        _set("domains.2.ips.0", "1.2.3"),
        "domains[2].ips[0]: '1.2.3' is not a valid IP address",
    ),
    (
        "domain IP repeated",
        _set("domains.1.ips.1", "198.51.100.2"),
        "domains[1].ips[1]: '198.51.100.2' is repeated",
    ),
    (
        "domain IPs not an array",
        _set("domains.1.ips", "198.51.100.2"),
        "domains[1].ips: expected an array, got the string '198.51.100.2'",
    ),
    (
        "domain pool id malformed",
        _set("domains.1.pool_id", "A" * 24),
        f"domains[1].pool_id: '{'A' * 24}' is not a valid pool id (24 lowercase hex digits)",
    ),
    (
        "domain of unknown account",
        _set("domains.1.account_id", "acct-9"),
        "domains[1].account_id: unknown account 'acct-9'",
    ),
    (
        "domain linked to unknown DIPP",
        _set("domains.1.pool_id", POOL_B),
        f"domains[1].pool_id: unknown DIPP '{POOL_B}'",
    ),
    (
        "domain IP neither dedicated nor shared",
        _set("domains.1.ips.0", "192.0.2.1"),
        "domains[1].ips[0]: '192.0.2.1' is neither a dedicated nor a shared IP",
    ),
    ("pool id missing", _drop("pools.0.pool_id"), "pools[0].pool_id: required field is missing"),
    ("pool name missing", _drop("pools.0.name"), "pools[0].name: required field is missing"),
    (
        "pool description missing",
        _drop("pools.0.description"),
        "pools[0].description: required field is missing",
    ),
    (
        "pool name not a string",
        _set("pools.0.name", None),
        "pools[0].name: expected a string, got null",
    ),
    (
        "pool id repeated",
        _set("pools.1", {"pool_id": POOL_A, "account_id": "acct-1", "name": "", "description": ""}),
        f"pools[1].pool_id: '{POOL_A}' is repeated",
    ),
    (
        "pool IP repeated",
        _set("pools.0.ips.1", "198.51.100.1"),
        "pools[0].ips[1]: '198.51.100.1' is repeated",
    ),
    (
        "delegation repeated",
        _set("pools.0.delegated_to.1", "acct-2"),
        "pools[0].delegated_to[1]: 'acct-2' is repeated",
    ),
    (
        "delegated to unknown account",
        _set("pools.0.delegated_to.0", "acct-9"),
        "pools[0].delegated_to[0]: unknown account 'acct-9'",
    ),
    (
        "delegated to its owner",
        _set("pools.0.delegated_to.0", "acct-1"),
        f"pools[0].delegated_to: pool '{POOL_A}' cannot be delegated to its owner",
    ),
    (
        "pool of unknown account",
        _set("pools.0.account_id", "acct-9"),
        "pools[0].account_id: unknown account 'acct-9'",
    ),
    (
        "I1 domain holds other IPs than its DIPP",
        _set("domains.0.ips.1", "198.51.100.2"),
        f"domains[0]: holds other IPs than its pool '{POOL_A}' (I1)",
    ),
    (
        "I2 linked to an invisible DIPP",
        _set("pools.0.delegated_to", []),
        f"domains[2]: linked to pool '{POOL_A}' not visible to its account (I2)",
    ),
    (
        "I3 DIPP IP of another owner",
        _set("dedicated_ips.0.account_id", "acct-2"),
        "pools[0]: IP 198.51.100.1 is not a dedicated IP of 'acct-1' (I3)",
    ),
    (
        "I4 delegated DIPP without IP",
        _all(
            _set("pools.0.ips", []), _set("domains.0.pool_id", None), lambda d: d["domains"].pop()
        ),
        "pools[0]: has a linked domain or a delegation but no IP (I4)",
    ),
    ("I5 domain without IP", _set("domains.1.ips", []), "domains[1]: holds no IP (I5)"),
    (
        "I5 shared IP, account not eligible",
        _set("domains.1.ips", ["203.0.113.1"]),
        "domains[1]: holds shared IP 203.0.113.1, account not eligible (I5)",
    ),
    (
        "I6 another account's dedicated IP",
        _set(
            "domains.2",
            {
                "id": "dom-3",
                "name": "c.example.com",
                "account_id": "acct-2",
                "ips": ["198.51.100.2"],
            },
        ),
        "domains[2]: holds 198.51.100.2, a dedicated IP of 'acct-1' (I6)",
    ),
    (
        "I7 delegated to a stranger",
        _all(_set("accounts.2", {"id": "acct-3"}), _set("pools.0.delegated_to.1", "acct-3")),
        "pools[0]: delegated to 'acct-3', not a subaccount of its owner (I7)",
    ),
]


@pytest.mark.parametrize(
    ("edit", "message"),
    [pytest.param(edit, message, id=case) for case, edit, message in WORLD_REFUSALS],
)
def test_world_refusal_names_the_offending_value(edit: Edit, message: str) -> None:
    """K13/§4: each broken rule of a world document is refused with its path and reason."""
    doc = copy.deepcopy(BASE_WORLD)
    edit(doc)
    with pytest.raises(DocumentError) as caught:
        load_world(doc)
    assert str(caught.value) == message
    scenario = {"format": "ippools-scenario/1", "world": doc, "steps": []}
    with pytest.raises(DocumentError) as in_scenario:
        load_scenario(scenario)
    lists = ("accounts", "dedicated_ips", "shared_ips", "domains", "pools")
    where = "world." if message.startswith(lists) else "world: "
    assert str(in_scenario.value) == where + message


def test_base_world_of_the_refusal_table_is_valid() -> None:
    """The table above changes one thing of a valid world: the world itself loads."""
    world = load_world(copy.deepcopy(BASE_WORLD))
    assert [d.id for d in world.domains] == ["dom-1", "dom-2", "dom-3"]
    assert world.pools[0].ips == frozenset({ip("198.51.100.1")})


def test_a_dipp_of_an_account_without_the_feature_is_legal() -> None:
    """K13: a DIPP owned by an account without the DIPPs feature loads."""
    doc = copy.deepcopy(BASE_WORLD)
    doc["accounts"][0]["dipps"] = False
    assert load_world(doc).accounts[0].dipps is False


def test_expect_world_and_replay_world_are_checked_for_shape_only() -> None:
    """K15: a stored world may lag (link to a deleted DIPP); its shape is still checked."""
    lagging: dict[str, Any] = {
        "accounts": [{"id": "acct-1"}],
        "domains": [{"id": "d", "name": "x.example", "account_id": "acct-1", "pool_id": POOL_B}],
    }
    scenario = load_scenario(
        {"format": "ippools-scenario/1", "world": {}, "steps": [], "expect_world": lagging}
    )
    assert scenario.expect_world is not None
    assert scenario.expect_world.domains[0].pool_id == POOL_B
    output = load_replay_output(
        {"format": "ippools-replay/1", "steps": [], "world": lagging, "pending": 2}
    )
    assert output.world == scenario.expect_world
    bad = copy.deepcopy(lagging)
    bad["domains"][0]["ips"] = ["x"]
    with pytest.raises(DocumentError) as caught:
        load_scenario(
            {"format": "ippools-scenario/1", "world": {}, "steps": [], "expect_world": bad}
        )
    assert str(caught.value) == "expect_world.domains[0].ips[0]: 'x' is not a valid IP address"


# -- K16/K17: refusals of a scenario ---------------------------------------------------------

BASE_SCENARIO: dict[str, Any] = {
    "format": "ippools-scenario/1",
    "name": "n",
    "world": {"accounts": [{"id": "acct-1", "dipps": True}],
              "pools": [{"pool_id": POOL_A, "account_id": "acct-1", "name": "n",
                         "description": "d"}]},
    "ids": [POOL_B],
    "defaults": {"headers": {"X-Mailgun-Account-Id": "acct-1"}},
    "steps": [
        {"request": {"method": "GET", "path": "/v3/ip_pools/x", "query": {}, "headers": {},
                     "form": None, "json": None}, "expect": {"status": 404}},
        {"settle": True},
        {"settle": 2},
    ],
    "expect_world": {},
}  # fmt: skip

SCENARIO_REFUSALS: list[tuple[str, Edit, str]] = [
    ("format missing", _drop("format"), "format: required field is missing"),
    (
        "format wrong",
        _set("format", "ippools-replay/1"),
        "format: expected 'ippools-scenario/1', got the string 'ippools-replay/1'",
    ),
    ("unknown top-level key", _set("expect", {}), "unknown field 'expect'"),
    ("world missing", _drop("world"), "world: required field is missing"),
    ("steps missing", _drop("steps"), "steps: required field is missing"),
    (
        "world not an object",
        _set("world", []),
        "world: expected a world (a JSON object), got an array",
    ),
    ("name not a string", _set("name", 1), "name: expected a string, got the number 1"),
    ("ids not an array", _set("ids", POOL_B), f"ids: expected an array, got the string '{POOL_B}'"),
    (
        "id malformed",
        _set("ids.1", "xyz"),
        "ids[1]: 'xyz' is not a valid pool id (24 lowercase hex digits)",
    ),
    (
        "id in upper case",
        _set("ids.0", POOL_B.upper()),
        f"ids[0]: '{POOL_B.upper()}' is not a valid pool id (24 lowercase hex digits)",
    ),
    ("id repeated", _set("ids.1", POOL_B), f"ids[1]: '{POOL_B}' is repeated (K16)"),
    (
        "id of a world DIPP",
        _set("ids.1", POOL_A),
        f"ids[1]: '{POOL_A}' is already the pool_id of a DIPP of the world (K16)",
    ),
    ("unknown defaults key", _set("defaults.header", {}), "defaults: unknown field 'header'"),
    (
        "default header not a string",
        _set("defaults.headers.X-Mailgun-Account-Id", 1),
        "defaults.headers.X-Mailgun-Account-Id: expected a string or null, got the number 1",
    ),
    ("steps not an array", _set("steps", {}), "steps: expected an array, got an object"),
    (
        "step not an object",
        _set("steps.3", "settle"),
        "steps[3]: expected a step (an object with 'request' or 'settle'), got the string 'settle'",
    ),
    ("step with neither", _set("steps.3", {}), "steps[3]: a step needs 'request' or 'settle'"),
    (
        "step with both",
        _set("steps.1.request", {"method": "GET", "path": "/"}),
        "steps[1]: a step has either 'request' or 'settle', not both",
    ),
    (
        "settle false",
        _set("steps.1.settle", False),
        "steps[1].settle: expected true or an integer >= 0, got false",
    ),
    (
        "settle negative",
        _set("steps.2.settle", -1),
        "steps[2].settle: expected true or an integer >= 0, got the number -1",
    ),
    (
        "settle float",
        _set("steps.2.settle", 2.0),
        "steps[2].settle: expected true or an integer >= 0, got the number 2.0",
    ),
    (
        "settle string",
        _set("steps.2.settle", "2"),
        "steps[2].settle: expected true or an integer >= 0, got the string '2'",
    ),
    ("unknown settle-step key", _set("steps.2.limit", 1), "steps[2]: unknown field 'limit'"),
    ("unknown step key", _set("steps.0.expected", {}), "steps[0]: unknown field 'expected'"),
    (
        "method missing",
        _drop("steps.0.request.method"),
        "steps[0].request.method: required field is missing",
    ),
    (
        "path missing",
        _drop("steps.0.request.path"),
        "steps[0].request.path: required field is missing",
    ),
    (
        "method empty",
        _set("steps.0.request.method", ""),
        "steps[0].request.method: the method must not be empty",
    ),
    (
        "path relative",
        _set("steps.0.request.path", "v3/ip_pools"),
        "steps[0].request.path: 'v3/ip_pools' is not a path: it must start with '/'",
    ),
    (
        "path with query",
        _set("steps.0.request.path", "/v3/ip_pools/x?ip=1"),
        "steps[0].request.path: '/v3/ip_pools/x?ip=1' must not carry a query or fragment; "
        "use 'query'",
    ),
    (
        "unknown request key",
        _set("steps.0.request.body", ""),
        "steps[0].request: unknown field 'body'",
    ),
    (
        "query value a number",
        _set("steps.0.request.query.ip", 1),
        "steps[0].request.query.ip: expected a string or an array of strings, got the number 1",
    ),
    (
        "query list with a number",
        _set("steps.0.request.query.ip", ["a", 1]),
        "steps[0].request.query.ip: expected a string or an array of strings, got an array",
    ),
    (
        "query value null",
        _set("steps.0.request.query.ip", None),
        "steps[0].request.query.ip: expected a string or an array of strings, got null",
    ),
    (
        "form value a bool",
        _set("steps.0.request.form", {"add_ip": True}),
        "steps[0].request.form.add_ip: expected a string or an array of strings, got true",
    ),
    (
        "form not an object",
        _set("steps.0.request.form", "a=b"),
        "steps[0].request.form: expected an object, got the string 'a=b'",
    ),
    (
        "header value a list",
        _set("steps.0.request.headers.X-Mailgun-Requestor", ["a@b.c"]),
        "steps[0].request.headers.X-Mailgun-Requestor: expected a string or null, got an array",
    ),
    (
        "header name empty",
        _set("steps.0.request.headers.", "x"),
        "steps[0].request.headers: a header name must not be empty",
    ),
    (
        "form and json both",
        _all(_set("steps.0.request.form", {}), _set("steps.0.request.json", {})),
        "steps[0].request: a request has either 'form' or 'json', not both",
    ),
    (
        "status missing",
        _drop("steps.0.expect.status"),
        "steps[0].expect.status: required field is missing",
    ),
    (
        "status true",
        _set("steps.0.expect.status", True),
        "steps[0].expect.status: expected an HTTP status (an integer from 100 to 599), got true",
    ),
    (
        "status a float",
        _set("steps.0.expect.status", 404.0),
        "steps[0].expect.status: expected an HTTP status (an integer from 100 to 599), "
        "got the number 404.0",
    ),
    (
        "status out of range",
        _set("steps.0.expect.status", 99),
        "steps[0].expect.status: expected an HTTP status (an integer from 100 to 599), "
        "got the number 99",
    ),
    (
        "body not an object",
        _set("steps.0.expect.body", []),
        "steps[0].expect.body: expected an object, got an array",
    ),
    (
        "body null",
        _set("steps.0.expect.body", None),
        "steps[0].expect.body: expected an object, got null",
    ),
    (
        "unknown expect key",
        _set("steps.0.expect.headers", {}),
        "steps[0].expect: unknown field 'headers'",
    ),
    (
        "expect_world unknown key",
        _set("expect_world.pending", 0),
        "expect_world: unknown field 'pending'",
    ),
]


@pytest.mark.parametrize(
    ("edit", "message"),
    [pytest.param(edit, message, id=case) for case, edit, message in SCENARIO_REFUSALS],
)
def test_scenario_refusal_names_the_offending_value(edit: Edit, message: str) -> None:
    """K16/K17/§7: each malformed part of a scenario is refused with its path and reason."""
    doc = copy.deepcopy(BASE_SCENARIO)
    edit(doc)
    with pytest.raises(DocumentError) as caught:
        load_scenario(doc)
    assert str(caught.value) == message


def test_base_scenario_of_the_refusal_table_is_valid() -> None:
    """The scenario the table edits loads, with every part structured as written (§7)."""
    scenario = load_scenario(copy.deepcopy(BASE_SCENARIO))
    assert scenario.ids == (POOL_B,)
    assert scenario.default_headers == (("X-Mailgun-Account-Id", "acct-1"),)
    assert scenario.steps == (
        RequestStep(ScenarioRequest("GET", "/v3/ip_pools/x"), Expect(404)),
        SettleStep(None),
        SettleStep(2),
    )
    assert scenario.expect_world == World()


def test_scenario_keeps_fields_as_written() -> None:
    """K17: query and form values stay strings or lists; null headers stay to drop a default."""
    doc = copy.deepcopy(BASE_SCENARIO)
    doc["steps"][0]["request"].update(
        query={"ip": ["a", "b"], "pool_id": "c"},
        headers={"X-Mailgun-Account-Id": None, "x-mailgun-account-id": "acct-1"},
        form={"add_ip": []},
    )
    doc["steps"][1] = {"request": {"method": "POST", "path": "/x", "json": {"ips": [1, 1.0, True]}}}
    scenario = load_scenario(doc)
    first, second = scenario.steps[0], scenario.steps[1]
    assert isinstance(first, RequestStep)
    assert isinstance(second, RequestStep)
    assert first.request.query == (("ip", ("a", "b")), ("pool_id", "c"))
    assert first.request.headers == (
        ("X-Mailgun-Account-Id", None),
        ("x-mailgun-account-id", "acct-1"),
    )
    assert first.request.form == (("add_ip", ()),)
    assert second.request.json == {"ips": [1, 1.0, True]}
    assert second.expect is None
    dumped = unstructure(scenario)["steps"][0]["request"]
    assert dumped["query"] == {"ip": ["a", "b"], "pool_id": "c"}
    assert dumped["form"] == {"add_ip": []}


def test_replay_output_refusals_name_the_offending_value() -> None:
    """§7: a replay output document is checked like the others."""
    good: dict[str, Any] = {
        "format": "ippools-replay/1",
        "steps": [{"settled": 1}],
        "world": {},
        "pending": 0,
    }
    assert load_replay_output(good) == ReplayOutput((SettleResult(1),), World(), 0)
    cases = [
        (
            _set("format", "ippools-scenario/1"),
            "format: expected 'ippools-replay/1', got the string 'ippools-scenario/1'",
        ),
        (_set("pending", -1), "pending: expected an integer >= 0, got the number -1"),
        (_set("steps.0.settled", True), "steps[0].settled: expected an integer >= 0, got true"),
        (
            _set("steps.1", {"status": 200, "body": {}}),
            "steps[1].pending: required field is missing",
        ),
        (_drop("world"), "world: required field is missing"),
    ]
    for edit, message in cases:
        doc = copy.deepcopy(good)
        edit(doc)
        with pytest.raises(DocumentError) as caught:
            load_replay_output(doc)
        assert str(caught.value) == message


# -- strict JSON text ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty, not a JSON document"),
        ("  \n", "the file is empty, not a JSON document"),
        (
            '{"a": 1',
            "truncated JSON: the text ends at line 1 column 8, before the document is complete",
        ),
        (
            '{"a": "x',
            "truncated JSON: the text ends at line 1 column 9, before the document is complete",
        ),
        (
            '{\n "a": [1,\n',
            "truncated JSON: the text ends at line 2 column 10, before the document is complete",
        ),
        ("[1 2]", "not valid JSON: Expecting ',' delimiter (at line 1 column 4)"),
        ('{"a": 1} x', "not valid JSON: Extra data (at line 1 column 10)"),
        ('{"a": NaN}', "not valid JSON: NaN is not a JSON number"),
        ("[Infinity]", "not valid JSON: Infinity is not a JSON number"),
        ('{"a": 1, "a": 2}', "not valid JSON: the key 'a' is repeated in an object"),
        ("[" * 100_000, "not valid JSON: nested too deeply"),
    ],
)
def test_parse_json_refuses_what_is_not_strict_json(text: str, message: str) -> None:
    """§7: a scenario file must be strict JSON; the reason (truncation included) is named."""
    with pytest.raises(DocumentError) as caught:
        parse_json(text)
    assert str(caught.value) == message


def test_parse_json_keeps_number_types() -> None:
    """K18: 1, 1.0 and true stay three different values."""
    assert [type(v) for v in parse_json("[1, 1.0, true]")] == [int, float, bool]


# -- robustness ------------------------------------------------------------------------------


@settings(max_examples=fuzz_examples(1000), suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_arbitrary_json_is_refused_only_with_document_errors(value: Any) -> None:
    """§7: any JSON value as a world, scenario or replay output is loaded or a DocumentError."""
    for load in (load_world, load_scenario, load_replay_output):
        try:
            load(value)
        except DocumentError as error:
            message = str(error)
        else:
            continue
        assert message
        assert "\n" not in message


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


DAMAGES = st.sampled_from(["replace", "remove", "extra"])


@st.composite
def near_valid_scenarios(draw: st.DrawFn) -> Any:
    """A valid scenario document with one node replaced, removed, or given an extra key."""
    doc = through_text(unstructure(draw(scenarios())))
    paths = _paths(doc)
    path = paths[draw(st.integers(0, len(paths) - 1))]
    if not path:
        return draw(json_values)
    parent: Any = doc
    for part in path[:-1]:
        parent = parent[part]
    action = draw(DAMAGES)
    if action == "replace":
        parent[path[-1]] = draw(json_values)
    elif action == "remove":
        del parent[path[-1]]
    elif isinstance(parent[path[-1]], dict):
        parent[path[-1]][draw(st.text(max_size=4))] = draw(json_values)
    return doc


@settings(max_examples=fuzz_examples(1000), suppress_health_check=[HealthCheck.too_slow])
@given(near_valid_scenarios())
def test_damaged_scenarios_are_refused_only_with_document_errors(doc: Any) -> None:
    """K17: one damaged node anywhere in a scenario never escapes as anything but DocumentError."""
    try:
        scenario = load_scenario(doc)
    except DocumentError as error:
        message = str(error)
    else:
        assert load_scenario(through_text(unstructure(scenario))) == scenario
        return
    assert message
    assert "\n" not in message
