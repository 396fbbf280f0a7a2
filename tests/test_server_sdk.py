"""The official Python SDK (``mailgun`` on PyPI), unmodified and pointed at the server with
``api_url``, through every call it has for these routes: each answer is the one the wire
layer gives in a serial replay of the request the SDK sent, with the identity of its key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from mailgun.client import Client

from ippools.wire import Request
from tests.serving import (
    Server,
    check_same,
    client_for,
    engine_for,
    keys_file,
    replay_one,
    reset,
    settle,
    stored,
)
from tests.support import NEW_IDS, POOL_A, POOL_B, POOL_C
from tests.test_wire import WORLD

KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
IDENTITY = [
    ("X-Mailgun-Account-Id", "acct-1"),
    ("X-Mailgun-Requestor", "ops@example.com"),
    ("X-Mailgun-Requestor-Client", "python-sdk"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    account, requestor, client = (value for _, value in IDENTITY)
    keys = keys_file(tmp_path_factory.mktemp("keys"), (KEY, account, requestor, client))
    with Server("--keys", str(keys), "--control", "--no-worker") as running:
        yield running


def sent(answer: requests.Response) -> Request:
    """The wire request the SDK sent, as the key's account (what the server must act as)."""
    prepared = answer.request
    assert prepared.method is not None
    assert prepared.url is not None
    target = urlsplit(prepared.url)
    body = prepared.body
    assert body is None or isinstance(body, str | bytes)
    text = body.decode() if isinstance(body, bytes) else (body or "")
    return Request(
        prepared.method,
        target.path,
        query=parse_qsl(target.query, keep_blank_values=True),
        headers=IDENTITY,
        form=parse_qsl(text, keep_blank_values=True),
    )


Call = Callable[[Client], requests.Response]
P1 = NEW_IDS[0]

CALLS: list[tuple[str, Call]] = [
    ("ippools.get()", lambda c: c.ippools.get()),
    (
        "ippools.create(data=...) with repeated ips",
        lambda c: c.ippools.create(
            data={"name": "bulk", "description": "d", "ips": ["198.51.100.4", "2001:db8::3"]}
        ),
    ),
    ("ippools.get(pool_id=...)", lambda c: c.ippools.get(pool_id=P1)),
    (
        "domains.delete(domain=..., ip=...)",
        lambda c: c.domains.delete(domain="example.com", ip="198.51.100.2"),
    ),
    (
        "ippools.patch(pool_id=..., data=...) with repeated keys",
        lambda c: c.ippools.patch(
            pool_id=POOL_B,
            data={"add_ip": ["198.51.100.1", "198.51.100.2"], "link_domain": "dom-1"},
        ),
    ),
    (
        "ippools.put(pool_id=..., ip=IPv6)",
        lambda c: c.ippools.put(pool_id=POOL_B, ip="2001:db8::2"),
    ),
    (
        "ippools.delete(pool_id=..., ip=IPv6)",
        lambda c: c.ippools.delete(pool_id=POOL_A, ip="2001:db8::2"),
    ),
    (
        "ippools.put(pool_id=..., ip=IPv6) again",
        lambda c: c.ippools.put(pool_id=POOL_B, ip="2001:db8::2"),
    ),
    ("domains_ips.get(domain=...)", lambda c: c.domains_ips.get(domain="example.com")),
    (
        "domains_ips.create(domain=..., data=...)",
        lambda c: c.domains_ips.create(domain="example.com", data={"ip": "198.51.100.4"}),
    ),
    (
        "domains_ips.delete(domain=..., ip=...)",
        lambda c: c.domains_ips.delete(domain="example.com", ip="198.51.100.1"),
    ),
    (
        "domains.delete(domain=..., ip=ip_pool, filters=pool_id)",
        lambda c: c.domains.delete(
            domain="linked.example.com", ip="ip_pool", filters={"pool_id": POOL_B}
        ),
    ),
    (
        "ippools.delete(pool_id=..., filters=ip)",
        lambda c: c.ippools.delete(pool_id=P1, filters={"ip": "198.51.100.4"}),
    ),
    (
        "ippools.delete(pool_id=..., data=pool_id)",
        lambda c: c.ippools.delete(pool_id=POOL_C, data={"pool_id": POOL_B}),
    ),
    (
        "domains.delete(domain=..., ip=...) of another account's domain (C7)",
        lambda c: c.domains.delete(domain="shared.example", ip="198.51.100.20"),
    ),
    (
        "domains_pool_all.delete(domain=...)",
        lambda c: c.domains_pool_all.delete(domain="linked.example.com"),
    ),
]


def test_every_sdk_call_gets_the_replayed_answer(server: Server) -> None:
    """Each call's answer equals the wire layer's for the request the SDK sent; the stored
    worlds agree before and after a full settle."""
    with client_for(server.url, auth=("api", KEY)) as control:
        reset(control, WORLD, NEW_IDS)
        eng = engine_for(WORLD, NEW_IDS)
        accepted = 0
        with Client(auth=("api", KEY), api_url=server.url) as sdk:
            for label, call in CALLS:
                answer = call(sdk)
                expected = replay_one(eng, sent(answer))
                assert (answer.status_code, answer.json()) == (expected.status, expected.body), (
                    label
                )
                accepted += expected.status == 200
        assert accepted >= 8
        assert stored(control) == (eng.state.world(), eng.state.pending_count)
        assert settle(control) == eng.settle()
        assert stored(control) == (eng.state.world(), 0)


def test_the_sdk_sends_ipv6_percent_encoded_and_the_server_reads_it(server: Server) -> None:
    """C6: ``2001%3Adb8%3A%3A3`` in the path is the IP 2001:db8::3."""
    with client_for(server.url, auth=("api", KEY)) as control:
        reset(control, WORLD, NEW_IDS)
        with Client(auth=("api", KEY), api_url=server.url) as sdk:
            answer = sdk.ippools.put(pool_id=POOL_B, ip="2001:db8::3")
        assert answer.request.url is not None
        assert answer.request.url.endswith("/ips/2001%3Adb8%3A%3A3")
        assert (answer.status_code, answer.json()) == (200, {"message": "started"})
        check_same(
            control.get(f"/v3/ip_pools/{POOL_B}", headers=IDENTITY),
            replay_one(_after_put(), Request("GET", f"/v3/ip_pools/{POOL_B}", headers=IDENTITY)),
        )


def _after_put() -> Any:
    eng = engine_for(WORLD, NEW_IDS)
    replay_one(eng, Request("PUT", f"/v3/ip_pools/{POOL_B}/ips/2001:db8::3", headers=IDENTITY))
    return eng
