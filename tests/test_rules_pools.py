"""Example tests of the DIPP routes at the level of commands: create, read, delete, edit.

Every test runs commands through an :class:`~ippools.Engine` over an in-memory
state and checks the exact answer, the exact pending updates (S4), and the exact
world before and after settling. Every rejection is also checked to change
nothing: the stored world, the effective world and the pending queue stay as
they were (C4).

The base world: ``acct-1`` owns DIPP A (two IPs, delegated to its subaccounts
``acct-2``, ``acct-3`` and ``acct-4``; linked to ``dom-1``, ``dom-2`` and the
subaccount domains ``dom-5``, ``dom-6``), DIPP B (one IP, linked to ``dom-3``),
DIPP D (empty, unlinked) and DIPP E (one IP, unlinked, undelegated).
``dom-4`` is unlinked. ``acct-9`` is another top-level account with DIPP C.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
import pytest

from ippools import (
    Actor,
    CreatePool,
    DeletePool,
    Domain,
    DomainUpdate,
    EditPool,
    Engine,
    GetPool,
    MemoryState,
    Pool,
    RemovePoolIp,
    SubaccountUpdate,
    World,
)
from tests.support import (
    NEW_IDS,
    NO_DIPPS,
    POOL_A,
    POOL_B,
    POOL_C,
    POOL_D,
    POOL_E,
    STARTED,
    SUCCESS,
    accept_queueing,
    account,
    actor,
    dedicated,
    domain,
    domain_of,
    engine,
    ips,
    pool,
    pool_details,
    pool_of,
    reject,
    settle_to,
)

UNKNOWN_POOL = "f" * 24
A_IPS = ("198.51.100.1", "198.51.100.2")
SUBACCOUNTS = ("acct-2", "acct-3", "acct-4")


def base_world(*, dipps: bool = True, shared: bool = False) -> World:
    """The world described in the module docstring."""
    return World(
        accounts=[
            account("acct-1", dipps=dipps, shared=shared),
            account("acct-2", parent="acct-1"),
            account("acct-3", parent="acct-1"),
            account("acct-4", parent="acct-1"),
            account("acct-9"),
        ],
        dedicated_ips=[
            *(dedicated(f"198.51.100.{n}") for n in range(1, 7)),
            dedicated("2001:db8::1"),
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
            pool(POOL_A, ip_texts=A_IPS, delegated_to=SUBACCOUNTS, name="A", description="pool A"),
            pool(POOL_B, ip_texts=["198.51.100.3"], name="B", description="pool B"),
            pool(POOL_C, "acct-9", ip_texts=["198.51.100.90"], name="C", description="pool C"),
            pool(POOL_D, name="D", description="pool D"),
            pool(POOL_E, ip_texts=["198.51.100.6"], name="E", description="pool E"),
        ],
    )


def new_engine(world: World | None = None, ids: Iterable[str] = NEW_IDS) -> Engine[MemoryState]:
    """An engine over ``world`` (the base world by default)."""
    return engine(world if world is not None else base_world(), ids)


def changed(
    world: World,
    *,
    domains: Iterable[Domain] = (),
    pools: Iterable[Pool] = (),
    without_pools: Iterable[str] = (),
) -> World:
    """``world`` with records replaced or added by id, and some DIPPs removed."""
    gone = set(without_pools)
    by_domain = {d.id: d for d in world.domains} | {d.id: d for d in domains}
    by_pool = {p.pool_id: p for p in world.pools if p.pool_id not in gone}
    by_pool |= {p.pool_id: p for p in pools}
    return attrs.evolve(world, domains=by_domain.values(), pools=by_pool.values())


def sub_updates(
    pool_id: str, accounts: Iterable[str] = SUBACCOUNTS
) -> tuple[SubaccountUpdate, ...]:
    """Subaccount updates for ``pool_id``, in the given order."""
    return tuple(SubaccountUpdate(sub, pool_id) for sub in accounts)


def dom_updates(*domain_ids: str) -> tuple[DomainUpdate, ...]:
    """Domain updates, in the given order."""
    return tuple(DomainUpdate(d) for d in domain_ids)


def linked(world: World, domain_id: str, pool_id: str, ip_texts: Iterable[str]) -> Domain:
    """The domain of ``world`` linked to ``pool_id`` and holding ``ip_texts``."""
    return attrs.evolve(domain_of(world, domain_id), pool_id=pool_id, ips=ips(*ip_texts))


def unlinked(world: World, domain_id: str, ip_texts: Iterable[str]) -> Domain:
    """The domain of ``world`` unlinked and holding ``ip_texts``."""
    return attrs.evolve(domain_of(world, domain_id), pool_id=None, ips=ips(*ip_texts))


def not_found(pool_id: str) -> str:
    return f"DIPP {pool_id!r} not found"


def inherited(pool_id: str) -> str:
    return f"DIPP {pool_id!r} is inherited from the parent account and cannot be changed"


NOT_SHARED = "account 'acct-1' is not eligible for shared IPs"


# -- 3.4 create a DIPP ---------------------------------------------------------------------


def test_create_without_dipps_feature_is_403_before_any_field_check() -> None:
    """3.4.1, C10, K1: an account without the DIPPs feature gets 403, even with no name."""
    eng = new_engine(base_world(dipps=False))
    reject(eng, CreatePool(actor(), None, None, ("nope",)), 403, NO_DIPPS)
    reject(eng, CreatePool(actor(), "n", "d", ("198.51.100.5",)), 403, NO_DIPPS)


@pytest.mark.parametrize(
    ("name", "description", "message"),
    [
        (None, None, "field 'name' is required"),
        (None, "d", "field 'name' is required"),
        ("", "d", "field 'name' must not be blank, got ''"),
        (" \t\n", "d", "field 'name' must not be blank, got ' \\t\\n'"),
        ("n", None, "field 'description' is required"),
        ("n", "", "field 'description' must not be blank, got ''"),
        ("n", "   ", "field 'description' must not be blank, got '   '"),
        ("\u00a0", "   ", "field 'name' must not be blank, got '\\xa0'"),
    ],
)
def test_create_requires_non_blank_name_then_description(
    name: str | None, description: str | None, message: str
) -> None:
    """3.4.1, K7: name and description are required and non-blank after trimming; name first."""
    eng = new_engine()
    reject(eng, CreatePool(actor(), name, description, ("not-an-ip",)), 400, message)


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        (("198.51.100.1",), f"IP 198.51.100.1 belongs to DIPP {POOL_A!r}"),
        (("198.51.100.6",), f"IP 198.51.100.6 belongs to DIPP {POOL_E!r}"),
        (("198.51.100.90",), "IP 198.51.100.90 is not a dedicated IP of account 'acct-1'"),
        (("198.51.100.20",), "IP 198.51.100.20 is not a dedicated IP of account 'acct-1'"),
        (("203.0.113.1",), "IP 203.0.113.1 is not a dedicated IP of account 'acct-1'"),
        (("192.0.2.77",), "IP 192.0.2.77 is not a dedicated IP of account 'acct-1'"),
        (("198.51.100.5", "198.51.100.3"), f"IP 198.51.100.3 belongs to DIPP {POOL_B!r}"),
        (("198.51.100.05",), "IP '198.51.100.05' is not a valid IP address"),
        (("198.51.100.5 ",), "IP '198.51.100.5 ' is not a valid IP address"),
        (("fe80::1%eth0",), "IP 'fe80::1%eth0' is not a valid IP address"),
        (("shared",), "IP 'shared' is not a valid IP address"),
        (("198.51.100.5", "oops"), "IP 'oops' is not a valid IP address"),
    ],
)
def test_create_ips_must_be_valid_free_dedicated_ips_of_the_account(
    texts: tuple[str, ...], message: str
) -> None:
    """3.4.2, C5, C7, K4: every IP is a dedicated IP of the account (400) in no DIPP (400)."""
    eng = new_engine()
    reject(eng, CreatePool(actor(), "n", "d", texts), 400, message)


def test_create_answers_new_id_and_stores_the_dipp_exactly_as_given() -> None:
    """3.4.2-3.4.4, K7, C5: a new undelegated DIPP with the first id of the id source.

    Name and description are stored untrimmed; duplicate IPs collapse, including
    different texts of one IPv6 address; nothing is left pending (S4).
    """
    eng = new_engine()
    command = CreatePool(
        actor(),
        "  New pool ",
        "\tdesc ",
        ("198.51.100.5", "2001:db8::1", "2001:DB8:0:0::1", "198.51.100.5", "2001:0db8::0001"),
    )
    accept_queueing(eng, command, {"message": "success", "pool_id": NEW_IDS[0]})
    created = Pool(
        NEW_IDS[0], "acct-1", "  New pool ", "\tdesc ", ips("198.51.100.5", "2001:db8::1")
    )
    assert eng.state.world() == changed(base_world(), pools=[created])


def test_create_takes_the_union_of_ip_and_ips_fields() -> None:
    """D3, K6: ``CreatePool.ips`` carries the union of the ``ip`` and ``ips`` fields.

    A single string is one IP; IPs given under both names collapse.
    """
    assert CreatePool(actor(), "n", "d", "198.51.100.5").ips == ("198.51.100.5",)
    from_ip = ["198.51.100.5", "2001:db8::1"]
    from_ips = ["2001:db8::1", "198.51.100.4"]
    eng = new_engine()
    accept_queueing(
        eng,
        CreatePool(actor(), "n", "d", (*from_ip, *from_ips)),
        {"message": "success", "pool_id": NEW_IDS[0]},
    )
    created = pool_of(eng.state.world(), NEW_IDS[0])
    assert created.ips == ips("198.51.100.4", "198.51.100.5", "2001:db8::1")


def test_create_with_no_ips_makes_an_empty_dipp_and_needs_no_audit_headers() -> None:
    """3.4.3, C2: creation takes no audit headers; with no IP the DIPP starts empty."""
    eng = new_engine()
    accept_queueing(
        eng, CreatePool(Actor("acct-1"), "n", "d"), {"message": "success", "pool_id": NEW_IDS[0]}
    )
    assert eng.state.world() == changed(base_world(), pools=[Pool(NEW_IDS[0], "acct-1", "n", "d")])
    accept_queueing(
        eng,
        GetPool(Actor("acct-1"), NEW_IDS[0]),
        pool_details(NEW_IDS[0], [], [], name="n", description="d"),
    )


def test_subaccount_creates_dipp_from_its_own_ips_only() -> None:
    """3.4.2, I6: a subaccount's DIPP takes its own dedicated IPs, not its parent's."""
    eng = new_engine()
    reject(
        eng,
        CreatePool(actor("acct-2"), "n", "d", ("198.51.100.5",)),
        400,
        "IP 198.51.100.5 is not a dedicated IP of account 'acct-2'",
    )
    accept_queueing(
        eng,
        CreatePool(actor("acct-2"), "n", "d", ("198.51.100.20",)),
        {"message": "success", "pool_id": NEW_IDS[0]},
    )
    created = Pool(NEW_IDS[0], "acct-2", "n", "d", ips("198.51.100.20"))
    assert eng.state.world() == changed(base_world(), pools=[created])


def test_rejected_creation_uses_up_no_id() -> None:
    """3.4.3, §6: rejected creations draw no id; the next accepted one gets the first id."""
    eng = new_engine()
    reject(eng, CreatePool(actor(), "", "d"), 400, "field 'name' must not be blank, got ''")
    reject(
        eng,
        CreatePool(actor(), "n", "d", ("198.51.100.1",)),
        400,
        f"IP 198.51.100.1 belongs to DIPP {POOL_A!r}",
    )
    accept_queueing(
        eng, CreatePool(actor(), "n", "d"), {"message": "success", "pool_id": NEW_IDS[0]}
    )
    accept_queueing(
        eng, CreatePool(actor(), "m", "d"), {"message": "success", "pool_id": NEW_IDS[1]}
    )


def test_create_never_hands_out_the_id_of_a_live_or_deleted_dipp() -> None:
    """§6, K16: the id source skips ids in use, including a deleted DIPP's id."""
    eng = new_engine(ids=[POOL_A, POOL_D, NEW_IDS[0]])
    accept_queueing(eng, DeletePool(actor(), POOL_D), STARTED)
    accept_queueing(
        eng, CreatePool(actor(), "n", "d"), {"message": "success", "pool_id": NEW_IDS[0]}
    )


# -- 3.5 read a DIPP -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("account_id", "pool_id"),
    [
        ("acct-1", UNKNOWN_POOL),
        ("acct-1", POOL_C),
        ("acct-9", POOL_A),
        ("acct-2", POOL_B),
        ("acct-1", "not-a-pool-id"),
        ("acct-1", POOL_A.upper()),
        ("acct-1", POOL_A + "a"),
        ("acct-1", ""),
    ],
)
def test_read_of_a_dipp_not_visible_is_404(account_id: str, pool_id: str) -> None:
    """3.5.1, C7: unknown, malformed, another account's or an undelegated parent DIPP: 404.

    The message has the same shape whatever the reason.
    """
    eng = new_engine()
    reject(eng, GetPool(actor(account_id), pool_id), 404, not_found(pool_id))


def test_owner_reads_exact_details_with_every_linked_domain() -> None:
    """3.5.2: the owner sees its own and its subaccounts' linked domains, names sorted."""
    eng = new_engine()
    accept_queueing(
        eng,
        GetPool(actor(), POOL_A),
        pool_details(
            POOL_A,
            list(A_IPS),
            ["a.example.com", "b.example.com", "sub2.example.com", "sub3.example.com"],
            name="A",
            description="pool A",
        ),
    )


def test_subaccount_reads_only_its_own_linked_domains() -> None:
    """3.5.2: a subaccount sees only its own linked domains; with none, is_linked is false."""
    eng = new_engine()
    accept_queueing(
        eng,
        GetPool(actor("acct-2"), POOL_A),
        pool_details(POOL_A, list(A_IPS), ["sub2.example.com"], name="A", description="pool A"),
    )
    accept_queueing(
        eng,
        GetPool(actor("acct-4"), POOL_A),
        pool_details(POOL_A, list(A_IPS), [], name="A", description="pool A"),
    )


def test_read_sorts_ips_per_c5_and_names_by_code_point() -> None:
    """3.5.2, C5, K4, K12: IPs in C5 order; domain names as stored, sorted by code point."""
    addresses = ["198.51.100.10", "2001:db8::1", "198.51.100.9", "::ffff:198.51.100.1"]
    world = World(
        accounts=[account("acct-1", dipps=False)],
        dedicated_ips=[dedicated(text) for text in addresses],
        domains=[
            domain("dom-1", "beta.example.com", ip_texts=addresses, pool=POOL_A),
            domain("dom-2", "alpha.example.com", ip_texts=addresses, pool=POOL_A),
            domain("dom-3", "Zeta.Example.com", ip_texts=addresses, pool=POOL_A),
        ],
        pools=[pool(POOL_A, ip_texts=addresses, name=" N ", description="")],
    )
    eng = new_engine(world)
    accept_queueing(
        eng,
        GetPool(actor(), POOL_A),
        pool_details(
            POOL_A,
            ["198.51.100.9", "198.51.100.10", "::ffff:198.51.100.1", "2001:db8::1"],
            ["Zeta.Example.com", "alpha.example.com", "beta.example.com"],
            name=" N ",
            description="",
        ),
    )


def test_subaccount_reading_a_dipp_it_owns_gets_the_owner_view() -> None:
    """K12, C10: a subaccount owning a DIPP reads it as its owner; reading needs no feature."""
    world = World(
        accounts=[account("acct-1"), account("acct-2", parent="acct-1", dipps=False)],
        dedicated_ips=[dedicated("198.51.100.20", "acct-2")],
        domains=[
            domain("dom-2", "b.example.com", "acct-2", ip_texts=["198.51.100.20"], pool=POOL_B),
            domain("dom-1", "a.example.com", "acct-2", ip_texts=["198.51.100.20"], pool=POOL_B),
        ],
        pools=[pool(POOL_B, "acct-2", ip_texts=["198.51.100.20"], name="B", description="b")],
    )
    eng = new_engine(world)
    accept_queueing(
        eng,
        GetPool(actor("acct-2"), POOL_B),
        pool_details(
            POOL_B,
            ["198.51.100.20"],
            ["a.example.com", "b.example.com"],
            name="B",
            description="b",
        ),
    )
    reject(eng, GetPool(actor("acct-1"), POOL_B), 404, not_found(POOL_B))


def test_read_uses_the_effective_links_before_settle() -> None:
    """3.5.2, S2: a domain linked by PATCH is listed at once, before its update is processed."""
    eng = new_engine()
    accept_queueing(
        eng, EditPool(actor(), POOL_B, link_domain_ids=("dom-4",)), SUCCESS, dom_updates("dom-4")
    )
    stored = eng.state.stored_domain("dom-4")
    assert stored == domain("dom-4", "d.example.com", ip_texts=["198.51.100.4"], pool=POOL_B)
    expected = pool_details(
        POOL_B, ["198.51.100.3"], ["c.example.com", "d.example.com"], name="B", description="pool B"
    )
    accept_queueing(eng, GetPool(actor(), POOL_B), expected)
    eng.settle()
    accept_queueing(eng, GetPool(actor(), POOL_B), expected)


def test_unlinked_dipp_reads_as_not_linked() -> None:
    """3.5.2: is_linked is false exactly when linked_domains is empty."""
    eng = new_engine()
    accept_queueing(
        eng,
        GetPool(actor(), POOL_E),
        pool_details(POOL_E, ["198.51.100.6"], [], name="E", description="pool E"),
    )


# -- 3.6 delete a DIPP -----------------------------------------------------------------------


def test_delete_checks_feature_then_visibility_then_ownership() -> None:
    """3.6.1, K1: 403 without the feature, then 404 when not visible, then 403 when inherited.

    Each check comes before the replacement checks of 3.6.2.
    """
    both = {"replacement_ip": "198.51.100.5", "replacement_pool_id": POOL_B}
    reject(
        new_engine(base_world(dipps=False)),
        DeletePool(actor(), UNKNOWN_POOL, **both),
        403,
        NO_DIPPS,
    )
    eng = new_engine()
    reject(eng, DeletePool(actor(), UNKNOWN_POOL, **both), 404, not_found(UNKNOWN_POOL))
    reject(eng, DeletePool(actor(), POOL_C, **both), 404, not_found(POOL_C))
    reject(eng, DeletePool(actor("acct-2"), POOL_A, **both), 403, inherited(POOL_A))


def test_delete_with_both_replacements_is_400() -> None:
    """3.6.2: ip and pool_id together are refused before either is checked."""
    eng = new_engine()
    reject(
        eng,
        DeletePool(actor(), POOL_B, replacement_ip="bad", replacement_pool_id=UNKNOWN_POOL),
        400,
        "give either ip or pool_id as the replacement of a deleted DIPP, not both",
    )


@pytest.mark.parametrize(
    ("deleted", "replacement", "status", "message"),
    [
        (POOL_B, UNKNOWN_POOL, 404, not_found(UNKNOWN_POOL)),
        (POOL_B, POOL_C, 404, not_found(POOL_C)),
        (POOL_B, "B" * 24, 404, not_found("B" * 24)),
        (POOL_A, UNKNOWN_POOL, 404, not_found(UNKNOWN_POOL)),
        (POOL_B, POOL_B, 400, f"DIPP {POOL_B!r} cannot replace itself when deleted"),
        (POOL_A, POOL_A, 400, f"DIPP {POOL_A!r} cannot replace itself when deleted"),
        (POOL_B, POOL_D, 400, f"replacement DIPP {POOL_D!r} has no IPs"),
        (POOL_A, POOL_D, 400, f"replacement DIPP {POOL_D!r} has no IPs"),
    ],
)
def test_delete_pool_replacement_must_be_visible_other_and_non_empty(
    deleted: str, replacement: str, status: int, message: str
) -> None:
    """3.6.3, C7: the replacement DIPP is visible (404), not the deleted one and has IPs (400).

    These checks come before D6, so a delegated DIPP gets them too.
    """
    eng = new_engine()
    reject(eng, DeletePool(actor(), deleted, replacement_pool_id=replacement), status, message)


@pytest.mark.parametrize(
    ("replacement", "message"),
    [
        ("198.51.100.6", f"IP 198.51.100.6 belongs to DIPP {POOL_E!r}"),
        ("198.51.100.1", f"IP 198.51.100.1 belongs to DIPP {POOL_A!r}"),
        ("198.51.100.90", "IP 198.51.100.90 is not a dedicated IP of account 'acct-1'"),
        ("198.51.100.20", "IP 198.51.100.20 is not a dedicated IP of account 'acct-1'"),
        ("203.0.113.1", "IP 203.0.113.1 is not a dedicated IP of account 'acct-1'"),
        ("198.51.100.05", "replacement IP '198.51.100.05' is not a valid IP address"),
        ("SHARED", "replacement IP 'SHARED' is not a valid IP address"),
        ("", "replacement IP '' is not a valid IP address"),
    ],
)
def test_delete_ip_replacement_must_be_free_dedicated_ip(replacement: str, message: str) -> None:
    """3.6.4, K2, K4: the replacement IP is a dedicated IP of the account in no other DIPP."""
    eng = new_engine()
    reject(eng, DeletePool(actor(), POOL_B, replacement_ip=replacement), 400, message)


def test_delete_shared_replacement_needs_eligibility_before_d6() -> None:
    """3.6.4, K1: ``ip=shared`` needs a shared-eligible account (403), checked before D6."""
    eng = new_engine()
    reject(eng, DeletePool(actor(), POOL_B, replacement_ip="shared"), 403, NOT_SHARED)
    reject(eng, DeletePool(actor(), POOL_A, replacement_ip="shared"), 403, NOT_SHARED)


@pytest.mark.parametrize(
    "replacement_ip", ["198.51.100.5", "198.51.100.1", "shared", None], ids=repr
)
def test_delegated_dipp_takes_only_a_pool_replacement(replacement_ip: str | None) -> None:
    """D6, 3.6.5: a delegated DIPP is replaced only by a DIPP; an IP, shared or nothing is 400."""
    eng = new_engine(base_world(shared=True))
    reject(
        eng,
        DeletePool(actor(), POOL_A, replacement_ip=replacement_ip),
        400,
        f"DIPP {POOL_A!r} is delegated to subaccounts; "
        "only a replacement DIPP (pool_id) is allowed",
    )


@pytest.mark.parametrize("pool_id", [POOL_B, POOL_E])
def test_delete_without_replacement_is_400_when_dipp_has_ips_or_links(pool_id: str) -> None:
    """3.6.6: neither ip nor pool_id is allowed only for a DIPP with no IP and no linked domain."""
    eng = new_engine()
    reject(
        eng,
        DeletePool(actor(), pool_id),
        400,
        f"DIPP {pool_id!r} has IPs or linked domains; give ip or pool_id",
    )


def test_delete_empty_unlinked_dipp_without_replacement() -> None:
    """3.6.6, D7: an empty, unlinked DIPP is deleted at once; answer started, nothing pending."""
    eng = new_engine()
    accept_queueing(eng, DeletePool(actor(), POOL_D), STARTED)
    assert eng.state.world() == changed(base_world(), without_pools=[POOL_D])
    reject(eng, GetPool(actor(), POOL_D), 404, not_found(POOL_D))


def test_delete_with_ip_replacement_unlinks_domains_to_that_ip() -> None:
    """3.6.7, K11, S4: linked domains end up unlinked holding exactly the replacement IP.

    The IP may be one of the deleted DIPP's; the domains follow through domain
    updates in domain id order.
    """
    world = changed(
        base_world(),
        domains=[
            domain("dom-3", "c.example.com", ip_texts=["198.51.100.3"], pool=POOL_B),
            domain("dom-4", "d.example.com", ip_texts=["198.51.100.3"], pool=POOL_B),
        ],
    )
    eng = new_engine(world)
    accept_queueing(
        eng,
        DeletePool(actor(), POOL_B, replacement_ip="198.51.100.3"),
        STARTED,
        dom_updates("dom-3", "dom-4"),
    )
    assert eng.state.stored_domain("dom-3") == domain_of(world, "dom-3")
    expected = changed(
        world,
        domains=[
            unlinked(world, "dom-3", ["198.51.100.3"]),
            unlinked(world, "dom-4", ["198.51.100.3"]),
        ],
        without_pools=[POOL_B],
    )
    settle_to(eng, expected)


def test_deleted_dipp_ips_are_free_at_once() -> None:
    """K11: right after deletion, the deleted DIPP's IPs can go into another DIPP."""
    eng = new_engine()
    accept_queueing(
        eng,
        DeletePool(actor(), POOL_B, replacement_ip="198.51.100.5"),
        STARTED,
        dom_updates("dom-3"),
    )
    accept_queueing(
        eng,
        CreatePool(actor(), "n", "d", ("198.51.100.3",)),
        {"message": "success", "pool_id": NEW_IDS[0]},
    )
    world = base_world()
    expected = changed(
        world,
        domains=[unlinked(world, "dom-3", ["198.51.100.5"])],
        pools=[Pool(NEW_IDS[0], "acct-1", "n", "d", ips("198.51.100.3"))],
        without_pools=[POOL_B],
    )
    settle_to(eng, expected)


def test_delete_with_pool_replacement_relinks_domains_and_moves_delegations() -> None:
    """3.6.7, S4, D7: domains relink to the replacement; delegations move to it.

    Pending: the acting account's linked domains in domain id order, then one
    subaccount update per delegation in account id order (also for a subaccount
    with no linked domain). After settle the world is exactly the expected one.
    """
    eng = new_engine()
    accept_queueing(
        eng,
        DeletePool(actor(), POOL_A, replacement_pool_id=POOL_E),
        STARTED,
        dom_updates("dom-1", "dom-2") + sub_updates(POOL_A),
    )
    world = base_world()
    assert eng.state.stored_domain("dom-5") == domain_of(world, "dom-5")
    e_ips = ["198.51.100.6"]
    expected = changed(
        world,
        domains=[linked(world, d, POOL_E, e_ips) for d in ("dom-1", "dom-2", "dom-5", "dom-6")],
        pools=[attrs.evolve(pool_of(world, POOL_E), delegated_to=frozenset(SUBACCOUNTS))],
        without_pools=[POOL_A],
    )
    settle_to(eng, expected)


def test_partial_processing_moves_domains_one_update_at_a_time() -> None:
    """S1, S5: processing one update brings only its domain up to date; answers do not change."""
    eng = new_engine()
    accept_queueing(
        eng,
        DeletePool(actor(), POOL_A, replacement_pool_id=POOL_B),
        STARTED,
        dom_updates("dom-1", "dom-2") + sub_updates(POOL_A),
    )
    world = base_world()
    assert eng.process(1) == 1
    assert eng.state.stored_domain("dom-1") == linked(world, "dom-1", POOL_B, ["198.51.100.3"])
    assert eng.state.stored_domain("dom-2") == domain_of(world, "dom-2")
    assert eng.process(3) == 3
    assert eng.state.stored_domain("dom-5") == linked(world, "dom-5", POOL_B, ["198.51.100.3"])
    assert eng.state.stored_domain("dom-6") == linked(world, "dom-6", POOL_B, ["198.51.100.3"])
    assert eng.state.pending == sub_updates(POOL_A, ["acct-4"])


def test_delete_with_shared_replacement_chooses_per_d4_in_domain_id_order() -> None:
    """3.6.4, 3.6.7, D4: each domain gets the least-used shared IP, in domain id order.

    ``203.0.113.1`` is held by one domain, ``203.0.113.2`` by none: ``dom-1``
    gets ``.2``; then both count one, so ``dom-2`` gets the lower ``.1``.
    """
    world = World(
        accounts=[account(shared=True)],
        dedicated_ips=[dedicated("198.51.100.1")],
        shared_ips=ips("203.0.113.1", "203.0.113.2"),
        domains=[
            domain("dom-1", "z.example.com", ip_texts=["198.51.100.1"], pool=POOL_A),
            domain("dom-2", "y.example.com", ip_texts=["198.51.100.1"], pool=POOL_A),
            domain("dom-3", "x.example.com", ip_texts=["203.0.113.1"]),
        ],
        pools=[pool(POOL_A, ip_texts=["198.51.100.1"])],
    )
    eng = new_engine(world)
    accept_queueing(
        eng,
        DeletePool(actor(), POOL_A, replacement_ip="shared"),
        STARTED,
        dom_updates("dom-1", "dom-2"),
    )
    expected = changed(
        world,
        domains=[
            unlinked(world, "dom-1", ["203.0.113.2"]),
            unlinked(world, "dom-2", ["203.0.113.1"]),
        ],
        without_pools=[POOL_A],
    )
    settle_to(eng, expected)


def test_delete_with_shared_replacement_and_no_shared_ip_left_is_400() -> None:
    """D4: a linked domain that must receive a shared IP when none is available: 400."""
    world = attrs.evolve(base_world(shared=True), shared_ips=())
    eng = new_engine(world)
    reject(eng, DeletePool(actor(), POOL_B, replacement_ip="shared"), 400, "no shared IP available")


def test_delete_unlinked_dipp_with_shared_replacement_needs_no_shared_ip() -> None:
    """D4, 3.6.4: with no linked domain, ``ip=shared`` succeeds on a platform with no shared IP."""
    world = attrs.evolve(base_world(shared=True), shared_ips=())
    eng = new_engine(world)
    accept_queueing(eng, DeletePool(actor(), POOL_E, replacement_ip="shared"), STARTED)
    assert eng.state.world() == changed(world, without_pools=[POOL_E])


def test_replacement_counts_as_linked_right_after_delete() -> None:
    """S2, D10: after deleting B for E, E counts as linked to B's domain before any settle.

    So removing E's last IP is refused, and reading E lists the domain.
    """
    eng = new_engine()
    accept_queueing(
        eng,
        DeletePool(actor(), POOL_B, replacement_pool_id=POOL_E),
        STARTED,
        dom_updates("dom-3"),
    )
    reject(
        eng,
        RemovePoolIp(actor(), POOL_E, "198.51.100.6"),
        400,
        f"IP 198.51.100.6 is the last IP of DIPP {POOL_E!r}, "
        "which is linked to a domain or delegated to a subaccount",
    )
    accept_queueing(
        eng,
        GetPool(actor(), POOL_E),
        pool_details(POOL_E, ["198.51.100.6"], ["c.example.com"], name="E", description="pool E"),
    )


def test_replacement_counts_as_delegated_right_after_delete() -> None:
    """S2, 3.6.7: the deleted DIPP's subaccounts can read the replacement at once.

    The replacement is delegated, so its last IP cannot be removed (D10), and the
    deleted DIPP is gone for everyone.
    """
    eng = new_engine()
    accept_queueing(
        eng,
        DeletePool(actor(), POOL_A, replacement_pool_id=POOL_E),
        STARTED,
        dom_updates("dom-1", "dom-2") + sub_updates(POOL_A),
    )
    e_ips = ["198.51.100.6"]
    accept_queueing(
        eng,
        GetPool(actor("acct-2"), POOL_E),
        pool_details(POOL_E, e_ips, ["sub2.example.com"], name="E", description="pool E"),
    )
    accept_queueing(
        eng,
        GetPool(actor("acct-4"), POOL_E),
        pool_details(POOL_E, e_ips, [], name="E", description="pool E"),
    )
    reject(eng, GetPool(actor("acct-2"), POOL_A), 404, not_found(POOL_A))
    reject(
        eng,
        EditPool(
            actor(), POOL_E, remove_ips=("198.51.100.6",), unlink_domain_ids=("dom-1", "dom-2")
        ),
        400,
        f"DIPP {POOL_E!r} would have no IPs while linked to a domain or delegated to a subaccount",
    )


# -- 3.7 edit a DIPP -------------------------------------------------------------------------


def test_edit_checks_feature_then_visibility_then_ownership() -> None:
    """3.7.1, K1: 403 without the feature, 404 when not visible, 403 when inherited; then fields."""
    reject(
        new_engine(base_world(dipps=False)),
        EditPool(actor(), UNKNOWN_POOL, name=" "),
        403,
        NO_DIPPS,
    )
    eng = new_engine()
    reject(eng, EditPool(actor(), UNKNOWN_POOL, name=" "), 404, not_found(UNKNOWN_POOL))
    reject(eng, EditPool(actor(), POOL_C, name=" "), 404, not_found(POOL_C))
    reject(eng, EditPool(actor("acct-2"), POOL_A, name=" "), 403, inherited(POOL_A))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "field 'name' must not be blank, got ''"),
        ({"name": "  ", "description": ""}, "field 'name' must not be blank, got '  '"),
        (
            {"description": "\t", "add_ips": ("bad",)},
            "field 'description' must not be blank, got '\\t'",
        ),
        (
            {"add_ips": ("bad",), "remove_ips": ("worse",)},
            "IP 'bad' is not a valid IP address",
        ),
        (
            {"add_ips": ("198.51.100.3",), "remove_ips": ("worse",)},
            f"IP 198.51.100.3 belongs to DIPP {POOL_B!r}",
        ),
        (
            {"add_ips": ("198.51.100.90",)},
            "IP 198.51.100.90 is not a dedicated IP of account 'acct-1'",
        ),
        (
            {"add_ips": ("198.51.100.20",)},
            "IP 198.51.100.20 is not a dedicated IP of account 'acct-1'",
        ),
        (
            {"add_ips": ("203.0.113.1",)},
            "IP 203.0.113.1 is not a dedicated IP of account 'acct-1'",
        ),
        (
            {"add_ips": ("198.51.100.5 ",)},
            "IP '198.51.100.5 ' is not a valid IP address",
        ),
        (
            {"remove_ips": ("worse",), "link_domain_ids": ("dom-404",)},
            "IP 'worse' is not a valid IP address",
        ),
        (
            {"link_domain_ids": ("dom-404",), "unlink_domain_ids": ("dom-405",)},
            "link_domain 'dom-404' is not the id of a domain of account 'acct-1'",
        ),
        (
            {"link_domain_ids": ("d.example.com",)},
            "link_domain 'd.example.com' is not the id of a domain of account 'acct-1'",
        ),
        (
            {"link_domain_ids": ("dom-5",)},
            "link_domain 'dom-5' is not the id of a domain of account 'acct-1'",
        ),
        (
            {"link_domain_ids": ("dom-9",)},
            "link_domain 'dom-9' is not the id of a domain of account 'acct-1'",
        ),
        (
            {"unlink_domain_ids": ("dom-6",), "add_ips": ("198.51.100.5",)},
            "unlink_domain 'dom-6' is not the id of a domain of account 'acct-1'",
        ),
        (
            {
                "add_ips": ("198.51.100.5",),
                "remove_ips": ("198.51.100.5",),
                "unlink_domain_ids": ("dom-404",),
            },
            "unlink_domain 'dom-404' is not the id of a domain of account 'acct-1'",
        ),
        (
            {"add_ips": ("198.51.100.5",), "remove_ips": ("198.51.100.5",)},
            "IP 198.51.100.5 is both in add_ip and in remove_ip",
        ),
        (
            {"add_ips": ("2001:db8::1",), "remove_ips": ("2001:DB8:0::1",)},
            "IP 2001:db8::1 is both in add_ip and in remove_ip",
        ),
        (
            {"add_ips": ("198.51.100.1",), "remove_ips": ("198.51.100.1",)},
            "IP 198.51.100.1 is both in add_ip and in remove_ip",
        ),
        (
            {"link_domain_ids": ("dom-4",), "unlink_domain_ids": ("dom-4",)},
            "domain 'dom-4' is both in link_domain and in unlink_domain",
        ),
        (
            {"link_domain_ids": ("dom-1",), "unlink_domain_ids": ("dom-1",), "name": "new"},
            "domain 'dom-1' is both in link_domain and in unlink_domain",
        ),
    ],
)
def test_edit_field_checks_in_order(fields: dict[str, Any], message: str) -> None:
    """3.7.2, 3.7.3, K1, C7: field checks in the order written; domains are named by id.

    Name, description, every add_ip (free dedicated IP of the account), every
    remove_ip (valid), every link_domain then unlink_domain (a domain of the
    account: not a name, a subaccount's or another account's), then the same IP
    added and removed or the same domain linked and unlinked: all 400.
    """
    eng = new_engine()
    reject(eng, EditPool(actor(), POOL_A, **fields), 400, message)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"name": "A"},
        {"description": "pool A"},
        {"add_ips": ("198.51.100.1",)},
        {"remove_ips": ("198.51.100.5",)},
        {"remove_ips": ("198.51.100.3",)},
        {"link_domain_ids": ("dom-1",)},
        {"unlink_domain_ids": ("dom-4",)},
        {"unlink_domain_ids": ("dom-3",)},
        {"link_domain_ids": ("dom-2", "dom-2")},
        {
            "name": "A",
            "description": "pool A",
            "add_ips": ("198.51.100.2", "198.51.100.1"),
            "remove_ips": ("198.51.100.5", "2001:db8::1"),
            "link_domain_ids": ("dom-1", "dom-2"),
            "unlink_domain_ids": ("dom-3", "dom-4"),
        },
    ],
)
def test_edit_that_changes_nothing_is_400(fields: dict[str, Any]) -> None:
    """D8, K7: an edit whose every part is a no-op is refused with 400 and changes nothing."""
    eng = new_engine()
    reject(
        eng, EditPool(actor(), POOL_A, **fields), 400, f"the edit would not change DIPP {POOL_A!r}"
    )


def test_edit_no_op_parts_change_nothing_beside_a_real_change() -> None:
    """D8: adding an IP already in, removing one not in, relinking, unlinking an unlinked domain.

    Alongside a rename, each of these changes nothing: only the name changes and
    nothing is left pending.
    """
    eng = new_engine()
    command = EditPool(
        actor(),
        POOL_A,
        name="renamed",
        add_ips=("198.51.100.1",),
        remove_ips=("198.51.100.5",),
        link_domain_ids=("dom-1",),
        unlink_domain_ids=("dom-4", "dom-3"),
    )
    accept_queueing(eng, command, SUCCESS)
    world = base_world()
    assert eng.state.world() == changed(
        world, pools=[attrs.evolve(pool_of(world, POOL_A), name="renamed")]
    )


def test_edit_stores_name_and_description_exactly_and_compares_exactly() -> None:
    """K7, D8: values are stored untrimmed; the stored value again is no change; any other is."""
    eng = new_engine()
    accept_queueing(eng, EditPool(actor(), POOL_B, name="  Spaced  ", description=" d\t"), SUCCESS)
    world = base_world()
    spaced = attrs.evolve(pool_of(world, POOL_B), name="  Spaced  ", description=" d\t")
    assert eng.state.world() == changed(world, pools=[spaced])
    reject(
        eng,
        EditPool(actor(), POOL_B, name="  Spaced  ", description=" d\t"),
        400,
        f"the edit would not change DIPP {POOL_B!r}",
    )
    accept_queueing(eng, EditPool(actor(), POOL_B, name="Spaced"), SUCCESS)
    assert pool_of(eng.state.world(), POOL_B).name == "Spaced"


def test_edit_description_only_changes_now_and_leaves_nothing_pending() -> None:
    """3.7.7, S4: a description change is immediate and leaves no pending update."""
    eng = new_engine()
    accept_queueing(eng, EditPool(actor(), POOL_A, description="new"), SUCCESS)
    world = base_world()
    assert eng.state.world() == changed(
        world, pools=[attrs.evolve(pool_of(world, POOL_A), description="new")]
    )


def test_edit_add_ip_updates_linked_domains_and_subaccounts_in_s4_order() -> None:
    """3.7.7, S4: an IP change queues the account's linked domains, then every delegation.

    After settle every linked domain, the subaccounts' included, holds the new IPs.
    """
    eng = new_engine()
    accept_queueing(
        eng,
        EditPool(actor(), POOL_A, add_ips=("198.51.100.5",)),
        SUCCESS,
        dom_updates("dom-1", "dom-2") + sub_updates(POOL_A),
    )
    world = base_world()
    new_ips = [*A_IPS, "198.51.100.5"]
    assert eng.state.stored_domain("dom-1") == domain_of(world, "dom-1")
    expected = changed(
        world,
        domains=[linked(world, d, POOL_A, new_ips) for d in ("dom-1", "dom-2", "dom-5", "dom-6")],
        pools=[attrs.evolve(pool_of(world, POOL_A), ips=ips(*new_ips))],
    )
    settle_to(eng, expected)


def test_edit_pending_has_at_most_one_update_per_domain_and_none_for_unlinked() -> None:
    """S4, D9, K10: one update per domain whose IPs change or that is newly linked, by id.

    The unlinked ``dom-2`` gets none and keeps A's IPs as they were before the
    edit; ``dom-1``, named in ``link_domain`` while already linked, gets one.
    """
    eng = new_engine()
    accept_queueing(
        eng,
        EditPool(
            actor(),
            POOL_A,
            add_ips=("198.51.100.5",),
            link_domain_ids=("dom-4", "dom-1"),
            unlink_domain_ids=("dom-2",),
        ),
        SUCCESS,
        dom_updates("dom-1", "dom-4") + sub_updates(POOL_A),
    )
    world = base_world()
    new_ips = [*A_IPS, "198.51.100.5"]
    assert eng.state.stored_domain("dom-2") == unlinked(world, "dom-2", A_IPS)
    assert eng.state.stored_domain("dom-4") == linked(world, "dom-4", POOL_A, ["198.51.100.4"])
    expected = changed(
        world,
        domains=[
            *(linked(world, d, POOL_A, new_ips) for d in ("dom-1", "dom-4", "dom-5", "dom-6")),
            unlinked(world, "dom-2", A_IPS),
        ],
        pools=[attrs.evolve(pool_of(world, POOL_A), ips=ips(*new_ips))],
    )
    settle_to(eng, expected)


def test_edit_link_only_queues_the_domain_and_no_subaccount_update() -> None:
    """3.7.7, S4: a link without an IP change queues only that domain's update."""
    eng = new_engine()
    accept_queueing(
        eng, EditPool(actor(), POOL_A, link_domain_ids=("dom-4",)), SUCCESS, dom_updates("dom-4")
    )
    world = base_world()
    assert eng.state.stored_domain("dom-4") == linked(world, "dom-4", POOL_A, ["198.51.100.4"])
    settle_to(eng, changed(world, domains=[linked(world, "dom-4", POOL_A, A_IPS)]))


def test_edit_linking_a_domain_of_another_dipp_moves_it() -> None:
    """D9: linking a domain linked to another DIPP moves it; that DIPP is no longer linked.

    So B's last IP may then be removed (D10 no longer applies).
    """
    eng = new_engine()
    accept_queueing(
        eng, EditPool(actor(), POOL_A, link_domain_ids=("dom-3",)), SUCCESS, dom_updates("dom-3")
    )
    accept_queueing(
        eng,
        GetPool(actor(), POOL_B),
        pool_details(POOL_B, ["198.51.100.3"], [], name="B", description="pool B"),
    )
    accept_queueing(eng, RemovePoolIp(actor(), POOL_B, "198.51.100.3"), STARTED)
    world = base_world()
    expected = changed(
        world,
        domains=[linked(world, "dom-3", POOL_A, A_IPS)],
        pools=[attrs.evolve(pool_of(world, POOL_B), ips=frozenset())],
    )
    settle_to(eng, expected)


def test_edit_unlinking_leaves_the_domain_holding_its_ips() -> None:
    """D9, S4: an unlinked domain keeps the IPs it has, at once, with no pending update."""
    eng = new_engine()
    accept_queueing(eng, EditPool(actor(), POOL_A, unlink_domain_ids=("dom-1",)), SUCCESS)
    world = base_world()
    expected = changed(world, domains=[unlinked(world, "dom-1", A_IPS)])
    assert eng.state.world() == expected
    settle_to(eng, expected)


def test_unlinked_domain_with_pending_work_keeps_the_dipp_ips_before_the_edit() -> None:
    """K10, S3: a domain unlinked while an IP addition is pending keeps the DIPP's IPs.

    Those are the IPs as they are before the edit (the pending addition
    included); the stale update does not undo the unlink when processed.
    """
    eng = new_engine()
    accept_queueing(
        eng,
        EditPool(actor(), POOL_A, add_ips=("198.51.100.5",)),
        SUCCESS,
        dom_updates("dom-1", "dom-2") + sub_updates(POOL_A),
    )
    accept_queueing(
        eng,
        EditPool(actor(), POOL_A, remove_ips=("198.51.100.1",), unlink_domain_ids=("dom-1",)),
        SUCCESS,
        dom_updates("dom-2") + sub_updates(POOL_A),
    )
    world = base_world()
    kept = [*A_IPS, "198.51.100.5"]
    assert eng.state.stored_domain("dom-1") == unlinked(world, "dom-1", kept)
    now = ["198.51.100.2", "198.51.100.5"]
    expected = changed(
        world,
        domains=[
            unlinked(world, "dom-1", kept),
            *(linked(world, d, POOL_A, now) for d in ("dom-2", "dom-5", "dom-6")),
        ],
        pools=[attrs.evolve(pool_of(world, POOL_A), ips=ips(*now))],
    )
    settle_to(eng, expected)


def test_edit_may_empty_a_dipp_whose_last_domain_it_unlinks() -> None:
    """K10, D10: D10 is judged on the links after the edit, so unlink-and-empty is accepted."""
    eng = new_engine()
    accept_queueing(
        eng,
        EditPool(actor(), POOL_B, remove_ips=("198.51.100.3",), unlink_domain_ids=("dom-3",)),
        SUCCESS,
    )
    world = base_world()
    expected = changed(
        world,
        domains=[unlinked(world, "dom-3", ["198.51.100.3"])],
        pools=[attrs.evolve(pool_of(world, POOL_B), ips=frozenset())],
    )
    settle_to(eng, expected)


@pytest.mark.parametrize(
    ("pool_id", "fields"),
    [
        (POOL_B, {"remove_ips": ("198.51.100.3",)}),
        (POOL_A, {"remove_ips": A_IPS}),
        (POOL_A, {"remove_ips": A_IPS, "unlink_domain_ids": ("dom-1", "dom-2")}),
        (POOL_E, {"remove_ips": ("198.51.100.6",), "link_domain_ids": ("dom-4",)}),
        (POOL_D, {"link_domain_ids": ("dom-4",)}),
        (POOL_D, {"link_domain_ids": ("dom-3",), "name": "new"}),
    ],
)
def test_edit_leaving_a_linked_or_delegated_dipp_empty_is_400(
    pool_id: str, fields: dict[str, Any]
) -> None:
    """D10: no IPs while linked (after the edit) or delegated: 400; so is linking to an empty DIPP.

    A's subaccount domains and delegations remain after unlinking the owner's domains.
    """
    eng = new_engine()
    reject(
        eng,
        EditPool(actor(), pool_id, **fields),
        400,
        f"DIPP {pool_id!r} would have no IPs while linked to a domain or delegated to a subaccount",
    )


def test_edit_may_empty_an_unlinked_undelegated_dipp() -> None:
    """D10: a DIPP with no linked domain and no delegation may lose its last IP."""
    eng = new_engine()
    accept_queueing(eng, EditPool(actor(), POOL_E, remove_ips=("198.51.100.6",)), SUCCESS)
    world = base_world()
    assert eng.state.world() == changed(
        world, pools=[attrs.evolve(pool_of(world, POOL_E), ips=frozenset())]
    )
