"""Every route of the contract over HTTP, sent the ways real clients send it (mailgun.js's
multipart with repeated parts and urlencoded Content-Type on bodiless requests, the Python
SDK's urlencoded bodies and percent-encoded IPv6, raw IPv6, a urlencoded body on DELETE),
gets exactly the answer ``ippools replay`` gives for the same requests: the same status and
the same JSON bytes, the same pending updates, the same worlds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ippools.documents import (
    SCENARIO_FORMAT,
    RequestResult,
    SettleResult,
    load_scenario,
    unstructure,
)
from ippools.replay import replay
from ippools.wire import Request
from tests.serving import (
    Server,
    Style,
    check_same,
    client_for,
    compact,
    engine_for,
    pending,
    replay_one,
    reset,
    send,
    settle,
    stored,
)
from tests.support import NEW_IDS, POOL_A, POOL_B, POOL_C
from tests.test_wire import HEADERS, WORLD

JS_URLENCODED = [("Content-Type", "application/x-www-form-urlencoded")]
"""What mailgun.js adds to requests without a body."""


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with (
        Server("--trust-headers", "--no-worker") as server,
        client_for(server.url) as http,
    ):
        yield http


def req(method: str, path: str, **kwargs: object) -> Request:
    return Request(method, path, headers=HEADERS, **kwargs)  # type: ignore[arg-type]


P1 = NEW_IDS[0]

STEPS: list[tuple[str, Request, Style, list[tuple[str, str]]]] = [
    ("3.11 list, js", req("GET", "/v3/ip_pools"), "urlencoded", JS_URLENCODED),
    (
        "3.4 create, js multipart with repeated ips",
        req(
            "POST",
            "/v3/ip_pools",
            form=[
                ("name", "bulk"),
                ("description", "newsletters"),
                ("ips", "198.51.100.4"),
                ("ips", "198.51.100.4"),
            ],
        ),
        "multipart",
        [],
    ),
    ("3.5 read, js", req("GET", f"/v3/ip_pools/{P1}"), "urlencoded", JS_URLENCODED),
    ("3.5 read, lower-case method (K2)", req("get", f"/v3/ip_pools/{POOL_A}"), "urlencoded", []),
    (
        "3.1 remove a domain IP, py",
        req("DELETE", "/v3/domains/example.com/ips/198.51.100.2"),
        "urlencoded",
        [],
    ),
    (
        "3.1 with a double-encoded IPv6 replacement (js), pool path",
        req(
            "DELETE",
            "/v3/domains/example.com/pool/198.51.100.1",
            query=[("ip", "2001%3Adb8%3A%3A3")],
        ),
        "urlencoded",
        JS_URLENCODED,
    ),
    (
        "3.7 edit, js multipart with repeated add_ip and a link",
        req(
            "PATCH",
            f"/v3/ip_pools/{POOL_B}",
            form=[
                ("name", "renamed"),
                ("add_ip", "198.51.100.1"),
                ("add_ip", "198.51.100.2"),
                ("link_domain", "dom-1"),
            ],
        ),
        "multipart",
        [],
    ),
    (
        "3.7 edit, py urlencoded with repeated keys",
        req(
            "PATCH",
            f"/v3/ip_pools/{POOL_A}",
            form=[("description", "moved"), ("remove_ip", "2001:db8::2"), ("remove_ip", "::1")],
        ),
        "urlencoded",
        [],
    ),
    (
        "3.8 add an IP, raw IPv6 in the path (js)",
        req("PUT", f"/v3/ip_pools/{POOL_A}/ips/2001:db8::2"),
        "urlencoded",
        JS_URLENCODED,
    ),
    (
        "3.9 remove an IP, percent-encoded IPv6 in the path (py)",
        req("DELETE", f"/v3/ip_pools/{POOL_A}/ips/2001%3Adb8%3A%3A2"),
        "urlencoded",
        [],
    ),
    (
        "3.10 add IPs, JSON",
        req(
            "POST", f"/v3/ip_pools/{POOL_B}/ips.json", json={"ips": ["2001:db8::2", "2001:db8::2"]}
        ),
        "json",
        [],
    ),
    (
        "3.12 linked domains, js",
        req("GET", f"/v3/ip_pools/{POOL_B}/domains", query=[("limit", "10")]),
        "urlencoded",
        JS_URLENCODED,
    ),
    (
        "3.13 delegate, js multipart",
        req("PUT", f"/v3/ip_pools/{POOL_A}/delegate", form=[("subaccount_id", "sub-1")]),
        "multipart",
        [],
    ),
    (
        "3.14 revoke, js multipart",
        req("DELETE", f"/v3/ip_pools/{POOL_A}/delegate", form=[("subaccount_id", "sub-1")]),
        "multipart",
        [],
    ),
    ("3.15 a domain's IPs, js", req("GET", "/v3/domains/example.com/ips"), "urlencoded", []),
    (
        "3.16 link a DIPP to a domain, js multipart",
        req("POST", "/v3/domains/example.com/ips", form=[("pool_id", POOL_A)]),
        "multipart",
        [],
    ),
    (
        "3.3 unlink with a pool, js query",
        req(
            "DELETE",
            "/v3/domains/linked.example.com/ips/ip_pool",
            query=[("pool_id", POOL_B)],
        ),
        "urlencoded",
        JS_URLENCODED,
    ),
    (
        "3.6 delete with the replacement in a urlencoded body (js, D5)",
        req("DELETE", f"/v3/ip_pools/{P1}", form=[("ip", "198.51.100.4")]),
        "urlencoded",
        [],
    ),
    (
        "3.6 delete with the replacement in the query (py)",
        req("DELETE", f"/v3/ip_pools/{POOL_C}", query=[("pool_id", POOL_B)]),
        "urlencoded",
        [],
    ),
    (
        "3.2 remove the domain pool (js)",
        req("DELETE", "/v3/domains/linked.example.com/pool/all"),
        "urlencoded",
        JS_URLENCODED,
    ),
    (
        "an empty multipart content type on a bodiless request",
        req("GET", f"/v3/ip_pools/{POOL_B}"),
        "urlencoded",
        [("Content-Type", "multipart/form-data; boundary=x")],
    ),
    (
        "3.8 with a scope suffix (C5)",
        req("PUT", f"/v3/ip_pools/{POOL_A}/ips/fe80::1%25eth0"),
        "urlencoded",
        JS_URLENCODED,
    ),
    ("an unknown path", req("GET", "/v3/ip_pools/x/y/z"), "urlencoded", []),
    ("a known path with another method", req("TRACE", "/v3/ip_pools"), "urlencoded", []),
]


def as_scenario_step(request: Request) -> dict[str, Any]:
    """A request step of the scenario format that sends ``request``."""

    def grouped(pairs: tuple[tuple[str, str], ...]) -> dict[str, list[str]]:
        values: dict[str, list[str]] = {}
        for name, value in pairs:
            values.setdefault(name, []).append(value)
        return values

    return {
        "request": {
            "method": request.method,
            "path": request.path,
            "query": grouped(request.query),
            "headers": dict(request.headers),
            "form": grouped(request.form) if request.form else None,
            "json": request.json,
        }
    }


def test_every_route_answers_as_ippools_replay_of_the_same_requests(client: httpx.Client) -> None:
    """The steps, as a scenario, run by ``ippools replay`` and over HTTP through the control
    endpoints (reset, pending before and after each request, settle, world): the same status
    and exact JSON bytes for every request, the same pending updates left by each, the same
    stored world and pending count, before and after a full settle (S1, K15)."""
    steps: list[dict[str, Any]] = [as_scenario_step(request) for _, request, _, _ in STEPS]
    document = {"format": SCENARIO_FORMAT, "world": unstructure(WORLD), "ids": NEW_IDS}
    before_settle = replay(load_scenario({**document, "steps": steps})).output
    settled = replay(load_scenario({**document, "steps": [*steps, {"settle": True}]})).output
    reset(client, WORLD, NEW_IDS)
    for (label, request, style, headers), expected in zip(STEPS, before_settle.steps, strict=True):
        assert isinstance(expected, RequestResult)
        waiting = pending(client)
        answer = send(client, request, style, headers)
        assert (answer.status_code, answer.json()) == (expected.status, expected.body), label
        assert answer.content == compact(expected.body), label
        assert pending(client) - waiting == expected.pending, label
    assert {step.status for step in before_settle.steps if isinstance(step, RequestResult)} >= {
        200,
        400,
        404,
        405,
    }
    assert stored(client) == (before_settle.world, before_settle.pending)
    assert settled.steps[-1] == SettleResult(settle(client))
    assert stored(client) == (settled.world, settled.pending) == (settled.world, 0)


@pytest.mark.parametrize("style", ["urlencoded", "multipart"])
def test_a_form_reads_the_same_urlencoded_or_multipart(client: httpx.Client, style: Style) -> None:
    """Repeated fields arrive in order and complete, whichever body the client chose."""
    reset(client, WORLD, NEW_IDS)
    request = req(
        "POST",
        "/v3/ip_pools",
        form=[
            ("name", "a name with spaces & symbols = ü"),
            ("description", "line\nbreak"),
            ("ip", "198.51.100.4"),
            ("ips", "2001:db8::3"),
            ("ip", "198.51.100.4"),
        ],
    )
    eng = engine_for(WORLD, NEW_IDS)
    check_same(send(client, request, style), replay_one(eng, request))
    assert stored(client)[0] == eng.state.world()
    pool = next(p for p in eng.state.world().pools if p.pool_id == NEW_IDS[0])
    assert (pool.name, pool.description) == ("a name with spaces & symbols = ü", "line\nbreak")


def test_an_empty_urlencoded_body_on_delete_is_no_body(client: httpx.Client) -> None:
    """K5: mailgun.js's urlencoded Content-Type on DELETE without a body changes nothing."""
    reset(client, WORLD, NEW_IDS)
    request = req("DELETE", f"/v3/ip_pools/{POOL_B}")
    answer = send(client, request, "urlencoded", JS_URLENCODED)
    check_same(answer, replay_one(engine_for(WORLD, NEW_IDS), request))
    assert answer.json() == {"message": "started"}
