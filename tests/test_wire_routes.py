"""Routing: unknown paths are 404, known paths with another method 405, and every path segment
is percent-decoded once before it is matched (K1, K2, C6)."""

from __future__ import annotations

import attrs
import pytest

from ippools import DomainUpdate
from ippools.wire import Response
from ippools.wire.routes import ROUTES, Param, Route, domain_target, match
from tests.support import POOL_A, POOL_B, ips
from tests.test_wire import DOM_1, WORLD, A, refused, replaced, send

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "BREW", ""]

UNKNOWN_PATHS = [
    "",
    "v3/ip_pools",
    "/",
    "//",
    "/v3",
    "/v3/",
    "/v3/ip_pools/",
    "//v3/ip_pools",
    "/v3//ip_pools",
    f"/v3/ip_pools/{POOL_A}/",
    f"/v3/ip_pools/{POOL_A}/ips",
    f"/v3/ip_pools/{POOL_A}/ips/",
    f"/v3/ip_pools/{POOL_A}/ips/198.51.100.4/",
    f"/v3/ip_pools/{POOL_A}/ips.json/",
    f"/v3/ip_pools/{POOL_A}/ips.JSON",
    f"/v3/ip_pools/{POOL_A}/ips.json.",
    "/v3/ip_pools//ips/198.51.100.4",
    "/v3/ip_pools//ips.json",
    f"/v3/ip_pools%2F{POOL_A}",
    f"/v3%2Fip_pools/{POOL_A}",
    "/v3/%2569p_pools",
    "/V3/ip_pools",
    "/v3/IP_POOLS",
    "/v3/ip-pools",
    " /v3/ip_pools",
    "/v3/ip_pools ",
    "/v4/ip_pools",
    "/v3/ip_pools/x/y/z",
    f"/v3/ip_pools/{POOL_A}/domains/",
    f"/v3/ip_pools/{POOL_A}/delegate/",
    f"/v3/ip_pools/{POOL_A}/DOMAINS",
    "/v3/ip_pools//domains",
    "/v3/ip_pools//delegate",
    "/v3/domains",
    "/v3/domains/example.com",
    "/v3/domains/example.com/ips/",
    "/v3/domains//ips",
    "/v3/domains/example.com/pool",
    "/v3/domains/example.com/pool/",
    "/v3/domains/example.com/ips/all/",
    "/v3/domains//ips/all",
    "/v3/domains/example.com//all",
    "/v3/domains/example.com/IPS/all",
    "/v3/domains/example.com/pools/all",
    "/v4/domains/example.com/ips",
    "/v4/domains/example.com/ips/198.51.100.1",
    "/v3/domains/example.com/ips/198.51.100.1/extra",
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("path", UNKNOWN_PATHS)
def test_unknown_path_is_not_found_whatever_the_method(method: str, path: str) -> None:
    """K1: a path that no route fits, a trailing slash or an empty segment included, is 404
    naming the path, for every method and before any header is read."""
    response, eng = send(method, path, headers={})
    refused(response, eng, 404, f"no route for path {path!r}")


def test_not_found_names_the_path_without_its_query() -> None:
    """K1: the 404 names the path as sent, without the query string."""
    response, eng = send("GET", "/v3/ip_pools/?ip=1", headers={})
    refused(response, eng, 404, "no route for path '/v3/ip_pools/'")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/v3/ip_pools", "GET, POST"),
        ("PATCH", "/v3/ip_pools", "GET, POST"),
        ("DELETE", "/v3/ip_pools", "GET, POST"),
        ("HEAD", "/v3/ip_pools", "GET, POST"),
        ("POST", f"/v3/ip_pools/{POOL_A}/domains", "GET"),
        ("DELETE", f"/v3/ip_pools/{POOL_A}/domains", "GET"),
        ("GET", f"/v3/ip_pools/{POOL_A}/delegate", "DELETE, PUT"),
        ("POST", f"/v3/ip_pools/{POOL_A}/delegate", "DELETE, PUT"),
        ("PATCH", f"/v3/ip_pools/{POOL_A}/delegate", "DELETE, PUT"),
        ("PUT", "/v3/domains/example.com/ips", "GET, POST"),
        ("DELETE", "/v3/domains/example.com/ips", "GET, POST"),
        ("POST", f"/v3/ip_pools/{POOL_A}", "DELETE, GET, PATCH"),
        ("PUT", f"/v3/ip_pools/{POOL_A}", "DELETE, GET, PATCH"),
        ("OPTIONS", f"/v3/ip_pools/{POOL_A}", "DELETE, GET, PATCH"),
        ("GET", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.4", "DELETE, PUT"),
        ("POST", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.4", "DELETE, PUT"),
        ("PATCH", f"/v3/ip_pools/{POOL_A}/ips/198.51.100.4", "DELETE, PUT"),
        ("GET", f"/v3/ip_pools/{POOL_A}/ips.json", "POST"),
        ("PUT", f"/v3/ip_pools/{POOL_A}/ips.json", "POST"),
        ("DELETE", f"/v3/ip_pools/{POOL_A}/ips.json", "POST"),
        ("GET", "/v3/domains/example.com/ips/all", "DELETE"),
        ("POST", "/v3/domains/example.com/ips/198.51.100.1", "DELETE"),
        ("PUT", "/v3/domains/example.com/pool/ip_pool", "DELETE"),
        ("GET", "/v3/domains/example.com/pool/NOT-AN-IP", "DELETE"),
        ("BREW", "/v3/ip_pools", "GET, POST"),
        ("", "/v3/ip_pools", "GET, POST"),
        (" POST", "/v3/ip_pools", "GET, POST"),
        ("POST ", "/v3/ip_pools", "GET, POST"),
        ("po\u017ft", "/v3/ip_pools", "GET, POST"),
        ("\u0440ost", "/v3/ip_pools", "GET, POST"),
    ],
)
def test_known_path_with_another_method_is_not_allowed(
    method: str, path: str, allowed: str
) -> None:
    """K1, K2: a known path with a method it does not take is 405 naming the method, the path
    and the methods allowed, before any header is read; only ASCII letters fold case, so
    ``po\u017ft`` (long s) is not POST."""
    response, eng = send(method, path, headers={})
    message = f"method {method!r} is not allowed for path {path!r}; allowed: {allowed}"
    refused(response, eng, 405, message)


@pytest.mark.parametrize("method", ["post", "Post", "pOsT"])
def test_methods_match_case_insensitively(method: str) -> None:
    """K2: ``post`` is POST."""
    form = {"name": "n", "description": "d"}
    response, _ = send(method, "/v3/ip_pools", form=form)
    assert response.status == 200


@pytest.mark.parametrize("method", ["delete", "Delete", "dElEtE"])
def test_delete_matches_case_insensitively_on_a_domain_route(method: str) -> None:
    """K2: ``delete`` is DELETE on the domain routes as well."""
    response, eng = send(method, "/v3/domains/example.com/ips/198.51.100.1")
    assert response == Response(200, {"message": "success"})
    assert eng.state.world() == replaced(
        WORLD, domains=[attrs.evolve(DOM_1, ips=ips("198.51.100.2"))]
    )


@pytest.mark.parametrize(
    "path",
    [
        "/%76%33/%69%70%5F%70%6F%6F%6C%73",
        "/v3/%69p_pools",
        "/v3/ip%5fpools",
        "/%763/ip_pools",
    ],
)
def test_literals_match_after_percent_decoding(path: str) -> None:
    """K2, C6: path literals such as ``v3`` and ``ip_pools`` match however they are encoded."""
    response, _ = send("POST", path, form={"name": "n", "description": "d"})
    assert response.status == 200


@pytest.mark.parametrize(
    "suffix", ["ips%2Ejson", "ips%2ejson", "%69ps.json", "%69%70%73%2E%6A%73%6F%6E"]
)
def test_ips_json_matches_after_percent_decoding(suffix: str) -> None:
    """K2: ``ips.json`` matches after decoding; the request reaches 3.10."""
    path = f"/v3/ip_pools/{POOL_A}/{suffix}"
    response, eng = send("POST", path, json={"ips": ["198.51.100.4"]})
    assert response == Response(200, {"message": "started"})
    assert eng.state.world() == replaced(
        WORLD, pools=[attrs.evolve(A, ips=A.ips | ips("198.51.100.4"))]
    )


@pytest.mark.parametrize("keyword", ["%61ll", "%61%6C%6C"])
def test_keywords_match_after_percent_decoding(keyword: str) -> None:
    """K2: an encoded ``all`` decodes to the lower-case keyword."""
    response, eng = send("DELETE", f"/v3/domains/example.com/pool/{keyword}")
    assert response == Response(200, {"message": "success"})
    assert eng.state.world() == replaced(WORLD, drop_domains=["dom-1"])


def test_segments_are_decoded_only_once() -> None:
    """C6: ``%2561ll`` decodes to ``%61ll``, which is neither a keyword nor an IP."""
    response, eng = send("DELETE", "/v3/domains/example.com/ips/%2561ll")
    refused(response, eng, 400, "path segment '%61ll' is not an IP address, 'all' or 'ip_pool'")


def test_escapes_that_are_not_utf8_name_no_domain() -> None:
    """C6, K2, our decision: a path segment whose escapes do not decode to UTF-8 decodes
    with U+FFFD in their place, a name that cannot be a domain: unknown (404)."""
    response, eng = send("GET", "/v3/domains/%ED%A0%80.example/ips")
    refused(response, eng, 404, "domain '\ufffd\ufffd\ufffd.example' not found")


def test_encoded_slash_stays_inside_its_segment() -> None:
    """C6: ``%2F`` does not split the path: it is part of the DIPP id, which is not found."""
    response, eng = send("GET", "/v3/ip_pools/a%2Fb", headers={"X-Mailgun-Account-Id": "acct-1"})
    refused(response, eng, 404, "DIPP 'a/b' not found")


@pytest.mark.parametrize(
    "segment",
    ["2001:db8::3", "2001%3Adb8%3A%3A3", "2001%3adb8%3a%3a3", "2001:DB8::3", "2001:0db8:0:0::3"],
)
def test_ipv6_in_a_pool_path_raw_or_encoded(segment: str) -> None:
    """C6, C5: an IPv6 ``{ip}`` segment is taken raw or percent-encoded, in any valid form."""
    response, eng = send("PUT", f"/v3/ip_pools/{POOL_A}/ips/{segment}")
    assert response == Response(200, {"message": "started"})
    grown = attrs.evolve(A, ips=A.ips | ips("2001:db8::3"))
    assert eng.state.world() == replaced(WORLD, pools=[grown])
    assert eng.state.pending == (DomainUpdate("dom-2"),)


@pytest.mark.parametrize("segment", ["2001:db8::2", "2001%3Adb8%3A%3A2"])
def test_ipv6_removed_from_a_pool_raw_or_encoded(segment: str) -> None:
    """C6: DELETE ips/{ip} with an IPv6 segment, raw or encoded."""
    response, eng = send("DELETE", f"/v3/ip_pools/{POOL_A}/ips/{segment}")
    assert response == Response(200, {"message": "started"})
    assert eng.state.world() == replaced(WORLD, pools=[attrs.evolve(A, ips=ips("198.51.100.3"))])


@pytest.mark.parametrize("segment", ["2001:db8::1", "2001%3Adb8%3A%3A1", "2001:db8:0::1"])
def test_ipv6_in_a_domain_path_raw_or_encoded(segment: str) -> None:
    """C6, 3.1: an IPv6 ``{ip}`` on a domain route chooses 3.1, raw or encoded. (The domain
    here does not hold it: 404 from the rules, which shows the segment was read as an IP.)"""
    response, eng = send("DELETE", f"/v3/domains/example.com/ips/{segment}")
    refused(response, eng, 404, "IP 2001:db8::1 is not an IP of domain 'example.com'")


def test_scope_suffix_in_an_ip_segment_is_refused() -> None:
    """C5, C6: ``fe80::1%25eth0`` decodes once to ``fe80::1%eth0``, not an IP: 400."""
    response, eng = send("DELETE", "/v3/domains/example.com/ips/fe80::1%25eth0")
    refused(
        response, eng, 400, "path segment 'fe80::1%eth0' is not an IP address, 'all' or 'ip_pool'"
    )


def test_query_string_in_the_path_is_parsed() -> None:
    """K1: a ``?query`` carried by the raw path is read like the explicit query."""
    response, eng = send("DELETE", f"/v3/ip_pools/{POOL_B}?pool_id={POOL_A}")
    assert response == Response(200, {"message": "started"})
    assert eng.state.world() == replaced(WORLD, drop_pools=[POOL_B])


def test_path_query_and_explicit_query_count_together() -> None:
    """C9: the same field in the path's query and in the explicit query is given twice."""
    response, eng = send(
        "DELETE", f"/v3/ip_pools/{POOL_B}?pool_id={POOL_A}", query={"pool_id": "x"}
    )
    refused(response, eng, 400, "query parameter 'pool_id' may be given only once")


# -- the table as data ----------------------------------------------------------------------


def test_route_table_holds_exactly_the_routes_of_the_contract() -> None:
    """§9 (K19): the route table after version 2, with the methods of each path."""
    table = [(route.template, route.methods) for route in ROUTES]
    assert table == [
        ("/v3/domains/{name}/ips/{ip}", ("DELETE",)),
        ("/v3/domains/{name}/pool/{ip}", ("DELETE",)),
        ("/v3/domains/{name}/ips", ("GET", "POST")),
        ("/v3/ip_pools", ("GET", "POST")),
        ("/v3/ip_pools/{pool_id}", ("DELETE", "GET", "PATCH")),
        ("/v3/ip_pools/{pool_id}/ips/{ip}", ("DELETE", "PUT")),
        ("/v3/ip_pools/{pool_id}/ips.json", ("POST",)),
        ("/v3/ip_pools/{pool_id}/domains", ("GET",)),
        ("/v3/ip_pools/{pool_id}/delegate", ("DELETE", "PUT")),
    ]


def test_audit_headers_are_read_by_every_mutating_route_but_create() -> None:
    """C2, §9: every endpoint reads the audit headers except POST /v3/ip_pools and the reads."""
    unaudited = [
        (endpoint.method, route.template)
        for route in ROUTES
        for endpoint in route.endpoints
        if not endpoint.audited
    ]
    assert unaudited == [
        ("GET", "/v3/domains/{name}/ips"),
        ("GET", "/v3/ip_pools"),
        ("POST", "/v3/ip_pools"),
        ("GET", "/v3/ip_pools/{pool_id}"),
        ("GET", "/v3/ip_pools/{pool_id}/domains"),
    ]


def test_fields_of_every_endpoint() -> None:
    """C8, C9, K5, D3, D5: which fields each endpoint takes where, and which repeat."""
    table = {
        (endpoint.method, route.template): (
            sorted(endpoint.query),
            sorted(endpoint.form),
            sorted(endpoint.repeatable),
            endpoint.json,
        )
        for route in ROUTES
        for endpoint in route.endpoints
    }
    domain: tuple[list[str], list[str], list[str], bool]
    domain = (["ip", "pool_id"], [], [], False)
    lists = ["add_ip", "link_domain", "remove_ip", "unlink_domain"]
    revoke = ["ip", "pool_id", "subaccount_id"]
    assert table == {
        ("DELETE", "/v3/domains/{name}/ips/{ip}"): domain,
        ("DELETE", "/v3/domains/{name}/pool/{ip}"): domain,
        ("POST", "/v3/ip_pools"): (
            [],
            ["description", "ip", "ips", "name"],
            ["ip", "ips"],
            False,
        ),
        ("GET", "/v3/ip_pools/{pool_id}"): ([], [], [], False),
        ("DELETE", "/v3/ip_pools/{pool_id}"): (
            ["ip", "pool_id"],
            ["ip", "pool_id"],
            [],
            False,
        ),
        ("PATCH", "/v3/ip_pools/{pool_id}"): (
            [],
            sorted(["description", "name", *lists]),
            lists,
            False,
        ),
        ("PUT", "/v3/ip_pools/{pool_id}/ips/{ip}"): ([], [], [], False),
        ("DELETE", "/v3/ip_pools/{pool_id}/ips/{ip}"): ([], [], [], False),
        ("POST", "/v3/ip_pools/{pool_id}/ips.json"): ([], [], [], True),
        ("GET", "/v3/domains/{name}/ips"): ([], [], [], False),
        ("POST", "/v3/domains/{name}/ips"): ([], ["ip", "pool_id"], [], False),
        ("GET", "/v3/ip_pools"): ([], [], [], False),
        ("GET", "/v3/ip_pools/{pool_id}/domains"): (["limit", "page"], [], [], False),
        ("PUT", "/v3/ip_pools/{pool_id}/delegate"): ([], ["subaccount_id"], [], False),
        ("DELETE", "/v3/ip_pools/{pool_id}/delegate"): (revoke, revoke, [], False),
    }


def test_match_binds_parameters_and_refuses_empty_ones() -> None:
    """C6: ``match`` binds decoded parameters; an empty parameter segment fits no route."""
    found = match(("v3", "ip_pools", POOL_A, "ips", "2001:db8::1"))
    assert found is not None
    route, params = found
    assert route.template == "/v3/ip_pools/{pool_id}/ips/{ip}"
    assert params == {"pool_id": POOL_A, "ip": "2001:db8::1"}
    assert match(("v3", "ip_pools", "", "ips", "x")) is None
    assert match(("v3", "domains", "a/b", "pool", "all")) is not None


@pytest.mark.parametrize("text", ["all", "ip_pool", "198.51.100.1", "::1", "::ffff:198.51.100.1"])
def test_domain_target_takes_keywords_and_ips(text: str) -> None:
    """3 (domain routes): ``{ip}`` is ``all``, ``ip_pool`` or an IP."""
    domain_target(text)


def test_route_template_prints_parameters_in_braces() -> None:
    """The template of a route names its parameters as the contract writes them."""
    route = Route(("v3", Param("x"), "y"), ())
    assert route.template == "/v3/{x}/y"
    assert route.methods == ()
    assert route.endpoint("GET") is None
