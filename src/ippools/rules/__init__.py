"""The rules engine: decide a command against a read-only state.

:func:`decide` looks up the one function that decides the command's type and
returns an :class:`~ippools.outcome.Accepted` outcome (answer body, changes to
store, pending updates in S4 order) or a :class:`~ippools.outcome.Rejected` one
(an error; nothing changes). Deciding reads the state only through
:class:`~ippools.state.StateView`, never writes it, and does no I/O; the only
thing it consumes is a new pool id from the id source, and only on acceptance.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ippools.commands import (
    AddDedicatedIp,
    AddPoolIp,
    AddPoolIps,
    AddSharedIp,
    AssignDomainIp,
    Command,
    CreateAccount,
    CreateDomain,
    CreatePool,
    DelegatePool,
    DeletePool,
    EditPool,
    GetDomainIps,
    GetPool,
    ListPoolDomains,
    ListPools,
    RemoveAccount,
    RemoveDedicatedIp,
    RemoveDomain,
    RemoveDomainIp,
    RemoveDomainPool,
    RemovePoolIp,
    RemoveSharedIp,
    RevokeDelegation,
    SetAccountFeatures,
    SetWarmup,
    UnlinkDomainPool,
)
from ippools.errors import ApiError, echo
from ippools.outcome import Accepted, Outcome, Rejected, mark_decided
from ippools.policies import Policies
from ippools.rules import delegation, domains, listing, pool_ips, pools, provisioning
from ippools.state import StateView

__all__ = ["DECIDERS", "decide"]

Decider = Callable[[StateView, Any, Policies], Accepted]
"""A decider takes its arguments in the order of :func:`decide`: state, command, policies."""

DECIDERS: dict[type[Any], Decider] = {
    RemoveDomainIp: domains.remove_domain_ip,
    RemoveDomainPool: domains.remove_domain_pool,
    UnlinkDomainPool: domains.unlink_domain_pool,
    CreatePool: pools.create_pool,
    GetPool: pools.get_pool,
    DeletePool: pools.delete_pool,
    EditPool: pools.edit_pool,
    AddPoolIp: pool_ips.add_pool_ip,
    RemovePoolIp: pool_ips.remove_pool_ip,
    AddPoolIps: pool_ips.add_pool_ips,
    ListPools: listing.list_pools,
    ListPoolDomains: listing.list_pool_domains,
    DelegatePool: delegation.delegate_pool,
    RevokeDelegation: delegation.revoke_delegation,
    GetDomainIps: domains.get_domain_ips,
    AssignDomainIp: domains.assign_domain_ip,
    # the host's provisioning commands (no HTTP route)
    CreateAccount: provisioning.create_account,
    RemoveAccount: provisioning.remove_account,
    SetAccountFeatures: provisioning.set_account_features,
    AddDedicatedIp: provisioning.add_dedicated_ip,
    RemoveDedicatedIp: provisioning.remove_dedicated_ip,
    SetWarmup: provisioning.set_warmup,
    AddSharedIp: provisioning.add_shared_ip,
    RemoveSharedIp: provisioning.remove_shared_ip,
    CreateDomain: provisioning.create_domain,
    RemoveDomain: provisioning.remove_domain,
}

_DEFAULT_POLICIES = Policies()


def decide(state: StateView, command: Command, policies: Policies | None = None) -> Outcome:
    """Decide ``command`` against ``state``.

    Returns :class:`Accepted` or :class:`Rejected`; raises :class:`TypeError` only
    for a ``command`` that is not a command or ``policies`` that are not
    :class:`Policies`.
    """
    decider = DECIDERS.get(type(command))
    if decider is None:
        raise TypeError(f"command must be an ippools command, got {echo(command)}")
    if policies is not None and not isinstance(policies, Policies):
        raise TypeError(f"policies must be ippools Policies or None, got {echo(policies)}")
    try:
        outcome = decider(state, command, policies or _DEFAULT_POLICIES)
    except ApiError as error:
        return Rejected(command, error)
    mark_decided(outcome.changes)  # written without a second check (Changes.decided)
    return outcome
