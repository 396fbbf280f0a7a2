"""Rules of the host's provisioning commands: accounts, dedicated IPs, shared IPs, domains.

The contract covers the API, not the platform around it; these commands let a
host create and remove the records the API acts on while every invariant of §4
keeps holding. They have no HTTP route, read and answer like the API's
commands (an error names the offending value and changes nothing), leave no
pending update, and write the records through the same changes as every other
command, so every store serves them. Their actor is whoever provisions, kept
for the audit record; it is not checked against the accounts.

The rules, each refused with a 400 naming the value unless said otherwise:

* an account id, domain id or domain name must be a record id (non-empty, no
  whitespace, no ``/``; K13); a new one must not exist already (a domain name
  compared as C6 does);
* a subaccount's parent is an existing top-level account other than itself (§1);
* an account is removed only when it has no subaccount, domain, dedicated IP,
  DIPP or delegation left; shared-IP eligibility is taken away only when none of
  its domains holds a shared IP (I5);
* a new dedicated or shared IP is not yet either; a dedicated IP is removed only
  when no DIPP (I3) and no domain holds it, a shared IP only when no domain holds
  it (I5); an unknown one is 404;
* a new domain holds IPs (the account's dedicated IPs in no DIPP, or shared IPs
  when the account is eligible: I3, I5, I6) or is linked to a DIPP visible to its
  account that has IPs (I1, I2, I4), exactly one of the two;
* a domain is removed by id as 3.2 removes it by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import attrs

from ippools.commands import (
    AddDedicatedIp,
    AddSharedIp,
    CreateAccount,
    CreateDomain,
    RemoveAccount,
    RemoveDedicatedIp,
    RemoveDomain,
    RemoveSharedIp,
    SetAccountFeatures,
    SetWarmup,
)
from ippools.errors import BadRequest, ErrorCode, Forbidden, NotFound, echo
from ippools.model import Account, DedicatedIp, Domain, IPAddress, ip_text
from ippools.outcome import Accepted, Changes, success_body
from ippools.policies import Policies
from ippools.rules.checks import free_dedicated_ip, valid_ip, visible_pool
from ippools.state import StateView

__all__ = [
    "add_dedicated_ip",
    "add_shared_ip",
    "create_account",
    "create_domain",
    "remove_account",
    "remove_dedicated_ip",
    "remove_domain",
    "remove_shared_ip",
    "set_account_features",
    "set_warmup",
]

T = TypeVar("T")


def _record(what: str, value: str, build: Callable[[], T]) -> T:
    """Build a record whose id or name is ``value``; a malformed one is 400 naming it (K13)."""
    try:
        return build()
    except ValueError:
        raise BadRequest(
            ErrorCode.INVALID_ID,
            f"{what} {echo(value)} must be non-empty, without whitespace or '/'",
        ) from None


def _account(state: StateView, account_id: str) -> Account:
    """The account this command acts on: 404 when there is none."""
    account = state.account(account_id)
    if account is None:
        raise NotFound(ErrorCode.UNKNOWN_ACCOUNT_ID, f"account {echo(account_id)} not found")
    return account


def _named_account(state: StateView, account_id: str, what: str) -> Account:
    """The account a new record names: 400 when there is none."""
    account = state.account(account_id)
    if account is None:
        raise BadRequest(
            ErrorCode.UNKNOWN_ACCOUNT,
            f"{what} names account {echo(account_id)}, which does not exist",
        )
    return account


def _new_ip(state: StateView, text: str) -> IPAddress:
    """A valid IP (C5) that is neither dedicated nor shared yet."""
    ip = valid_ip(text)
    if state.dedicated_ip(ip) is not None or state.shared_usage(ip) is not None:
        raise BadRequest(
            ErrorCode.IP_EXISTS, f"IP {ip_text(ip)} is a dedicated or shared IP already"
        )
    return ip


def create_account(state: StateView, command: CreateAccount, policies: Policies) -> Accepted:
    """A new account, top-level or a subaccount of an existing top-level account."""
    account = _record(
        "account id",
        command.account_id,
        lambda: Account(command.account_id, None, command.dipps, command.shared_ip_eligible),
    )
    if state.account(account.id) is not None:
        raise BadRequest(ErrorCode.ACCOUNT_EXISTS, f"account {echo(account.id)} exists already")
    parent_id = command.parent_id
    if parent_id is not None:
        parent = state.account(parent_id)
        if parent_id == account.id or parent is None or parent.parent_id is not None:
            raise BadRequest(
                ErrorCode.INVALID_PARENT,
                f"parent {echo(parent_id)} of account {echo(account.id)} is not an existing "
                "top-level account",
            )
        account = attrs.evolve(account, parent_id=parent_id)
    return Accepted(command, success_body(), Changes(accounts=(account,)))


def remove_account(state: StateView, command: RemoveAccount, policies: Policies) -> Accepted:
    """Remove an account with nothing left: no subaccount, domain, IP, DIPP or delegation."""
    account = _account(state, command.account_id)
    left = [
        (what, len(found))
        for what, found in (
            ("subaccounts", state.subaccounts_of(account.id)),
            ("domains", state.domains_of(account.id)),
            ("dedicated IPs", list(state.dedicated_ips_of(account.id))),
            ("DIPPs", state.pools_owned_by(account.id)),
            ("inherited DIPPs", state.pools_delegated_to(account.id)),
        )
        if found
    ]
    if left:
        counts = ", ".join(f"{count} {what}" for what, count in left)
        raise BadRequest(
            ErrorCode.ACCOUNT_IN_USE,
            f"account {echo(account.id)} still has {counts}; remove them first",
        )
    return Accepted(command, success_body(), Changes(deleted_accounts=(account.id,)))


def set_account_features(
    state: StateView, command: SetAccountFeatures, policies: Policies
) -> Accepted:
    """Turn the DIPPs feature or shared-IP eligibility on or off.

    The DIPPs feature may go at any time (a DIPP of an account without it is
    legal, K13); eligibility only when no domain of the account holds a shared IP.
    """
    account = _account(state, command.account_id)
    dipps = account.dipps if command.dipps is None else command.dipps
    eligible = (
        account.shared_ip_eligible
        if command.shared_ip_eligible is None
        else command.shared_ip_eligible
    )
    if account.shared_ip_eligible and not eligible:
        for domain in state.domains_of(account.id):
            shared = [ip for ip in domain.ips if state.shared_usage(ip) is not None]
            if shared:
                raise BadRequest(
                    ErrorCode.ACCOUNT_HOLDS_SHARED,
                    f"domain {echo(domain.name)} of account {echo(account.id)} holds the shared "
                    f"IP {ip_text(min(shared, key=lambda ip: (ip.version, int(ip))))}",
                )
    updated = attrs.evolve(account, dipps=dipps, shared_ip_eligible=eligible)
    changes = Changes(accounts=(updated,)) if updated != account else Changes()
    return Accepted(command, success_body(), changes)


def add_dedicated_ip(state: StateView, command: AddDedicatedIp, policies: Policies) -> Accepted:
    """A new dedicated IP of an existing account."""
    ip = _new_ip(state, command.ip)
    account = _named_account(state, command.account_id, f"dedicated IP {ip_text(ip)}")
    record = DedicatedIp(ip, account.id, command.warmup)
    return Accepted(command, success_body(), Changes(dedicated_ips=(record,)))


def _dedicated(state: StateView, text: str) -> DedicatedIp:
    ip = valid_ip(text)
    record = state.dedicated_ip(ip)
    if record is None:
        raise NotFound(ErrorCode.DEDICATED_IP_NOT_FOUND, f"IP {ip_text(ip)} is not a dedicated IP")
    return record


def remove_dedicated_ip(
    state: StateView, command: RemoveDedicatedIp, policies: Policies
) -> Accepted:
    """Remove a dedicated IP that no DIPP holds (I3) and no domain holds (I5, I6).

    Only its owner's domains can hold it outside a DIPP (I6), so only they are read.
    """
    record = _dedicated(state, command.ip)
    ip = record.ip
    holder = state.pool_holding(ip)
    if holder is not None:
        raise BadRequest(ErrorCode.IP_IN_USE, f"IP {ip_text(ip)} is in DIPP {echo(holder)}")
    for domain in state.domains_of(record.account_id):
        if ip in domain.ips:
            raise BadRequest(
                ErrorCode.IP_IN_USE, f"IP {ip_text(ip)} is held by domain {echo(domain.name)}"
            )
    return Accepted(command, success_body(), Changes(deleted_dedicated_ips=(ip,)))


def set_warmup(state: StateView, command: SetWarmup, policies: Policies) -> Accepted:
    """Put a dedicated IP on warmup or take it off (D1 reads it when a command runs)."""
    record = _dedicated(state, command.ip)
    if record.warmup == command.warmup:
        return Accepted(command, success_body())
    updated = attrs.evolve(record, warmup=command.warmup)
    return Accepted(command, success_body(), Changes(dedicated_ips=(updated,)))


def add_shared_ip(state: StateView, command: AddSharedIp, policies: Policies) -> Accepted:
    """A new shared IP, held by no domain yet."""
    ip = _new_ip(state, command.ip)
    return Accepted(command, success_body(), Changes(shared_ips=(ip,)))


def remove_shared_ip(state: StateView, command: RemoveSharedIp, policies: Policies) -> Accepted:
    """Remove a shared IP that no domain holds (effective state, I5)."""
    ip = valid_ip(command.ip)
    usage = state.shared_usage(ip)
    if usage is None:
        raise NotFound(ErrorCode.SHARED_IP_NOT_FOUND, f"IP {ip_text(ip)} is not a shared IP")
    if usage:
        raise BadRequest(
            ErrorCode.IP_IN_USE, f"shared IP {ip_text(ip)} is held by {usage} domain(s)"
        )
    return Accepted(command, success_body(), Changes(deleted_shared_ips=(ip,)))


def create_domain(state: StateView, command: CreateDomain, policies: Policies) -> Accepted:
    """A new domain holding IPs of its account (or shared ones), or linked to a visible DIPP."""
    _record("domain id", command.domain_id, lambda: Domain(command.domain_id, "name", "owner"))
    _record("domain name", command.name, lambda: Domain("id", command.name, "owner"))
    if state.domain(command.domain_id) is not None or state.domain_named(command.name) is not None:
        raise BadRequest(
            ErrorCode.DOMAIN_EXISTS,
            f"a domain with id {echo(command.domain_id)} or name {echo(command.name)} "
            "exists already",
        )
    account = _named_account(state, command.account_id, f"domain {echo(command.name)}")
    domain = Domain(command.domain_id, command.name, account.id)
    if bool(command.ips) == (command.pool_id is not None):
        raise BadRequest(
            ErrorCode.DOMAIN_WITHOUT_IP,
            f"domain {echo(domain.name)} needs either IPs or a DIPP (pool_id), exactly one",
        )
    if command.pool_id is not None:
        pool = visible_pool(state, account, command.pool_id)
        if not pool.ips:
            raise BadRequest(ErrorCode.EMPTY_POOL, f"DIPP {echo(pool.pool_id)} has no IPs")
        created = attrs.evolve(domain, pool_id=pool.pool_id, ips=pool.ips)
        return Accepted(command, success_body(), Changes(domains=(created,)))
    ips: set[IPAddress] = set()
    for text in command.ips:
        ip = valid_ip(text)
        if state.shared_usage(ip) is not None:
            if not account.shared_ip_eligible:
                raise Forbidden(
                    ErrorCode.NOT_SHARED_ELIGIBLE,
                    f"account {echo(account.id)} is not eligible for shared IPs",
                )
        else:
            free_dedicated_ip(state, account, ip)
        ips.add(ip)
    created = attrs.evolve(domain, ips=frozenset(ips))
    return Accepted(command, success_body(), Changes(domains=(created,)))


def remove_domain(state: StateView, command: RemoveDomain, policies: Policies) -> Accepted:
    """Remove a domain by id; its IPs and DIPP link go with it (as 3.2)."""
    domain = state.domain(command.domain_id)
    if domain is None:
        raise NotFound(
            ErrorCode.DOMAIN_ID_NOT_FOUND, f"domain id {echo(command.domain_id)} not found"
        )
    return Accepted(command, success_body(), Changes(deleted_domains=(domain.id,)))
