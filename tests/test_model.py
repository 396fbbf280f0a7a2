"""The records validate what they hold and are frozen; IPs parse, print and sort per C5 and K4."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ippools import (
    Account,
    DedicatedIp,
    Domain,
    Pool,
    ip_address,
    ip_text,
    parse_ip,
    sorted_ips,
)
from ippools.model import domain_key, domain_keys, plain_domains
from tests.support import POOL_A, ip, ips


def unchecked(value: object) -> Any:
    """``value``, typed so that a test may pass it where the signature wants another type."""
    return value


# -- record ids ---------------------------------------------------------------

BAD_IDS = ["", " ", "acct 1", "acct-1 ", "\tacct", "acct\n", "acct/1", "/", "a\u00a0b"]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_account_id_must_be_non_empty_without_whitespace_or_slash(bad: str) -> None:
    """K13: an account id that is empty or contains whitespace or '/' cannot be built."""
    with pytest.raises(ValueError, match="must"):
        Account(bad)


@pytest.mark.parametrize("bad", BAD_IDS)
def test_parent_id_is_validated_like_an_id(bad: str) -> None:
    """K13: a parent id that is empty or contains whitespace or '/' cannot be built."""
    with pytest.raises(ValueError, match="parent_id"):
        Account("acct-1", parent_id=bad)


@pytest.mark.parametrize("bad", BAD_IDS)
def test_dedicated_ip_owner_is_validated_like_an_id(bad: str) -> None:
    """K13: a dedicated IP's account id must be a valid id."""
    with pytest.raises(ValueError, match="account_id"):
        DedicatedIp(ip("198.51.100.1"), bad)


@pytest.mark.parametrize("field", ["id", "name", "account_id"])
@pytest.mark.parametrize("bad", BAD_IDS)
def test_domain_ids_and_name_are_validated(field: str, bad: str) -> None:
    """K13: a domain's id, name and account id are non-empty, without whitespace or '/'."""
    values: dict[str, Any] = {"id": "dom-1", "name": "example.com", "account_id": "acct-1"}
    values[field] = bad
    with pytest.raises(ValueError, match=field):
        Domain(**values)


@pytest.mark.parametrize("bad", BAD_IDS)
def test_pool_owner_and_delegates_are_validated(bad: str) -> None:
    """K13: a DIPP's account id and every subaccount it is delegated to are valid ids."""
    with pytest.raises(ValueError, match="account_id"):
        Pool(POOL_A, bad, "n", "d")
    with pytest.raises(ValueError, match="delegated_to"):
        Pool(POOL_A, "acct-1", "n", "d", delegated_to=frozenset({bad}))


def test_valid_ids_with_punctuation_are_accepted() -> None:
    """K13: ids may hold any character except whitespace and '/'."""
    record = Account("acct-1.x_y:z@w", parent_id="P%20")
    assert (record.id, record.parent_id) == ("acct-1.x_y:z@w", "P%20")


# -- pool ids -------------------------------------------------------------------

BAD_POOL_IDS = [
    "",
    "a" * 23,
    "a" * 25,
    "A" * 24,
    "g" * 24,
    " " + "a" * 23,
    "a" * 23 + "\n",
    "0x" + "a" * 22,
]


@pytest.mark.parametrize("bad", BAD_POOL_IDS)
def test_pool_id_must_be_24_lowercase_hex_digits(bad: str) -> None:
    """§1: a DIPP's pool_id is exactly 24 lowercase hexadecimal characters."""
    with pytest.raises(ValueError, match="pool_id"):
        Pool(bad, "acct-1", "n", "d")


@pytest.mark.parametrize("bad", BAD_POOL_IDS)
def test_domain_link_must_be_a_valid_pool_id(bad: str) -> None:
    """§1: a domain links to a DIPP by a well-formed pool_id, or to none."""
    with pytest.raises(ValueError, match="pool_id"):
        Domain("dom-1", "example.com", "acct-1", pool_id=bad)


def test_valid_pool_ids_are_accepted() -> None:
    """§1: 24 lowercase hex characters, digits and letters a-f, form a pool id."""
    pool = Pool("0123456789abcdef01234567", "acct-1", "n", "d")
    linked = Domain("dom-1", "example.com", "acct-1", pool_id=pool.pool_id)
    assert linked.pool_id == "0123456789abcdef01234567"


# -- other fields -----------------------------------------------------------------


@pytest.mark.parametrize("flag", ["dipps", "shared_ip_eligible"])
@pytest.mark.parametrize("bad", [1, 0, "true", None])
def test_account_flags_must_be_bools(flag: str, bad: object) -> None:
    """K13: account flags are booleans; 1, 0, strings or None are refused."""
    flags: dict[str, Any] = {flag: bad}
    with pytest.raises(TypeError):
        Account("acct-1", **flags)


@pytest.mark.parametrize("bad", [1, "false", None])
def test_warmup_must_be_a_bool(bad: object) -> None:
    """K13: a dedicated IP's warmup flag is a boolean."""
    with pytest.raises(TypeError):
        DedicatedIp(ip("198.51.100.1"), "acct-1", bad)  # type: ignore[arg-type]


def test_account_cannot_be_its_own_parent() -> None:
    """K13: an account that names itself as its parent cannot be built."""
    with pytest.raises(ValueError, match="own parent"):
        Account("acct-1", parent_id="acct-1")


def test_pool_cannot_be_delegated_to_its_owner() -> None:
    """I7: a DIPP cannot be delegated to the account that owns it."""
    with pytest.raises(ValueError, match="delegated to its owner"):
        Pool(POOL_A, "acct-1", "n", "d", delegated_to=frozenset({"acct-1", "sub-1"}))


def test_ip_with_a_scope_is_refused_in_every_record() -> None:
    """C5: an IPv6 address carrying a scope (``%eth0``) is not an IP of this domain."""
    scoped = ipaddress.IPv6Address("fe80::1%eth0")
    with pytest.raises(ValueError, match="scope"):
        DedicatedIp(scoped, "acct-1")
    with pytest.raises(ValueError, match="scope"):
        Domain("dom-1", "example.com", "acct-1", ips=frozenset({scoped}))
    with pytest.raises(ValueError, match="scope"):
        Pool(POOL_A, "acct-1", "n", "d", ips=frozenset({scoped}))


def test_ip_fields_take_the_text_of_an_ip_and_hold_the_parsed_ip() -> None:
    """C5: IP fields take IP values or their text; records always hold parsed IPs, so nothing
    compares text with IPs."""
    assert DedicatedIp("198.51.100.1", "acct-1").ip == ipaddress.IPv4Address("198.51.100.1")
    domain = Domain("dom-1", "example.com", "acct-1", ips=["2001:DB8::1", ip("198.51.100.1")])
    assert domain.ips == frozenset(
        {ipaddress.IPv6Address("2001:db8::1"), ipaddress.IPv4Address("198.51.100.1")}
    )
    pool = Pool(POOL_A, "acct-1", "n", "d", ips=("198.51.100.2",))
    assert pool.ips == ips("198.51.100.2")
    assert DedicatedIp("198.51.100.1", "acct-1") == DedicatedIp(ip("198.51.100.1"), "acct-1")


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: DedicatedIp("198.51.100.01", "acct-1"), ValueError, "ip: '198.51.100.01' is not"),
        (
            lambda: DedicatedIp(unchecked(3325256705), "acct-1"),
            TypeError,
            "ip: an IP must be its text",
        ),
        (lambda: DedicatedIp(unchecked(None), "acct-1"), TypeError, "ip: an IP must be its text"),
        (
            lambda: Domain("dom-1", "example.com", "acct-1", ips=["198.51.100.1 "]),
            ValueError,
            "ips: '198.51.100.1 ' is not a valid IP address",
        ),
        (
            lambda: Domain("dom-1", "example.com", "acct-1", ips=unchecked("198.51.100.1")),
            TypeError,
            "ips must be a collection of IPs, got '198.51.100.1'",
        ),
        (
            lambda: Pool(POOL_A, "acct-1", "n", "d", ips=unchecked([b"198.51.100.1"])),
            TypeError,
            "ips: an IP must be its text",
        ),
        (
            lambda: Pool(POOL_A, "acct-1", "n", "d", ips=unchecked({"198.51.100.1": True})),
            TypeError,
            "ips must be a collection of IPs, not a mapping",
        ),
        (
            lambda: Pool(POOL_A, "acct-1", "n", "d", ips=unchecked(5)),
            TypeError,
            "ips must be a collection",
        ),
    ],
)
def test_ip_fields_refuse_what_is_not_an_ip_naming_the_field(
    build: Callable[[], object], error: type[Exception], message: str
) -> None:
    """C5: invalid IP text is a ValueError, another type a TypeError; both name the field."""
    with pytest.raises(error) as raised:
        build()
    assert str(raised.value).startswith(message)


def test_delegated_to_is_a_collection_of_ids_not_one_id_as_text() -> None:
    """I7: ``delegated_to="sub"`` would otherwise become the three subaccounts 's', 'u', 'b'."""
    with pytest.raises(TypeError, match="delegated_to must be a collection of account ids"):
        Pool(POOL_A, "acct-1", "n", "d", delegated_to=unchecked("sub"))
    with pytest.raises(TypeError, match="delegated_to must be a string, got 7"):
        Pool(POOL_A, "acct-1", "n", "d", delegated_to=unchecked([7]))
    assert Pool(POOL_A, "acct-1", "n", "d", delegated_to=("sub",)).delegated_to == {"sub"}


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Account(unchecked(1)), "id"),
        (lambda: Account("acct-1", parent_id=unchecked(b"acct-2")), "parent_id"),
        (lambda: DedicatedIp("198.51.100.1", unchecked(None)), "account_id"),
        (lambda: Domain("dom-1", unchecked(3), "acct-1"), "name"),
        (lambda: Domain("dom-1", "example.com", "acct-1", pool_id=unchecked(24)), "pool_id"),
        (lambda: Pool(unchecked(["a" * 24]), "acct-1", "n", "d"), "pool_id"),
        (lambda: Pool(POOL_A, "acct-1", "n", unchecked(4)), "description"),
    ],
)
def test_a_value_of_the_wrong_type_is_a_type_error_naming_the_field(
    build: Callable[[], object], field: str
) -> None:
    """K13: ids, names and links of another type than text are a TypeError, not a ValueError."""
    with pytest.raises(TypeError) as raised:
        build()
    assert str(raised.value).startswith(f"{field} must be a string, got ")


def test_pool_name_and_description_may_be_any_string() -> None:
    """K13: pool names and descriptions may be any string, blank included; not other types."""
    pool = Pool(POOL_A, "acct-1", " ", "")
    assert (pool.name, pool.description) == (" ", "")
    with pytest.raises(TypeError):
        Pool(POOL_A, "acct-1", None, "d")  # type: ignore[arg-type]


def test_ip_lists_are_frozen_into_sets() -> None:
    """§7: IP lists and delegations are sets: given as lists they become frozensets."""
    domain = Domain("dom-1", "example.com", "acct-1", ips=[ip("198.51.100.1")])
    pool = Pool(POOL_A, "acct-1", "n", "d", delegated_to=["sub-1"])
    assert domain.ips == frozenset({ip("198.51.100.1")})
    assert pool.delegated_to == frozenset({"sub-1"})


def test_records_are_frozen_and_evolve_validates_again() -> None:
    """K13: records cannot be changed in place; a changed copy is validated like a new one."""
    account = Account("acct-1")
    dedicated = DedicatedIp(ip("198.51.100.1"), "acct-1")
    domain = Domain("dom-1", "example.com", "acct-1")
    pool = Pool(POOL_A, "acct-1", "n", "d")
    for record, field in [(account, "id"), (dedicated, "warmup"), (domain, "ips"), (pool, "name")]:
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(record, field, "x")
    with pytest.raises(ValueError, match="own parent"):
        attrs.evolve(account, parent_id="acct-1")
    with pytest.raises(ValueError, match="delegated to its owner"):
        attrs.evolve(pool, delegated_to=frozenset({"acct-1"}))
    assert attrs.evolve(domain, ips=ips("198.51.100.1")).ips == ips("198.51.100.1")
    assert domain.ips == frozenset()


def test_domain_key_ignores_case_and_one_trailing_dot() -> None:
    """C6: domain names match case-insensitively and a trailing dot is ignored."""
    assert Domain("d", "Example.COM.", "a").key == "example.com"
    assert Domain("d", "example.com", "a").key == "example.com"


# Cased letters that lower to more than one character, capital and small sigma (whose
# lower case depends on what follows), NUL (what the column form joins names with), dots.
_NAME_LETTERS = st.sampled_from("aZ.\0\u0130\u1e9e\u2126\u03a3\u03c3\u03c2 ")


@given(st.lists(st.text(alphabet=_NAME_LETTERS | st.characters())))
@example(["example.com."])  # lower case, but not a key: the final dot
@example(["a.\0b", "c"])  # a dot before a NUL inside a name: the long way, keys unchanged
@example(["ab", "\u03a3"])  # capital sigma, lowered by its context
@example(["mail.example.com", "d1.example.org"])  # keys already
def test_domain_keys_of_many_names_are_the_keys_of_each(names: list[str]) -> None:
    """The column form gives each name's key, whatever its case, dots or letters."""
    assert list(domain_keys(names)) == [domain_key(name) for name in names]


def test_subaccount_flag() -> None:
    """§1: an account with a parent is a subaccount."""
    assert Account("sub-1", parent_id="acct-1").is_subaccount is True
    assert Account("acct-1").is_subaccount is False


# -- IP syntax, text and order -------------------------------------------------------


NOT_IPS = [
    "198.051.100.1",
    "01.2.3.4",
    "00.1.2.3",
    "1.2.3.04",
    "256.0.0.0",
    "1.2.3",
    "1.2.3.4.5",
    "1.2.3.",
    "198.51.100.1 ",
    " 198.51.100.1",
    "198.51.100.1\n",
    " 2001:db8::1",
    "2001:db8::1 ",
    "fe80::1%eth0",
    "fe80::1%1",
    "2001:db8::1/64",
    "198.51.100.0/24",
    "2001:db8:::1",
    "2001:db8::g",
    "::ffff:198.051.100.1",
    "\u0661\u0669\u0668.51.100.1",
    "",
    "shared",
    "all",
    "localhost",
]
"""Texts that are not IPs (C5, K4): leading zeros, scopes, prefixes, spaces, words."""


@pytest.mark.parametrize("text", NOT_IPS)
def test_parse_ip_refuses_what_is_not_an_ip(text: str) -> None:
    """C5, K4: leading zeros, scopes, prefixes, surrounding spaces and non-IPs are not IPs."""
    assert parse_ip(text) is None


@pytest.mark.parametrize("text", NOT_IPS)
def test_ip_address_raises_a_value_error_naming_the_text(text: str) -> None:
    """C5, K4: the raising parser refuses the same texts, naming the text in its message."""
    with pytest.raises(ValueError, match="is not a valid IP address") as raised:
        ip_address(text)
    assert str(raised.value).startswith(f"{text!r} is not a valid IP address")


@pytest.mark.parametrize("value", [3325256705, b"198.51.100.1", None, ["198.51.100.1"]])
def test_both_parsers_raise_a_type_error_for_what_is_not_text(value: object) -> None:
    """C5: an IP is given as text; another type is a mistake of the caller, not a bad IP."""
    with pytest.raises(TypeError, match="an IP must be"):
        parse_ip(unchecked(value))
    with pytest.raises(TypeError, match="an IP must be"):
        ip_address(unchecked(value))


def test_ip_address_returns_the_ip_parse_ip_gives_and_keeps_ip_values() -> None:
    """C5: for valid text both parsers agree; an IP value passes through unless it has a scope."""
    for text in ("198.51.100.1", "2001:DB8::1", "::ffff:198.51.100.1"):
        assert ip_address(text) == parse_ip(text)
    value = ipaddress.IPv6Address("2001:db8::1")
    assert ip_address(value) is value
    with pytest.raises(ValueError, match="'fe80::1%eth0' carries a scope"):
        ip_address(ipaddress.IPv6Address("fe80::1%eth0"))


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("198.51.100.1", "198.51.100.1"),
        ("0.0.0.0", "0.0.0.0"),
        ("255.255.255.255", "255.255.255.255"),
        ("10.0.0.0", "10.0.0.0"),
        ("2001:DB8::1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("::", "::"),
        ("::1", "::1"),
        ("::FFFF:198.51.100.1", "::ffff:198.51.100.1"),
        ("::ffff:c633:6401", "::ffff:198.51.100.1"),
        ("0:0:0:0:0:ffff:c633:6401", "::ffff:198.51.100.1"),
        ("::1.2.3.4", "::102:304"),
        ("64:ff9b::198.51.100.1", "64:ff9b::c633:6401"),
    ],
)
def test_ip_text_is_canonical(text: str, canonical: str) -> None:
    """C5, K4: IPv6 prints compressed and lower case; IPv4-mapped prints in mixed notation."""
    parsed = parse_ip(text)
    assert parsed is not None
    assert ip_text(parsed) == canonical
    assert parse_ip(canonical) == parsed


def test_ipv4_mapped_ipv6_is_distinct_from_the_ipv4_address() -> None:
    """K4: ``::ffff:198.51.100.1`` is an IPv6 address, not equal to ``198.51.100.1``."""
    mapped = parse_ip("::ffff:198.51.100.1")
    plain = parse_ip("198.51.100.1")
    assert mapped is not None
    assert plain is not None
    assert mapped.version == 6
    assert plain.version == 4
    assert mapped != plain
    assert len({mapped, plain}) == 2


def test_sorted_ips_puts_ipv4_first_then_numeric_order() -> None:
    """C5: IPv4 before IPv6, each numerically (not as text)."""
    given = [
        ip("2001:db8::1"),
        ip("10.0.0.10"),
        ip("::ffff:1.2.3.4"),
        ip("9.0.0.1"),
        ip("::1"),
        ip("10.0.0.2"),
        ip("2001:db8::"),
    ]
    assert [ip_text(x) for x in sorted_ips(given)] == [
        "9.0.0.1",
        "10.0.0.2",
        "10.0.0.10",
        "::1",
        "::ffff:1.2.3.4",
        "2001:db8::",
        "2001:db8::1",
    ]
    assert sorted_ips([]) == []


# -- many domains at once -----------------------------------------------------------------

_V4_IPS = frozenset({ip_address("198.51.100.1")})
_COLUMN_VALUES = st.sampled_from(
    ["dom-1", "a.example", "acct-1", "", "a b", "a/b", "x\u00a0y", "d\u00e9.example", "a\x0bb",
     "a" * 24, "A" * 24, None, 1, _V4_IPS, frozenset(), frozenset({"198.51.100.1"}),
     frozenset({ipaddress.ip_address("fe80::1%eth0")}), ["198.51.100.1"]]
)  # fmt: skip
_PLAIN_ROW = ("dom-1", "a.example", "acct-1", None, _V4_IPS)


def _one_by_one(rows: list[tuple[Any, ...]]) -> list[Domain] | str:
    try:
        return [Domain(*row) for row in rows]
    except (TypeError, ValueError) as error:
        return f"{type(error).__name__}: {error}"


@given(
    st.lists(
        st.tuples(st.integers(0, 4), _COLUMN_VALUES) | st.just((0, "dom-1")), min_size=1, max_size=6
    )
)
def test_plain_domains_are_the_domains_built_one_by_one(changes: list[tuple[int, Any]]) -> None:
    """Columns of plain values give the domains that Domain builds one by one (the same values,
    the same IP set objects); any other column gives None, never a record Domain would refuse
    or would build otherwise."""
    rows = [list(_PLAIN_ROW) for _ in changes]
    for n, (field, value) in enumerate(changes):
        rows[n][field] = value
        rows[n][0] = f"{rows[n][0]}-{n}" if isinstance(rows[n][0], str) else rows[n][0]
    built = plain_domains(*(list(column) for column in zip(*rows, strict=True)))
    expected = _one_by_one([tuple(row) for row in rows])
    if built is None:
        return
    assert built == expected
    assert all(a.ips is b.ips for a, b in zip(built, expected, strict=True))


def test_usual_columns_are_plain_and_others_are_not() -> None:
    """Plain columns are built at once; each kind of value Domain changes or refuses is not."""
    rows = [("dom-1", "a.example", "acct-1", None, _V4_IPS), ("dom-2", "b.example", "acct-1",
            "a" * 24, _V4_IPS)]  # fmt: skip
    assert plain_domains(*zip(*rows, strict=True)) == _one_by_one(rows)
    for field, value in [(0, "a b"), (1, "d\u00e9.example"), (2, ""), (3, "A" * 24), (0, 1),
                         (4, frozenset({"198.51.100.1"})), (4, ["198.51.100.1"])]:  # fmt: skip
        first: list[Any] = list(rows[0])
        first[field] = value
        assert plain_domains(*zip(first, rows[1], strict=True)) is None, (field, value)
    with pytest.raises(ValueError, match="one length"):
        plain_domains(["d"], [], [], [], [])
