"""The wire layer checks a request in the order of K1 and renders the outcome (C1-C3, C8, C9,
K1-K7, K25, D3, D5)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
import pytest

from ippools import (
    Accepted,
    Actor,
    Domain,
    DomainUpdate,
    Engine,
    MemoryState,
    Pool,
    Rejected,
    SubaccountUpdate,
    World,
)
from ippools.wire import Request, Response, handle
from tests.support import (
    NEW_IDS,
    POOL_A,
    POOL_B,
    POOL_C,
    account,
    dedicated,
    domain,
    engine,
    ip,
    ips,
    pool,
)

# -- a small world ---------------------------------------------------------------------------

HEADERS = {
    "X-Mailgun-Account-Id": "acct-1",
    "X-Mailgun-Requestor": "ops@example.com",
    "X-Mailgun-Requestor-Client": "cli",
}
"""Well-formed identity and audit headers of ``acct-1``."""


def small_world() -> World:
    """acct-1 (DIPPs, not shared-eligible) with its subaccount sub-1, acct-2 (DIPPs, shared-
    eligible) and acct-3 (no DIPPs feature).

    acct-1 owns 198.51.100.1-4 and 2001:db8::1-3; ``example.com`` (dom-1) holds .1 and .2;
    DIPP A holds .3 and 2001:db8::2 and is linked to ``linked.example.com`` (dom-2); DIPP B is
    empty; DIPP C holds 2001:db8::1 and is delegated to sub-1, whose ``sub.example`` (dom-4)
    is linked to it. Free IPs of acct-1: .4 and 2001:db8::3 (and .1, .2, which are in no DIPP).
    """
    return World(
        accounts=[
            account("acct-1"),
            account("acct-2", shared=True),
            account("acct-3", dipps=False),
            account("sub-1", parent="acct-1"),
        ],
        dedicated_ips=[
            *(dedicated(f"198.51.100.{n}") for n in (1, 2, 3, 4)),
            *(dedicated(f"2001:db8::{n}") for n in (1, 2, 3)),
            dedicated("198.51.100.20", "acct-2"),
            dedicated("198.51.100.30", "acct-3"),
        ],
        shared_ips=[ip("203.0.113.1")],
        domains=[
            domain("dom-1", "example.com", ip_texts=["198.51.100.1", "198.51.100.2"]),
            domain(
                "dom-2", "linked.example.com", ip_texts=["198.51.100.3", "2001:db8::2"], pool=POOL_A
            ),
            domain("dom-3", "shared.example", "acct-2", ip_texts=["198.51.100.20"]),
            domain("dom-4", "sub.example", "sub-1", ip_texts=["2001:db8::1"], pool=POOL_C),
            domain("dom-5", "third.example", "acct-3", ip_texts=["198.51.100.30"]),
        ],
        pools=[
            pool(POOL_A, ip_texts=["198.51.100.3", "2001:db8::2"]),
            pool(POOL_B),
            pool(POOL_C, ip_texts=["2001:db8::1"], delegated_to=["sub-1"]),
        ],
    )


WORLD = small_world()


def send(
    method: str,
    path: str,
    *,
    headers: Any = None,
    query: Any = None,
    form: Any = None,
    json: Any = None,
    eng: Engine[MemoryState] | None = None,
) -> tuple[Response, Engine[MemoryState]]:
    """Send one request to ``eng`` (a fresh engine over the small world by default)."""
    eng = eng if eng is not None else engine(WORLD)
    request = Request(
        method,
        path,
        query=query,
        headers=HEADERS if headers is None else headers,
        form=form,
        json=json,
    )
    return handle(eng, request), eng


def refused(response: Response, eng: Engine[MemoryState], status: int, message: str) -> None:
    """The answer is exactly the error, and nothing changed (C4)."""
    assert (response.status, response.body) == (status, {"message": message})
    assert eng.state.world() == WORLD
    assert eng.state.pending == ()


def replaced(
    world: World,
    *,
    domains: Iterable[Domain] = (),
    pools: Iterable[Pool] = (),
    drop_domains: Iterable[str] = (),
    drop_pools: Iterable[str] = (),
) -> World:
    """``world`` with records replaced (by id), added or dropped."""
    new_domains = {d.id: d for d in world.domains}
    for domain_id in drop_domains:
        del new_domains[domain_id]
    new_domains.update((d.id, d) for d in domains)
    new_pools = {p.pool_id: p for p in world.pools}
    for pool_id in drop_pools:
        del new_pools[pool_id]
    new_pools.update((p.pool_id, p) for p in pools)
    return attrs.evolve(world, domains=new_domains.values(), pools=new_pools.values())


def at(place: str, pairs: Any) -> dict[str, Any]:
    """Keyword arguments of :func:`send` putting ``pairs`` in the query or the form."""
    return {place: pairs}


def only_account(account_id: str = "acct-1") -> dict[str, str]:
    """Just the identity header."""
    return {"X-Mailgun-Account-Id": account_id}


def with_headers(**changes: str | None) -> list[tuple[str, str]]:
    """HEADERS with some replaced (by their last name part) or dropped (None)."""
    names = {
        "account": "X-Mailgun-Account-Id",
        "requestor": "X-Mailgun-Requestor",
        "client": "X-Mailgun-Requestor-Client",
    }
    merged = dict(HEADERS)
    for key, value in changes.items():
        if value is None:
            del merged[names[key]]
        else:
            merged[names[key]] = value
    return list(merged.items())


DOM_1 = WORLD.domains[0]
DOM_2 = WORLD.domains[1]
A = WORLD.pools[0]

# (method, path, the route template in messages, audited) for every endpoint of §3
ENDPOINTS = [
    ("DELETE", "/v3/domains/example.com/ips/198.51.100.1", "/v3/domains/{name}/ips/{ip}", True),
    ("DELETE", "/v3/domains/example.com/pool/198.51.100.1", "/v3/domains/{name}/pool/{ip}", True),
    ("DELETE", "/v3/domains/example.com/ips/all", "/v3/domains/{name}/ips/{ip}", True),
    ("DELETE", "/v3/domains/linked.example.com/ips/ip_pool", "/v3/domains/{name}/ips/{ip}", True),
    ("POST", "/v3/ip_pools", "/v3/ip_pools", False),
    ("GET", f"/v3/ip_pools/{POOL_A}", "/v3/ip_pools/{pool_id}", False),
    ("DELETE", f"/v3/ip_pools/{POOL_B}", "/v3/ip_pools/{pool_id}", True),
    ("PATCH", f"/v3/ip_pools/{POOL_A}", "/v3/ip_pools/{pool_id}", True),
    ("PUT", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.4", "/v3/ip_pools/{pool_id}/ips/{ip}", True),
    ("DELETE", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.3", "/v3/ip_pools/{pool_id}/ips/{ip}", True),
    ("POST", f"/v3/ip_pools/{POOL_A}/ips.json", "/v3/ip_pools/{pool_id}/ips.json", True),
]
AUDITED = [(m, p, t) for m, p, t, audited in ENDPOINTS if audited]
NOT_AUDITED = [(m, p, t) for m, p, t, audited in ENDPOINTS if not audited]
NOT_JSON = [(m, p, t) for m, p, t, _ in ENDPOINTS if not p.endswith("ips.json")]


# -- rendering: one accepted request per route ----------------------------------------------


def test_remove_domain_ip_over_the_wire() -> None:
    """3.1: an IP segment removes that IP from the domain; 200 success, nothing pending."""
    response, eng = send("DELETE", "/v3/domains/example.com/ips/198.51.100.1")
    assert response == Response(200, {"message": "success"})
    expected = attrs.evolve(DOM_1, ips=ips("198.51.100.2"))
    assert eng.state.world() == replaced(WORLD, domains=[expected])
    assert eng.state.pending == ()


def test_remove_domain_pool_over_the_wire() -> None:
    """3.2: the ``all`` segment removes the domain from this system."""
    response, eng = send("DELETE", "/v3/domains/example.com/pool/all")
    assert response == Response(200, {"message": "success"})
    assert eng.state.world() == replaced(WORLD, drop_domains=["dom-1"])
    assert eng.state.pending == ()


def test_unlink_domain_pool_over_the_wire() -> None:
    """3.3: the ``ip_pool`` segment unlinks the DIPP; the query ``ip`` is the replacement."""
    response, eng = send(
        "DELETE", "/v3/domains/linked.example.com/ips/ip_pool", query={"ip": "198.51.100.4"}
    )
    assert response == Response(200, {"message": "success"})
    expected = attrs.evolve(DOM_2, pool_id=None, ips=ips("198.51.100.4"))
    assert eng.state.world() == replaced(WORLD, domains=[expected])
    assert eng.state.pending == ()


def test_create_pool_over_the_wire() -> None:
    """3.4: form fields become the new DIPP; 200 with its pool_id."""
    form = {"name": "n", "description": "d", "ip": "198.51.100.4"}
    response, eng = send("POST", "/v3/ip_pools", headers=only_account(), form=form)
    assert response == Response(200, {"message": "success", "pool_id": NEW_IDS[0]})
    created = pool(NEW_IDS[0], name="n", description="d", ip_texts=["198.51.100.4"])
    assert eng.state.world() == replaced(WORLD, pools=[created])
    assert eng.state.pending == ()


def test_get_pool_over_the_wire() -> None:
    """3.5: the details of a visible DIPP, with only the identity header."""
    response, eng = send("GET", f"/v3/ip_pools/{POOL_A}", headers=only_account())
    details = {
        "description": "a pool",
        "ips": ["198.51.100.3", "2001:db8::2"],
        "is_linked": True,
        "linked_domains": ["linked.example.com"],
        "name": "pool",
        "pool_id": POOL_A,
    }
    assert response == Response(200, {"details": details, "message": "success"})
    assert eng.state.world() == WORLD


def test_delete_pool_over_the_wire() -> None:
    """3.6, D7: an empty DIPP with no link is deleted without replacement; 200 started."""
    response, eng = send("DELETE", f"/v3/ip_pools/{POOL_B}")
    assert response == Response(200, {"message": "started"})
    assert eng.state.world() == replaced(WORLD, drop_pools=[POOL_B])
    assert eng.state.pending == ()


def test_edit_pool_over_the_wire() -> None:
    """3.7: form fields edit the DIPP; the linked domain follows through a pending update."""
    form = [("add_ip", "198.51.100.4"), ("name", "renamed")]
    response, eng = send("PATCH", f"/v3/ip_pools/{POOL_A}", form=form)
    assert response == Response(200, {"message": "success"})
    edited = attrs.evolve(A, name="renamed", ips=A.ips | ips("198.51.100.4"))
    assert eng.state.world() == replaced(WORLD, pools=[edited])
    assert eng.state.pending == (DomainUpdate("dom-2"),)


def test_add_pool_ip_over_the_wire() -> None:
    """3.8: the IP of the path joins the DIPP; 200 started."""
    response, eng = send("PUT", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.4")
    assert response == Response(200, {"message": "started"})
    assert eng.state.world() == replaced(
        WORLD, pools=[attrs.evolve(A, ips=A.ips | ips("198.51.100.4"))]
    )
    assert eng.state.pending == (DomainUpdate("dom-2"),)


def test_remove_pool_ip_over_the_wire() -> None:
    """3.9: the IP of the path leaves the DIPP; 200 started."""
    response, eng = send("DELETE", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.3")
    assert response == Response(200, {"message": "started"})
    assert eng.state.world() == replaced(WORLD, pools=[attrs.evolve(A, ips=ips("2001:db8::2"))])
    assert eng.state.pending == (DomainUpdate("dom-2"),)


def test_add_pool_ips_over_the_wire() -> None:
    """3.10: the JSON body's ``ips`` join the DIPP; 200 started."""
    body = {"ips": ["198.51.100.4", "2001:db8::3"]}
    response, eng = send("POST", f"/v3/ip_pools/{POOL_A}/ips.json", json=body)
    assert response == Response(200, {"message": "started"})
    grown = attrs.evolve(A, ips=A.ips | ips("198.51.100.4", "2001:db8::3"))
    assert eng.state.world() == replaced(WORLD, pools=[grown])
    assert eng.state.pending == (DomainUpdate("dom-2"),)


def test_accepted_response_carries_who_asked_for_the_audit_record() -> None:
    """C2, K3: the outcome of an accepted mutating request carries account, requestor and client,
    as trimmed values."""
    headers = with_headers(account=" acct-1 ", requestor="\tops@example.com ", client=" cli\t")
    response, _ = send("PUT", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.4", headers=headers)
    assert isinstance(response.outcome, Accepted)
    assert response.outcome.actor == Actor("acct-1", "ops@example.com", "cli")


def test_rejection_by_the_rules_renders_its_error_and_keeps_the_outcome() -> None:
    """C4: a command the rules reject answers the error's status and message; the response
    keeps the rejected outcome."""
    response, eng = send("GET", "/v3/ip_pools/ffffffffffffffffffffffff", headers=only_account())
    refused(response, eng, 404, "DIPP 'ffffffffffffffffffffffff' not found")
    assert isinstance(response.outcome, Rejected)


def test_refusal_before_a_command_has_no_outcome() -> None:
    """K1, C4: a request refused by a wire check never became a command: no outcome."""
    response, eng = send("GET", f"/v3/ip_pools/{POOL_A}", headers={})
    refused(response, eng, 400, "header X-Mailgun-Account-Id is required")
    assert response.outcome is None


# -- C1, C3: the account header -------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "template", "audited"), ENDPOINTS)
def test_account_header_is_required_on_every_route(
    method: str, path: str, template: str, audited: bool
) -> None:
    """C1: without X-Mailgun-Account-Id every route answers 400, whatever else is sent."""
    headers = with_headers(account=None)
    response, eng = send(method, path, headers=headers)
    refused(response, eng, 400, "header X-Mailgun-Account-Id is required")


@pytest.mark.parametrize("value", ["", " ", "\t \t"])
@pytest.mark.parametrize(("method", "path", "template", "audited"), ENDPOINTS)
def test_blank_account_header_counts_as_missing(
    value: str, method: str, path: str, template: str, audited: bool
) -> None:
    """C1, K3: an empty or whitespace-only account header is missing: 400."""
    response, eng = send(method, path, headers=with_headers(account=value))
    refused(response, eng, 400, "header X-Mailgun-Account-Id is required")


@pytest.mark.parametrize(("method", "path", "template", "audited"), ENDPOINTS)
def test_unknown_account_is_not_found_on_every_route(
    method: str, path: str, template: str, audited: bool
) -> None:
    """C1: an account header naming no account answers 404 ``account not found``."""
    response, eng = send(method, path, headers=with_headers(account="acct-9"))
    refused(response, eng, 404, "account not found")


@pytest.mark.parametrize(
    "pairs",
    [
        [("X-Mailgun-Account-Id", "acct-1"), ("X-Mailgun-Account-Id", "acct-1")],
        [("X-Mailgun-Account-Id", "acct-1"), ("x-mailgun-account-id", "acct-2")],
        [("X-MAILGUN-ACCOUNT-ID", "acct-1"), ("x-Mailgun-Account-id", " ")],
    ],
)
@pytest.mark.parametrize(("method", "path", "template", "audited"), ENDPOINTS)
def test_account_header_given_twice_is_refused(
    pairs: list[tuple[str, str]], method: str, path: str, template: str, audited: bool
) -> None:
    """C1, C3, K3: the account header given twice (names compared case-insensitively) is 400,
    even with equal values or one of them blank."""
    headers = [*pairs, *with_headers(account=None)]
    response, eng = send(method, path, headers=headers)
    refused(response, eng, 400, "header X-Mailgun-Account-Id is given more than once")


@pytest.mark.parametrize(
    "name", ["x-mailgun-account-id", "X-MAILGUN-ACCOUNT-ID", "x-MaIlGuN-aCcOuNt-Id"]
)
def test_account_header_name_is_case_insensitive(name: str) -> None:
    """C3: the account header is found whatever the case of its name."""
    response, _ = send("GET", f"/v3/ip_pools/{POOL_A}", headers={name: "acct-1"})
    assert response.status == 200


def test_account_header_value_is_trimmed() -> None:
    """K3: the account header's value is trimmed before the account is looked up."""
    response, _ = send(
        "GET", f"/v3/ip_pools/{POOL_A}", headers={"X-Mailgun-Account-Id": " acct-1\t"}
    )
    assert response.status == 200
    assert isinstance(response.outcome, Accepted)
    assert response.outcome.actor == Actor("acct-1")


@pytest.mark.parametrize("value", ["\u00a0acct-1\u2003", "\x1facct-1\n"])
def test_k3_trims_unicode_whitespace(value: str) -> None:
    """K3, our decision: trimming takes off whitespace as Unicode counts it (``str.strip``),
    not only HTTP's spaces and tabs."""
    response, _ = send("GET", f"/v3/ip_pools/{POOL_A}", headers={"X-Mailgun-Account-Id": value})
    assert response.status == 200
    assert isinstance(response.outcome, Accepted)
    assert response.outcome.actor == Actor("acct-1")


def test_account_id_is_matched_exactly_apart_from_trimming() -> None:
    """C1: account ids are not case-folded: ``ACCT-1`` names no account."""
    response, eng = send("GET", f"/v3/ip_pools/{POOL_A}", headers=only_account("ACCT-1"))
    refused(response, eng, 404, "account not found")


# -- C2, K3: the audit headers --------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "template"), AUDITED)
@pytest.mark.parametrize("value", [None, "", "  "])
def test_requestor_is_required_on_audited_routes(
    method: str, path: str, template: str, value: str | None
) -> None:
    """C2, K3: every audited route answers 400 without a (non-blank) X-Mailgun-Requestor."""
    response, eng = send(method, path, headers=with_headers(requestor=value))
    refused(response, eng, 400, "header X-Mailgun-Requestor is required")


@pytest.mark.parametrize(("method", "path", "template"), AUDITED)
@pytest.mark.parametrize("value", [None, "", "\t"])
def test_client_is_required_on_audited_routes(
    method: str, path: str, template: str, value: str | None
) -> None:
    """C2, K3: every audited route answers 400 without a (non-blank) X-Mailgun-Requestor-Client."""
    response, eng = send(method, path, headers=with_headers(client=value))
    refused(response, eng, 400, "header X-Mailgun-Requestor-Client is required")


@pytest.mark.parametrize(("method", "path", "template"), AUDITED)
@pytest.mark.parametrize("value", ["ops", "@example.com", "ops@", "a@b@example.com"])
def test_requestor_must_look_like_an_e_mail_address(
    method: str, path: str, template: str, value: str
) -> None:
    """C2: a requestor without exactly one ``@`` with text on both sides is 400."""
    response, eng = send(method, path, headers=with_headers(requestor=value))
    refused(response, eng, 400, f"header X-Mailgun-Requestor {value!r} is not an e-mail address")


@pytest.mark.parametrize(("method", "path", "template"), AUDITED)
@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("x-mailgun-requestor", "X-Mailgun-Requestor"),
        ("X-MAILGUN-REQUESTOR-CLIENT", "X-Mailgun-Requestor-Client"),
    ],
)
def test_audit_header_given_twice_is_refused(
    method: str, path: str, template: str, name: str, header: str
) -> None:
    """C2, C3, K3: an audit header given twice (names compared case-insensitively) is 400."""
    headers = [*HEADERS.items(), (name, HEADERS[header])]
    response, eng = send(method, path, headers=headers)
    refused(response, eng, 400, f"header {header} is given more than once")


def test_requestor_is_checked_before_client() -> None:
    """C2, K1: with both audit headers missing, the requestor decides the message."""
    headers = with_headers(requestor=None, client=None)
    response, eng = send("PUT", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.4", headers=headers)
    refused(response, eng, 400, "header X-Mailgun-Requestor is required")


def test_a_repeated_audit_header_is_found_before_a_missing_one() -> None:
    """C2, K3: a duplicated client header is refused as such even when the requestor is
    missing: repeats are checked first, then presence, then the e-mail shape."""
    headers = [
        ("X-Mailgun-Account-Id", "acct-1"),
        ("X-Mailgun-Requestor-Client", "a"),
        ("x-mailgun-requestor-client", "b"),
    ]
    response, eng = send("PUT", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.4", headers=headers)
    refused(response, eng, 400, "header X-Mailgun-Requestor-Client is given more than once")


@pytest.mark.parametrize(("method", "path", "template"), NOT_AUDITED)
def test_routes_without_audit_headers_ignore_them(method: str, path: str, template: str) -> None:
    """C2, K3: POST /v3/ip_pools and GET ignore the audit headers, even malformed or given
    twice."""
    headers = [
        ("X-Mailgun-Account-Id", "acct-1"),
        ("X-Mailgun-Requestor", "not an address"),
        ("X-Mailgun-Requestor", "ops@example.com"),
        ("x-mailgun-requestor-client", ""),
        ("X-Mailgun-Requestor-Client", "cli"),
    ]
    form = {"name": "n", "description": "d"} if method == "POST" else None
    response, _ = send(method, path, headers=headers, form=form)
    assert response.status == 200
    assert isinstance(response.outcome, Accepted)
    assert response.outcome.actor == Actor("acct-1")


def test_headers_a_route_does_not_read_are_ignored() -> None:
    """K3: headers other than the ones a route reads are ignored, duplicates included."""
    headers = [
        *HEADERS.items(),
        ("Authorization", "Basic YXBpOmtleQ=="),
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("content-type", "multipart/form-data"),
        ("X-Mailgun-Domain-Id", "dom-1"),
        ("X-Mailgun-Domain-Id", "dom-2"),
    ]
    response, _ = send("PUT", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.4", headers=headers)
    assert response == Response(200, {"message": "started"})


# -- K1: order of checks, two failures competing ----------------------------------------------


def test_unknown_path_wins_over_missing_account() -> None:
    """K1: the route is checked first: an unknown path is 404 even without any header."""
    response, eng = send("GET", "/v3/ip_pool", headers={})
    refused(response, eng, 404, "no route for path '/v3/ip_pool'")


def test_wrong_method_wins_over_missing_account() -> None:
    """K1: a known path with a method it does not take is 405 before C1 (K19: GET is 3.11)."""
    response, eng = send("PUT", "/v3/ip_pools", headers={})
    refused(
        response,
        eng,
        405,
        "method 'PUT' is not allowed for path '/v3/ip_pools'; allowed: GET, POST",
    )


def test_wrong_method_wins_over_unknown_account_and_bad_body() -> None:
    """K1: 405 comes before the account lookup and the body checks."""
    response, eng = send(
        "PATCH", "/v3/ip_pools", headers=only_account("acct-9"), form={"x": "y"}, json={}
    )
    refused(
        response,
        eng,
        405,
        "method 'PATCH' is not allowed for path '/v3/ip_pools'; allowed: GET, POST",
    )


def test_account_checks_come_before_audit_headers() -> None:
    """K1: C1 before C2: with no header at all the account header decides."""
    response, eng = send("PUT", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.4", headers={})
    refused(response, eng, 400, "header X-Mailgun-Account-Id is required")


def test_unknown_account_comes_before_missing_audit_headers() -> None:
    """K1: the whole of C1, including the 404 for an unknown account, precedes C2."""
    response, eng = send("DELETE", f"/v3/ip_pools/{POOL_B}", headers=only_account("acct-9"))
    refused(response, eng, 404, "account not found")


def test_repeated_account_header_comes_before_repeated_requestor() -> None:
    """K1, K3: a repeated account header (C1) is reported before a repeated requestor (C2)."""
    headers = [*HEADERS.items(), ("X-Mailgun-Account-Id", "acct-1"), ("X-Mailgun-Requestor", "x")]
    response, eng = send("DELETE", f"/v3/ip_pools/{POOL_B}", headers=headers)
    refused(response, eng, 400, "header X-Mailgun-Account-Id is given more than once")


def test_audit_headers_come_before_the_ip_segment() -> None:
    """K1: C2 precedes the check of the domain routes' ``{ip}`` segment."""
    headers = with_headers(requestor=None)
    response, eng = send("DELETE", "/v3/domains/example.com/ips/ALL", headers=headers)
    refused(response, eng, 400, "header X-Mailgun-Requestor is required")


def test_ip_segment_comes_before_unknown_parameters() -> None:
    """K1: the ``{ip}`` segment is checked before C8/C9."""
    response, eng = send("DELETE", "/v3/domains/example.com/ips/ALL", query={"foo": "1"})
    refused(response, eng, 400, "path segment 'ALL' is not an IP address, 'all' or 'ip_pool'")


def test_ip_segment_comes_before_unknown_domain() -> None:
    """K1: a bad ``{ip}`` segment is 400 even when the domain does not exist."""
    response, eng = send("DELETE", "/v3/domains/nowhere.example/pool/1.2.3")
    refused(response, eng, 400, "path segment '1.2.3' is not an IP address, 'all' or 'ip_pool'")


def test_unknown_parameter_comes_before_unknown_domain() -> None:
    """K1: C8 precedes the route's steps: an unknown query field beats 404 for the domain."""
    response, eng = send("DELETE", "/v3/domains/nowhere.example/ips/all", query={"force": "1"})
    refused(
        response,
        eng,
        400,
        "query parameter 'force' is not taken by DELETE /v3/domains/{name}/ips/{ip}",
    )


def test_repeated_parameter_comes_before_missing_dipps_feature() -> None:
    """K1: C9 precedes the DIPPs feature check (C10, 3.7.1)."""
    headers = with_headers(account="acct-3")
    form = [("name", "a"), ("name", "b")]
    response, eng = send("PATCH", f"/v3/ip_pools/{POOL_A}", headers=headers, form=form)
    refused(response, eng, 400, "form field 'name' may be given only once")


def test_json_body_on_get_comes_before_unknown_pool() -> None:
    """K1, K5: the body kind precedes the route's steps: JSON on GET beats 404 for the DIPP."""
    response, eng = send(
        "GET", "/v3/ip_pools/ffffffffffffffffffffffff", headers=only_account(), json={}
    )
    refused(response, eng, 400, "GET /v3/ip_pools/{pool_id} takes no JSON body")


def test_form_on_ips_json_comes_before_missing_dipps_feature() -> None:
    """K1, K5: form fields on ips.json are 400 before the DIPPs feature check."""
    headers = with_headers(account="acct-3")
    response, eng = send(
        "POST", f"/v3/ip_pools/{POOL_A}/ips.json", headers=headers, form={"ips": "198.51.100.4"}
    )
    refused(
        response,
        eng,
        400,
        "form field 'ips' is not taken by POST /v3/ip_pools/{pool_id}/ips.json",
    )


@pytest.mark.parametrize(
    ("account_id", "pool_id", "body", "status", "message"),
    [
        ("acct-3", POOL_A, None, 403, "account 'acct-3' does not have the DIPPs feature"),
        ("acct-1", "f" * 24, "x", 404, f"DIPP {'f' * 24!r} not found"),
        ("acct-2", POOL_A, [], 404, f"DIPP {POOL_A!r} not found"),
        (
            "sub-1",
            POOL_C,
            {"bad": 1},
            403,
            f"DIPP {POOL_C!r} is inherited from the parent account and cannot be changed",
        ),
        ("acct-1", POOL_A, None, 400, "the body must be a JSON object with the field 'ips'"),
        ("acct-1", POOL_A, {"ips": []}, 400, "field 'ips' must be a non-empty array of strings"),
    ],
)
def test_ips_json_body_is_checked_after_feature_and_visibility(
    account_id: str, pool_id: str, body: Any, status: int, message: str
) -> None:
    """K1, 3.10.2: the JSON body's shape is the rules' step 2, so 403 and 404 come first."""
    headers = with_headers(account=account_id)
    response, eng = send("POST", f"/v3/ip_pools/{pool_id}/ips.json", headers=headers, json=body)
    refused(response, eng, status, message)


def test_remove_domain_pool_reports_unknown_domain_before_its_query() -> None:
    """K1, 3.2.1: on ``all`` the domain is looked up before a query parameter is refused."""
    response, eng = send("DELETE", "/v3/domains/nowhere.example/ips/all", query={"ip": "x"})
    refused(response, eng, 404, "domain 'nowhere.example' not found")
    response, eng = send("DELETE", "/v3/domains/example.com/ips/all", query={"pool_id": POOL_A})
    refused(
        response,
        eng,
        400,
        f"query parameter pool_id={POOL_A!r} is not taken when removing a domain pool",
    )


def test_remove_domain_ip_refuses_pool_id_after_the_replacement() -> None:
    """K1, 3.1.4: ``pool_id`` is refused by the rules, after an invalid replacement ``ip``."""
    path = "/v3/domains/example.com/ips/198.51.100.1"
    response, eng = send("DELETE", path, query={"pool_id": POOL_A})
    refused(
        response,
        eng,
        400,
        f"pool_id {POOL_A!r} is not taken when removing an IP from a domain",
    )
    response, eng = send("DELETE", path, query={"pool_id": POOL_A, "ip": "bad"})
    refused(response, eng, 400, "replacement IP 'bad' is not a valid IP address")


def test_unlink_checks_feature_before_unknown_domain() -> None:
    """K1, 3.3.1: the DIPPs feature (403) precedes the domain lookup (404)."""
    headers = with_headers(account="acct-3")
    response, eng = send(
        "DELETE", "/v3/domains/nowhere.example/ips/ip_pool", headers=headers, query={"ip": "x"}
    )
    refused(response, eng, 403, "account 'acct-3' does not have the DIPPs feature")


def test_json_body_is_checked_before_query_fields() -> None:
    """K1: inside C8/C9 the body kind comes first, then query pairs, then form pairs."""
    response, eng = send(
        "PATCH", f"/v3/ip_pools/{POOL_A}", query={"q": "1"}, form={"f": "1"}, json={"a": 1}
    )
    refused(response, eng, 400, "PATCH /v3/ip_pools/{pool_id} takes no JSON body")
    response, eng = send("PATCH", f"/v3/ip_pools/{POOL_A}", query={"q": "1"}, form={"f": "1"})
    refused(response, eng, 400, "query parameter 'q' is not taken by PATCH /v3/ip_pools/{pool_id}")


# -- C8: unknown parameters -----------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "template", "audited"), ENDPOINTS)
def test_unknown_query_parameter_is_refused_on_every_route(
    method: str, path: str, template: str, audited: bool
) -> None:
    """C8: a query field the route does not take is 400 naming it."""
    response, eng = send(method, path, query={"limit": "10"})
    refused(response, eng, 400, f"query parameter 'limit' is not taken by {method} {template}")


@pytest.mark.parametrize(("method", "path", "template", "audited"), ENDPOINTS)
def test_unknown_form_field_is_refused_on_every_route(
    method: str, path: str, template: str, audited: bool
) -> None:
    """C8: a form field the route does not take is 400 naming it."""
    response, eng = send(method, path, form={"subaccount_id": "sub-1"})
    refused(response, eng, 400, f"form field 'subaccount_id' is not taken by {method} {template}")


@pytest.mark.parametrize(
    ("method", "path", "template", "place", "field"),
    [
        ("DELETE", "/v3/domains/example.com/ips/all", "/v3/domains/{name}/ips/{ip}", "form", "ip"),
        (
            "DELETE",
            "/v3/domains/linked.example.com/pool/ip_pool",
            "/v3/domains/{name}/pool/{ip}",
            "form",
            "pool_id",
        ),
        ("POST", "/v3/ip_pools", "/v3/ip_pools", "query", "name"),
        ("POST", "/v3/ip_pools", "/v3/ip_pools", "query", "ip"),
        ("GET", f"/v3/ip_pools/{POOL_A}", "/v3/ip_pools/{pool_id}", "query", "ip"),
        ("PATCH", f"/v3/ip_pools/{POOL_A}", "/v3/ip_pools/{pool_id}", "query", "add_ip"),
        ("PATCH", f"/v3/ip_pools/{POOL_A}", "/v3/ip_pools/{pool_id}", "form", "ip"),
        (
            "PUT",
            f"/v3/ip_pools/{POOL_A}/ips/198.51.100.4",
            "/v3/ip_pools/{pool_id}/ips/{ip}",
            "form",
            "ip",
        ),
        (
            "DELETE",
            f"/v3/ip_pools/{POOL_A}/ips/198.51.100.3",
            "/v3/ip_pools/{pool_id}/ips/{ip}",
            "query",
            "ip",
        ),
        (
            "POST",
            f"/v3/ip_pools/{POOL_A}/ips.json",
            "/v3/ip_pools/{pool_id}/ips.json",
            "query",
            "ips",
        ),
    ],
)
def test_field_taken_elsewhere_is_refused_where_it_is_not_taken(
    method: str, path: str, template: str, place: str, field: str
) -> None:
    """C8, K5: a field known to another route, or to the other place of this one, is unknown
    here (the domain routes read only the query, the DIPP forms only the body)."""
    where = {"query": "query parameter", "form": "form field"}[place]
    response, eng = send(method, path, **at(place, {field: "198.51.100.4"}))
    refused(response, eng, 400, f"{where} {field!r} is not taken by {method} {template}")


@pytest.mark.parametrize("field", ["Name", "NAME", "name ", "ip[]", ""])
def test_field_names_match_exactly(field: str) -> None:
    """C8: field names are case-sensitive and untrimmed: ``Name`` is not ``name``."""
    response, eng = send("PATCH", f"/v3/ip_pools/{POOL_A}", form={field: "x"})
    refused(
        response, eng, 400, f"form field {field!r} is not taken by PATCH /v3/ip_pools/{{pool_id}}"
    )


def test_query_in_the_path_is_read_before_the_explicit_query() -> None:
    """C8: a ``?query`` in the raw path counts, and comes before the explicit query pairs."""
    response, eng = send("DELETE", "/v3/domains/example.com/ips/all?first=1", query={"second": "2"})
    refused(
        response,
        eng,
        400,
        "query parameter 'first' is not taken by DELETE /v3/domains/{name}/ips/{ip}",
    )


# -- C9: repeated parameters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "message"),
    [
        (
            "DELETE",
            "/v3/domains/example.com/ips/198.51.100.1",
            {"query": {"ip": ["198.51.100.4", "198.51.100.4"]}},
            "query parameter 'ip' may be given only once",
        ),
        (
            "DELETE",
            "/v3/domains/linked.example.com/ips/ip_pool?pool_id=x",
            {"query": {"pool_id": "y"}},
            "query parameter 'pool_id' may be given only once",
        ),
        (
            "POST",
            "/v3/ip_pools",
            {"form": [("name", "a"), ("description", "d"), ("name", "a")]},
            "form field 'name' may be given only once",
        ),
        (
            "POST",
            "/v3/ip_pools",
            {"form": {"name": "a", "description": ["d", "e"]}},
            "form field 'description' may be given only once",
        ),
        (
            "PATCH",
            f"/v3/ip_pools/{POOL_A}",
            {"form": {"description": ["d", "e"]}},
            "form field 'description' may be given only once",
        ),
        (
            "DELETE",
            f"/v3/ip_pools/{POOL_A}",
            {"query": {"ip": "198.51.100.4"}, "form": {"ip": "198.51.100.4"}},
            "form field 'ip' may be given only once",
        ),
        (
            "DELETE",
            f"/v3/ip_pools/{POOL_A}",
            {"form": {"pool_id": [POOL_B, POOL_B]}},
            "form field 'pool_id' may be given only once",
        ),
        (
            "DELETE",
            f"/v3/ip_pools/{POOL_A}?pool_id={POOL_B}",
            {"form": {"pool_id": POOL_B}},
            "form field 'pool_id' may be given only once",
        ),
    ],
)
def test_field_given_twice_is_refused_unless_repeatable(
    method: str, path: str, kwargs: dict[str, Any], message: str
) -> None:
    """C9, K5: a field that may not repeat, given twice (3.6: in the query and the body
    together), is 400 naming it, even with equal values."""
    response, eng = send(method, path, **kwargs)
    refused(response, eng, 400, message)


def test_create_pool_takes_repeated_ip() -> None:
    """C9, 3.4.2: ``ip`` may be repeated; repeats of one IP collapse."""
    form = [
        ("name", "n"),
        ("ip", "198.51.100.4"),
        ("description", "d"),
        ("ip", "2001:db8::3"),
        ("ip", "198.51.100.4"),
    ]
    response, eng = send("POST", "/v3/ip_pools", form=form)
    assert response == Response(200, {"message": "success", "pool_id": NEW_IDS[0]})
    created = pool(NEW_IDS[0], name="n", description="d", ip_texts=["198.51.100.4", "2001:db8::3"])
    assert eng.state.world() == replaced(WORLD, pools=[created])


def test_edit_pool_takes_repeated_ip_and_domain_fields() -> None:
    """C9, 3.7.2: ``add_ip``, ``remove_ip`` and ``link_domain`` may each be repeated."""
    form = [
        ("add_ip", "198.51.100.4"),
        ("remove_ip", "198.51.100.3"),
        ("add_ip", "2001:db8::3"),
        ("link_domain", "dom-1"),
        ("remove_ip", "2001:db8::2"),
        ("link_domain", "dom-1"),
    ]
    response, eng = send("PATCH", f"/v3/ip_pools/{POOL_A}", form=form)
    assert response == Response(200, {"message": "success"})
    edited = attrs.evolve(A, ips=ips("198.51.100.4", "2001:db8::3"))
    linked = attrs.evolve(DOM_1, pool_id=POOL_A)
    assert eng.state.world() == replaced(WORLD, pools=[edited], domains=[linked])
    assert eng.state.pending == (DomainUpdate("dom-1"), DomainUpdate("dom-2"))


def test_edit_pool_takes_repeated_unlink_domain() -> None:
    """C9, 3.7.2, D9: ``unlink_domain`` may be repeated; the domain keeps its IPs."""
    form = {"unlink_domain": ["dom-2", "dom-2"]}
    response, eng = send("PATCH", f"/v3/ip_pools/{POOL_A}", form=form)
    assert response == Response(200, {"message": "success"})
    assert eng.state.world() == replaced(WORLD, domains=[attrs.evolve(DOM_2, pool_id=None)])
    assert eng.state.pending == ()


# -- K5: bodies and empty values ------------------------------------------------------------


@pytest.mark.parametrize("body", [{}, [], 0, False, "", {"ips": ["198.51.100.4"]}])
@pytest.mark.parametrize(("method", "path", "template"), NOT_JSON)
def test_json_body_is_refused_outside_ips_json(
    body: Any, method: str, path: str, template: str
) -> None:
    """K5: a JSON body, any JSON value including ``{}``, is 400 on every route but 3.10."""
    response, eng = send(method, path, json=body)
    refused(response, eng, 400, f"{method} {template} takes no JSON body")


def test_empty_lists_count_as_not_given() -> None:
    """K5: a field whose value is an empty list is not given (here: no replacement)."""
    response, eng = send(
        "DELETE",
        "/v3/domains/example.com/ips/198.51.100.1",
        query={"ip": [], "pool_id": [], "unknown": []},
        form={"other": []},
    )
    assert response == Response(200, {"message": "success"})
    expected = attrs.evolve(DOM_1, ips=ips("198.51.100.2"))
    assert eng.state.world() == replaced(WORLD, domains=[expected])


def test_empty_body_is_fine_whatever_its_content_type() -> None:
    """K5: a request without body fields passes the body checks even when it claims a form."""
    headers = [*HEADERS.items(), ("Content-Type", "multipart/form-data; boundary=x")]
    response, _ = send("DELETE", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.3", headers=headers)
    assert response == Response(200, {"message": "started"})


def test_blank_query_value_counts_as_given() -> None:
    """K5, C5: ``?ip=`` gives an empty replacement, which is not an IP: 400."""
    response, eng = send("DELETE", "/v3/domains/example.com/ips/198.51.100.1?ip=")
    refused(response, eng, 400, "replacement IP '' is not a valid IP address")


# -- D5: the replacement of a deleted DIPP in the query or in a urlencoded body --------------


@pytest.mark.parametrize("place", ["query", "form"])
def test_delete_pool_takes_replacement_ip_from_query_or_body(place: str) -> None:
    """D5, 3.6: the replacement ``ip`` is taken from the query or a urlencoded body alike."""
    response, eng = send("DELETE", f"/v3/ip_pools/{POOL_A}", **at(place, {"ip": "198.51.100.4"}))
    assert response == Response(200, {"message": "started"})
    assert eng.state.world() == replaced(WORLD, drop_pools=[POOL_A])
    assert eng.state.pending == (DomainUpdate("dom-2"),)
    assert eng.settle() == 1
    unlinked = attrs.evolve(DOM_2, pool_id=None, ips=ips("198.51.100.4"))
    assert eng.state.world() == replaced(WORLD, drop_pools=[POOL_A], domains=[unlinked])


@pytest.mark.parametrize("place", ["query", "form"])
def test_delete_pool_takes_replacement_pool_from_query_or_body(place: str) -> None:
    """D5, 3.6: the replacement ``pool_id`` is taken from the query or a urlencoded body."""
    response, eng = send("DELETE", f"/v3/ip_pools/{POOL_C}", **at(place, {"pool_id": POOL_A}))
    assert response == Response(200, {"message": "started"})
    delegated = attrs.evolve(A, delegated_to=frozenset({"sub-1"}))
    assert eng.state.world() == replaced(WORLD, drop_pools=[POOL_C], pools=[delegated])
    assert eng.state.pending == (SubaccountUpdate("sub-1", POOL_C),)


@pytest.mark.parametrize(
    ("query", "form"),
    [({"ip": "198.51.100.4"}, {"pool_id": POOL_B}), ({"pool_id": POOL_B}, {"ip": "198.51.100.4"})],
)
def test_delete_pool_with_ip_and_pool_id_split_over_query_and_body_is_refused(
    query: dict[str, str], form: dict[str, str]
) -> None:
    """D5, K5, 3.6.2: ``ip`` in one place and ``pool_id`` in the other count as both given."""
    response, eng = send("DELETE", f"/v3/ip_pools/{POOL_A}", query=query, form=form)
    refused(
        response,
        eng,
        400,
        "give either ip or pool_id as the replacement of a deleted DIPP, not both",
    )


# -- D3, K6, K7: fields of 3.4 and 3.10 -----------------------------------------------------


def test_create_pool_takes_ips_as_an_alias_of_ip() -> None:
    """D3: ``ips`` (repeated, as mailgun.js sends it) gives the DIPP's IPs like ``ip``."""
    form = {"name": "n", "description": "d", "ips": ["198.51.100.4", "2001:db8::3"]}
    response, eng = send("POST", "/v3/ip_pools", headers=only_account(), form=form)
    assert response == Response(200, {"message": "success", "pool_id": NEW_IDS[0]})
    created = pool(NEW_IDS[0], name="n", description="d", ip_texts=["198.51.100.4", "2001:db8::3"])
    assert eng.state.world() == replaced(WORLD, pools=[created])


def test_create_pool_takes_the_union_of_ip_and_ips() -> None:
    """K6: ``ip`` and ``ips`` together give their union; an IP in both collapses."""
    form = [
        ("ips", "2001:db8::3"),
        ("name", "n"),
        ("ip", "198.51.100.4"),
        ("ips", "198.51.100.4"),
        ("description", "d"),
    ]
    response, eng = send("POST", "/v3/ip_pools", headers=only_account(), form=form)
    assert response == Response(200, {"message": "success", "pool_id": NEW_IDS[0]})
    created = pool(NEW_IDS[0], name="n", description="d", ip_texts=["198.51.100.4", "2001:db8::3"])
    assert eng.state.world() == replaced(WORLD, pools=[created])


def test_create_pool_checks_ip_before_ips() -> None:
    """K6, 3.4.2: every ``ip`` is checked before every ``ips``, whatever the order sent."""
    form = [("name", "n"), ("description", "d"), ("ips", "198.51.100.20"), ("ip", "bad")]
    response, eng = send("POST", "/v3/ip_pools", headers=only_account(), form=form)
    refused(response, eng, 400, "IP 'bad' is not a valid IP address")


def test_add_pool_ips_refuses_keys_other_than_ips() -> None:
    """K6, 3.10.2: a JSON key other than ``ips`` is 400 naming it."""
    body = {"ips": ["198.51.100.4"], "ip": "198.51.100.4"}
    response, eng = send("POST", f"/v3/ip_pools/{POOL_A}/ips.json", json=body)
    refused(response, eng, 400, "field 'ip' is not taken; only 'ips' is")


def test_names_and_descriptions_are_stored_as_given() -> None:
    """K7: the wire passes names and descriptions untrimmed; they are stored as given."""
    form = {"name": "  My pool ", "description": "\tfor marketing  "}
    response, eng = send("POST", "/v3/ip_pools", headers=only_account(), form=form)
    assert response == Response(200, {"message": "success", "pool_id": NEW_IDS[0]})
    created = pool(NEW_IDS[0], name="  My pool ", description="\tfor marketing  ")
    assert eng.state.world() == replaced(WORLD, pools=[created])


def test_edit_compares_the_given_name_exactly() -> None:
    """K7, D8: a name equal to the stored one changes nothing (400); one that differs only by
    spaces is a change."""
    response, eng = send("PATCH", f"/v3/ip_pools/{POOL_A}", form={"name": "pool"})
    refused(response, eng, 400, f"the edit would not change DIPP {POOL_A!r}")
    response, eng = send("PATCH", f"/v3/ip_pools/{POOL_A}", form={"name": "pool "})
    assert response == Response(200, {"message": "success"})
    assert eng.state.world() == replaced(WORLD, pools=[attrs.evolve(A, name="pool ")])


@pytest.mark.parametrize("value", ["", "  "])
def test_blank_name_is_refused(value: str) -> None:
    """K7, 3.4.1: blank after trimming is 400 (trimming is only for this test)."""
    form = {"name": value, "description": "d"}
    response, eng = send("POST", "/v3/ip_pools", headers=only_account(), form=form)
    refused(response, eng, 400, f"field 'name' must not be blank, got {value!r}")


# -- K2, K4, C6: keywords, untrimmed IPs, domain names ----------------------------------------


@pytest.mark.parametrize("segment", ["ALL", "All", "IP_POOL", "Ip_Pool", "ip-pool", "pool", " all"])
def test_keywords_of_the_ip_segment_match_only_in_lower_case(segment: str) -> None:
    """K2: ``all`` and ``ip_pool`` are keywords only in lower case; anything else that is not
    an IP is 400."""
    response, eng = send("DELETE", f"/v3/domains/example.com/ips/{segment}")
    refused(
        response, eng, 400, f"path segment {segment!r} is not an IP address, 'all' or 'ip_pool'"
    )


def test_shared_keyword_matches_only_in_lower_case() -> None:
    """K2: ``Shared`` is not the keyword ``shared`` and not an IP: 400."""
    response, eng = send(
        "DELETE", "/v3/domains/linked.example.com/ips/ip_pool", query={"ip": "Shared"}
    )
    refused(response, eng, 400, "replacement IP 'Shared' is not a valid IP address")


def test_replacement_ip_is_not_trimmed() -> None:
    """K4: ``198.51.100.4 `` (a trailing space, sent as ``+``) is not an IP: 400."""
    response, eng = send("DELETE", "/v3/domains/example.com/ips/198.51.100.1?ip=198.51.100.4+")
    refused(response, eng, 400, "replacement IP '198.51.100.4 ' is not a valid IP address")


def test_ip_segment_is_not_trimmed() -> None:
    """K4, K1: an ``{ip}`` segment with an encoded trailing space is not an IP: 400."""
    response, eng = send("DELETE", "/v3/domains/example.com/ips/198.51.100.1%20")
    refused(
        response,
        eng,
        400,
        "path segment '198.51.100.1 ' is not an IP address, 'all' or 'ip_pool'",
    )


def test_form_ips_are_not_trimmed() -> None:
    """K4: a form IP with a trailing space is 400."""
    response, eng = send("PATCH", f"/v3/ip_pools/{POOL_A}", form={"add_ip": "198.51.100.4 "})
    refused(response, eng, 400, "IP '198.51.100.4 ' is not a valid IP address")


@pytest.mark.parametrize("name", ["EXAMPLE.com", "example.com.", "Example.COM.", "%45xample.com"])
def test_domain_names_match_case_insensitively_ignoring_a_trailing_dot(name: str) -> None:
    """C6: the domain segment is decoded once and matched case-insensitively, one trailing dot
    ignored."""
    response, eng = send("DELETE", f"/v3/domains/{name}/ips/198.51.100.1")
    assert response == Response(200, {"message": "success"})
    expected = attrs.evolve(DOM_1, ips=ips("198.51.100.2"))
    assert eng.state.world() == replaced(WORLD, domains=[expected])


@pytest.mark.parametrize(
    ("segment", "name"),
    [
        ("example.com%2Fips", "example.com/ips"),
        ("%20example.com", " example.com"),
        ("example.com..", "example.com.."),
        ("%E2%98%83", "\u2603"),
        ("%ff", "\ufffd"),
    ],
)
def test_decoded_name_that_cannot_be_a_domain_is_unknown(segment: str, name: str) -> None:
    """K2, C6: a decoded domain segment that cannot name a domain is simply unknown: 404."""
    response, eng = send("DELETE", f"/v3/domains/{segment}/ips/all")
    refused(response, eng, 404, f"domain {name!r} not found")


# -- K25: values are decoded once ----------------------------------------------------------

# (method, path, where the replacement goes) for the three routes that take ``ip=shared``
REPLACEMENT_ROUTES = [
    ("DELETE", "/v3/domains/example.com/ips/198.51.100.1", "query"),
    ("DELETE", "/v3/domains/linked.example.com/ips/ip_pool", "query"),
    ("DELETE", f"/v3/ip_pools/{POOL_A}", "query"),
    ("DELETE", f"/v3/ip_pools/{POOL_A}", "form"),
]


@pytest.mark.parametrize(("method", "path", "place"), REPLACEMENT_ROUTES)
@pytest.mark.parametrize("value", ["198.51.100%2E4", "2001%3Adb8%3A%3A3", "%73hared"])
def test_k25_a_replacement_still_encoded_after_one_decoding_is_not_an_ip(
    method: str, path: str, place: str, value: str
) -> None:
    """K25: 3.1, 3.3 and 3.6 take the replacement ``ip`` as received after the one decoding:
    ``198.51.100%2E4`` is not an IP and ``%73hared`` is not the keyword ``shared``: 400."""
    response, eng = send(method, path, **at(place, {"ip": value}))
    refused(response, eng, 400, f"replacement IP {value!r} is not a valid IP address")


@pytest.mark.parametrize(
    ("raw", "seen"),
    [
        ("198.51.100%252E4", "198.51.100%2E4"),
        ("2001%253Adb8%253A%253A3", "2001%3Adb8%3A%3A3"),
        ("%2573hared", "%73hared"),
        ("fe80::1%25eth0", "fe80::1%eth0"),
    ],
)
def test_k25_a_query_string_is_decoded_exactly_once(raw: str, seen: str) -> None:
    """K25, C5: a ``?query`` in the path is decoded once, so a value encoded twice reaches the
    rules with its escapes and is 400, the message naming the value as decoded once."""
    path = f"/v3/domains/example.com/ips/198.51.100.1?ip={raw}"
    response, eng = send("DELETE", path)
    refused(response, eng, 400, f"replacement IP {seen!r} is not a valid IP address")


def test_k25_no_field_is_decoded_again() -> None:
    """K25: ``pool_id`` and the IP lists of PATCH are taken as received, escapes included."""
    encoded = "%61" + "a" * 23
    response, eng = send(
        "DELETE", "/v3/domains/linked.example.com/ips/ip_pool", query={"pool_id": encoded}
    )
    refused(response, eng, 404, f"DIPP {encoded!r} not found")
    response, eng = send("PATCH", f"/v3/ip_pools/{POOL_A}", form={"add_ip": "2001%3Adb8%3A%3A3"})
    refused(response, eng, 400, "IP '2001%3Adb8%3A%3A3' is not a valid IP address")


def test_wire_public_names_are_sorted_and_importable() -> None:
    """The wire package names its public API explicitly, in a sorted ``__all__``."""
    import ippools.wire as wire

    assert wire.__all__ == ["Request", "Response", "fields", "handle"]
    assert wire.__all__ == sorted(wire.__all__)
    assert all(hasattr(wire, name) for name in wire.__all__)
