"""Rules of the DIPP routes: create (3.4), read (3.5), delete (3.6) and edit (3.7).

A DIPP's own record (name, description, IPs, delegation) changes at once; the
domains linked to it follow through pending updates (S4). Deleting a DIPP leaves
a tombstone naming its replacement, so that its domains count as relinked (or
unlinked) at once in the effective state (S2), and moves its delegations to the
replacement DIPP at once.

Invariants enforced here: a DIPP's IPs are free dedicated IPs of its owner (I3);
a DIPP with a linked domain or a delegation keeps at least one IP (D10, I4); a
deleted DIPP's subaccounts are only ever given another DIPP (D6, I6).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import attrs

from ippools.commands import CreatePool, DeletePool, EditPool, GetPool
from ippools.errors import BadRequest, ErrorCode, echo
from ippools.model import Domain, IPAddress, Pool, ip_sort_key, ip_text, sorted_ips
from ippools.outcome import (
    Accepted,
    Changes,
    Replacement,
    ReplaceWithIp,
    ReplaceWithPool,
    ReplaceWithShared,
    Tombstone,
    started_body,
    success_body,
)
from ippools.policies import Policies
from ippools.rules.checks import (
    SHARED,
    actor_account,
    free_dedicated_ip,
    has_linked_domains,
    owned_pool,
    require_dipps,
    require_shared_eligible,
    valid_ip,
    visible_pool,
)
from ippools.rules.ip_choices import choose_shared_ips
from ippools.rules.pending import pending_updates
from ippools.state import StateView

__all__ = ["create_pool", "delete_pool", "edit_pool", "get_pool"]


def _not_blank(field: str, value: str | None, *, required: bool) -> None:
    """K7: the value is trimmed for this test only; the name or description is stored as given."""
    if value is None:
        if required:
            raise BadRequest(ErrorCode.MISSING_FIELD, f"field {echo(field)} is required")
        return
    if not value.strip():
        raise BadRequest(
            ErrorCode.BLANK_FIELD, f"field {echo(field)} must not be blank, got {echo(value)}"
        )


def create_pool(state: StateView, command: CreatePool, policies: Policies) -> Accepted:
    """3.4: a new DIPP owned by the account, delegated to nobody."""
    account = actor_account(state, command.actor, audited=False)
    require_dipps(account)
    _not_blank("name", command.name, required=True)
    _not_blank("description", command.description, required=True)
    assert command.name is not None
    assert command.description is not None
    ips: set[IPAddress] = set()
    for text in command.ips:
        ips.add(free_dedicated_ip(state, account, valid_ip(text)))
    pool_id = policies.ids.new_pool_id(state.pool_id_in_use)
    pool = Pool(pool_id, account.id, command.name, command.description, frozenset(ips))  # K7
    return Accepted(command, success_body(pool_id=pool_id), Changes(pools=(pool,)))


def get_pool(state: StateView, command: GetPool, policies: Policies) -> Accepted:
    """3.5: a visible DIPP's details; a subaccount sees only its own linked domains."""
    account = actor_account(state, command.actor, audited=False)
    pool = visible_pool(state, account, command.pool_id)
    owner_view = pool.account_id == account.id  # K12: also a subaccount reading its own DIPP
    domains = state.linked_domains(pool.pool_id, None if owner_view else account.id)
    names = sorted(domain.name for domain in domains)  # K12: names as stored, by code point
    details: dict[str, Any] = {
        "description": pool.description,
        "ips": [ip_text(ip) for ip in sorted_ips(pool.ips)],
        "is_linked": bool(names),
        "linked_domains": names,
        "name": pool.name,
        "pool_id": pool.pool_id,
    }
    return Accepted(command, success_body(details=details))


def delete_pool(state: StateView, command: DeletePool, policies: Policies) -> Accepted:
    """3.6: delete a DIPP now; its domains and subaccounts follow through pending updates."""
    account = actor_account(state, command.actor, audited=True)
    require_dipps(account)
    pool = owned_pool(state, account, command.pool_id)
    if command.replacement_ip is not None and command.replacement_pool_id is not None:
        raise BadRequest(
            ErrorCode.BOTH_REPLACEMENTS,
            "give either ip or pool_id as the replacement of a deleted DIPP, not both",
        )
    replacement: Replacement = None
    target: Pool | None = None
    wants_shared = False
    if command.replacement_pool_id is not None:  # 3.6.3
        target = visible_pool(state, account, command.replacement_pool_id)
        if target.pool_id == pool.pool_id:
            raise BadRequest(
                ErrorCode.SAME_POOL, f"DIPP {echo(pool.pool_id)} cannot replace itself when deleted"
            )
        if not target.ips:
            raise BadRequest(
                ErrorCode.EMPTY_POOL, f"replacement DIPP {echo(target.pool_id)} has no IPs"
            )
        replacement = ReplaceWithPool(target.pool_id)
    elif command.replacement_ip == SHARED:  # 3.6.4
        require_shared_eligible(account)
        wants_shared = True
    elif command.replacement_ip is not None:
        ip = valid_ip(command.replacement_ip, "replacement IP")
        free_dedicated_ip(state, account, ip, except_pool=pool.pool_id)
        replacement = ReplaceWithIp(ip)  # K11: each linked domain holds exactly this IP
    if pool.delegated_to and not isinstance(replacement, ReplaceWithPool):  # D6
        raise BadRequest(
            ErrorCode.DELEGATED_POOL,
            f"DIPP {echo(pool.pool_id)} is delegated to subaccounts; "
            "only a replacement DIPP (pool_id) is allowed",
        )
    neither = command.replacement_ip is None and command.replacement_pool_id is None
    if neither and (pool.ips or has_linked_domains(state, pool.pool_id)):  # 3.6.6
        raise BadRequest(
            ErrorCode.REPLACEMENT_REQUIRED,
            f"DIPP {echo(pool.pool_id)} has IPs or linked domains; give ip or pool_id",
        )
    # The owner's own linked domains follow now; a subaccount's follow its subaccount
    # update, so they are not read here (S6).
    own = state.linked_domains(pool.pool_id, account.id)
    if wants_shared:
        replacement = ReplaceWithShared(choose_shared_ips(state, policies, own))
    pools: tuple[Pool, ...] = ()
    if target is not None and pool.delegated_to:
        delegated = target.delegated_to | pool.delegated_to
        pools = (attrs.evolve(target, delegated_to=delegated),)
    changes = Changes(
        pools=pools,
        deleted_pools=(Tombstone(pool.pool_id, account.id, replacement),),
        pending=pending_updates((d.id for d in own), pool),
    )
    return Accepted(command, started_body(), changes)  # D7


def edit_pool(state: StateView, command: EditPool, policies: Policies) -> Accepted:
    """3.7: rename, change IPs, link and unlink domains (by id) in one edit."""
    account = actor_account(state, command.actor, audited=True)
    require_dipps(account)
    pool = owned_pool(state, account, command.pool_id)
    _not_blank("name", command.name, required=False)  # 3.7.2
    _not_blank("description", command.description, required=False)
    add = [  # 3.7.3
        free_dedicated_ip(state, account, valid_ip(text), except_pool=pool.pool_id)
        for text in command.add_ips
    ]
    remove = [valid_ip(text) for text in command.remove_ips]
    link = _own_domains(state, account.id, "link_domain", command.link_domain_ids)
    unlink = _own_domains(state, account.id, "unlink_domain", command.unlink_domain_ids)
    both_ips = set(add) & set(remove)
    if both_ips:
        ip = min(both_ips, key=ip_sort_key)
        raise BadRequest(
            ErrorCode.ADD_AND_REMOVE, f"IP {ip_text(ip)} is both in add_ip and in remove_ip"
        )
    both_domains = set(link) & set(unlink)
    if both_domains:
        raise BadRequest(
            ErrorCode.LINK_AND_UNLINK,
            f"domain {echo(min(both_domains))} is both in link_domain and in unlink_domain",
        )
    ips = (pool.ips | frozenset(add)) - frozenset(remove)  # 3.7.4, D8
    name = pool.name if command.name is None else command.name
    description = pool.description if command.description is None else command.description
    linking = {key: d for key, d in link.items() if d.pool_id != pool.pool_id}
    unlinking = {key: d for key, d in unlink.items() if d.pool_id == pool.pool_id}
    ips_changed = ips != pool.ips
    if not (  # D8, K7: the given name and description compare exactly with the stored ones
        ips_changed or linking or unlinking or name != pool.name or description != pool.description
    ):
        raise BadRequest(
            ErrorCode.NO_CHANGE, f"the edit would not change DIPP {echo(pool.pool_id)}"
        )
    # D10, judged on the links after the edit (K10)
    if not ips and (linking or pool.delegated_to or _linked_beyond(state, pool.pool_id, unlinking)):
        raise BadRequest(
            ErrorCode.EMPTY_LINKED_POOL,
            f"DIPP {echo(pool.pool_id)} would have no IPs while linked to a domain "
            "or delegated to a subaccount",
        )
    updated = attrs.evolve(pool, name=name, description=description, ips=ips)
    domains = [attrs.evolve(d, pool_id=None) for d in unlinking.values()]  # D9, K10
    domains += [attrs.evolve(d, pool_id=pool.pool_id) for d in linking.values()]
    follow = set(linking)
    if ips_changed:
        follow.update(
            d.id for d in state.linked_domains(pool.pool_id, account.id) if d.id not in unlinking
        )
    changes = Changes(
        pools=(updated,),
        domains=tuple(sorted(domains, key=lambda d: d.id)),
        pending=pending_updates(follow, pool if ips_changed else None),
    )
    return Accepted(command, success_body(), changes)


def _linked_beyond(state: StateView, pool_id: str, unlinking: Collection[str]) -> bool:
    """True when a domain other than those of ``unlinking`` (ids) is linked to the DIPP.

    Of any ``len(unlinking) + 1`` linked domains one at least is not being unlinked,
    so that many are read and no more (S6).
    """
    first = state.linked_domains_page(pool_id, None, None, len(unlinking) + 1)
    return any(domain.id not in unlinking for domain in first)


def _own_domains(
    state: StateView, account_id: str, field: str, ids: tuple[str, ...]
) -> dict[str, Domain]:
    found: dict[str, Domain] = {}
    for domain_id in ids:
        domain = state.domain(domain_id)
        if domain is None or domain.account_id != account_id:
            raise BadRequest(
                ErrorCode.UNKNOWN_DOMAIN,
                f"{field} {echo(domain_id)} is not the id of a domain"
                f" of account {echo(account_id)}",
            )
        found[domain_id] = domain
    return found
