"""One frozen command per operation of the API, each carrying who asked.

Commands hold what the caller sent, as text: validating it is the rules' job,
because the contract fixes the order in which checks are made (K1), and a
syntax check often comes after a permission check.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import attrs

__all__ = [
    "Actor",
    "AddPoolIp",
    "AddPoolIps",
    "Command",
    "CreatePool",
    "DeletePool",
    "EditPool",
    "GetPool",
    "RemoveDomainIp",
    "RemoveDomainPool",
    "RemovePoolIp",
    "UnlinkDomainPool",
]

_str = attrs.validators.instance_of(str)
_opt_str = attrs.validators.optional(_str)


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(value)


_str_tuple = attrs.validators.deep_iterable(_str, attrs.validators.instance_of(tuple))


@attrs.frozen
class Actor:
    """Who asked: the account (C1) and, on audited routes, the requestor and client (C2)."""

    account_id: str = attrs.field(validator=_str)
    requestor: str | None = attrs.field(default=None, validator=_opt_str)
    client: str | None = attrs.field(default=None, validator=_opt_str)


@attrs.frozen
class RemoveDomainIp:
    """3.1 ``DELETE /v3/domains/{name}/ips/{ip}`` with an IP: remove it from the domain."""

    actor: Actor
    domain_name: str = attrs.field(validator=_str)
    ip: str = attrs.field(validator=_str)
    replacement_ip: str | None = attrs.field(default=None, validator=_opt_str)
    replacement_pool_id: str | None = attrs.field(default=None, validator=_opt_str)


@attrs.frozen
class RemoveDomainPool:
    """3.2 ``DELETE /v3/domains/{name}/ips/all``: the domain leaves this system."""

    actor: Actor
    domain_name: str = attrs.field(validator=_str)
    replacement_ip: str | None = attrs.field(default=None, validator=_opt_str)
    replacement_pool_id: str | None = attrs.field(default=None, validator=_opt_str)


@attrs.frozen
class UnlinkDomainPool:
    """3.3 ``DELETE /v3/domains/{name}/ips/ip_pool``: unlink the domain's DIPP."""

    actor: Actor
    domain_name: str = attrs.field(validator=_str)
    replacement_ip: str | None = attrs.field(default=None, validator=_opt_str)
    replacement_pool_id: str | None = attrs.field(default=None, validator=_opt_str)


@attrs.frozen
class CreatePool:
    """3.4 ``POST /v3/ip_pools``: a new DIPP (``ips`` is the union of ``ip`` and ``ips``)."""

    actor: Actor
    name: str | None = attrs.field(default=None, validator=_opt_str)
    description: str | None = attrs.field(default=None, validator=_opt_str)
    ips: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=_str_tuple)


@attrs.frozen
class GetPool:
    """3.5 ``GET /v3/ip_pools/{pool_id}``: a DIPP's details."""

    actor: Actor
    pool_id: str = attrs.field(validator=_str)


@attrs.frozen
class DeletePool:
    """3.6 ``DELETE /v3/ip_pools/{pool_id}``, optionally naming a replacement IP or DIPP."""

    actor: Actor
    pool_id: str = attrs.field(validator=_str)
    replacement_ip: str | None = attrs.field(default=None, validator=_opt_str)
    replacement_pool_id: str | None = attrs.field(default=None, validator=_opt_str)


@attrs.frozen
class EditPool:
    """3.7 ``PATCH /v3/ip_pools/{pool_id}``; domains are named by id."""

    actor: Actor
    pool_id: str = attrs.field(validator=_str)
    name: str | None = attrs.field(default=None, validator=_opt_str)
    description: str | None = attrs.field(default=None, validator=_opt_str)
    add_ips: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=_str_tuple)
    remove_ips: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=_str_tuple)
    link_domain_ids: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, validator=_str_tuple
    )
    unlink_domain_ids: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, validator=_str_tuple
    )


@attrs.frozen
class AddPoolIp:
    """3.8 ``PUT /v3/ip_pools/{pool_id}/ips/{ip}``."""

    actor: Actor
    pool_id: str = attrs.field(validator=_str)
    ip: str = attrs.field(validator=_str)


@attrs.frozen
class RemovePoolIp:
    """3.9 ``DELETE /v3/ip_pools/{pool_id}/ips/{ip}``."""

    actor: Actor
    pool_id: str = attrs.field(validator=_str)
    ip: str = attrs.field(validator=_str)


@attrs.frozen
class AddPoolIps:
    """3.10 ``POST /v3/ip_pools/{pool_id}/ips.json``; ``body`` is the decoded JSON body as sent."""

    actor: Actor
    pool_id: str = attrs.field(validator=_str)
    body: Any = None


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
)
