"""The records of the IP pools domain: accounts, dedicated IPs, domains and DIPPs.

Every record is a frozen attrs class whose converters and validators make an
invalid value impossible to build: a value of the wrong type raises
:class:`TypeError`, a malformed one :class:`ValueError`, each naming the field.
Change a record with :func:`attrs.evolve`, which validates again.

IPs are :mod:`ipaddress` values; IP fields also take the text of an IP and parse
it with :func:`ip_address`. The module owns the one IP syntax of the contract
(C5, K4) and the canonical order and text of IPs, so that every other module
parses, sorts and prints them the same way: :func:`parse_ip` answers None for
text that is not an IP, :func:`ip_address` raises.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from operator import methodcaller
from typing import Any, TypeAlias

import attrs

from ippools._validators import is_flag, is_text
from ippools.errors import echo

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address

__all__ = [
    "Account",
    "DedicatedIp",
    "Domain",
    "IPAddress",
    "Pool",
    "domain_key",
    "domain_keys",
    "ip_address",
    "ip_sort_key",
    "ip_text",
    "is_pool_id",
    "parse_ip",
    "plain_domains",
    "sorted_ips",
]

_POOL_ID = re.compile(r"[0-9a-f]{24}")
_IPV4 = re.compile(r"(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){3}")
_IPV4_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_NOT_IN_ID = re.compile(r"[\s/]")
_NETWORKS = ipaddress.IPv4Network | ipaddress.IPv6Network
_V6 = ipaddress.IPv6Address
_V4 = frozenset({ipaddress.IPv4Address})
_V4_V6 = frozenset({ipaddress.IPv4Address, ipaddress.IPv6Address})


def parse_ip(text: str) -> IPAddress | None:
    """Parse ``text`` as an IP per C5/K4, or return None when it is not one.

    IPv4 must be a dotted quad without leading zeros; IPv6 may be any valid text
    form but without a scope suffix. Nothing is trimmed: surrounding spaces make
    the value invalid. Raises :class:`TypeError` when ``text`` is not a string;
    :func:`ip_address` is the same parser, raising for invalid text too.
    """
    if not isinstance(text, str):
        raise TypeError(f"an IP must be given as text, got {echo(text)}")
    return _parsed(text)


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> IPAddress | None:
    """:func:`parse_ip` of a string; the IPs a platform names are few and come back often,
    and each parse through :mod:`ipaddress` costs microseconds (the values are immutable)."""
    if not text or len(text) > 64:
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


def ip_address(value: str | IPAddress) -> IPAddress:
    """The IP ``value`` names: its text per C5/K4, or an :mod:`ipaddress` value, checked.

    Raises :class:`ValueError` naming the text when it is not a valid IP (a
    leading zero, a scope suffix, surrounding spaces, ...) and for an IPv6 value
    that carries a scope; :class:`TypeError` for anything but a string or an
    IPv4/IPv6 address value.
    """
    if isinstance(value, ipaddress.IPv4Address):
        return value
    if isinstance(value, ipaddress.IPv6Address):
        if value.scope_id is not None:
            raise ValueError(f"IP {echo(str(value))} carries a scope, which C5 does not allow")
        return value
    if not isinstance(value, str):
        raise TypeError(f"an IP must be its text or an IPv4/IPv6 address value, got {echo(value)}")
    parsed = parse_ip(value)
    if parsed is None:
        raise ValueError(
            f"{echo(value)} is not a valid IP address "
            "(IPv4 as a dotted quad without leading zeros, or IPv6 without a scope; C5)"
        )
    return parsed


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


_NO_TRAILING_DOT = methodcaller("removesuffix", ".")


def domain_keys(names: Iterable[str]) -> list[str]:
    """:func:`domain_key` of each name, by C functions through :func:`map` (for many names).

    Lower case first, then one trailing dot off: the same key, as lowering keeps a
    final dot where it is. Names are mostly keys already (lower case, no final
    dot): that is seen at once on all of them joined, and they are their own keys.
    Joined by NUL and ended by one, a name that ends with a dot shows as ".\0";
    a name holding ".\0" itself only sends the names the long way. And the whole
    is its own lower case only when every character is, whatever its context
    (the one context-dependent mapping, of capital sigma, never keeps it).
    """
    names = list(names)
    joined = "\0".join(names) + "\0"
    if ".\0" not in joined and joined.lower() == joined:
        return names
    return list(map(_NO_TRAILING_DOT, map(str.lower, names)))


def _check_id(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {echo(value)}")
    if not value:
        raise ValueError(f"{name} must be a non-empty string, got ''")
    if _NOT_IN_ID.search(value) is not None:
        raise ValueError(f"{name} must not contain whitespace or '/', got {echo(value)}")
    return value


def _record_id(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    _check_id(attribute.name, value)


def _optional_record_id(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _check_id(attribute.name, value)


def _pool_id(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{attribute.name} must be a string, got {echo(value)}")
    if not is_pool_id(value):
        raise ValueError(f"{attribute.name} must be 24 lowercase hex digits, got {echo(value)}")


def _optional_pool_id(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _pool_id(instance, attribute, value)


def _named_ip(name: str, value: Any) -> IPAddress:
    try:
        return ip_address(value)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{name}: {error}") from None


def _collection(name: str, what: str, value: object) -> Iterable[Any]:
    """``value`` as a collection of items (TypeError for anything else).

    A string, a mapping or an IP network is not a collection of items here: a
    network of the size of ``::/0`` could never be listed.
    """
    if isinstance(value, str | bytes | bytearray | _NETWORKS) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a collection of {what}, got {echo(value)}")
    if isinstance(value, Mapping):
        raise TypeError(f"{name} must be a collection of {what}, not a mapping")
    return value


def _plain_ips(ips: frozenset[Any]) -> bool:
    """True when every item is an IP value without a scope (checked by type, quickly)."""
    kinds = {type(ip) for ip in ips}
    if kinds <= _V4:
        return True
    return kinds <= _V4_V6 and all(ip.scope_id is None for ip in ips if type(ip) is _V6)


def _to_ip(value: str | IPAddress) -> IPAddress:
    """A dedicated IP's ``ip``: an IP value, or its text."""
    return _named_ip("ip", value)


def _to_ips(value: Iterable[str | IPAddress]) -> frozenset[IPAddress]:
    """A domain's or DIPP's ``ips``: IP values or their texts, as a frozenset."""
    if isinstance(value, frozenset) and _plain_ips(value):
        return value  # the common case, records built from records: nothing to convert
    items = _collection("ips", "IPs", value)
    return frozenset(_named_ip("ips", item) for item in items)


def _to_ids(value: Iterable[str]) -> frozenset[str]:
    """A DIPP's ``delegated_to``: account ids, as a frozenset."""
    if isinstance(value, frozenset):
        for item in value:
            _check_id("delegated_to", item)
        return value  # the common case, records built from records: nothing to convert
    items = _collection("delegated_to", "account ids", value)
    return frozenset(_check_id("delegated_to", item) for item in items)


@attrs.frozen
class Account:
    """An account; a subaccount names its top-level parent in ``parent_id``."""

    id: str = attrs.field(validator=_record_id)
    parent_id: str | None = attrs.field(default=None, validator=_optional_record_id)
    dipps: bool = attrs.field(default=False, validator=is_flag)
    shared_ip_eligible: bool = attrs.field(default=False, validator=is_flag)

    def __attrs_post_init__(self) -> None:
        if self.parent_id == self.id:
            raise ValueError(f"account {echo(self.id)} cannot be its own parent")

    @property
    def is_subaccount(self) -> bool:
        """True when the account has a parent."""
        return self.parent_id is not None


@attrs.frozen
class DedicatedIp:
    """An IP owned by one account; it may be on warmup. ``ip`` may be given as text."""

    ip: IPAddress = attrs.field(converter=_to_ip)
    account_id: str = attrs.field(validator=_record_id)
    warmup: bool = attrs.field(default=False, validator=is_flag)


@attrs.frozen
class Domain:
    """A sending domain of one account: the IPs it holds and the DIPP it is linked to, if any.

    ``ips`` may be any collection of IPs or IP texts; it is stored as a frozenset.
    """

    id: str = attrs.field(validator=_record_id)
    name: str = attrs.field(validator=_record_id)
    account_id: str = attrs.field(validator=_record_id)
    pool_id: str | None = attrs.field(default=None, validator=_optional_pool_id)
    ips: frozenset[IPAddress] = attrs.field(default=frozenset(), converter=_to_ips)

    @property
    def key(self) -> str:
        """The name as domain names are matched (C6)."""
        return domain_key(self.name)


_ASCII_NOT_IN_ID = bytes(c for c in range(128) if _NOT_IN_ID.match(chr(c)))


def _plain_texts(texts: Sequence[Any]) -> bool:
    """True when every item is a non-empty ASCII ``str`` (exactly) that the id check accepts.

    Seen over all at once: the join holds what each item holds and nothing else,
    and the characters the id check refuses are deleted from its bytes at C speed.
    """
    if set(map(type, texts)) != {str} or not all(texts):
        return False
    joined = "".join(texts)
    if not joined.isascii():
        return False
    data = joined.encode("ascii")
    return len(data.translate(None, _ASCII_NOT_IN_ID)) == len(data)


def plain_domains(
    ids: Sequence[Any],
    names: Sequence[Any],
    account_ids: Sequence[Any],
    pool_ids: Sequence[Any],
    ips: Sequence[Any],
) -> list[Domain] | None:
    """The domains of these columns when every value is plain, else None.

    Plain: ids, names and account ids are non-empty ASCII strings that the id
    check accepts, each DIPP id is None or a valid one, each IP set a frozenset of
    IP values without a scope: values that :class:`Domain` takes unchanged. They
    are checked over whole columns (each distinct DIPP id and IP set once) and the
    records built field by field through their slots, so that a page or a world of
    domains costs a few C calls per field. Anything else is None: the caller builds
    those records one by one with :class:`Domain`, which says what is wrong.
    The columns must be of one length.
    """
    count = len(ids)
    if not (len(names) == len(account_ids) == len(pool_ids) == len(ips) == count):
        raise ValueError("the columns of domains must be of one length")
    if not (_plain_texts(ids) and _plain_texts(names) and _plain_texts(account_ids)):
        return None
    if not set(map(type, pool_ids)) <= {str, type(None)}:
        return None
    if not all(pool is None or is_pool_id(pool) for pool in set(pool_ids)):
        return None
    if set(map(type, ips)) != {frozenset} or not all(map(_plain_ips, set(ips))):
        return None
    records: list[Domain] = list(map(object.__new__, repeat(Domain, count)))
    columns = (ids, names, account_ids, pool_ids, ips)
    for setter, column in zip(_DOMAIN_SLOT_SETTERS, columns, strict=True):
        deque(map(setter, records, column), maxlen=0)
    return records


@attrs.frozen
class Pool:
    """A dedicated IP pool (DIPP): its owner's IPs and the subaccounts it is delegated to.

    ``ips`` may be any collection of IPs or IP texts, ``delegated_to`` any
    collection of account ids (not one id as a string); both are stored as
    frozensets.
    """

    pool_id: str = attrs.field(validator=_pool_id)
    account_id: str = attrs.field(validator=_record_id)
    name: str = attrs.field(validator=is_text)
    description: str = attrs.field(validator=is_text)
    ips: frozenset[IPAddress] = attrs.field(default=frozenset(), converter=_to_ips)
    delegated_to: frozenset[str] = attrs.field(default=frozenset(), converter=_to_ids)

    def __attrs_post_init__(self) -> None:
        if self.account_id in self.delegated_to:
            raise ValueError(f"pool {echo(self.pool_id)} cannot be delegated to its owner")


# Each field's slot of a Domain, set as object.__setattr__ sets it, without a lookup by name.
_DOMAIN_SLOT_SETTERS = tuple(
    vars(Domain)[field].__set__ for field in ("id", "name", "account_id", "pool_id", "ips")
)
