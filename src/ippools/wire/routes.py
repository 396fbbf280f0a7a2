"""The route table of the API, kept as data.

Theory of operation
-------------------
A :class:`Route` is a path pattern: literal segments and named parameters
(:class:`Param`), compared with the segments of a request path once each has
been percent-decoded (C6, K2). Every method a route takes names an
:class:`Endpoint`, which says everything the wire checks before the rules see a
command:

* whether the route reads the audit headers (C2);
* which query and form fields it takes (C8) and which of them may repeat (C9);
* whether it takes a JSON body (K5);
* how its command is built from the checked request.

A parameter may carry a check of its own, made after C2 and before C8/C9 (K1):
only the ``{ip}`` segment of the domain routes has one, because it chooses the
operation. Every other value goes to the rules as text, since the contract
places their checks among the route's numbered steps.

The table is the one of the contract's §9 (version 2, K19): every route of §3
and §9. Paths that real clients know but the contract does not cover
(``/v4/...``) answer 404.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ippools.commands import (
    Actor,
    AddPoolIp,
    AddPoolIps,
    AssignDomainIp,
    Command,
    CreatePool,
    DelegatePool,
    DeletePool,
    EditPool,
    GetDomainIps,
    GetPool,
    ListPoolDomains,
    ListPools,
    RemoveDomainIp,
    RemoveDomainPool,
    RemovePoolIp,
    RevokeDelegation,
    UnlinkDomainPool,
)
from ippools.errors import BadRequest, ErrorCode, echo
from ippools.model import parse_ip

__all__ = ["ROUTES", "Call", "Endpoint", "Param", "Route", "domain_target", "match"]

ALL = "all"
IP_POOL = "ip_pool"


@attrs.frozen
class Call:
    """A request that passed every wire check: who asks, path parameters, fields and body.

    ``values`` maps each field given to its values in the order sent (query
    first, then form); a field not given is absent.
    """

    actor: Actor
    params: Mapping[str, str]
    values: Mapping[str, tuple[str, ...]]
    body: Any = None

    def one(self, name: str) -> str | None:
        """The value of a field that may be given once, or None when it is not given."""
        given = self.values.get(name)
        return given[0] if given else None

    def all(self, name: str) -> tuple[str, ...]:
        """Every value of a repeatable field, in the order sent."""
        return self.values.get(name, ())


Builder = Callable[[Call], Command]


@attrs.frozen
class Param:
    """A path parameter; ``check`` (if any) runs after C2 and raises the error that decides."""

    name: str
    check: Callable[[str], None] | None = None


@attrs.frozen
class Endpoint:
    """One method of one route and what the wire checks for it."""

    method: str
    build: Builder
    audited: bool = True
    query: frozenset[str] = frozenset()
    form: frozenset[str] = frozenset()
    repeatable: frozenset[str] = frozenset()
    json: bool = False


@attrs.frozen
class Route:
    """A path pattern and the endpoints (one per method) it serves."""

    pattern: tuple[str | Param, ...]
    endpoints: tuple[Endpoint, ...]

    @property
    def template(self) -> str:
        """The pattern as written in the contract, e.g. ``/v3/ip_pools/{pool_id}``."""
        parts = (f"{{{s.name}}}" if isinstance(s, Param) else s for s in self.pattern)
        return "/" + "/".join(parts)

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods the route takes, sorted."""
        return tuple(sorted(endpoint.method for endpoint in self.endpoints))

    def endpoint(self, method: str) -> Endpoint | None:
        """The endpoint for ``method`` (compared case-insensitively, ASCII only: K2)."""
        if not method.isascii():
            return None
        wanted = method.upper()
        for endpoint in self.endpoints:
            if endpoint.method == wanted:
                return endpoint
        return None

    def bind(self, segments: tuple[str, ...]) -> dict[str, str] | None:
        """The parameters when the decoded ``segments`` fit the pattern, else None.

        A parameter never matches an empty segment, so ``/v3/ip_pools//ips/x`` is
        an unknown path.
        """
        if len(segments) != len(self.pattern):
            return None
        params: dict[str, str] = {}
        for want, got in zip(self.pattern, segments, strict=True):
            if isinstance(want, Param):
                if not got:
                    return None
                params[want.name] = got
            elif want != got:
                return None
        return params

    def checks(self, params: Mapping[str, str]) -> None:
        """Run the parameter checks of the pattern, in path order."""
        for segment in self.pattern:
            if isinstance(segment, Param) and segment.check is not None:
                segment.check(params[segment.name])


def match(segments: tuple[str, ...]) -> tuple[Route, dict[str, str]] | None:
    """The route whose pattern the decoded ``segments`` fit, with its parameters."""
    for route in ROUTES:
        params = route.bind(segments)
        if params is not None:
            return route, params
    return None


def domain_target(text: str) -> None:
    """The ``{ip}`` segment of the domain routes: ``all``, ``ip_pool`` or an IP (else 400).

    The keywords match in lower case only (K2): ``ALL`` is neither a keyword nor an IP.
    """
    if text in (ALL, IP_POOL) or parse_ip(text) is not None:
        return
    raise BadRequest(
        ErrorCode.INVALID_IP,
        f"path segment {echo(text)} is not an IP address, {echo(ALL)} or {echo(IP_POOL)}",
    )


# -- builders ------------------------------------------------------------------


def _domain(call: Call) -> Command:
    """3.1-3.3: the ``{ip}`` segment chooses the operation; the rules check the rest."""
    name, target = call.params["name"], call.params["ip"]
    replacement, pool_id = call.one("ip"), call.one("pool_id")
    if target == ALL:
        return RemoveDomainPool(call.actor, name, replacement, pool_id)
    if target == IP_POOL:
        return UnlinkDomainPool(call.actor, name, replacement, pool_id)
    return RemoveDomainIp(call.actor, name, target, replacement, pool_id)


IP_FIELDS = ("ip", "ips")
"""3.4 takes its IPs under both names (D3)."""


def _create_pool(call: Call) -> Command:
    """3.4: every ``ip``, then every ``ips`` (D3): their union (K6), repeats dropped."""
    given = tuple(dict.fromkeys(call.all("ip") + call.all("ips")))
    return CreatePool(call.actor, call.one("name"), call.one("description"), given)


def _get_pool(call: Call) -> Command:
    return GetPool(call.actor, call.params["pool_id"])


def _delete_pool(call: Call) -> Command:
    return DeletePool(call.actor, call.params["pool_id"], call.one("ip"), call.one("pool_id"))


def _edit_pool(call: Call) -> Command:
    return EditPool(
        call.actor,
        call.params["pool_id"],
        name=call.one("name"),
        description=call.one("description"),
        add_ips=call.all("add_ip"),
        remove_ips=call.all("remove_ip"),
        link_domain_ids=call.all("link_domain"),
        unlink_domain_ids=call.all("unlink_domain"),
    )


def _add_pool_ip(call: Call) -> Command:
    return AddPoolIp(call.actor, call.params["pool_id"], call.params["ip"])


def _remove_pool_ip(call: Call) -> Command:
    return RemovePoolIp(call.actor, call.params["pool_id"], call.params["ip"])


def _add_pool_ips(call: Call) -> Command:
    return AddPoolIps(call.actor, call.params["pool_id"], call.body)


def _list_pools(call: Call) -> Command:
    return ListPools(call.actor)


def _list_pool_domains(call: Call) -> Command:
    return ListPoolDomains(call.actor, call.params["pool_id"], call.one("limit"), call.one("page"))


def _delegate_pool(call: Call) -> Command:
    return DelegatePool(call.actor, call.params["pool_id"], call.one("subaccount_id"))


def _revoke_delegation(call: Call) -> Command:
    return RevokeDelegation(
        call.actor,
        call.params["pool_id"],
        call.one("subaccount_id"),
        call.one("ip"),
        call.one("pool_id"),
    )


def _get_domain_ips(call: Call) -> Command:
    return GetDomainIps(call.actor, call.params["name"])


def _assign_domain_ip(call: Call) -> Command:
    return AssignDomainIp(call.actor, call.params["name"], call.one("ip"), call.one("pool_id"))


# -- the table -----------------------------------------------------------------

_REPLACEMENT = frozenset({"ip", "pool_id"})
_DOMAIN = Endpoint("DELETE", _domain, query=_REPLACEMENT)
_EDIT_LISTS = frozenset({"add_ip", "remove_ip", "link_domain", "unlink_domain"})
_POOL_ID = Param("pool_id")

_REVOKE = frozenset({"subaccount_id", "ip", "pool_id"})

ROUTES: tuple[Route, ...] = (
    Route(("v3", "domains", Param("name"), "ips", Param("ip", domain_target)), (_DOMAIN,)),
    Route(("v3", "domains", Param("name"), "pool", Param("ip", domain_target)), (_DOMAIN,)),
    Route(
        ("v3", "domains", Param("name"), "ips"),
        (
            Endpoint("GET", _get_domain_ips, audited=False),
            Endpoint("POST", _assign_domain_ip, form=_REPLACEMENT),
        ),
    ),
    Route(
        ("v3", "ip_pools"),
        (
            Endpoint("GET", _list_pools, audited=False),
            Endpoint(
                "POST",
                _create_pool,
                audited=False,
                form=frozenset({"name", "description", *IP_FIELDS}),
                repeatable=frozenset(IP_FIELDS),
            ),
        ),
    ),
    Route(
        ("v3", "ip_pools", _POOL_ID),
        (
            Endpoint("GET", _get_pool, audited=False),
            # D5, K5: the replacement may come in the query or in a urlencoded body.
            Endpoint("DELETE", _delete_pool, query=_REPLACEMENT, form=_REPLACEMENT),
            Endpoint(
                "PATCH",
                _edit_pool,
                form=frozenset({"name", "description"}) | _EDIT_LISTS,
                repeatable=_EDIT_LISTS,
            ),
        ),
    ),
    Route(
        ("v3", "ip_pools", _POOL_ID, "ips", Param("ip")),
        (Endpoint("PUT", _add_pool_ip), Endpoint("DELETE", _remove_pool_ip)),
    ),
    Route(("v3", "ip_pools", _POOL_ID, "ips.json"), (Endpoint("POST", _add_pool_ips, json=True),)),
    Route(
        ("v3", "ip_pools", _POOL_ID, "domains"),
        (Endpoint("GET", _list_pool_domains, audited=False, query=frozenset({"limit", "page"})),),
    ),
    Route(
        ("v3", "ip_pools", _POOL_ID, "delegate"),
        (
            Endpoint("PUT", _delegate_pool, form=frozenset({"subaccount_id"})),
            # 3.14.2: the fields may come in the query or a urlencoded body, merged as in K5.
            Endpoint("DELETE", _revoke_delegation, query=_REVOKE, form=_REVOKE),
        ),
    ),
)
"""Every route of the contract (§3, §9): the domain routes (the removal under both of its
paths), then the DIPPs."""
