"""Example tests of the domain routes (3.1-3.3) at the level of commands.

3.1 removes one IP from a domain, 3.2 removes the domain, 3.3 unlinks its DIPP.
All three are synchronous: an accepted one leaves nothing pending (S4) and acts
on the domain's effective state (S3). Every rejection is checked to change
nothing: stored world, effective world and pending queue are as before.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from ippools import (
    Accepted,
    Actor,
    AddPoolIp,
    Command,
    DeletePool,
    DomainUpdate,
    EditPool,
    Engine,
    GetPool,
    MemoryState,
    RemoveDomainIp,
    RemoveDomainPool,
    SubaccountUpdate,
    UnlinkDomainPool,
    World,
)
from tests.support import (
    DEDICATED_1,
    DEDICATED_2,
    DEDICATED_3,
    DEDICATED_4,
    DEDICATED_5,
    DEDICATED_9,
    NO_DIPPS,
    POOL_A,
    POOL_B,
    POOL_C,
    SHARED_1,
    SHARED_2,
    SHARED_3,
    SUCCESS,
    accept_queueing,
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

DEDICATED_20 = "198.51.100.20"
WARMUP_1 = "198.51.100.101"
WARMUP_2 = "198.51.100.102"
SHARED_10 = "203.0.113.10"
POOL_S = "5" * 24


def accept(
    eng: Engine[MemoryState], command: Command, body: dict[str, Any] | None = None
) -> Accepted:
    """Execute a domain command and expect it accepted with ``body``, leaving nothing pending.

    ``body`` is ``{"message": "success"}`` unless given; S4: 3.1-3.3 leave nothing pending.
    """
    return accept_queueing(eng, command, SUCCESS if body is None else body)


def settled_as(eng: Engine[MemoryState], world: World) -> None:
    """The stored world is ``world`` and so is the effective one (nothing left to do)."""
    assert eng.state.world() == world
    assert eng.state.effective_world() == world


def simple_world(*, shared: bool = False) -> World:
    """acct-1 with dom-1 {DEDICATED_1, DEDICATED_2} unlinked and dom-2 linked to POOL_A
    {DEDICATED_3}; DEDICATED_4, DEDICATED_5 free."""
    return World(
        accounts=[account(shared=shared), account("acct-2")],
        dedicated_ips=[
            dedicated(DEDICATED_1),
            dedicated(DEDICATED_2),
            dedicated(DEDICATED_3),
            dedicated(DEDICATED_4),
            dedicated(DEDICATED_5),
            dedicated(DEDICATED_9, "acct-2"),
        ],
        shared_ips=[ip(SHARED_1), ip(SHARED_2)],
        domains=[
            domain("dom-1", "example.com", ip_texts=[DEDICATED_1, DEDICATED_2]),
            domain("dom-2", "linked.example", ip_texts=[DEDICATED_3], pool=POOL_A),
        ],
        pools=[pool(POOL_A, ip_texts=[DEDICATED_3]), pool(POOL_C)],
    )


# == 3.1 remove one IP from a domain ==========================================================


def test_3_1_removes_the_ip_synchronously() -> None:
    """3.1.6, 3.1.9, S4: the IP leaves the stored domain at once; 200 success; nothing pending."""
    world = simple_world()
    eng = engine(world)
    accept(eng, RemoveDomainIp(actor(), "example.com", DEDICATED_1))
    settled_as(eng, with_domains(world, domain("dom-1", "example.com", ip_texts=[DEDICATED_2])))


def test_3_1_invalid_ip_segment_is_checked_before_the_domain() -> None:
    """K1, C5: the `{ip}` segment is checked before step 3.1.1, so an unknown domain with a bad IP
    is 400."""
    reject(
        engine(simple_world()),
        RemoveDomainIp(actor(), "nowhere.example", "198.51.100.1 "),
        400,
        "IP '198.51.100.1 ' is not a valid IP address",
    )


def test_3_1_1_unknown_domain_is_404() -> None:
    """3.1.1: removing an IP from a domain that does not exist is 404 naming it."""
    reject(
        engine(simple_world()),
        RemoveDomainIp(actor(), "nowhere.example", DEDICATED_1),
        404,
        "domain 'nowhere.example' not found",
    )


@pytest.mark.parametrize("ip_text", [DEDICATED_3, DEDICATED_1, "2001:db8::1"])
def test_3_1_2_domain_linked_to_a_dipp_is_400_before_the_ip_check(ip_text: str) -> None:
    """3.1.2, K1: a linked domain is 400 (IPs managed by the DIPP), even if the IP is not on it."""
    reject(
        engine(simple_world()),
        RemoveDomainIp(actor(), "linked.example", ip_text),
        400,
        f"domain 'linked.example' is linked to DIPP {POOL_A!r}; its IPs are managed by the DIPP",
    )


def test_3_1_3_ip_not_on_the_domain_is_404_before_the_replacement_checks() -> None:
    """3.1.3, K1: an IP the domain does not hold is 404, before any replacement or pool_id
    check."""
    eng = engine(simple_world())
    message = f"IP {DEDICATED_4} is not an IP of domain 'example.com'"
    reject(eng, RemoveDomainIp(actor(), "example.com", DEDICATED_4), 404, message)
    reject(
        eng,
        RemoveDomainIp(
            actor(), "example.com", DEDICATED_4, replacement_ip="bad", replacement_pool_id=POOL_A
        ),
        404,
        message,
    )
    reject(
        eng,
        RemoveDomainIp(actor(), "example.com", DEDICATED_4, replacement_ip="shared"),
        404,
        message,
    )


def test_3_1_4_replacement_dedicated_ip_joins_the_domain() -> None:
    """3.1.4, 3.1.6: a free dedicated IP of the account given as `ip` joins as the other leaves."""
    world = simple_world()
    eng = engine(world)
    accept(eng, RemoveDomainIp(actor(), "example.com", DEDICATED_1, replacement_ip=DEDICATED_4))
    settled_as(
        eng,
        with_domains(world, domain("dom-1", "example.com", ip_texts=[DEDICATED_2, DEDICATED_4])),
    )


def test_3_1_4_replacement_lets_the_only_ip_go() -> None:
    """3.1.4, 3.1.5: with a replacement, even the only IP of a non-eligible account's domain
    goes."""
    world = attrs.evolve(
        simple_world(), domains=[domain("dom-1", "example.com", ip_texts=[DEDICATED_1])]
    )
    eng = engine(world)
    accept(eng, RemoveDomainIp(actor(), "example.com", DEDICATED_1, replacement_ip=DEDICATED_5))
    settled_as(eng, with_domains(world, domain("dom-1", "example.com", ip_texts=[DEDICATED_5])))


@pytest.mark.parametrize(
    ("replacement", "message"),
    [
        ("198.51.100.04", "replacement IP '198.51.100.04' is not a valid IP address"),
        ("SHARED", "replacement IP 'SHARED' is not a valid IP address"),
        (" 198.51.100.4", "replacement IP ' 198.51.100.4' is not a valid IP address"),
        ("2001:db8::1%eth0", "replacement IP '2001:db8::1%eth0' is not a valid IP address"),
        (DEDICATED_1, "replacement IP 198.51.100.1 is the IP being removed"),
        (DEDICATED_3, f"IP {DEDICATED_3} belongs to DIPP {POOL_A!r}"),
        (DEDICATED_9, f"IP {DEDICATED_9} is not a dedicated IP of account 'acct-1'"),
        ("192.0.2.55", "IP 192.0.2.55 is not a dedicated IP of account 'acct-1'"),
        (SHARED_1, f"IP {SHARED_1} is not a dedicated IP of account 'acct-1'"),
    ],
)
@pytest.mark.parametrize("eligible", [False, True])
def test_3_1_4_bad_replacement_is_400(replacement: str, message: str, eligible: bool) -> None:
    """3.1.4, K2, K4: a replacement that is invalid, the removed IP, in a DIPP, not the
    account's, or a literal shared address is 400 naming it."""
    reject(
        engine(simple_world(shared=eligible)),
        RemoveDomainIp(actor(), "example.com", DEDICATED_1, replacement_ip=replacement),
        400,
        message,
    )


def test_3_1_4_replacement_equal_to_the_removed_ip_in_another_spelling_is_400() -> None:
    """3.1.4, C5: the removed IP given again in another IPv6 spelling is still the same IP: 400."""
    world = World(
        accounts=[account()],
        dedicated_ips=[dedicated("2001:db8::1"), dedicated(DEDICATED_2)],
        domains=[domain("dom-1", "example.com", ip_texts=["2001:db8::1", DEDICATED_2])],
    )
    reject(
        engine(world),
        RemoveDomainIp(actor(), "example.com", "2001:db8::1", replacement_ip="2001:DB8:0::1"),
        400,
        "replacement IP 2001:db8::1 is the IP being removed",
    )


def test_3_1_4_shared_replacement_needs_a_shared_eligible_account() -> None:
    """3.1.4: `ip=shared` from an account that is not shared-eligible is 403."""
    reject(
        engine(simple_world()),
        RemoveDomainIp(actor(), "example.com", DEDICATED_1, replacement_ip="shared"),
        403,
        "account 'acct-1' is not eligible for shared IPs",
    )


def test_3_1_4_pool_id_is_not_taken() -> None:
    """3.1.4: `pool_id` on 3.1 is 400 naming it."""
    reject(
        engine(simple_world()),
        RemoveDomainIp(actor(), "example.com", DEDICATED_1, replacement_pool_id=POOL_A),
        400,
        f"pool_id {POOL_A!r} is not taken when removing an IP from a domain",
    )


def test_3_1_4_replacement_checks_come_before_the_pool_id_check() -> None:
    """3.1.4, K1: inside the step, the replacement is judged first (403 or 400), then pool_id."""
    eng = engine(simple_world())
    reject(
        eng,
        RemoveDomainIp(
            actor(), "example.com", DEDICATED_1, replacement_ip="shared", replacement_pool_id=POOL_A
        ),
        403,
        "account 'acct-1' is not eligible for shared IPs",
    )
    reject(
        eng,
        RemoveDomainIp(
            actor(), "example.com", DEDICATED_1, replacement_ip="x", replacement_pool_id=POOL_A
        ),
        400,
        "replacement IP 'x' is not a valid IP address",
    )


def test_k9_replacement_already_on_the_domain_is_accepted_and_adds_nothing() -> None:
    """K9, 3.1.4: a replacement the domain already holds is accepted; the join changes nothing."""
    world = simple_world()
    eng = engine(world)
    accept(eng, RemoveDomainIp(actor(), "example.com", DEDICATED_1, replacement_ip=DEDICATED_2))
    settled_as(eng, with_domains(world, domain("dom-1", "example.com", ip_texts=[DEDICATED_2])))


def test_k9_gives_way_to_3_1_4_for_a_replacement_held_but_in_a_dipp() -> None:
    """K9, 3.1.4, our decision: a domain unlinked by PATCH keeps its DIPP's IPs (K10); one of
    those as the replacement is refused as in a DIPP (3.1.4, checked in the order written),
    although the domain holds it, and nothing changes."""
    world = attrs.evolve(
        simple_world(),
        domains=[
            domain("dom-1", "example.com", ip_texts=[DEDICATED_1, DEDICATED_2]),
            domain("dom-2", "linked.example", ip_texts=[DEDICATED_3, DEDICATED_4], pool=POOL_A),
        ],
        pools=[pool(POOL_A, ip_texts=[DEDICATED_3, DEDICATED_4]), pool(POOL_C)],
    )
    eng = engine(world)
    accept(eng, EditPool(actor(), POOL_A, unlink_domain_ids=("dom-2",)))
    reject(
        eng,
        RemoveDomainIp(actor(), "linked.example", DEDICATED_3, replacement_ip=DEDICATED_4),
        400,
        f"IP {DEDICATED_4} belongs to DIPP {POOL_A!r}",
    )


def test_3_1_5_last_ip_without_replacement_is_400_for_a_non_eligible_account() -> None:
    """3.1.5: a non-eligible account cannot remove its domain's only IP without a replacement,
    even when a D1 top-up candidate exists (step 5 comes before step 7)."""
    world = attrs.evolve(
        simple_world(), domains=[domain("dom-1", "example.com", ip_texts=[DEDICATED_1])]
    )
    reject(
        engine(world),
        RemoveDomainIp(actor(), "example.com", DEDICATED_1),
        400,
        "IP 198.51.100.1 is the last IP of domain 'example.com' and account 'acct-1' "
        "is not eligible for shared IPs",
    )


# -- D1 warmup top-up ------------------------------------------------------------------------


def warmup_world(
    *, shared: bool = False, extra: tuple[str, ...] = (DEDICATED_9, DEDICATED_20, "::9")
) -> World:
    """dom-1 holds DEDICATED_1 and WARMUP_1 (warmup). The account also has WARMUP_2 (warmup),
    DEDICATED_3 in POOL_A, and the free non-warmup IPs in ``extra``; acct-2 has DEDICATED_5 (free,
    non-warmup, lower than DEDICATED_9)."""
    return World(
        accounts=[account(shared=shared), account("acct-2")],
        dedicated_ips=[
            dedicated(DEDICATED_1),
            dedicated(WARMUP_1, warmup=True),
            dedicated(WARMUP_2, warmup=True),
            dedicated(DEDICATED_3),
            dedicated(DEDICATED_5, "acct-2"),
            *(dedicated(t) for t in extra),
        ],
        shared_ips=[ip(SHARED_1)],
        domains=[domain("dom-1", "example.com", ip_texts=[DEDICATED_1, WARMUP_1])],
        pools=[pool(POOL_A, ip_texts=[DEDICATED_3])],
    )


def test_d1_warmup_only_domain_gets_the_lowest_free_non_warmup_ip() -> None:
    """D1, C5: left with only warmup IPs, the domain gets the account's lowest (numeric, IPv4 first)
    non-warmup dedicated IP in no DIPP: not DEDICATED_3 (in a DIPP), not the removed DEDICATED_1,
    not another account's DEDICATED_5, not `::9`, and .9 before .20."""
    world = warmup_world()
    eng = engine(world)
    accept(eng, RemoveDomainIp(actor(), "example.com", DEDICATED_1))
    settled_as(
        eng, with_domains(world, domain("dom-1", "example.com", ip_texts=[WARMUP_1, DEDICATED_9]))
    )


def test_d1_ipv4_comes_before_a_numerically_smaller_ipv6() -> None:
    """D1, C5: C5 order puts every IPv4 before every IPv6, whatever their numeric values."""
    world = warmup_world(extra=("::9", DEDICATED_20))
    eng = engine(world)
    accept(eng, RemoveDomainIp(actor(), "example.com", DEDICATED_1))
    settled_as(
        eng, with_domains(world, domain("dom-1", "example.com", ip_texts=[WARMUP_1, DEDICATED_20]))
    )


def test_d1_adds_nothing_when_no_candidate_exists() -> None:
    """D1: with no free non-warmup dedicated IP (only one in a DIPP, one of another account),
    nothing is added."""
    world = warmup_world(extra=())
    world = attrs.evolve(
        world,
        dedicated_ips=[d for d in world.dedicated_ips if d.ip != ip(DEDICATED_1)],
        domains=[domain("dom-1", "example.com", ip_texts=[WARMUP_1, WARMUP_2])],
    )
    eng = engine(world)
    accept(eng, RemoveDomainIp(actor(), "example.com", WARMUP_2))
    settled_as(eng, with_domains(world, domain("dom-1", "example.com", ip_texts=[WARMUP_1])))


def test_d1_never_picks_the_removed_ip() -> None:
    """D1: the IP being removed is never the top-up, even when it is the only free non-warmup
    IP of the account."""
    world = warmup_world(extra=())
    eng = engine(world)
    accept(eng, RemoveDomainIp(actor(), "example.com", DEDICATED_1))
    settled_as(eng, with_domains(world, domain("dom-1", "example.com", ip_texts=[WARMUP_1])))


def test_d1_does_not_apply_to_a_shared_eligible_account() -> None:
    """D1: a shared-eligible account's domain left with warmup IPs only gets no top-up."""
    world = warmup_world(shared=True)
    eng = engine(world)
    accept(eng, RemoveDomainIp(actor(), "example.com", DEDICATED_1))
    settled_as(eng, with_domains(world, domain("dom-1", "example.com", ip_texts=[WARMUP_1])))


def test_d1_does_not_apply_while_a_non_warmup_ip_remains() -> None:
    """D1: if any IP left on the domain is not on warmup, nothing is added."""
    world = attrs.evolve(
        warmup_world(),
        domains=[domain("dom-1", "example.com", ip_texts=[DEDICATED_1, DEDICATED_20, WARMUP_1])],
    )
    eng = engine(world)
    accept(eng, RemoveDomainIp(actor(), "example.com", DEDICATED_1))
    settled_as(
        eng, with_domains(world, domain("dom-1", "example.com", ip_texts=[DEDICATED_20, WARMUP_1]))
    )


def test_d1_warmup_replacement_triggers_the_top_up() -> None:
    """D1, 3.1.4: a warmup replacement leaving only warmup IPs is topped up too."""
    world = attrs.evolve(
        warmup_world(), domains=[domain("dom-1", "example.com", ip_texts=[DEDICATED_1])]
    )
    eng = engine(world)
    accept(eng, RemoveDomainIp(actor(), "example.com", DEDICATED_1, replacement_ip=WARMUP_2))
    settled_as(
        eng, with_domains(world, domain("dom-1", "example.com", ip_texts=[DEDICATED_9, WARMUP_2]))
    )


# -- D2 never empty and D4 shared choice -----------------------------------------------------


def shared_world(*, usage: dict[str, int], dom1: tuple[str, ...] = (DEDICATED_1,)) -> World:
    """acct-1 (eligible) has dom-1 holding ``dom1``; acct-2 (eligible) has ``usage[s]`` domains
    holding each shared IP ``s``. Shared IPs: S1, S2, S3, S10."""
    others = [
        domain(f"dom-{s}-{n}", f"d{n}.s{s.rsplit('.', 1)[1]}.example", "acct-2", ip_texts=[s])
        for s, count in usage.items()
        for n in range(count)
    ]
    return World(
        accounts=[account(shared=True), account("acct-2", shared=True)],
        dedicated_ips=[dedicated(DEDICATED_1), dedicated(DEDICATED_2)],
        shared_ips=[ip(SHARED_1), ip(SHARED_2), ip(SHARED_3), ip(SHARED_10)],
        domains=[domain("dom-1", "example.com", ip_texts=dom1), *others],
    )


def test_d2_eligible_accounts_emptied_domain_gets_one_shared_ip() -> None:
    """D2, D4: removing the only IP of an eligible account's domain gives it one shared IP,
    the one held by the fewest domains of the whole platform."""
    world = shared_world(usage={SHARED_1: 2, SHARED_2: 1, SHARED_3: 0, SHARED_10: 0})
    eng = engine(world)
    accept(eng, RemoveDomainIp(actor(), "example.com", DEDICATED_1))
    settled_as(eng, with_domains(world, domain("dom-1", "example.com", ip_texts=[SHARED_3])))


def test_d2_not_applied_when_a_replacement_is_given() -> None:
    """D2: a replacement keeps the domain non-empty, so no shared IP is added."""
    world = shared_world(usage={})
    eng = engine(world)
    accept(eng, RemoveDomainIp(actor(), "example.com", DEDICATED_1, replacement_ip=DEDICATED_2))
    settled_as(eng, with_domains(world, domain("dom-1", "example.com", ip_texts=[DEDICATED_2])))


def test_d2_never_gives_back_the_removed_shared_ip() -> None:
    """D2, D4: removing the domain's only (shared) IP gives it another shared IP, never that one,
    even though it is the least used."""
    world = shared_world(usage={SHARED_2: 3, SHARED_3: 3, SHARED_10: 3}, dom1=(SHARED_1,))
    eng = engine(world)
    accept(eng, RemoveDomainIp(actor(), "example.com", SHARED_1))
    settled_as(eng, with_domains(world, domain("dom-1", "example.com", ip_texts=[SHARED_2])))


def test_d2_no_shared_ip_available_is_400() -> None:
    """D2, D4: when the only shared IP is the one removed, `no shared IP available` (400)."""
    world = attrs.evolve(shared_world(usage={}, dom1=(SHARED_1,)), shared_ips=[ip(SHARED_1)])
    reject(
        engine(world),
        RemoveDomainIp(actor(), "example.com", SHARED_1),
        400,
        "no shared IP available",
    )


def test_d4_fewest_domains_wins_over_lower_address() -> None:
    """D4, 3.1.6: `ip=shared` takes the shared IP held by the fewest domains platform-wide."""
    world = shared_world(usage={SHARED_1: 2, SHARED_2: 2, SHARED_3: 1, SHARED_10: 2})
    eng = engine(world)
    accept(eng, RemoveDomainIp(actor(), "example.com", DEDICATED_1, replacement_ip="shared"))
    settled_as(eng, with_domains(world, domain("dom-1", "example.com", ip_texts=[SHARED_3])))


def test_d4_ties_go_to_the_lowest_address_numerically() -> None:
    """D4, C5: on a tie the lowest address wins, numerically (.2 before .10)."""
    world = shared_world(usage={SHARED_1: 1, SHARED_2: 0, SHARED_3: 1, SHARED_10: 0})
    eng = engine(world)
    accept(eng, RemoveDomainIp(actor(), "example.com", DEDICATED_1, replacement_ip="shared"))
    settled_as(eng, with_domains(world, domain("dom-1", "example.com", ip_texts=[SHARED_2])))


def test_d4_never_picks_an_ip_the_domain_holds() -> None:
    """D4: a shared IP already on the domain is not a candidate, though it is the least used."""
    world = shared_world(
        usage={SHARED_2: 1, SHARED_3: 2, SHARED_10: 2}, dom1=(DEDICATED_1, SHARED_1)
    )
    eng = engine(world)
    accept(eng, RemoveDomainIp(actor(), "example.com", DEDICATED_1, replacement_ip="shared"))
    settled_as(
        eng, with_domains(world, domain("dom-1", "example.com", ip_texts=[SHARED_1, SHARED_2]))
    )


def test_d4_never_picks_the_ip_being_removed() -> None:
    """D4: `ip=shared` while removing a shared IP never gives that same IP back."""
    world = shared_world(
        usage={SHARED_2: 2, SHARED_3: 2, SHARED_10: 1}, dom1=(DEDICATED_1, SHARED_1)
    )
    eng = engine(world)
    accept(eng, RemoveDomainIp(actor(), "example.com", SHARED_1, replacement_ip="shared"))
    settled_as(
        eng, with_domains(world, domain("dom-1", "example.com", ip_texts=[DEDICATED_1, SHARED_10]))
    )


def test_d4_no_shared_ip_available_for_a_shared_replacement_is_400() -> None:
    """D4: `ip=shared` when every shared IP is held by the domain: `no shared IP available`."""
    world = attrs.evolve(
        shared_world(usage={}, dom1=(DEDICATED_1, SHARED_1)), shared_ips=[ip(SHARED_1)]
    )
    reject(
        engine(world),
        RemoveDomainIp(actor(), "example.com", DEDICATED_1, replacement_ip="shared"),
        400,
        "no shared IP available",
    )


def test_d4_eligibility_is_checked_before_availability() -> None:
    """D4, 3.1.4: with no shared IP at all, a non-eligible account still gets the 403."""
    world = attrs.evolve(simple_world(), shared_ips=[])
    reject(
        engine(world),
        RemoveDomainIp(actor(), "example.com", DEDICATED_1, replacement_ip="shared"),
        403,
        "account 'acct-1' is not eligible for shared IPs",
    )


def test_d4_counts_usage_in_the_effective_state() -> None:
    """D4, S2: shared IPs given by a DIPP deletion not yet settled already count as held."""
    world = World(
        accounts=[account(shared=True)],
        dedicated_ips=[dedicated(DEDICATED_1), dedicated(DEDICATED_3)],
        shared_ips=[ip(SHARED_1), ip(SHARED_2)],
        domains=[
            domain("dom-1", "example.com", ip_texts=[DEDICATED_1]),
            domain("dom-2", "linked.example", ip_texts=[DEDICATED_3], pool=POOL_A),
        ],
        pools=[pool(POOL_A, ip_texts=[DEDICATED_3])],
    )
    eng = engine(world)
    deleted = eng.execute(DeletePool(actor(), POOL_A, replacement_ip="shared"))
    assert isinstance(deleted, Accepted)
    assert eng.state.pending == (DomainUpdate("dom-2"),)
    accept(eng, RemoveDomainIp(actor(), "example.com", DEDICATED_1, replacement_ip="shared"))
    assert eng.settle() == 1
    settled_as(
        eng,
        World(
            accounts=world.accounts,
            dedicated_ips=world.dedicated_ips,
            shared_ips=world.shared_ips,
            domains=[
                domain("dom-1", "example.com", ip_texts=[SHARED_2]),
                domain("dom-2", "linked.example", ip_texts=[SHARED_1]),
            ],
        ),
    )


# == 3.2 remove the domain =================================================================


def test_3_2_removes_the_domain_with_its_ips_and_link() -> None:
    """3.2.2, 3.2.3, S4: the domain leaves the system at once, linked or not; 200 success."""
    world = simple_world()
    eng = engine(world)
    accept(eng, RemoveDomainPool(actor(), "linked.example"))
    settled_as(eng, with_domains(world, removed=("dom-2",)))
    accept(eng, GetPool(actor(), POOL_A), pool_details(POOL_A, [DEDICATED_3], []))


def test_3_2_a_later_command_cannot_find_the_domain() -> None:
    """3.2.2: after removal every domain route answers 404 for it, and PATCH cannot link it."""
    world = simple_world()
    eng = engine(world)
    accept(eng, RemoveDomainPool(actor(), "example.com"))
    gone = "domain 'example.com' not found"
    reject(eng, RemoveDomainPool(actor(), "example.com"), 404, gone)
    reject(eng, RemoveDomainIp(actor(), "example.com", DEDICATED_1), 404, gone)
    reject(eng, UnlinkDomainPool(actor(), "example.com", replacement_ip=DEDICATED_4), 404, gone)
    reject(
        eng,
        EditPool(actor(), POOL_A, link_domain_ids=("dom-1",)),
        400,
        "link_domain 'dom-1' is not the id of a domain of account 'acct-1'",
    )


def test_3_2_unknown_domain_is_404_before_query_parameters() -> None:
    """3.2.1, K1: an unknown domain is 404 even when query parameters are given."""
    reject(
        engine(simple_world()),
        RemoveDomainPool(
            actor(), "nowhere.example", replacement_ip=DEDICATED_1, replacement_pool_id=POOL_A
        ),
        404,
        "domain 'nowhere.example' not found",
    )


@pytest.mark.parametrize(
    ("replacement", "pool_id", "message"),
    [
        (
            DEDICATED_4,
            None,
            "query parameter ip='198.51.100.4' is not taken when removing a domain pool",
        ),
        ("shared", None, "query parameter ip='shared' is not taken when removing a domain pool"),
        (
            None,
            POOL_C,
            f"query parameter pool_id={POOL_C!r} is not taken when removing a domain pool",
        ),
        (
            DEDICATED_4,
            POOL_C,
            "query parameter ip='198.51.100.4' is not taken when removing a domain pool",
        ),
    ],
)
def test_3_2_any_query_parameter_is_400(
    replacement: str | None, pool_id: str | None, message: str
) -> None:
    """3.2.1: on a known domain, any query parameter (`ip`, `pool_id`) is 400 naming it."""
    reject(
        engine(simple_world()),
        RemoveDomainPool(
            actor(), "linked.example", replacement_ip=replacement, replacement_pool_id=pool_id
        ),
        400,
        message,
    )


def test_3_2_pending_updates_for_a_removed_domain_still_count_as_processed() -> None:
    """3.2, S5: domain and subaccount updates queued for a removed domain are counted when
    processed and bring nothing back."""
    world = World(
        accounts=[account(), account("sub-1", parent="acct-1")],
        dedicated_ips=[dedicated(DEDICATED_1), dedicated(DEDICATED_2)],
        domains=[
            domain("dom-1", "linked.example", ip_texts=[DEDICATED_1], pool=POOL_A),
            domain("dom-s", "sub.example", "sub-1", ip_texts=[DEDICATED_1], pool=POOL_A),
        ],
        pools=[pool(POOL_A, ip_texts=[DEDICATED_1], delegated_to=["sub-1"])],
    )
    eng = engine(world)
    added = eng.execute(AddPoolIp(actor(), POOL_A, DEDICATED_2))
    assert isinstance(added, Accepted)
    queued = (DomainUpdate("dom-1"), SubaccountUpdate("sub-1", POOL_A))
    assert eng.state.pending == queued
    accept(eng, RemoveDomainPool(actor(), "linked.example"))
    accept(eng, RemoveDomainPool(Actor("sub-1", "ops@example.com", "cli"), "SUB.example."))
    assert eng.state.pending == queued
    assert eng.settle() == 2
    assert eng.state.pending_count == 0
    settled_as(
        eng,
        World(
            accounts=world.accounts,
            dedicated_ips=world.dedicated_ips,
            pools=[pool(POOL_A, ip_texts=[DEDICATED_1, DEDICATED_2], delegated_to=["sub-1"])],
        ),
    )


def test_3_2_frees_the_shared_ip_usage_of_the_removed_domain() -> None:
    """3.2, D4: a removed domain no longer counts as holding its shared IP (SHARED_2 drops to 0 and
    is chosen over SHARED_1, which would win the tie otherwise)."""
    world = shared_world(usage={SHARED_1: 1, SHARED_3: 1, SHARED_10: 1}, dom1=(DEDICATED_1,))
    world = with_domains(world, domain("dom-0", "gone.example", "acct-2", ip_texts=[SHARED_2]))
    eng = engine(world)
    accept(eng, RemoveDomainPool(Actor("acct-2", "ops@example.com", "cli"), "gone.example"))
    accept(eng, RemoveDomainIp(actor(), "example.com", DEDICATED_1, replacement_ip="shared"))
    settled_as(
        eng,
        with_domains(
            world, domain("dom-1", "example.com", ip_texts=[SHARED_2]), removed=("dom-0",)
        ),
    )


# == 3.3 unlink the DIPP from a domain ===========================================================


def unlink_world(*, shared: bool = False) -> World:
    """dom-2 linked to POOL_A {DEDICATED_3, DEDICATED_4}; POOL_B {DEDICATED_5}; POOL_C empty;
    acct-2's POOL_S {DEDICATED_9}; DEDICATED_1, DEDICATED_2 free (DEDICATED_1 on unlinked dom-1);
    WARMUP_1 free on warmup."""
    return World(
        accounts=[account(shared=shared), account("acct-2", shared=True)],
        dedicated_ips=[
            dedicated(DEDICATED_1),
            dedicated(DEDICATED_2),
            dedicated(DEDICATED_3),
            dedicated(DEDICATED_4),
            dedicated(DEDICATED_5),
            dedicated(WARMUP_1, warmup=True),
            dedicated(DEDICATED_9, "acct-2"),
        ],
        shared_ips=[ip(SHARED_1), ip(SHARED_2)],
        domains=[
            domain("dom-1", "example.com", ip_texts=[DEDICATED_1]),
            domain("dom-2", "linked.example", ip_texts=[DEDICATED_3, DEDICATED_4], pool=POOL_A),
            domain("dom-9", "other.example", "acct-2", ip_texts=[SHARED_1]),
        ],
        pools=[
            pool(POOL_A, ip_texts=[DEDICATED_3, DEDICATED_4]),
            pool(POOL_B, ip_texts=[DEDICATED_5]),
            pool(POOL_C),
            pool(POOL_S, "acct-2", ip_texts=[DEDICATED_9]),
        ],
    )


EXACTLY_ONE = "exactly one of the query parameters ip and pool_id is required to unlink a DIPP"


def no_dipps(world: World) -> World:
    return attrs.evolve(
        world,
        accounts=[attrs.evolve(a, dipps=False) if a.id == "acct-1" else a for a in world.accounts],
    )


@pytest.mark.parametrize(
    "command",
    [
        UnlinkDomainPool(actor(), "linked.example", replacement_ip=DEDICATED_1),
        UnlinkDomainPool(actor(), "nowhere.example", replacement_ip=DEDICATED_1),
        UnlinkDomainPool(actor(), "nowhere.example"),
        UnlinkDomainPool(actor(), "example.com", replacement_ip="x", replacement_pool_id="y"),
    ],
    ids=["valid", "unknown-domain", "no-parameter", "not-linked-and-both"],
)
def test_3_3_1_dipps_feature_is_checked_first(command: UnlinkDomainPool) -> None:
    """3.3.1, C10, K1: without the DIPPs feature 3.3 is 403, before every other check."""
    reject(engine(no_dipps(unlink_world())), command, 403, NO_DIPPS)


@pytest.mark.parametrize(
    ("name", "replacement", "pool_id"),
    [
        ("linked.example", None, None),
        ("linked.example", DEDICATED_1, POOL_B),
        ("nowhere.example", None, None),
        ("nowhere.example", "shared", POOL_B),
    ],
)
def test_3_3_1_exactly_one_of_ip_and_pool_id_before_the_domain(
    name: str, replacement: str | None, pool_id: str | None
) -> None:
    """3.3.1, K1: neither or both of `ip` and `pool_id` is 400, even for an unknown domain."""
    reject(
        engine(unlink_world()),
        UnlinkDomainPool(actor(), name, replacement_ip=replacement, replacement_pool_id=pool_id),
        400,
        EXACTLY_ONE,
    )


@pytest.mark.parametrize(
    ("replacement", "pool_id"), [("bad ip", None), ("shared", None), (None, "not-a-pool")]
)
def test_3_3_1_unknown_domain_is_404_before_the_replacement(
    replacement: str | None, pool_id: str | None
) -> None:
    """3.3.1, K1: an unknown domain is 404 before the replacement is judged."""
    reject(
        engine(unlink_world()),
        UnlinkDomainPool(
            actor(), "nowhere.example", replacement_ip=replacement, replacement_pool_id=pool_id
        ),
        404,
        "domain 'nowhere.example' not found",
    )


@pytest.mark.parametrize(
    ("replacement", "pool_id"),
    [(DEDICATED_2, None), ("bad ip", None), ("shared", None), (None, POOL_C)],
)
def test_3_3_1_domain_not_linked_is_400_before_the_replacement(
    replacement: str | None, pool_id: str | None
) -> None:
    """3.3.1, K1: a domain not linked to a DIPP is 400, before the replacement is judged."""
    reject(
        engine(unlink_world()),
        UnlinkDomainPool(
            actor(), "example.com", replacement_ip=replacement, replacement_pool_id=pool_id
        ),
        400,
        "domain 'example.com' is not linked to a DIPP",
    )


def test_3_3_2_shared_needs_a_shared_eligible_account() -> None:
    """3.3.2: `ip=shared` from an account that is not shared-eligible is 403."""
    reject(
        engine(unlink_world()),
        UnlinkDomainPool(actor(), "linked.example", replacement_ip="shared"),
        403,
        "account 'acct-1' is not eligible for shared IPs",
    )


def test_3_3_2_shared_unlinks_and_holds_one_shared_ip_chosen_by_d4() -> None:
    """3.3.2, 3.3.5, D4: the domain is unlinked at once and holds one shared IP, the least used
    platform-wide (SHARED_1 is held by another account's domain, so SHARED_2 although SHARED_1 is
    lower)."""
    world = unlink_world(shared=True)
    eng = engine(world)
    accept(eng, UnlinkDomainPool(actor(), "linked.example", replacement_ip="shared"))
    settled_as(eng, with_domains(world, domain("dom-2", "linked.example", ip_texts=[SHARED_2])))
    accept(eng, GetPool(actor(), POOL_A), pool_details(POOL_A, [DEDICATED_3, DEDICATED_4], []))


def test_3_3_2_no_shared_ip_available_is_400() -> None:
    """3.3.2, D4: an eligible account on a platform with no shared IP gets 400."""
    world = attrs.evolve(unlink_world(shared=True), shared_ips=[])
    world = with_domains(world, domain("dom-9", "other.example", "acct-2", ip_texts=[DEDICATED_9]))
    reject(
        engine(world),
        UnlinkDomainPool(actor(), "linked.example", replacement_ip="shared"),
        400,
        "no shared IP available",
    )


@pytest.mark.parametrize("replacement", [DEDICATED_2, DEDICATED_1, WARMUP_1])
def test_3_3_3_ip_unlinks_and_holds_exactly_that_ip(replacement: str) -> None:
    """3.3.3, 3.3.5: a free dedicated IP of the account (on another domain or on warmup too)
    unlinks the domain, which then holds exactly that IP; no D1 top-up applies."""
    world = unlink_world()
    eng = engine(world)
    accept(eng, UnlinkDomainPool(actor(), "linked.example", replacement_ip=replacement))
    settled_as(eng, with_domains(world, domain("dom-2", "linked.example", ip_texts=[replacement])))


@pytest.mark.parametrize("replacement", [DEDICATED_3, DEDICATED_4])
def test_k9_ip_may_be_one_of_the_dipp_being_unlinked(replacement: str) -> None:
    """K9, 3.3.3: the `ip` may be an IP of the DIPP being unlinked; it stays in the DIPP."""
    world = unlink_world()
    eng = engine(world)
    accept(eng, UnlinkDomainPool(actor(), "linked.example", replacement_ip=replacement))
    settled_as(eng, with_domains(world, domain("dom-2", "linked.example", ip_texts=[replacement])))
    accept(eng, GetPool(actor(), POOL_A), pool_details(POOL_A, [DEDICATED_3, DEDICATED_4], []))


@pytest.mark.parametrize(
    ("replacement", "message"),
    [
        (DEDICATED_5, f"IP {DEDICATED_5} belongs to DIPP {POOL_B!r}"),
        (DEDICATED_9, f"IP {DEDICATED_9} is not a dedicated IP of account 'acct-1'"),
        ("192.0.2.9", "IP 192.0.2.9 is not a dedicated IP of account 'acct-1'"),
        (SHARED_1, f"IP {SHARED_1} is not a dedicated IP of account 'acct-1'"),
        ("198.51.100.01", "replacement IP '198.51.100.01' is not a valid IP address"),
        ("Shared", "replacement IP 'Shared' is not a valid IP address"),
        (DEDICATED_2 + " ", "replacement IP '198.51.100.2 ' is not a valid IP address"),
    ],
)
@pytest.mark.parametrize("eligible", [False, True])
def test_3_3_3_bad_ip_is_400(replacement: str, message: str, eligible: bool) -> None:
    """3.3.3, K2, K4: an IP in another DIPP, not the account's, a literal shared address or
    invalid text is 400 naming it."""
    reject(
        engine(unlink_world(shared=eligible)),
        UnlinkDomainPool(actor(), "linked.example", replacement_ip=replacement),
        400,
        message,
    )


def test_3_3_4_pool_id_relinks_and_holds_that_dipps_ips() -> None:
    """3.3.4, 3.3.5: a visible non-empty other DIPP becomes the domain's link at once, with its
    IPs, and nothing is left pending."""
    world = unlink_world()
    eng = engine(world)
    accept(eng, UnlinkDomainPool(actor(), "LINKED.example", replacement_pool_id=POOL_B))
    settled_as(
        eng,
        with_domains(world, domain("dom-2", "linked.example", ip_texts=[DEDICATED_5], pool=POOL_B)),
    )
    accept(eng, GetPool(actor(), POOL_A), pool_details(POOL_A, [DEDICATED_3, DEDICATED_4], []))
    accept(eng, GetPool(actor(), POOL_B), pool_details(POOL_B, [DEDICATED_5], ["linked.example"]))


@pytest.mark.parametrize(
    ("pool_id", "status", "message"),
    [
        (POOL_S, 404, f"DIPP {POOL_S!r} not found"),
        ("f" * 24, 404, f"DIPP {'f' * 24!r} not found"),
        ("not-a-pool", 404, "DIPP 'not-a-pool' not found"),
        (POOL_A.upper(), 404, f"DIPP {POOL_A.upper()!r} not found"),
        (POOL_A, 400, f"domain 'linked.example' is already linked to DIPP {POOL_A!r}"),
        (POOL_C, 400, f"DIPP {POOL_C!r} has no IPs"),
    ],
)
def test_3_3_4_bad_pool_id(pool_id: str, status: int, message: str) -> None:
    """3.3.4, C7: pool_id not visible (another account's, unknown, malformed) is 404; the current
    DIPP or an empty one is 400."""
    reject(
        engine(unlink_world()),
        UnlinkDomainPool(actor(), "linked.example", replacement_pool_id=pool_id),
        status,
        message,
    )


# -- K8 a subaccount unlinking from an inherited DIPP -----------------------------------------

SUB = Actor("sub-1", "ops@example.com", "cli")
P_SUB = "6" * 24  # a DIPP owned by sub-1
SUB_IP = "192.0.2.10"
SUB_POOLED = "192.0.2.11"


def sub_world(*, sub_shared: bool = False, parent_shared: bool = True) -> World:
    """acct-1 owns POOL_A {DEDICATED_1} and POOL_B {DEDICATED_2}, both delegated to sub-1, and
    POOL_C {DEDICATED_3}, not delegated; DEDICATED_4 is a free IP of acct-1. sub-1 owns SUB_IP
    (free) and P_SUB {SUB_POOLED}; its domain sub.example is linked to POOL_A."""
    return World(
        accounts=[
            account(shared=parent_shared),
            account("sub-1", parent="acct-1", shared=sub_shared),
        ],
        dedicated_ips=[
            dedicated(DEDICATED_1),
            dedicated(DEDICATED_2),
            dedicated(DEDICATED_3),
            dedicated(DEDICATED_4),
            dedicated(SUB_IP, "sub-1"),
            dedicated(SUB_POOLED, "sub-1"),
        ],
        shared_ips=[ip(SHARED_1)],
        domains=[domain("dom-s", "sub.example", "sub-1", ip_texts=[DEDICATED_1], pool=POOL_A)],
        pools=[
            pool(POOL_A, ip_texts=[DEDICATED_1], delegated_to=["sub-1"]),
            pool(POOL_B, ip_texts=[DEDICATED_2], delegated_to=["sub-1"]),
            pool(POOL_C, ip_texts=[DEDICATED_3]),
            pool(P_SUB, "sub-1", ip_texts=[SUB_POOLED]),
        ],
    )


def test_k8_subaccount_unlinks_with_its_own_ip() -> None:
    """K8, 3.3.3: a subaccount may unlink its own domain from an inherited DIPP with its own IP."""
    world = sub_world()
    eng = engine(world)
    accept(eng, UnlinkDomainPool(SUB, "sub.example", replacement_ip=SUB_IP))
    settled_as(eng, with_domains(world, domain("dom-s", "sub.example", "sub-1", ip_texts=[SUB_IP])))


@pytest.mark.parametrize(
    ("replacement", "message"),
    [
        (DEDICATED_1, f"IP {DEDICATED_1} is not a dedicated IP of account 'sub-1'"),
        (DEDICATED_4, f"IP {DEDICATED_4} is not a dedicated IP of account 'sub-1'"),
        (SUB_POOLED, f"IP {SUB_POOLED} belongs to DIPP {P_SUB!r}"),
    ],
)
def test_k8_parents_ip_is_400_even_from_the_dipp_being_unlinked(
    replacement: str, message: str
) -> None:
    """K8, K9, 3.3.3: the parent's IP is 400, even one of the inherited DIPP being unlinked;
    the subaccount's own IP in its own DIPP is 400 too."""
    reject(
        engine(sub_world()),
        UnlinkDomainPool(SUB, "sub.example", replacement_ip=replacement),
        400,
        message,
    )


@pytest.mark.parametrize(
    ("pool_id", "ips"), [(POOL_B, [DEDICATED_2]), (P_SUB, [SUB_POOLED])], ids=["inherited", "own"]
)
def test_k8_subaccount_relinks_to_any_visible_dipp(pool_id: str, ips: list[str]) -> None:
    """K8, 3.3.4: a subaccount may relink its domain to any DIPP visible to it: inherited or own."""
    world = sub_world()
    eng = engine(world)
    accept(eng, UnlinkDomainPool(SUB, "sub.example", replacement_pool_id=pool_id))
    settled_as(
        eng,
        with_domains(world, domain("dom-s", "sub.example", "sub-1", ip_texts=ips, pool=pool_id)),
    )


def test_k8_parents_dipp_not_delegated_is_404() -> None:
    """K8, C7, 3.3.4: the parent's DIPP that is not delegated to the subaccount is not visible."""
    reject(
        engine(sub_world()),
        UnlinkDomainPool(SUB, "sub.example", replacement_pool_id=POOL_C),
        404,
        f"DIPP {POOL_C!r} not found",
    )


def test_k8_shared_only_if_the_subaccount_itself_is_eligible() -> None:
    """K8, 3.3.2: `shared` depends on the subaccount's own eligibility, not its parent's."""
    reject(
        engine(sub_world(sub_shared=False, parent_shared=True)),
        UnlinkDomainPool(SUB, "sub.example", replacement_ip="shared"),
        403,
        "account 'sub-1' is not eligible for shared IPs",
    )
    world = sub_world(sub_shared=True, parent_shared=False)
    eng = engine(world)
    accept(eng, UnlinkDomainPool(SUB, "sub.example", replacement_ip="shared"))
    settled_as(
        eng, with_domains(world, domain("dom-s", "sub.example", "sub-1", ip_texts=[SHARED_1]))
    )


def test_k8_parent_cannot_unlink_the_subaccounts_domain() -> None:
    """K8, C7: the parent account does not own the subaccount's domain: 404."""
    reject(
        engine(sub_world()),
        UnlinkDomainPool(actor(), "sub.example", replacement_ip=DEDICATED_4),
        404,
        "domain 'sub.example' not found",
    )


# == S3 synchronous commands on a domain with pending work =====================================


def pending_world() -> World:
    """dom-1 linked to POOL_A {DEDICATED_1}; POOL_B {DEDICATED_2}; DEDICATED_3, DEDICATED_4 free;
    acct-1 not shared-eligible."""
    return World(
        accounts=[account()],
        dedicated_ips=[
            dedicated(DEDICATED_1),
            dedicated(DEDICATED_2),
            dedicated(DEDICATED_3),
            dedicated(DEDICATED_4),
        ],
        domains=[domain("dom-1", "example.com", ip_texts=[DEDICATED_1], pool=POOL_A)],
        pools=[pool(POOL_A, ip_texts=[DEDICATED_1]), pool(POOL_B, ip_texts=[DEDICATED_2])],
    )


def delete_pool(eng: Engine[MemoryState], command: DeletePool) -> None:
    outcome = eng.execute(command)
    assert isinstance(outcome, Accepted), outcome
    assert eng.state.pending == (DomainUpdate("dom-1"),)


def test_s3_3_1_removes_the_replacement_ip_of_an_unsettled_dipp_deletion() -> None:
    """S3, 3.1, K11: after a DIPP deletion with an IP replacement (not settled), the domain counts
    as unlinked holding that IP: 3.1 acts on it, and the later settle does not undo it."""
    world = pending_world()
    eng = engine(world)
    delete_pool(eng, DeletePool(actor(), POOL_A, replacement_ip=DEDICATED_3))
    assert eng.state.stored_domain("dom-1") == domain(
        "dom-1", "example.com", ip_texts=[DEDICATED_1], pool=POOL_A
    )
    reject(
        eng,
        RemoveDomainIp(actor(), "example.com", DEDICATED_1),
        404,
        "IP 198.51.100.1 is not an IP of domain 'example.com'",
    )
    accept(eng, RemoveDomainIp(actor(), "example.com", DEDICATED_3, replacement_ip=DEDICATED_4))
    assert eng.state.stored_domain("dom-1") == domain(
        "dom-1", "example.com", ip_texts=[DEDICATED_4]
    )
    assert eng.settle() == 1
    settled_as(
        eng,
        World(
            accounts=world.accounts,
            dedicated_ips=world.dedicated_ips,
            domains=[domain("dom-1", "example.com", ip_texts=[DEDICATED_4])],
            pools=[pool(POOL_B, ip_texts=[DEDICATED_2])],
        ),
    )


def test_s3_3_1_sees_the_link_to_the_replacement_dipp_before_settle() -> None:
    """S2, S3, 3.1.2: after a DIPP deletion with a pool replacement, the domain counts as linked
    to the replacement at once, so 3.1 is 400 naming it."""
    eng = engine(pending_world())
    delete_pool(eng, DeletePool(actor(), POOL_A, replacement_pool_id=POOL_B))
    reject(
        eng,
        RemoveDomainIp(actor(), "example.com", DEDICATED_2),
        400,
        f"domain 'example.com' is linked to DIPP {POOL_B!r}; its IPs are managed by the DIPP",
    )


def test_s3_3_3_unlinks_a_domain_with_a_pending_ip_addition() -> None:
    """S3, K9, 3.3.3: the DIPP's new IP (not yet on the stored domain) may be the `ip`; the later
    update does not relink the domain or give it the DIPP's IPs."""
    world = pending_world()
    eng = engine(world)
    added = eng.execute(AddPoolIp(actor(), POOL_A, DEDICATED_3))
    assert isinstance(added, Accepted)
    assert eng.state.pending == (DomainUpdate("dom-1"),)
    accept(eng, UnlinkDomainPool(actor(), "example.com", replacement_ip=DEDICATED_3))
    assert eng.settle() == 1
    settled_as(
        eng,
        World(
            accounts=world.accounts,
            dedicated_ips=world.dedicated_ips,
            domains=[domain("dom-1", "example.com", ip_texts=[DEDICATED_3])],
            pools=[
                pool(POOL_A, ip_texts=[DEDICATED_1, DEDICATED_3]),
                pool(POOL_B, ip_texts=[DEDICATED_2]),
            ],
        ),
    )


def test_s3_3_3_acts_on_the_replacement_link_of_an_unsettled_dipp_deletion() -> None:
    """S2, S3, 3.3.3, 3.3.4, K11: after a deletion with a pool replacement (not settled) the
    domain's DIPP is the replacement: relinking to it is 400, the deleted one is 404, and the
    deleted DIPP's IP is free at once; the later settle does not undo the unlink."""
    world = pending_world()
    eng = engine(world)
    delete_pool(eng, DeletePool(actor(), POOL_A, replacement_pool_id=POOL_B))
    reject(
        eng,
        UnlinkDomainPool(actor(), "example.com", replacement_pool_id=POOL_B),
        400,
        f"domain 'example.com' is already linked to DIPP {POOL_B!r}",
    )
    reject(
        eng,
        UnlinkDomainPool(actor(), "example.com", replacement_pool_id=POOL_A),
        404,
        f"DIPP {POOL_A!r} not found",
    )
    accept(eng, UnlinkDomainPool(actor(), "example.com", replacement_ip=DEDICATED_1))
    assert eng.settle() == 1
    settled_as(
        eng,
        World(
            accounts=world.accounts,
            dedicated_ips=world.dedicated_ips,
            domains=[domain("dom-1", "example.com", ip_texts=[DEDICATED_1])],
            pools=[pool(POOL_B, ip_texts=[DEDICATED_2])],
        ),
    )


def test_s3_3_3_domain_unlinked_by_an_unsettled_deletion_is_not_linked() -> None:
    """S2, S3, 3.3.1: after a deletion with an IP replacement (not settled) the domain is not
    linked, so 3.3 is 400 although its stored record still names the deleted DIPP."""
    eng = engine(pending_world())
    delete_pool(eng, DeletePool(actor(), POOL_A, replacement_ip=DEDICATED_3))
    reject(
        eng,
        UnlinkDomainPool(actor(), "example.com", replacement_ip=DEDICATED_4),
        400,
        "domain 'example.com' is not linked to a DIPP",
    )


def test_s3_3_2_removes_a_domain_with_a_pending_update() -> None:
    """S3, 3.2: a domain relinked by an unsettled deletion can be removed; the update is still
    counted when processed and brings nothing back."""
    world = pending_world()
    eng = engine(world)
    delete_pool(eng, DeletePool(actor(), POOL_A, replacement_pool_id=POOL_B))
    accept(eng, RemoveDomainPool(actor(), "example.com"))
    assert eng.settle() == 1
    settled_as(
        eng,
        World(
            accounts=world.accounts,
            dedicated_ips=world.dedicated_ips,
            pools=[pool(POOL_B, ip_texts=[DEDICATED_2])],
        ),
    )
    accept(eng, GetPool(actor(), POOL_B), pool_details(POOL_B, [DEDICATED_2], []))


def test_s4_domain_commands_leave_nothing_pending_even_for_linked_domains() -> None:
    """S4: 3.1-3.3 change the domain synchronously and queue no update, here on a domain linked
    to a DIPP with a subaccount delegation."""
    world = sub_world()
    eng = engine(world)
    outcomes = [
        eng.execute(UnlinkDomainPool(SUB, "sub.example", replacement_pool_id=POOL_B)),
        eng.execute(UnlinkDomainPool(SUB, "sub.example", replacement_ip=SUB_IP)),
        eng.execute(RemoveDomainPool(SUB, "sub.example")),
    ]
    assert [(o.status, o.body) for o in outcomes] == [(200, SUCCESS)] * 3
    assert [o.changes.pending for o in outcomes if isinstance(o, Accepted)] == [(), (), ()]
    assert eng.state.pending_count == 0
    settled_as(eng, with_domains(world, removed=("dom-s",)))
