"""A world holds its records in canonical order and names every problem of a settled state."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from ippools import Account, DocumentError, MemoryState, World, world_problems
from tests.support import POOL_A, POOL_B, POOL_C, SHARED_1, account, dedicated, domain, ip, pool


def base_world() -> World:
    """A valid settled world using every kind of record and a delegation."""
    return World(
        accounts=[
            account("acct-1"),
            account("sub-1", parent="acct-1", dipps=False),
            account("acct-2", shared=True),
        ],
        dedicated_ips=[
            dedicated("198.51.100.1"),
            dedicated("198.51.100.2"),
            dedicated("198.51.100.3", "sub-1"),
            dedicated("198.51.100.9", "acct-2"),
        ],
        shared_ips=[ip(SHARED_1)],
        domains=[
            domain("dom-1", "example.com", ip_texts=["198.51.100.1"], pool=POOL_A),
            domain("dom-2", "sub.example", "sub-1", ip_texts=["198.51.100.1"], pool=POOL_A),
            domain("dom-3", "other.example", "acct-2", ip_texts=[SHARED_1]),
            domain("dom-4", "own.sub.example", "sub-1", ip_texts=["198.51.100.3"]),
        ],
        pools=[
            pool(POOL_A, ip_texts=["198.51.100.1"], delegated_to=["sub-1"]),
            pool(POOL_B, ip_texts=["198.51.100.2"]),
        ],
    )


def with_domain(world: World, record: object) -> World:
    """``world`` with one domain record added or put in place of the one with its id."""
    assert isinstance(record, type(world.domains[0]))
    kept = [d for d in world.domains if d.id != record.id]
    return attrs.evolve(world, domains=[*kept, record])


def with_pool(world: World, record: object) -> World:
    """``world`` with one DIPP record added or put in place of the one with its id."""
    assert isinstance(record, type(world.pools[0]))
    kept = [p for p in world.pools if p.pool_id != record.pool_id]
    return attrs.evolve(world, pools=[*kept, record])


def test_base_world_is_valid() -> None:
    """§4, K13: a world whose references resolve and whose invariants hold has no problem."""
    assert world_problems(base_world()) == []
    assert MemoryState(base_world()).world() == base_world()


def test_pool_of_account_without_dipps_feature_is_legal() -> None:
    """K13: a DIPP owned by an account without the DIPPs feature is legal."""
    world = base_world()
    world = attrs.evolve(
        world,
        accounts=[account("acct-3", dipps=False), *world.accounts],
        pools=[pool(POOL_C, "acct-3"), *world.pools],
    )
    assert world_problems(world) == []


def test_empty_world_is_valid() -> None:
    """K13: absent lists default to empty; an empty world is valid."""
    assert world_problems(World()) == []
    assert MemoryState().world() == World()


# -- references (K13) --------------------------------------------------------------


def test_unknown_account_of_each_record_is_named() -> None:
    """K13: a dedicated IP, DIPP or domain naming an unknown account is refused by name."""
    world = base_world()
    world = attrs.evolve(
        world,
        dedicated_ips=[*world.dedicated_ips, dedicated("198.51.100.50", "ghost-1")],
        pools=[*world.pools, pool(POOL_C, "ghost-2")],
        domains=[*world.domains, domain("dom-9", "ghost.example", "ghost-3", ip_texts=[SHARED_1])],
    )
    assert world_problems(world) == [
        "dedicated_ips[198.51.100.50]: unknown account 'ghost-1'",
        f"pools[{POOL_C}]: unknown account 'ghost-2'",
        "domains[dom-9]: unknown account 'ghost-3'",
    ]


def test_unknown_parent_is_named() -> None:
    """K13: a subaccount whose parent does not exist is refused, naming it."""
    world = base_world()
    world = attrs.evolve(world, accounts=[*world.accounts, account("sub-9", parent="ghost")])
    assert world_problems(world) == ["accounts[sub-9]: unknown parent account 'ghost'"]


def test_parent_that_is_a_subaccount_is_named() -> None:
    """K13, §1: subaccounts are one level deep; a parent that is a subaccount is refused."""
    world = base_world()
    world = attrs.evolve(world, accounts=[*world.accounts, account("sub-2", parent="sub-1")])
    assert world_problems(world) == ["accounts[sub-2]: parent 'sub-1' is itself a subaccount"]


def test_account_that_is_its_own_parent_cannot_be_built() -> None:
    """K13: an account that is its own parent is refused (already when the record is built)."""
    with pytest.raises(ValueError, match="own parent"):
        Account("acct-1", parent_id="acct-1")


def test_repeated_ids_are_named() -> None:
    """K13: repeated account ids, IPs, pool ids and domain ids are refused by record."""
    world = base_world()
    world = attrs.evolve(
        world,
        accounts=[*world.accounts, account("acct-2", shared=True)],
        dedicated_ips=[*world.dedicated_ips, dedicated("198.51.100.9", "acct-2")],
        shared_ips=[*world.shared_ips, ip(SHARED_1)],
        pools=[*world.pools, pool(POOL_B, ip_texts=["198.51.100.2"], name="again")],
        domains=[*world.domains, domain("dom-3", "again.example", "acct-2", ip_texts=[SHARED_1])],
    )
    assert world_problems(world) == [
        "accounts[acct-2]: id repeated",
        "dedicated_ips[198.51.100.9]: IP repeated",
        "shared_ips[203.0.113.1]: IP repeated",
        f"pools[{POOL_B}]: pool_id repeated",
        f"pools[{POOL_B}]: IP 198.51.100.2 is also in pool '{POOL_B}' (I3)",
        "domains[dom-3]: id repeated",
    ]


@pytest.mark.parametrize("name", ["example.com", "EXAMPLE.com", "example.com.", "Example.Com."])
def test_domain_name_repeated_case_insensitively_is_named(name: str) -> None:
    """K13, C6: two domains whose names match case-insensitively, ignoring a trailing dot."""
    world = with_domain(base_world(), domain("dom-5", name, ip_texts=["198.51.100.2"]))
    assert world_problems(world) == [f"domains[dom-5]: name {name!r} repeats domain 'dom-1'"]


def test_ip_both_dedicated_and_shared_is_named() -> None:
    """K13: an IP cannot be both a dedicated IP and a shared IP."""
    world = base_world()
    world = attrs.evolve(world, shared_ips=[*world.shared_ips, ip("198.51.100.2")])
    assert world_problems(world) == ["shared_ips[198.51.100.2]: IP is also dedicated"]


def test_domain_ip_neither_dedicated_nor_shared_is_named() -> None:
    """K13: every IP a domain holds is a known dedicated or shared IP."""
    world = with_domain(
        base_world(),
        domain("dom-4", "own.sub.example", "sub-1", ip_texts=["198.51.100.3", "192.0.2.77"]),
    )
    assert world_problems(world) == [
        "domains[dom-4]: IP 192.0.2.77 is neither dedicated nor shared"
    ]


# -- invariants (§4) ----------------------------------------------------------------


def test_i1_linked_domain_holding_other_ips_than_its_pool_is_named() -> None:
    """I1: a domain linked to a DIPP holds exactly that DIPP's IPs, no more, no fewer."""
    more = with_domain(
        base_world(),
        domain("dom-1", "example.com", ip_texts=["198.51.100.1", "198.51.100.2"], pool=POOL_A),
    )
    other = with_domain(
        base_world(), domain("dom-1", "example.com", ip_texts=["198.51.100.2"], pool=POOL_A)
    )
    expected = [f"domains[dom-1]: holds other IPs than its pool '{POOL_A}' (I1)"]
    assert world_problems(more) == expected
    assert world_problems(other) == expected


def test_i2_link_to_unknown_or_invisible_pool_is_named() -> None:
    """I2: a domain is linked only to a DIPP that exists and is its account's own or delegated."""
    unknown = with_domain(
        base_world(),
        domain("dom-4", "own.sub.example", "sub-1", ip_texts=["198.51.100.3"], pool=POOL_C),
    )
    assert world_problems(unknown) == [f"domains[dom-4]: linked to unknown pool '{POOL_C}' (I2)"]
    invisible = with_domain(
        base_world(),
        domain("dom-3", "other.example", "acct-2", ip_texts=["198.51.100.9"], pool=POOL_B),
    )
    assert world_problems(invisible) == [
        f"domains[dom-3]: linked to pool '{POOL_B}' not visible to its account (I2)"
    ]


def test_i3_pool_ips_are_unique_dedicated_ips_of_the_owner() -> None:
    """I3: a DIPP holds only its owner's dedicated IPs, and no IP is in two DIPPs."""
    world = with_pool(
        base_world(),
        pool(POOL_C, ip_texts=["198.51.100.1", "198.51.100.3", "198.51.100.9", SHARED_1]),
    )
    assert world_problems(world) == [
        f"pools[{POOL_C}]: IP 198.51.100.1 is also in pool '{POOL_A}' (I3)",
        f"pools[{POOL_C}]: IP 198.51.100.3 is not a dedicated IP of 'acct-1' (I3)",
        f"pools[{POOL_C}]: IP 198.51.100.9 is not a dedicated IP of 'acct-1' (I3)",
        f"pools[{POOL_C}]: IP 203.0.113.1 is not a dedicated IP of 'acct-1' (I3)",
    ]


def test_i4_linked_or_delegated_pool_without_ips_is_named() -> None:
    """I4: a DIPP with a delegation or a linked domain has at least one IP."""
    delegated = with_pool(base_world(), pool(POOL_B, delegated_to=["sub-1"]))
    assert world_problems(delegated) == [
        f"pools[{POOL_B}]: has a linked domain or a delegation but no IP (I4)"
    ]
    linked = with_pool(
        with_domain(base_world(), domain("dom-5", "five.example", pool=POOL_C)), pool(POOL_C)
    )
    assert world_problems(linked) == [
        "domains[dom-5]: holds no IP (I5)",
        f"pools[{POOL_C}]: has a linked domain or a delegation but no IP (I4)",
    ]
    assert world_problems(with_pool(base_world(), pool(POOL_C))) == []


def test_i5_domain_without_ip_or_with_forbidden_shared_ip_is_named() -> None:
    """I5: every domain holds an IP; a non-eligible account's domain holds no shared IP."""
    empty = with_domain(base_world(), domain("dom-4", "own.sub.example", "sub-1"))
    assert world_problems(empty) == ["domains[dom-4]: holds no IP (I5)"]
    shared = with_domain(
        base_world(),
        domain("dom-4", "own.sub.example", "sub-1", ip_texts=["198.51.100.3", SHARED_1]),
    )
    assert world_problems(shared) == [
        "domains[dom-4]: holds shared IP 203.0.113.1, account not eligible (I5)"
    ]


def test_i6_domain_holding_another_accounts_dedicated_ip_is_named() -> None:
    """I6: a domain holds another account's dedicated IP only through a delegated DIPP."""
    parents = with_domain(
        base_world(), domain("dom-4", "own.sub.example", "sub-1", ip_texts=["198.51.100.2"])
    )
    assert world_problems(parents) == [
        "domains[dom-4]: holds 198.51.100.2, a dedicated IP of 'acct-1' (I6)"
    ]
    childs = with_domain(
        base_world(),
        domain("dom-3", "other.example", "acct-2", ip_texts=["198.51.100.3", SHARED_1]),
    )
    assert world_problems(childs) == [
        "domains[dom-3]: holds 198.51.100.3, a dedicated IP of 'sub-1' (I6)"
    ]


def test_i7_delegation_only_to_subaccounts_of_the_owner() -> None:
    """I7: a DIPP is delegated only to subaccounts of its owner."""
    world = base_world()
    world = attrs.evolve(world, accounts=[*world.accounts, account("sub-2", parent="acct-2")])
    world = with_pool(
        world, pool(POOL_B, ip_texts=["198.51.100.2"], delegated_to=["acct-2", "ghost", "sub-2"])
    )
    assert world_problems(world) == [
        f"pools[{POOL_B}]: delegated to 'acct-2', not a subaccount of its owner (I7)",
        f"pools[{POOL_B}]: delegated to 'ghost', not a subaccount of its owner (I7)",
        f"pools[{POOL_B}]: delegated to 'sub-2', not a subaccount of its owner (I7)",
    ]


def test_memory_state_refuses_an_invalid_world_naming_every_problem() -> None:
    """§7, K13: loading a world that breaks a reference or an invariant raises DocumentError."""
    world = with_domain(base_world(), domain("dom-4", "own.sub.example", "sub-1"))
    world = attrs.evolve(world, shared_ips=[*world.shared_ips, ip("198.51.100.2")])
    problems = world_problems(world)
    assert problems == [
        "shared_ips[198.51.100.2]: IP is also dedicated",
        "domains[dom-4]: holds no IP (I5)",
    ]
    with pytest.raises(DocumentError) as raised:
        MemoryState(world)
    assert str(raised.value) == "; ".join(problems)


# -- canonical order (K14) -----------------------------------------------------------


def test_world_sorts_its_records_canonically() -> None:
    """K14: accounts and domains by id, pools by pool_id, IPs by C5 order, ids by code point."""
    world = World(
        accounts=[account("acct-2"), account("B"), account("acct-10"), account("a")],
        dedicated_ips=[
            dedicated("2001:db8::1"),
            dedicated("10.0.0.10"),
            dedicated("9.0.0.1"),
            dedicated("10.0.0.2"),
        ],
        shared_ips=[ip("::1"), ip("203.0.113.10"), ip("203.0.113.9")],
        domains=[
            domain("dom-2", "b.example", ip_texts=["9.0.0.1"]),
            domain("dom-10", "c.example", ip_texts=["9.0.0.1"]),
            domain("Dom-3", "a.example", ip_texts=["9.0.0.1"]),
        ],
        pools=[pool(POOL_C), pool(POOL_A), pool("0" * 23 + "1"), pool(POOL_B)],
    )
    assert [a.id for a in world.accounts] == ["B", "a", "acct-10", "acct-2"]
    assert [str(r.ip) for r in world.dedicated_ips] == [
        "9.0.0.1",
        "10.0.0.2",
        "10.0.0.10",
        "2001:db8::1",
    ]
    assert [str(x) for x in world.shared_ips] == ["203.0.113.9", "203.0.113.10", "::1"]
    assert [d.id for d in world.domains] == ["Dom-3", "dom-10", "dom-2"]
    assert [p.pool_id for p in world.pools] == ["0" * 23 + "1", POOL_A, POOL_B, POOL_C]


def test_worlds_given_in_any_order_are_equal() -> None:
    """K14: two worlds with the same records are equal whatever order they were given in."""
    world = base_world()
    reordered = World(
        accounts=reversed(world.accounts),
        dedicated_ips=reversed(world.dedicated_ips),
        shared_ips=reversed(world.shared_ips),
        domains=reversed(world.domains),
        pools=reversed(world.pools),
    )
    assert reordered == world
    assert isinstance(reordered.accounts, tuple)
    assert with_domain(world, domain("dom-9", "nine.example", ip_texts=["198.51.100.2"])) != world


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("accounts", "acct-1", "accounts must be a collection of Account records, got 'acct-1'"),
        ("accounts", [{"id": "acct-1"}], "accounts must hold Account records only, got {'id'"),
        ("dedicated_ips", [Account("acct-1")], "dedicated_ips must hold DedicatedIp records only"),
        ("domains", None, "domains must be a collection of Domain records, got None"),
        ("pools", {POOL_A: "pool"}, "pools must be a collection of Pool records, got {"),
        ("shared_ips", "203.0.113.1", "shared_ips must be a collection of IPs, got '203.0.113.1'"),
        ("shared_ips", [7], "shared_ips: an IP must be its text or an IPv4/IPv6 address value"),
    ],
)
def test_world_refuses_arguments_of_the_wrong_type_naming_them(
    field: str, value: object, message: str
) -> None:
    """K13: each argument of World is a collection of its records; anything else is a
    TypeError naming the argument, raised when the world is built, not by later code."""
    arguments: dict[str, Any] = {field: value}
    with pytest.raises(TypeError) as raised:
        World(**arguments)
    assert str(raised.value).startswith(message)


def test_world_takes_shared_ips_as_text_and_refuses_invalid_text() -> None:
    """C5, K14: shared IPs may be given as text; they are held parsed, in canonical order."""
    world = World(shared_ips=["203.0.113.10", SHARED_1, "2001:DB8::1"])
    assert world.shared_ips == (ip("203.0.113.1"), ip("203.0.113.10"), ip("2001:db8::1"))
    with pytest.raises(
        ValueError, match=r"shared_ips: '203\.0\.113\.01' is not a valid IP address"
    ):
        World(shared_ips=["203.0.113.01"])
