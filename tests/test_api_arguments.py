"""The Python API refuses what it cannot serve: every public constructor checks its arguments.

A public model, command, outcome value, policy, error or wire value either is built valid
or raises :class:`TypeError` (a value of the wrong type) or :class:`ValueError` (a value of
the right type but malformed), naming the argument; never anything else, and never a value
that fails later. :func:`ippools.decide` and :func:`ippools.wire.handle` raise only
TypeError for arguments of the wrong type, and ``handle`` answers every request.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ippools
from ippools import (
    Accepted,
    Account,
    Actor,
    AddDedicatedIp,
    AddPoolIp,
    AddPoolIps,
    AddSharedIp,
    AssignDomainIp,
    BadRequest,
    Changes,
    CreateAccount,
    CreateDomain,
    CreatePool,
    DedicatedIp,
    DelegatePool,
    DeletePool,
    Domain,
    DomainUpdate,
    EditPool,
    FewestDomains,
    Forbidden,
    GetDomainIps,
    GetPool,
    ListPoolDomains,
    ListPools,
    MethodNotAllowed,
    NotFound,
    Policies,
    Pool,
    Rejected,
    RemoveAccount,
    RemoveDedicatedIp,
    RemoveDomain,
    RemoveDomainIp,
    RemoveDomainPool,
    RemovePoolIp,
    RemoveSharedIp,
    ReplaceWithIp,
    ReplaceWithPool,
    ReplaceWithShared,
    RevokeDelegation,
    SequenceIds,
    SetAccountFeatures,
    SetWarmup,
    SubaccountUpdate,
    Tombstone,
    UnlinkDomainPool,
    World,
    decide,
    wire,
)
from ippools.wire import Request, Response, handle
from tests.support import POOL_A, POOL_B, engine

WHO = Actor("acct-1", "ops@example.com", "cli")
ACCOUNT = Account("acct-1", dipps=True)
SUB = Account("sub-1", parent_id="acct-1")
DEDICATED = DedicatedIp("198.51.100.1", "acct-1")
POOL = Pool(POOL_A, "acct-1", "n", "d", ips=["198.51.100.1"], delegated_to=["sub-1"])
DOMAIN = Domain("dom-1", "example.com", "acct-1", POOL_A, ips=["198.51.100.1"])
GET = GetPool(WHO, POOL_A)
TOMBSTONE = Tombstone(POOL_B, "acct-1", ReplaceWithPool(POOL_A))

EXAMPLES: dict[type[Any], dict[str, Any]] = {
    Account: {"id": "acct-1", "parent_id": None, "dipps": True, "shared_ip_eligible": False},
    DedicatedIp: {"ip": "198.51.100.1", "account_id": "acct-1", "warmup": False},
    Domain: {
        "id": "dom-1",
        "name": "example.com",
        "account_id": "acct-1",
        "pool_id": POOL_A,
        "ips": ["198.51.100.1"],
    },
    Pool: {
        "pool_id": POOL_A,
        "account_id": "acct-1",
        "name": "n",
        "description": "d",
        "ips": ["198.51.100.1"],
        "delegated_to": ["sub-1"],
    },
    World: {
        "accounts": [ACCOUNT, SUB],
        "dedicated_ips": [DEDICATED],
        "shared_ips": ["203.0.113.1"],
        "domains": [DOMAIN],
        "pools": [POOL],
    },
    Actor: {"account_id": "acct-1", "requestor": "ops@example.com", "client": "cli"},
    RemoveDomainIp: {
        "actor": WHO,
        "domain_name": "example.com",
        "ip": "198.51.100.1",
        "replacement_ip": "shared",
        "replacement_pool_id": None,
    },
    RemoveDomainPool: {
        "actor": WHO,
        "domain_name": "example.com",
        "replacement_ip": None,
        "replacement_pool_id": None,
    },
    UnlinkDomainPool: {
        "actor": WHO,
        "domain_name": "example.com",
        "replacement_ip": None,
        "replacement_pool_id": POOL_B,
    },
    CreatePool: {"actor": WHO, "name": "n", "description": "d", "ips": ["198.51.100.1"]},
    GetPool: {"actor": WHO, "pool_id": POOL_A},
    ListPools: {"actor": WHO},
    ListPoolDomains: {"actor": WHO, "pool_id": POOL_A, "limit": "10", "page": "ZG9tLTE"},
    DelegatePool: {"actor": WHO, "pool_id": POOL_A, "subaccount_id": "sub-1"},
    RevokeDelegation: {
        "actor": WHO,
        "pool_id": POOL_A,
        "subaccount_id": "sub-1",
        "replacement_ip": None,
        "replacement_pool_id": POOL_B,
    },
    GetDomainIps: {"actor": WHO, "domain_name": "example.com"},
    CreateAccount: {
        "actor": WHO,
        "account_id": "acct-2",
        "parent_id": "acct-1",
        "dipps": True,
        "shared_ip_eligible": False,
    },
    RemoveAccount: {"actor": WHO, "account_id": "acct-2"},
    SetAccountFeatures: {
        "actor": WHO,
        "account_id": "acct-1",
        "dipps": None,
        "shared_ip_eligible": True,
    },
    AddDedicatedIp: {"actor": WHO, "ip": "198.51.100.9", "account_id": "acct-1", "warmup": True},
    RemoveDedicatedIp: {"actor": WHO, "ip": "198.51.100.9"},
    SetWarmup: {"actor": WHO, "ip": "198.51.100.9", "warmup": False},
    AddSharedIp: {"actor": WHO, "ip": "203.0.113.9"},
    RemoveSharedIp: {"actor": WHO, "ip": "203.0.113.9"},
    CreateDomain: {
        "actor": WHO,
        "domain_id": "dom-2",
        "name": "two.example",
        "account_id": "acct-1",
        "ips": ["198.51.100.2"],
        "pool_id": None,
    },
    RemoveDomain: {"actor": WHO, "domain_id": "dom-2"},
    AssignDomainIp: {
        "actor": WHO,
        "domain_name": "example.com",
        "ip": "198.51.100.2",
        "pool_id": None,
    },
    DeletePool: {
        "actor": WHO,
        "pool_id": POOL_A,
        "replacement_ip": "198.51.100.2",
        "replacement_pool_id": None,
    },
    EditPool: {
        "actor": WHO,
        "pool_id": POOL_A,
        "name": "n",
        "description": "d",
        "add_ips": ["198.51.100.2"],
        "remove_ips": ["198.51.100.1"],
        "link_domain_ids": ["dom-2"],
        "unlink_domain_ids": ["dom-1"],
    },
    AddPoolIp: {"actor": WHO, "pool_id": POOL_A, "ip": "198.51.100.2"},
    RemovePoolIp: {"actor": WHO, "pool_id": POOL_A, "ip": "198.51.100.1"},
    AddPoolIps: {"actor": WHO, "pool_id": POOL_A, "body": {"ips": ["198.51.100.2"]}},
    DomainUpdate: {"domain_id": "dom-1"},
    SubaccountUpdate: {"account_id": "sub-1", "pool_id": POOL_A},
    ReplaceWithPool: {"pool_id": POOL_A},
    ReplaceWithIp: {"ip": "198.51.100.2"},
    ReplaceWithShared: {"choices": {"dom-1": "203.0.113.1"}},
    Tombstone: {"pool_id": POOL_B, "account_id": "acct-1", "replacement": ReplaceWithPool(POOL_A)},
    Changes: {
        "pools": (POOL,),
        "deleted_pools": (TOMBSTONE,),
        "domains": (DOMAIN,),
        "deleted_domains": ("dom-2",),
        "pending": (DomainUpdate("dom-1"), SubaccountUpdate("sub-1", POOL_A)),
    },
    Accepted: {"command": GET, "body": {"message": "success"}, "changes": Changes()},
    Rejected: {"command": GET, "error": NotFound("pool_not_found", "DIPP not found")},
    Policies: {"shared_ip": FewestDomains(), "ids": SequenceIds([POOL_B])},
    FewestDomains: {},
    Request: {
        "method": "GET",
        "path": f"/v3/ip_pools/{POOL_A}",
        "query": {"x": ["1", "2"]},
        "headers": [("X-Mailgun-Account-Id", "acct-1")],
        "form": None,
        "json": None,
    },
    Response: {
        "status": 404,
        "body": {"message": "DIPP not found"},
        "outcome": None,
        "error": NotFound("pool_not_found", "DIPP not found"),
    },
}
"""A valid value of every argument of every public attrs class."""

OTHER_CONSTRUCTORS: dict[Callable[..., Any], dict[str, Any]] = {
    SequenceIds: {"ids": [POOL_A, POOL_B]},
    BadRequest: {"code": "invalid_ip", "message": "IP 'x' is not a valid IP address"},
    Forbidden: {"code": "dipps_disabled", "message": "no DIPPs"},
    NotFound: {"code": "pool_not_found", "message": "DIPP not found"},
    MethodNotAllowed: {"code": "method_not_allowed", "message": "no"},
}
"""Public constructors that are not attrs classes, with valid arguments."""

CONSTRUCTORS: dict[Callable[..., Any], dict[str, Any]] = dict(EXAMPLES) | OTHER_CONSTRUCTORS

ANY_TYPE = {"body", "json"}
"""Arguments that take any value: a JSON body as the client sent it."""


def public_attrs_classes() -> set[type[Any]]:
    """Every attrs class exported by ``ippools`` and ``ippools.wire``."""
    found: set[type[Any]] = set()
    for module in (ippools, wire):
        for name in module.__all__:
            value = getattr(module, name)
            if isinstance(value, type) and attrs.has(value):
                found.add(value)
    return found


def test_every_public_attrs_class_has_an_example() -> None:
    """The tests below cover every public record: a new one needs an example here."""
    assert public_attrs_classes() == set(EXAMPLES)


@pytest.mark.parametrize("build", list(CONSTRUCTORS), ids=lambda b: b.__name__)
def test_the_examples_are_valid(build: Callable[..., Any]) -> None:
    """Each example builds, so a refusal below comes from the one argument changed."""
    made = build(**CONSTRUCTORS[build])
    if attrs.has(type(made)):
        attrs.validate(made)


def wrong_type_cases() -> list[tuple[Callable[..., Any], str]]:
    return [
        (build, argument)
        for build, arguments in CONSTRUCTORS.items()
        for argument in arguments
        if argument not in ANY_TYPE
    ]


@pytest.mark.parametrize(
    ("build", "argument"), wrong_type_cases(), ids=lambda v: getattr(v, "__name__", v)
)
def test_an_argument_of_the_wrong_type_is_a_type_error_naming_it(
    build: Callable[..., Any], argument: str
) -> None:
    """A plain object where a string, a flag, a record or a collection is wanted raises
    TypeError at once, with a message that starts with the argument's name."""
    arguments = dict(CONSTRUCTORS[build])
    arguments[argument] = object()
    with pytest.raises(TypeError) as raised:
        build(**arguments)
    assert str(raised.value).startswith(argument), str(raised.value)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: EditPool(WHO, POOL_A, add_ips=typing.cast(Any, ("198.51.100.1", 5))),
            "add_ips must hold strings",
        ),
        (
            lambda: CreatePool(WHO, ips=typing.cast(Any, ["198.51.100.1", None])),
            "ips must be a tuple of strings",
        ),
        (
            lambda: Changes(pools=typing.cast(Any, (POOL, DOMAIN))),
            "pools must hold Pool only, got Domain(",
        ),
        (
            lambda: Changes(pending=typing.cast(Any, [DomainUpdate("dom-1")])),
            "pending must be a tuple of Domain",
        ),
        (
            lambda: World(domains=typing.cast(Any, [DOMAIN, POOL])),
            "domains must hold Domain records only",
        ),
        (
            lambda: Request("GET", "/", form=typing.cast(Any, [("a", "b"), "c"])),
            "form must hold (name, value) pairs",
        ),
        (
            lambda: wire.fields(typing.cast(Any, 7)),
            "fields must be a mapping or (name, value) pairs, got 7",
        ),
    ],
)
def test_a_collection_with_an_item_of_the_wrong_type_is_a_type_error_naming_it(
    build: Callable[[], object], message: str
) -> None:
    """Collections are checked item by item; the message names the argument and the item."""
    with pytest.raises(TypeError) as raised:
        build()
    assert str(raised.value).startswith(message)


def test_errors_show_their_code_as_text() -> None:
    """An error's repr shows its code as the text a host compares it with."""
    error = BadRequest("invalid_ip", "IP 'x' is not a valid IP address")
    assert repr(error) == "BadRequest('invalid_ip', \"IP 'x' is not a valid IP address\")"


def test_pool_delegated_to_a_string_is_refused() -> None:
    """The motivating case: ``delegated_to="sub"`` is not the subaccounts 's', 'u', 'b'."""
    with pytest.raises(TypeError, match="delegated_to must be a collection of account ids"):
        Pool(POOL_A, "acct-1", "n", "d", delegated_to=typing.cast(Any, "sub"))


def test_a_command_with_a_plain_string_actor_is_refused() -> None:
    """C1: the actor is an Actor; a plain account id is a TypeError, not a later AttributeError."""
    with pytest.raises(TypeError, match="actor must be an instance of Actor, got 'acct-1'"):
        GetPool(typing.cast(Any, "acct-1"), POOL_A)


def test_decide_refuses_what_is_not_a_command_or_policies() -> None:
    """decide raises TypeError for a command or policies of the wrong type, naming which."""
    state = engine(World(accounts=[ACCOUNT])).state
    with pytest.raises(TypeError, match="command must be an ippools command, got 'acct-1'"):
        decide(state, typing.cast(Any, "acct-1"))
    with pytest.raises(TypeError, match="policies must be ippools Policies or None, got 3"):
        decide(state, GET, typing.cast(Any, 3))
    with pytest.raises(TypeError, match="shared_ip must be an instance of SharedIpChoice"):
        Policies(shared_ip=typing.cast(Any, "fewest"))


def test_handle_refuses_an_engine_or_request_of_the_wrong_type() -> None:
    """wire.handle answers any request; only a non-engine or non-request is a TypeError."""
    eng = engine(World(accounts=[ACCOUNT]))
    with pytest.raises(TypeError, match=r"request must be an ippools\.wire Request, got dict"):
        handle(eng, typing.cast(Any, {"method": "GET"}))
    with pytest.raises(TypeError, match="engine must be an ippools Engine, got NoneType"):
        handle(typing.cast(Any, None), Request("GET", "/v3/ip_pools"))


# -- arbitrary values ----------------------------------------------------------------------

ANYTHING: st.SearchStrategy[Any] = st.one_of(
    st.from_type(object),
    st.text(max_size=30),
    st.sampled_from(["", " ", "acct-1", "198.51.100.1", "2001:db8::1", POOL_A, "shared"]),
    st.lists(st.one_of(st.text(max_size=20), st.from_type(object)), max_size=4),
    st.frozensets(st.sampled_from(["198.51.100.1", "sub-1", POOL_A, ""]), max_size=3),
    st.dictionaries(st.text(max_size=10), st.one_of(st.text(max_size=10), st.integers())),
)
"""Values of every kind: objects of many types, texts, and collections of them."""


def arguments(build: Callable[..., Any]) -> st.SearchStrategy[dict[str, Any]]:
    """For each argument, its valid example or an arbitrary value."""
    return st.fixed_dictionaries(
        {name: st.one_of(st.just(valid), ANYTHING) for name, valid in CONSTRUCTORS[build].items()}
    )


@pytest.mark.parametrize("build", list(CONSTRUCTORS), ids=lambda b: b.__name__)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_arguments_build_a_valid_value_or_raise_type_or_value_error(
    build: Callable[..., Any], data: st.DataObject
) -> None:
    """Built from arbitrary values, each public value is valid or the constructor raises
    TypeError or ValueError, never anything else."""
    given_arguments = data.draw(arguments(build), label="arguments")
    try:
        made = build(**given_arguments)
    except (TypeError, ValueError):
        return
    if attrs.has(type(made)):
        attrs.validate(made)
    assert_holds_declared_types(made)


def assert_holds_declared_types(made: Any) -> None:
    """Every field of a built record holds a value of its declared type (shallowly)."""
    if not attrs.has(type(made)):
        return
    hints = typing.get_type_hints(type(made))
    for field in attrs.fields(type(made)):
        if field.name not in hints or not field.init:
            continue
        assert matches(getattr(made, field.name), hints[field.name]), (field.name, made)


def matches(value: Any, hint: Any) -> bool:
    """A shallow isinstance for the type hints of public records."""
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(matches(value, arm) for arm in typing.get_args(hint))
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if origin is not None:
        if not isinstance(value, origin):
            return False
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        if origin in (tuple, frozenset, list) and len(args) == 1:
            return all(matches(item, args[0]) for item in value)
        if origin is dict and isinstance(value, Mapping):
            return all(matches(k, args[0]) for k in value)
        return True
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


@settings(max_examples=200, deadline=None)
@given(
    pairs=st.lists(st.tuples(ANYTHING, ANYTHING), max_size=3),
    place=st.sampled_from(["query", "form", "headers"]),
    path=st.sampled_from(
        [
            f"/v3/ip_pools/{POOL_A}",
            "/v3/ip_pools",
            "/v3/domains/example.com/ips/198.51.100.1",
            f"/v3/ip_pools/{POOL_A}/ips.json",
        ]
    ),
    method=st.sampled_from(["GET", "POST", "PATCH", "DELETE", "PUT"]),
)
def test_handle_answers_any_field_values_and_never_raises(
    pairs: list[tuple[Any, Any]], place: str, path: str, method: str
) -> None:
    """K26, C4: names and values of any type in the query, form or headers get an answer
    (400 for one that is not text), never an exception."""
    eng = engine(World(accounts=[ACCOUNT, SUB], dedicated_ips=[DEDICATED], pools=[POOL]))
    headers = [("X-Mailgun-Account-Id", "acct-1"), ("X-Mailgun-Requestor", "o@example.com")]
    headers += [("X-Mailgun-Requestor-Client", "cli")]
    parts: dict[str, Any] = {"headers": headers}
    parts[place] = (headers if place == "headers" else []) + pairs
    request = Request(method, path, **parts)
    response = handle(eng, request)
    assert response.status in (200, 400, 403, 404, 405)
    texts = all(isinstance(part, str) for pair in pairs for part in pair)
    if not texts:
        assert response.status == 400
        assert response.error is not None
        assert response.error.code == "invalid_text"
