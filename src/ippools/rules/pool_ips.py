"""Rules of a DIPP's IPs: add one (3.8), remove one (3.9), add several (3.10).

The DIPP's IP set changes at once; every domain of the account linked to the
DIPP and every subaccount it is delegated to get a pending update (S4). An
addition that changes nothing is accepted and leaves nothing pending (D11).

Invariants enforced here: a DIPP's IPs are free dedicated IPs of its owner (I3);
the last IP of a linked or delegated DIPP stays (D10, I4).
"""

from __future__ import annotations

import attrs

from ippools.commands import Actor, AddPoolIp, AddPoolIps, RemovePoolIp
from ippools.errors import BadRequest, ErrorCode, NotFound, echo
from ippools.model import Account, IPAddress, Pool, ip_text
from ippools.outcome import Accepted, Changes, started_body
from ippools.policies import Policies
from ippools.rules.checks import (
    actor_account,
    free_dedicated_ip,
    has_linked_domains,
    owned_pool,
    require_dipps,
    valid_ip,
)
from ippools.rules.pending import pending_updates
from ippools.state import StateView

__all__ = ["add_pool_ip", "add_pool_ips", "remove_pool_ip"]


def _changeable_pool(state: StateView, actor: Actor, pool_id: str) -> tuple[Account, Pool]:
    account = actor_account(state, actor, audited=True)
    require_dipps(account)
    return account, owned_pool(state, account, pool_id)


def _with_ips(state: StateView, account: Account, pool: Pool, ips: frozenset[IPAddress]) -> Changes:
    if ips == pool.ips:
        return Changes()
    updated = attrs.evolve(pool, ips=ips)
    linked = state.linked_domains(pool.pool_id, account.id)
    return Changes(pools=(updated,), pending=pending_updates((d.id for d in linked), updated))


def add_pool_ip(state: StateView, command: AddPoolIp, policies: Policies) -> Accepted:
    """3.8: add one IP; already in the DIPP changes nothing (D11)."""
    account, pool = _changeable_pool(state, command.actor, command.pool_id)
    ip = free_dedicated_ip(state, account, valid_ip(command.ip), except_pool=pool.pool_id)
    changes = _with_ips(state, account, pool, pool.ips | {ip})
    return Accepted(command, started_body(), changes)


def remove_pool_ip(state: StateView, command: RemovePoolIp, policies: Policies) -> Accepted:
    """3.9: remove one IP of the DIPP; never the last one of a linked or delegated DIPP."""
    account, pool = _changeable_pool(state, command.actor, command.pool_id)
    ip = valid_ip(command.ip)
    if ip not in pool.ips:
        raise NotFound(
            ErrorCode.IP_NOT_IN_POOL, f"IP {ip_text(ip)} is not in DIPP {echo(pool.pool_id)}"
        )
    if pool.ips == {ip} and (pool.delegated_to or has_linked_domains(state, pool.pool_id)):
        raise BadRequest(
            ErrorCode.LAST_POOL_IP,
            f"IP {ip_text(ip)} is the last IP of DIPP {echo(pool.pool_id)}, "
            "which is linked to a domain or delegated to a subaccount",
        )
    changes = _with_ips(state, account, pool, pool.ips - {ip})
    return Accepted(command, started_body(), changes)


def add_pool_ips(state: StateView, command: AddPoolIps, policies: Policies) -> Accepted:
    """3.10: add several IPs from a JSON body ``{"ips": [...]}``; one bad entry rejects all."""
    account, pool = _changeable_pool(state, command.actor, command.pool_id)
    body = command.body
    if not isinstance(body, dict):
        raise BadRequest(
            ErrorCode.INVALID_BODY, "the body must be a JSON object with the field 'ips'"
        )
    for key in sorted(body, key=repr):
        if key != "ips":
            raise BadRequest(
                ErrorCode.UNKNOWN_FIELD, f"field {echo(key)} is not taken; only 'ips' is"
            )
    entries = body.get("ips")
    if not isinstance(entries, list) or not entries:
        raise BadRequest(ErrorCode.INVALID_BODY, "field 'ips' must be a non-empty array of strings")
    for entry in entries:  # the body's shape is checked before any entry's IP (K1)
        if not isinstance(entry, str):
            raise BadRequest(ErrorCode.INVALID_IP, f"ips entry {echo(entry)} is not a string")
    ips = set(pool.ips)
    for entry in entries:
        ips.add(free_dedicated_ip(state, account, valid_ip(entry), except_pool=pool.pool_id))
    changes = _with_ips(state, account, pool, frozenset(ips))
    return Accepted(command, started_body(), changes)
