"""What a world offers to commands: its values, who owns them, and who asks.

:class:`_Vocabulary` collects, once per world, the accounts, domains, DIPPs and
IPs that commands name, and who owns each of them. The ``_BAD_*`` values are the
wrong ones the contract names; they come up now and then.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hypothesis import strategies as st

from ippools.commands import Actor
from ippools.model import IPAddress, ip_text, sorted_ips
from ippools.testing._draws import _check_world, _pick, _sometimes
from ippools.world import World

__all__ = ["actors"]

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
