"""Reading query strings and bodies: each value percent-decoded exactly once (K25), repeats kept
in order, everything UTF-8, and whatever cannot be read a :class:`Malformed` naming it."""

from __future__ import annotations

import pytest

from ippools.server.bodies import Body, Malformed, parse_body, parse_query
from tests.serving import JS_BOUNDARY, multipart

FORM = "application/x-www-form-urlencoded"


def test_a_query_keeps_order_repeats_and_blank_values() -> None:
    assert parse_query(b"ip=a&ip=b&pool_id=&x") == (
        ("ip", "a"),
        ("ip", "b"),
        ("pool_id", ""),
        ("x", ""),
    )
    assert parse_query(b"") == ()


def test_a_value_is_decoded_exactly_once() -> None:
    """K25: ``%253A`` arrives as ``%3A``; ``+`` is a space; UTF-8 escapes decode."""
    assert parse_query(b"ip=2001%253Adb8&n=a+b&c=caf%C3%A9") == (
        ("ip", "2001%3Adb8"),
        ("n", "a b"),
        ("c", "café"),
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"ip=%", "query string: bad percent-encoding at 'ip=%'"),
        (b"ip=%2", "query string: bad percent-encoding at 'ip=%2'"),
        (b"ip=%zz", "query string: bad percent-encoding at 'ip=%zz'"),
        (b"ip=%ff", "query string: percent-escapes that do not decode to UTF-8"),
        (b"ip=%ed%a0%80", "query string: percent-escapes that do not decode to UTF-8"),
        (b"ip=\xff", "query string is not UTF-8 (byte 3)"),
    ],
)
def test_a_query_that_cannot_be_read(raw: bytes, message: str) -> None:
    with pytest.raises(Malformed) as raised:
        parse_query(raw)
    assert str(raised.value) == message


def test_an_empty_body_is_no_body_whatever_its_content_type() -> None:
    """K5."""
    for content_type in (None, FORM, "application/json", "text/plain", "multipart/form-data"):
        assert parse_body(content_type, b"") == Body()


def test_urlencoded_and_multipart_bodies_give_the_same_pairs() -> None:
    pairs = [("add_ip", "198.51.100.1"), ("name", "a & b = c"), ("add_ip", "2001:db8::1")]
    multi = parse_body(
        f"multipart/form-data; boundary={JS_BOUNDARY}", multipart(pairs, JS_BOUNDARY)
    )
    urlencoded = parse_body(
        f"{FORM}; charset=utf-8", b"add_ip=198.51.100.1&name=a+%26+b+%3D+c&add_ip=2001%3Adb8%3A%3A1"
    )
    assert multi == urlencoded == Body(form=tuple(pairs))


def test_a_json_body() -> None:
    assert parse_body("application/json", b'{"ips": ["198.51.100.1"]}') == Body(
        json={"ips": ["198.51.100.1"]}
    )
    assert parse_body("Application/JSON; charset=utf-8", b"[]") == Body(json=[])
    assert parse_body("application/merge-patch+json", b"{}") == Body(json={})


@pytest.mark.parametrize(
    ("content_type", "data", "message"),
    [
        ("application/json", b"{", "JSON body: truncated JSON"),
        ("application/json", b"NaN", "JSON body: not valid JSON: NaN is not a JSON number"),
        ("application/json", b"null", "JSON body: null is not taken"),
        ("application/json", b'"\\udc80"', "JSON body: holds text that is not valid Unicode"),
        ("multipart/form-data; boundary=z", b"garbage", "multipart body: "),
        (
            "multipart/form-data; boundary=z",
            b'--z\r\nContent-Disposition: form-data; name="a"\r\n\r\n\xff\r\n--z--\r\n',
            "multipart field 'a' is not UTF-8 (byte 0)",
        ),
        ("image/png", b"x", "content type 'image/png' is not taken"),
    ],
)
def test_a_body_that_cannot_be_read(content_type: str, data: bytes, message: str) -> None:
    with pytest.raises(Malformed) as raised:
        parse_body(content_type, data)
    assert str(raised.value).startswith(message)
