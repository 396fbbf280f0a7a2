"""Checks shared by every family of rules.

Each check either returns what it looked up or raises the :class:`ApiError` that
decides the answer; :func:`ippools.rules.decide` turns a raised error into a
rejection. Checks run in the order of the contract (K1), so a rule reads as the
list of its numbered steps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ippools.commands import Actor
from ippools.errors import BadRequest, Forbidden, NotFound, echo
from ippools.model import Account, Domain, IPAddress, Pool, ip_sort_key, ip_text, parse_ip
from ippools.outcome import DomainUpdate, PendingUpdate, SubaccountUpdate
from ippools.policies import Policies
from ippools.state import StateView

SHARED = "shared"


def actor_account(state: StateView, actor: Actor, *, audited: bool) -> Account:
    """C1 and C2: the acting account, and on audited routes a well-formed requestor."""
    check_account_header(actor.account_id)
    account = state.account(actor.account_id.strip())  # K3: header values are trimmed
    if account is None:
        raise NotFound("account_not_found", "account not found")
    if audited:
        check_audit(actor)
    return account


def check_account_header(account_id: str | None) -> None:
    """C1: the account header is required and non-empty."""
    if account_id is None or not account_id.strip():
        raise BadRequest("missing_account", "header X-Mailgun-Account-Id is required")


def check_audit(actor: Actor) -> None:
    """C2: requestor and client are required; the requestor looks like an e-mail address."""
    if actor.requestor is None or not actor.requestor.strip():
        raise BadRequest("missing_requestor", "header X-Mailgun-Requestor is required")
    if actor.client is None or not actor.client.strip():
        raise BadRequest("missing_client", "header X-Mailgun-Requestor-Client is required")
    local, at, host = actor.requestor.strip().partition("@")
    if not at or not local or not host or "@" in host:
        raise BadRequest(
            "invalid_requestor",
            f"header X-Mailgun-Requestor {echo(actor.requestor)} is not an e-mail address",
        )


def require_dipps(account: Account) -> None:
    """C10: the account has the DIPPs feature."""
    if not account.dipps:
        raise Forbidden(
            "dipps_disabled", f"account {echo(account.id)} does not have the DIPPs feature"
        )


def require_shared_eligible(account: Account) -> None:
    """The account may use shared IPs (403 otherwise)."""
    if not account.shared_ip_eligible:
        raise Forbidden(
            "not_shared_eligible", f"account {echo(account.id)} is not eligible for shared IPs"
        )


def visible_pool(state: StateView, account: Account, pool_id: str) -> Pool:
    """The DIPP if the account owns it or it is delegated to the account; else 404 (C7)."""
    pool = state.pool(pool_id)
    if pool is None or not (pool.account_id == account.id or account.id in pool.delegated_to):
        raise NotFound("pool_not_found", f"DIPP {echo(pool_id)} not found")
    return pool


def owned_pool(state: StateView, account: Account, pool_id: str) -> Pool:
    """A visible DIPP that the account owns: 404 when not visible, 403 when inherited."""
    pool = visible_pool(state, account, pool_id)
    if pool.account_id != account.id:
        raise Forbidden(
            "pool_inherited",
            f"DIPP {echo(pool_id)} is inherited from the parent account and cannot be changed",
        )
    return pool


def own_domain(state: StateView, account: Account, name: str) -> Domain:
    """The account's domain by name (C6); another account's domain is not found (C7)."""
    domain = state.domain_named(name)
    if domain is None or domain.account_id != account.id:
        raise NotFound("domain_not_found", f"domain {echo(name)} not found")
    return domain


def valid_ip(text: str, what: str = "IP") -> IPAddress:
    """``text`` as an IP (C5), or 400 naming it."""
    ip = parse_ip(text)
    if ip is None:
        raise BadRequest("invalid_ip", f"{what} {echo(text)} is not a valid IP address")
    return ip


def free_dedicated_ip(
    state: StateView, account: Account, ip: IPAddress, *, except_pool: str | None = None
) -> IPAddress:
    """A dedicated IP of the account in no DIPP other than ``except_pool``; else 400."""
    record = state.dedicated_ip(ip)
    if record is None or record.account_id != account.id:
        raise BadRequest(
            "not_dedicated_ip",
            f"IP {ip_text(ip)} is not a dedicated IP of account {echo(account.id)}",
        )
    holder = state.pool_holding(ip)
    if holder is not None and holder != except_pool:
        raise BadRequest("ip_in_pool", f"IP {ip_text(ip)} belongs to DIPP {echo(holder)}")
    return ip


def choose_shared(
    state: StateView,
    policies: Policies,
    domain: Domain,
    *,
    removing: IPAddress | None = None,
    given: Mapping[IPAddress, int] | None = None,
) -> IPAddress:
    """D4: the shared IP a domain receives, or 400 when none is available.

    ``given`` counts shared IPs already handed out by the same command (each
    choice counts the ones before it).
    """
    extra = given or {}
    candidates: Sequence[tuple[IPAddress, int]] = [
        (ip, count + extra.get(ip, 0))
        for ip, count in state.shared_ip_usage()
        if ip not in domain.ips and ip != removing
    ]
    if not candidates:
        raise BadRequest("no_shared_ip", "no shared IP available")
    return policies.shared_ip.choose(candidates, domain.id)


def warmup_top_up(
    state: StateView, account: Account, ips: frozenset[IPAddress], removing: IPAddress
) -> IPAddress | None:
    """D1: the IP that joins a domain left with only dedicated IPs on warmup, if any."""
    if account.shared_ip_eligible or not ips:
        return None
    for ip in ips:
        record = state.dedicated_ip(ip)
        if record is None or not record.warmup:
            return None
    candidates = [
        record.ip
        for record in state.dedicated_ips_of(account.id)
        if not record.warmup
        and record.ip not in ips
        and record.ip != removing
        and state.pool_holding(record.ip) is None
    ]
    return min(candidates, key=ip_sort_key) if candidates else None


def follow_pool(state: StateView, account: Account, pool: Pool) -> tuple[PendingUpdate, ...]:
    """S4: what a change of a DIPP's IPs leaves pending.

    One domain update per domain of the account linked to the DIPP, by domain
    id, then one subaccount update per subaccount it is delegated to, by id.
    """
    domains = state.linked_domains(pool.pool_id, account.id)
    return tuple(DomainUpdate(d.id) for d in domains) + subaccount_updates(pool)


def subaccount_updates(pool: Pool) -> tuple[SubaccountUpdate, ...]:
    """One subaccount update per subaccount the DIPP is delegated to, in account id order."""
    return tuple(SubaccountUpdate(sub, pool.pool_id) for sub in sorted(pool.delegated_to))
