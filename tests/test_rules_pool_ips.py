"""Example tests of a DIPP's IP routes at the level of commands: add one, remove one, add several.

Every test runs commands through an :class:`~ippools.Engine` over an in-memory
state and checks the exact answer, the exact pending updates (S4), and the exact
world before and after settling. Every rejection is also checked to change
nothing: the stored world, the effective world and the pending queue stay as
they were (C4).

The base world: ``acct-1`` owns DIPP A (three IPs, delegated to its subaccounts
``acct-2``, ``acct-3`` and ``acct-4``; linked to ``dom-1``, ``dom-2`` and the
subaccount domains ``dom-5``, ``dom-6``), DIPP B (one IP, linked to ``dom-3``),
DIPP E (one IP, unlinked, undelegated) and DIPP F (one IP, delegated to
``acct-4``, unlinked). ``dom-4`` is unlinked. ``acct-9`` is another top-level
account with DIPP C. ``198.51.100.5`` and ``2001:db8::1`` are free IPs of ``acct-1``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
import pytest

from ippools import (
    Accepted,
    AddPoolIp,
    AddPoolIps,
    Command,
    DomainUpdate,
    Engine,
    MemoryState,
    PendingUpdate,
    RemovePoolIp,
    SubaccountUpdate,
    World,
)
from tests.support import (
    NO_DIPPS,
    POOL_A,
    POOL_B,
    POOL_C,
    POOL_E,
    STARTED,
    accept_queueing,
    account,
    actor,
    dedicated,
    domain,
    domain_of,
    engine,
    ips,
    pool,
    pool_of,
    reject,
    settle_to,
    snapshot,
)

POOL_F = "f" * 24
UNKNOWN_POOL = "9" * 24
A_IPS = ("198.51.100.1", "198.51.100.2", "2001:db8::2")
SUBACCOUNTS = ("acct-2", "acct-3", "acct-4")
LAST_IP = "which is linked to a domain or delegated to a subaccount"


def base_world(*, dipps: bool = True) -> World:
    """The world described in the module docstring."""
    return World(
        accounts=[
            account("acct-1", dipps=dipps),
            account("acct-2", parent="acct-1"),
            account("acct-3", parent="acct-1"),
            account("acct-4", parent="acct-1"),
            account("acct-9"),
        ],
        dedicated_ips=[
            *(dedicated(f"198.51.100.{n}") for n in range(1, 8)),
            dedicated("2001:db8::1"),
            dedicated("2001:db8::2"),
            dedicated("198.51.100.20", "acct-2"),
            dedicated("198.51.100.90", "acct-9"),
        ],
        shared_ips=ips("203.0.113.1"),
        domains=[
            domain("dom-1", "b.example.com", ip_texts=A_IPS, pool=POOL_A),
            domain("dom-2", "a.example.com", ip_texts=A_IPS, pool=POOL_A),
            domain("dom-3", "c.example.com", ip_texts=["198.51.100.3"], pool=POOL_B),
            domain("dom-4", "d.example.com", ip_texts=["198.51.100.4"]),
            domain("dom-5", "sub2.example.com", "acct-2", ip_texts=A_IPS, pool=POOL_A),
            domain("dom-6", "sub3.example.com", "acct-3", ip_texts=A_IPS, pool=POOL_A),
            domain("dom-9", "other.example.com", "acct-9", ip_texts=["198.51.100.90"], pool=POOL_C),
        ],
        pools=[
            pool(POOL_A, ip_texts=A_IPS, delegated_to=SUBACCOUNTS),
            pool(POOL_B, ip_texts=["198.51.100.3"]),
            pool(POOL_C, "acct-9", ip_texts=["198.51.100.90"]),
            pool(POOL_E, ip_texts=["198.51.100.6"]),
            pool(POOL_F, ip_texts=["198.51.100.7"], delegated_to=["acct-4"]),
        ],
    )


def new_engine(world: World | None = None) -> Engine[MemoryState]:
    """An engine over ``world`` (the base world by default)."""
    return engine(world if world is not None else base_world())


def with_pool_ips(world: World, pool_id: str, ip_texts: Iterable[str]) -> World:
    """``world`` where the DIPP holds ``ip_texts`` and every domain linked to it holds them too."""
    new_ips = ips(*ip_texts)
    pools = [attrs.evolve(p, ips=new_ips) if p.pool_id == pool_id else p for p in world.pools]
    domains = [attrs.evolve(d, ips=new_ips) if d.pool_id == pool_id else d for d in world.domains]
    return attrs.evolve(world, pools=pools, domains=domains)


def accept(
    eng: Engine[MemoryState], command: Command, pending: Iterable[PendingUpdate] = ()
) -> Accepted:
    """Execute ``command``; it must answer ``started`` and queue exactly ``pending``."""
    return accept_queueing(eng, command, STARTED, pending)


def a_updates() -> tuple[PendingUpdate, ...]:
    """What a change of A's IPs leaves pending (S4)."""
    domains = (DomainUpdate("dom-1"), DomainUpdate("dom-2"))
    return domains + tuple(SubaccountUpdate(sub, POOL_A) for sub in SUBACCOUNTS)


INHERITED = "is inherited from the parent account and cannot be changed"

# The checks 3.8-3.10 share before any IP or body check (K1), as rows of
# (DIPPs feature, account, pool id, status, message).
PREFIX_CHECKS = [
    (False, "acct-1", UNKNOWN_POOL, 403, NO_DIPPS),
    (True, "acct-1", UNKNOWN_POOL, 404, f"DIPP {UNKNOWN_POOL!r} not found"),
    (True, "acct-1", POOL_C, 404, f"DIPP {POOL_C!r} not found"),
    (True, "acct-1", "not-a-pool-id", 404, "DIPP 'not-a-pool-id' not found"),
    (True, "acct-2", POOL_B, 404, f"DIPP {POOL_B!r} not found"),
    (True, "acct-2", POOL_A, 403, f"DIPP {POOL_A!r} {INHERITED}"),
    (True, "acct-4", POOL_F, 403, f"DIPP {POOL_F!r} {INHERITED}"),
]


# -- 3.8 add one IP --------------------------------------------------------------------------


@pytest.mark.parametrize(("dipps", "account_id", "pool_id", "status", "message"), PREFIX_CHECKS)
def test_add_ip_checks_feature_visibility_ownership_before_the_ip(
    dipps: bool, account_id: str, pool_id: str, status: int, message: str
) -> None:
    """3.8.1, C7, C10, K1: 403 feature, 404 not visible, 403 inherited, before the IP's checks."""
    eng = new_engine(base_world(dipps=dipps))
    reject(eng, AddPoolIp(actor(account_id), pool_id, "bad"), status, message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bad", "IP 'bad' is not a valid IP address"),
        ("", "IP '' is not a valid IP address"),
        ("198.51.100.5 ", "IP '198.51.100.5 ' is not a valid IP address"),
        ("198.51.100.256", "IP '198.51.100.256' is not a valid IP address"),
        ("198.051.100.5", "IP '198.051.100.5' is not a valid IP address"),
        ("fe80::1%eth0", "IP 'fe80::1%eth0' is not a valid IP address"),
        ("shared", "IP 'shared' is not a valid IP address"),
        ("198.51.100.90", "IP 198.51.100.90 is not a dedicated IP of account 'acct-1'"),
        ("198.51.100.20", "IP 198.51.100.20 is not a dedicated IP of account 'acct-1'"),
        ("203.0.113.1", "IP 203.0.113.1 is not a dedicated IP of account 'acct-1'"),
        ("192.0.2.1", "IP 192.0.2.1 is not a dedicated IP of account 'acct-1'"),
        ("198.51.100.3", f"IP 198.51.100.3 belongs to DIPP {POOL_B!r}"),
        ("198.51.100.6", f"IP 198.51.100.6 belongs to DIPP {POOL_E!r}"),
    ],
)
def test_add_ip_must_be_valid_free_dedicated_ip_of_the_account(text: str, message: str) -> None:
    """3.8.1, C5, C7, K4: invalid IP 400; not the account's dedicated IP or in another DIPP 400.

    Another account's IP, a subaccount's IP and a shared address all read as
    "not a dedicated IP of the account".
    """
    eng = new_engine()
    reject(eng, AddPoolIp(actor(), POOL_A, text), 400, message)


@pytest.mark.parametrize("text", ["198.51.100.1", "2001:db8::2", "2001:DB8:0:0::0002"])
def test_add_ip_already_in_the_dipp_is_accepted_and_changes_nothing(text: str) -> None:
    """D11, C5: an IP already in this DIPP (in any text form) is accepted; nothing changes.

    The answer is ``started`` and no pending update is left.
    """
    eng = new_engine()
    before = snapshot(eng)
    accept(eng, AddPoolIp(actor(), POOL_A, text))
    assert snapshot(eng) == before


def test_add_ip_leaves_pending_in_s4_order_and_linked_domains_hold_it_after_settle() -> None:
    """3.8.3, S4: the IP joins at once; the account's linked domains by id, then delegations.

    Before settle the stored domains lag; after settle every linked domain, the
    subaccounts' included, holds the new IP.
    """
    eng = new_engine()
    accept(eng, AddPoolIp(actor(), POOL_A, "198.51.100.5"), a_updates())
    world = base_world()
    assert pool_of(eng.state.world(), POOL_A).ips == ips(*A_IPS, "198.51.100.5")
    assert eng.state.stored_domain("dom-1") == domain_of(world, "dom-1")
    settle_to(eng, with_pool_ips(world, POOL_A, [*A_IPS, "198.51.100.5"]))


def test_add_ip_to_an_unlinked_undelegated_dipp_leaves_nothing_pending() -> None:
    """3.8.3, S4: with no linked domain and no delegation, the IP joins and nothing is pending."""
    eng = new_engine()
    accept(eng, AddPoolIp(actor(), POOL_E, "2001:0db8::1"))
    assert eng.state.world() == with_pool_ips(base_world(), POOL_E, ["198.51.100.6", "2001:db8::1"])


def test_add_ip_to_a_delegated_dipp_with_no_linked_domain_queues_the_subaccount() -> None:
    """S4: a subaccount update is queued for a delegation even with no linked domain."""
    eng = new_engine()
    accept(eng, AddPoolIp(actor(), POOL_F, "198.51.100.5"), [SubaccountUpdate("acct-4", POOL_F)])
    settle_to(eng, with_pool_ips(base_world(), POOL_F, ["198.51.100.5", "198.51.100.7"]))


# -- 3.9 remove one IP -----------------------------------------------------------------------


@pytest.mark.parametrize(("dipps", "account_id", "pool_id", "status", "message"), PREFIX_CHECKS)
def test_remove_ip_checks_feature_visibility_ownership_before_the_ip(
    dipps: bool, account_id: str, pool_id: str, status: int, message: str
) -> None:
    """3.9.1, C7, C10, K1: 403 feature, 404 not visible, 403 inherited, before the IP's checks."""
    eng = new_engine(base_world(dipps=dipps))
    reject(eng, RemovePoolIp(actor(account_id), pool_id, "bad"), status, message)


@pytest.mark.parametrize(
    ("pool_id", "text", "status", "message"),
    [
        (POOL_A, "bad", 400, "IP 'bad' is not a valid IP address"),
        (POOL_A, "198.51.100.1 ", 400, "IP '198.51.100.1 ' is not a valid IP address"),
        (POOL_B, "03.1.1.1", 400, "IP '03.1.1.1' is not a valid IP address"),
        (POOL_A, "198.51.100.5", 404, f"IP 198.51.100.5 is not in DIPP {POOL_A!r}"),
        (POOL_A, "198.51.100.3", 404, f"IP 198.51.100.3 is not in DIPP {POOL_A!r}"),
        (POOL_A, "198.51.100.90", 404, f"IP 198.51.100.90 is not in DIPP {POOL_A!r}"),
        (POOL_A, "203.0.113.1", 404, f"IP 203.0.113.1 is not in DIPP {POOL_A!r}"),
        (POOL_B, "198.51.100.1", 404, f"IP 198.51.100.1 is not in DIPP {POOL_B!r}"),
        (
            POOL_B,
            "198.51.100.3",
            400,
            f"IP 198.51.100.3 is the last IP of DIPP {POOL_B!r}, {LAST_IP}",
        ),
        (
            POOL_F,
            "198.51.100.7",
            400,
            f"IP 198.51.100.7 is the last IP of DIPP {POOL_F!r}, {LAST_IP}",
        ),
    ],
)
def test_remove_ip_checks_in_order(pool_id: str, text: str, status: int, message: str) -> None:
    """3.9.1, 3.9.2, D10, C7: invalid IP 400; not in this DIPP 404; last IP linked/delegated 400.

    B is linked to a domain, F is delegated with no linked domain: both keep their
    last IP. An IP of another DIPP or another account is simply not in this DIPP.
    """
    eng = new_engine()
    reject(eng, RemovePoolIp(actor(), pool_id, text), status, message)


def test_remove_last_ip_of_an_unlinked_undelegated_dipp_is_fine() -> None:
    """3.9.2, D10: a DIPP with no linked domain and no delegation may become empty."""
    eng = new_engine()
    accept(eng, RemovePoolIp(actor(), POOL_E, "198.51.100.6"))
    assert eng.state.world() == with_pool_ips(base_world(), POOL_E, [])


def test_remove_ip_leaves_pending_in_s4_order_and_frees_the_ip() -> None:
    """3.9.3, S4, C5: the IP leaves at once (any text form); linked domains follow after settle.

    The IP is free at once, so another DIPP may take it before the settle.
    """
    eng = new_engine()
    accept(eng, RemovePoolIp(actor(), POOL_A, "2001:DB8::0:2"), a_updates())
    assert eng.state.stored_domain("dom-2") == domain_of(base_world(), "dom-2")
    accept(eng, AddPoolIp(actor(), POOL_E, "2001:db8::2"))
    expected = with_pool_ips(base_world(), POOL_A, ["198.51.100.1", "198.51.100.2"])
    settle_to(eng, with_pool_ips(expected, POOL_E, ["198.51.100.6", "2001:db8::2"]))


# -- 3.10 add several IPs ----------------------------------------------------------------------


@pytest.mark.parametrize(("dipps", "account_id", "pool_id", "status", "message"), PREFIX_CHECKS)
def test_add_ips_checks_feature_visibility_ownership_before_the_body(
    dipps: bool, account_id: str, pool_id: str, status: int, message: str
) -> None:
    """3.10.1, K1: 403 feature, 404 not visible, 403 inherited, before the body is looked at."""
    eng = new_engine(base_world(dipps=dipps))
    reject(eng, AddPoolIps(actor(account_id), pool_id, None), status, message)


NOT_OBJECT = "the body must be a JSON object with the field 'ips'"
NOT_ARRAY = "field 'ips' must be a non-empty array of strings"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, NOT_OBJECT),
        ([], NOT_OBJECT),
        (["198.51.100.5"], NOT_OBJECT),
        ("198.51.100.5", NOT_OBJECT),
        (5, NOT_OBJECT),
        ({}, NOT_ARRAY),
        ({"ips": []}, NOT_ARRAY),
        ({"ips": None}, NOT_ARRAY),
        ({"ips": "198.51.100.5"}, NOT_ARRAY),
        ({"ips": {"198.51.100.5": True}}, NOT_ARRAY),
        ({"ips": ["198.51.100.5", 5]}, "ips entry 5 is not a string"),
        ({"ips": [None]}, "ips entry None is not a string"),
        ({"ips": [True]}, "ips entry True is not a string"),
        ({"ips": [["198.51.100.5"]]}, "ips entry ['198.51.100.5'] is not a string"),
        ({"ips": ["bad", 5]}, "ips entry 5 is not a string"),
        ({"ips": ["198.51.100.5"], "extra": 1}, "field 'extra' is not taken; only 'ips' is"),
        ({"IPS": ["198.51.100.5"]}, "field 'IPS' is not taken; only 'ips' is"),
        ({"ip": ["198.51.100.5"]}, "field 'ip' is not taken; only 'ips' is"),
    ],
)
def test_add_ips_body_must_be_an_object_with_a_non_empty_array_of_strings(
    body: Any, message: str
) -> None:
    """3.10.2, K6, K1: the body is an object whose only key is ``ips``, a non-empty string array.

    Anything else is 400 and changes nothing; the shape of the whole array is
    checked before any entry's IP.
    """
    eng = new_engine()
    reject(eng, AddPoolIps(actor(), POOL_A, body), 400, message)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (["198.51.100.5", "bad"], "IP 'bad' is not a valid IP address"),
        (["198.51.100.5", "198.51.100.5 "], "IP '198.51.100.5 ' is not a valid IP address"),
        (["198.51.100.5", "198.51.100.3"], f"IP 198.51.100.3 belongs to DIPP {POOL_B!r}"),
        (
            ["2001:db8::1", "198.51.100.90"],
            "IP 198.51.100.90 is not a dedicated IP of account 'acct-1'",
        ),
        (
            ["198.51.100.1", "203.0.113.1"],
            "IP 203.0.113.1 is not a dedicated IP of account 'acct-1'",
        ),
        (
            ["198.51.100.20", "198.51.100.5"],
            "IP 198.51.100.20 is not a dedicated IP of account 'acct-1'",
        ),
    ],
)
def test_add_ips_one_bad_entry_rejects_the_whole_request(entries: list[str], message: str) -> None:
    """3.10.2, C4: every entry is checked as in 3.8; one bad entry is named and nothing changes.

    The good entries around it are not added either.
    """
    eng = new_engine()
    reject(eng, AddPoolIps(actor(), POOL_A, {"ips": entries}), 400, message)


def test_add_ips_collapses_repeats_and_ignores_entries_already_in_the_dipp() -> None:
    """3.10.3, K6, S4: repeated entries collapse, ones already in change nothing; answer started.

    The new IPs join at once; pending follows S4 order; after settle the linked
    domains hold exactly the DIPP's new IP set.
    """
    eng = new_engine()
    entries = ["198.51.100.5", "198.51.100.1", "2001:db8::1", "198.51.100.5", "2001:DB8::0:1"]
    accept(eng, AddPoolIps(actor(), POOL_A, {"ips": entries}), a_updates())
    new_ips = [*A_IPS, "198.51.100.5", "2001:db8::1"]
    assert pool_of(eng.state.world(), POOL_A).ips == ips(*new_ips)
    settle_to(eng, with_pool_ips(base_world(), POOL_A, new_ips))


def test_add_ips_all_already_in_the_dipp_changes_nothing() -> None:
    """3.10.3, D11: every entry already in the DIPP: accepted, nothing changes, nothing pending."""
    eng = new_engine()
    before = snapshot(eng)
    accept(eng, AddPoolIps(actor(), POOL_A, {"ips": ["2001:DB8::2", "198.51.100.1"]}))
    assert snapshot(eng) == before
