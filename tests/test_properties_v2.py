"""Properties of the version 2 routes: page walks (3.12) and non-interference (C7 made general)."""

from __future__ import annotations

import attrs
from hypothesis import event, given, settings
from hypothesis import strategies as st

from ippools import (
    Accepted,
    Actor,
    AddPoolIp,
    AssignDomainIp,
    DeletePool,
    EditPool,
    Engine,
    GetPool,
    ListPoolDomains,
    MemoryState,
    Policies,
    RevokeDelegation,
    SequenceIds,
    World,
    decide,
)
from ippools.model import Account
from ippools.testing.strategies import commands, worlds

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)
ID_SEQUENCE = [digit * 24 for digit in "123456789"]

# Many domains, so that a walk with limit 10 often takes several pages.
LARGE_WORLDS = worlds(min_dedicated_ips=2, min_domains=4, max_domains=40, min_pools=1)
LINKING_KINDS = [AddPoolIp, EditPool, DeletePool, AssignDomainIp, RevokeDelegation]


@PROPERTY_SETTINGS
@given(data=st.data())
def test_walking_every_page_yields_each_linked_domain_once_in_id_order(
    data: st.DataObject,
) -> None:
    """3.12.3-5: walking the pages of a DIPP with any limit, each page asked with the token of
    the previous answer's ``paging.next``, yields each linked domain exactly once, in domain id
    order, and their names are 3.5's ``linked_domains`` as a set, in the viewer's view and in
    the effective state (earlier commands may have left pending work)."""
    world = data.draw(LARGE_WORLDS, label="world")
    engine = Engine(MemoryState(world), Policies(ids=SequenceIds(ID_SEQUENCE)))
    for _ in range(data.draw(st.integers(0, 4), label="earlier commands")):
        aim = commands(engine.state.effective_world(), pool_ids=ID_SEQUENCE, kinds=LINKING_KINDS)
        engine.execute(data.draw(aim))
    pools = engine.state.effective_world().pools
    if not pools:
        return
    pool = data.draw(st.sampled_from(pools), label="pool")
    viewer = data.draw(st.sampled_from(sorted({pool.account_id, *pool.delegated_to})))
    limit = data.draw(st.integers(10, 12) | st.integers(10, 500), label="limit")
    actor = Actor(viewer)
    expected = decide(engine.state, GetPool(actor, pool.pool_id))
    assert isinstance(expected, Accepted)
    walked: list[dict[str, str]] = []
    token: str | None = None
    pages = 0
    while True:
        outcome = engine.execute(ListPoolDomains(actor, pool.pool_id, str(limit), token))
        assert outcome.status == 200, outcome
        page = outcome.body["domains"]
        pages += 1
        assert len(page) <= limit
        first = f"/v3/ip_pools/{pool.pool_id}/domains?limit={limit}"
        assert outcome.body["paging"]["first"] == first
        if not page:
            assert outcome.body["paging"]["next"] == (
                first if token is None else f"{first}&page={token}"
            )
            break
        walked += page
        token = outcome.body["paging"]["next"].partition("&page=")[2]
    event(f"pages walked: {min(pages, 4)}{'+' if pages >= 4 else ''}")
    ids = [item["id"] for item in walked]
    assert ids == sorted(set(ids))
    names = sorted(item["name"] for item in walked)
    assert names == expected.body["details"]["linked_domains"]
    assert ids == [
        d.id
        for d in engine.state.linked_domains(
            pool.pool_id, None if viewer == pool.account_id else viewer
        )
    ]


def _related(world: World, account_id: str) -> set[str]:
    """The account, its parent and its subaccounts."""
    parent = next((a.parent_id for a in world.accounts if a.id == account_id), None)
    subs = {a.id for a in world.accounts if a.parent_id == account_id}
    return {account_id, *subs, *([parent] if parent else [])}


def _without_unrelated(world: World, related: set[str]) -> World:
    """``world`` with every record of an unrelated account changed or removed.

    Removed: their DIPPs, their dedicated IPs, their domains that hold no shared IP, and
    the delegations to them. Changed: the DIPPs feature of each is flipped, and a domain
    of theirs that holds shared IPs is unlinked and keeps only those. D4 counts shared IPs
    platform-wide (§6), so the shared IPs held stay exactly as they were: the answers may
    depend on how many domains hold each shared IP, and on nothing else of theirs.
    """
    shared = set(world.shared_ips)
    domains = []
    for domain in world.domains:
        if domain.account_id in related:
            domains.append(domain)
        elif domain.ips & shared:
            domains.append(attrs.evolve(domain, pool_id=None, ips=domain.ips & shared))
    accounts = [
        a if a.id in related else Account(a.id, a.parent_id, not a.dipps, a.shared_ip_eligible)
        for a in world.accounts
    ]
    pools = [
        attrs.evolve(p, delegated_to=p.delegated_to & related)
        for p in world.pools
        if p.account_id in related
    ]
    dedicated = [r for r in world.dedicated_ips if r.account_id in related]
    return World(
        accounts=accounts,
        dedicated_ips=dedicated,
        shared_ips=world.shared_ips,
        domains=domains,
        pools=pools,
    )


@PROPERTY_SETTINGS
@given(data=st.data())
def test_answers_do_not_depend_on_unrelated_accounts(data: st.DataObject) -> None:
    """C7 made general: a request by account A gets the same answer when every record of an
    account unrelated to A (neither A, its parent nor its subaccounts) is changed or removed.

    D4 counts shared IPs over the whole platform, so the unrelated domains keep the shared
    IPs they hold (see ``_without_unrelated``); everything else of theirs goes or changes.
    New pool ids come from a sequence that avoids every id of the world, since the id
    source skips ids in use platform-wide (§6).
    """
    world = data.draw(worlds(min_dedicated_ips=1, min_domains=1, max_accounts=5), label="world")
    accounts = [a.id for a in world.accounts]
    who = data.draw(st.sampled_from(accounts), label="account A")
    related = _related(world, who)
    changed = _without_unrelated(world, related)
    assert (changed != world) == _has_records(world, related)
    command = data.draw(commands(world, pool_ids=ID_SEQUENCE), label="command")
    command = attrs.evolve(command, actor=attrs.evolve(command.actor, account_id=who))
    used = {p.pool_id for p in world.pools}
    ids = [pool_id for pool_id in ID_SEQUENCE if pool_id not in used]
    original = decide(MemoryState(world), command, Policies(ids=SequenceIds(ids)))
    other = decide(MemoryState(changed), command, Policies(ids=SequenceIds(ids)))
    event(f"{type(command).__name__} {original.status}")
    event(f"unrelated accounts: {len(set(accounts) - related)}")
    assert (other.status, other.body) == (original.status, original.body)


def _has_records(world: World, related: set[str]) -> bool:
    """True when some account outside ``related`` exists (its records are then changed)."""
    return any(a.id not in related for a in world.accounts)
