"""The values a world offers to commands, who owns them, and who asks.

:class:`WorldValues` collects, once per world, the accounts, domains, DIPPs and
IPs that commands name, and who owns each of them; :class:`HostValues` (its
``host``, built when a host provisioning command first asks) adds what those
commands name: ids and IPs not in use yet, and the records nothing holds. The
``draw_*`` functions draw one value of a kind, mostly from a world's values; now
and then they give one of the ``_BAD_*`` values, the wrong ones the contract names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property

from hypothesis import strategies as st

from ippools.commands import Actor
from ippools.model import IPAddress, domain_key, ip_address, ip_text, sorted_ips
from ippools.testing._arguments import check_world
from ippools.testing._choices import below, choose, pick, sometimes
from ippools.world import World

__all__ = [
    "HostValues",
    "WorldValues",
    "actors",
    "draw_account_id",
    "draw_actor",
    "draw_domain_id",
    "draw_domain_name",
    "draw_domain_to_remove",
    "draw_host_actor",
    "draw_ip",
    "draw_ip_list",
    "draw_new_account_id",
    "draw_new_domain",
    "draw_new_ip",
    "draw_pool_target",
    "draw_replacement_ip",
    "draw_replacement_pool",
    "draw_replacements",
    "draw_subaccount",
]

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
_BAD_NEW_IDS = ("", "new id", "new/id")  # K13: empty, with whitespace, with a slash
_BAD_NEW_NAMES = ("", "new mail.example.com", "new/mail.example.com")
_HOST_ACTOR = Actor("platform", _REQUESTOR, "provisioning")
_BAD_REQUESTORS = (None, "", "  ", "ops", "ops@", "@example.com", "a@b@c")
_BAD_CLIENTS = (None, "", "  ")


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


class WorldValues:
    """The values a world offers to commands, and who owns each of them."""

    def __init__(
        self, world: World, extra_pool_ids: Sequence[str], pending_domains: Sequence[str] = ()
    ) -> None:
        self.account_ids = [a.id for a in world.accounts]
        self.subaccounts: dict[str, list[str]] = {}
        for account in world.accounts:
            if account.parent_id is not None:
                self.subaccounts.setdefault(account.parent_id, []).append(account.id)
        self.delegated = {p.pool_id: sorted(p.delegated_to) for p in world.pools}
        self.delegated_pools = [p.pool_id for p in world.pools if p.delegated_to]
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
        self.pending_names = [d.name for d in world.domains if d.name in pending_domains]
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
        self.pending_ids = [d.id for d in world.domains if d.name in pending_domains]
        self._world = world

    @cached_property
    def host(self) -> HostValues:
        """What the world offers to the host's provisioning commands (built once, on demand)."""
        return HostValues(self._world, self.pending_names)


# Addresses that worlds start without, then some they start with (new once removed): a
# host command adding an IP mostly names the first of them not in use.
_NEW_IPS = (
    "198.51.100.9",
    "2001:db8::9",
    "203.0.113.9",
    "::ffff:198.51.100.9",
    "198.51.100.1",
    "203.0.113.1",
)


def _unused(template: str, used: set[str], count: int = 2) -> list[str]:
    """The first ``count`` values of ``template`` (numbered from 1) not in ``used``."""
    found: list[str] = []
    number = 1
    while len(found) < count:
        value = template.format(number)
        if value.lower() not in used:
            found.append(value)
        number += 1
    return found


class HostValues:
    """What a world offers to the host's provisioning commands (no HTTP route).

    Accounts by kind (top-level, subaccounts, removable: nothing left that
    :class:`~ippools.commands.RemoveAccount` refuses for), IPs by use (dedicated
    and shared ones that no DIPP or domain holds), and ids, names and IPs not in
    use yet, the first free ones first. ``pending_names`` are the domains with
    pending work: their owners, and the owners' dedicated IPs that nothing holds
    any more, are where a host command most likely meets a stale stored record.
    """

    def __init__(self, world: World, pending_names: Sequence[str] = ()) -> None:
        accounts = world.accounts
        self.top_level = [a.id for a in accounts if a.parent_id is None]
        self.subaccounts = [a.id for a in accounts if a.parent_id is not None]
        self.flags = {a.id: (a.dipps, a.shared_ip_eligible) for a in accounts}
        busy = {a.parent_id for a in accounts if a.parent_id is not None}
        busy |= {d.account_id for d in world.domains}
        busy |= {r.account_id for r in world.dedicated_ips}
        busy |= {p.account_id for p in world.pools}
        busy |= {sub for p in world.pools for sub in p.delegated_to}
        self.removable = [a.id for a in accounts if a.id not in busy]
        self.new_account_ids = _unused("acct-{}", set(self.flags))
        held = {ip for d in world.domains for ip in d.ips} | {
            ip for p in world.pools for ip in p.ips
        }
        self.dedicated = _texts(r.ip for r in world.dedicated_ips)
        self.warmup = {ip_text(r.ip): r.warmup for r in world.dedicated_ips}
        self.unheld_dedicated = _texts(r.ip for r in world.dedicated_ips if r.ip not in held)
        lagging = set(pending_names)
        self.pending_owners = sorted({d.account_id for d in world.domains if d.name in lagging})
        # A subaccount's domain lags behind its parent's DIPP: the parent's IPs count too.
        parents = {a.id: a.parent_id for a in accounts}
        owners = set(self.pending_owners) | {parents.get(a) for a in self.pending_owners}
        self.pending_unheld = _texts(
            r.ip for r in world.dedicated_ips if r.ip not in held and r.account_id in owners
        )
        self.shared = _texts(world.shared_ips)
        self.unheld_shared = _texts(ip for ip in world.shared_ips if ip not in held)
        in_use = {r.ip for r in world.dedicated_ips} | set(world.shared_ips)
        self.new_ips = [text for text in _NEW_IPS if ip_address(text) not in in_use]
        self.new_domain_ids = _unused("dom-{}", {d.id.lower() for d in world.domains})
        self.new_names = _unused("new{}.example.com", {domain_key(d.name) for d in world.domains})
        free: dict[str, list[IPAddress]] = {}
        in_pools = {ip for p in world.pools for ip in p.ips}
        for record in world.dedicated_ips:
            if record.ip not in in_pools:
                free.setdefault(record.account_id, []).append(record.ip)
        # What a new domain of each account may hold: its free dedicated IPs, and the
        # shared IPs when it is eligible; and which accounts have anything to offer.
        self.holdable = {
            a.id: _texts(
                free.get(a.id, []) + (list(world.shared_ips) if a.shared_ip_eligible else [])
            )
            for a in accounts
        }
        linkable = {
            account_id
            for p in world.pools
            if p.ips
            for account_id in (p.account_id, *p.delegated_to)
        }
        self.domain_accounts = [a.id for a in accounts if self.holdable[a.id] or a.id in linkable]


def draw_actor(draw: st.DrawFn, values: WorldValues, owner: str | None = None) -> Actor:
    """Mostly ``owner`` (when known) or any account of the world, sometimes with a flaw."""
    account_id = pick(
        draw,
        (10, [owner] if owner is not None else []),
        (3, values.account_ids),
        (1, _BAD_ACCOUNT_IDS),
    )
    requestor: str | None = _REQUESTOR
    client: str | None = _CLIENT
    if sometimes(draw, 20):
        flaw = choose(draw, ("account", "requestor", "client"))
        if flaw == "account":  # C1
            account_id = choose(draw, _BAD_ACCOUNT_IDS)
        elif flaw == "requestor":  # C2
            requestor = choose(draw, _BAD_REQUESTORS)
        else:
            client = choose(draw, _BAD_CLIENTS)
    return Actor(account_id, requestor, client)


def draw_host_actor(draw: st.DrawFn, values: WorldValues) -> Actor:
    """Whoever provisions: mostly the platform, sometimes any actor (the rules check none)."""
    return draw_actor(draw, values) if sometimes(draw, 6) else _HOST_ACTOR


def draw_account_id(draw: st.DrawFn, values: WorldValues, likely: Sequence[str] = ()) -> str:
    """An account id: from ``likely``, any of the world's, or unknown or blank."""
    return pick(draw, (8, likely), (3, values.account_ids), (1, _BAD_ACCOUNT_IDS))


def draw_new_account_id(draw: st.DrawFn, values: WorldValues) -> str:
    """An id for a new account: mostly one not in use, sometimes one in use or malformed."""
    return pick(draw, (8, values.host.new_account_ids), (1, values.account_ids), (1, _BAD_NEW_IDS))


def draw_new_ip(draw: st.DrawFn, values: WorldValues) -> str:
    """An IP to add: mostly one not in use (now and then respelled), else one in use or odd."""
    new = values.host.new_ips
    text = pick(draw, (8, new), (2, values.every_ip), (1, values.variants), (1, _ODD_IPS))
    if text in new and sometimes(draw, 6):
        return choose(draw, _ip_forms(ip_address(text)))
    return text


def draw_new_domain(draw: st.DrawFn, values: WorldValues) -> tuple[str, str]:
    """An id and a name for a new domain: mostly not in use, sometimes in use (the name
    respelled as C6 still matches) or malformed."""
    host = values.host
    domain_id = pick(draw, (12, host.new_domain_ids), (1, values.domain_ids), (1, _BAD_NEW_IDS))
    name = pick(draw, (12, host.new_names), (1, values.names), (1, _BAD_NEW_NAMES))
    if name in values.domain_owner and sometimes(draw, 2):
        name = name.upper() if sometimes(draw, 2) else name + "."
    return domain_id, name


def draw_domain_to_remove(draw: st.DrawFn, values: WorldValues) -> str:
    """A domain id: mostly one with pending work, when there is one, or any; else unknown,
    or a name where an id is wanted."""
    return pick(
        draw,
        (8, values.pending_ids),
        (6, values.domain_ids),
        (1, values.names),
        (1, _BAD_DOMAIN_IDS),
    )


@st.composite
def _actors(draw: st.DrawFn, values: WorldValues) -> Actor:
    return draw_actor(draw, values)


def actors(world: World) -> st.SearchStrategy[Actor]:
    """Who asks: mostly an account of ``world`` with well-formed audit headers.

    Now and then the account is unknown or blank (C1), or the requestor or
    client header is missing, blank or not an e-mail address (C2).
    """
    return _actors(WorldValues(check_world(world), ()))


def draw_ip(draw: st.DrawFn, values: WorldValues, who: str, likely: Sequence[str] = ()) -> str:
    """An IP text: from ``likely``, the actor's own, any of the world's, respelled, or odd."""
    return pick(
        draw,
        (12, likely),
        (6, values.own_ips.get(who, [])),
        (3, values.every_ip),
        (1, values.variants),
        (2, _ODD_IPS),
    )


def draw_ip_list(
    draw: st.DrawFn, values: WorldValues, who: str, likely: Sequence[str] = (), *, min_size: int
) -> list[str]:
    return [draw_ip(draw, values, who, likely) for _ in range(min_size + draw(below(4 - min_size)))]


def draw_pool_target(draw: st.DrawFn, values: WorldValues) -> str:
    """A DIPP id: one with linked domains or delegations, any of the world, another, or odd."""
    return pick(
        draw,
        (8, values.busy_pools),
        (3, values.world_pools),
        (1, values.extra_pools),
        (1, _BAD_POOL_IDS),
    )


def draw_replacement_pool(
    draw: st.DrawFn, values: WorldValues, who: str, instead_of: str | None = None
) -> str:
    """A DIPP to take over: mostly another DIPP visible to the actor that has IPs."""
    visible = values.visible_pools.get(who, [])
    usable = [p for p in visible if p != instead_of and values.pool_ips.get(p)]
    return pick(
        draw,
        (6, usable),
        (2, visible),
        (1, values.extra_pools),
        (1, values.world_pools),
        (1, _BAD_POOL_IDS),
    )


def draw_replacement_ip(draw: st.DrawFn, values: WorldValues, who: str) -> str:
    return pick(
        draw,
        (2, ["shared"]),
        (4, values.free_ips.get(who, [])),
        (2, values.own_ips.get(who, [])),
        (1, values.every_ip),
        (1, _ODD_IPS),
    )


def draw_replacements(
    draw: st.DrawFn, values: WorldValues, who: str, instead_of: str | None
) -> tuple[str | None, str | None]:
    """An (ip, pool_id) replacement pair: one of them usually, sometimes both or neither."""
    kind = pick(draw, (4, ["ip"]), (4, ["pool_id"]), (1, ["neither"]), (1, ["both"]))
    ip = draw_replacement_ip(draw, values, who) if kind in ("ip", "both") else None
    pool_id = (
        draw_replacement_pool(draw, values, who, instead_of)
        if kind in ("pool_id", "both")
        else None
    )
    return ip, pool_id


def draw_domain_name(
    draw: st.DrawFn, values: WorldValues, likely: Sequence[str] = ()
) -> tuple[str, str]:
    """A domain name as a path would carry it (C6), and the name as the world stores it.

    Mostly one with pending work, when there is one, or from ``likely``.
    """
    name = pick(
        draw, (8, values.pending_names), (6, likely), (3, values.names), (1, _BAD_DOMAIN_NAMES)
    )
    form = pick(draw, (8, ["as stored"]), (1, ["upper"]), (1, ["trailing dot"]))
    if name not in values.domain_owner or form == "as stored":
        return name, name
    return (name.upper() if form == "upper" else name + "."), name


def draw_domain_id(draw: st.DrawFn, values: WorldValues, who: str) -> str:
    return pick(
        draw,
        (7, values.own_domain_ids.get(who, [])),
        (2, values.domain_ids),
        (1, _BAD_DOMAIN_IDS),
    )


_BAD_SUBACCOUNT_IDS = ("acct-unknown", "", "  ")


def draw_subaccount(
    draw: st.DrawFn, values: WorldValues, who: str, likely: Sequence[str] = ()
) -> str | None:
    """A ``subaccount_id``: from ``likely``, a subaccount of ``who``, any account, odd, or None."""
    if sometimes(draw, 25):
        return None
    return pick(
        draw,
        (8, likely),
        (6, values.subaccounts.get(who, [])),
        (2, values.account_ids),
        (1, _BAD_SUBACCOUNT_IDS),
    )
