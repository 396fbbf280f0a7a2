"""The routes of contract version 2 (§9): listing (3.11), pages (3.12), delegation (3.13,
3.14) and a domain's IPs (3.15, 3.16), with D12 and K19-K24, decided by the rules."""

from __future__ import annotations

import attrs
import pytest

from ippools import (
    AssignDomainIp,
    DelegatePool,
    DeletePool,
    DomainUpdate,
    EditPool,
    GetDomainIps,
    GetPool,
    ListPoolDomains,
    ListPools,
    RevokeDelegation,
    SubaccountUpdate,
    World,
)
from ippools.errors import echo
from ippools.rules.listing import page_token, parse_limit, parse_page
from tests.support import (
    POOL_A,
    POOL_B,
    POOL_C,
    SHARED_1,
    SHARED_2,
    SUCCESS,
    accept,
    accept_queueing,
    account,
    actor,
    dedicated,
    domain,
    effective,
    engine,
    ips,
    net,
    pool,
    reject,
    stored,
)

SUB, SIBLING, OTHER = "sub-1", "sub-2", "acct-2"


def world() -> World:
    """acct-1 owns A (.1, delegated to sub-1, linked to dom-1 and sub-1's s-1, s-2), B (.2)
    and the empty C; sub-1 is shared-eligible, sub-2 is not; acct-2 holds the shared-IP
    domain o-1; two shared IPs."""
    return World(
        accounts=[
            account(),
            account(SUB, parent="acct-1", shared=True),
            account(SIBLING, parent="acct-1"),
            account(OTHER, shared=True),
        ],
        dedicated_ips=[*(dedicated(net(n)) for n in (1, 2, 3, 4)), dedicated(net(9), OTHER)],
        shared_ips=[SHARED_1, SHARED_2],
        domains=[
            domain("dom-1", "one.example", ip_texts=[net(1)], pool=POOL_A),
            domain("dom-2", "two.example", ip_texts=[net(3)]),
            domain("s-1", "s1.example", SUB, ip_texts=[net(1)], pool=POOL_A),
            domain("s-2", "s2.example", SUB, ip_texts=[net(1)], pool=POOL_A),
            domain("s-3", "s3.example", SUB, ip_texts=[SHARED_1]),
            domain("o-1", "o.example", OTHER, ip_texts=[SHARED_1]),
        ],
        pools=[
            pool(POOL_A, ip_texts=[net(1)], delegated_to=[SUB]),
            pool(POOL_B, ip_texts=[net(2)]),
            pool(POOL_C),
        ],
    )


def item(pool_id: str, ip_texts: list[str], *, inherited: bool, linked: bool) -> dict[str, object]:
    return {
        "description": "a pool",
        "ips": ip_texts,
        "is_inherited": inherited,
        "is_linked": linked,
        "name": "pool",
        "pool_id": pool_id,
    }


# -- 3.11 ------------------------------------------------------------------------------------


def test_3_11_owner_lists_every_own_pool_by_id_with_its_links() -> None:
    """3.11.2: the owner's view: A is linked (also through its subaccount), B and C are not."""
    eng = engine(world())
    body = {
        "ip_pools": [
            item(POOL_A, [net(1)], inherited=False, linked=True),
            item(POOL_B, [net(2)], inherited=False, linked=False),
            item(POOL_C, [], inherited=False, linked=False),
        ],
        "message": "success",
    }
    accept_queueing(eng, ListPools(actor()), body)


def test_3_11_d12_subaccount_lists_every_inherited_pool_with_its_own_links_only() -> None:
    """3.11.2, D12: a subaccount lists each DIPP delegated to it, ``is_linked`` in its own
    view; a sibling without links sees the same DIPP as not linked."""
    eng = engine(world())
    accept(eng, DelegatePool(actor(), POOL_B, SUB), SUCCESS)
    accept(eng, DelegatePool(actor(), POOL_B, SIBLING), SUCCESS)
    body = {
        "ip_pools": [
            item(POOL_A, [net(1)], inherited=True, linked=True),
            item(POOL_B, [net(2)], inherited=True, linked=False),
        ],
        "message": "success",
    }
    accept(eng, ListPools(actor(SUB)), body)
    sibling = {"ip_pools": [item(POOL_B, [net(2)], inherited=True, linked=False)]}
    accept(eng, ListPools(actor(SIBLING)), sibling | {"message": "success"})


def test_3_11_is_effective_a_deleted_pool_goes_and_its_delegation_moves_at_once() -> None:
    """3.11.2, S2: after 3.6 with a DIPP replacement, before any settle, the deleted DIPP is
    not listed and the replacement is inherited and linked."""
    eng = engine(world())
    accept(eng, DeletePool(actor(), POOL_A, replacement_pool_id=POOL_B), {"message": "started"})
    body = {"ip_pools": [item(POOL_B, [net(2)], inherited=True, linked=True)]}
    accept(eng, ListPools(actor(SUB)), body | {"message": "success"})


# -- 3.12 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"), [(None, 10), ("10", 10), ("010", 10), ("500", 500), ("0000123", 123)]
)
def test_3_12_limit_values(text: str | None, value: int) -> None:
    """3.12.2, K24: ASCII digits, 10 to 500, absent 10, leading zeros allowed."""
    assert parse_limit(text) == value


@pytest.mark.parametrize(
    "text", ["", "9", "501", "-10", "+10", " 10", "1e2", "\uff11\uff10", "10.0", "9" * 5000]
)
def test_3_12_bad_limits_are_400_naming_them(text: str) -> None:
    """3.12.2, K24: anything but ASCII digits for 10..500 is 400, ``limit=`` included."""
    eng = engine(world())
    shown = echo(text)  # K26: a long value is cut to 100 characters
    reject(
        eng,
        ListPoolDomains(actor(), POOL_A, text),
        400,
        f"limit {shown} is not a whole number from 10 to 500",
    )


@pytest.mark.parametrize("domain_id", ["dom-1", "é", "\U0001f600x", "a" * 300])
def test_3_12_tokens_round_trip(domain_id: str) -> None:
    """3.12.3: a token is the id's UTF-8 in base64url without padding, and decodes back."""
    token = page_token(domain_id)
    assert "=" not in token
    assert parse_page(token) == domain_id


@pytest.mark.parametrize(
    "token",
    [
        "",  # empty
        "ZG9tLTE=",  # padding
        "ZG9tLTF",  # unused bits not zero: not canonical
        "Z",  # one character decodes to nothing
        "ZG9t LTE",  # a character outside the alphabet
        "ZG9t+LTE",  # standard base64, not base64url
        "7aCA",  # a UTF-16 surrogate encoded in UTF-8
        "wIA",  # an overlong form
        "_w",  # not UTF-8 at all
    ],
)
def test_3_12_bad_tokens_are_400(token: str) -> None:
    """3.12.3, K24: a token that is not canonical base64url of strict UTF-8 is 400."""
    eng = engine(world())
    reject(
        eng,
        ListPoolDomains(actor(), POOL_A, None, token),
        400,
        f"page {token!r} is not a page token",
    )


def test_3_12_checks_visibility_before_limit_and_page() -> None:
    """3.12.1 before 3.12.2: a bad limit on a DIPP not visible is 404 (C7)."""
    eng = engine(world())
    reject(eng, ListPoolDomains(actor(OTHER), POOL_A, "1", "="), 404, f"DIPP {POOL_A!r} not found")


def test_3_12_pages_walk_each_domain_once_with_paging_links() -> None:
    """3.12.4-5: pages of the owner view by domain id, ``next`` carrying the last id's token,
    an empty page repeating the request's token."""
    eng = engine(world())
    first = f"/v3/ip_pools/{POOL_A}/domains?limit=10"
    outcome = accept(
        eng,
        ListPoolDomains(actor(), POOL_A),
        {
            "domains": [
                {"id": "dom-1", "name": "one.example"},
                {"id": "s-1", "name": "s1.example"},
                {"id": "s-2", "name": "s2.example"},
            ],
            "paging": {"first": first, "next": f"{first}&page={page_token('s-2')}"},
        },
    )
    token = page_token("s-2")
    empty = {"domains": [], "paging": {"first": first, "next": f"{first}&page={token}"}}
    accept(eng, ListPoolDomains(actor(), POOL_A, None, token), empty)
    assert outcome.pending == ()


def test_3_12_subaccount_sees_only_its_own_and_tokens_may_name_missing_ids() -> None:
    """3.12.4: the subaccount view of an inherited DIPP; a token names a position, not a
    domain, so the page after ``s-1x`` (no such domain) starts at ``s-2``."""
    eng = engine(world())
    first = f"/v3/ip_pools/{POOL_A}/domains?limit=10"
    body = {
        "domains": [{"id": "s-2", "name": "s2.example"}],
        "paging": {"first": first, "next": f"{first}&page={page_token('s-2')}"},
    }
    accept(eng, ListPoolDomains(actor(SUB), POOL_A, "010", page_token("s-1x")), body)


# -- 3.13 ------------------------------------------------------------------------------------


def test_3_13_delegates_synchronously_and_again_changes_nothing() -> None:
    """3.13.5-6: the DIPP is delegated now, nothing pending; delegating again is accepted."""
    eng = engine(world())
    accept_queueing(eng, DelegatePool(actor(), POOL_B, SIBLING), SUCCESS)
    assert eng.state.pool(POOL_B) == pool(POOL_B, ip_texts=[net(2)], delegated_to=[SIBLING])
    before = eng.state.world()
    accept_queueing(eng, DelegatePool(actor(), POOL_B, SIBLING), SUCCESS)
    assert eng.state.world() == before


@pytest.mark.parametrize(
    ("who", "pool_id", "subaccount", "status", "message"),
    [
        ("acct-1", POOL_B, None, 400, "field 'subaccount_id' is required"),
        ("acct-1", POOL_B, " ", 400, "field 'subaccount_id' must not be blank, got ' '"),
        (
            "acct-1",
            POOL_B,
            OTHER,
            400,
            "subaccount not found: 'acct-2' is not a subaccount of account 'acct-1'",
        ),
        (
            "acct-1",
            POOL_B,
            " sub-1",
            400,
            "subaccount not found: ' sub-1' is not a subaccount of account 'acct-1'",
        ),
        ("acct-1", POOL_C, SUB, 400, f"DIPP {POOL_C!r} has no IPs and cannot be delegated"),
        (OTHER, POOL_B, SUB, 404, f"DIPP {POOL_B!r} not found"),
        (
            SUB,
            POOL_A,
            SUB,
            403,
            f"DIPP {POOL_A!r} is inherited from the parent account and cannot be changed",
        ),
    ],
)
def test_3_13_refusals_in_step_order(
    who: str, pool_id: str, subaccount: str | None, status: int, message: str
) -> None:
    """3.13.1-4, K21, K24: visible, owned, subaccount_id given and exact, the acting
    account's subaccount, and a DIPP with an IP; each refusal changes nothing."""
    reject(engine(world()), DelegatePool(actor(who), pool_id, subaccount), status, message)


# -- 3.14 ------------------------------------------------------------------------------------


def test_3_14_pool_replacement_relinks_the_subaccounts_domains_and_delegates_it() -> None:
    """3.14.6, K22: s-1 and s-2 are relinked to B with its IPs now; B stays delegated; A is
    no longer; dom-1 (the owner's) keeps A; nothing pending."""
    eng = engine(world())
    accept_queueing(
        eng, RevokeDelegation(actor(), POOL_A, SUB, replacement_pool_id=POOL_B), SUCCESS
    )
    for domain_id, name in (("s-1", "s1.example"), ("s-2", "s2.example")):
        assert stored(eng, domain_id) == domain(
            domain_id, name, SUB, ip_texts=[net(2)], pool=POOL_B
        )
    assert stored(eng, "dom-1").pool_id == POOL_A
    assert eng.state.pool(POOL_A) == pool(POOL_A, ip_texts=[net(1)])
    assert eng.state.pool(POOL_B) == pool(POOL_B, ip_texts=[net(2)], delegated_to=[SUB])


def test_3_14_shared_gives_each_domain_one_shared_ip_in_domain_id_order() -> None:
    """3.14.6, D4: SHARED_1 is held by two domains, SHARED_2 by none: s-1 takes SHARED_2,
    then s-2, counting s-1's choice (1 against 2), takes SHARED_2 as well; A is no longer
    delegated and nothing is pending."""
    eng = engine(world())
    accept_queueing(eng, RevokeDelegation(actor(), POOL_A, SUB, replacement_ip="shared"), SUCCESS)
    assert stored(eng, "s-1") == domain("s-1", "s1.example", SUB, ip_texts=[SHARED_2])
    assert stored(eng, "s-2") == domain("s-2", "s2.example", SUB, ip_texts=[SHARED_2])
    assert eng.state.pool(POOL_A) == pool(POOL_A, ip_texts=[net(1)])


def test_3_14_shared_choices_count_the_earlier_ones() -> None:
    """D4 in 3.14: with SHARED_1 on two domains and SHARED_2 on one, the first domain takes
    SHARED_2 (1 -> 2), the second ties 2-2 and takes the lower address, SHARED_1."""
    base = world()
    more = domain("o-2", "o2.example", OTHER, ip_texts=[SHARED_2])
    eng = engine(attrs.evolve(base, domains=[*base.domains, more]))
    accept(eng, RevokeDelegation(actor(), POOL_A, SUB, replacement_ip="shared"), SUCCESS)
    assert stored(eng, "s-1").ips == ips(SHARED_2)
    assert stored(eng, "s-2").ips == ips(SHARED_1)


def test_3_14_s3_a_stale_subaccount_update_does_not_undo_the_revocation() -> None:
    """3.14.6, S3, S5: an earlier 3.8 queued a subaccount update for sub-1 and A; after the
    revocation it finds nothing to do, and the domains keep B."""
    eng = engine(world())
    accept(eng, EditPool(actor(), POOL_A, add_ips=(net(4),)), SUCCESS)
    assert SubaccountUpdate(SUB, POOL_A) in eng.state.pending
    accept_queueing(
        eng, RevokeDelegation(actor(), POOL_A, SUB, replacement_pool_id=POOL_B), SUCCESS
    )
    eng.settle()
    assert stored(eng, "s-1") == domain("s-1", "s1.example", SUB, ip_texts=[net(2)], pool=POOL_B)
    assert stored(eng, "dom-1").ips == ips(net(1), net(4))


def test_3_14_no_replacement_needs_no_linked_domain() -> None:
    """3.14.5: with linked domains, 400 naming how many; without, the delegation just goes."""
    eng = engine(world())
    reject(
        eng,
        RevokeDelegation(actor(), POOL_A, SUB),
        400,
        f"2 domain(s) of subaccount 'sub-1' are linked to DIPP {POOL_A!r}; "
        "give ip=shared or pool_id",
    )
    accept(eng, DelegatePool(actor(), POOL_B, SIBLING), SUCCESS)
    accept_queueing(eng, RevokeDelegation(actor(), POOL_B, SIBLING), SUCCESS)
    assert eng.state.pool(POOL_B) == pool(POOL_B, ip_texts=[net(2)])


def test_3_14_pool_replacement_delegates_even_without_linked_domains() -> None:
    """K24: 3.14 with pool_id delegates the replacement though no domain moves."""
    eng = engine(world())
    accept(eng, DelegatePool(actor(), POOL_B, SIBLING), SUCCESS)
    accept(eng, EditPool(actor(), POOL_C, add_ips=(net(4),)), SUCCESS)
    accept(eng, RevokeDelegation(actor(), POOL_B, SIBLING, replacement_pool_id=POOL_C), SUCCESS)
    assert eng.state.pool(POOL_C) == pool(POOL_C, ip_texts=[net(4)], delegated_to=[SIBLING])


@pytest.mark.parametrize(
    ("command", "status", "message"),
    [
        (RevokeDelegation(actor(), POOL_A), 400, "field 'subaccount_id' is required"),
        (
            RevokeDelegation(actor(), POOL_A, "", "x", "y"),
            400,
            "field 'subaccount_id' must not be blank, got ''",
        ),
        (
            RevokeDelegation(actor(), POOL_A, "nobody", "shared", POOL_B),
            400,
            "give either ip or pool_id as the replacement of a revoked delegation, not both",
        ),
        (
            RevokeDelegation(actor(), POOL_A, "nobody", "10.0.0.1"),
            400,
            "subaccount not found: 'nobody' is not a subaccount of account 'acct-1'",
        ),
        (
            RevokeDelegation(actor(), POOL_A, SIBLING, "10.0.0.1"),
            400,
            f"DIPP {POOL_A!r} is not delegated to subaccount 'sub-2'",
        ),
        (
            RevokeDelegation(actor(), POOL_A, SUB, replacement_pool_id=""),
            404,
            "DIPP '' not found",
        ),
        (
            RevokeDelegation(actor(), POOL_A, SUB, replacement_pool_id=POOL_A),
            400,
            f"DIPP {POOL_A!r} cannot replace itself when its delegation is revoked",
        ),
        (
            RevokeDelegation(actor(), POOL_A, SUB, replacement_pool_id=POOL_C),
            400,
            f"replacement DIPP {POOL_C!r} has no IPs",
        ),
        (
            RevokeDelegation(actor(), POOL_A, SUB, replacement_ip=net(2)),
            400,
            f"ip {net(2)!r} is not taken when revoking a delegation: only 'shared' "
            "(a subaccount's domain cannot hold its parent's dedicated IP)",
        ),
        (
            RevokeDelegation(actor(SUB), POOL_A, SUB),
            403,
            f"DIPP {POOL_A!r} is inherited from the parent account and cannot be changed",
        ),
    ],
)
def test_3_14_k20_refusals_in_step_order(
    command: RevokeDelegation, status: int, message: str
) -> None:
    """K20: inherited (1), subaccount_id then both replacements (2), the subaccount and its
    delegation (3), the replacement (4); each refusal changes nothing."""
    reject(engine(world()), command, status, message)


def test_3_14_shared_for_a_subaccount_not_eligible_is_400_naming_it() -> None:
    """3.14.4: ``ip=shared`` asks about the subaccount's eligibility, not the parent's."""
    eng = engine(world())
    accept(eng, DelegatePool(actor(), POOL_B, SIBLING), SUCCESS)
    reject(
        eng,
        RevokeDelegation(actor(), POOL_B, SIBLING, replacement_ip="shared"),
        400,
        "subaccount 'sub-2' is not eligible for shared IPs",
    )


# -- 3.15 and 3.16 ---------------------------------------------------------------------------


def test_3_15_reads_the_effective_ips() -> None:
    """3.15.2, S2: after 3.16 links a domain, its IPs are the DIPP's before any settle."""
    eng = engine(world())
    accept(eng, GetDomainIps(actor(), "TWO.example."), {"items": [net(3)], "total_count": 1})
    accept_queueing(
        eng,
        AssignDomainIp(actor(), "two.example", pool_id=POOL_B),
        SUCCESS,
        [DomainUpdate("dom-2")],
    )
    accept(eng, GetDomainIps(actor(), "two.example"), {"items": [net(2)], "total_count": 1})
    reject(eng, GetDomainIps(actor(OTHER), "two.example"), 404, "domain 'two.example' not found")


def test_3_16_ip_joins_synchronously_and_again_changes_nothing() -> None:
    """3.16.3: a free dedicated IP joins now; shared IPs held stay; again: nothing changes."""
    eng = engine(world())
    accept_queueing(eng, AssignDomainIp(actor(), "two.example", ip=net(4)), SUCCESS)
    assert stored(eng, "dom-2") == domain("dom-2", "two.example", ip_texts=[net(3), net(4)])
    accept_queueing(eng, AssignDomainIp(actor(), "two.example", ip=net(4)), SUCCESS)


def test_3_16_pool_link_moves_and_already_linked_changes_nothing() -> None:
    """3.16.2, D9: linking moves dom-1 from A to B (one domain update); linking again is
    accepted with nothing pending; a subaccount links to an inherited DIPP."""
    eng = engine(world())
    accept_queueing(
        eng,
        AssignDomainIp(actor(), "one.example", pool_id=POOL_B),
        SUCCESS,
        [DomainUpdate("dom-1")],
    )
    assert effective(eng, "dom-1") == domain("dom-1", "one.example", ip_texts=[net(2)], pool=POOL_B)
    accept_queueing(eng, AssignDomainIp(actor(), "one.example", pool_id=POOL_B), SUCCESS)
    accept_queueing(
        eng,
        AssignDomainIp(actor(SUB), "s3.example", pool_id=POOL_A),
        SUCCESS,
        [DomainUpdate("s-3")],
    )
    accept(eng, GetPool(actor(SUB), POOL_A), _details_sub())


def _details_sub() -> dict[str, object]:
    return {
        "details": {
            "description": "a pool",
            "ips": [net(1)],
            "is_linked": True,
            "linked_domains": ["s1.example", "s2.example", "s3.example"],
            "name": "pool",
            "pool_id": POOL_A,
        },
        "message": "success",
    }


@pytest.mark.parametrize(
    ("command", "status", "message"),
    [
        (
            AssignDomainIp(actor(), "none.example"),
            400,
            "exactly one of the form fields ip and pool_id is required",
        ),
        (
            AssignDomainIp(actor(), "none.example", ip="x", pool_id=POOL_B),
            400,
            "exactly one of the form fields ip and pool_id is required",
        ),
        (
            AssignDomainIp(actor(), "none.example", pool_id="x"),
            404,
            "domain 'none.example' not found",
        ),
        (AssignDomainIp(actor(), "two.example", pool_id=""), 404, "DIPP '' not found"),
        (
            AssignDomainIp(actor(), "two.example", pool_id=POOL_C),
            400,
            f"DIPP {POOL_C!r} has no IPs and cannot be linked to a domain",
        ),
        (AssignDomainIp(actor(), "two.example", ip=""), 400, "IP '' is not a valid IP address"),
        (
            AssignDomainIp(actor(), "two.example", ip=SHARED_1),
            400,
            f"IP {SHARED_1} is not a dedicated IP of account 'acct-1'",
        ),
        (
            AssignDomainIp(actor(), "two.example", ip=net(2)),
            400,
            f"IP {net(2)} belongs to DIPP {POOL_B!r}",
        ),
        (
            AssignDomainIp(actor(), "one.example", ip=net(4)),
            400,
            f"domain 'one.example' is linked to DIPP {POOL_A!r}; its IPs are managed by the DIPP",
        ),
    ],
)
def test_3_16_k20_refusals_in_step_order(
    command: AssignDomainIp, status: int, message: str
) -> None:
    """K20: exactly one field, then the domain, then step 2 or 3 in the order written."""
    reject(engine(world()), command, status, message)


def test_3_16_pool_id_needs_the_dipps_feature_before_the_domain() -> None:
    """K20: with pool_id, the DIPPs feature (403) comes before the domain lookup (404)."""
    base = world()
    no_dipps = attrs.evolve(base, accounts=[*base.accounts, account("acct-9", dipps=False)])
    eng = engine(no_dipps)
    reject(
        eng,
        AssignDomainIp(actor("acct-9"), "none.example", pool_id=POOL_B),
        403,
        "account 'acct-9' does not have the DIPPs feature",
    )
    reject(
        eng,
        AssignDomainIp(actor("acct-9"), "none.example", ip=net(4)),
        404,
        "domain 'none.example' not found",
    )
