"""One frozen command per operation of the API, each carrying who asked.

Commands hold what the caller sent, as text: validating it is the rules' job,
because the contract fixes the order in which checks are made (K1), and a
syntax check often comes after a permission check. What a command checks when
it is built is only the type of each field: the actor is an :class:`Actor`,
every other field a string (or None, or a tuple of strings; one string given
for a tuple field is one value). Anything else raises :class:`TypeError`
naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

import attrs

from ippools._validators import instance_of, is_flag, is_optional_text, is_text, is_text_tuple

__all__ = [
    "HOST_COMMANDS",
    "Actor",
    "AddDedicatedIp",
    "AddPoolIp",
    "AddPoolIps",
    "AddSharedIp",
    "AssignDomainIp",
    "Command",
    "CreateAccount",
    "CreateDomain",
    "CreatePool",
    "DelegatePool",
    "DeletePool",
    "EditPool",
    "GetDomainIps",
    "GetPool",
    "ListPoolDomains",
    "ListPools",
    "RemoveAccount",
    "RemoveDedicatedIp",
    "RemoveDomain",
    "RemoveDomainIp",
    "RemoveDomainPool",
    "RemovePoolIp",
    "RemoveSharedIp",
    "RevokeDelegation",
    "SetAccountFeatures",
    "SetWarmup",
    "UnlinkDomainPool",
]


def _strings(value: str | Iterable[str]) -> tuple[str, ...]:
    """One string as a one-value tuple, a collection of strings as a tuple.

    Anything else is left as it is, for the validator to refuse naming the field.
    """
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, Iterable) or isinstance(value, bytes | bytearray | Mapping):
        return value  # type: ignore[return-value]  # refused by is_text_tuple, naming the field
    strings: list[str] = []
    for item in value:  # stop at the first non-string: the collection may be endless
        if not isinstance(item, str):
            return value  # refused by is_text_tuple, naming the field
        strings.append(item)
    return tuple(strings)


@attrs.frozen
class Actor:
    """Who asked: the account (C1) and, on audited routes, the requestor and client (C2)."""

    account_id: str = attrs.field(validator=is_text)
    requestor: str | None = attrs.field(default=None, validator=is_optional_text)
    client: str | None = attrs.field(default=None, validator=is_optional_text)


_actor = instance_of(Actor)


@attrs.frozen
class RemoveDomainIp:
    """3.1 ``DELETE /v3/domains/{name}/ips/{ip}`` with an IP: remove it from the domain."""

    actor: Actor = attrs.field(validator=_actor)
    domain_name: str = attrs.field(validator=is_text)
    ip: str = attrs.field(validator=is_text)
    replacement_ip: str | None = attrs.field(default=None, validator=is_optional_text)
    replacement_pool_id: str | None = attrs.field(default=None, validator=is_optional_text)


@attrs.frozen
class RemoveDomainPool:
    """3.2 ``DELETE /v3/domains/{name}/ips/all``: the domain leaves this system."""

    actor: Actor = attrs.field(validator=_actor)
    domain_name: str = attrs.field(validator=is_text)
    replacement_ip: str | None = attrs.field(default=None, validator=is_optional_text)
    replacement_pool_id: str | None = attrs.field(default=None, validator=is_optional_text)


@attrs.frozen
class UnlinkDomainPool:
    """3.3 ``DELETE /v3/domains/{name}/ips/ip_pool``: unlink the domain's DIPP."""

    actor: Actor = attrs.field(validator=_actor)
    domain_name: str = attrs.field(validator=is_text)
    replacement_ip: str | None = attrs.field(default=None, validator=is_optional_text)
    replacement_pool_id: str | None = attrs.field(default=None, validator=is_optional_text)


@attrs.frozen
class CreatePool:
    """3.4 ``POST /v3/ip_pools``: a new DIPP (``ips`` is the union of ``ip`` and ``ips``)."""

    actor: Actor = attrs.field(validator=_actor)
    name: str | None = attrs.field(default=None, validator=is_optional_text)
    description: str | None = attrs.field(default=None, validator=is_optional_text)
    ips: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=is_text_tuple)


@attrs.frozen
class GetPool:
    """3.5 ``GET /v3/ip_pools/{pool_id}``: a DIPP's details."""

    actor: Actor = attrs.field(validator=_actor)
    pool_id: str = attrs.field(validator=is_text)


@attrs.frozen
class DeletePool:
    """3.6 ``DELETE /v3/ip_pools/{pool_id}``, optionally naming a replacement IP or DIPP."""

    actor: Actor = attrs.field(validator=_actor)
    pool_id: str = attrs.field(validator=is_text)
    replacement_ip: str | None = attrs.field(default=None, validator=is_optional_text)
    replacement_pool_id: str | None = attrs.field(default=None, validator=is_optional_text)


@attrs.frozen
class EditPool:
    """3.7 ``PATCH /v3/ip_pools/{pool_id}``; domains are named by id."""

    actor: Actor = attrs.field(validator=_actor)
    pool_id: str = attrs.field(validator=is_text)
    name: str | None = attrs.field(default=None, validator=is_optional_text)
    description: str | None = attrs.field(default=None, validator=is_optional_text)
    add_ips: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=is_text_tuple)
    remove_ips: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, validator=is_text_tuple
    )
    link_domain_ids: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, validator=is_text_tuple
    )
    unlink_domain_ids: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, validator=is_text_tuple
    )


@attrs.frozen
class AddPoolIp:
    """3.8 ``PUT /v3/ip_pools/{pool_id}/ips/{ip}``."""

    actor: Actor = attrs.field(validator=_actor)
    pool_id: str = attrs.field(validator=is_text)
    ip: str = attrs.field(validator=is_text)


@attrs.frozen
class RemovePoolIp:
    """3.9 ``DELETE /v3/ip_pools/{pool_id}/ips/{ip}``."""

    actor: Actor = attrs.field(validator=_actor)
    pool_id: str = attrs.field(validator=is_text)
    ip: str = attrs.field(validator=is_text)


@attrs.frozen
class AddPoolIps:
    """3.10 ``POST /v3/ip_pools/{pool_id}/ips.json``; ``body`` is the decoded JSON body as sent."""

    actor: Actor = attrs.field(validator=_actor)
    pool_id: str = attrs.field(validator=is_text)
    body: Any = None


@attrs.frozen
class ListPools:
    """3.11 ``GET /v3/ip_pools``: every DIPP visible to the account."""

    actor: Actor = attrs.field(validator=_actor)


@attrs.frozen
class ListPoolDomains:
    """3.12 ``GET /v3/ip_pools/{pool_id}/domains``: one page of the DIPP's linked domains.

    ``limit`` and ``page`` are the query values as sent (None when not given).
    """

    actor: Actor = attrs.field(validator=_actor)
    pool_id: str = attrs.field(validator=is_text)
    limit: str | None = attrs.field(default=None, validator=is_optional_text)
    page: str | None = attrs.field(default=None, validator=is_optional_text)


@attrs.frozen
class DelegatePool:
    """3.13 ``PUT /v3/ip_pools/{pool_id}/delegate``: delegate the DIPP to a subaccount."""

    actor: Actor = attrs.field(validator=_actor)
    pool_id: str = attrs.field(validator=is_text)
    subaccount_id: str | None = attrs.field(default=None, validator=is_optional_text)


@attrs.frozen
class RevokeDelegation:
    """3.14 ``DELETE /v3/ip_pools/{pool_id}/delegate``, optionally naming a replacement."""

    actor: Actor = attrs.field(validator=_actor)
    pool_id: str = attrs.field(validator=is_text)
    subaccount_id: str | None = attrs.field(default=None, validator=is_optional_text)
    replacement_ip: str | None = attrs.field(default=None, validator=is_optional_text)
    replacement_pool_id: str | None = attrs.field(default=None, validator=is_optional_text)


@attrs.frozen
class GetDomainIps:
    """3.15 ``GET /v3/domains/{name}/ips``: the domain's IPs."""

    actor: Actor = attrs.field(validator=_actor)
    domain_name: str = attrs.field(validator=is_text)


@attrs.frozen
class AssignDomainIp:
    """3.16 ``POST /v3/domains/{name}/ips``: give the domain an IP, or link it to a DIPP.

    ``ip`` and ``pool_id`` are the form values as sent; the rules want exactly one.
    """

    actor: Actor = attrs.field(validator=_actor)
    domain_name: str = attrs.field(validator=is_text)
    ip: str | None = attrs.field(default=None, validator=is_optional_text)
    pool_id: str | None = attrs.field(default=None, validator=is_optional_text)


# -- the host's provisioning commands (no HTTP route) ------------------------------
#
# The platform around a DIPP service creates and removes accounts, IPs and domains.
# These commands do it through the rules, so that every invariant of §4 keeps
# holding; their actor is whoever provisions, for the audit record, and is not
# checked against the accounts.

_optional_flag = instance_of(bool, type(None))


@attrs.frozen
class CreateAccount:
    """A new account; a subaccount names its top-level parent."""

    actor: Actor = attrs.field(validator=_actor)
    account_id: str = attrs.field(validator=is_text)
    parent_id: str | None = attrs.field(default=None, validator=is_optional_text)
    dipps: bool = attrs.field(default=False, validator=is_flag)
    shared_ip_eligible: bool = attrs.field(default=False, validator=is_flag)


@attrs.frozen
class RemoveAccount:
    """Remove an account that no longer has subaccounts, domains, IPs, DIPPs or delegations."""

    actor: Actor = attrs.field(validator=_actor)
    account_id: str = attrs.field(validator=is_text)


@attrs.frozen
class SetAccountFeatures:
    """Turn the DIPPs feature and shared-IP eligibility on or off (None leaves one as it is)."""

    actor: Actor = attrs.field(validator=_actor)
    account_id: str = attrs.field(validator=is_text)
    dipps: bool | None = attrs.field(default=None, validator=_optional_flag)
    shared_ip_eligible: bool | None = attrs.field(default=None, validator=_optional_flag)


@attrs.frozen
class AddDedicatedIp:
    """A new dedicated IP of an account, optionally on warmup."""

    actor: Actor = attrs.field(validator=_actor)
    ip: str = attrs.field(validator=is_text)
    account_id: str = attrs.field(validator=is_text)
    warmup: bool = attrs.field(default=False, validator=is_flag)


@attrs.frozen
class RemoveDedicatedIp:
    """Remove a dedicated IP that no DIPP and no domain holds."""

    actor: Actor = attrs.field(validator=_actor)
    ip: str = attrs.field(validator=is_text)


@attrs.frozen
class SetWarmup:
    """Put a dedicated IP on warmup, or take it off."""

    actor: Actor = attrs.field(validator=_actor)
    ip: str = attrs.field(validator=is_text)
    warmup: bool = attrs.field(validator=is_flag)


@attrs.frozen
class AddSharedIp:
    """A new IP of the platform's shared pool."""

    actor: Actor = attrs.field(validator=_actor)
    ip: str = attrs.field(validator=is_text)


@attrs.frozen
class RemoveSharedIp:
    """Remove a shared IP that no domain holds."""

    actor: Actor = attrs.field(validator=_actor)
    ip: str = attrs.field(validator=is_text)


@attrs.frozen
class CreateDomain:
    """A new domain of an account, holding ``ips`` or linked to the DIPP ``pool_id``."""

    actor: Actor = attrs.field(validator=_actor)
    domain_id: str = attrs.field(validator=is_text)
    name: str = attrs.field(validator=is_text)
    account_id: str = attrs.field(validator=is_text)
    ips: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=is_text_tuple)
    pool_id: str | None = attrs.field(default=None, validator=is_optional_text)


@attrs.frozen
class RemoveDomain:
    """Remove a domain, named by id (as 3.2 does by name)."""

    actor: Actor = attrs.field(validator=_actor)
    domain_id: str = attrs.field(validator=is_text)


HOST_COMMANDS: tuple[type[Any], ...] = (
    CreateAccount,
    RemoveAccount,
    SetAccountFeatures,
    AddDedicatedIp,
    RemoveDedicatedIp,
    SetWarmup,
    AddSharedIp,
    RemoveSharedIp,
    CreateDomain,
    RemoveDomain,
)
"""The host's provisioning commands: decided by the rules, served by no HTTP route."""


Command: TypeAlias = (
    RemoveDomainIp
    | RemoveDomainPool
    | UnlinkDomainPool
    | CreatePool
    | GetPool
    | DeletePool
    | EditPool
    | AddPoolIp
    | RemovePoolIp
    | AddPoolIps
    | ListPools
    | ListPoolDomains
    | DelegatePool
    | RevokeDelegation
    | GetDomainIps
    | AssignDomainIp
    | CreateAccount
    | RemoveAccount
    | SetAccountFeatures
    | AddDedicatedIp
    | RemoveDedicatedIp
    | SetWarmup
    | AddSharedIp
    | RemoveSharedIp
    | CreateDomain
    | RemoveDomain
)
