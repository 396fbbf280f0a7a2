"""The scenario corpus: every file replays with every expectation holding.

The expectations in ``src/ippools/scenarios/`` (shipped in the package) are written from
the contract. This module
replays each file, checks the corpus is complete enough for other implementations
to rely on (every request step has an expectation, every file an ``expect_world``
and a settled end, every route and decision covered), and pins the pending counts
of S4 that the format reports but does not compare.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from ippools.cli import example_names, main
from ippools.documents import (
    RequestResult,
    RequestStep,
    Scenario,
    SettleResult,
    load_scenario,
    parse_json,
)
from ippools.replay import Difference, ReplayResult, replay
from ippools.world import world_problems

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "src" / "ippools" / "scenarios"
CORPUS = sorted(SCENARIOS.glob("*.json"))


@cache
def load(path: Path) -> tuple[dict[str, Any], Scenario, ReplayResult]:
    """The document, the scenario and its replay, computed once per file."""
    doc = parse_json(path.read_text(encoding="utf-8"))
    scenario = load_scenario(doc)
    return doc, scenario, replay(scenario)


def test_corpus_has_at_least_forty_scenarios() -> None:
    """The corpus is large enough to cover the contract (see the coverage tests below)."""
    assert len(CORPUS) >= 40
    assert [p.stem for p in CORPUS] == example_names()


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_scenario_replays_with_every_expectation_holding(path: Path) -> None:
    """§7: exit-0 semantics: no difference, nothing left pending, a world that keeps I1-I7."""
    doc, _, result = load(path)
    assert result.differences == ()
    assert result.output.pending == 0
    assert world_problems(result.output.world) == []
    assert doc["format"] == "ippools-scenario/1"


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_scenario_expects_every_request_and_the_world(path: Path) -> None:
    """Every request step has an expectation and every file an expect_world, so it can fail."""
    _, scenario, _ = load(path)
    requests = [step for step in scenario.steps if isinstance(step, RequestStep)]
    assert requests
    assert all(step.expect is not None for step in requests)
    assert scenario.expect_world is not None


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_success_bodies_are_given_error_bodies_only_where_fixed(path: Path) -> None:
    """Portability: 200 steps give the exact body; errors only the contract's fixed messages."""
    _, scenario, _ = load(path)
    fixed = ({"message": "account not found"}, {"message": "no shared IP available"})
    for step in scenario.steps:
        if isinstance(step, RequestStep):
            assert step.expect is not None
            if step.expect.status == 200:
                assert step.expect.body is not None
            else:
                assert step.expect.body is None or step.expect.body in fixed


def test_changing_one_expected_status_reports_exactly_that_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§7/K18: in a copy with one status changed, the replay reports that one difference."""
    path = SCENARIOS / "route-3.8-add-ip-d11.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["steps"][4]["expect"]["status"] = 404
    copy = tmp_path / "copy.json"
    copy.write_text(json.dumps(doc), encoding="utf-8")
    result = replay(load_scenario(doc))
    where = "steps[4] PUT /v3/ip_pools/aaaaaaaaaaaaaaaaaaaaaaaa/ips/192.0.2.30"
    assert result.differences == (Difference(where, "status", 404, 400),)
    assert main(["replay", str(copy)]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["steps"][4]["status"] == 400
    assert err == f"ippools: {copy}: {where}: status: expected 404, got 400\n"


def test_truncated_corpus_file_is_an_invalid_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§7: a corpus file cut short is exit 2 with one line naming the truncation."""
    text = (SCENARIOS / "deletion-chain.json").read_text(encoding="utf-8")
    cut = tmp_path / "cut.json"
    cut.write_text(text[: len(text) // 2], encoding="utf-8")
    assert main(["replay", str(cut)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert re.fullmatch(
        rf"ippools: {re.escape(str(cut))}: truncated JSON: the text ends at line \d+ column \d+, "
        r"before the document is complete\n",
        err,
    )


# -- S4: the pending counts the format reports -----------------------------------------------


def _results(name: str) -> list[int]:
    """Per step: pending added (request) or updates processed (settle)."""
    _, _, result = load(SCENARIOS / name)
    return [
        step.pending if isinstance(step, RequestResult) else step.settled
        for step in result.output.steps
    ]


PENDING_COUNTS = {
    # 3.8: one domain update (dom-1) and one subaccount update (acct-2); D11 adds none.
    "route-3.8-add-ip-d11.json": [2, 0, 0, 0, 0, 0, 0, 0, 0, 2],
    # 3.9: the same two updates; settle 1 processes one, the rest later.
    "route-3.9-remove-ip-partial-settle.json": [0, 0, 2, 1, 0, 0, 1],
    # 3.6: own linked domain dom-1, then subaccount acct-2.
    "route-3.6-delete-with-pool-replacement.json": [2, 0, 0, 0, 0, 1, 1],
    # 3.6 with ip=shared: one domain update per linked domain; 3.1 leaves none.
    "route-3.6-delete-with-shared-d4.json": [2, 0, 0, 2],
    # 3.6: a subaccount update even for a subaccount without linked domain.
    "route-3.6-delegation-without-domains.json": [1, 0, 0, 1],
    # 3.7: IPs changed: dom-1 and acct-2; then dom-1 and newly linked dom-2 (once each) and acct-2.
    "route-3.7-edit-ips-repeated-fields.json": [2, 0, 1, 0, 0, 0, 3, 0, 4],
    # 3.7 link: one update for the newly linked domain; unlink: none.
    "route-3.7-link-unlink-d9-k10.json": [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    # 3.8 on a DIPP with three linked domains; stale updates are still counted when processed.
    "partial-settle-effective-state.json": [3, 1, 0, 0, 1, 0, 0, 1],
    # 3.4 and 3.5 leave nothing; 3.7 on a subaccount's own DIPP: one newly linked domain.
    "subaccount-delegation-both-sides.json": [
        2,
        0,
        1,
        0,
        1,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        1,
        0,
        0,
        0,
        1,
        0,
        2,
    ],
    # 3.11: a PATCH linking one domain leaves one update; reads leave none.
    "route-3.11-list-views.json": [0] * 17 + [1, 0, 0, 1, 0],
    # 3.11 in the effective state: a PATCH link, then 3.8 (one domain, one subaccount update).
    "route-3.11-list-effective-state.json": [0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 2, 0, 0],
    # 3.12: links by PATCH and 3.16 leave one update each; pages read in between.
    "route-3.12-stable-paging.json": [0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 3, 0, 0, 0],
    # 3.6 with a replacement: one own linked domain and one subaccount.
    "route-3.12-effective-after-pool-deletion.json": [2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0],
    # 3.13 leaves nothing; the one update comes from 3.16 linking a domain.
    "route-3.13-delegate.json": [0] * 35 + [1, 0, 0, 0, 1],
    # 3.14 ip=shared leaves nothing; the update is the earlier 3.16's.
    "route-3.14-revoke-shared-d4.json": [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0],
    # 3.8 leaves three; 3.14 after it leaves none and the stale updates find nothing to do.
    "route-3.14-revoke-with-pending-updates.json": [3, *[0] * 8, 1, 0, 0, 0, 2, 0, 0, 0, 0],
    # D12: two 3.16 links, one update each; delegations leave none.
    "d12-several-inherited-dipps.json": [0, 0, 0, 0, 1, 1] + [0] * 10 + [2, 0, 0],
    # 3.16 pool_id: one domain update per link that changes something, none when already linked.
    "route-3.16-link-pool.json": [1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1]
    + [0] * 8
    + [4, 0, 0],
    # 3.15 reads the effective IPs: an update from 3.8 (domain and subaccount), then 3.16.
    "route-3.15-domain-ips.json": [0] * 18 + [2, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0],
}


@pytest.mark.parametrize(("name", "counts"), PENDING_COUNTS.items(), ids=list(PENDING_COUNTS))
def test_pending_counts_follow_s4(name: str, counts: list[int]) -> None:
    """S4/S5: how many updates each request leaves and each settle processes."""
    assert _results(name) == counts


def _requests() -> Iterator[tuple[RequestStep, RequestResult]]:
    for path in CORPUS:
        _, scenario, result = load(path)
        for step, outcome in zip(scenario.steps, result.output.steps, strict=True):
            if isinstance(step, RequestStep):
                assert isinstance(outcome, RequestResult)
                yield step, outcome
            else:
                assert isinstance(outcome, SettleResult)


ROUTES = {
    "3.1": ("DELETE", r"/v3/domains/[^/]+/(ips|pool)/(?!all$|ip_pool$)[^/]+"),
    "3.2": ("DELETE", r"/v3/domains/[^/]+/(ips|pool)/all"),
    "3.3": ("DELETE", r"/v3/domains/[^/]+/(ips|pool)/ip_pool"),
    "3.4": ("POST", r"/v3/ip_pools"),
    "3.5": ("GET", r"/v3/ip_pools/[^/]+"),
    "3.6": ("DELETE", r"/v3/ip_pools/[^/]+"),
    "3.7": ("PATCH", r"/v3/ip_pools/[^/]+"),
    "3.8": ("PUT", r"/v3/ip_pools/[^/]+/ips/[^/]+"),
    "3.9": ("DELETE", r"/v3/ip_pools/[^/]+/ips/[^/]+"),
    "3.10": ("POST", r"/v3/ip_pools/[^/]+/ips\.json"),
    "3.11": ("GET", r"/v3/ip_pools"),
    "3.12": ("GET", r"/v3/ip_pools/[^/]+/domains"),
    "3.13": ("PUT", r"/v3/ip_pools/[^/]+/delegate"),
    "3.14": ("DELETE", r"/v3/ip_pools/[^/]+/delegate"),
    "3.15": ("GET", r"/v3/domains/[^/]+/ips"),
    "3.16": ("POST", r"/v3/domains/[^/]+/ips"),
}


def _route(step: RequestStep) -> str | None:
    for route, (method, pattern) in ROUTES.items():
        if step.request.method == method and re.fullmatch(pattern, step.request.path):
            return route
    return None


def test_every_route_is_covered_by_accepted_and_refused_requests() -> None:
    """3.1-3.16: the corpus accepts and refuses requests on every route, both domain paths."""
    accepted: set[str] = set()
    refused: set[str] = set()
    for step, outcome in _requests():
        route = _route(step)
        if route is not None:
            (accepted if outcome.status == 200 else refused).add(route)
    assert accepted == set(ROUTES)
    assert refused == set(ROUTES)
    paths = [step.request.path for step, outcome in _requests() if outcome.status == 200]
    assert any("/pool/" in p and p.startswith("/v3/domains/") for p in paths)
    assert any("/ips/" in p and p.startswith("/v3/domains/") for p in paths)


SYNCHRONOUS = {"3.1", "3.2", "3.3", "3.4", "3.5", "3.11", "3.12", "3.13", "3.14", "3.15"}
"""Routes that never leave a pending update (S4, 3.13.6, 3.14.6, reads)."""


def test_refused_and_synchronous_requests_leave_nothing_pending() -> None:
    """C4: a refusal leaves no update; S4: 3.1-3.5, 3.11-3.15 and 3.16 with ip never leave one,
    3.16 with pool_id at most one."""
    for step, outcome in _requests():
        route = _route(step)
        if outcome.status != 200 or route in SYNCHRONOUS:
            assert outcome.pending == 0, (step, outcome)
        if route == "3.16":
            by_pool = any(name == "pool_id" for name, _ in step.request.form or ())
            assert outcome.pending <= (1 if by_pool else 0), (step, outcome)


def test_version_2_files_not_listed_leave_nothing_pending() -> None:
    """The version 2 files whose counts are not pinned above leave no update at all."""
    for path in CORPUS:
        if path.name in PENDING_COUNTS or not re.match(
            r"(route-3\.1[1-6]|k19|k2[0-4]|d12)", path.name
        ):
            continue
        assert set(_results(path.name)) == {0}, path.name


def test_corpus_names_every_decision_and_common_rule() -> None:
    """Every decision D1-D12 and rule C1, C2, C7-C10 has a scenario that names it."""
    text = " ".join(load(path)[1].name + " " + path.stem.upper() for path in CORPUS)
    for label in [f"D{n}" for n in range(1, 13)] + ["C1", "C2", "C7", "C8", "C9", "C10"]:
        assert re.search(rf"\b{label}\b", text), label


def test_corpus_uses_partial_settles_ipv6_paths_and_both_body_kinds() -> None:
    """The corpus exercises settle N, raw and percent-encoded IPv6 paths, form and JSON bodies."""
    steps = [step for path in CORPUS for step in load(path)[1].steps]
    requests = [step.request for step in steps if isinstance(step, RequestStep)]
    assert any(not isinstance(step, RequestStep) and step.limit == 1 for step in steps)
    assert any("2001:db8::1" in r.path for r in requests)
    assert any("2001%3Adb8%3A%3A1" in r.path for r in requests)
    assert any(r.form and any(not isinstance(v, str) for _, v in r.form) for r in requests)
    assert any(r.form and any(name == "ips" for name, _ in r.form) for r in requests)
    assert any(r.method == "DELETE" and r.form for r in requests)
    assert any(r.json is not None for r in requests)
