"""Rules of delegation: delegate a DIPP to a subaccount (3.13), revoke a delegation (3.14).

Both are synchronous and leave nothing pending. Delegating changes only the
DIPP's record: none of the subaccount's domains can be linked to it yet (I2).
Revoking rewrites, in domain id order, each of the subaccount's domains linked
to the DIPP (effective state), to the replacement DIPP or to one shared IP
chosen by D4, then removes the delegation; it reads and writes only those
domains, whatever the size of the state (S6). A subaccount update queued
earlier for that subaccount and DIPP then finds nothing to do (S3, S5).

Invariants enforced here: a DIPP is delegated only to subaccounts of its owner
(I7, K21) and only while it has an IP (I4); after a revocation no domain of the
subaccount is linked to the DIPP (I2), and none holds its parent's dedicated
IP outside a delegated DIPP (I6), which is why the only IP replacement is
``shared``.
"""

from __future__ import annotations

import attrs

from ippools.commands import DelegatePool, RevokeDelegation
from ippools.errors import BadRequest, ErrorCode, NotFound, echo
from ippools.model import Account, Domain, Pool
from ippools.outcome import Accepted, Changes, success_body
from ippools.policies import Policies
from ippools.rules.checks import SHARED, actor_account, owned_pool, require_dipps
from ippools.rules.ip_choices import choose_shared_ips
from ippools.state import StateView

__all__ = ["delegate_pool", "revoke_delegation"]


def _subaccount_id(value: str | None) -> str:
    """3.13.2, 3.14.2: ``subaccount_id`` is required and not blank; it is used exactly (K24)."""
    if value is None:
        raise BadRequest(ErrorCode.MISSING_FIELD, "field 'subaccount_id' is required")
    if not value.strip():
        raise BadRequest(
            ErrorCode.BLANK_FIELD, f"field 'subaccount_id' must not be blank, got {echo(value)}"
        )
    return value


def _subaccount(state: StateView, account: Account, subaccount_id: str) -> Account:
    """3.13.3, 3.14.3, K21: a subaccount whose parent is the acting account; else 400."""
    sub = state.account(subaccount_id)
    if sub is None or sub.parent_id != account.id:
        raise BadRequest(
            ErrorCode.SUBACCOUNT_NOT_FOUND,
            f"subaccount not found: {echo(subaccount_id)} is not a subaccount of account "
            f"{echo(account.id)}",
        )
    return sub


def delegate_pool(state: StateView, command: DelegatePool, policies: Policies) -> Accepted:
    """3.13: delegate the account's DIPP to one of its subaccounts."""
    account = actor_account(state, command.actor, audited=True)
    require_dipps(account)  # 3.13.1
    pool = owned_pool(state, account, command.pool_id)
    sub = _subaccount(state, account, _subaccount_id(command.subaccount_id))  # 3.13.2-3
    if not pool.ips:  # 3.13.4, I4
        raise BadRequest(
            ErrorCode.EMPTY_POOL,
            f"DIPP {echo(pool.pool_id)} has no IPs and cannot be delegated",
        )
    if sub.id in pool.delegated_to:  # 3.13.5
        return Accepted(command, success_body())
    updated = attrs.evolve(pool, delegated_to=pool.delegated_to | {sub.id})
    return Accepted(command, success_body(), Changes(pools=(updated,)))


def revoke_delegation(state: StateView, command: RevokeDelegation, policies: Policies) -> Accepted:
    """3.14: take a DIPP back from a subaccount, moving its linked domains to a replacement."""
    account = actor_account(state, command.actor, audited=True)
    require_dipps(account)  # 3.14.1
    pool = owned_pool(state, account, command.pool_id)
    subaccount_id = _subaccount_id(command.subaccount_id)  # 3.14.2
    if command.replacement_ip is not None and command.replacement_pool_id is not None:
        raise BadRequest(
            ErrorCode.BOTH_REPLACEMENTS,
            "give either ip or pool_id as the replacement of a revoked delegation, not both",
        )
    sub = _subaccount(state, account, subaccount_id)  # 3.14.3
    if sub.id not in pool.delegated_to:
        raise BadRequest(
            ErrorCode.NOT_DELEGATED,
            f"DIPP {echo(pool.pool_id)} is not delegated to subaccount {echo(sub.id)}",
        )
    target = _replacement(state, account, sub, pool, command)  # 3.14.4
    linked = state.linked_domains(pool.pool_id, sub.id)
    if command.replacement_ip is None and target is None and linked:  # 3.14.5
        raise BadRequest(
            ErrorCode.REPLACEMENT_REQUIRED,
            f"{len(linked)} domain(s) of subaccount {echo(sub.id)} are linked to DIPP "
            f"{echo(pool.pool_id)}; give ip=shared or pool_id",
        )
    domains: list[Domain]  # 3.14.6, in domain id order
    pools = [attrs.evolve(pool, delegated_to=pool.delegated_to - {sub.id})]
    if target is not None:
        domains = [attrs.evolve(d, pool_id=target.pool_id, ips=target.ips) for d in linked]
        if sub.id not in target.delegated_to:
            pools.append(attrs.evolve(target, delegated_to=target.delegated_to | {sub.id}))
    else:
        chosen = choose_shared_ips(state, policies, linked)
        domains = [attrs.evolve(d, pool_id=None, ips=frozenset((chosen[d.id],))) for d in linked]
    changes = Changes(pools=tuple(pools), domains=tuple(domains))
    return Accepted(command, success_body(), changes)


def _replacement(
    state: StateView, account: Account, sub: Account, pool: Pool, command: RevokeDelegation
) -> Pool | None:
    """3.14.4: the replacement DIPP (None for ``ip=shared`` or no replacement), checked."""
    if command.replacement_pool_id is not None:
        target = state.pool(command.replacement_pool_id)
        if target is None or target.account_id != account.id:  # C7: only the account's own
            raise NotFound(
                ErrorCode.POOL_NOT_FOUND, f"DIPP {echo(command.replacement_pool_id)} not found"
            )
        if target.pool_id == pool.pool_id:
            raise BadRequest(
                ErrorCode.SAME_POOL,
                f"DIPP {echo(pool.pool_id)} cannot replace itself when its delegation is revoked",
            )
        if not target.ips:
            raise BadRequest(
                ErrorCode.EMPTY_POOL, f"replacement DIPP {echo(target.pool_id)} has no IPs"
            )
        return target
    if command.replacement_ip is None:
        return None
    if command.replacement_ip != SHARED:
        raise BadRequest(
            ErrorCode.INVALID_REPLACEMENT,
            f"ip {echo(command.replacement_ip)} is not taken when revoking a delegation: only "
            f"{echo(SHARED)} (a subaccount's domain cannot hold its parent's dedicated IP)",
        )
    if not sub.shared_ip_eligible:
        raise BadRequest(
            ErrorCode.SUBACCOUNT_NOT_SHARED_ELIGIBLE,
            f"subaccount {echo(sub.id)} is not eligible for shared IPs",
        )
    return None
