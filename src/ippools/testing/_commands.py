"""The strategy for commands: one builder per command type, weighted by pending work.

The API's sixteen command types (:data:`COMMAND_TYPES`) are drawn by default; the
host's provisioning commands (:data:`ippools.commands.HOST_COMMANDS`, built in
``_host_commands``) only when ``kinds`` names them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ippools.commands import (
    HOST_COMMANDS,
    AddPoolIp,
    AddPoolIps,
    AssignDomainIp,
    Command,
    CreatePool,
    DelegatePool,
    DeletePool,
    EditPool,
    GetDomainIps,
    GetPool,
    ListPoolDomains,
    ListPools,
    RemoveDomainIp,
    RemoveDomainPool,
    RemovePoolIp,
    RevokeDelegation,
    UnlinkDomainPool,
)
from ippools.model import is_pool_id
from ippools.rules.listing import page_token
from ippools.testing._arguments import check_world
from ippools.testing._choices import below, choose, mostly, pick, sometimes
from ippools.testing._host_commands import HOST_BUILDERS, HOST_PENDING_COMMANDS, HOST_WEIGHTS
from ippools.testing._world_values import (
    WorldValues,
    draw_actor,
    draw_domain_id,
    draw_domain_name,
    draw_ip,
    draw_ip_list,
    draw_pool_target,
    draw_replacement_ip,
    draw_replacement_pool,
    draw_replacements,
    draw_subaccount,
)
from ippools.testing._worlds import POOL_NAMES
from ippools.world import World

__all__ = ["COMMAND_TYPES", "commands"]

COMMAND_TYPES: tuple[type[Any], ...] = (
    RemoveDomainIp,
    RemoveDomainPool,
    UnlinkDomainPool,
    CreatePool,
    GetPool,
    DeletePool,
    EditPool,
    AddPoolIp,
    RemovePoolIp,
    AddPoolIps,
    ListPools,
    ListPoolDomains,
    DelegatePool,
    RevokeDelegation,
    GetDomainIps,
    AssignDomainIp,
)
"""The API's command types, one per route (3.1-3.16): what :func:`commands` draws by default.

The host's provisioning commands, :data:`ippools.commands.HOST_COMMANDS`, are drawn
only when ``kinds`` names them: ``kinds=COMMAND_TYPES + HOST_COMMANDS`` draws both.
"""

_KINDS: tuple[type[Any], ...] = COMMAND_TYPES + HOST_COMMANDS
"""Every type :func:`commands` draws, API commands first (choices shrink towards them)."""

# Limits and page tokens of 3.12: valid ones first, then the ones 3.12.2-3 and K24 refuse.
_LIMITS: tuple[str | None, ...] = (None, "10", "010", "500")
_BAD_LIMITS = ("9", "501", "", "ten", " 10")
_BAD_TOKENS = ("", "=", "ZG9tLTE=", "ZG9tLTF", "Z", "7aCA")

# Bodies that 3.10.2 refuses; the first, most ordinary one is where shrinking goes.
_BAD_BODIES: tuple[Any, ...] = (
    None,
    {},
    {"ips": []},
    {"ips": "198.51.100.1"},
    {"ips": [1]},
    {"ips": [None]},
    {"ips": ["198.51.100.1"], "extra": True},
    ["198.51.100.1"],
    "ips",
    3,
)


def _remove_domain_ip(draw: st.DrawFn, values: WorldValues) -> Command:
    name, stored = draw_domain_name(draw, values, values.unlinked_names)
    actor = draw_actor(draw, values, values.domain_owner.get(stored))
    who = actor.account_id
    ip = draw_ip(draw, values, who, values.domain_ips.get(stored, []))
    replacement = draw_replacement_ip(draw, values, who) if sometimes(draw, 3) else None
    pool_id = draw_replacement_pool(draw, values, who) if sometimes(draw, 10) else None  # 3.1.4
    return RemoveDomainIp(actor, name, ip, replacement, pool_id)


def _remove_domain_pool(draw: st.DrawFn, values: WorldValues) -> Command:
    name, stored = draw_domain_name(draw, values)
    actor = draw_actor(draw, values, values.domain_owner.get(stored))
    who = actor.account_id
    replacement = draw_replacement_ip(draw, values, who) if sometimes(draw, 10) else None  # 3.2.1
    pool_id = draw_replacement_pool(draw, values, who) if sometimes(draw, 10) else None
    return RemoveDomainPool(actor, name, replacement, pool_id)


def _unlink_domain_pool(draw: st.DrawFn, values: WorldValues) -> Command:
    name, stored = draw_domain_name(draw, values, values.linked_names)
    actor = draw_actor(draw, values, values.domain_owner.get(stored))
    ip, pool_id = draw_replacements(draw, values, actor.account_id, values.domain_pool.get(stored))
    return UnlinkDomainPool(actor, name, ip, pool_id)


def _create_pool(draw: st.DrawFn, values: WorldValues) -> Command:
    actor = draw_actor(draw, values)
    given: list[str | None] = [None, *POOL_NAMES]
    name = pick(draw, (5, ["pool"]), (1, given))
    description = pick(draw, (5, ["a pool"]), (1, given))
    who = actor.account_id
    ips_ = draw_ip_list(draw, values, who, values.free_ips.get(who, []), min_size=0)
    return CreatePool(actor, name, description, tuple(ips_))


def _get_pool(draw: st.DrawFn, values: WorldValues) -> Command:
    pool_id = draw_pool_target(draw, values)
    return GetPool(draw_actor(draw, values, values.pool_owner.get(pool_id)), pool_id)


def _delete_pool(draw: st.DrawFn, values: WorldValues) -> Command:
    pool_id = draw_pool_target(draw, values)
    actor = draw_actor(draw, values, values.pool_owner.get(pool_id))
    ip, replacement_pool = draw_replacements(draw, values, actor.account_id, pool_id)
    return DeletePool(actor, pool_id, ip, replacement_pool)


_EDIT_FIELDS = ("add_ip", "remove_ip", "link_domain", "unlink_domain", "name", "description")
_EDITED_FIELDS = st.lists(st.sampled_from(_EDIT_FIELDS), unique=True, min_size=1, max_size=3)


def _edit_pool(draw: st.DrawFn, values: WorldValues) -> Command:
    pool_id = draw_pool_target(draw, values)
    actor = draw_actor(draw, values, values.pool_owner.get(pool_id))
    who = actor.account_id
    in_pool = values.pool_ips.get(pool_id, [])
    free = values.free_ips.get(who, [])
    fields = draw(_EDITED_FIELDS)

    def some(field: str, pick: Callable[[], str]) -> tuple[str, ...]:
        if field not in fields:
            return ()
        return tuple(pick() for _ in range(1 + draw(below(2))))

    return EditPool(
        actor,
        pool_id,
        name=choose(draw, POOL_NAMES) if "name" in fields else None,
        description=choose(draw, POOL_NAMES) if "description" in fields else None,
        add_ips=some("add_ip", lambda: draw_ip(draw, values, who, free)),
        remove_ips=some("remove_ip", lambda: draw_ip(draw, values, who, in_pool)),
        link_domain_ids=some("link_domain", lambda: draw_domain_id(draw, values, who)),
        unlink_domain_ids=some("unlink_domain", lambda: draw_domain_id(draw, values, who)),
    )


def _add_pool_ip(draw: st.DrawFn, values: WorldValues) -> Command:
    pool_id = draw_pool_target(draw, values)
    actor = draw_actor(draw, values, values.pool_owner.get(pool_id))
    who = actor.account_id
    return AddPoolIp(actor, pool_id, draw_ip(draw, values, who, values.free_ips.get(who, [])))


def _remove_pool_ip(draw: st.DrawFn, values: WorldValues) -> Command:
    pool_id = draw_pool_target(draw, values)
    actor = draw_actor(draw, values, values.pool_owner.get(pool_id))
    ip = draw_ip(draw, values, actor.account_id, values.pool_ips.get(pool_id, []))
    return RemovePoolIp(actor, pool_id, ip)


def _add_pool_ips(draw: st.DrawFn, values: WorldValues) -> Command:
    pool_id = draw_pool_target(draw, values)
    actor = draw_actor(draw, values, values.pool_owner.get(pool_id))
    body: Any
    if sometimes(draw):  # 3.10.2: anything but {"ips": [strings]} is 400
        body = copy.deepcopy(choose(draw, _BAD_BODIES))
    else:
        who = actor.account_id
        body = {"ips": draw_ip_list(draw, values, who, values.free_ips.get(who, []), min_size=1)}
    return AddPoolIps(actor, pool_id, body)


def _list_pools(draw: st.DrawFn, values: WorldValues) -> Command:
    return ListPools(draw_actor(draw, values))


def _list_pool_domains(draw: st.DrawFn, values: WorldValues) -> Command:
    pool_id = draw_pool_target(draw, values)
    owner = values.pool_owner.get(pool_id)
    subs = values.delegated.get(pool_id, [])
    actor = draw_actor(draw, values, choose(draw, subs) if subs and sometimes(draw, 3) else owner)
    limit = pick(draw, (8, _LIMITS), (1, _BAD_LIMITS))
    page = None
    if sometimes(draw, 3):
        ids = values.domain_ids
        page = pick(draw, (4, [page_token(i) for i in ids]), (1, _BAD_TOKENS))
    return ListPoolDomains(actor, pool_id, limit, page)


def _delegate_pool(draw: st.DrawFn, values: WorldValues) -> Command:
    pool_id = draw_pool_target(draw, values)
    actor = draw_actor(draw, values, values.pool_owner.get(pool_id))
    return DelegatePool(actor, pool_id, draw_subaccount(draw, values, actor.account_id))


def _revoke_delegation(draw: st.DrawFn, values: WorldValues) -> Command:
    delegated = values.delegated_pools
    pool_id = pick(draw, (3, delegated), (1, [draw_pool_target(draw, values)]))
    actor = draw_actor(draw, values, values.pool_owner.get(pool_id))
    who = actor.account_id
    sub = draw_subaccount(draw, values, who, values.delegated.get(pool_id, []))
    kind = pick(draw, (4, ["pool_id"]), (3, ["shared"]), (2, ["neither"]), (1, ["ip", "both"]))
    ip = None
    if kind == "shared" or (kind == "both" and mostly(draw)):
        ip = "shared"
    elif kind in ("ip", "both"):
        ip = draw_replacement_ip(draw, values, who)
    replacement = (
        draw_replacement_pool(draw, values, who, pool_id) if kind in ("pool_id", "both") else None
    )
    return RevokeDelegation(actor, pool_id, sub, ip, replacement)


def _get_domain_ips(draw: st.DrawFn, values: WorldValues) -> Command:
    name, stored = draw_domain_name(draw, values)
    return GetDomainIps(draw_actor(draw, values, values.domain_owner.get(stored)), name)


def _assign_domain_ip(draw: st.DrawFn, values: WorldValues) -> Command:
    name, stored = draw_domain_name(draw, values)
    actor = draw_actor(draw, values, values.domain_owner.get(stored))
    who = actor.account_id
    kind = pick(draw, (5, ["pool_id"]), (5, ["ip"]), (1, ["neither", "both"]))
    ip = (
        draw_ip(draw, values, who, values.free_ips.get(who, [])) if kind in ("ip", "both") else None
    )
    pool_id = (
        draw_replacement_pool(draw, values, who, values.domain_pool.get(stored))
        if kind in ("pool_id", "both")
        else None
    )
    return AssignDomainIp(actor, name, ip, pool_id)


# Commands that change a DIPP's IPs leave the most pending work; they come up most.
_WEIGHTS: dict[type[Any], int] = {
    RemoveDomainIp: 2,
    RemoveDomainPool: 1,
    UnlinkDomainPool: 2,
    CreatePool: 2,
    GetPool: 1,
    DeletePool: 3,
    EditPool: 4,
    AddPoolIp: 6,
    RemovePoolIp: 4,
    AddPoolIps: 3,
    ListPools: 1,
    ListPoolDomains: 2,
    DelegatePool: 2,
    RevokeDelegation: 3,
    GetDomainIps: 2,
    AssignDomainIp: 3,
    **HOST_WEIGHTS,
}

_DOMAIN_COMMANDS = frozenset(
    {RemoveDomainIp, RemoveDomainPool, UnlinkDomainPool, GetDomainIps, AssignDomainIp}
    | HOST_PENDING_COMMANDS
)
"""The commands that name a domain, which may have pending work, and the host commands that
read what pending work changes (the IPs domains hold, a domain itself)."""

_PENDING_WEIGHTS = {
    kind: weight * (6 if kind is GetDomainIps else 3 if kind in _DOMAIN_COMMANDS else 1)
    for kind, weight in _WEIGHTS.items()
}
"""The weights while some domains have pending work."""

_BUILDERS: dict[type[Any], Callable[[st.DrawFn, WorldValues], Command]] = {
    RemoveDomainIp: _remove_domain_ip,
    RemoveDomainPool: _remove_domain_pool,
    UnlinkDomainPool: _unlink_domain_pool,
    CreatePool: _create_pool,
    GetPool: _get_pool,
    DeletePool: _delete_pool,
    EditPool: _edit_pool,
    AddPoolIp: _add_pool_ip,
    RemovePoolIp: _remove_pool_ip,
    AddPoolIps: _add_pool_ips,
    ListPools: _list_pools,
    ListPoolDomains: _list_pool_domains,
    DelegatePool: _delegate_pool,
    RevokeDelegation: _revoke_delegation,
    GetDomainIps: _get_domain_ips,
    AssignDomainIp: _assign_domain_ip,
    **HOST_BUILDERS,
}


def commands(
    world: World,
    *,
    pool_ids: Iterable[str] = (),
    kinds: Iterable[type[Any]] | None = None,
    pending_domains: Iterable[str] = (),
) -> st.SearchStrategy[Command]:
    """Commands of the types of :mod:`ippools.commands`, aimed at ``world``.

    Accounts, domain names and ids, DIPP ids and IPs are mostly drawn from
    ``world``: a command on a domain or DIPP mostly acts as its owner, and the
    IPs it names are mostly the ones that record holds or the acting account's
    own; otherwise any account's records (its parent's and subaccounts'
    included), and now and then unknown or malformed values. Commands that
    change a DIPP's IPs come up most often, since they leave pending work.

    ``pool_ids`` adds DIPP ids that do not exist in ``world`` yet, such as the
    ids an id source will hand out to creations. ``kinds`` chooses the command
    types: by default the sixteen API commands of :data:`COMMAND_TYPES`; it may
    name the host's provisioning commands too (``HOST_COMMANDS``), which then
    mostly name values the rules accept (new ids and IPs, records nothing holds,
    an account's free IPs or a DIPP visible to it for a new domain, the other
    value of a flag) and now and then ones they refuse (ids and IPs in use,
    unknown accounts, another account's IP, a record still held or in use).
    ``pending_domains`` names the domains of ``world`` whose stored record lags
    behind (pending work): commands on a domain aim at them most often, since a
    store is most likely wrong there, and host commands at their owners and at
    the owners' IPs that nothing holds any more (such as one a DIPP just gave up,
    which a lagging stored record may still list).
    """
    world = check_world(world)
    extra = list(pool_ids) if not isinstance(pool_ids, str) else [pool_ids]
    for pool_id in extra:
        if not is_pool_id(pool_id):
            raise InvalidArgument(f"pool_ids: {pool_id!r} is not 24 lowercase hex digits")
    if kinds is None:
        chosen = list(COMMAND_TYPES)
    else:
        chosen = list(kinds)
        if not chosen:
            raise InvalidArgument("kinds must name at least one command type, got none")
        for kind in chosen:
            if kind not in _BUILDERS:
                raise InvalidArgument(f"kinds: {kind!r} is not an ippools command type")
    if isinstance(pending_domains, str):
        raise InvalidArgument(
            f"pending_domains must be domain names, not one string: {pending_domains!r}"
        )
    lagging = list(pending_domains)
    for name in lagging:
        if not isinstance(name, str):
            raise InvalidArgument(f"pending_domains: {name!r} is not a domain name")
    values = WorldValues(world, extra, lagging)
    return _commands(values, [kind for kind in _KINDS if kind in chosen])


@st.composite
def _commands(draw: st.DrawFn, values: WorldValues, kinds: list[type[Any]]) -> Command:
    # Domains with pending work draw the domain commands three times as often (S3), and
    # the read of a domain's IPs six times: it must answer the effective state (S2).
    # That read comes first then: the choice Hypothesis draws most, and shrinks to.
    if values.pending_names:
        order = sorted(kinds, key=lambda kind: kind is not GetDomainIps)
        kind = pick(draw, *[(_PENDING_WEIGHTS[kind], [kind]) for kind in order])
    else:
        kind = pick(draw, *[(_WEIGHTS[kind], [kind]) for kind in kinds])
    return _BUILDERS[kind](draw, values)
