"""Whatever request arrives, the wire layer answers with a contract status and a JSON body and
never raises (C4, K1-K7); a refused request changes nothing.

Each property runs at least 1,000 examples, and 100,000 in the fuzz session
(``nox -s fuzz``, see ``tests/fuzzing.py``).
"""

from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import quote

import attrs
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from ippools import Accepted, Engine, MemoryState, Rejected, world_problems
from ippools.wire import Request, Response, handle
from tests.fuzzing import fuzz_examples
from tests.support import POOL_A, POOL_B, POOL_C, engine
from tests.test_wire import HEADERS, WORLD

EXAMPLES = fuzz_examples(1000)
"""Examples per property; the project requires at least 1,000 each in the default profile."""
STATUSES = {200, 400, 403, 404, 405}
POOL_ID = re.compile(r"[0-9a-f]{24}")
DETAILS = {"description", "ips", "is_linked", "linked_domains", "name", "pool_id"}
LISTED = {"description", "ips", "is_inherited", "is_linked", "name", "pool_id"}

# -- strategies --------------------------------------------------------------------------------


def mostly(common: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``common`` about four times in five, else ``rare``."""
    return st.one_of(common, common, common, common, rare)


noise = st.text(max_size=12)
encoded_noise = noise.map(lambda text: quote(text, safe=""))
broken_escapes = st.sampled_from(["%", "%f", "%zz", "%%41", "%2", "%C3%28", "%ff%fe"])
anything = st.one_of(noise, encoded_noise, broken_escapes)

pool_ids = st.sampled_from([POOL_A, POOL_A, POOL_B, POOL_C, "f" * 24, "A" * 24, "a" * 23])
ip_texts = st.sampled_from(
    [
        "198.51.100.1",
        "198.51.100.2",
        "198.51.100.3",
        "198.51.100.4",
        "198.51.100.4",
        "198.51.100.20",
        "203.0.113.1",
        "2001:db8::1",
        "2001:db8::2",
        "2001:db8::3",
        "2001:db8::3",
        "2001%3Adb8%3A%3A3",
        "2001%253Adb8%253A%253A3",
        "::ffff:198.51.100.4",
        "fe80::1%25eth0",
        "198.51.100.04",
        "198.51.100.4 ",
        "shared",
        "Shared",
    ]
)
domain_names = st.sampled_from(
    ["example.com", "EXAMPLE.com.", "linked.example.com", "sub.example", "third.example", "x.y"]
)
domain_ids = st.sampled_from(["dom-1", "dom-2", "dom-3", "dom-4", "dom-5", "dom-9"])
ip_segments = st.one_of(ip_texts, st.sampled_from(["all", "ip_pool", "ALL", "%61ll", "ips.json"]))

SEGMENTS: dict[str, st.SearchStrategy[str]] = {
    "pool": mostly(pool_ids, anything),
    "ip": mostly(ip_segments, anything),
    "domain": mostly(domain_names, anything),
}
CLEAN_SEGMENTS: dict[str, st.SearchStrategy[str]] = {
    "pool": pool_ids,
    "ip": ip_segments,
    "domain": domain_names,
}
VALUES: dict[str, st.SearchStrategy[str]] = {
    "ip": ip_texts,
    "ips": ip_texts,
    "add_ip": ip_texts,
    "remove_ip": ip_texts,
    "pool_id": pool_ids,
    "link_domain": domain_ids,
    "unlink_domain": domain_ids,
    "name": st.sampled_from(["pool", "n", " ", ""]),
    "description": st.sampled_from(["a pool", "d", "\t", ""]),
    "subaccount_id": st.sampled_from(["sub-1", "acct-2", "sub-1", "", " ", "SUB-1"]),
    "limit": st.sampled_from(["10", "010", "500", "9", "501", "", "ten", "1" * 40]),
    "page": st.sampled_from(["ZG9tLTQ", "ZG9tLTE", "ZG9tLTE=", "ZG9tLTF", "", "=", "Z", "7aCA"]),
}
OTHER_FIELDS = ["Limit", "IP", "subaccount", "page_token"]


@attrs.frozen
class Shape:
    """A path shape (parameters in braces) with the methods and fields its route takes."""

    segments: tuple[str, ...]
    methods: tuple[str, ...] = ("GET",)
    query: tuple[str, ...] = ()
    form: tuple[str, ...] = ()


REVOKE = ("subaccount_id", "ip", "pool_id")

SHAPES = [
    Shape(("v3", "domains", "{domain}", "ips", "{ip}"), ("DELETE",), ("ip", "pool_id")),
    Shape(("v3", "domains", "{domain}", "pool", "{ip}"), ("DELETE",), ("ip", "pool_id")),
    Shape(("v3", "ip_pools"), ("POST",), (), ("name", "description", "ip", "ips")),
    Shape(("v3", "ip_pools", "{pool}"), ("GET",)),
    Shape(("v3", "ip_pools", "{pool}"), ("DELETE",), ("ip", "pool_id"), ("ip", "pool_id")),
    Shape(
        ("v3", "ip_pools", "{pool}"),
        ("PATCH",),
        (),
        ("name", "description", "add_ip", "remove_ip", "link_domain", "unlink_domain"),
    ),
    Shape(("v3", "ip_pools", "{pool}", "ips", "{ip}"), ("PUT", "DELETE")),
    Shape(("v3", "ip_pools", "{pool}", "ips.json"), ("POST",)),
    Shape(("v3", "%69p_pools", "{pool}"), ("GET", "DELETE")),
    Shape(("v3", "ip_pools"), ("GET",)),
    Shape(("v3", "ip_pools", "{pool}", "domains"), ("GET",), ("limit", "page")),
    Shape(("v3", "ip_pools", "{pool}", "delegate"), ("PUT",), (), ("subaccount_id",)),
    Shape(("v3", "ip_pools", "{pool}", "delegate"), ("DELETE",), REVOKE, REVOKE),
    Shape(("v3", "domains", "{domain}", "ips"), ("GET",)),
    Shape(("v3", "domains", "{domain}", "ips"), ("POST",), (), ("ip", "pool_id")),
    Shape(("v4", "domains", "{domain}", "ips", "{ip}"), ("DELETE",)),
    Shape(("v3", "{pool}")),
    Shape(("{ip}",)),
]
SERVED = SHAPES[:15]
"""The shapes of routes this system serves."""
UNSERVED = SHAPES[15:]
FAMILIES: dict[str, list[Shape]] = {
    "3.1-3.3 domain removal": SHAPES[0:2],
    "3.4-3.10 DIPPs": SHAPES[2:9],
    "3.11 list": [SHAPES[9]],
    "3.12 pages": [SHAPES[10]],
    "3.13-3.14 delegation": SHAPES[11:13],
    "3.15-3.16 domain IPs": SHAPES[13:15],
}
"""The served shapes by route family; each family is fuzzed on its own."""
ONE_IN_TEN = st.sampled_from([False] * 9 + [True])
OTHER_METHODS = st.one_of(
    st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", ""]), st.text(max_size=7)
)


@functools.cache
def field_pairs(names: tuple[str, ...]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Mostly fields the route takes with fitting values; sometimes other names or noise."""
    known = st.sampled_from(names).flatmap(lambda n: st.tuples(st.just(n), VALUES[n]))
    other = st.tuples(st.one_of(st.sampled_from(OTHER_FIELDS), noise), mostly(ip_texts, noise))
    pair = mostly(known, other) if names else other
    return st.one_of(st.just([]), st.lists(pair, max_size=4))


def encode(pairs: list[tuple[str, str]]) -> str:
    """A query string carrying ``pairs``."""
    return "&".join(f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in pairs)


ACCOUNTS = st.sampled_from(
    ["acct-1"] * 8 + ["acct-2", "acct-3", "sub-1", "acct-9", "", "  ", " acct-1 "]
)
ACTIONS = st.sampled_from(["keep"] * 12 + ["drop", "blank", "twice", "odd"])
ODD_VALUES = st.one_of(noise, st.sampled_from(["ops", "a@b@c", "@x", "x@"]))
EXTRA_HEADERS = st.lists(
    st.tuples(st.one_of(st.sampled_from(["Content-Type", "Authorization"]), noise), noise),
    max_size=2,
)


@st.composite
def header_lists(draw: st.DrawFn) -> list[tuple[str, str]]:
    """The three X-Mailgun headers, each mostly kept, else dropped, blanked, doubled or odd,
    names in any case, mixed with other headers, in any order."""
    headers: list[tuple[str, str]] = []
    for name, value in HEADERS.items():
        action = draw(ACTIONS)
        if action == "drop":
            continue
        if name == "X-Mailgun-Account-Id":
            value = draw(ACCOUNTS)
        if action == "blank":
            value = " "
        if action == "odd":
            value = draw(ODD_VALUES)
        headers.append((draw(cased(name)), value))
        if action == "twice":
            headers.append((draw(cased(name)), value))
    headers.extend(draw(EXTRA_HEADERS))
    return draw(st.permutations(headers))


@functools.cache
def cased(name: str) -> st.SearchStrategy[str]:
    """``name`` with each ASCII letter in upper or lower case (bit ``i`` of one drawn integer
    says whether character ``i`` is upper case; it shrinks towards all lower case).

    Strategies are built once per name and kept: building one costs far more than drawing
    from it, and the fuzz session draws hundreds of thousands of requests.
    """
    return st.integers(0, 2 ** len(name) - 1).map(
        lambda flips: "".join(_case(c, flips >> i & 1 == 1) for i, c in enumerate(name))
    )


def _case(char: str, upper: bool) -> str:
    if not char.isascii():
        return char
    return char.upper() if upper else char.lower()


@functools.cache
def below(count: int) -> st.SearchStrategy[int]:
    """An index in ``range(count)``, its strategy built once per count."""
    return st.integers(0, count - 1)


@functools.cache
def one_of_these(values: tuple[str, ...]) -> st.SearchStrategy[str]:
    """One of ``values``, its strategy built once per tuple."""
    return st.sampled_from(values)


@functools.cache
def mostly_these(values: tuple[str, ...]) -> st.SearchStrategy[str]:
    """One of ``values`` four times in five, else another method, built once per tuple."""
    return mostly(st.sampled_from(values), OTHER_METHODS)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=10,
)
ips_bodies = st.fixed_dictionaries(
    {"ips": mostly(st.lists(ip_texts, min_size=1, max_size=3), json_values)},
    optional={"other": json_values},
)


CLEAN_ACCOUNTS = st.sampled_from(["acct-1", "acct-1", "acct-1", "acct-2", "acct-3", "sub-1"])


@st.composite
def clean_headers(draw: st.DrawFn) -> list[tuple[str, str]]:
    """Well-formed X-Mailgun headers of a real account, names in any case."""
    values = {**HEADERS, "X-Mailgun-Account-Id": draw(CLEAN_ACCOUNTS)}
    return [(draw(cased(name)), value) for name, value in values.items()]


@functools.cache
def one_of_shapes(shapes: tuple[Shape, ...]) -> st.SearchStrategy[Shape]:
    """One of ``shapes``, its strategy built once per tuple."""
    return st.sampled_from(shapes)


@functools.cache
def known_pairs(names: tuple[str, ...]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Only fields the route takes, with fitting values (repeats possible)."""
    if not names:
        return st.just([])
    pair = st.sampled_from(names).flatmap(lambda n: st.tuples(st.just(n), VALUES[n]))
    return st.lists(pair, max_size=3)


@st.composite
def requests(
    draw: st.DrawFn, served: list[Shape] | None = None, shapes: list[Shape] | None = None
) -> Request:
    """A request built from a real route shape.

    Half the time it is clean: a served route with its own method (in any case), real
    parameters, fields the route takes and the body kind it takes, and well-formed headers, so
    the rules decide it. Otherwise every part may go wrong: another method, a broken path (an
    empty or upper-case segment, a trailing slash), random parameters, unknown or repeated
    fields, stray JSON bodies, and dropped, blank, doubled or odd headers.
    """
    clean: bool = draw(st.booleans())
    served = SERVED if served is None else served
    shape = draw(one_of_shapes(tuple(served if clean else (SHAPES if shapes is None else shapes))))
    values = CLEAN_SEGMENTS if clean else SEGMENTS
    segments = [draw(values[s[1:-1]]) if s.startswith("{") else s for s in shape.segments]
    if not clean and draw(ONE_IN_TEN):
        segments[draw(below(len(segments)))] = draw(one_of_these(("", "V3")))
    if not clean and draw(ONE_IN_TEN):
        segments.append("")
    path = "/" + "/".join(segments)
    fields = known_pairs if clean else field_pairs
    query = draw(fields(shape.query))
    in_path: bool = draw(st.booleans())
    if query and in_path:
        path += "?" + encode(query)
        query = draw(fields(shape.query))
    method = draw(one_of_these(shape.methods) if clean else mostly_these(shape.methods))
    if draw(st.booleans()):
        method = draw(cased(method))
    wants_json = shape.segments[-1] == "ips.json"
    body = ips_bodies if wants_json else st.none()
    json = draw(body if clean else mostly(body, json_values))
    return Request(
        method,
        path,
        query=query,
        headers=draw(clean_headers() if clean else header_lists()),
        form=draw(fields(shape.form)),
        json=json,
    )


arbitrary_requests = st.builds(
    Request,
    method=noise,
    path=st.one_of(st.text(max_size=40), st.text(max_size=40).map(lambda t: "/" + t)),
    query=st.lists(st.tuples(noise, noise), max_size=3),
    headers=st.lists(st.tuples(noise, noise), max_size=3).map(lambda h: [*HEADERS.items(), *h]),
    form=st.lists(st.tuples(noise, noise), max_size=3),
    json=st.one_of(st.none(), json_values),
)


# -- checks ------------------------------------------------------------------------------------


def check_answer(response: Response, eng: Engine[MemoryState]) -> None:
    """The response has a contract status and body; a refusal changes nothing; an accepted
    command leaves a world that settles into a valid one."""
    assert isinstance(response, Response)
    event(f"status {response.status}")
    assert response.status in STATUSES
    assert isinstance(response.body, dict)
    if response.status != 200:
        assert set(response.body) == {"message"}
        assert isinstance(response.body["message"], str)
        assert response.body["message"]
        assert response.outcome is None or isinstance(response.outcome, Rejected)
        assert eng.state.world() == WORLD
        assert eng.state.pending == ()
        return
    assert isinstance(response.outcome, Accepted)
    body = response.body
    if "details" in body:
        assert set(body) == {"details", "message"}
        assert body["message"] == "success"
        assert set(body["details"]) == DETAILS
    elif "pool_id" in body:
        assert set(body) == {"message", "pool_id"}
        assert body["message"] == "success"
        assert POOL_ID.fullmatch(body["pool_id"])
    elif "ip_pools" in body:  # 3.11
        assert set(body) == {"ip_pools", "message"}
        assert all(set(item) == LISTED for item in body["ip_pools"])
        ids = [item["pool_id"] for item in body["ip_pools"]]
        assert ids == sorted(set(ids))
    elif "paging" in body:  # 3.12
        assert set(body) == {"domains", "paging"}
        assert set(body["paging"]) == {"first", "next"}
        ids = [item["id"] for item in body["domains"]]
        assert ids == sorted(set(ids))
    elif "items" in body:  # 3.15
        assert set(body) == {"items", "total_count"}
        assert body["total_count"] == len(body["items"])
    else:
        assert body in ({"message": "success"}, {"message": "started"})
    eng.settle()
    assert world_problems(eng.state.world()) == []


@settings(max_examples=EXAMPLES, deadline=None)
@given(request=requests())
def test_route_shaped_requests_always_get_a_contract_answer(request: Request) -> None:
    """C4, K1-K7: requests built from real route shapes with random methods, parameters,
    fields, headers and JSON bodies always get a status in {200, 400, 403, 404, 405} and a
    JSON object body, never an exception; a refusal changes nothing."""
    eng = engine(WORLD)
    check_answer(handle(eng, request), eng)


@pytest.mark.parametrize("family", FAMILIES)
def test_every_route_family_always_gets_a_contract_answer(family: str) -> None:
    """C4, K1-K7, K19-K24: each route family on its own, version 2 included, at least 1,000
    examples: its own shapes, clean or broken, and the shapes of no route."""
    shapes = FAMILIES[family]

    @settings(max_examples=EXAMPLES, deadline=None)
    @given(request=requests(shapes, shapes + UNSERVED))
    def run(request: Request) -> None:
        eng = engine(WORLD)
        check_answer(handle(eng, request), eng)

    run()


@settings(max_examples=EXAMPLES, deadline=None)
@given(request=arbitrary_requests)
def test_arbitrary_requests_always_get_a_contract_answer(request: Request) -> None:
    """C4, K1: arbitrary method and path text, fields and JSON never make the wire raise."""
    eng = engine(WORLD)
    check_answer(handle(eng, request), eng)


@settings(max_examples=EXAMPLES, deadline=None)
@given(request=requests(), data=st.data())
def test_header_name_case_never_changes_the_answer(request: Request, data: st.DataObject) -> None:
    """C3: the same request with its header names in other cases gets the same answer."""
    recased = tuple((data.draw(cased(name)), value) for name, value in request.headers)
    first = handle(engine(WORLD), request)
    second = handle(
        engine(WORLD),
        Request(request.method, request.path, request.query, recased, request.form, request.json),
    )
    assert (second.status, second.body) == (first.status, first.body)
