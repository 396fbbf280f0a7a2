"""World documents: their shape, their references and invariants, their canonical form.

A world given as a scenario's ``world`` (or to :func:`~ippools.documents.load_world`)
is a settled state and must pass every check (:func:`_settled_world`: references
per K13 and the invariants of §4 through :func:`~ippools.world.world_problems`).
``expect_world`` and a replay output's ``world`` are stored states that may lag
behind a settle (K15): :func:`_shape_only` checks fields, types, ids, IPs and
repeated records only.
"""

from __future__ import annotations

import re
from operator import attrgetter
from typing import Any, Final, TypeVar

import attrs
import cattrs

from ippools.documents._leaves import ip as _ip
from ippools.documents._leaves import json_array as _array
from ippools.documents._leaves import json_object as _object
from ippools.documents._leaves import no_unknown as _no_unknown
from ippools.documents._leaves import sorted_ip_texts as _sorted_ip_texts
from ippools.documents._problems import Invalid as _Invalid
from ippools.documents._problems import PathPart
from ippools.documents._problems import at as _at
from ippools.documents._problems import fail as _fail
from ippools.errors import echo
from ippools.model import Account, DedicatedIp, Domain, IPAddress, Pool, ip_text
from ippools.world import World, world_problems

__all__ = ["UsualDomains"]

T = TypeVar("T")

_WORLD_LISTS: Final = ("accounts", "dedicated_ips", "shared_ips", "domains", "pools")


class UsualDomains:
    """The converter's structure hook of this type turns a whole list of domain records
    into domains, or gives None when a record is not a usual one (see the converter):
    the list is then structured record by record."""


@attrs.frozen
class _Records:
    """The records of a world document in document order, and the raw lists they came from."""

    raw: dict[str, list[Any]]
    accounts: list[Account]
    dedicated: list[DedicatedIp]
    shared: list[IPAddress]
    domains: list[Domain]
    pools: list[Pool]

    def world(self) -> World:
        return World(self.accounts, self.dedicated, self.shared, self.domains, self.pools)


def _records(converter: cattrs.Converter, value: Any) -> _Records:
    """Structure every record of a world, checking fields and types (not repeats or references)."""
    obj = _object(value, "a world (a JSON object)")
    _no_unknown(obj, _WORLD_LISTS)
    raw = {name: _at((name,), _array, obj.get(name, [])) for name in _WORLD_LISTS}

    def each(name: str, kind: type[T], usual: type | None = None) -> list[T]:
        items = raw[name]
        if usual is not None:  # the whole list at once, when every record is usual
            found: list[T] | None = converter.get_structure_hook(usual)(items, usual)
            if found is not None:
                return found
        hook = converter.get_structure_hook(kind)
        done: list[T] = []
        try:
            for item in items:
                done.append(hook(item, kind))
        except Exception:
            # Hooks are pure: run the one that failed again, under its record's path.
            _at((name, len(done)), hook, items[len(done)], kind)
            raise
        return done

    return _Records(
        raw,
        accounts=each("accounts", Account),
        dedicated=each("dedicated_ips", DedicatedIp),
        shared=[_at(("shared_ips", i), _ip, v) for i, v in enumerate(raw["shared_ips"])],
        domains=each("domains", Domain, UsualDomains),
        pools=each("pools", Pool),
    )


def _index(records: _Records) -> dict[str, dict[str, int]]:
    """For each list, the document index of every record key; raises at the first repeat."""
    raw = records.raw
    index: dict[str, dict[str, int]] = {name: {} for name in _WORLD_LISTS}

    def first(name: str, key: str, i: int, shown: str, *field: str) -> None:
        if key in index[name]:
            raise _fail(f"{echo(shown)} is repeated", name, i, *field)
        index[name][key] = i

    for i, account in enumerate(records.accounts):
        first("accounts", account.id, i, account.id, "id")
    for i, record in enumerate(records.dedicated):
        first("dedicated_ips", ip_text(record.ip), i, raw["dedicated_ips"][i]["ip"], "ip")
    for i, ip in enumerate(records.shared):
        first("shared_ips", ip_text(ip), i, raw["shared_ips"][i])
        if ip_text(ip) in index["dedicated_ips"]:
            raise _fail(f"{echo(raw['shared_ips'][i])} is also a dedicated IP", "shared_ips", i)
    names: dict[str, int] = {}
    for i, domain in enumerate(records.domains):
        first("domains", domain.id, i, domain.id, "id")
        key = domain.key
        if key in names:
            raise _fail(
                f"{echo(domain.name)} repeats the name of domains[{names[key]}] "
                "(names match case-insensitively)",
                "domains",
                i,
                "name",
            )
        names[key] = i
    for i, pool in enumerate(records.pools):
        first("pools", pool.pool_id, i, pool.pool_id, "pool_id")
    return index


def _shape_only(converter: cattrs.Converter, value: Any) -> World:
    """Structure a stored world that may lag behind a settle (K15): shape checks only."""
    records = _records(converter, value)
    _index(records)
    return records.world()


def _settled_world(converter: cattrs.Converter, value: Any) -> World:
    """Structure a world that must be a valid settled state (K13, §4).

    The world is checked once, by :func:`~ippools.world.world_problems`, which
    remembers its answer in the world: a state or store built from it does not
    check it again. Every repeat and broken reference is also a problem there, so
    only a world with problems is walked again, to name the first one as the
    document has it (repeats first, then references, then the invariants).
    """
    records = _records(converter, value)
    world = records.world()
    problems = world_problems(world)
    if not problems:
        return world
    index = _index(records)
    _check_references(world, index, records.raw)
    raise _translate(problems[0], index)


def _check_references(
    world: World, index: dict[str, dict[str, int]], raw: dict[str, list[Any]]
) -> None:
    """Raise at the first reference (K13) that names no record, in document terms."""
    accounts = {account.id: account for account in world.accounts}

    def known(account_id: str, *path: PathPart) -> None:
        if account_id not in accounts:
            raise _fail(f"unknown account {echo(account_id)}", *path)

    for account in world.accounts:
        i = index["accounts"][account.id]
        if account.parent_id is not None:
            known(account.parent_id, "accounts", i, "parent_id")
            if accounts[account.parent_id].parent_id is not None:
                raise _fail(
                    f"account {echo(account.parent_id)} is itself a subaccount",
                    "accounts",
                    i,
                    "parent_id",
                )
    for record in world.dedicated_ips:
        i = index["dedicated_ips"][ip_text(record.ip)]
        known(record.account_id, "dedicated_ips", i, "account_id")
    for pool in world.pools:
        i = index["pools"][pool.pool_id]
        known(pool.account_id, "pools", i, "account_id")
        for j, sub in enumerate(raw["pools"][i].get("delegated_to", [])):
            known(sub, "pools", i, "delegated_to", j)
    for domain in world.domains:
        i = index["domains"][domain.id]
        known(domain.account_id, "domains", i, "account_id")
        if domain.pool_id is not None and domain.pool_id not in index["pools"]:
            raise _fail(f"unknown DIPP {echo(domain.pool_id)}", "domains", i, "pool_id")
        for j, text in enumerate(raw["domains"][i].get("ips", [])):
            key = ip_text(_ip(text))
            if key not in index["dedicated_ips"] and key not in index["shared_ips"]:
                raise _fail(
                    f"{echo(text)} is neither a dedicated nor a shared IP", "domains", i, "ips", j
                )


_PROBLEM = re.compile(r"(?P<kind>[a-z_]+)\[(?P<key>[^\]\s]*)\]: (?P<rest>.*)", re.S)


def _translate(problem: str, index: dict[str, dict[str, int]]) -> _Invalid:
    """A :func:`world_problems` message, its record named by its index in the document."""
    found = _PROBLEM.fullmatch(problem)
    if found is not None:
        position = index.get(found["kind"], {}).get(found["key"])
        if position is not None:
            return _fail(found["rest"], found["kind"], position)
    return _fail(problem)


def _unstructure_world(converter: cattrs.Converter, world: World) -> dict[str, Any]:
    def each(kind: type[T], records: tuple[T, ...]) -> list[Any]:
        hook = converter.get_unstructure_hook(kind)
        return [hook(record) for record in records]

    return {
        "accounts": each(Account, world.accounts),
        "dedicated_ips": each(DedicatedIp, world.dedicated_ips),
        "shared_ips": _sorted_ip_texts(world.shared_ips),
        "domains": _domain_objects(world.domains),
        "pools": each(Pool, world.pools),
    }


_DOMAIN_COLUMNS: Final = attrgetter("id", "name", "account_id", "pool_id", "ips")


def _domain_objects(domains: tuple[Domain, ...]) -> list[dict[str, Any]]:
    """The converter's unstructured form of each domain, built over the whole list.

    Fields in the record's order, the IPs as their canonical texts (C5), each
    distinct set of IPs written once and copied, so that each record has its own
    list, as the converter gives them one by one.
    """
    texts = {ips: _sorted_ip_texts(ips) for ips in set(map(attrgetter("ips"), domains))}
    return [
        {"id": i, "name": name, "account_id": account, "pool_id": pool, "ips": texts[ips][:]}
        for i, name, account, pool, ips in map(_DOMAIN_COLUMNS, domains)
    ]
