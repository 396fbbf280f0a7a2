"""The replayer: steps through the wire layer, settles, strict comparisons and differences."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings

from ippools import World
from ippools.documents import (
    RequestResult,
    Scenario,
    ScenarioRequest,
    SettleResult,
    SettleStep,
    load_replay_output,
    load_scenario,
    load_world,
    unstructure,
)
from ippools.replay import (
    ABSENT,
    Difference,
    json_differences,
    json_equal,
    merge_headers,
    replay,
    to_request,
)
from ippools.wire import Request
from tests.support import POOL_A
from tests.test_documents import scenarios

HEADERS = {
    "X-Mailgun-Account-Id": "acct-1",
    "X-Mailgun-Requestor": "ops@example.com",
    "X-Mailgun-Requestor-Client": "cli",
}
WORLD: dict[str, Any] = {
    "accounts": [{"id": "acct-1", "dipps": True}, {"id": "acct-2", "parent_id": "acct-1"}],
    "dedicated_ips": [
        {"ip": "198.51.100.1", "account_id": "acct-1"},
        {"ip": "198.51.100.2", "account_id": "acct-1"},
    ],
    "domains": [
        {"id": "dom-1", "name": "a.example.com", "account_id": "acct-1", "pool_id": POOL_A,
         "ips": ["198.51.100.1"]},
        {"id": "dom-2", "name": "b.example.com", "account_id": "acct-2", "pool_id": POOL_A,
         "ips": ["198.51.100.1"]},
    ],
    "pools": [{"pool_id": POOL_A, "account_id": "acct-1", "name": "n", "description": "d",
               "ips": ["198.51.100.1"], "delegated_to": ["acct-2"]}],
}  # fmt: skip
ADD = {"method": "PUT", "path": f"/v3/ip_pools/{POOL_A}/ips/198.51.100.2"}
GET = {"method": "GET", "path": f"/v3/ip_pools/{POOL_A}"}


def scenario(*steps: dict[str, Any], expect_world: dict[str, Any] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": "ippools-scenario/1",
        "world": copy.deepcopy(WORLD),
        "defaults": {"headers": HEADERS},
        "steps": list(steps),
    }
    if expect_world is not None:
        doc["expect_world"] = expect_world
    return doc


def settled_world() -> dict[str, Any]:
    """WORLD after ADD and a full settle, written out by hand (3.8, I1)."""
    world = copy.deepcopy(WORLD)
    both = ["198.51.100.1", "198.51.100.2"]
    world["pools"][0]["ips"] = both
    world["domains"][0]["ips"] = both
    world["domains"][1]["ips"] = both
    return world


# -- K18 strict comparisons ----------------------------------------------------------------


def test_json_equal_tells_apart_what_python_equality_mixes_up() -> None:
    """K18: 1, 1.0 and true are three values, also inside objects and arrays."""
    assert 1 == 1.0 == True  # the very confusion that json_equal avoids
    assert not json_equal(1, 1.0)
    assert not json_equal(1, True)
    assert not json_equal(0, False)
    assert not json_equal({"a": [1]}, {"a": [True]})
    assert not json_equal([1, 2], [2, 1])
    assert not json_equal({"a": 1}, {"a": 1, "b": None})
    assert json_equal({"a": [1, 1.5, "x", None]}, {"a": [1, 1.5, "x", None]})
    assert json_equal({"a": 1, "b": 2}, {"b": 2, "a": 1})


def test_json_differences_name_each_place_that_differs() -> None:
    """K18: differences carry the JSON path, with ABSENT for a missing key."""
    expected = {"details": {"ips": ["a", "b"], "is_linked": True}, "message": "success"}
    actual = {"details": {"ips": ["a", "c"], "is_linked": 1}, "extra": 0, "message": "success"}
    assert json_differences(expected, actual) == [
        (("details", "ips", 1), "b", "c"),
        (("details", "is_linked"), True, 1),
        (("extra",), ABSENT, 0),
    ]
    assert json_differences([1, 2], [1, 2, 3], ("body",)) == [(("body",), [1, 2], [1, 2, 3])]
    assert json_differences({"a": 1}, {"a": 1}) == []


# -- K17 requests ----------------------------------------------------------------------------


def test_default_headers_merge_under_the_request_case_insensitively() -> None:
    """K17: the request's header wins over a default named in any case; null drops it."""
    merged = merge_headers(
        [("X-Mailgun-Account-Id", "acct-1"), ("X-Mailgun-Requestor", "a@b.c"), ("X-Other", "1")],
        [("x-mailgun-account-id", "acct-2"), ("X-MAILGUN-REQUESTOR", None), ("X-New", "2")],
    )
    assert merged == (("X-Other", "1"), ("x-mailgun-account-id", "acct-2"), ("X-New", "2"))


def test_default_headers_ignore_case_in_ascii_only() -> None:
    """K17, K25: header names compare without case in ASCII only, as the wire reads them: a
    name with the Kelvin sign (which Python lower-cases to ``k``) does not replace a default."""
    merged = merge_headers(
        [("X-Trace-Key", "a")], [("X-Trace-\u212aey", "b"), ("x-trace-key", "c")]
    )
    assert merged == (("X-Trace-\u212aey", "b"), ("x-trace-key", "c"))
    merged = merge_headers([("X-Trace-Key", "a")], [("X-Trace-\u212aey", "b")])
    assert merged == (("X-Trace-Key", "a"), ("X-Trace-\u212aey", "b"))


def test_scenario_request_becomes_a_wire_request() -> None:
    """K17/K5: list values repeat the field, empty lists give nothing, no form is no body."""
    request = ScenarioRequest(
        "PATCH",
        "/v3/ip_pools/x",
        query=(("a", ("1", "2")), ("b", ())),
        headers=(("X-Mailgun-Account-Id", None),),
        form=(("add_ip", ("198.51.100.1", "198.51.100.2")), ("name", "n")),
    )
    assert to_request(request, [("X-Mailgun-Account-Id", "acct-1"), ("H", "v")]) == Request(
        method="PATCH",
        path="/v3/ip_pools/x",
        query=(("a", "1"), ("a", "2")),
        headers=(("H", "v"),),
        form=(("add_ip", "198.51.100.1"), ("add_ip", "198.51.100.2"), ("name", "n")),
        json=None,
    )
    bare = to_request(ScenarioRequest("POST", "/x", json={"ips": []}))
    assert (bare.form, bare.json) == ((), {"ips": []})


# -- replay ------------------------------------------------------------------------------------


def test_replay_reports_status_body_and_pending_added_per_step() -> None:
    """§7/S4: each request step reports what it answered and how many updates it left."""
    result = replay(load_scenario(scenario({"request": ADD}, {"request": GET})))
    assert result.ok
    assert result.output.steps == (
        RequestResult(200, {"message": "started"}, 2),
        RequestResult(
            200,
            {
                "details": {
                    "description": "d",
                    "ips": ["198.51.100.1", "198.51.100.2"],
                    "is_linked": True,
                    "linked_domains": ["a.example.com", "b.example.com"],
                    "name": "n",
                    "pool_id": POOL_A,
                },
                "message": "success",
            },
            0,
        ),
    )
    assert result.output.pending == 2


def test_replay_world_is_the_stored_state_before_settle() -> None:
    """K15: without a settle the output shows the stored, not yet updated, domains."""
    result = replay(load_scenario(scenario({"request": ADD})))
    world = unstructure(result.output.world)
    assert [d["ips"] for d in world["domains"]] == [["198.51.100.1"], ["198.51.100.1"]]
    assert world["pools"][0]["ips"] == ["198.51.100.1", "198.51.100.2"]
    assert result.output.pending == 2


def test_settle_steps_process_at_most_their_limit() -> None:
    """§7: settle N processes at most N updates, settle true all; each reports the count."""
    doc = scenario(
        {"request": ADD},
        {"settle": 0},
        {"settle": 1},
        {"settle": True},
        {"settle": 5},
        expect_world=settled_world(),
    )
    result = replay(load_scenario(doc))
    assert result.output.steps[1:] == (
        SettleResult(0),
        SettleResult(1),
        SettleResult(1),
        SettleResult(0),
    )
    assert result.output.pending == 0
    assert result.output.world == load_world(settled_world())
    assert result.ok


def test_rejected_request_leaves_nothing_pending_and_changes_nothing() -> None:
    """C4/K17: a header dropped with null makes C2 fail; no update, same world."""
    dropped = dict(ADD, headers={"X-Mailgun-Requestor": None})
    result = replay(load_scenario(scenario({"request": dropped}, expect_world=WORLD)))
    step = result.output.steps[0]
    assert isinstance(step, RequestResult)
    assert (step.status, step.pending) == (400, 0)
    assert result.output.world == load_world(WORLD)
    assert result.ok


def test_failed_expectations_are_reported_with_their_paths() -> None:
    """K18: status, body (type-strict) and world differences, each with where and a JSON path."""
    body = {"details": {"is_linked": 1}, "message": "success"}
    wrong_world = settled_world()
    wrong_world["domains"][1]["ips"] = ["198.51.100.2"]
    doc = scenario(
        {"request": ADD, "expect": {"status": 201}},
        {"request": GET, "expect": {"status": 200, "body": body}},
        {"settle": True},
        expect_world=wrong_world,
    )
    result = replay(load_scenario(doc))
    get = f"steps[1] GET /v3/ip_pools/{POOL_A}"
    details = result.output.steps[1]
    assert isinstance(details, RequestResult)
    assert result.differences == (
        Difference(f"steps[0] PUT /v3/ip_pools/{POOL_A}/ips/198.51.100.2", "status", 201, 200),
        Difference(get, "body.details.description", ABSENT, "d"),
        Difference(get, "body.details.ips", ABSENT, ["198.51.100.1", "198.51.100.2"]),
        Difference(get, "body.details.is_linked", 1, True),
        Difference(get, "body.details.linked_domains", ABSENT, ["a.example.com", "b.example.com"]),
        Difference(get, "body.details.name", ABSENT, "n"),
        Difference(get, "body.details.pool_id", ABSENT, POOL_A),
        Difference(
            "expect_world",
            "world.domains[dom-2].ips",
            ["198.51.100.2"],
            ["198.51.100.1", "198.51.100.2"],
        ),
    )
    assert not result.ok
    assert str(result.differences[3]) == f"{get}: body.details.is_linked: expected 1, got true"
    assert (
        str(result.differences[1]) == f'{get}: body.details.description: expected (absent), got "d"'
    )


def test_expect_world_is_compared_in_canonical_form() -> None:
    """K18/K14: an expect_world in another order and IP text form compares equal."""
    scrambled = settled_world()
    for key in ("accounts", "dedicated_ips", "domains"):
        scrambled[key].reverse()
    scrambled["domains"][0]["ips"] = ["198.51.100.2", "198.51.100.1"]
    scrambled["accounts"][0]["shared_ip_eligible"] = False  # acct-2, a default written out
    result = replay(
        load_scenario(scenario({"request": ADD}, {"settle": True}, expect_world=scrambled))
    )
    assert result.ok


def test_missing_and_extra_records_are_named_by_id() -> None:
    """K18: a record only on one side is one difference named by its id."""
    expected = copy.deepcopy(WORLD)
    expected["accounts"].append({"id": "acct-3"})
    del expected["domains"][1]
    result = replay(load_scenario(scenario(expect_world=expected)))
    assert result.differences == (
        Difference(
            "expect_world",
            "world.accounts[acct-3]",
            {"id": "acct-3", "parent_id": None, "dipps": False, "shared_ip_eligible": False},
            ABSENT,
        ),
        Difference(
            "expect_world",
            "world.domains[dom-2]",
            ABSENT,
            {"id": "dom-2", "name": "b.example.com", "account_id": "acct-2", "pool_id": POOL_A,
             "ips": ["198.51.100.1"]},
        ),
    )  # fmt: skip


def test_replay_of_an_empty_scenario_gives_the_world_back() -> None:
    """§7: no step: no result, the world as given, nothing pending."""
    result = replay(load_scenario({"format": "ippools-scenario/1", "world": {}, "steps": []}))
    assert (result.output.steps, result.output.world, result.output.pending) == ((), World(), 0)
    assert result.ok


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_any_valid_scenario_replays_to_a_valid_output(scenario: Scenario) -> None:
    """§7: whatever the requests, the replay runs and its output is a valid replay document."""
    result = replay(scenario)
    assert len(result.output.steps) == len(scenario.steps)
    assert load_replay_output(json.loads(json.dumps(unstructure(result.output)))) == result.output
    if scenario.expect_world is None and all(
        isinstance(step, SettleStep) or step.expect is None for step in scenario.steps
    ):
        assert result.ok
