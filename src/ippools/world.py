"""A whole state as one value, and the checks a settled state must pass.

A :class:`World` holds every record in canonical order (K14), so two worlds are
equal exactly when their canonical documents are. :func:`world_problems` lists
what is wrong with one: broken references (K13) and broken invariants (§4),
each naming the offending record.

A world is immutable, so it is checked at most once: the first call of
:func:`world_problems` on a world remembers the answer in the world itself, and
every later call (the document loader's, then the state's or the store's
:func:`check_world`) returns it without walking the records again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from ipaddress import IPv4Network, IPv6Network
from itertools import islice
from operator import attrgetter, eq
from typing import TypeVar

import attrs

from ippools.errors import DocumentError, echo
from ippools.model import (
    Account,
    DedicatedIp,
    Domain,
    IPAddress,
    Pool,
    domain_key,
    domain_keys,
    ip_address,
    ip_sort_key,
    ip_text,
    sorted_ips,
)

__all__ = ["World", "check_world", "world_problems"]

_NO_IPS: frozenset[IPAddress] = frozenset()


T = TypeVar("T")


def _items(name: str, kind: type[T], value: object) -> list[T]:
    """``value`` as a list of ``kind`` records: else TypeError naming the argument."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise TypeError(
            f"{name} must be a collection of {kind.__name__} records, got {echo(value)}"
        )
    if (type(value) is list or type(value) is tuple) and set(map(type, value)) <= {kind}:
        return list(value)  # records of exactly that type, checked at once
    items: list[T] = []
    for item in value:  # stop at the first wrong item: the collection may be endless
        if not isinstance(item, kind):
            raise TypeError(f"{name} must hold {kind.__name__} records only, got {echo(item)}")
        items.append(item)
    return items


# Fields of many records at once, read by C functions through map().
_BY_ID = attrgetter("id")
_BY_NAME = attrgetter("name")
_BY_ACCOUNT = attrgetter("account_id")
_BY_IPS = attrgetter("ips")
_BY_POOL_ID = attrgetter("pool_id")


def _accounts_sorted(records: Iterable[Account]) -> tuple[Account, ...]:
    return tuple(sorted(_items("accounts", Account, records), key=_BY_ID))


def _domains_sorted(records: Iterable[Domain]) -> tuple[Domain, ...]:
    return tuple(sorted(_items("domains", Domain, records), key=_BY_ID))


def _pools_sorted(records: Iterable[Pool]) -> tuple[Pool, ...]:
    return tuple(sorted(_items("pools", Pool, records), key=_BY_POOL_ID))


def _ips_sorted(ips: Iterable[IPAddress | str]) -> tuple[IPAddress, ...]:
    # A network of the size of ::/0 could never be listed: it is not a collection of IPs here.
    if isinstance(ips, str | bytes | Mapping | IPv4Network | IPv6Network) or not isinstance(
        ips, Iterable
    ):
        raise TypeError(f"shared_ips must be a collection of IPs, got {echo(ips)}")
    try:
        return tuple(sorted_ips(ip_address(ip) for ip in ips))
    except (TypeError, ValueError) as error:
        raise type(error)(f"shared_ips: {error}") from None


def _dedicated_sorted(records: Iterable[DedicatedIp]) -> tuple[DedicatedIp, ...]:
    return tuple(
        sorted(_items("dedicated_ips", DedicatedIp, records), key=lambda r: ip_sort_key(r.ip))
    )


@attrs.frozen
class World:
    """Every record of a state, in canonical order (K14).

    Each argument is a collection of its records (``shared_ips``: IPs or their
    texts); anything else raises :class:`TypeError` naming the argument. Whether
    the records form a valid state is :func:`world_problems`' question.
    """

    accounts: tuple[Account, ...] = attrs.field(default=(), converter=_accounts_sorted)
    dedicated_ips: tuple[DedicatedIp, ...] = attrs.field(default=(), converter=_dedicated_sorted)
    shared_ips: tuple[IPAddress, ...] = attrs.field(default=(), converter=_ips_sorted)
    domains: tuple[Domain, ...] = attrs.field(default=(), converter=_domains_sorted)
    pools: tuple[Pool, ...] = attrs.field(default=(), converter=_pools_sorted)
    # What world_problems found, once it has looked; not part of the value.
    _problems: tuple[str, ...] | None = attrs.field(
        default=None, init=False, repr=False, eq=False, order=False, hash=False
    )


def world_problems(world: World) -> list[str]:
    """Everything wrong with ``world`` as a settled state, one message per problem.

    An empty list means the world is valid: every reference resolves and every
    invariant I1-I7 holds. Messages start with the offending record. The answer
    is computed once per world and remembered (a world cannot change).
    """
    found = world._problems
    if found is None:
        found = tuple(_problems(world))
        object.__setattr__(world, "_problems", found)
    return list(found)


def _problems(world: World) -> list[str]:
    problems: list[str] = []
    add = problems.append
    accounts: dict[str, Account] = {}
    account: Account | None
    for account in world.accounts:
        if account.id in accounts:
            add(f"accounts[{account.id}]: id repeated")
        accounts[account.id] = account
    for account in world.accounts:
        if account.parent_id is None:
            continue
        parent = accounts.get(account.parent_id)
        if parent is None:
            add(f"accounts[{account.id}]: unknown parent account {echo(account.parent_id)}")
        elif parent.parent_id is not None:
            add(f"accounts[{account.id}]: parent {echo(parent.id)} is itself a subaccount")

    dedicated: dict[IPAddress, DedicatedIp] = {}
    record: DedicatedIp | None
    for record in world.dedicated_ips:
        where = f"dedicated_ips[{ip_text(record.ip)}]"
        if record.ip in dedicated:
            add(f"{where}: IP repeated")
        dedicated[record.ip] = record
        if record.account_id not in accounts:
            add(f"{where}: unknown account {echo(record.account_id)}")
    shared: set[IPAddress] = set()
    for ip in world.shared_ips:
        if ip in shared:
            add(f"shared_ips[{ip_text(ip)}]: IP repeated")
        shared.add(ip)
        if ip in dedicated:
            add(f"shared_ips[{ip_text(ip)}]: IP is also dedicated")

    own: dict[str, set[IPAddress]] = {}
    for record in dedicated.values():
        own.setdefault(record.account_id, set()).add(record.ip)
    shared_only = shared - dedicated.keys()

    pools: dict[str, Pool] = {}
    holder: dict[IPAddress, str] = {}
    pool: Pool | None
    for pool in world.pools:
        where = f"pools[{pool.pool_id}]"
        if pool.pool_id in pools:
            add(f"{where}: pool_id repeated")
        pools[pool.pool_id] = pool
        owner = accounts.get(pool.account_id)
        if owner is None:
            add(f"{where}: unknown account {echo(pool.account_id)}")
        for ip in sorted_ips(pool.ips):
            record = dedicated.get(ip)
            if record is None or record.account_id != pool.account_id:
                add(
                    f"{where}: IP {ip_text(ip)} is not a dedicated IP"
                    f" of {echo(pool.account_id)} (I3)"
                )
            if ip in holder:
                add(f"{where}: IP {ip_text(ip)} is also in pool {echo(holder[ip])} (I3)")
            holder[ip] = pool.pool_id
        for sub in sorted(pool.delegated_to):
            account = accounts.get(sub)
            if account is None or account.parent_id != pool.account_id:
                add(f"{where}: delegated to {echo(sub)}, not a subaccount of its owner (I7)")

    fine_domains = _domains_fine(world.domains, accounts, pools, own, shared_only)
    if fine_domains is not None:
        linked = fine_domains
    else:
        linked = set()
        _domain_problems(
            world.domains, accounts, pools, dedicated, shared, own, shared_only, add, linked
        )

    for pool in world.pools:
        if not pool.ips and (pool.pool_id in linked or pool.delegated_to):
            add(f"pools[{pool.pool_id}]: has a linked domain or a delegation but no IP (I4)")
    return problems


def _domains_fine(
    domains: tuple[Domain, ...],
    accounts: dict[str, Account],
    pools: dict[str, Pool],
    own: dict[str, set[IPAddress]],
    shared_only: set[IPAddress],
) -> set[str] | None:
    """The ids of the DIPPs that ``domains`` link to when no domain has a problem, else None.

    The checks of :func:`_domain_problems` made over whole columns: ids and name keys
    distinct, accounts known, each distinct (DIPP, account, IPs) link and each
    distinct (account, IPs) holding looked at once. A world of many domains has few
    distinct ones. None sends the caller to the walk domain by domain, which names
    every problem. ``domains`` are in id order, as a world holds them, so a repeated
    id stands next to itself.
    """
    ids = list(map(_BY_ID, domains))
    if any(map(eq, ids, islice(ids, 1, None))):
        return None
    names = domain_keys(map(_BY_NAME, domains))
    if len(set(names)) != len(names):
        return None
    columns = (map(_BY_POOL_ID, domains), map(_BY_ACCOUNT, domains), map(_BY_IPS, domains))
    links = set(zip(*columns, strict=True))
    holdings = {(account_id, ips) for _, account_id, ips in links}
    if not {account_id for account_id, _ in holdings} <= accounts.keys():
        return None
    if not all(ips for _, ips in holdings):  # a domain holds no IP (I5)
        return None
    linked: set[str] = set()
    for pool_id, account_id, ips in links:
        if pool_id is None:
            continue
        pool = pools.get(pool_id)
        if pool is None or pool.ips != ips:
            return None
        if not (pool.account_id == account_id or account_id in pool.delegated_to):
            return None
        linked.add(pool_id)
    for account_id, ips in holdings:
        rest = ips - own.get(account_id, _NO_IPS)
        if rest and not (accounts[account_id].shared_ip_eligible and rest <= shared_only):
            return None
    return linked


def _domain_problems(
    domains: tuple[Domain, ...],
    accounts: dict[str, Account],
    pools: dict[str, Pool],
    dedicated: dict[IPAddress, DedicatedIp],
    shared: set[IPAddress],
    own: dict[str, set[IPAddress]],
    shared_only: set[IPAddress],
    add: Callable[[str], None],
    linked: set[str],
) -> None:
    """Every problem of ``domains``, domain by domain; the DIPPs they link to go in ``linked``."""
    names: dict[str, str] = {}
    seen_domains: set[str] = set()
    # The usual domain holds only its account's own dedicated IPs, or shared IPs
    # its account may use, and its DIPP's IPs when linked: none of those is a
    # problem. Domains share few distinct IP sets, so each (account, set) pair is
    # looked at once; only the others are walked IP by IP below.
    fine: set[tuple[str, frozenset[IPAddress]]] = set()
    for domain in domains:
        domain_id, account_id, ips = domain.id, domain.account_id, domain.ips
        if domain_id in seen_domains:
            add(f"domains[{domain_id}]: id repeated")
        seen_domains.add(domain_id)
        name = domain.name
        key = domain_key(name)
        if key in names:
            add(f"domains[{domain_id}]: name {echo(name)} repeats domain {echo(names[key])}")
        else:
            names[key] = domain_id
        account = accounts.get(account_id)
        if account is None:
            add(f"domains[{domain_id}]: unknown account {echo(account_id)}")
        pool = None
        if domain.pool_id is not None:
            pool = pools.get(domain.pool_id)
            where = f"domains[{domain_id}]"
            if pool is None:
                add(f"{where}: linked to unknown pool {echo(domain.pool_id)} (I2)")
            elif not (pool.account_id == account_id or account_id in pool.delegated_to):
                add(f"{where}: linked to pool {echo(pool.pool_id)} not visible to its account (I2)")
            else:
                linked.add(pool.pool_id)
                if pool.ips != ips:
                    add(f"{where}: holds other IPs than its pool {echo(pool.pool_id)} (I1)")
        if not ips:
            add(f"domains[{domain_id}]: holds no IP (I5)")
        if (account_id, ips) in fine:
            continue
        rest = ips - own.get(account_id, _NO_IPS)
        if not rest or (account is not None and account.shared_ip_eligible and rest <= shared_only):
            fine.add((account_id, ips))
            continue
        where = f"domains[{domain_id}]"
        for ip in sorted_ips(ips):
            record = dedicated.get(ip)
            if record is None:
                if ip not in shared:
                    add(f"{where}: IP {ip_text(ip)} is neither dedicated nor shared")
                elif account is not None and not account.shared_ip_eligible:
                    add(f"{where}: holds shared IP {ip_text(ip)}, account not eligible (I5)")
                continue
            if record.account_id == account_id:
                continue
            inherited = (
                pool is not None
                and account is not None
                and pool.account_id == account.parent_id == record.account_id
                and account_id in pool.delegated_to
                and ip in pool.ips
            )
            if not inherited:
                add(
                    f"{where}: holds {ip_text(ip)}, a dedicated IP"
                    f" of {echo(record.account_id)} (I6)"
                )


def check_world(world: World) -> None:
    """Raise :class:`~ippools.errors.DocumentError` listing every problem of ``world``, if any."""
    problems = world_problems(world)
    if problems:
        raise DocumentError("; ".join(problems))
