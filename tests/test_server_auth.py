"""Identity, as the real API does it: public mode takes HTTP Basic auth ``api:<key>`` and acts as
the key's account whatever identity headers the client sends; trusted mode takes the headers
and no auth; the two never mix; no log line ever holds a key."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ippools.cli import main
from ippools.server import create_app, load_keys
from ippools.wire import Request
from tests.serving import (
    Server,
    check_same,
    client_for,
    engine_for,
    keys_file,
    replay_one,
    reset,
    stored,
)
from tests.support import NEW_IDS, POOL_A, POOL_C
from tests.test_wire import HEADERS, WORLD

KEY_1 = "key-0d1f2e3c4b5a69788796a5b4c3d2e1f0"
KEY_2 = "key-acct2-9f8e7d6c5b4a39281706f5e4d3c2"
ACCOUNT_2_HEADERS = {
    "X-Mailgun-Account-Id": "acct-2",
    "X-Mailgun-Requestor": "intruder@example.org",
    "X-Mailgun-Requestor-Client": "forged",
}
AS_KEY_1 = [
    ("X-Mailgun-Account-Id", "acct-1"),
    ("X-Mailgun-Requestor", "ops@example.com"),
    ("X-Mailgun-Requestor-Client", "billing"),
]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return keys_file(
        tmp_path_factory.mktemp("keys"),
        (KEY_1, "acct-1", "ops@example.com", "billing"),
        (KEY_2, "acct-2", "other@example.com", "other"),
    )


@pytest.fixture(scope="module")
def public(keys: Path) -> Iterator[Server]:
    with Server("--keys", str(keys), "--control", "--no-worker") as server:
        yield server


def basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


NO_KEY = "authentication required: HTTP Basic auth with the user 'api' and an API key"
BAD_AUTH = "the Authorization header is not HTTP Basic auth with the user 'api' and a key"


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, NO_KEY),
        ("Bearer " + KEY_1, BAD_AUTH),
        ("Basic !!not base64!!", BAD_AUTH),
        ("Basic " + base64.b64encode(b"\xff\xfe").decode(), BAD_AUTH),
        (basic("user", KEY_1), BAD_AUTH),
        (basic("api", ""), BAD_AUTH),
        ("Basic " + base64.b64encode(KEY_1.encode()).decode(), BAD_AUTH),
        (basic("api", "key-unknown"), "invalid API key"),
        (basic("api", KEY_1 + "x"), "invalid API key"),
        (basic("api", KEY_1.upper()), "invalid API key"),
    ],
)
def test_a_missing_malformed_or_unknown_key_is_401(
    public: Server, authorization: str | None, message: str
) -> None:
    """401 with a JSON message and a Basic challenge; the message names no key, and
    nothing is decided (a write is not made)."""
    headers = {} if authorization is None else {"Authorization": authorization}
    with client_for(public.url) as http, http_with_key(public) as keyed:
        reset(keyed, WORLD, NEW_IDS)
        answer = http.put(f"/v3/ip_pools/{POOL_A}/ips/198.51.100.4", headers=headers)
        assert (answer.status_code, answer.json()) == (401, {"message": message})
        assert answer.headers["www-authenticate"] == 'Basic realm="ippools"'
        assert "key-" not in answer.text
        assert stored(keyed) == (WORLD, 0)


def test_two_authorization_headers_are_refused(public: Server) -> None:
    with client_for(public.url) as http:
        answer = http.get(
            f"/v3/ip_pools/{POOL_A}",
            headers=[
                ("Authorization", basic("api", KEY_1)),
                ("Authorization", basic("api", KEY_2)),
            ],
        )
    assert (answer.status_code, answer.json()) == (401, {"message": BAD_AUTH})


def http_with_key(server: Server, key: str = KEY_1) -> httpx.Client:
    return client_for(server.url, auth=("api", key))


def test_a_client_sending_another_accounts_headers_acts_as_its_keys_account(
    public: Server,
) -> None:
    """Item 7: identity headers from the client are ignored in public mode. With KEY_1 and
    acct-2's headers (and a requestor that is not even an e-mail address), reads and writes
    act as acct-1, exactly as acct-1's own request would."""
    with http_with_key(public) as http:
        reset(http, WORLD, NEW_IDS)
        eng = engine_for(WORLD, NEW_IDS)
        forged = {**ACCOUNT_2_HEADERS, "x-mailgun-requestor": "not an address"}
        for method, path, form in [
            ("GET", f"/v3/ip_pools/{POOL_A}", None),
            ("POST", "/v3/ip_pools", {"name": "mine", "description": "d", "ip": "198.51.100.4"}),
            ("PUT", f"/v3/ip_pools/{POOL_A}/ips/2001:db8::3", None),
        ]:
            answer = http.request(method, path, headers=forged, data=form)
            check_same(answer, replay_one(eng, Request(method, path, headers=AS_KEY_1, form=form)))
            assert answer.status_code == 200
        created = next(p for p in stored(http)[0].pools if p.pool_id == NEW_IDS[0])
        assert created.account_id == "acct-1"
        assert stored(http)[0] == eng.state.world()


def test_each_key_acts_as_its_own_account(public: Server) -> None:
    """acct-1's DIPP A is invisible to acct-2's key (C7), whatever headers it sends."""
    with http_with_key(public, KEY_2) as http:
        reset(http, WORLD, NEW_IDS)
        answer = http.get(f"/v3/ip_pools/{POOL_A}", headers=HEADERS)
    assert (answer.status_code, answer.json()) == (
        404,
        {"message": f"DIPP {POOL_A!r} not found"},
    )


def test_the_control_endpoints_need_a_key_in_public_mode(public: Server) -> None:
    with client_for(public.url) as http:
        assert http.get("/_ippools/world").status_code == 401
        assert http.post("/_ippools/settle").status_code == 401


def test_the_control_endpoints_are_off_by_default_in_public_mode(keys: Path) -> None:
    """Without --control, /_ippools/ paths go to the wire layer like any other: no route."""
    with Server("--keys", str(keys)) as server, http_with_key(server) as http:
        answer = http.get("/_ippools/world")
        assert (answer.status_code, answer.json()) == (
            404,
            {"message": "no route for path '/_ippools/world'"},
        )
        assert http.post("/_ippools/reset", json={"world": {}}).status_code == 404


def test_trusted_mode_takes_the_headers_and_no_auth() -> None:
    """--trust-headers: the X-Mailgun-* headers decide; a Basic auth header supplies nothing,
    so without them the request is a C1 400, with a valid-looking key or not."""
    with Server("--trust-headers", "--no-worker") as server, client_for(server.url) as http:
        reset(http, WORLD, NEW_IDS)
        as_acct_2 = http.get(f"/v3/ip_pools/{POOL_A}", headers=ACCOUNT_2_HEADERS)
        assert as_acct_2.status_code == 404
        as_sub = http.get(f"/v3/ip_pools/{POOL_C}", headers={"X-Mailgun-Account-Id": "sub-1"})
        assert as_sub.status_code == 200
        keyed = http.get(f"/v3/ip_pools/{POOL_A}", auth=("api", KEY_1))
        assert (keyed.status_code, keyed.json()) == (
            400,
            {"message": "header X-Mailgun-Account-Id is required"},
        )


def test_the_two_modes_never_mix(keys: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Keys and trusted headers together, or neither, are refused at the command line; so
    is the same combination given to create_app."""
    assert main(["serve", "--port", "0", "--keys", str(keys), "--trust-headers"]) == 2
    assert "argument --trust-headers: not allowed with argument --keys" in capsys.readouterr().err
    assert main(["serve", "--port", "0"]) == 2
    assert capsys.readouterr().err == (
        "ippools serve: one of the arguments --keys --trust-headers is required"
        " (see ippools serve --help)\n"
    )
    with pytest.raises(ValueError, match="trusted mode takes no keys"):
        create_app(keys=load_keys(keys), trust_headers=True)
    with pytest.raises(ValueError, match="public mode needs keys"):
        create_app()


ACCESS_LINE = re.compile(r"ippools: [A-Za-z]+ /\S* \d{3} \d+\.\d ms")


def test_the_log_never_holds_a_key(public: Server) -> None:
    """After the requests of this module (valid, unknown and malformed keys), the log has
    an access line per request and no key, in clear or in base64."""
    with http_with_key(public) as http:
        http.get(f"/v3/ip_pools/{POOL_A}?limit=" + KEY_2)
    log = public.log()
    for secret in (KEY_1, KEY_2, "key-unknown"):
        assert secret not in log
        assert base64.b64encode(f"api:{secret}".encode()).decode() not in log
    lines = log.splitlines()
    assert lines[0].startswith("ippools: serving http://127.0.0.1:")
    access = [line for line in lines[1:] if ACCESS_LINE.fullmatch(line)]
    assert len(access) >= 10
    assert f"ippools: GET /v3/ip_pools/{POOL_A} 400 " in log
