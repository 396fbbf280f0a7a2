"""Example tests of the common rules (C1, C2, C4-C7, C10) at the level of commands.

Every rejection is checked to change nothing: the stored world, the effective
world and the pending queue are exactly as they were before the command.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ippools import (
    Actor,
    AddPoolIp,
    AddPoolIps,
    BadRequest,
    Command,
    CreatePool,
    DeletePool,
    DomainUpdate,
    EditPool,
    Engine,
    Forbidden,
    GetPool,
    MemoryState,
    NotFound,
    RemoveDomainIp,
    RemoveDomainPool,
    RemovePoolIp,
    UnlinkDomainPool,
    World,
)
from tests.support import (
    DEDICATED_1,
    DEDICATED_2,
    DEDICATED_3,
    DEDICATED_4,
    DEDICATED_9,
    NEW_IDS,
    POOL_A,
    POOL_B,
    POOL_C,
    SHARED_1,
    accept,
    account,
    actor,
    dedicated,
    domain,
    engine,
    ip,
    pool,
    pool_details,
    reject,
    with_domains,
)

N1 = "192.0.2.1"
N2 = "192.0.2.2"
N3 = "192.0.2.3"
V6 = "2001:db8::1"
POOL_N = "0123456789abcdef01234567"
NO_DIPPS = "account 'acct-n' does not have the DIPPs feature"


def base_world() -> World:
    """acct-1 (DIPPs), acct-2 (another account), acct-n (no DIPPs feature)."""
    return World(
        accounts=[account(), account("acct-2"), account("acct-n", dipps=False)],
        dedicated_ips=[
            dedicated(DEDICATED_1),
            dedicated(DEDICATED_2),
            dedicated(DEDICATED_3),
            dedicated(DEDICATED_4),
            dedicated(V6),
            dedicated(DEDICATED_9, "acct-2"),
            dedicated(N1, "acct-n"),
            dedicated(N2, "acct-n"),
            dedicated(N3, "acct-n"),
        ],
        shared_ips=[ip(SHARED_1)],
        domains=[
            domain("dom-1", "example.com", ip_texts=[DEDICATED_1, DEDICATED_2, V6]),
            domain("dom-2", "linked.example", ip_texts=[DEDICATED_3, DEDICATED_4], pool=POOL_A),
            domain("dom-9", "other.example", "acct-2", ip_texts=[DEDICATED_9], pool=POOL_B),
            domain("dom-l", "plain-linked.example", "acct-n", ip_texts=[N1], pool=POOL_N),
            domain("dom-n", "plain.example", "acct-n", ip_texts=[N2, N3]),
        ],
        pools=[
            pool(POOL_A, ip_texts=[DEDICATED_3, DEDICATED_4]),
            pool(POOL_B, "acct-2", ip_texts=[DEDICATED_9]),
            pool(POOL_N, "acct-n", ip_texts=[N1]),
        ],
    )


def base_engine() -> Engine[MemoryState]:
    return engine(base_world())


# One valid command per route, each accepted in the base world, with its answer.
VALID: dict[str, tuple[Callable[[Actor], Command], dict[str, Any]]] = {
    "3.1": (lambda a: RemoveDomainIp(a, "example.com", DEDICATED_2), {"message": "success"}),
    "3.2": (lambda a: RemoveDomainPool(a, "example.com"), {"message": "success"}),
    "3.3": (
        lambda a: UnlinkDomainPool(a, "linked.example", replacement_ip=DEDICATED_1),
        {"message": "success"},
    ),
    "3.4": (
        lambda a: CreatePool(a, "name", "description"),
        {"message": "success", "pool_id": NEW_IDS[0]},
    ),
    "3.5": (
        lambda a: GetPool(a, POOL_A),
        pool_details(POOL_A, [DEDICATED_3, DEDICATED_4], ["linked.example"]),
    ),
    "3.6": (lambda a: DeletePool(a, POOL_A, replacement_ip=DEDICATED_3), {"message": "started"}),
    "3.7": (lambda a: EditPool(a, POOL_A, name="renamed"), {"message": "success"}),
    "3.8": (lambda a: AddPoolIp(a, POOL_A, DEDICATED_2), {"message": "started"}),
    "3.9": (lambda a: RemovePoolIp(a, POOL_A, DEDICATED_4), {"message": "started"}),
    "3.10": (lambda a: AddPoolIps(a, POOL_A, {"ips": [DEDICATED_2]}), {"message": "started"}),
}
ROUTES = sorted(VALID)
AUDITED = [route for route in ROUTES if route not in ("3.4", "3.5")]
UNAUDITED = ["3.4", "3.5"]


def build(route: str, who: Actor) -> Command:
    return VALID[route][0](who)


# -- C1 identity ----------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("account_id", ["", "   "])
def test_empty_account_id_is_400_on_every_route(route: str, account_id: str) -> None:
    """C1, K3: an empty (or whitespace-only) account id is 400 on every route."""
    reject(
        base_engine(),
        build(route, Actor(account_id, "ops@example.com", "cli")),
        400,
        "header X-Mailgun-Account-Id is required",
    )


@pytest.mark.parametrize("route", ROUTES)
def test_unknown_account_is_404_account_not_found_on_every_route(route: str) -> None:
    """C1: an account id naming no account is 404 with message exactly `account not found`."""
    reject(base_engine(), build(route, actor("acct-404")), 404, "account not found")


@pytest.mark.parametrize("route", ROUTES)
def test_account_check_comes_before_the_audit_headers(route: str) -> None:
    """K1, C1, C2: C1 is checked before C2, so an unknown account without audit headers is 404."""
    eng = base_engine()
    reject(eng, build(route, Actor("acct-404")), 404, "account not found")
    reject(eng, build(route, Actor("")), 400, "header X-Mailgun-Account-Id is required")


# -- C2 audit headers -------------------------------------------------------------

MISSING_REQUESTOR = "header X-Mailgun-Requestor is required"
MISSING_CLIENT = "header X-Mailgun-Requestor-Client is required"


@pytest.mark.parametrize("route", AUDITED)
@pytest.mark.parametrize(
    ("requestor", "client", "message"),
    [
        (None, "cli", MISSING_REQUESTOR),
        ("", "cli", MISSING_REQUESTOR),
        ("  ", "cli", MISSING_REQUESTOR),
        ("ops@example.com", None, MISSING_CLIENT),
        ("ops@example.com", "", MISSING_CLIENT),
        ("ops@example.com", " ", MISSING_CLIENT),
        (None, None, MISSING_REQUESTOR),
    ],
)
def test_audited_routes_require_requestor_and_client(
    route: str, requestor: str | None, client: str | None, message: str
) -> None:
    """C2: on every audited route both requestor and client are required and non-empty (400)."""
    reject(base_engine(), build(route, Actor("acct-1", requestor, client)), 400, message)


@pytest.mark.parametrize("route", AUDITED)
@pytest.mark.parametrize(
    "requestor", ["ops", "@example.com", "ops@", "ops@@example.com", "a@b@c", "@"]
)
def test_requestor_must_look_like_an_email_address(route: str, requestor: str) -> None:
    """C2: the requestor needs exactly one `@` with text on both sides, else 400 naming it."""
    reject(
        base_engine(),
        build(route, Actor("acct-1", requestor, "cli")),
        400,
        f"header X-Mailgun-Requestor {requestor!r} is not an e-mail address",
    )


def test_presence_of_both_audit_headers_is_checked_before_the_requestor_shape() -> None:
    """C2, K1: a malformed requestor with a missing client is answered as the missing client."""
    reject(
        base_engine(),
        RemoveDomainIp(Actor("acct-1", "ops", None), "example.com", DEDICATED_2),
        400,
        MISSING_CLIENT,
    )


@pytest.mark.parametrize("route", AUDITED)
def test_minimal_email_shaped_requestor_is_accepted(route: str) -> None:
    """C2: `a@b` has one `@` with text on both sides, so it is accepted."""
    factory, body = VALID[route]
    who = Actor("acct-1", "a@b", "c")
    outcome = accept(base_engine(), factory(who), body)
    assert outcome.actor == who


@pytest.mark.parametrize("route", UNAUDITED)
@pytest.mark.parametrize(
    "who",
    [Actor("acct-1"), Actor("acct-1", "", ""), Actor("acct-1", "not-an-email", None)],
)
def test_create_and_get_pool_do_not_need_audit_headers(route: str, who: Actor) -> None:
    """C2, K3: CreatePool and GetPool do not list the audit headers: absent or odd, they pass."""
    factory, body = VALID[route]
    outcome = accept(base_engine(), factory(who), body)
    assert outcome.actor == who


@pytest.mark.parametrize("route", ROUTES)
def test_accepted_outcome_carries_who_asked(route: str) -> None:
    """C2: every accepted command carries its actor (account, requestor, client) for auditing."""
    factory, body = VALID[route]
    who = Actor("acct-1", "alice@example.org", "terraform")
    outcome = accept(base_engine(), factory(who), body)
    assert outcome.actor == who
    assert (outcome.actor.account_id, outcome.actor.requestor, outcome.actor.client) == (
        "acct-1",
        "alice@example.org",
        "terraform",
    )


def test_audit_headers_are_checked_before_the_ip_segment_and_the_route_steps() -> None:
    """K1, C2, C10: C2 decides before an invalid `{ip}`, an unknown domain or a missing feature."""
    eng = base_engine()
    no_requestor = Actor("acct-1", None, "cli")
    reject(eng, RemoveDomainIp(no_requestor, "nowhere.example", "bad"), 400, MISSING_REQUESTOR)
    reject(
        eng,
        UnlinkDomainPool(Actor("acct-n", None, "cli"), "nowhere.example"),
        400,
        MISSING_REQUESTOR,
    )
    reject(
        eng,
        DeletePool(Actor("acct-n", "ops", "cli"), POOL_C),
        400,
        "header X-Mailgun-Requestor 'ops' is not an e-mail address",
    )


# -- C4 errors ----------------------------------------------------------------------


def test_error_answers_are_one_message_naming_the_value_with_the_right_status() -> None:
    """C4: 400, 403 and 404 answers are exactly `{"message": ...}` naming the offending value."""
    eng = base_engine()
    bad = reject(
        eng,
        RemoveDomainIp(actor(), "example.com", "198.51.100.01"),
        400,
        "IP '198.51.100.01' is not a valid IP address",
    )
    assert isinstance(bad.error, BadRequest)
    assert bad.error.code == "invalid_ip"
    forbidden = reject(
        eng,
        RemoveDomainIp(actor(), "example.com", DEDICATED_1, replacement_ip="shared"),
        403,
        "account 'acct-1' is not eligible for shared IPs",
    )
    assert isinstance(forbidden.error, Forbidden)
    missing = reject(
        eng,
        RemoveDomainIp(actor(), "missing.example", DEDICATED_1),
        404,
        "domain 'missing.example' not found",
    )
    assert isinstance(missing.error, NotFound)
    for outcome in (bad, forbidden, missing):
        assert list(outcome.body) == ["message"]
        assert outcome.body == outcome.error.body()


def test_rejection_keeps_pending_updates_already_queued() -> None:
    """C4: a rejected command changes nothing, including work already pending."""
    eng = base_engine()
    accept(eng, AddPoolIp(actor(), POOL_A, DEDICATED_2), {"message": "started"})
    assert eng.state.pending == (DomainUpdate("dom-2"),)
    reject(
        eng,
        RemovePoolIp(actor(), POOL_A, DEDICATED_1),
        404,
        f"IP {DEDICATED_1} is not in DIPP {POOL_A!r}",
    )
    assert eng.state.pending == (DomainUpdate("dom-2"),)


# -- C5 IPs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "198.51.100.01",
        "198.051.100.1",
        "0198.51.100.1",
        "198.51.100",
        "198.51.100.1.5",
        "198.51.100.256",
        "198.51.100.1/32",
        "198.51.100.1 ",
        " 198.51.100.1",
        "198.51.100.1\n",
        "",
        "ALL",
        "SHARED",
        "2001:db8::1%eth0",
        "fe80::1%eth0",
        "2001:db8:::1",
        "2001:db8::1 ",
        " 2001:db8::1",
        "2001:db8::g",
        "1:2:3:4:5:6:7:8:9",
    ],
)
def test_invalid_ip_text_is_400_naming_it(text: str) -> None:
    """C5, K4: leading zeros, short or long quads, scope suffixes and untrimmed values are 400."""
    reject(
        base_engine(),
        RemoveDomainIp(actor(), "example.com", text),
        400,
        f"IP {text!r} is not a valid IP address",
    )


@pytest.mark.parametrize(
    "text",
    ["2001:db8::1", "2001:DB8::1", "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8:0:0::1"],
)
def test_ipv6_in_any_valid_form_matches_its_canonical_value(text: str) -> None:
    """C5: IPv6 may come in any valid text form; it is compared in canonical form."""
    eng = base_engine()
    before = eng.state.world()
    accept(eng, RemoveDomainIp(actor(), "example.com", text), {"message": "success"})
    assert eng.state.world() == with_domains(
        before, domain("dom-1", "example.com", ip_texts=[DEDICATED_1, DEDICATED_2])
    )


def test_error_messages_print_ips_in_canonical_form() -> None:
    """C5: an IP named in an error is printed canonically (IPv6 compressed, lower case)."""
    reject(
        base_engine(),
        RemoveDomainIp(actor(), "example.com", "2001:0DB8:0:0:0:0:0:00A5"),
        404,
        "IP 2001:db8::a5 is not an IP of domain 'example.com'",
    )


def test_ip_lists_are_printed_sorted_ipv4_first_then_numerically() -> None:
    """C5, K4: IP lists print IPv4 before IPv6, each numerically; mapped IPv6 in mixed notation."""
    texts = [
        "2001:db8::1",
        "::9",
        "198.51.100.10",
        "::ffff:198.51.100.1",
        "198.51.100.9",
        "10.0.0.1",
    ]
    world = World(
        accounts=[account()],
        dedicated_ips=[dedicated(t) for t in texts],
        pools=[pool(POOL_A, ip_texts=texts)],
    )
    outcome = accept(
        engine(world),
        GetPool(Actor("acct-1"), POOL_A),
        {
            "details": {
                "description": "a pool",
                "ips": [
                    "10.0.0.1",
                    "198.51.100.9",
                    "198.51.100.10",
                    "::9",
                    "::ffff:198.51.100.1",
                    "2001:db8::1",
                ],
                "is_linked": False,
                "linked_domains": [],
                "name": "pool",
                "pool_id": POOL_A,
            },
            "message": "success",
        },
    )
    assert outcome.changes.pending == ()


@pytest.mark.parametrize(
    "text", ["::ffff:198.51.100.1", "::FFFF:c633:6401", "0:0:0:0:0:ffff:c633:6401"]
)
def test_ipv4_mapped_ipv6_is_distinct_from_ipv4_and_printed_mixed(text: str) -> None:
    """K4: `::ffff:198.51.100.1` is not `198.51.100.1`, and prints in RFC 5952 mixed notation."""
    world = World(
        accounts=[account()],
        dedicated_ips=[dedicated(DEDICATED_1)],
        domains=[domain("dom-1", "example.com", ip_texts=[DEDICATED_1])],
    )
    reject(
        engine(world),
        RemoveDomainIp(actor(), "example.com", text),
        404,
        "IP ::ffff:198.51.100.1 is not an IP of domain 'example.com'",
    )


def test_removing_the_mapped_ipv6_leaves_the_ipv4_address() -> None:
    """K4: a domain may hold both forms; removing the IPv6-mapped one keeps the IPv4 one."""
    world = World(
        accounts=[account()],
        dedicated_ips=[dedicated(DEDICATED_1), dedicated("::ffff:198.51.100.1")],
        domains=[domain("dom-1", "example.com", ip_texts=[DEDICATED_1, "::ffff:198.51.100.1"])],
    )
    eng = engine(world)
    accept(eng, RemoveDomainIp(actor(), "example.com", "::ffff:c633:6401"), {"message": "success"})
    assert eng.state.world() == with_domains(
        world, domain("dom-1", "example.com", ip_texts=[DEDICATED_1])
    )


# -- C6 domain names ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["example.com", "EXAMPLE.COM", "Example.Com.", "example.com."])
def test_domain_names_match_case_insensitively_ignoring_one_trailing_dot(name: str) -> None:
    """C6: a domain name matches whatever its case, with or without one trailing dot."""
    eng = base_engine()
    before = eng.state.world()
    accept(eng, RemoveDomainIp(actor(), name, DEDICATED_2), {"message": "success"})
    assert eng.state.world() == with_domains(
        before, domain("dom-1", "example.com", ip_texts=[DEDICATED_1, V6])
    )


@pytest.mark.parametrize("name", ["example.com..", ".example.com", "example.co", "www.example.com"])
def test_other_spellings_of_a_domain_name_are_unknown(name: str) -> None:
    """C6: only case and one trailing dot are ignored; two dots or another name is 404."""
    reject(
        base_engine(), RemoveDomainIp(actor(), name, DEDICATED_2), 404, f"domain {name!r} not found"
    )


def test_stored_mixed_case_name_matches_lower_case_request() -> None:
    """C6: matching is case-insensitive on the stored side too."""
    world = World(
        accounts=[account()],
        dedicated_ips=[dedicated(DEDICATED_1), dedicated(DEDICATED_2)],
        domains=[domain("dom-1", "Mixed.Example", ip_texts=[DEDICATED_1, DEDICATED_2])],
    )
    eng = engine(world)
    accept(eng, RemoveDomainPool(actor(), "mixed.example."), {"message": "success"})
    assert eng.state.world() == with_domains(world, removed=("dom-1",))


@pytest.mark.parametrize(
    ("stored", "asked"),
    [("bücher.example", "BÜCHER.EXAMPLE."), ("kilo.example", "\u212ailo.example")],
)
def test_names_outside_ascii_fold_by_unicode_lower_case(stored: str, asked: str) -> None:
    """C6, our decision: letter case folds by Unicode's lower-case mapping, not in ASCII only
    (that is K2's rule for methods and keywords): ``BÜCHER`` is ``bücher``, and the Kelvin
    sign is ``k``, as IDNA's mapping has it."""
    world = World(
        accounts=[account()],
        dedicated_ips=[dedicated(DEDICATED_1), dedicated(DEDICATED_2)],
        domains=[domain("dom-1", stored, ip_texts=[DEDICATED_1, DEDICATED_2])],
    )
    eng = engine(world)
    accept(eng, RemoveDomainPool(actor(), asked), {"message": "success"})
    assert eng.state.world() == with_domains(world, removed=("dom-1",))


# -- C7 no leaks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda name: RemoveDomainIp(actor(), name, DEDICATED_9),
        lambda name: RemoveDomainPool(actor(), name),
        lambda name: UnlinkDomainPool(actor(), name, replacement_ip=DEDICATED_1),
    ],
    ids=["3.1", "3.2", "3.3"],
)
def test_another_accounts_domain_answers_as_a_missing_one(make: Callable[[str], Command]) -> None:
    """C7: another account's domain gets the same status and message shape as no domain at all."""
    eng = base_engine()
    other = reject(eng, make("other.example"), 404, "domain 'other.example' not found")
    missing = reject(eng, make("missing.example"), 404, "domain 'missing.example' not found")
    assert type(other.error) is type(missing.error)
    assert other.error.code == missing.error.code


@pytest.mark.parametrize(
    "make",
    [
        lambda pid: GetPool(actor(), pid),
        lambda pid: DeletePool(actor(), pid),
        lambda pid: UnlinkDomainPool(actor(), "linked.example", replacement_pool_id=pid),
    ],
    ids=["3.5", "3.6", "3.3"],
)
def test_another_accounts_dipp_answers_as_a_missing_one(make: Callable[[str], Command]) -> None:
    """C7: another account's DIPP gets the same status and message shape as no DIPP at all."""
    eng = base_engine()
    other = reject(eng, make(POOL_B), 404, f"DIPP {POOL_B!r} not found")
    missing = reject(eng, make(POOL_C), 404, f"DIPP {POOL_C!r} not found")
    assert other.error.code == missing.error.code


@pytest.mark.parametrize(
    "make",
    [
        lambda text: RemoveDomainIp(actor(), "example.com", DEDICATED_2, replacement_ip=text),
        lambda text: UnlinkDomainPool(actor(), "linked.example", replacement_ip=text),
        lambda text: AddPoolIp(actor(), POOL_A, text),
        lambda text: CreatePool(actor(), "n", "d", ips=[text]),
    ],
    ids=["3.1", "3.3", "3.8", "3.4"],
)
def test_another_accounts_dedicated_ip_answers_as_an_unknown_ip(
    make: Callable[[str], Command],
) -> None:
    """C7: another account's dedicated IP (even one in its DIPP) is answered like an unknown IP."""
    eng = base_engine()
    other = reject(
        eng, make(DEDICATED_9), 400, f"IP {DEDICATED_9} is not a dedicated IP of account 'acct-1'"
    )
    unknown = reject(
        eng,
        make("198.51.100.77"),
        400,
        "IP 198.51.100.77 is not a dedicated IP of account 'acct-1'",
    )
    assert other.error.code == unknown.error.code


def test_another_accounts_ip_to_remove_answers_as_an_unknown_ip() -> None:
    """C7, 3.1.3: removing another account's dedicated IP from a domain is 404 like an absent IP."""
    eng = base_engine()
    other = reject(
        eng,
        RemoveDomainIp(actor(), "example.com", DEDICATED_9),
        404,
        f"IP {DEDICATED_9} is not an IP of domain 'example.com'",
    )
    unknown = reject(
        eng,
        RemoveDomainIp(actor(), "example.com", "198.51.100.77"),
        404,
        "IP 198.51.100.77 is not an IP of domain 'example.com'",
    )
    assert other.error.code == unknown.error.code


# -- C10 the DIPPs feature ---------------------------------------------------------------------

PLAIN = Actor("acct-n", "ops@example.com", "cli")


@pytest.mark.parametrize(
    "command",
    [
        CreatePool(PLAIN, "name", "description"),
        CreatePool(PLAIN, "  ", "", ips=["bad"]),
        DeletePool(PLAIN, POOL_N, replacement_ip=N2),
        DeletePool(PLAIN, POOL_C),
        EditPool(PLAIN, POOL_N, name="renamed"),
        AddPoolIp(PLAIN, POOL_N, N2),
        RemovePoolIp(PLAIN, POOL_N, N1),
        AddPoolIps(PLAIN, POOL_N, {"ips": [N2]}),
        AddPoolIps(PLAIN, POOL_C, "not json object"),
        UnlinkDomainPool(PLAIN, "plain-linked.example", replacement_ip=N2),
        UnlinkDomainPool(PLAIN, "nowhere.example"),
        UnlinkDomainPool(PLAIN, "plain.example", replacement_ip="x", replacement_pool_id="y"),
    ],
    ids=[
        "3.4",
        "3.4-blank",
        "3.6",
        "3.6-unknown",
        "3.7",
        "3.8",
        "3.9",
        "3.10",
        "3.10-unknown",
        "3.3",
        "3.3-unknown-domain",
        "3.3-both",
    ],
)
def test_changing_or_unlinking_a_dipp_needs_the_dipps_feature_first(command: Command) -> None:
    """C10, K1: every DIPP mutation and 3.3 is 403 without the feature, before any later check."""
    reject(engine(base_world()), command, 403, NO_DIPPS)


def test_reading_a_dipp_does_not_need_the_dipps_feature() -> None:
    """C10: GetPool answers 200 for an account without the DIPPs feature."""
    accept(
        base_engine(),
        GetPool(PLAIN, POOL_N),
        {
            "details": {
                "description": "a pool",
                "ips": [N1],
                "is_linked": True,
                "linked_domains": ["plain-linked.example"],
                "name": "pool",
                "pool_id": POOL_N,
            },
            "message": "success",
        },
    )


def test_subaccount_without_the_feature_reads_an_inherited_dipp() -> None:
    """C10: a subaccount without the DIPPs feature may read a DIPP delegated to it."""
    world = World(
        accounts=[account(), account("sub-1", parent="acct-1", dipps=False)],
        dedicated_ips=[dedicated(DEDICATED_1)],
        pools=[pool(POOL_A, ip_texts=[DEDICATED_1], delegated_to=["sub-1"])],
    )
    accept(
        engine(world),
        GetPool(Actor("sub-1"), POOL_A),
        {
            "details": {
                "description": "a pool",
                "ips": [DEDICATED_1],
                "is_linked": False,
                "linked_domains": [],
                "name": "pool",
                "pool_id": POOL_A,
            },
            "message": "success",
        },
    )


def test_domain_ip_removal_and_domain_removal_do_not_need_the_dipps_feature() -> None:
    """C10: 3.1 and 3.2 neither create, change, delete nor unlink a DIPP: no feature needed."""
    eng = base_engine()
    world = eng.state.world()
    accept(eng, RemoveDomainIp(PLAIN, "plain.example", N2), {"message": "success"})
    after_31 = with_domains(world, domain("dom-n", "plain.example", "acct-n", ip_texts=[N3]))
    assert eng.state.world() == after_31
    accept(eng, RemoveDomainPool(PLAIN, "plain-linked.example"), {"message": "success"})
    assert eng.state.world() == with_domains(after_31, removed=("dom-l",))
    assert eng.state.pending == ()
