"""The requests of the two official clients, exactly as they send them, get the contract's
answers (D3, D5, C6, K3, K5, K25).

The shapes are those recorded from mailgun.js 14.0.1 and the Python SDK ``mailgun`` 1.10.0:
``Authorization`` on every request, mailgun.js's urlencoded ``Content-Type`` even without a
body, multipart or urlencoded bodies as repeated form pairs, raw or percent-encoded IPv6 in
paths, and mailgun.js's double-encoded IPv6 replacement (which K25 refuses, as the real API
does). The identity and audit headers are the ones the platform's gateway adds in front of
the service.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from ippools import Domain, DomainUpdate, SubaccountUpdate
from ippools.wire import Response
from tests.support import NEW_IDS, POOL_A, POOL_B, POOL_C, ips, pool
from tests.test_wire import DOM_1, DOM_2, HEADERS, WORLD, A, refused, replaced, send

AUTHORIZATION = ("Authorization", "Basic YXBpOmtleS0xMjM0NQ==")
URLENCODED = ("Content-Type", "application/x-www-form-urlencoded")
MULTIPART = ("Content-Type", "multipart/form-data; boundary=----mailgunjs")
JSON = ("Content-Type", "application/json")

JS = [*HEADERS.items(), AUTHORIZATION, URLENCODED]
"""mailgun.js without a body or with a urlencoded one: it claims a urlencoded body always."""
JS_MULTIPART = [*HEADERS.items(), AUTHORIZATION, MULTIPART]
JS_JSON = [*HEADERS.items(), AUTHORIZATION, JSON]
PY = [*HEADERS.items(), AUTHORIZATION]
"""The Python SDK without a body."""
PY_FORM = [*PY, URLENCODED]


def js(method: str, path: str, **kwargs: Any) -> Any:
    """Send as mailgun.js does: its headers unless others are given."""
    kwargs.setdefault("headers", JS)
    return send(method, path, **kwargs)


# -- the version 2 routes the clients call (§9) -----------------------------------------------


def _listed(pool_id: str, ips: list[str], *, linked: bool) -> dict[str, Any]:
    return {
        "description": "a pool",
        "ips": ips,
        "is_inherited": False,
        "is_linked": linked,
        "name": "pool",
        "pool_id": pool_id,
    }


@pytest.mark.parametrize("headers", [JS, PY])
def test_listing_pools_lists_every_visible_pool(headers: list[tuple[str, str]]) -> None:
    """K19, 3.11: ``ip_pools.list()`` / ``ippools.get()`` send GET /v3/ip_pools: every DIPP
    of the account by pool id; C is linked through its subaccount's domain (owner view)."""
    response, eng = send("GET", "/v3/ip_pools", headers=headers)
    items = [
        _listed(POOL_A, ["198.51.100.3", "2001:db8::2"], linked=True),
        _listed(POOL_B, [], linked=False),
        _listed(POOL_C, ["2001:db8::1"], linked=True),
    ]
    assert response == Response(200, {"ip_pools": items, "message": "success"})
    assert eng.state.world() == WORLD


def test_js_linked_domains_pages_with_tokens() -> None:
    """3.12: ``ip_pools.linkedDomains(id, {limit})`` gets a page and its paging links; the
    SDK's numeric ``page=1`` is not a page token (one base64url character decodes to
    nothing): 400 naming it."""
    response, _ = js("GET", f"/v3/ip_pools/{POOL_C}/domains?limit=10")
    first = f"/v3/ip_pools/{POOL_C}/domains?limit=10"
    body = {
        "domains": [{"id": "dom-4", "name": "sub.example"}],
        "paging": {"first": first, "next": first + "&page=ZG9tLTQ"},
    }
    assert response == Response(200, body)
    response, eng = js("GET", f"/v3/ip_pools/{POOL_C}/domains?limit=10&page=1")
    refused(response, eng, 400, "page '1' is not a page token")


def test_js_delegate_and_revoke_send_multipart_subaccount_id() -> None:
    """3.13, 3.14: ``delegate`` and ``revokeDelegation`` send ``subaccount_id`` in a multipart
    body, on PUT and on DELETE alike; a revocation whose subaccount has a linked domain needs
    a replacement (3.14.5)."""
    form = {"subaccount_id": "sub-1"}
    response, eng = js("PUT", f"/v3/ip_pools/{POOL_A}/delegate", headers=JS_MULTIPART, form=form)
    assert response == Response(200, {"message": "success"})
    delegated = attrs.evolve(A, delegated_to=frozenset({"sub-1"}))
    assert eng.state.world() == replaced(WORLD, pools=[delegated])
    response, fresh = js(
        "DELETE", f"/v3/ip_pools/{POOL_C}/delegate", headers=JS_MULTIPART, form=form
    )
    message = (
        f"1 domain(s) of subaccount 'sub-1' are linked to DIPP {POOL_C!r}; give ip=shared or "
        "pool_id"
    )
    refused(response, fresh, 400, message)
    form_with_pool = {**form, "pool_id": POOL_A}
    response, eng = js(
        "DELETE",
        f"/v3/ip_pools/{POOL_C}/delegate",
        headers=JS_MULTIPART,
        form=form_with_pool,
        eng=eng,
    )
    assert response == Response(200, {"message": "success"})
    revoked = attrs.evolve(pool(POOL_C, ip_texts=["2001:db8::1"]))
    moved = Domain("dom-4", "sub.example", "sub-1", POOL_A, delegated.ips)
    assert eng.state.world() == replaced(WORLD, pools=[delegated, revoked], domains=[moved])
    assert eng.state.pending == ()


def test_js_domain_ips_get_assign_and_link() -> None:
    """3.15, 3.16: ``domains.getIps``, ``assignIp`` (synchronous) and ``linkIpPool`` (one
    domain update) with mailgun.js's multipart bodies."""
    response, eng = js("GET", "/v3/domains/example.com/ips")
    assert response == Response(200, {"items": ["198.51.100.1", "198.51.100.2"], "total_count": 2})
    response, eng = js(
        "POST",
        "/v3/domains/example.com/ips",
        headers=JS_MULTIPART,
        form={"ip": "198.51.100.4"},
        eng=eng,
    )
    assert response == Response(200, {"message": "success"})
    grown = attrs.evolve(DOM_1, ips=ips("198.51.100.1", "198.51.100.2", "198.51.100.4"))
    assert eng.state.world() == replaced(WORLD, domains=[grown])
    response, eng = js(
        "POST",
        "/v3/domains/example.com/ips",
        headers=JS_MULTIPART,
        form={"pool_id": POOL_A},
        eng=eng,
    )
    assert response == Response(200, {"message": "success"})
    assert eng.state.pending == (DomainUpdate("dom-1"),)
    response, _ = js("GET", "/v3/domains/example.com/ips", eng=eng)
    assert response == Response(200, {"items": ["198.51.100.3", "2001:db8::2"], "total_count": 2})


@pytest.mark.parametrize(
    ("method", "path", "headers", "form"),
    [
        ("GET", "/v4/domains/example.com/ips", PY, None),
        ("POST", "/v4/domains/example.com/ips", PY_FORM, {"ip": "198.51.100.4"}),
        ("DELETE", "/v4/domains/example.com/ips/198.51.100.1", PY, None),
    ],
)
def test_routes_outside_the_contract_are_not_found(
    method: str, path: str, headers: list[tuple[str, str]], form: dict[str, str] | None
) -> None:
    """K1: the SDK's ``/v4`` domain IPs are no route here: 404 naming the path."""
    response, eng = send(method, path, headers=headers, form=form)
    refused(response, eng, 404, f"no route for path {path.partition('?')[0]!r}")


# -- mailgun.js ------------------------------------------------------------------------------


def test_js_get_pool_with_a_spurious_content_type() -> None:
    """K5: ``ip_pools.get(id)`` claims a urlencoded body on GET; the empty body is fine."""
    response, _ = js("GET", f"/v3/ip_pools/{POOL_C}")
    details = {
        "description": "a pool",
        "ips": ["2001:db8::1"],
        "is_linked": True,
        "linked_domains": ["sub.example"],
        "name": "pool",
        "pool_id": POOL_C,
    }
    assert response == Response(200, {"details": details, "message": "success"})


def test_js_create_pool_sends_ips_repeated_in_multipart() -> None:
    """D3: ``ip_pools.create({name, description, ips})`` sends ``ips`` repeated: accepted."""
    form = [
        ("name", "transactional"),
        ("description", "receipts"),
        ("ips", "198.51.100.4"),
        ("ips", "2001:db8::3"),
    ]
    response, eng = js("POST", "/v3/ip_pools", headers=JS_MULTIPART, form=form)
    assert response == Response(200, {"message": "success", "pool_id": NEW_IDS[0]})
    created = pool(
        NEW_IDS[0],
        name="transactional",
        description="receipts",
        ip_texts=["198.51.100.4", "2001:db8::3"],
    )
    assert eng.state.world() == replaced(WORLD, pools=[created])
    assert eng.state.pending == ()


def test_js_update_pool_sends_repeated_parts() -> None:
    """C9, 3.7: ``ip_pools.update`` sends repeated multipart parts; every one counts."""
    form = [
        ("name", "renamed"),
        ("description", "new"),
        ("add_ip", "198.51.100.4"),
        ("add_ip", "2001:db8::3"),
        ("remove_ip", "198.51.100.3"),
        ("link_domain", "dom-1"),
        ("unlink_domain", "dom-2"),
    ]
    response, eng = js("PATCH", f"/v3/ip_pools/{POOL_A}", headers=JS_MULTIPART, form=form)
    assert response == Response(200, {"message": "success"})
    edited = attrs.evolve(
        A, name="renamed", description="new", ips=ips("198.51.100.4", "2001:db8::2", "2001:db8::3")
    )
    unlinked = attrs.evolve(DOM_2, pool_id=None)
    linked = attrs.evolve(DOM_1, pool_id=POOL_A)
    assert eng.state.world() == replaced(WORLD, pools=[edited], domains=[linked, unlinked])
    assert eng.state.pending == (DomainUpdate("dom-1"),)
    assert eng.settle() == 1
    settled = attrs.evolve(linked, ips=edited.ips)
    assert eng.state.world() == replaced(WORLD, pools=[edited], domains=[settled, unlinked])


def test_js_destroy_pool_sends_the_replacement_ip_in_a_urlencoded_body() -> None:
    """D5: ``ip_pools.destroy(id, {ip})`` puts the replacement in the body: accepted."""
    response, eng = js("DELETE", f"/v3/ip_pools/{POOL_A}", form={"ip": "198.51.100.4"})
    assert response == Response(200, {"message": "started"})
    assert eng.state.pending == (DomainUpdate("dom-2"),)
    assert eng.settle() == 1
    unlinked = attrs.evolve(DOM_2, pool_id=None, ips=ips("198.51.100.4"))
    assert eng.state.world() == replaced(WORLD, drop_pools=[POOL_A], domains=[unlinked])


def test_js_destroy_pool_sends_the_replacement_pool_in_a_urlencoded_body() -> None:
    """D5, D6: ``ip_pools.destroy(id, {pool_id})``: the delegated DIPP is replaced by another."""
    response, eng = js("DELETE", f"/v3/ip_pools/{POOL_C}", form={"pool_id": POOL_A})
    assert response == Response(200, {"message": "started"})
    assert eng.state.pending == (SubaccountUpdate("sub-1", POOL_C),)
    assert eng.settle() == 1
    delegated = attrs.evolve(A, delegated_to=frozenset({"sub-1"}))
    relinked = attrs.evolve(WORLD.domains[3], pool_id=POOL_A, ips=A.ips)
    assert eng.state.world() == replaced(
        WORLD, drop_pools=[POOL_C], pools=[delegated], domains=[relinked]
    )


def test_js_add_ip_sends_ipv6_raw_in_the_path() -> None:
    """C6: ``ip_pools.addIp(id, '2001:db8::3')`` sends the IPv6 raw: accepted."""
    response, eng = js("PUT", f"/v3/ip_pools/{POOL_A}/ips/2001:db8::3")
    assert response == Response(200, {"message": "started"})
    grown = attrs.evolve(A, ips=A.ips | ips("2001:db8::3"))
    assert eng.state.world() == replaced(WORLD, pools=[grown])
    assert eng.state.pending == (DomainUpdate("dom-2"),)


def test_js_remove_ip_sends_ipv6_raw_in_the_path() -> None:
    """C6: ``ip_pools.removeIp(id, '2001:db8::2')``: accepted."""
    response, eng = js("DELETE", f"/v3/ip_pools/{POOL_A}/ips/2001:db8::2")
    assert response == Response(200, {"message": "started"})
    assert eng.state.world() == replaced(WORLD, pools=[attrs.evolve(A, ips=ips("198.51.100.3"))])
    assert eng.state.pending == (DomainUpdate("dom-2"),)


def test_js_add_ips_sends_json() -> None:
    """3.10: ``ip_pools.addIps(id, [...])`` sends ``{"ips": [...]}`` as JSON: accepted."""
    body = {"ips": ["198.51.100.4", "2001:db8::3"]}
    response, eng = js("POST", f"/v3/ip_pools/{POOL_A}/ips.json", headers=JS_JSON, json=body)
    assert response == Response(200, {"message": "started"})
    grown = attrs.evolve(A, ips=A.ips | ips("198.51.100.4", "2001:db8::3"))
    assert eng.state.world() == replaced(WORLD, pools=[grown])


def test_js_remove_ip_from_domain_pool_double_encodes_an_ipv6_replacement() -> None:
    """K25: ``removeIpFromDomainPool(d, ip, '2001:db8::3')`` sends
    ``?ip=2001%253Adb8%253A%253A3``; decoded once that is ``2001%3Adb8%3A%3A3``, not an IP:
    400, as the real API answers it."""
    path = "/v3/domains/example.com/pool/198.51.100.1?ip=2001%253Adb8%253A%253A3"
    response, eng = js("DELETE", path)
    refused(response, eng, 400, "replacement IP '2001%3Adb8%3A%3A3' is not a valid IP address")


def test_js_remove_ip_from_domain_pool_replacement_decoded_by_the_host() -> None:
    """K25: a host that decoded the query once passes ``2001%3Adb8%3A%3A3``; the wire does not
    decode it again: 400."""
    path = "/v3/domains/example.com/pool/198.51.100.1"
    response, eng = js("DELETE", path, query=[("ip", "2001%3Adb8%3A%3A3")])
    refused(response, eng, 400, "replacement IP '2001%3Adb8%3A%3A3' is not a valid IP address")


def test_js_remove_ip_from_domain_pool_with_a_once_encoded_ipv6_replacement() -> None:
    """3.1.4: an IPv6 replacement encoded once (``?ip=2001%3Adb8%3A%3A3``) is 2001:db8::3."""
    path = "/v3/domains/example.com/pool/198.51.100.1?ip=2001%3Adb8%3A%3A3"
    response, eng = js("DELETE", path)
    assert response == Response(200, {"message": "success"})
    expected = attrs.evolve(DOM_1, ips=ips("198.51.100.2", "2001:db8::3"))
    assert eng.state.world() == replaced(WORLD, domains=[expected])
    assert eng.state.pending == ()


def test_js_remove_ip_from_domain_pool_without_replacement() -> None:
    """3.1: ``removeIpFromDomainPool(d, ip)`` with no replacement."""
    response, eng = js("DELETE", "/v3/domains/example.com/pool/198.51.100.2")
    assert response == Response(200, {"message": "success"})
    expected = attrs.evolve(DOM_1, ips=ips("198.51.100.1"))
    assert eng.state.world() == replaced(WORLD, domains=[expected])


def test_js_remove_domain_pool() -> None:
    """3.2: ``removeDomainPool(d)`` sends DELETE /v3/domains/{d}/pool/all."""
    response, eng = js("DELETE", "/v3/domains/example.com/pool/all")
    assert response == Response(200, {"message": "success"})
    assert eng.state.world() == replaced(WORLD, drop_domains=["dom-1"])


def test_js_unlink_domain_pool_with_pool_id() -> None:
    """3.3.4: ``unlinkDomainPool(d, pool)`` sends ``/pool/ip_pool?pool_id=``: relinked."""
    path = f"/v3/domains/linked.example.com/pool/ip_pool?pool_id={POOL_C}"
    response, eng = js("DELETE", path)
    assert response == Response(200, {"message": "success"})
    relinked = attrs.evolve(DOM_2, pool_id=POOL_C, ips=ips("2001:db8::1"))
    assert eng.state.world() == replaced(WORLD, domains=[relinked])


def test_js_domains_delete_ip() -> None:
    """3.1: ``domains.deleteIp(d, ip)`` sends DELETE /v3/domains/{d}/ips/{ip}."""
    response, eng = js("DELETE", "/v3/domains/example.com/ips/198.51.100.1")
    assert response == Response(200, {"message": "success"})
    expected = attrs.evolve(DOM_1, ips=ips("198.51.100.2"))
    assert eng.state.world() == replaced(WORLD, domains=[expected])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"pool_id={POOL_C}", attrs.evolve(DOM_2, pool_id=POOL_C, ips=ips("2001:db8::1"))),
        ("ip=198.51.100.4", attrs.evolve(DOM_2, pool_id=None, ips=ips("198.51.100.4"))),
    ],
)
def test_js_unlink_ip_poll(query: str, expected: Any) -> None:
    """3.3: ``domains.unlinkIpPoll(d, {pool_id} or {ip})`` sends /ips/ip_pool with one of them."""
    response, eng = js("DELETE", f"/v3/domains/linked.example.com/ips/ip_pool?{query}")
    assert response == Response(200, {"message": "success"})
    assert eng.state.world() == replaced(WORLD, domains=[expected])


# -- the Python SDK --------------------------------------------------------------------------


def test_py_get_pool() -> None:
    """3.5: ``ippools.get(pool_id=P)`` sends GET /v3/ip_pools/{P}."""
    response, _ = send("GET", f"/v3/ip_pools/{POOL_B}", headers=PY)
    details = {
        "description": "a pool",
        "ips": [],
        "is_linked": False,
        "linked_domains": [],
        "name": "pool",
        "pool_id": POOL_B,
    }
    assert response == Response(200, {"details": details, "message": "success"})


def test_py_create_pool_sends_ips_repeated_urlencoded() -> None:
    """D3: ``ippools.create(data={..., 'ips': [...]})`` sends ``ips`` repeated, urlencoded."""
    # name=bulk&description=newsletters&ips=198.51.100.4&ips=2001%3Adb8%3A%3A3, as parsed
    form = [
        ("name", "bulk"),
        ("description", "newsletters"),
        ("ips", "198.51.100.4"),
        ("ips", "2001:db8::3"),
    ]
    response, eng = send("POST", "/v3/ip_pools", headers=PY_FORM, form=form)
    assert response == Response(200, {"message": "success", "pool_id": NEW_IDS[0]})
    created = pool(
        NEW_IDS[0],
        name="bulk",
        description="newsletters",
        ip_texts=["198.51.100.4", "2001:db8::3"],
    )
    assert eng.state.world() == replaced(WORLD, pools=[created])


def test_py_patch_pool_sends_repeated_keys() -> None:
    """C9: ``ippools.patch(pool_id=P, data={'add_ip': [a, b]})`` sends ``add_ip=a&add_ip=b``."""
    form = [("add_ip", "198.51.100.4"), ("add_ip", "2001:db8::3")]
    response, eng = send("PATCH", f"/v3/ip_pools/{POOL_A}", headers=PY_FORM, form=form)
    assert response == Response(200, {"message": "success"})
    grown = attrs.evolve(A, ips=A.ips | ips("198.51.100.4", "2001:db8::3"))
    assert eng.state.world() == replaced(WORLD, pools=[grown])
    assert eng.state.pending == (DomainUpdate("dom-2"),)


def test_py_delete_pool_with_filters_sends_the_replacement_in_the_query() -> None:
    """3.6: ``ippools.delete(pool_id=P, filters={'ip': x})`` sends ``?ip=x`` (IPv6 encoded
    once)."""
    response, eng = send("DELETE", f"/v3/ip_pools/{POOL_A}?ip=2001%3Adb8%3A%3A3", headers=PY)
    assert response == Response(200, {"message": "started"})
    assert eng.settle() == 1
    unlinked = attrs.evolve(DOM_2, pool_id=None, ips=ips("2001:db8::3"))
    assert eng.state.world() == replaced(WORLD, drop_pools=[POOL_A], domains=[unlinked])


def test_py_delete_pool_with_data_sends_the_replacement_in_the_body() -> None:
    """D5: ``ippools.delete(pool_id=P, data={'ip': x})`` sends a urlencoded body."""
    response, eng = send(
        "DELETE", f"/v3/ip_pools/{POOL_A}", headers=PY_FORM, form={"ip": "198.51.100.4"}
    )
    assert response == Response(200, {"message": "started"})
    assert eng.settle() == 1
    unlinked = attrs.evolve(DOM_2, pool_id=None, ips=ips("198.51.100.4"))
    assert eng.state.world() == replaced(WORLD, drop_pools=[POOL_A], domains=[unlinked])


def test_py_put_ip_percent_encodes_ipv6_in_the_path() -> None:
    """C6: ``ippools.put(pool_id=P, ip='2001:db8::3')`` sends ``2001%3Adb8%3A%3A3``."""
    response, eng = send("PUT", f"/v3/ip_pools/{POOL_A}/ips/2001%3Adb8%3A%3A3", headers=PY)
    assert response == Response(200, {"message": "started"})
    grown = attrs.evolve(A, ips=A.ips | ips("2001:db8::3"))
    assert eng.state.world() == replaced(WORLD, pools=[grown])


def test_py_delete_ip_percent_encodes_ipv6_in_the_path() -> None:
    """C6: ``ippools.delete(pool_id=P, ip='2001:db8::2')`` sends ``2001%3Adb8%3A%3A2``."""
    response, eng = send("DELETE", f"/v3/ip_pools/{POOL_A}/ips/2001%3Adb8%3A%3A2", headers=PY)
    assert response == Response(200, {"message": "started"})
    assert eng.state.world() == replaced(WORLD, pools=[attrs.evolve(A, ips=ips("198.51.100.3"))])


def test_py_domains_delete_ip() -> None:
    """3.1: ``domains.delete(domain=D, ip=x)`` sends DELETE /v3/domains/{D}/ips/{x}."""
    response, eng = send("DELETE", "/v3/domains/example.com/ips/198.51.100.2", headers=PY)
    assert response == Response(200, {"message": "success"})
    expected = attrs.evolve(DOM_1, ips=ips("198.51.100.1"))
    assert eng.state.world() == replaced(WORLD, domains=[expected])


def test_py_domains_pool_all_delete() -> None:
    """3.2: ``domains_pool_all.delete(domain=D)`` sends DELETE /v3/domains/{D}/pool/all."""
    response, eng = send("DELETE", "/v3/domains/example.com/pool/all", headers=PY)
    assert response == Response(200, {"message": "success"})
    assert eng.state.world() == replaced(WORLD, drop_domains=["dom-1"])
