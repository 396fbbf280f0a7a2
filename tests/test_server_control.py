"""The test-control endpoints under /_ippools/ (docs/server.md): reset to a world and an id
sequence, settle N or all, read the stored world and the pending count; every bad body is a
400 naming the bad value and changes nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from ippools import World
from ippools.documents import unstructure
from ippools.wire import Request
from tests.serving import (
    Server,
    client_for,
    engine_for,
    pending,
    replay_one,
    reset,
    stored,
    wait_settled,
)
from tests.support import NEW_IDS, POOL_A
from tests.test_wire import HEADERS, WORLD


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with Server("--trust-headers", "--settle-delay", "0") as running:
        yield running


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    with client_for(server.url) as http:
        yield http


def queue_work(client: httpx.Client) -> list[Request]:
    """Three commands that leave one pending update each (DIPP A is linked to dom-2)."""
    requests = [
        Request("PUT", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.4", headers=HEADERS),
        Request("DELETE", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.3", headers=HEADERS),
        Request(
            "DELETE", f"/v3/ip_pools/{POOL_A}", headers=HEADERS, query=[("ip", "198.51.100.1")]
        ),
    ]
    for request in requests:
        answer = client.request(request.method, request.path, headers=HEADERS, params=request.query)
        assert answer.status_code == 200, answer.text
    return requests


def test_reset_sets_the_world_and_the_ids(client: httpx.Client) -> None:
    """After a reset the stored world is the one given, nothing is pending, and creations
    take the given ids in order, then the fallback ids (K16)."""
    reset(client, WORLD, [NEW_IDS[1]])
    assert stored(client) == (WORLD, 0)
    made = [
        client.post(
            "/v3/ip_pools", headers=HEADERS, data={"name": f"p{n}", "description": "d"}
        ).json()["pool_id"]
        for n in range(2)
    ]
    assert made == [NEW_IDS[1], "000000000000000000000001"]


def test_settle_n_processes_the_oldest_n_and_says_how_many(client: httpx.Client) -> None:
    """settle {"limit": N} processes exactly min(N, pending), oldest first: the stored world
    is then the replay's after process(N); settle {} processes the rest."""
    reset(client, WORLD, NEW_IDS)
    eng = engine_for(WORLD, NEW_IDS)
    for request in queue_work(client):
        replay_one(eng, request)
    assert pending(client) == eng.state.pending_count == 3
    answer = client.post("/_ippools/settle", json={"limit": 2})
    assert answer.json() == {"pending": 1, "settled": 2}
    assert eng.process(2) == 2
    assert stored(client) == (eng.state.world(), 1)
    assert client.post("/_ippools/settle", json={"limit": 0}).json() == {"pending": 1, "settled": 0}
    assert client.post("/_ippools/settle").json() == {"pending": 0, "settled": 1}
    assert client.post("/_ippools/settle", json={}).json() == {"pending": 0, "settled": 0}
    eng.settle()
    assert stored(client) == (eng.state.world(), 0)


def test_the_world_read_is_the_stored_world_before_a_settle(client: httpx.Client) -> None:
    """K15: before a settle the world shows the stored state, not the effective one."""
    reset(client, WORLD, NEW_IDS)
    queue_work(client)
    world, count = stored(client)
    assert count == 3
    linked = next(d for d in world.domains if d.id == "dom-2")
    assert linked == next(d for d in WORLD.domains if d.id == "dom-2")


def test_the_worker_setting_of_a_reset(client: httpx.Client) -> None:
    """worker false: pending updates wait for a settle; worker true: the background worker
    (settle delay 0 on this server) processes them by itself."""
    reset(client, WORLD, NEW_IDS, worker=False)
    queue_work(client)
    time.sleep(0.3)
    assert pending(client) == 3
    reset(client, WORLD, NEW_IDS, worker=True)
    eng = engine_for(WORLD, NEW_IDS)
    for request in queue_work(client):
        replay_one(eng, request)
    wait_settled(client)
    eng.settle()
    assert stored(client) == (eng.state.world(), 0)


def bad(client: httpx.Client, path: str, **kwargs: object) -> str:
    answer = client.post(path, **kwargs)  # type: ignore[arg-type]
    assert answer.status_code == 400, answer.text
    message: str = answer.json()["message"]
    return message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"limit": -1}, "limit: expected an integer >= 0 or null, got -1"),
        ({"limit": "2"}, "limit: expected an integer >= 0 or null, got '2'"),
        ({"limit": True}, "limit: expected an integer >= 0 or null, got True"),
        ({"limit": 1.0}, "limit: expected an integer >= 0 or null, got 1.0"),
        ({"all": True}, "all: unknown key; the keys taken are limit"),
        ([1], "the body must be a JSON object, got list"),
    ],
)
def test_a_bad_settle_body_is_400(client: httpx.Client, body: object, message: str) -> None:
    reset(client, WORLD, NEW_IDS, worker=False)
    queue_work(client)
    assert bad(client, "/_ippools/settle", json=body) == message
    assert pending(client) == 3


def test_a_body_that_is_not_json_is_400(client: httpx.Client) -> None:
    assert bad(client, "/_ippools/settle", data={"limit": "1"}) == (
        "the body must be a JSON object (Content-Type: application/json)"
    )
    assert bad(
        client,
        "/_ippools/settle",
        content=b'{"limit": 1',
        headers={"Content-Type": "application/json"},
    ).startswith("JSON body: truncated JSON")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "world: required"),
        ({"world": {}, "seed": 1}, "seed: unknown key; the keys taken are ids, world, worker"),
        ({"world": {}, "worker": "yes"}, "worker: expected true, false or null, got 'yes'"),
        ({"world": {"accounts": [{"id": "a b"}]}}, "world.accounts[0].id: 'a b' is not a valid id"),
        ({"world": {}, "ids": ["x"]}, "ids[0]: 'x' is not a valid pool id"),
        ({"world": {}, "ids": [NEW_IDS[0], NEW_IDS[0]]}, "ids[1]: '111111111111111111111111'"),
        ({"world": unstructure(WORLD), "ids": [POOL_A]}, "ids[0]: 'aaaaaaaaaaaaaaaaaaaaaaaa'"),
    ],
)
def test_a_bad_reset_is_400_and_keeps_the_state(
    client: httpx.Client, body: dict[str, object], message: str
) -> None:
    """The world and ids are checked as a scenario's are (K13, K16); nothing changes."""
    reset(client, WORLD, NEW_IDS, worker=False)
    queue_work(client)
    before = stored(client)
    assert bad(client, "/_ippools/reset", json=body).startswith(message)
    assert stored(client) == before


def test_other_paths_and_methods_under_the_prefix(client: httpx.Client) -> None:
    assert (client.get("/_ippools/nothing").status_code, client.get("/_ippools/").status_code) == (
        404,
        404,
    )
    answer = client.get("/_ippools/settle")
    assert (answer.status_code, answer.json()) == (
        405,
        {"message": "method 'GET' is not allowed for /_ippools/settle; allowed: POST"},
    )
    assert client.post("/_ippools/world").status_code == 405
    assert client.request("post", "/_ippools/settle").status_code == 200


def test_a_reset_to_an_empty_world(client: httpx.Client) -> None:
    reset(client, World())
    assert stored(client) == (World(), 0)
    answer = client.get(f"/v3/ip_pools/{POOL_A}", headers=HEADERS)
    assert (answer.status_code, answer.json()) == (404, {"message": "account not found"})


def test_no_control_turns_them_off_in_trusted_mode() -> None:
    with Server("--trust-headers", "--no-control") as server, client_for(server.url) as http:
        answer = http.post("/_ippools/settle")
        assert (answer.status_code, answer.json()) == (
            404,
            {"message": "no route for path '/_ippools/settle'"},
        )
