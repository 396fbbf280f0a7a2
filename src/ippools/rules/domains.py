"""Rules of the domain routes: ``/v3/domains/{name}/ips`` and ``/v3/domains/{name}/ips/{ip}``.

On ``DELETE .../ips/{ip}`` (and ``/pool/{ip}``) the ``{ip}`` segment chooses the
operation: an IP removes it from the domain (3.1), ``all`` removes the domain
from this system (3.2), ``ip_pool`` unlinks the domain's DIPP (3.3). All three
act synchronously on the domain's effective state and leave nothing pending
(S4); the record they store is complete, so a stale pending update for the
domain finds nothing left to do (S3).

``GET .../ips`` reads the domain's effective IPs (3.15). ``POST .../ips``
gives the domain one more dedicated IP, synchronously like 3.1 (S3, K20), or
links it to a DIPP, whose IPs it receives through one domain update (3.16).

Invariants kept here: a domain of an account that is not shared-eligible never
loses its last IP (3.1.5) and never receives a shared IP; a domain of an
eligible account is never left empty (D2); a domain left on warmup-only IPs is
topped up (D1).
"""

from __future__ import annotations

import attrs

from ippools.commands import (
    AssignDomainIp,
    GetDomainIps,
    RemoveDomainIp,
    RemoveDomainPool,
    UnlinkDomainPool,
)
from ippools.errors import BadRequest, ErrorCode, NotFound, echo
from ippools.model import IPAddress, ip_text, sorted_ips
from ippools.outcome import Accepted, Changes, DomainUpdate, success_body
from ippools.policies import Policies
from ippools.rules.checks import (
    SHARED,
    actor_account,
    free_dedicated_ip,
    own_domain,
    require_dipps,
    require_shared_eligible,
    valid_ip,
    visible_pool,
)
from ippools.rules.ip_choices import choose_shared_ips, warmup_top_up
from ippools.state import StateView

__all__ = [
    "assign_domain_ip",
    "get_domain_ips",
    "remove_domain_ip",
    "remove_domain_pool",
    "unlink_domain_pool",
]


def remove_domain_ip(state: StateView, command: RemoveDomainIp, policies: Policies) -> Accepted:
    """3.1: remove one IP from a domain that is not linked to a DIPP."""
    account = actor_account(state, command.actor, audited=True)
    ip = valid_ip(command.ip)
    domain = own_domain(state, account, command.domain_name)  # 3.1.1
    if domain.pool_id is not None:  # 3.1.2
        raise BadRequest(
            ErrorCode.DOMAIN_LINKED,
            f"domain {echo(domain.name)} is linked to DIPP {echo(domain.pool_id)}; "
            "its IPs are managed by the DIPP",
        )
    if ip not in domain.ips:  # 3.1.3
        raise NotFound(
            ErrorCode.IP_NOT_ON_DOMAIN,
            f"IP {ip_text(ip)} is not an IP of domain {echo(domain.name)}",
        )
    replacement: IPAddress | None = None  # 3.1.4
    wants_shared = command.replacement_ip == SHARED
    if wants_shared:
        require_shared_eligible(account)
    elif command.replacement_ip is not None:
        replacement = valid_ip(command.replacement_ip, "replacement IP")
        if replacement == ip:
            raise BadRequest(
                ErrorCode.REPLACEMENT_IS_REMOVED,
                f"replacement IP {ip_text(replacement)} is the IP being removed",
            )
        free_dedicated_ip(state, account, replacement)
    if command.replacement_pool_id is not None:
        raise BadRequest(
            ErrorCode.UNEXPECTED_PARAMETER,
            f"pool_id {echo(command.replacement_pool_id)} is not taken "
            "when removing an IP from a domain",
        )
    remaining = domain.ips - {ip}
    if not account.shared_ip_eligible and replacement is None and not remaining:  # 3.1.5
        raise BadRequest(
            ErrorCode.LAST_IP,
            f"IP {ip_text(ip)} is the last IP of domain {echo(domain.name)} and account "
            f"{echo(account.id)} is not eligible for shared IPs",
        )
    ips = set(remaining)  # 3.1.6
    if replacement is not None:
        ips.add(replacement)
    if wants_shared:
        ips.add(choose_shared_ips(state, policies, [domain], removing=ip)[domain.id])
    extra = warmup_top_up(state, account, frozenset(ips), ip)  # D1
    if extra is not None:
        ips.add(extra)
    if account.shared_ip_eligible and not ips:  # D2
        ips.add(choose_shared_ips(state, policies, [domain], removing=ip)[domain.id])
    updated = attrs.evolve(domain, pool_id=None, ips=frozenset(ips))
    return Accepted(command, success_body(), Changes(domains=(updated,)))


def remove_domain_pool(state: StateView, command: RemoveDomainPool, policies: Policies) -> Accepted:
    """3.2: the domain no longer exists for this system; its IPs and DIPP link go with it."""
    account = actor_account(state, command.actor, audited=True)
    domain = own_domain(state, account, command.domain_name)
    for field, value in (("ip", command.replacement_ip), ("pool_id", command.replacement_pool_id)):
        if value is not None:
            raise BadRequest(
                ErrorCode.UNEXPECTED_PARAMETER,
                f"query parameter {field}={echo(value)} is not taken when removing a domain pool",
            )
    return Accepted(command, success_body(), Changes(deleted_domains=(domain.id,)))


def unlink_domain_pool(state: StateView, command: UnlinkDomainPool, policies: Policies) -> Accepted:
    """3.3: unlink the domain's DIPP, replacing it with an IP, a shared IP or another DIPP."""
    account = actor_account(state, command.actor, audited=True)
    require_dipps(account)
    if (command.replacement_ip is None) == (command.replacement_pool_id is None):
        raise BadRequest(
            ErrorCode.REPLACEMENT_REQUIRED,
            "exactly one of the query parameters ip and pool_id is required to unlink a DIPP",
        )
    domain = own_domain(state, account, command.domain_name)
    current = domain.pool_id
    if current is None:
        raise BadRequest(
            ErrorCode.DOMAIN_NOT_LINKED, f"domain {echo(domain.name)} is not linked to a DIPP"
        )
    if command.replacement_ip == SHARED:  # 3.3.2
        require_shared_eligible(account)
        chosen = choose_shared_ips(state, policies, [domain])[domain.id]
        updated = attrs.evolve(domain, pool_id=None, ips=frozenset((chosen,)))
    elif command.replacement_ip is not None:  # 3.3.3, K8, K9
        ip = valid_ip(command.replacement_ip, "replacement IP")
        free_dedicated_ip(state, account, ip, except_pool=current)
        updated = attrs.evolve(domain, pool_id=None, ips=frozenset((ip,)))
    else:  # 3.3.4
        assert command.replacement_pool_id is not None
        target = visible_pool(state, account, command.replacement_pool_id)
        if target.pool_id == current:
            raise BadRequest(
                ErrorCode.SAME_POOL,
                f"domain {echo(domain.name)} is already linked to DIPP {echo(current)}",
            )
        if not target.ips:
            raise BadRequest(ErrorCode.EMPTY_POOL, f"DIPP {echo(target.pool_id)} has no IPs")
        updated = attrs.evolve(domain, pool_id=target.pool_id, ips=target.ips)
    return Accepted(command, success_body(), Changes(domains=(updated,)))


def get_domain_ips(state: StateView, command: GetDomainIps, policies: Policies) -> Accepted:
    """3.15: the domain's IPs in the effective state, sorted (C5), and how many."""
    account = actor_account(state, command.actor, audited=False)
    domain = own_domain(state, account, command.domain_name)
    items = [ip_text(ip) for ip in sorted_ips(domain.ips)]
    return Accepted(command, {"items": items, "total_count": len(items)})


def assign_domain_ip(state: StateView, command: AssignDomainIp, policies: Policies) -> Accepted:
    """3.16: give the domain one of the account's free dedicated IPs, or link it to a DIPP."""
    account = actor_account(state, command.actor, audited=True)
    if (command.ip is None) == (command.pool_id is None):  # 3.16.1, K20
        raise BadRequest(
            ErrorCode.IP_OR_POOL_REQUIRED,
            "exactly one of the form fields ip and pool_id is required",
        )
    if command.pool_id is not None:
        require_dipps(account)
    domain = own_domain(state, account, command.domain_name)
    if command.pool_id is not None:  # 3.16.2
        target = visible_pool(state, account, command.pool_id)
        if not target.ips:  # D10
            raise BadRequest(
                ErrorCode.EMPTY_POOL,
                f"DIPP {echo(target.pool_id)} has no IPs and cannot be linked to a domain",
            )
        if domain.pool_id == target.pool_id:
            return Accepted(command, success_body())
        linked = attrs.evolve(domain, pool_id=target.pool_id)  # D9; the IPs follow (S4)
        changes = Changes(domains=(linked,), pending=(DomainUpdate(domain.id),))
        return Accepted(command, success_body(), changes)
    assert command.ip is not None  # 3.16.3
    ip = free_dedicated_ip(state, account, valid_ip(command.ip))
    if domain.pool_id is not None:
        raise BadRequest(
            ErrorCode.DOMAIN_LINKED,
            f"domain {echo(domain.name)} is linked to DIPP {echo(domain.pool_id)}; "
            "its IPs are managed by the DIPP",
        )
    if ip in domain.ips:
        return Accepted(command, success_body())
    updated = attrs.evolve(domain, ips=domain.ips | {ip})
    return Accepted(command, success_body(), Changes(domains=(updated,)))
