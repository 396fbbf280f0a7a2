"""Text at the edges (K26): how error messages show values (``errors.echo``) and how invalid
Unicode is found (``ippools.text``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ippools.errors import ECHO_LIMIT, echo
from ippools.text import find_first, find_invalid_text, is_valid_text

# -- echo -------------------------------------------------------------------------------------


def test_echo_limit_is_100() -> None:
    """K26: messages show at most 100 characters of a value."""
    assert ECHO_LIMIT == 100


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("acct-1", "'acct-1'"),
        ("", "''"),
        ("a" * 100, repr("a" * 100)),
        ("a" * 101, repr("a" * 100) + "..."),
        ("b" * 1_000_000, repr("b" * 100) + "..."),
        ("x..." + "y" * 96, repr("x..." + "y" * 96)),
        ("\ud800", "'\\ud800'"),
        ("\x00" * 200, repr("\x00" * 100) + "..."),
        (12, "12"),
        (None, "None"),
        (10**150, str(10**150)[:100] + "..."),
        (list(range(1000)), "[0, 1, 2, 3, 4, 5, ...]"),
    ],
)
def test_echo_shows_a_repr_cut_to_100_characters(value: Any, shown: str) -> None:
    """K26: a string of at most 100 characters shows as its repr; a longer one as the repr of
    its first 100 characters followed by ``...`` outside the quotes (so ``'x...'`` is a value
    that ends in dots, ``'x'...`` a cut one); other values as their repr, cut the same way."""
    assert echo(value) == shown


def test_echo_never_raises_on_a_broken_repr() -> None:
    """A value whose repr fails is named by its type: an int past Python's digit limit, an
    object whose ``__repr__`` raises."""
    assert echo(10**5000) == "<int>"

    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    shown = echo(Broken())
    assert shown.startswith("<Broken instance at 0x")
    assert shown.endswith(">")


@given(st.text() | st.binary() | st.integers() | st.lists(st.text()), st.integers(0, 5000))
def test_echo_is_bounded_and_valid_text(value: Any, repeat: int) -> None:
    """K26: whatever the value, the text shown is at most 10 characters per character shown
    (``\\U0010ffff``) plus quotes and dots, and is valid Unicode."""
    if isinstance(value, str | bytes):
        value = value * repeat
    shown = echo(value)
    assert len(shown) <= 10 * ECHO_LIMIT + 5
    assert is_valid_text(shown)


# -- valid text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("", True),
        ("plain", True),
        ("caf\u00e9 \U0001f600", True),
        ("\ud800", False),
        ("a\udfffb", False),
        ("\ud83d\ude00", False),  # two lone surrogates in a Python string, not a pair
        (json.loads('"\\ud83d\\ude00"'), True),  # the JSON escape of a pair: one character
    ],
)
def test_valid_text_is_what_utf8_can_encode(text: str, valid: bool) -> None:
    """K26: text is valid unless it holds a lone surrogate."""
    assert is_valid_text(text) is valid


def test_find_invalid_text_names_the_first_string_or_key_in_document_order() -> None:
    """K26: the path of the first offending string, keys before their values."""
    value = {"a": ["ok", {"b\ud800": "\udc00"}], "c": "\ud800"}
    assert find_invalid_text(value) == (("a", 1, "b\ud800"), True)
    assert find_invalid_text({"a": ["ok", {"b": "\udc00"}], "c": "\ud800"}) == (
        ("a", 1, "b"),
        False,
    )
    assert find_invalid_text("\ud800") == ((), False)
    assert find_invalid_text({"a": [1, 2.5, None, True, "x"]}) is None


def test_find_first_survives_deep_and_cyclic_values() -> None:
    """A value nested 100,000 deep, or containing itself, is walked without recursion."""
    deep: Any = "\ud800"
    for _ in range(100_000):
        deep = [deep]
    found = find_invalid_text(deep)
    assert found is not None
    assert found == ((0,) * 100_000, False)
    cyclic: list[Any] = [1]
    cyclic.append(cyclic)
    assert find_first(cyclic, lambda item: item == 2) is None
    assert find_first(cyclic, lambda item: item == 1) == ((0,), False)
