"""The lookups and checks that every family of rules makes: who asks, what they name.

Each check either returns what it looked up or raises the :class:`ApiError` that
decides the answer; :func:`ippools.rules.decide` turns a raised error into a
rejection. Checks run in the order of the contract (K1), so a rule reads as the
list of its numbered steps.
"""

from __future__ import annotations

from ippools.commands import Actor
from ippools.errors import BadRequest, ErrorCode, Forbidden, NotFound, echo
from ippools.model import Account, Domain, IPAddress, Pool, ip_text, parse_ip
from ippools.state import StateView

__all__ = [
    "SHARED",
    "actor_account",
    "check_account_header",
    "check_audit",
    "free_dedicated_ip",
    "has_linked_domains",
    "own_domain",
    "owned_pool",
    "require_dipps",
    "require_shared_eligible",
    "valid_ip",
    "visible_pool",
]

SHARED = "shared"
"""The keyword that asks for a shared IP instead of a dedicated one (lower case only, K2)."""


def actor_account(state: StateView, actor: Actor, *, audited: bool) -> Account:
    """C1 and C2: the acting account, and on audited routes a well-formed requestor."""
    check_account_header(actor.account_id)
    account = state.account(actor.account_id.strip())  # K3: header values are trimmed
    if account is None:
        raise NotFound(ErrorCode.ACCOUNT_NOT_FOUND, "account not found")
    if audited:
        check_audit(actor)
    return account


def check_account_header(account_id: str | None) -> None:
    """C1: the account header is required and non-empty."""
    if account_id is None or not account_id.strip():
        raise BadRequest(ErrorCode.MISSING_ACCOUNT, "header X-Mailgun-Account-Id is required")


def check_audit(actor: Actor) -> None:
    """C2: requestor and client are required; the requestor looks like an e-mail address."""
    if actor.requestor is None or not actor.requestor.strip():
        raise BadRequest(ErrorCode.MISSING_REQUESTOR, "header X-Mailgun-Requestor is required")
    if actor.client is None or not actor.client.strip():
        raise BadRequest(ErrorCode.MISSING_CLIENT, "header X-Mailgun-Requestor-Client is required")
    local, at, host = actor.requestor.strip().partition("@")
    if not at or not local or not host or "@" in host:
        raise BadRequest(
            ErrorCode.INVALID_REQUESTOR,
            f"header X-Mailgun-Requestor {echo(actor.requestor)} is not an e-mail address",
        )


def require_dipps(account: Account) -> None:
    """C10: the account has the DIPPs feature."""
    if not account.dipps:
        raise Forbidden(
            ErrorCode.DIPPS_DISABLED, f"account {echo(account.id)} does not have the DIPPs feature"
        )


def require_shared_eligible(account: Account) -> None:
    """The account may use shared IPs (403 otherwise)."""
    if not account.shared_ip_eligible:
        raise Forbidden(
            ErrorCode.NOT_SHARED_ELIGIBLE,
            f"account {echo(account.id)} is not eligible for shared IPs",
        )


def visible_pool(state: StateView, account: Account, pool_id: str) -> Pool:
    """The DIPP if the account owns it or it is delegated to the account; else 404 (C7)."""
    pool = state.pool(pool_id)
    if pool is None or not (pool.account_id == account.id or account.id in pool.delegated_to):
        raise NotFound(ErrorCode.POOL_NOT_FOUND, f"DIPP {echo(pool_id)} not found")
    return pool


def owned_pool(state: StateView, account: Account, pool_id: str) -> Pool:
    """A visible DIPP that the account owns: 404 when not visible, 403 when inherited."""
    pool = visible_pool(state, account, pool_id)
    if pool.account_id != account.id:
        raise Forbidden(
            ErrorCode.POOL_INHERITED,
            f"DIPP {echo(pool_id)} is inherited from the parent account and cannot be changed",
        )
    return pool


def own_domain(state: StateView, account: Account, name: str) -> Domain:
    """The account's domain by name (C6); another account's domain is not found (C7)."""
    domain = state.domain_named(name)
    if domain is None or domain.account_id != account.id:
        raise NotFound(ErrorCode.DOMAIN_NOT_FOUND, f"domain {echo(name)} not found")
    return domain


def valid_ip(text: str, what: str = "IP") -> IPAddress:
    """``text`` as an IP (C5), or 400 naming it."""
    ip = parse_ip(text)
    if ip is None:
        raise BadRequest(ErrorCode.INVALID_IP, f"{what} {echo(text)} is not a valid IP address")
    return ip


def free_dedicated_ip(
    state: StateView, account: Account, ip: IPAddress, *, except_pool: str | None = None
) -> IPAddress:
    """A dedicated IP of the account in no DIPP other than ``except_pool``; else 400."""
    record = state.dedicated_ip(ip)
    if record is None or record.account_id != account.id:
        raise BadRequest(
            ErrorCode.NOT_DEDICATED_IP,
            f"IP {ip_text(ip)} is not a dedicated IP of account {echo(account.id)}",
        )
    holder = state.pool_holding(ip)
    if holder is not None and holder != except_pool:
        raise BadRequest(ErrorCode.IP_IN_POOL, f"IP {ip_text(ip)} belongs to DIPP {echo(holder)}")
    return ip


def has_linked_domains(state: StateView, pool_id: str, account_id: str | None = None) -> bool:
    """True when a domain (of ``account_id``, or of anyone) is effectively linked to the DIPP.

    One link is read, however many there are: a check that only asks whether there is
    one costs the same on a DIPP linked to one domain as to a million (S6).
    """
    return bool(state.linked_domains_page(pool_id, account_id, None, 1))
