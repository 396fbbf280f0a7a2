"""The host's provisioning commands: one builder per type, and how often each comes up.

These commands have no HTTP route and their actor is not checked; what matters is
the records they name. Each builder mostly names values that the rules accept
(ids, names and IPs not in use for a creation; an account, IP or domain that
nothing holds for a removal; the other value of a flag), and now and then one
they refuse: an id or IP in use, an unknown or malformed one, an account that
still has records, an IP still held, another account's IP for a domain, a DIPP
that is not visible or has no IPs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from ippools.commands import (
    AddDedicatedIp,
    AddSharedIp,
    Command,
    CreateAccount,
    CreateDomain,
    RemoveAccount,
    RemoveDedicatedIp,
    RemoveDomain,
    RemoveSharedIp,
    SetAccountFeatures,
    SetWarmup,
)
from ippools.testing._choices import choose, mostly, often, pick, sometimes
from ippools.testing._world_values import (
    WorldValues,
    draw_account_id,
    draw_domain_to_remove,
    draw_host_actor,
    draw_ip,
    draw_new_account_id,
    draw_new_domain,
    draw_new_ip,
    draw_replacement_pool,
)

__all__ = ["HOST_BUILDERS", "HOST_PENDING_COMMANDS", "HOST_WEIGHTS"]


def _create_account(draw: st.DrawFn, values: WorldValues) -> Command:
    actor = draw_host_actor(draw, values)
    host = values.host
    account_id = draw_new_account_id(draw, values)
    # Top-level mostly, or a subaccount of a top-level account; now and then a parent that
    # is a subaccount, the account itself, or unknown (§1).
    parent_id: str | None = pick(
        draw,
        (4, [None]),
        (4, host.top_level),
        (1, host.subaccounts),
        (1, [account_id, "acct-unknown"]),
    )
    return CreateAccount(actor, account_id, parent_id, mostly(draw), often(draw))


def _remove_account(draw: st.DrawFn, values: WorldValues) -> Command:
    actor = draw_host_actor(draw, values)
    return RemoveAccount(actor, draw_account_id(draw, values, values.host.removable))


_FEATURES = ("shared_ip_eligible", "dipps", "both", "neither")


def _set_account_features(draw: st.DrawFn, values: WorldValues) -> Command:
    actor = draw_host_actor(draw, values)
    account_id = draw_account_id(draw, values, values.host.pending_owners)
    dipps_now, eligible_now = values.host.flags.get(account_id, (False, False))
    which = choose(draw, _FEATURES)
    # Mostly the other value of a flag (eligibility taken away is refused while a domain
    # of the account holds a shared IP, I5); sometimes the value it has (no change).
    dipps = eligible = None
    if which in ("dipps", "both"):
        dipps = not dipps_now if mostly(draw) else dipps_now
    if which in ("shared_ip_eligible", "both"):
        eligible = not eligible_now if mostly(draw) else eligible_now
    return SetAccountFeatures(actor, account_id, dipps, eligible)


def _add_dedicated_ip(draw: st.DrawFn, values: WorldValues) -> Command:
    actor = draw_host_actor(draw, values)
    ip = draw_new_ip(draw, values)
    account_id = draw_account_id(draw, values)
    return AddDedicatedIp(actor, ip, account_id, sometimes(draw, 3))


def _remove_dedicated_ip(draw: st.DrawFn, values: WorldValues) -> Command:
    actor = draw_host_actor(draw, values)
    # Mostly one that no DIPP and no domain holds (while domains have pending work, one of
    # their owners', such as an IP a DIPP just gave up); else a held one, a shared one, odd.
    host = values.host
    likely = host.pending_unheld or host.unheld_dedicated
    return RemoveDedicatedIp(actor, draw_ip(draw, values, "", likely))


def _set_warmup(draw: st.DrawFn, values: WorldValues) -> Command:
    actor = draw_host_actor(draw, values)
    host = values.host
    ip = draw_ip(draw, values, "", host.dedicated)
    now = host.warmup.get(ip, False)
    return SetWarmup(actor, ip, not now if mostly(draw) else now)


def _add_shared_ip(draw: st.DrawFn, values: WorldValues) -> Command:
    return AddSharedIp(draw_host_actor(draw, values), draw_new_ip(draw, values))


def _remove_shared_ip(draw: st.DrawFn, values: WorldValues) -> Command:
    actor = draw_host_actor(draw, values)
    host = values.host
    return RemoveSharedIp(actor, draw_ip(draw, values, "", host.unheld_shared or host.shared))


def _create_domain(draw: st.DrawFn, values: WorldValues) -> Command:
    actor = draw_host_actor(draw, values)
    host = values.host
    domain_id, name = draw_new_domain(draw, values)
    account_id = draw_account_id(draw, values, host.domain_accounts)
    # IPs the account may hold, or a DIPP visible to it; now and then both or neither.
    kind = pick(draw, (5, ["ips"]), (4, ["pool_id"]), (1, ["neither", "both"]))
    ips: tuple[str, ...] = ()
    if kind in ("ips", "both"):
        likely = host.holdable.get(account_id, [])
        ips = tuple(
            draw_ip(draw, values, account_id, likely) for _ in range(1 + sometimes(draw, 3))
        )
    pool_id = (
        draw_replacement_pool(draw, values, account_id) if kind in ("pool_id", "both") else None
    )
    return CreateDomain(actor, domain_id, name, account_id, ips, pool_id)


def _remove_domain(draw: st.DrawFn, values: WorldValues) -> Command:
    return RemoveDomain(draw_host_actor(draw, values), draw_domain_to_remove(draw, values))


HOST_WEIGHTS: dict[type[Any], int] = {
    CreateAccount: 1,
    RemoveAccount: 1,
    SetAccountFeatures: 1,
    AddDedicatedIp: 2,
    RemoveDedicatedIp: 2,
    SetWarmup: 1,
    AddSharedIp: 1,
    RemoveSharedIp: 1,
    CreateDomain: 2,
    RemoveDomain: 1,
}
"""How often each host command comes up, on the scale of the API commands' weights.

Adding and removing dedicated IPs and creating domains come up most: they meet the
IPs that DIPPs and pending work move around.
"""

HOST_PENDING_COMMANDS = frozenset(
    {RemoveDedicatedIp, RemoveSharedIp, SetAccountFeatures, CreateDomain, RemoveDomain}
)
"""The host commands whose rules read what pending work changes: the IPs that domains hold
(removing an IP, taking eligibility away), a domain's link and IPs (a new domain linked to
a DIPP, removing a domain). While domains have pending work they come up three times as
often, as the API's commands on a domain do."""

HOST_BUILDERS: dict[type[Any], Callable[[st.DrawFn, WorldValues], Command]] = {
    CreateAccount: _create_account,
    RemoveAccount: _remove_account,
    SetAccountFeatures: _set_account_features,
    AddDedicatedIp: _add_dedicated_ip,
    RemoveDedicatedIp: _remove_dedicated_ip,
    SetWarmup: _set_warmup,
    AddSharedIp: _add_shared_ip,
    RemoveSharedIp: _remove_shared_ip,
    CreateDomain: _create_domain,
    RemoveDomain: _remove_domain,
}
"""One builder per host command type, in the order of :data:`ippools.commands.HOST_COMMANDS`."""
