"""The records of the IP pools domain: accounts, dedicated IPs, domains and DIPPs.

Every record is a frozen attrs class whose validators make an invalid value
impossible to build; change one with :func:`attrs.evolve`, which validates again.

IPs are :mod:`ipaddress` values. The module also owns the one IP syntax of the
contract (C5, K4) and the canonical order and text of IPs, so that every other
module parses, sorts and prints them the same way.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any, TypeAlias

import attrs

from ippools.errors import echo

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address

__all__ = [
    "Account",
    "DedicatedIp",
    "Domain",
    "IPAddress",
    "Pool",
    "domain_key",
    "ip_sort_key",
    "ip_text",
    "is_pool_id",
    "parse_ip",
    "sorted_ips",
]

_POOL_ID = re.compile(r"[0-9a-f]{24}")
_IPV4 = re.compile(r"(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){3}")
_IPV4_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_NOT_IN_ID = re.compile(r"[\s/]")


def parse_ip(text: str) -> IPAddress | None:
    """Parse ``text`` as an IP per C5/K4, or return None when it is not one.

    IPv4 must be a dotted quad without leading zeros; IPv6 may be any valid text
    form but without a scope suffix. Nothing is trimmed: surrounding spaces make
    the value invalid.
    """
    if not isinstance(text, str) or not text or len(text) > 64:
        return None
    if ":" not in text:
        if _IPV4.fullmatch(text) is None:
            return None
        try:
            return ipaddress.IPv4Address(text)
        except ValueError:
            return None
    if "%" in text or not text.isascii() or any(c.isspace() for c in text):
        return None
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        return None


def ip_text(ip: IPAddress) -> str:
    """The canonical text of an IP: IPv6 compressed, lower case (C5).

    IPv4-mapped IPv6 addresses print in RFC 5952 mixed notation (K4).
    """
    if ip.version == 6 and ip in _IPV4_MAPPED:
        assert isinstance(ip, ipaddress.IPv6Address)
        mapped = ip.ipv4_mapped
        assert mapped is not None
        return f"::ffff:{mapped}"
    return str(ip)


def ip_sort_key(ip: IPAddress) -> tuple[int, int]:
    """Sort key of the canonical IP order: IPv4 before IPv6, then numerically."""
    return (ip.version, int(ip))


def sorted_ips(ips: Iterable[IPAddress]) -> list[IPAddress]:
    """The IPs in canonical order (C5)."""
    return sorted(ips, key=ip_sort_key)


def is_pool_id(text: str) -> bool:
    """True when ``text`` has the shape of a pool id: 24 lowercase hex digits."""
    return isinstance(text, str) and _POOL_ID.fullmatch(text) is not None


def domain_key(name: str) -> str:
    """The key under which domain names match: case-insensitive, one trailing dot ignored (C6)."""
    if name.endswith("."):
        name = name[:-1]
    return name.lower()


def _record_id(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{attribute.name} must be a non-empty string, got {echo(value)}")
    if _NOT_IN_ID.search(value) is not None:
        raise ValueError(f"{attribute.name} must not contain whitespace or '/', got {echo(value)}")


def _optional_record_id(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _record_id(instance, attribute, value)


def _pool_id(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not is_pool_id(value):
        raise ValueError(f"{attribute.name} must be 24 lowercase hex digits, got {echo(value)}")


def _optional_pool_id(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _pool_id(instance, attribute, value)


def _ip(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        raise TypeError(f"{attribute.name} must be an IP address, got {echo(value)}")
    if isinstance(value, ipaddress.IPv6Address) and value.scope_id is not None:
        raise ValueError(f"{attribute.name} must not carry a scope, got {echo(value)}")


def _ip_set(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, frozenset):
        raise TypeError(f"{attribute.name} must be a frozenset of IPs, got {echo(value)}")
    for ip in value:
        _ip(instance, attribute, ip)


def _id_set(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, frozenset):
        raise TypeError(f"{attribute.name} must be a frozenset of ids, got {echo(value)}")
    for item in value:
        _record_id(instance, attribute, item)


def _frozen_ips(value: Iterable[IPAddress]) -> frozenset[IPAddress]:
    return value if isinstance(value, frozenset) else frozenset(value)


def _frozen_ids(value: Iterable[str]) -> frozenset[str]:
    return value if isinstance(value, frozenset) else frozenset(value)


@attrs.frozen
class Account:
    """An account; a subaccount names its top-level parent in ``parent_id``."""

    id: str = attrs.field(validator=_record_id)
    parent_id: str | None = attrs.field(default=None, validator=_optional_record_id)
    dipps: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))
    shared_ip_eligible: bool = attrs.field(
        default=False, validator=attrs.validators.instance_of(bool)
    )

    def __attrs_post_init__(self) -> None:
        if self.parent_id == self.id:
            raise ValueError(f"account {echo(self.id)} cannot be its own parent")

    @property
    def is_subaccount(self) -> bool:
        """True when the account has a parent."""
        return self.parent_id is not None


@attrs.frozen
class DedicatedIp:
    """An IP owned by one account; it may be on warmup."""

    ip: IPAddress = attrs.field(validator=_ip)
    account_id: str = attrs.field(validator=_record_id)
    warmup: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))


@attrs.frozen
class Domain:
    """A sending domain of one account: the IPs it holds and the DIPP it is linked to, if any."""

    id: str = attrs.field(validator=_record_id)
    name: str = attrs.field(validator=_record_id)
    account_id: str = attrs.field(validator=_record_id)
    pool_id: str | None = attrs.field(default=None, validator=_optional_pool_id)
    ips: frozenset[IPAddress] = attrs.field(
        default=frozenset(), converter=_frozen_ips, validator=_ip_set
    )

    @property
    def key(self) -> str:
        """The name as domain names are matched (C6)."""
        return domain_key(self.name)


@attrs.frozen
class Pool:
    """A dedicated IP pool (DIPP): its owner's IPs and the subaccounts it is delegated to."""

    pool_id: str = attrs.field(validator=_pool_id)
    account_id: str = attrs.field(validator=_record_id)
    name: str = attrs.field(validator=attrs.validators.instance_of(str))
    description: str = attrs.field(validator=attrs.validators.instance_of(str))
    ips: frozenset[IPAddress] = attrs.field(
        default=frozenset(), converter=_frozen_ips, validator=_ip_set
    )
    delegated_to: frozenset[str] = attrs.field(
        default=frozenset(), converter=_frozen_ids, validator=_id_set
    )

    def __attrs_post_init__(self) -> None:
        if self.account_id in self.delegated_to:
            raise ValueError(f"pool {echo(self.pool_id)} cannot be delegated to its owner")
