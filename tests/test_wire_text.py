"""What the wire does with text a hostile client sends (K25, K26).

K25: every value is percent-decoded once, never again, and methods compare without case in
ASCII only. K26: text that is not valid Unicode anywhere in a request is 400 before anything
else, and no error message grows with the input.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import attrs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ippools.wire import Request, Response, handle
from tests.support import NEW_IDS, POOL_A, POOL_C, engine
from tests.test_wire import HEADERS, WORLD, only_account, send
from tests.test_wire_fuzz import STATUSES, requests

EXAMPLES = 1000
INVALID = "is not valid Unicode text: it holds a lone surrogate"

# -- K25: decoded once -------------------------------------------------------------------------


@attrs.frozen
class Field:
    """A request whose ``value`` sits in one field: accepted (or refused for its own reason)
    as it is; encoded twice, it reaches the rules with escapes in it."""

    method: str
    path: str  # ``{v}`` marks a path segment that holds the value
    place: str  # "query", "form" or "segment"
    name: str
    value: str
    status: int  # the answer to the value as it is
    literal: bool = False  # free text (name, description): stored as received, escapes and all
    headers: Any = None
    form: Any = None


DOMAIN_IP = "/v3/domains/example.com/ips/198.51.100.1"
UNLINK = "/v3/domains/linked.example.com/ips/ip_pool"
CREATE = {"name": "n", "description": "d"}
FIELDS = [
    Field("DELETE", DOMAIN_IP, "query", "ip", "198.51.100.4", 200),
    Field("DELETE", UNLINK, "query", "ip", "198.51.100.4", 200),
    Field("DELETE", UNLINK, "query", "ip", "shared", 403),
    Field("DELETE", UNLINK, "query", "pool_id", POOL_C, 200),
    Field("POST", "/v3/ip_pools", "form", "ip", "198.51.100.4", 200, False, only_account(), CREATE),
    Field(
        "POST", "/v3/ip_pools", "form", "ips", "198.51.100.4", 200, False, only_account(), CREATE
    ),
    Field(
        "POST", "/v3/ip_pools", "form", "name", "n", 200, True, only_account(), {"description": "d"}
    ),
    Field(
        "POST", "/v3/ip_pools", "form", "description", "d", 200, True, only_account(), {"name": "n"}
    ),
    Field("DELETE", f"/v3/ip_pools/{POOL_A}", "query", "ip", "198.51.100.4", 200),
    Field("DELETE", f"/v3/ip_pools/{POOL_A}", "form", "ip", "198.51.100.4", 200),
    Field("DELETE", f"/v3/ip_pools/{POOL_A}", "query", "pool_id", POOL_C, 200),
    Field("DELETE", f"/v3/ip_pools/{POOL_A}", "form", "pool_id", POOL_C, 200),
    Field("PATCH", f"/v3/ip_pools/{POOL_A}", "form", "add_ip", "198.51.100.4", 200),
    Field("PATCH", f"/v3/ip_pools/{POOL_A}", "form", "remove_ip", "198.51.100.3", 200),
    Field("PATCH", f"/v3/ip_pools/{POOL_A}", "form", "link_domain", "dom-1", 200),
    Field("PATCH", f"/v3/ip_pools/{POOL_A}", "form", "unlink_domain", "dom-2", 200),
    Field("PATCH", f"/v3/ip_pools/{POOL_A}", "form", "name", "renamed", 200, True),
    Field("PATCH", f"/v3/ip_pools/{POOL_A}", "form", "description", "new", 200, True),
    Field("GET", "/v3/ip_pools/{v}", "segment", "pool_id", POOL_A, 200, headers=only_account()),
    Field("PUT", f"/v3/ip_pools/{POOL_A}/ips/{{v}}", "segment", "ip", "198.51.100.4", 200),
    Field("DELETE", "/v3/domains/{v}/ips/all", "segment", "name", "example.com", 200),
    Field("DELETE", "/v3/domains/example.com/ips/{v}", "segment", "ip", "198.51.100.1", 200),
]
"""Every field of every route that takes text, and every path parameter."""


def escape(char: str, upper: bool) -> str:
    """``char`` percent-encoded, its hex digits in upper or lower case."""
    return "".join(f"%{byte:02X}" if upper else f"%{byte:02x}" for byte in char.encode())


@st.composite
def once_decoded(draw: st.DrawFn, value: str) -> str:
    """``value`` as a client that encoded it twice gets it across one decoding: some of its
    characters still percent-encoded (at least one)."""
    positions = draw(st.sets(st.integers(0, len(value) - 1), min_size=1))
    upper = draw(st.booleans())
    return "".join(escape(c, upper) if i in positions else c for i, c in enumerate(value))


def field_request(field: Field, value: str, *, in_path: bool = False) -> Request:
    """The request of ``field`` carrying ``value`` as received after one decoding; with
    ``in_path`` a query value travels encoded in the path's ``?query``."""
    headers = HEADERS if field.headers is None else field.headers
    pairs = {**(field.form or {}), field.name: value}
    if field.place == "segment":
        return Request(
            field.method, field.path.replace("{v}", quote(value, safe="")), headers=headers
        )
    if field.place == "form":
        return Request(field.method, field.path, headers=headers, form=pairs)
    if in_path:
        path = f"{field.path}?{field.name}={quote(value, safe='')}"
        return Request(field.method, path, headers=headers)
    return Request(field.method, field.path, headers=headers, query=pairs)


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f"{f.method} {f.path} {f.name}")
def test_k25_every_field_takes_its_plain_value(field: Field) -> None:
    """The values of the property below are ones the route takes as they are."""
    response = handle(engine(WORLD), field_request(field, field.value))
    assert response.status == field.status, response.body


@settings(max_examples=EXAMPLES, deadline=None)
@given(data=st.data(), field=st.sampled_from(FIELDS), in_path=st.booleans())
def test_k25_a_value_encoded_twice_is_taken_with_its_escapes(
    data: st.DataObject, field: Field, in_path: bool
) -> None:
    """K25: whatever field of whatever route a client encodes twice, the value reaches the
    rules as received after the one decoding, escapes included: an IP, a pool id, a domain id,
    a domain name or a keyword is then refused naming that text (400 or 404), and free text is
    stored as received."""
    value = data.draw(once_decoded(field.value))
    eng = engine(WORLD)
    response = handle(eng, field_request(field, value, in_path=in_path))
    if field.literal:
        assert response.status == 200, response.body
        pool_id = NEW_IDS[0] if field.method == "POST" else POOL_A
        stored = eng.state.pool(pool_id)
        assert stored is not None
        assert getattr(stored, field.name) == value
        return
    assert response.status in (400, 404)
    assert repr(value) in response.body["message"]
    assert eng.state.world() == WORLD
    assert eng.state.pending == ()


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    method=st.one_of(
        st.text(max_size=8),
        st.lists(
            st.sampled_from(["p", "P", "o", "O", "s", "S", "\u017f", "t", "T"]), max_size=5
        ).map("".join),
    )
)
@example(method="gEt")
@example(method="pO\u017ft")
@example(method="post")
def test_k25_methods_fold_case_in_ascii_only(method: str) -> None:
    """K25, K2: a method matches whatever its ASCII letter case, and only ASCII letters fold:
    ``po\u017ft`` (with the long s, which Python upper-cases to ``S``) is not POST. A GET in
    any case is 3.11 (K19), which takes no form field."""
    response, eng = send(method, "/v3/ip_pools", headers=only_account(), form=CREATE)
    folded = method.upper() if method.isascii() else None
    if folded == "POST":
        assert response.status == 200, response.body
        return
    if folded == "GET":
        assert response.status == 400
        assert response.body["message"] == "form field 'name' is not taken by GET /v3/ip_pools"
    else:
        assert response.status == 405
    assert eng.state.world() == WORLD


# -- K26: invalid text -------------------------------------------------------------------------

surrogates = st.integers(0xD800, 0xDFFF).map(chr)
PARTS = [
    "method",
    "path",
    "header name",
    "header value",
    "query name",
    "query value",
    "form name",
    "form value",
    "JSON string",
    "JSON key",
]


@st.composite
def spoiled(draw: st.DrawFn, text: str) -> str:
    """``text`` with one lone surrogate inserted somewhere."""
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(surrogates) + text[at:]


@st.composite
def spoiled_pairs(
    draw: st.DrawFn, pairs: tuple[tuple[str, str], ...], in_name: bool
) -> tuple[tuple[tuple[str, str], ...], str]:
    """``pairs`` with a lone surrogate in one name or value (a pair added when there is
    none), and the name of that pair."""
    listed = list(pairs) or [("ip", "198.51.100.4")]
    index = draw(st.integers(0, len(listed) - 1))
    name, value = listed[index]
    if in_name:
        name = draw(spoiled(name))
    else:
        value = draw(spoiled(value))
    listed[index] = (name, value)
    return tuple(listed), name


@st.composite
def spoiled_json(draw: st.DrawFn, body: Any, as_key: bool) -> Any:
    """``body`` with a lone surrogate in a string or a key somewhere in it."""
    bad = draw(spoiled(draw(st.text(max_size=4))))
    if as_key:
        return {bad: body}
    if isinstance(body, dict) and isinstance(body.get("ips"), list):
        ips = list(body["ips"])
        ips.insert(draw(st.integers(0, len(ips))), bad)
        return {**body, "ips": ips}
    return [body, bad] if draw(st.booleans()) else {"ips": bad, "other": body}


@st.composite
def invalid_requests(draw: st.DrawFn) -> tuple[Request, str]:
    """A request of any shape with one lone surrogate in one part, and the part as the answer
    names it."""
    request = draw(requests())
    part = draw(st.sampled_from(PARTS))
    if part == "method":
        return attrs.evolve(request, method=draw(spoiled(request.method))), "the method"
    if part == "path":
        return attrs.evolve(request, path=draw(spoiled(request.path))), "the path"
    if part.startswith("JSON"):
        body = draw(spoiled_json(request.json, part == "JSON key"))
        return attrs.evolve(request, json=body), "the JSON body"
    kind, which = part.split(" ")
    attribute = {"header": "headers", "query": "query", "form": "form"}[kind]
    place = {"header": "header", "query": "query parameter", "form": "form field"}[kind]
    pairs, name = draw(spoiled_pairs(getattr(request, attribute), which == "name"))
    where = f"a {place} name" if which == "name" else f"the value of {place} {name!r}"
    return with_pairs(request, attribute, pairs), where


def with_pairs(request: Request, attribute: str, pairs: Any) -> Request:
    """``request`` with its ``headers``, ``query`` or ``form`` replaced by ``pairs``."""
    if attribute == "headers":
        return attrs.evolve(request, headers=pairs)
    if attribute == "query":
        return attrs.evolve(request, query=pairs)
    return attrs.evolve(request, form=pairs)


@settings(max_examples=EXAMPLES, deadline=None)
@given(case=invalid_requests())
def test_k26_a_lone_surrogate_anywhere_is_400_before_anything_else(
    case: tuple[Request, str],
) -> None:
    """K26, K1: a lone surrogate in the method, the path, a header name or value, a query or
    form name or value, or a string or key of the JSON body is 400 naming that part, whatever
    else is wrong with the request (route, headers, fields); nothing changes."""
    request, where = case
    eng = engine(WORLD)
    response = handle(eng, request)
    assert response == Response(400, {"message": f"{where} {INVALID}"})
    assert response.outcome is None
    assert eng.state.world() == WORLD
    assert eng.state.pending == ()


def test_k26_a_surrogate_pair_escape_is_valid_text() -> None:
    """K26: ``"\\ud83d\\ude00"`` in JSON is one valid character (a pair), not two lone
    surrogates: the request is judged on its merits."""
    import json

    body = json.loads('{"ips": ["\\ud83d\\ude00"]}')
    response, _ = send("POST", f"/v3/ip_pools/{POOL_A}/ips.json", json=body)
    assert response.body == {"message": "IP '\U0001f600' is not a valid IP address"}


@pytest.mark.parametrize(
    ("request_", "where"),
    [
        (Request("GET", f"/v3/ip_pools/{POOL_A}\ud800"), "the path"),
        (Request("GET", "/v3/ip_pools?x=\udfff"), "the path"),
        (
            Request("DELETE", UNLINK, headers=[*HEADERS.items(), ("X-Note", "\ud800")]),
            "the value of header 'X-Note'",
        ),
        (
            Request("DELETE", UNLINK, headers=HEADERS, query={"ip": "\udc00"}),
            "the value of query parameter 'ip'",
        ),
        (
            Request("PATCH", f"/v3/ip_pools/{POOL_A}", headers=HEADERS, form={"name": "a\ud800b"}),
            "the value of form field 'name'",
        ),
        (
            Request(
                "POST", f"/v3/ip_pools/{POOL_A}/ips.json", headers=HEADERS, json={"ips": ["\ud800"]}
            ),
            "the JSON body",
        ),
    ],
)
def test_k26_examples(request_: Request, where: str) -> None:
    """K26: one example per part; a header the route does not read counts too."""
    eng = engine(WORLD)
    assert handle(eng, request_) == Response(400, {"message": f"{where} {INVALID}"})
    assert eng.state.world() == WORLD


# -- K26: bounded echoes -----------------------------------------------------------------------

BOUND = 2 * (10 * 100 + 5) + 300
"""The longest message: two echoed values, each at most 100 characters shown in at most 10
characters each (``\\U0010ffff``) with its quotes and ``...``, and the words around them."""

long_texts = st.tuples(st.text(min_size=1, max_size=6), st.integers(1, 20_000)).map(
    lambda pair: (pair[0] * pair[1])[: pair[1]]
)
"""Texts of any length up to 20,000 characters, non-printable ones included."""


@st.composite
def long_requests(draw: st.DrawFn) -> Request:
    """A request of any shape with a long text put in, or added to, one of its parts."""
    request = draw(requests())
    text = draw(long_texts)
    if draw(st.booleans()):  # grow a part that holds a sensible value
        text = draw(st.sampled_from([POOL_A, "198.51.100.4", "example.com", "acct-1", ""])) + text
    part = draw(st.sampled_from(["method", "segment", "query", "form", "header", "json"]))
    if part == "method":
        return attrs.evolve(request, method=text)
    if part == "segment":
        head, _, tail = request.path.partition("?")
        segments = head.split("/")
        segments[draw(st.integers(1, len(segments) - 1))] = quote(text, safe="")
        return attrs.evolve(request, path="/".join(segments) + ("?" + tail if tail else ""))
    if part == "json":
        body = draw(
            st.sampled_from([{"ips": [text]}, {text: 1}, {"ips": ["198.51.100.4", [text]]}])
        )
        return attrs.evolve(request, json=body)
    attribute = {"query": "query", "form": "form", "header": "headers"}[part]
    pairs = list(getattr(request, attribute))
    if part == "header":
        name = draw(st.sampled_from(list(HEADERS)))
        pairs = [(n, v) for n, v in pairs if n.lower() != name.lower()] + [(name, text)]
    else:
        name = draw(st.sampled_from(["ip", "pool_id", "name", "add_ip", "link_domain", text]))
        pairs.append((name, text))
    return with_pairs(request, attribute, pairs)


@settings(max_examples=EXAMPLES, deadline=None)
@given(request=long_requests())
def test_k26_no_error_message_grows_with_the_input(request: Request) -> None:
    """K26, C4: whatever value of whatever length sits in whatever part of a request, an error
    message stays within a fixed length: each echoed value is cut to 100 characters."""
    response = handle(engine(WORLD), request)
    assert response.status in STATUSES
    assert len(response.body.get("message", "")) <= BOUND


def test_k26_a_long_value_is_cut_to_100_characters_marked_with_dots() -> None:
    """K26: a 1 MB pool id is shown as its first 100 characters, quoted, then ``...``."""
    pool_id = "f" * 1_000_000
    response, _ = send("GET", f"/v3/ip_pools/{pool_id}", headers=only_account())
    assert response == Response(404, {"message": f"DIPP '{'f' * 100}'... not found"})
