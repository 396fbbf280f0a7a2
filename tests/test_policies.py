"""The host's choices: which shared IP a domain receives (D4) and where pool ids come from (§6)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import pytest

from ippools import (
    Accepted,
    CreatePool,
    DeletePool,
    DomainUpdate,
    EditPool,
    Engine,
    FewestDomains,
    IPAddress,
    MemoryState,
    Policies,
    RandomIds,
    RemoveDomainIp,
    ReplaceWithShared,
    SequenceIds,
    Tombstone,
    UnlinkDomainPool,
    World,
    ip_text,
    sorted_ips,
)
from ippools.model import is_pool_id
from tests.support import (
    NEW_IDS,
    POOL_A,
    POOL_B,
    SHARED_1,
    SHARED_2,
    SHARED_3,
    STARTED,
    SUCCESS,
    accept,
    account,
    actor,
    dedicated,
    domain,
    effective,
    engine,
    hex_id,
    ip,
    reject,
    stored,
)
from tests.support import pool as make_pool

# -- helpers ----------------------------------------------------------------------


def never_in_use(pool_id: str) -> bool:
    """An ``in_use`` callback for which every id is free."""
    return False


def in_use_of(ids: Iterable[str]) -> Callable[[str], bool]:
    """An ``in_use`` callback for which exactly ``ids`` are taken."""
    taken = frozenset(ids)
    return taken.__contains__


def shared_world(
    usage: dict[str, int], *, target_ips: Iterable[str] = ("198.51.100.1",), eligible: bool = True
) -> World:
    """acct-1 owns ``target.example``; filler domains of acct-9 hold each shared IP ``n`` times."""
    fillers = [
        domain(f"fill-{index}-{n}", f"f{index}-{n}.example", "acct-9", ip_texts=[text])
        for index, (text, count) in enumerate(usage.items())
        for n in range(count)
    ]
    return World(
        accounts=[account("acct-1", shared=eligible), account("acct-9", shared=True)],
        dedicated_ips=[dedicated("198.51.100.1"), dedicated("198.51.100.2")],
        shared_ips=[ip(text) for text in usage],
        domains=[domain("dom-t", "target.example", ip_texts=target_ips), *fillers],
    )


def target_ips(eng: Engine[MemoryState]) -> list[str]:
    """The target domain's effective IPs, as text in C5 order."""
    found = effective(eng, "dom-t")
    return [ip_text(x) for x in sorted_ips(found.ips)]


def remove_for_shared(text: str = "198.51.100.1") -> RemoveDomainIp:
    """3.1: remove ``text`` from the target domain with the replacement ``shared``."""
    return RemoveDomainIp(actor(), "target.example", text, replacement_ip="shared")


# -- FewestDomains, the D4 default ----------------------------------------------------


def test_fewest_domains_takes_the_least_used_ip() -> None:
    """D4: the shared IP held by the fewest domains is chosen."""
    choice = FewestDomains().choose(
        [(ip(SHARED_1), 3), (ip(SHARED_2), 1), (ip(SHARED_3), 2)], "dom-1"
    )
    assert choice == ip(SHARED_2)


def test_fewest_domains_breaks_ties_by_lowest_address_numerically() -> None:
    """D4, C5: on a tie the lowest address wins, compared as numbers (10.0.0.9 < 10.0.0.10)."""
    candidates = [(ip("10.0.0.10"), 1), (ip("10.0.0.9"), 1), (ip("9.0.0.1"), 2)]
    assert FewestDomains().choose(candidates, "dom-1") == ip("10.0.0.9")


def test_fewest_domains_prefers_ipv4_over_ipv6_on_ties_only() -> None:
    """D4, C5: IPv4 sorts before IPv6 on a tie, but a less used IPv6 still wins."""
    tie = [(ip("::1"), 0), (ip("255.255.255.255"), 0)]
    assert FewestDomains().choose(tie, "dom-1") == ip("255.255.255.255")
    fewer = [(ip("255.255.255.255"), 1), (ip("2001:db8::1"), 0)]
    assert FewestDomains().choose(fewer, "dom-1") == ip("2001:db8::1")


def test_fewest_domains_ignores_the_domain() -> None:
    """D4: the default choice depends only on the counts and addresses."""
    candidates = [(ip(SHARED_2), 0), (ip(SHARED_1), 0)]
    assert FewestDomains().choose(candidates, "a") == FewestDomains().choose(candidates, "z")


# -- D4 in commands ---------------------------------------------------------------------


def test_remove_domain_ip_with_shared_takes_the_least_used_shared_ip() -> None:
    """D4, 3.1.6: ``ip=shared`` gives the domain the shared IP held by the fewest domains."""
    eng = engine(shared_world({SHARED_1: 2, SHARED_2: 1, SHARED_3: 3}))
    accept(eng, remove_for_shared(), SUCCESS)
    assert target_ips(eng) == [SHARED_2]
    assert eng.state.pending == ()


def test_shared_choice_breaks_ties_by_numeric_address() -> None:
    """D4, C5: among equally used shared IPs the numerically lowest address is chosen."""
    eng = engine(shared_world({"203.0.113.10": 1, "203.0.113.9": 1, SHARED_1: 2}))
    accept(eng, remove_for_shared(), SUCCESS)
    assert target_ips(eng) == ["203.0.113.9"]


def test_shared_choice_puts_ipv4_before_ipv6_on_ties() -> None:
    """D4, C5: among equally used shared IPs an IPv4 address comes before an IPv6 one."""
    eng = engine(shared_world({"2001:db8::1": 0, "203.0.113.200": 0}))
    accept(eng, remove_for_shared(), SUCCESS)
    assert target_ips(eng) == ["203.0.113.200"]


def test_shared_choice_skips_the_ip_removed_and_those_on_the_domain() -> None:
    """D4: never the IP being removed nor one the domain holds, however little they are used."""
    world = shared_world({SHARED_1: 0, SHARED_2: 0, SHARED_3: 5}, target_ips=[SHARED_1, SHARED_2])
    eng = engine(world)
    accept(eng, remove_for_shared(SHARED_1), SUCCESS)
    assert target_ips(eng) == [SHARED_2, SHARED_3]


def test_no_shared_ip_left_is_refused_and_changes_nothing() -> None:
    """D4: when no candidate is left the answer is 400 ``no shared IP available``."""
    eng = engine(shared_world({SHARED_1: 0, SHARED_2: 0}, target_ips=[SHARED_1, SHARED_2]))
    reject(eng, remove_for_shared(SHARED_1), 400, "no shared IP available")


def test_eligibility_is_checked_before_shared_availability() -> None:
    """D4, 3.1.4: a non-eligible account asking ``shared`` gets 403 even with no shared IP."""
    eng = engine(shared_world({}, eligible=False))
    reject(eng, remove_for_shared(), 403, "account 'acct-1' is not eligible for shared IPs")


def test_domain_left_empty_gets_the_least_used_shared_ip() -> None:
    """D2, D4: an eligible account's domain that loses its last IP gets one shared IP."""
    eng = engine(shared_world({SHARED_1: 1, SHARED_2: 0}))
    accept(eng, RemoveDomainIp(actor(), "target.example", "198.51.100.1"), SUCCESS)
    assert target_ips(eng) == [SHARED_2]


def test_unlink_with_shared_takes_the_least_used_shared_ip() -> None:
    """D4, 3.3.2: unlinking with ``ip=shared`` gives the domain the least used shared IP."""
    world = World(
        accounts=[account("acct-1", shared=True)],
        dedicated_ips=[dedicated("198.51.100.1")],
        shared_ips=[ip(SHARED_1), ip(SHARED_2)],
        domains=[
            domain("dom-t", "target.example", ip_texts=["198.51.100.1"], pool=POOL_A),
            domain("dom-x", "x.example", ip_texts=[SHARED_1]),
        ],
        pools=[make_pool(POOL_A, ip_texts=["198.51.100.1"])],
    )
    eng = engine(world)
    accept(eng, UnlinkDomainPool(actor(), "target.example", "shared"), SUCCESS)
    found = effective(eng, "dom-t")
    assert (found.pool_id, found.ips) == (None, frozenset({ip(SHARED_2)}))


def deletion_world() -> World:
    """An eligible account with a DIPP linked to three domains, and three shared IPs."""
    return World(
        accounts=[account("acct-1", shared=True)],
        dedicated_ips=[dedicated("198.51.100.1"), dedicated("198.51.100.2")],
        shared_ips=[ip(SHARED_1), ip(SHARED_2), ip(SHARED_3)],
        domains=[
            domain("dom-c", "c.example", ip_texts=["198.51.100.1"], pool=POOL_A),
            domain("dom-a", "a.example", ip_texts=["198.51.100.1"], pool=POOL_A),
            domain("dom-b", "b.example", ip_texts=["198.51.100.1"], pool=POOL_A),
            domain("dom-x", "x.example", ip_texts=[SHARED_2]),
            domain("dom-y", "y.example", ip_texts=[SHARED_3]),
            domain("dom-z", "z.example", ip_texts=["198.51.100.2"]),
        ],
        pools=[make_pool(POOL_A, ip_texts=["198.51.100.1"])],
    )


def test_delete_with_shared_chooses_in_domain_id_order_counting_earlier_choices() -> None:
    """D4, 3.6.7: one shared IP per domain, in domain id order, each choice counting the last.

    Usage starts SHARED_1=0, SHARED_2=1, SHARED_3=1: dom-a takes SHARED_1 (0), dom-b then sees
    SHARED_1=1, SHARED_2=1, SHARED_3=1 and takes SHARED_1 (lowest), dom-c sees SHARED_1=2,
    SHARED_2=1, SHARED_3=1 and takes SHARED_2.
    """
    eng = engine(deletion_world())
    outcome = accept(eng, DeletePool(actor(), POOL_A, replacement_ip="shared"), STARTED)
    choices = {"dom-a": ip(SHARED_1), "dom-b": ip(SHARED_1), "dom-c": ip(SHARED_2)}
    assert outcome.changes.deleted_pools == (
        Tombstone(POOL_A, "acct-1", ReplaceWithShared(choices)),
    )
    assert outcome.pending == (DomainUpdate("dom-a"), DomainUpdate("dom-b"), DomainUpdate("dom-c"))
    for domain_id, chosen in choices.items():
        found = effective(eng, domain_id)
        assert (found.pool_id, found.ips) == (None, frozenset({chosen}))
    assert eng.settle() == 3
    assert eng.state.world() == eng.state.effective_world()
    assert sorted(eng.state.shared_ip_usage()) == [
        (ip(SHARED_1), 2),
        (ip(SHARED_2), 2),
        (ip(SHARED_3), 1),
    ]


def test_shared_ips_given_by_an_unsettled_deletion_count_for_later_choices() -> None:
    """D4, S2: counts are taken in the effective state, before the deletion is settled.

    After the deletion SHARED_1 is held by 2 domains, SHARED_2 by 2 and SHARED_3 by 1 (effectively),
    while the stored state still shows SHARED_1 unused; the next shared choice is SHARED_3.
    """
    eng = engine(deletion_world())
    accept(eng, DeletePool(actor(), POOL_A, replacement_ip="shared"), STARTED)
    accept(eng, RemoveDomainIp(actor(), "z.example", "198.51.100.2", "shared"), SUCCESS)
    found = effective(eng, "dom-z")
    assert found.ips == frozenset({ip(SHARED_3)})
    stored_a = stored(eng, "dom-a")
    assert stored_a.ips == frozenset({ip("198.51.100.1")})


def test_shared_ip_freed_by_an_unsettled_link_counts_as_free() -> None:
    """D4, S2: a domain linked to a DIPP but not yet settled no longer counts for its shared IP.

    Stored, SHARED_2 is held by two domains and SHARED_3 by one; effectively SHARED_2 is held by
    none.
    """
    world = World(
        accounts=[account("acct-1", shared=True)],
        dedicated_ips=[dedicated("198.51.100.1"), dedicated("198.51.100.2")],
        shared_ips=[ip(SHARED_1), ip(SHARED_2), ip(SHARED_3)],
        domains=[
            domain("dom-x", "x.example", ip_texts=[SHARED_1]),
            domain("dom-y", "y.example", ip_texts=[SHARED_2]),
            domain("dom-z", "z.example", ip_texts=[SHARED_2]),
            domain("dom-w", "w.example", ip_texts=[SHARED_3]),
        ],
        pools=[make_pool(POOL_A, ip_texts=["198.51.100.1"])],
    )
    eng = engine(world)
    accept(eng, EditPool(actor(), POOL_A, link_domain_ids=("dom-y", "dom-z")), SUCCESS)
    accept(eng, RemoveDomainIp(actor(), "x.example", SHARED_1, "shared"), SUCCESS)
    found = effective(eng, "dom-x")
    assert found.ips == frozenset({ip(SHARED_2)})


def test_delete_with_shared_and_no_linked_domain_needs_no_shared_ip() -> None:
    """D4: ``no shared IP available`` arises only when a domain must receive a shared IP."""
    world = World(accounts=[account("acct-1", shared=True)], pools=[make_pool(POOL_A)])
    eng = engine(world)
    outcome = accept(eng, DeletePool(actor(), POOL_A, replacement_ip="shared"), STARTED)
    assert outcome.pending == ()
    assert eng.state.world() == World(accounts=[account("acct-1", shared=True)])


def test_delete_with_shared_and_no_candidate_is_refused() -> None:
    """D4, 3.6.7: a deletion that must give a linked domain a shared IP fails without one."""
    world = World(
        accounts=[account("acct-1", shared=True)],
        dedicated_ips=[dedicated("198.51.100.1")],
        domains=[domain("dom-a", "a.example", ip_texts=["198.51.100.1"], pool=POOL_A)],
        pools=[make_pool(POOL_A, ip_texts=["198.51.100.1"])],
    )
    eng = engine(world)
    reject(eng, DeletePool(actor(), POOL_A, replacement_ip="shared"), 400, "no shared IP available")


# -- SequenceIds --------------------------------------------------------------------------


def test_sequence_hands_given_ids_in_order_then_counts() -> None:
    """§6, §7: the given ids in order, then 000000000000000000000001, 2, ..."""
    ids = SequenceIds([POOL_B, POOL_A])
    handed = [ids.new_pool_id(never_in_use) for _ in range(4)]
    assert handed == [POOL_B, POOL_A, hex_id(1), hex_id(2)]


def test_sequence_counts_in_hexadecimal() -> None:
    """K16: fallback ids count in hexadecimal: ...0009, ...000a, ..., ...000f, ...0010."""
    ids = SequenceIds()
    handed = [ids.new_pool_id(never_in_use) for _ in range(17)]
    assert handed[8:] == [
        "000000000000000000000009",
        "00000000000000000000000a",
        "00000000000000000000000b",
        "00000000000000000000000c",
        "00000000000000000000000d",
        "00000000000000000000000e",
        "00000000000000000000000f",
        "000000000000000000000010",
        "000000000000000000000011",
    ]
    assert handed[0] == "000000000000000000000001"


def test_sequence_skips_ids_in_use() -> None:
    """K16: fallback ids skip every id in use."""
    ids = SequenceIds()
    in_use = in_use_of([hex_id(1), hex_id(3)])
    assert [ids.new_pool_id(in_use) for _ in range(2)] == [hex_id(2), hex_id(4)]


def test_sequence_skips_given_ids_in_use() -> None:
    """§6: a given id that is in use when its turn comes is passed over."""
    ids = SequenceIds([POOL_A, POOL_B])
    assert ids.new_pool_id(in_use_of([POOL_A])) == POOL_B
    assert ids.new_pool_id(never_in_use) == hex_id(1)


def test_sequence_never_hands_out_an_id_twice() -> None:
    """K16: a fallback id equal to one handed out before is skipped, even if not in use now."""
    ids = SequenceIds([hex_id(2)])
    handed = [ids.new_pool_id(never_in_use) for _ in range(3)]
    assert handed == [hex_id(2), hex_id(1), hex_id(3)]


@pytest.mark.parametrize(
    "given",
    [
        ["A" * 24],
        ["a" * 23],
        ["a" * 25],
        [""],
        ["g" * 24],
        [POOL_A, " " + "b" * 23],
        [POOL_A, POOL_A],
        [POOL_A, POOL_B, POOL_A],
    ],
)
def test_sequence_refuses_invalid_or_repeated_ids(given: list[str]) -> None:
    """K16: given ids are 24 lowercase hex digits and do not repeat; else ValueError."""
    with pytest.raises(ValueError, match="pool id"):
        SequenceIds(given)


def test_sequence_accepts_any_iterable() -> None:
    """§6: the given ids may come from any iterable, read once."""
    ids = SequenceIds(iter([POOL_A]))
    assert [ids.new_pool_id(never_in_use) for _ in range(2)] == [POOL_A, hex_id(1)]


# -- RandomIds ------------------------------------------------------------------------------


def test_random_ids_are_24_hex_and_not_in_use() -> None:
    """§6: the default id source makes 24-hex ids and never one that is in use."""
    seen: list[str] = []

    def in_use(candidate: str) -> bool:
        seen.append(candidate)
        return len(seen) <= 3

    chosen = RandomIds().new_pool_id(in_use)
    assert len(seen) == 4
    assert chosen == seen[-1]
    assert is_pool_id(chosen)
    assert all(is_pool_id(candidate) for candidate in seen)


def test_random_ids_differ() -> None:
    """§6: successive random ids are fresh (collisions of 96 random bits do not happen)."""
    source = RandomIds()
    handed = {source.new_pool_id(never_in_use) for _ in range(50)}
    assert len(handed) == 50


# -- ids in commands ---------------------------------------------------------------------------


def test_rejected_creation_uses_up_no_id() -> None:
    """§6: a rejected creation takes no id; the next accepted one gets the first id."""
    world = World(accounts=[account()], dedicated_ips=[dedicated("198.51.100.1")])
    eng = engine(world)
    reject(eng, CreatePool(actor(), " ", "d"), 400, "field 'name' must not be blank, got ' '")
    reject(
        eng,
        CreatePool(actor(), "n", "d", ("198.51.100.9",)),
        400,
        "IP 198.51.100.9 is not a dedicated IP of account 'acct-1'",
    )
    first = accept(
        eng, CreatePool(actor(), "n", "d"), {"message": "success", "pool_id": NEW_IDS[0]}
    )
    assert first.changes.pools[0].pool_id == NEW_IDS[0]
    accept(eng, CreatePool(actor(), "m", "e"), {"message": "success", "pool_id": NEW_IDS[1]})


def test_creation_skips_ids_of_existing_pools() -> None:
    """§7, K16: fallback ids skip ids of DIPPs that exist."""
    world = World(accounts=[account()], pools=[make_pool(hex_id(1)), make_pool(hex_id(2))])
    eng = engine(world, ids=[])
    accept(eng, CreatePool(actor(), "n", "d"), {"message": "success", "pool_id": hex_id(3)})


def test_default_policies_use_fewest_domains_and_random_ids() -> None:
    """§6: without a choice from the host, D4 is FewestDomains and ids are random."""
    world = World(accounts=[account()])
    eng: Engine[MemoryState] = Engine(MemoryState(world))
    assert isinstance(eng.policies.shared_ip, FewestDomains)
    assert isinstance(eng.policies.ids, RandomIds)
    outcome = eng.execute(CreatePool(actor(), "n", "d"))
    assert isinstance(outcome, Accepted)
    assert is_pool_id(outcome.body["pool_id"])
    assert [p.pool_id for p in eng.state.world().pools] == [outcome.body["pool_id"]]


def test_shared_ip_choice_is_pluggable() -> None:
    """§6: the host may plug in its own shared IP choice; it sees only valid candidates."""

    class Highest:
        def __init__(self) -> None:
            self.seen: list[tuple[list[tuple[IPAddress, int]], str]] = []

        def choose(self, candidates: Sequence[tuple[IPAddress, int]], domain_id: str) -> IPAddress:
            self.seen.append((sorted(candidates), domain_id))
            return max(candidates, key=lambda item: int(item[0]))[0]

    chooser = Highest()
    world = shared_world(
        {SHARED_1: 0, SHARED_2: 4, SHARED_3: 1}, target_ips=["198.51.100.1", SHARED_3]
    )
    eng: Engine[MemoryState] = Engine(
        MemoryState(world), Policies(shared_ip=chooser, ids=SequenceIds())
    )
    accept(eng, remove_for_shared(), SUCCESS)
    assert chooser.seen == [([(ip(SHARED_1), 0), (ip(SHARED_2), 4)], "dom-t")]
    assert target_ips(eng) == [SHARED_2, SHARED_3]
