"""Hypothesis strategies for ippools: IPs, accounts, settled worlds, actors and commands.

Every strategy takes keyword-only arguments, checks them when it is called and
raises :class:`hypothesis.errors.InvalidArgument` naming the bad one.

:func:`worlds` builds valid settled worlds by construction (no filtering), so
every drawn world passes :func:`ippools.world.world_problems`. :func:`commands`
draws commands of every type against a given world: mostly values taken from
the world (the acting account's own records more often than others'), and now
and then values that are wrong in a way the contract names (bad IPs, unknown
ids, blank names, missing audit headers, ``shared`` where an IP is wanted,
malformed JSON bodies). Choices are made with ``sampled_from`` and small integer
draws, so failing examples shrink towards the first, most ordinary value.
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ippools.commands import (
    Actor,
    AddPoolIp,
    AddPoolIps,
    Command,
    CreatePool,
    DeletePool,
    EditPool,
    GetPool,
    RemoveDomainIp,
    RemoveDomainPool,
    RemovePoolIp,
    UnlinkDomainPool,
)
from ippools.model import (
    Account,
    DedicatedIp,
    Domain,
    IPAddress,
    Pool,
    ip_text,
    is_pool_id,
    sorted_ips,
)
from ippools.world import World

__all__ = ["accounts", "actors", "commands", "ips", "worlds"]

T = TypeVar("T")

_COMMAND_TYPES: tuple[type[Any], ...] = (
    RemoveDomainIp,
    RemoveDomainPool,
    UnlinkDomainPool,
    CreatePool,
    GetPool,
    DeletePool,
    EditPool,
    AddPoolIp,
    RemovePoolIp,
    AddPoolIps,
)

_ACCOUNT_IDS = tuple(f"acct-{n}" for n in range(1, 10))
_POOL_NAMES = ("pool", "Pool B", " spaced ", "", "  ", "ünïcode")
_REQUESTOR = "ops@example.com"
_CLIENT = "cli"

# Values that are wrong in the ways the contract names; each list starts with
# the most ordinary one, which is where shrinking goes.
_BAD_IPS = (
    "shared",  # a keyword where an IP is wanted (K4)
    "198.51.100.01",  # leading zero (C5)
    "198.51.100.1 ",  # not trimmed (K4)
    "256.0.0.1",
    "fe80::1%eth0",  # scope suffix (C5)
    "not-an-ip",
    "",
    "ALL",
)
_UNKNOWN_IPS = ("192.0.2.254", "2001:db8:ffff::1")
_ODD_IPS: tuple[str, ...] = _UNKNOWN_IPS + _BAD_IPS
_BAD_POOL_IDS = ("0" * 24, "not-a-pool-id", "A" * 24, "")
_BAD_DOMAIN_NAMES = ("unknown.example.com", "", "not a domain")
_BAD_DOMAIN_IDS = ("dom-unknown", "", "example.com")
_BAD_ACCOUNT_IDS = ("acct-unknown", "", "   ")
_BAD_REQUESTORS = (None, "", "  ", "ops", "ops@", "@example.com", "a@b@c")
_BAD_CLIENTS = (None, "", "  ")
_BAD_BODIES: tuple[Any, ...] = (
    None,
    {},
    {"ips": []},
    {"ips": "198.51.100.1"},
    {"ips": [1]},
    {"ips": [None]},
    {"ips": ["198.51.100.1"], "extra": True},
    ["198.51.100.1"],
    "ips",
    3,
)


# -- argument checks -----------------------------------------------------------


def _check_bool(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidArgument(f"{name} must be True or False, got {value!r}")


def _check_optional_bool(name: str, value: object) -> None:
    if value is not None and not isinstance(value, bool):
        raise InvalidArgument(f"{name} must be True, False or None, got {value!r}")


def _check_int(name: str, value: object, *, minimum: int, floor: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        bound = f"{floor} ({minimum})" if floor else str(minimum)
        raise InvalidArgument(f"{name} must be at least {bound}, got {value!r}")


def _check_strategy(name: str, value: object) -> None:
    if value is not None and not isinstance(value, st.SearchStrategy):
        raise InvalidArgument(f"{name} must be a Hypothesis strategy or None, got {value!r}")


def _check_world(value: object) -> World:
    if not isinstance(value, World):
        raise InvalidArgument(f"world must be an ippools World, got {type(value).__name__}")
    return value


# -- weighted choices ----------------------------------------------------------


def _pick(draw: st.DrawFn, *choices: tuple[int, Sequence[T]]) -> T:
    """A value from one of ``choices``, each ``(weight, values)``; empty ones pass to the next.

    The last choice must not be empty. Shrinks towards the first choice.
    """
    roll = draw(st.integers(0, sum(weight for weight, _ in choices) - 1))
    start = 0
    for weight, _ in choices:
        if roll < weight:
            break
        roll -= weight
        start += 1
    for _, values in choices[start:]:
        if values:
            return draw(st.sampled_from(values))
    raise AssertionError("the last choice of _pick() is empty")  # pragma: no cover


def _sometimes(draw: st.DrawFn, one_in: int = 5) -> bool:
    """True about one time in ``one_in``; shrinks to False."""
    return draw(st.integers(1, one_in)) == one_in


def _mostly(draw: st.DrawFn) -> bool:
    """True about three times in four; shrinks to True."""
    return draw(st.integers(0, 3)) < 3


def _often(draw: st.DrawFn) -> bool:
    """True about three times in four; shrinks to False."""
    return draw(st.integers(0, 3)) != 0


# -- IPs and accounts ----------------------------------------------------------


def _v4(n: int) -> IPAddress:
    return ipaddress.IPv4Address(f"198.51.100.{n}")


def _v6(n: int) -> IPAddress:
    return ipaddress.IPv6Address(f"2001:db8::{n:x}")


def _mapped(n: int) -> IPAddress:
    return ipaddress.IPv6Address(f"::ffff:198.51.100.{n}")


def ips(*, v4: bool = True, v6: bool = True) -> st.SearchStrategy[IPAddress]:
    """IP addresses: mostly documentation addresses, sometimes any address.

    With ``v6=True`` this includes IPv4-mapped IPv6 addresses (K4), which are
    distinct from the IPv4 address they map. At least one of ``v4`` and ``v6``
    must be True.
    """
    _check_bool("v4", v4)
    _check_bool("v6", v6)
    if not (v4 or v6):
        raise InvalidArgument("ips() needs v4=True or v6=True; both are False")
    branches: list[st.SearchStrategy[IPAddress]] = []
    if v4:
        branches += [st.integers(1, 254).map(_v4), st.ip_addresses(v=4)]
    if v6:
        branches += [
            st.integers(1, 0xFFFF).map(_v6),
            st.integers(1, 254).map(_mapped),
            st.ip_addresses(v=6),
        ]
    return st.one_of(branches)


@st.composite
def _accounts(
    draw: st.DrawFn,
    ids: st.SearchStrategy[str],
    parent_ids: st.SearchStrategy[str | None],
    dipps: bool | None,
    shared_ip_eligible: bool | None,
) -> Account:
    account_id = draw(ids)
    parent_id = draw(parent_ids)
    if parent_id == account_id:
        parent_id = None
    has_dipps = draw(st.booleans()) if dipps is None else dipps
    eligible = draw(st.booleans()) if shared_ip_eligible is None else shared_ip_eligible
    return Account(account_id, parent_id, has_dipps, eligible)


def accounts(
    *,
    ids: st.SearchStrategy[str] | None = None,
    parent_ids: st.SearchStrategy[str | None] | None = None,
    dipps: bool | None = None,
    shared_ip_eligible: bool | None = None,
) -> st.SearchStrategy[Account]:
    """Single :class:`~ippools.model.Account` records.

    ``ids`` draws the id (default ``acct-1`` ... ``acct-9``); ``parent_ids`` draws
    the parent id or None (default: top-level accounts only); a drawn parent
    equal to the drawn id leaves the account top-level. ``dipps`` and
    ``shared_ip_eligible`` fix the flags when given and are drawn when None.
    """
    _check_strategy("ids", ids)
    _check_strategy("parent_ids", parent_ids)
    _check_optional_bool("dipps", dipps)
    _check_optional_bool("shared_ip_eligible", shared_ip_eligible)
    return _accounts(
        ids if ids is not None else st.sampled_from(_ACCOUNT_IDS),
        parent_ids if parent_ids is not None else st.none(),
        dipps,
        shared_ip_eligible,
    )


# -- worlds --------------------------------------------------------------------


def _world_pool_id(index: int) -> str:
    return "abcdef"[index] * 24 if index < 6 else f"e{index:023x}"


@st.composite
def _worlds(
    draw: st.DrawFn,
    max_accounts: int,
    min_domains: int,
    max_domains: int,
    min_pools: int,
    max_pools: int,
    min_dedicated_ips: int,
    max_dedicated_ips: int,
    max_shared_ips: int,
) -> World:
    # Accounts: later ones may be subaccounts of earlier top-level ones.
    accounts_: list[Account] = []
    for index in range(draw(st.integers(1, max_accounts))):
        tops = [a.id for a in accounts_ if a.parent_id is None]
        parent = draw(st.sampled_from([None, *tops]))
        accounts_.append(Account(f"acct-{index + 1}", parent, _mostly(draw), draw(st.booleans())))
    account_ids = [a.id for a in accounts_]

    # IPs: the first ``shared_count`` are shared, the others dedicated.
    dedicated_count = draw(st.integers(min_dedicated_ips, max_dedicated_ips))
    shared_count = draw(st.integers(0, max_shared_ips))
    size = dedicated_count + shared_count
    every_ip = draw(st.lists(ips(), unique=True, min_size=size, max_size=size))
    shared = every_ip[:shared_count]
    dedicated = [
        DedicatedIp(ip, draw(st.sampled_from(account_ids)), draw(st.booleans()))
        for ip in every_ip[shared_count:]
    ]

    # DIPPs: mostly owned by an account with the feature and free dedicated IPs, holding
    # some of them (I3).
    free: dict[str, list[IPAddress]] = {}
    for record in dedicated:
        free.setdefault(record.account_id, []).append(record.ip)
    featured = {a.id for a in accounts_ if a.dipps}
    parents = {a.parent_id for a in accounts_ if a.parent_id is not None}
    owners: list[str] = []
    pool_ips: list[list[IPAddress]] = []
    for _ in range(draw(st.integers(min_pools, max_pools))):
        with_free = [a for a in account_ids if free.get(a)]
        able = [a for a in with_free if a in featured]
        owner = _pick(
            draw,
            (3, [a for a in able if a in parents]),  # a DIPP it may delegate
            (3, able),
            (1, with_free),
            (1, account_ids),
        )
        held: list[IPAddress] = []
        if free.get(owner) and not _sometimes(draw):
            # Mostly leave the owner an IP in no DIPP, so that commands can add one.
            most = max(1, len(free[owner]) - 1)
            held = draw(
                st.lists(st.sampled_from(free[owner]), min_size=1, max_size=most, unique=True)
            )
            free[owner] = [ip for ip in free[owner] if ip not in held]
        owners.append(owner)
        pool_ips.append(held)
    pools: list[Pool] = []
    for index, owner in enumerate(owners):
        subs = [a.id for a in accounts_ if a.parent_id == owner]
        delegated: list[str] = []
        if subs and pool_ips[index] and _often(draw):  # I4, I7: only with IPs, to subaccounts
            delegated = draw(st.lists(st.sampled_from(subs), unique=True, min_size=1))
        name = draw(st.sampled_from(_POOL_NAMES))
        description = draw(st.sampled_from(("a pool", *_POOL_NAMES)))
        pools.append(
            Pool(_world_pool_id(index), owner, name, description, pool_ips[index], delegated)
        )

    # Domains: linked to a visible DIPP holding its IPs (I1, I2, I6), or holding some of
    # the account's dedicated IPs and, if eligible, shared IPs (I5).
    options: dict[str, tuple[list[Pool], list[IPAddress]]] = {}
    for account in accounts_:
        linkable = [
            p
            for p in pools
            if p.ips and (account.id == p.account_id or account.id in p.delegated_to)
        ]
        holdable = [r.ip for r in dedicated if r.account_id == account.id]
        if account.shared_ip_eligible:
            holdable += shared
        if linkable or holdable:
            options[account.id] = (linkable, holdable)
    domains: list[Domain] = []
    if options:
        for index in range(draw(st.integers(min_domains, max_domains))):
            owner = _pick(
                draw,
                (2, sorted(a for a, (linkable, _) in options.items() if linkable)),
                (1, sorted(options)),
            )
            linkable, holdable = options[owner]
            domain_id = f"dom-{index + 1}"
            name = draw(
                st.sampled_from((f"mail{index + 1}.example.com", f"Mail{index + 1}.Example.COM"))
            )
            if linkable and (not holdable or _often(draw)):
                link = draw(st.sampled_from(linkable))
                domains.append(Domain(domain_id, name, owner, link.pool_id, link.ips))
            else:
                size = draw(st.integers(1, min(3, len(holdable))))
                held = draw(
                    st.lists(st.sampled_from(holdable), min_size=size, max_size=size, unique=True)
                )
                domains.append(Domain(domain_id, name, owner, None, held))
    return World(accounts_, dedicated, shared, domains, pools)


def worlds(
    *,
    max_accounts: int = 4,
    min_domains: int = 0,
    max_domains: int = 6,
    min_pools: int = 0,
    max_pools: int = 3,
    min_dedicated_ips: int = 0,
    max_dedicated_ips: int = 8,
    max_shared_ips: int = 3,
) -> st.SearchStrategy[World]:
    """Valid settled worlds: every reference resolves and I1-I7 hold.

    Accounts are ``acct-1``, ``acct-2``, ...; later ones may be subaccounts of
    earlier top-level ones; the DIPPs feature and shared-IP eligibility vary.
    Dedicated IPs (some on warmup) and shared IPs mix IPv4 and IPv6. DIPPs are
    owned by any account, hold some of their owner's dedicated IPs and may be
    delegated to the owner's subaccounts. Each domain is either linked to a DIPP
    visible to its account, holding exactly that DIPP's IPs, or unlinked,
    holding some of its account's dedicated IPs (and shared IPs if eligible).

    ``max_accounts`` must be at least 1, the other limits at least 0, and each
    ``min_`` at most its ``max_``. Since a domain must hold an IP, ``min_domains``
    above 0 needs ``min_dedicated_ips`` above 0.
    """
    _check_int("max_accounts", max_accounts, minimum=1)
    _check_int("min_domains", min_domains, minimum=0)
    _check_int("max_domains", max_domains, minimum=min_domains, floor="min_domains")
    _check_int("min_pools", min_pools, minimum=0)
    _check_int("max_pools", max_pools, minimum=min_pools, floor="min_pools")
    _check_int("min_dedicated_ips", min_dedicated_ips, minimum=0)
    _check_int(
        "max_dedicated_ips", max_dedicated_ips, minimum=min_dedicated_ips, floor="min_dedicated_ips"
    )
    _check_int("max_shared_ips", max_shared_ips, minimum=0)
    if min_domains > 0 and min_dedicated_ips == 0:
        raise InvalidArgument(
            f"min_domains={min_domains} needs min_dedicated_ips >= 1: every domain holds an IP"
        )
    return _worlds(
        max_accounts,
        min_domains,
        max_domains,
        min_pools,
        max_pools,
        min_dedicated_ips,
        max_dedicated_ips,
        max_shared_ips,
    )


# -- actors and commands -------------------------------------------------------


def _ip_forms(ip: IPAddress) -> list[str]:
    """The canonical text of an IP, then other valid spellings of it (C5)."""
    text = ip_text(ip)
    forms = [text]
    if ip.version == 6:
        for other in (text.upper(), ip.exploded):
            if other not in forms:
                forms.append(other)
    return forms


def _texts(ips_: Iterable[IPAddress]) -> list[str]:
    return [ip_text(ip) for ip in sorted_ips(ips_)]


class _Vocabulary:
    """The values a world offers to commands, and who owns each of them."""

    def __init__(self, world: World, extra_pool_ids: Sequence[str]) -> None:
        self.account_ids = [a.id for a in world.accounts]
        self.world_pools = [p.pool_id for p in world.pools]
        self.extra_pools = [p for p in extra_pool_ids if p not in self.world_pools]
        self.pool_owner = {p.pool_id: p.account_id for p in world.pools}
        linked = {d.pool_id for d in world.domains}
        self.busy_pools = [p.pool_id for p in world.pools if p.pool_id in linked or p.delegated_to]
        self.pool_ips = {p.pool_id: _texts(p.ips) for p in world.pools}
        self.visible_pools: dict[str, list[str]] = {}
        for pool in world.pools:
            for account_id in (pool.account_id, *sorted(pool.delegated_to)):
                self.visible_pools.setdefault(account_id, []).append(pool.pool_id)
        self.names = [d.name for d in world.domains]
        self.linked_names = [d.name for d in world.domains if d.pool_id is not None]
        self.unlinked_names = [d.name for d in world.domains if d.pool_id is None]
        self.domain_owner = {d.name: d.account_id for d in world.domains}
        self.domain_pool = {d.name: d.pool_id for d in world.domains}
        self.domain_ips = {d.name: _texts(d.ips) for d in world.domains}
        self.domain_ids = [d.id for d in world.domains]
        self.own_domain_ids: dict[str, list[str]] = {}
        for domain in world.domains:
            self.own_domain_ids.setdefault(domain.account_id, []).append(domain.id)
        in_pools = {ip for pool in world.pools for ip in pool.ips}
        self.own_ips: dict[str, list[str]] = {}
        self.free_ips: dict[str, list[str]] = {}
        for record in world.dedicated_ips:
            self.own_ips.setdefault(record.account_id, []).append(ip_text(record.ip))
            if record.ip not in in_pools:
                self.free_ips.setdefault(record.account_id, []).append(ip_text(record.ip))
        self.every_ip = _texts(r.ip for r in world.dedicated_ips) + _texts(world.shared_ips)
        self.variants = [form for r in world.dedicated_ips for form in _ip_forms(r.ip)[1:]]


def _actor(draw: st.DrawFn, vocab: _Vocabulary, owner: str | None = None) -> Actor:
    """Mostly ``owner`` (when known) or any account of the world, sometimes with a flaw."""
    account_id = _pick(
        draw,
        (10, [owner] if owner is not None else []),
        (3, vocab.account_ids),
        (1, _BAD_ACCOUNT_IDS),
    )
    requestor: str | None = _REQUESTOR
    client: str | None = _CLIENT
    if _sometimes(draw, 20):
        flaw = draw(st.sampled_from(("account", "requestor", "client")))
        if flaw == "account":  # C1
            account_id = draw(st.sampled_from(_BAD_ACCOUNT_IDS))
        elif flaw == "requestor":  # C2
            requestor = draw(st.sampled_from(_BAD_REQUESTORS))
        else:
            client = draw(st.sampled_from(_BAD_CLIENTS))
    return Actor(account_id, requestor, client)


@st.composite
def _actors(draw: st.DrawFn, vocab: _Vocabulary) -> Actor:
    return _actor(draw, vocab)


def actors(world: World) -> st.SearchStrategy[Actor]:
    """Who asks: mostly an account of ``world`` with well-formed audit headers.

    Now and then the account is unknown or blank (C1), or the requestor or
    client header is missing, blank or not an e-mail address (C2).
    """
    return _actors(_Vocabulary(_check_world(world), ()))


def _ip(draw: st.DrawFn, vocab: _Vocabulary, who: str, likely: Sequence[str] = ()) -> str:
    """An IP text: from ``likely``, the actor's own, any of the world's, respelled, or odd."""
    return _pick(
        draw,
        (12, likely),
        (6, vocab.own_ips.get(who, [])),
        (3, vocab.every_ip),
        (1, vocab.variants),
        (2, _ODD_IPS),
    )


def _ip_list(
    draw: st.DrawFn, vocab: _Vocabulary, who: str, likely: Sequence[str] = (), *, min_size: int
) -> list[str]:
    return [_ip(draw, vocab, who, likely) for _ in range(draw(st.integers(min_size, 3)))]


def _pool_target(draw: st.DrawFn, vocab: _Vocabulary) -> str:
    """A DIPP id: one with linked domains or delegations, any of the world, another, or odd."""
    return _pick(
        draw,
        (5, vocab.busy_pools),
        (3, vocab.world_pools),
        (1, vocab.extra_pools),
        (1, _BAD_POOL_IDS),
    )


def _replacement_pool(
    draw: st.DrawFn, vocab: _Vocabulary, who: str, instead_of: str | None = None
) -> str:
    """A DIPP to take over: mostly another DIPP visible to the actor that has IPs."""
    visible = vocab.visible_pools.get(who, [])
    usable = [p for p in visible if p != instead_of and vocab.pool_ips.get(p)]
    return _pick(
        draw,
        (6, usable),
        (2, visible),
        (1, vocab.extra_pools),
        (1, vocab.world_pools),
        (1, _BAD_POOL_IDS),
    )


def _replacement_ip(draw: st.DrawFn, vocab: _Vocabulary, who: str) -> str:
    return _pick(
        draw,
        (2, ["shared"]),
        (4, vocab.free_ips.get(who, [])),
        (2, vocab.own_ips.get(who, [])),
        (1, vocab.every_ip),
        (1, _ODD_IPS),
    )


def _replacements(
    draw: st.DrawFn, vocab: _Vocabulary, who: str, instead_of: str | None
) -> tuple[str | None, str | None]:
    """An (ip, pool_id) replacement pair: one of them usually, sometimes both or neither."""
    kind = _pick(draw, (4, ["ip"]), (4, ["pool_id"]), (1, ["neither"]), (1, ["both"]))
    ip = _replacement_ip(draw, vocab, who) if kind in ("ip", "both") else None
    pool_id = (
        _replacement_pool(draw, vocab, who, instead_of) if kind in ("pool_id", "both") else None
    )
    return ip, pool_id


def _domain_name(
    draw: st.DrawFn, vocab: _Vocabulary, likely: Sequence[str] = ()
) -> tuple[str, str]:
    """A domain name as a path would carry it (C6), and the name as the world stores it."""
    name = _pick(draw, (6, likely), (3, vocab.names), (1, _BAD_DOMAIN_NAMES))
    form = _pick(draw, (8, ["as stored"]), (1, ["upper"]), (1, ["trailing dot"]))
    if name not in vocab.domain_owner or form == "as stored":
        return name, name
    return (name.upper() if form == "upper" else name + "."), name


def _domain_id(draw: st.DrawFn, vocab: _Vocabulary, who: str) -> str:
    return _pick(
        draw,
        (7, vocab.own_domain_ids.get(who, [])),
        (2, vocab.domain_ids),
        (1, _BAD_DOMAIN_IDS),
    )


@st.composite
def _remove_domain_ip(draw: st.DrawFn, vocab: _Vocabulary) -> Command:
    name, stored = _domain_name(draw, vocab, vocab.unlinked_names)
    actor = _actor(draw, vocab, vocab.domain_owner.get(stored))
    who = actor.account_id
    ip = _ip(draw, vocab, who, vocab.domain_ips.get(stored, []))
    replacement = _replacement_ip(draw, vocab, who) if _sometimes(draw, 3) else None
    pool_id = _replacement_pool(draw, vocab, who) if _sometimes(draw, 10) else None  # 3.1.4
    return RemoveDomainIp(actor, name, ip, replacement, pool_id)


@st.composite
def _remove_domain_pool(draw: st.DrawFn, vocab: _Vocabulary) -> Command:
    name, stored = _domain_name(draw, vocab)
    actor = _actor(draw, vocab, vocab.domain_owner.get(stored))
    who = actor.account_id
    replacement = _replacement_ip(draw, vocab, who) if _sometimes(draw, 10) else None  # 3.2.1
    pool_id = _replacement_pool(draw, vocab, who) if _sometimes(draw, 10) else None
    return RemoveDomainPool(actor, name, replacement, pool_id)


@st.composite
def _unlink_domain_pool(draw: st.DrawFn, vocab: _Vocabulary) -> Command:
    name, stored = _domain_name(draw, vocab, vocab.linked_names)
    actor = _actor(draw, vocab, vocab.domain_owner.get(stored))
    ip, pool_id = _replacements(draw, vocab, actor.account_id, vocab.domain_pool.get(stored))
    return UnlinkDomainPool(actor, name, ip, pool_id)


@st.composite
def _create_pool(draw: st.DrawFn, vocab: _Vocabulary) -> Command:
    actor = _actor(draw, vocab)
    given: list[str | None] = [None, *_POOL_NAMES]
    name = _pick(draw, (5, ["pool"]), (1, given))
    description = _pick(draw, (5, ["a pool"]), (1, given))
    who = actor.account_id
    ips_ = _ip_list(draw, vocab, who, vocab.free_ips.get(who, []), min_size=0)
    return CreatePool(actor, name, description, tuple(ips_))


@st.composite
def _get_pool(draw: st.DrawFn, vocab: _Vocabulary) -> Command:
    pool_id = _pool_target(draw, vocab)
    return GetPool(_actor(draw, vocab, vocab.pool_owner.get(pool_id)), pool_id)


@st.composite
def _delete_pool(draw: st.DrawFn, vocab: _Vocabulary) -> Command:
    pool_id = _pool_target(draw, vocab)
    actor = _actor(draw, vocab, vocab.pool_owner.get(pool_id))
    ip, replacement_pool = _replacements(draw, vocab, actor.account_id, pool_id)
    return DeletePool(actor, pool_id, ip, replacement_pool)


_EDIT_FIELDS = ("add_ip", "remove_ip", "link_domain", "unlink_domain", "name", "description")


@st.composite
def _edit_pool(draw: st.DrawFn, vocab: _Vocabulary) -> Command:
    pool_id = _pool_target(draw, vocab)
    actor = _actor(draw, vocab, vocab.pool_owner.get(pool_id))
    who = actor.account_id
    in_pool = vocab.pool_ips.get(pool_id, [])
    free = vocab.free_ips.get(who, [])
    fields = draw(st.lists(st.sampled_from(_EDIT_FIELDS), unique=True, min_size=1, max_size=3))

    def some(field: str, pick: Callable[[], str]) -> tuple[str, ...]:
        if field not in fields:
            return ()
        return tuple(pick() for _ in range(draw(st.integers(1, 2))))

    return EditPool(
        actor,
        pool_id,
        name=draw(st.sampled_from(_POOL_NAMES)) if "name" in fields else None,
        description=draw(st.sampled_from(_POOL_NAMES)) if "description" in fields else None,
        add_ips=some("add_ip", lambda: _ip(draw, vocab, who, free)),
        remove_ips=some("remove_ip", lambda: _ip(draw, vocab, who, in_pool)),
        link_domains=some("link_domain", lambda: _domain_id(draw, vocab, who)),
        unlink_domains=some("unlink_domain", lambda: _domain_id(draw, vocab, who)),
    )


@st.composite
def _add_pool_ip(draw: st.DrawFn, vocab: _Vocabulary) -> Command:
    pool_id = _pool_target(draw, vocab)
    actor = _actor(draw, vocab, vocab.pool_owner.get(pool_id))
    who = actor.account_id
    return AddPoolIp(actor, pool_id, _ip(draw, vocab, who, vocab.free_ips.get(who, [])))


@st.composite
def _remove_pool_ip(draw: st.DrawFn, vocab: _Vocabulary) -> Command:
    pool_id = _pool_target(draw, vocab)
    actor = _actor(draw, vocab, vocab.pool_owner.get(pool_id))
    ip = _ip(draw, vocab, actor.account_id, vocab.pool_ips.get(pool_id, []))
    return RemovePoolIp(actor, pool_id, ip)


@st.composite
def _add_pool_ips(draw: st.DrawFn, vocab: _Vocabulary) -> Command:
    pool_id = _pool_target(draw, vocab)
    actor = _actor(draw, vocab, vocab.pool_owner.get(pool_id))
    body: Any
    if _sometimes(draw):  # 3.10.2: anything but {"ips": [strings]} is 400
        body = copy.deepcopy(draw(st.sampled_from(_BAD_BODIES)))
    else:
        who = actor.account_id
        body = {"ips": _ip_list(draw, vocab, who, vocab.free_ips.get(who, []), min_size=1)}
    return AddPoolIps(actor, pool_id, body)


# Commands that change a DIPP's IPs leave the most pending work; they come up most.
_WEIGHTS: dict[type[Any], int] = {
    RemoveDomainIp: 2,
    RemoveDomainPool: 1,
    UnlinkDomainPool: 2,
    CreatePool: 2,
    GetPool: 1,
    DeletePool: 2,
    EditPool: 4,
    AddPoolIp: 4,
    RemovePoolIp: 3,
    AddPoolIps: 2,
}

_BUILDERS: dict[type[Any], Callable[[_Vocabulary], st.SearchStrategy[Command]]] = {
    RemoveDomainIp: _remove_domain_ip,
    RemoveDomainPool: _remove_domain_pool,
    UnlinkDomainPool: _unlink_domain_pool,
    CreatePool: _create_pool,
    GetPool: _get_pool,
    DeletePool: _delete_pool,
    EditPool: _edit_pool,
    AddPoolIp: _add_pool_ip,
    RemovePoolIp: _remove_pool_ip,
    AddPoolIps: _add_pool_ips,
}


def commands(
    world: World,
    *,
    pool_ids: Iterable[str] = (),
    kinds: Iterable[type[Any]] | None = None,
) -> st.SearchStrategy[Command]:
    """Commands of every type of :mod:`ippools.commands`, aimed at ``world``.

    Accounts, domain names and ids, DIPP ids and IPs are mostly drawn from
    ``world``: a command on a domain or DIPP mostly acts as its owner, and the
    IPs it names are mostly the ones that record holds or the acting account's
    own; otherwise any account's records (its parent's and subaccounts'
    included), and now and then unknown or malformed values. Commands that
    change a DIPP's IPs come up most often, since they leave pending work.

    ``pool_ids`` adds DIPP ids that do not exist in ``world`` yet, such as the
    ids an id source will hand out to creations. ``kinds`` restricts the
    command types (default: all ten).
    """
    world = _check_world(world)
    extra = list(pool_ids) if not isinstance(pool_ids, str) else [pool_ids]
    for pool_id in extra:
        if not is_pool_id(pool_id):
            raise InvalidArgument(f"pool_ids: {pool_id!r} is not 24 lowercase hex digits")
    if kinds is None:
        chosen = list(_COMMAND_TYPES)
    else:
        chosen = list(kinds)
        if not chosen:
            raise InvalidArgument("kinds must name at least one command type, got none")
        for kind in chosen:
            if kind not in _BUILDERS:
                raise InvalidArgument(f"kinds: {kind!r} is not an ippools command type")
    return _commands(_Vocabulary(world, extra), [kind for kind in _COMMAND_TYPES if kind in chosen])


@st.composite
def _commands(draw: st.DrawFn, vocab: _Vocabulary, kinds: list[type[Any]]) -> Command:
    kind = _pick(draw, *[(_WEIGHTS[kind], [kind]) for kind in kinds])
    return draw(_BUILDERS[kind](vocab))
