"""Every error code is registered once, with its status, and an input pins each of them.

The README promises "a stable code" for every error a caller can cause. The codes live in
one registry, :class:`ippools.ErrorCode`; each test case here is a request that produces
exactly one code, answered with the code's status, and changes nothing (C4).
"""

from __future__ import annotations

from typing import Any

import pytest

from ippools import (
    Actor,
    AddDedicatedIp,
    AddSharedIp,
    ApiError,
    BadRequest,
    Command,
    CreateAccount,
    CreateDomain,
    ErrorCode,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    Rejected,
    RemoveAccount,
    RemoveDomain,
    RemoveSharedIp,
    SetAccountFeatures,
    SetWarmup,
    World,
    world_problems,
)
from ippools.wire import Request, handle
from tests.support import (
    POOL_A,
    POOL_B,
    POOL_C,
    account,
    dedicated,
    domain,
    engine,
    pool,
    snapshot,
)

ACCOUNT = "X-Mailgun-Account-Id"
AUDIT = {ACCOUNT: "acct-1", "X-Mailgun-Requestor": "ops@example.com"}
AUDIT |= {"X-Mailgun-Requestor-Client": "cli"}
UNKNOWN_POOL = "f" * 24


def world() -> World:
    """acct-1 (DIPPs, not shared-eligible) with an unlinked one-IP domain, a two-IP domain, a
    domain linked to POOL_A, an empty POOL_B and POOL_C delegated to sub-1; acct-2 without
    DIPPs; acct-3 shared-eligible, its domain holding the only shared IP."""
    return World(
        accounts=[
            account("acct-1"),
            account("acct-2", dipps=False),
            account("acct-3", shared=True),
            account("sub-1", parent="acct-1"),
        ],
        dedicated_ips=[
            dedicated("198.51.100.1"),
            dedicated("198.51.100.2"),
            dedicated("198.51.100.3"),
            dedicated("198.51.100.4"),
            dedicated("198.51.100.5", "acct-3"),
        ],
        shared_ips=["203.0.113.1"],
        domains=[
            domain("dom-1", "one.example", ip_texts=["198.51.100.1"]),
            domain("dom-2", "two.example", ip_texts=["198.51.100.3"], pool=POOL_A),
            domain("dom-3", "three.example", "acct-3", ip_texts=["203.0.113.1"]),
            domain("dom-4", "four.example", ip_texts=["198.51.100.1", "198.51.100.2"]),
        ],
        pools=[
            pool(POOL_A, ip_texts=["198.51.100.3"]),
            pool(POOL_B),
            pool(POOL_C, ip_texts=["198.51.100.4"], delegated_to=["sub-1"]),
        ],
    )


def call(method: str, path: str, headers: Any = None, **parts: Any) -> Request:
    """A request with the audit headers of acct-1 unless ``headers`` is given."""
    return Request(method, path, headers=AUDIT if headers is None else headers, **parts)


def as_account(account_id: str) -> dict[str, str]:
    return AUDIT | {ACCOUNT: account_id}


HOST = Actor("platform", "ops@example.com", "provisioning")

CASES: dict[ErrorCode, Request | Command] = {
    ErrorCode.INVALID_TEXT: call("GET", f"/v3/ip_pools/{POOL_A}", query=[("x", 1)]),
    ErrorCode.MISSING_ACCOUNT: call("GET", f"/v3/ip_pools/{POOL_A}", headers={}),
    ErrorCode.REPEATED_HEADER: call(
        "GET", f"/v3/ip_pools/{POOL_A}", headers=[(ACCOUNT, "acct-1"), (ACCOUNT.lower(), "acct-1")]
    ),
    ErrorCode.MISSING_REQUESTOR: call(
        "DELETE", "/v3/domains/one.example/ips/all", headers={ACCOUNT: "acct-1"}
    ),
    ErrorCode.MISSING_CLIENT: call(
        "DELETE",
        "/v3/domains/one.example/ips/all",
        headers={ACCOUNT: "acct-1", "X-Mailgun-Requestor": "ops@example.com"},
    ),
    ErrorCode.INVALID_REQUESTOR: call(
        "DELETE", "/v3/domains/one.example/ips/all", headers=AUDIT | {"X-Mailgun-Requestor": "ops"}
    ),
    ErrorCode.UNKNOWN_PARAMETER: call("GET", f"/v3/ip_pools/{POOL_A}", query={"x": "1"}),
    ErrorCode.REPEATED_PARAMETER: call(
        "DELETE", f"/v3/ip_pools/{POOL_A}", query={"ip": ["198.51.100.1", "198.51.100.2"]}
    ),
    ErrorCode.UNEXPECTED_BODY: call("GET", f"/v3/ip_pools/{POOL_A}", json={}),
    ErrorCode.UNEXPECTED_PARAMETER: call(
        "DELETE", "/v3/domains/one.example/ips/all", query={"ip": "shared"}
    ),
    ErrorCode.INVALID_IP: call("DELETE", "/v3/domains/one.example/ips/not-an-ip"),
    ErrorCode.INVALID_BODY: call("POST", f"/v3/ip_pools/{POOL_A}/ips.json", json=[]),
    ErrorCode.UNKNOWN_FIELD: call(
        "POST", f"/v3/ip_pools/{POOL_A}/ips.json", json={"ips": ["198.51.100.2"], "x": 1}
    ),
    ErrorCode.MISSING_FIELD: call("POST", "/v3/ip_pools", form={"description": "d"}),
    ErrorCode.BLANK_FIELD: call("POST", "/v3/ip_pools", form={"name": " ", "description": "d"}),
    ErrorCode.NOT_DEDICATED_IP: call("PUT", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.5"),
    ErrorCode.IP_IN_POOL: call("PUT", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.4"),
    ErrorCode.DOMAIN_LINKED: call("DELETE", "/v3/domains/two.example/ips/198.51.100.3"),
    ErrorCode.DOMAIN_NOT_LINKED: call(
        "DELETE", "/v3/domains/one.example/ips/ip_pool", query={"ip": "198.51.100.2"}
    ),
    ErrorCode.REPLACEMENT_IS_REMOVED: call(
        "DELETE", "/v3/domains/four.example/ips/198.51.100.1", query={"ip": "198.51.100.1"}
    ),
    ErrorCode.LAST_IP: call("DELETE", "/v3/domains/one.example/ips/198.51.100.1"),
    ErrorCode.NO_SHARED_IP: call(
        "DELETE", "/v3/domains/three.example/ips/203.0.113.1", headers=as_account("acct-3")
    ),
    ErrorCode.REPLACEMENT_REQUIRED: call("DELETE", f"/v3/ip_pools/{POOL_A}"),
    ErrorCode.BOTH_REPLACEMENTS: call(
        "DELETE", f"/v3/ip_pools/{POOL_A}", query={"ip": "198.51.100.2", "pool_id": POOL_C}
    ),
    ErrorCode.SAME_POOL: call("DELETE", f"/v3/ip_pools/{POOL_A}", query={"pool_id": POOL_A}),
    ErrorCode.EMPTY_POOL: call("DELETE", f"/v3/ip_pools/{POOL_A}", query={"pool_id": POOL_B}),
    ErrorCode.DELEGATED_POOL: call(
        "DELETE", f"/v3/ip_pools/{POOL_C}", query={"ip": "198.51.100.2"}
    ),
    ErrorCode.UNKNOWN_DOMAIN: call("PATCH", f"/v3/ip_pools/{POOL_A}", form={"link_domain": "d-9"}),
    ErrorCode.ADD_AND_REMOVE: call(
        "PATCH",
        f"/v3/ip_pools/{POOL_A}",
        form={"add_ip": "198.51.100.2", "remove_ip": "198.51.100.2"},
    ),
    ErrorCode.LINK_AND_UNLINK: call(
        "PATCH", f"/v3/ip_pools/{POOL_A}", form={"link_domain": "dom-1", "unlink_domain": "dom-1"}
    ),
    ErrorCode.NO_CHANGE: call("PATCH", f"/v3/ip_pools/{POOL_A}", form={"name": "pool"}),
    ErrorCode.EMPTY_LINKED_POOL: call(
        "PATCH", f"/v3/ip_pools/{POOL_A}", form={"remove_ip": "198.51.100.3"}
    ),
    ErrorCode.LAST_POOL_IP: call("DELETE", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.3"),
    ErrorCode.INVALID_LIMIT: call("GET", f"/v3/ip_pools/{POOL_A}/domains", query={"limit": "9"}),
    ErrorCode.INVALID_PAGE: call("GET", f"/v3/ip_pools/{POOL_A}/domains", query={"page": "="}),
    ErrorCode.SUBACCOUNT_NOT_FOUND: call(
        "PUT", f"/v3/ip_pools/{POOL_A}/delegate", form={"subaccount_id": "acct-2"}
    ),
    ErrorCode.NOT_DELEGATED: call(
        "DELETE", f"/v3/ip_pools/{POOL_A}/delegate", query={"subaccount_id": "sub-1"}
    ),
    ErrorCode.INVALID_REPLACEMENT: call(
        "DELETE",
        f"/v3/ip_pools/{POOL_C}/delegate",
        query={"subaccount_id": "sub-1", "ip": "198.51.100.1"},
    ),
    ErrorCode.SUBACCOUNT_NOT_SHARED_ELIGIBLE: call(
        "DELETE",
        f"/v3/ip_pools/{POOL_C}/delegate",
        query={"subaccount_id": "sub-1", "ip": "shared"},
    ),
    ErrorCode.IP_OR_POOL_REQUIRED: call("POST", "/v3/domains/one.example/ips"),
    ErrorCode.DIPPS_DISABLED: call(
        "POST", "/v3/ip_pools", headers=as_account("acct-2"), form={"name": "n", "description": "d"}
    ),
    ErrorCode.NOT_SHARED_ELIGIBLE: call(
        "DELETE", "/v3/domains/four.example/ips/198.51.100.1", query={"ip": "shared"}
    ),
    ErrorCode.POOL_INHERITED: call(
        "PUT", f"/v3/ip_pools/{POOL_C}/ips/198.51.100.2", headers=as_account("sub-1")
    ),
    ErrorCode.ROUTE_NOT_FOUND: call("GET", "/v3/nothing"),
    ErrorCode.ACCOUNT_NOT_FOUND: call("GET", f"/v3/ip_pools/{POOL_A}", headers=as_account("a-9")),
    ErrorCode.DOMAIN_NOT_FOUND: call("DELETE", "/v3/domains/none.example/ips/all"),
    ErrorCode.POOL_NOT_FOUND: call("GET", f"/v3/ip_pools/{UNKNOWN_POOL}"),
    ErrorCode.IP_NOT_ON_DOMAIN: call("DELETE", "/v3/domains/one.example/ips/198.51.100.2"),
    ErrorCode.IP_NOT_IN_POOL: call("DELETE", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.2"),
    ErrorCode.METHOD_NOT_ALLOWED: call("PUT", "/v3/ip_pools"),
    # the host's provisioning commands, which no route serves
    ErrorCode.INVALID_ID: CreateAccount(HOST, "acct 9"),
    ErrorCode.ACCOUNT_EXISTS: CreateAccount(HOST, "acct-2"),
    ErrorCode.UNKNOWN_ACCOUNT: AddDedicatedIp(HOST, "198.51.100.9", "acct-9"),
    ErrorCode.INVALID_PARENT: CreateAccount(HOST, "sub-2", parent_id="sub-1"),
    ErrorCode.ACCOUNT_IN_USE: RemoveAccount(HOST, "acct-1"),
    ErrorCode.ACCOUNT_HOLDS_SHARED: SetAccountFeatures(HOST, "acct-3", shared_ip_eligible=False),
    ErrorCode.IP_EXISTS: AddSharedIp(HOST, "198.51.100.1"),
    ErrorCode.IP_IN_USE: RemoveSharedIp(HOST, "203.0.113.1"),
    ErrorCode.DOMAIN_EXISTS: CreateDomain(
        HOST, "dom-9", "ONE.example", "acct-1", ("198.51.100.2",)
    ),
    ErrorCode.DOMAIN_WITHOUT_IP: CreateDomain(HOST, "dom-9", "nine.example", "acct-1"),
    ErrorCode.UNKNOWN_ACCOUNT_ID: RemoveAccount(HOST, "acct-9"),
    ErrorCode.DEDICATED_IP_NOT_FOUND: SetWarmup(HOST, "203.0.113.1", True),
    ErrorCode.SHARED_IP_NOT_FOUND: RemoveSharedIp(HOST, "198.51.100.1"),
    ErrorCode.DOMAIN_ID_NOT_FOUND: RemoveDomain(HOST, "dom-9"),
}


def test_world_of_the_cases_is_valid() -> None:
    """The cases run against a valid settled world, so each error comes from its request."""
    assert world_problems(world()) == []


def test_every_registered_code_has_a_case() -> None:
    """Each code of the registry is pinned below; a new code needs a case here."""
    assert sorted(CASES) == sorted(ErrorCode)


@pytest.mark.parametrize("code", list(CASES), ids=str)
def test_each_code_is_answered_for_its_input_with_its_status(code: ErrorCode) -> None:
    """The request gives exactly this code, the code's status and one message naming what is
    wrong (C4); the state is unchanged."""
    eng = engine(world())
    before = snapshot(eng)
    case = CASES[code]
    if isinstance(case, Request):
        response = handle(eng, case)
        error, status, body = response.error, response.status, response.body
    else:  # a provisioning command of the host
        outcome = eng.execute(case)
        assert isinstance(outcome, Rejected), outcome
        error, status, body = outcome.error, outcome.status, outcome.body
    assert error is not None
    assert (error.code, status) == (code, code.status)
    assert body == {"message": error.message}
    assert error.message
    assert snapshot(eng) == before


def test_codes_are_distinct_texts_with_a_status_and_a_meaning() -> None:
    """Each code is its own lower-case text, answers 400, 403, 404 or 405 and says what it
    means; a code equals its text, so hosts may compare it with a string."""
    texts = [str(code) for code in ErrorCode]
    assert len(set(texts)) == len(texts)
    for code in ErrorCode:
        assert str(code) == code.value == code.lower()
        assert code == code.value
        assert code.status in (400, 403, 404, 405)
        assert code.meaning


@pytest.mark.parametrize(
    ("kind", "status"),
    [(BadRequest, 400), (Forbidden, 403), (NotFound, 404), (MethodNotAllowed, 405)],
)
def test_an_error_takes_only_registered_codes_of_its_own_status(
    kind: type[ApiError], status: int
) -> None:
    """An ApiError refuses a code missing from the registry, or one of another status, so a
    code cannot be misspelt or change its status unnoticed."""
    own = next(code for code in ErrorCode if code.status == status)
    other = next(code for code in ErrorCode if code.status != status)
    error = kind(own.value, "message")
    assert (error.code, error.code.status, error.status) == (own, status, status)
    with pytest.raises(ValueError, match=f"code '{other}' answers {other.status}, not {status}"):
        kind(other, "message")
    with pytest.raises(ValueError, match="code 'no_such_code' is not in the ErrorCode registry"):
        kind("no_such_code", "message")
