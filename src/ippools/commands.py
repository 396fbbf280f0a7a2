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

from ippools._validators import instance_of, is_optional_text, is_text, is_text_tuple

__all__ = [
    "Actor",
    "AddPoolIp",
    "AddPoolIps",
    "AssignDomainIp",
    "Command",
    "CreatePool",
    "DelegatePool",
    "DeletePool",
    "EditPool",
    "GetDomainIps",
    "GetPool",
    "ListPoolDomains",
    "ListPools",
    "RemoveDomainIp",
    "RemoveDomainPool",
    "RemovePoolIp",
    "RevokeDelegation",
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
)
