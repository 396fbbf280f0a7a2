"""The rows of a SQLite store and the records they hold, both ways, every value read checked.

A store file can be altered by other programs: a hand edit, a bad migration, a
disk that lies. So every value read is checked before it becomes part of a
record: a JSON list must be a list of the right items, an IP valid text (C5), a
flag 0 or 1, a count an integer of at least 0, a kind one of the kinds the store
writes, and the record must pass the model's validators. A value that fails
raises :class:`~ippools.store.ports.StoreError` naming the table, the row and
what is wrong, for example ``store 's.db' is damaged: domains row 'd-1': ips is
not a JSON list of IPs``; no :class:`ValueError`, :class:`TypeError` or JSON
error escapes.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from typing import Any

from ippools.model import (
    Account,
    DedicatedIp,
    Domain,
    IPAddress,
    Pool,
    ip_text,
    is_pool_id,
    parse_ip,
    plain_domains,
    sorted_ips,
)
from ippools.outcome import (
    DomainUpdate,
    PendingUpdate,
    Replacement,
    ReplaceWithIp,
    ReplaceWithPool,
    ReplaceWithShared,
    SubaccountUpdate,
    Tombstone,
)
from ippools.store.ports import StoreError

__all__ = [
    "account",
    "damaged",
    "dedicated_ip",
    "domain",
    "domain_row",
    "domains",
    "ips_text",
    "pool",
    "pool_id",
    "shared_choice",
    "shared_ip",
    "tombstone",
    "update",
    "update_row",
    "usage",
    "version",
]

_KEY_SHOWN = 100
"""Characters of a row's key shown in a message; a longer key is cut, and the cut marked."""


class _Damage(Exception):
    """A value read that no record can hold; the caller names the row."""


# The errors a damaged value raises: ours, and the model's validators'.
_DAMAGE = (_Damage, ValueError, TypeError)


def damaged(where: str, table: str, key: object, problem: object) -> StoreError:
    """The error for the row ``key`` of ``table`` of the store ``where``, holding ``problem``."""
    shown = repr(key)
    if len(shown) > _KEY_SHOWN:
        shown = shown[:_KEY_SHOWN] + "...(cut)"
    return StoreError(f"{where} is damaged: {table} row {shown}: {problem}")


# -- values --------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _ip_list(value: object) -> frozenset[IPAddress] | None:
    """The IPs of a JSON list of IP texts, or None when ``value`` is not one."""
    if not isinstance(value, str):
        return None
    try:
        items = json.loads(value)
    except (ValueError, RecursionError):
        return None
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        return None
    ips = [parse_ip(item) for item in items]
    if any(ip is None for ip in ips):
        return None
    return frozenset(ip for ip in ips if ip is not None)


def _ips(value: object, field: str) -> frozenset[IPAddress]:
    ips = _ip_list(value)
    if ips is None:
        raise _Damage(f"{field} is not a JSON list of IPs")
    return ips


def _ids(value: object, field: str) -> frozenset[str]:
    items: object = None
    if isinstance(value, str):
        try:
            items = json.loads(value)
        except (ValueError, RecursionError):
            items = None
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise _Damage(f"{field} is not a JSON list of account ids")
    return frozenset(items)


def _ip(value: object, field: str) -> IPAddress:
    ip = parse_ip(value) if isinstance(value, str) else None
    if ip is None:
        raise _Damage(f"{field} is not an IP")
    return ip


def _flag(value: object, field: str) -> bool:
    if type(value) is not int or value not in (0, 1):
        raise _Damage(f"{field} is not 0 or 1")
    return value == 1


def _count(value: object, field: str, minimum: int = 0) -> int:
    if type(value) is not int or value < minimum:
        raise _Damage(f"{field} is not an integer of at least {minimum}")
    return value


def _pool_id(value: object, field: str) -> str:
    if not isinstance(value, str) or not is_pool_id(value):
        raise _Damage(f"{field} is not a DIPP id")
    return value


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise _Damage(f"{field} is not a non-empty text")
    return value


# -- records ---------------------------------------------------------------------------


def ips_text(ips: Iterable[IPAddress]) -> str:
    """The JSON text of a set of IPs, in canonical order and text (C5)."""
    return json.dumps([ip_text(ip) for ip in sorted_ips(ips)])


def domain_row(record: Domain) -> tuple[str, str, str, str, str | None, str]:
    """The ``domains`` row of a domain: id, name, key, account_id, pool_id, ips."""
    return (
        record.id,
        record.name,
        record.key,
        record.account_id,
        record.pool_id,
        ips_text(record.ips),
    )


def domain(where: str, row: Sequence[Any]) -> Domain:
    """The domain of a ``domains`` row (id, name, account_id, pool_id, ips)."""
    try:
        return Domain(row[0], row[1], row[2], row[3], _ips(row[4], "ips"))
    except _DAMAGE as error:
        raise damaged(where, "domains", row[0], error) from error


def domains(where: str, found: Sequence[Sequence[Any]]) -> list[Domain]:
    """The domains of many ``domains`` rows (a page of them), checked over whole columns.

    Rows that are not all plain (:func:`~ippools.model.plain_domains`) go one by one
    through :func:`domain`, which names a damaged row as it always does.
    """
    if not found:
        return []
    try:
        ids, names, account_ids, pool_ids, texts = zip(*found, strict=True)
        built = plain_domains(ids, names, account_ids, pool_ids, [_ips(t, "ips") for t in texts])
    except _DAMAGE:
        built = None
    return [domain(where, row) for row in found] if built is None else built


def pool(where: str, row: Sequence[Any]) -> Pool:
    """The DIPP of a ``pools`` row (pool_id, account_id, name, description, ips, delegated_to)."""
    try:
        return Pool(
            row[0], row[1], row[2], row[3], _ips(row[4], "ips"), _ids(row[5], "delegated_to")
        )
    except _DAMAGE as error:
        raise damaged(where, "pools", row[0], error) from error


def account(where: str, row: Sequence[Any]) -> Account:
    """The account of an ``accounts`` row (id, parent_id, dipps, shared_ip_eligible)."""
    try:
        dipps = _flag(row[2], "dipps")
        return Account(row[0], row[1], dipps, _flag(row[3], "shared_ip_eligible"))
    except _DAMAGE as error:
        raise damaged(where, "accounts", row[0], error) from error


def dedicated_ip(where: str, ip: Any, account_id: Any, warmup: Any) -> DedicatedIp:
    """The record of a ``dedicated_ips`` row."""
    try:
        return DedicatedIp(_ip(ip, "ip"), account_id, _flag(warmup, "warmup"))
    except _DAMAGE as error:
        raise damaged(where, "dedicated_ips", ip, error) from error


def shared_ip(where: str, ip: object) -> IPAddress:
    """The IP of a ``shared_ips`` row."""
    try:
        return _ip(ip, "ip")
    except _Damage as error:
        raise damaged(where, "shared_ips", ip, error) from error


def usage(where: str, row: Sequence[Any]) -> tuple[IPAddress, int]:
    """The IP and usage count of a ``shared_ips`` row (ip, usage)."""
    try:
        return _ip(row[0], "ip"), _count(row[1], "usage")
    except _Damage as error:
        raise damaged(where, "shared_ips", row[0], error) from error


def pool_id(where: str, table: str, key: object, value: object) -> str:
    """``value``, the DIPP id held by the row ``key`` of ``table``."""
    try:
        return _pool_id(value, "pool_id")
    except _Damage as error:
        raise damaged(where, table, key, error) from error


def tombstone(
    where: str, grave_id: str, row: Sequence[Any], choices: dict[str, IPAddress]
) -> Tombstone:
    """The tombstone of a ``tombstones`` row (account_id, kind, target) of ``grave_id``.

    ``choices`` are the shared IPs chosen for its domains, used when its kind is
    ``shared``.
    """
    account_id, kind, target = row
    try:
        owner = _text(account_id, "account_id")
        replacement: Replacement
        if kind == "pool":
            replacement = ReplaceWithPool(_pool_id(target, "target"))
        elif kind == "ip":
            replacement = ReplaceWithIp(_ip(target, "target"))
        elif kind == "shared":
            replacement = ReplaceWithShared(choices)
        elif kind == "none":
            replacement = None
        else:
            raise _Damage("kind is not one of 'pool', 'ip', 'shared', 'none'")
    except _Damage as error:
        raise damaged(where, "tombstones", grave_id, error) from error
    return Tombstone(grave_id, owner, replacement)


def shared_choice(where: str, grave_id: str, domain_id: str, ip: object) -> IPAddress:
    """The IP of a ``shared_choices`` row."""
    try:
        return _ip(ip, "ip")
    except _Damage as error:
        raise damaged(where, "shared_choices", (grave_id, domain_id), error) from error


def update_row(pending: PendingUpdate) -> tuple[str, str, str | None]:
    """The ``outbox`` row of a pending update: kind, subject, pool_id."""
    if isinstance(pending, DomainUpdate):
        return ("domain", pending.domain_id, None)
    return ("subaccount", pending.account_id, pending.pool_id)


def update(where: str, row: Sequence[Any]) -> PendingUpdate:
    """The pending update of an ``outbox`` row (seq, kind, subject, pool_id)."""
    try:
        if row[1] == "domain":
            return DomainUpdate(_text(row[2], "subject"))
        if row[1] == "subaccount":
            return SubaccountUpdate(_text(row[2], "subject"), _pool_id(row[3], "pool_id"))
        raise _Damage("kind is not 'domain' or 'subaccount'")
    except _Damage as error:
        raise damaged(where, "outbox", row[0], error) from error


def version(where: str, key: tuple[str, str], value: object) -> int:
    """The version held by the ``versions`` row ``key`` (kind, id)."""
    try:
        return _count(value, "version", 1)
    except _Damage as error:
        raise damaged(where, "versions", key, error) from error
