"""Strict JSON text: the canonical text is what ``json.dumps(sort_keys=True, indent=2)`` writes."""

from __future__ import annotations

import enum
import json
from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ippools.documents import dump_json, parse_json
from ippools.errors import DocumentError


def reference(value: Any) -> str:
    """The canonical text as the standard library writes it."""
    return json.dumps(value, sort_keys=True, indent=2) + "\n"


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and the infinities too: json.dumps writes them
    | st.text()
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@given(values)
def test_any_json_value_is_written_as_json_dumps_writes_it(value: Any) -> None:
    """Keys sorted, two-space indent, ASCII with escapes, empty containers inline, final newline."""
    assert dump_json(value) == reference(value)


def test_a_document_is_written_with_every_kind_of_value() -> None:
    """One nested example, spelled out."""
    value = {"b": [1, 2.5, True, None, "é\n"], "a": {}, "c": [], "d": {"z": [[]], "y": -0.0}}
    assert dump_json(value) == (
        "{\n"
        '  "a": {},\n'
        '  "b": [\n'
        "    1,\n"
        "    2.5,\n"
        "    true,\n"
        "    null,\n"
        '    "\\u00e9\\n"\n'
        "  ],\n"
        '  "c": [],\n'
        '  "d": {\n'
        '    "y": -0.0,\n'
        '    "z": [\n'
        "      []\n"
        "    ]\n"
        "  }\n"
        "}\n"
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [("é", '"\\u00e9"'), (None, "null"), (-3, "-3"), (1e100, "1e+100"), ([], "[]"), ({}, "{}")],
)
def test_a_lone_value_is_one_line(value: Any, text: str) -> None:
    """A document that is a single scalar or an empty container is written on one line."""
    assert dump_json(value) == text + "\n" == reference(value)


class Colour(enum.IntEnum):
    RED = 1


class Name(enum.StrEnum):
    FIRST = "first\u00e9"


@pytest.mark.parametrize(
    "value",
    [
        {1: "int keys", 2: "are written as strings"},
        {"a": Colour.RED},
        OrderedDict([("b", 1), ("a", 2)]),
        [float("nan"), float("inf"), -float("inf")],
        ["plain", Name.FIRST, "again"],
        [Name.FIRST, "plain"],
        ["text", 1, None, ["nested"]],
        [{"a": "x", "b": "y"}, {"a": "x", "c": "y"}],
        [{"k": ["a", "b"]}, {"k": ["c", 1]}],
        [{"k": 1.5}, {"k": 2.5}],
    ],
    ids=[
        "int-keys",
        "int-enum",
        "dict-subclass",
        "non-finite",
        "str-subclass-after-str",
        "str-subclass-first",
        "str-then-others",
        "records-of-other-keys-same-length",
        "records-with-a-list-not-of-strings",
        "records-of-floats",
    ],
)
def test_values_only_json_dumps_knows_are_written_by_it(value: Any) -> None:
    """Non-string keys, subclasses of the JSON types: the standard library's text exactly."""
    assert dump_json(value) == reference(value)


def _cycle() -> list[Any]:
    cycle: list[Any] = []
    cycle.append(cycle)
    return cycle


@pytest.mark.parametrize(
    ("value", "error"),
    [(_cycle(), ValueError), ({"a": object()}, TypeError), ({1: "x", "b": "y"}, TypeError)],
    ids=["cycle", "unknown-type", "unsortable-keys"],
)
def test_values_json_dumps_refuses_are_refused_the_same_way(
    value: Any, error: type[Exception]
) -> None:
    """A cycle, an unknown type, keys that cannot be sorted: the same error as json.dumps."""
    with pytest.raises(error) as expected:
        reference(value)
    with pytest.raises(error) as got:
        dump_json(value)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('{"b": 1, "a": 2, "a": 3, "b": 4}', "a"),
        ('{"x": {"k": 1, "j": 2, "k": 3}, "x": 4}', "k"),
        ('[{"n": 1}, {"m": 1, "n": 2, "m": 3}]', "m"),
    ],
)
def test_the_first_repeated_key_is_named(text: str, key: str) -> None:
    """An object with several repeated keys is refused naming the first repeat in the text."""
    with pytest.raises(DocumentError) as caught:
        parse_json(text)
    assert str(caught.value) == f"not valid JSON: the key {key!r} is repeated in an object"


def test_objects_without_repeated_keys_keep_their_order_and_values() -> None:
    """Parsing gives every object with its keys in the order of the text."""
    value = parse_json('{"b": 1, "a": [{"y": true, "x": null}]}')
    assert value == {"b": 1, "a": [{"y": True, "x": None}]}
    assert list(value) == ["b", "a"]
    assert list(value["a"][0]) == ["y", "x"]


# Lists of records of the same keys, as a world's lists are: written column by column when
# every value of a key is of one simple kind, item by item otherwise; the text is the same.
record_values = st.one_of(
    st.text(max_size=5),
    st.none(),
    st.booleans(),
    st.integers(),
    st.lists(st.text(max_size=4), min_size=1, max_size=3),
    st.lists(st.text(max_size=4), max_size=2).map(tuple),
    st.sampled_from([[], 1.5, {"k": "v"}, ["a", 1], Name.FIRST, Colour.RED, ("%s", "%%")]),
)


@st.composite
def record_lists(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Two or more records of the same keys (in any order), mostly one kind of value per key;
    now and then a record with a key more, a key less or another key."""
    keys = draw(st.lists(st.text(max_size=4), min_size=1, max_size=5, unique=True))
    kinds = {key: draw(record_values) for key in keys}
    records = []
    for _ in range(draw(st.integers(2, 6))):
        record = {
            key: kinds[key] if draw(st.integers(0, 9)) else draw(record_values)
            for key in draw(st.permutations(keys))
        }
        if draw(st.integers(0, 9)) == 0:
            record[draw(st.text(max_size=4))] = "other"
        if draw(st.integers(0, 9)) == 0:
            record.pop(keys[0], None)
        records.append(record)
    return records


@given(st.one_of(record_lists(), st.dictionaries(st.sampled_from(["%", "a"]), record_lists())))
def test_lists_of_records_are_written_as_json_dumps_writes_them(value: Any) -> None:
    """Column by column or item by item, a list of records is the standard library's text."""
    assert dump_json(value) == reference(value)


def test_a_large_list_of_like_records_is_written_as_json_dumps_writes_it() -> None:
    """The shape of a large world: records of the same keys, strings, null, lists of IPs."""
    records = [
        {
            "id": f"dom-{n}",
            "name": f"d{n}.example.com",
            "pool_id": None if n % 3 else "p%s",
            "ips": [f"10.0.0.{n % 7}", "2001:db8::1"][: 1 + n % 2],
            "warm": n % 2 == 0,
            "n": n,
        }
        for n in range(500)
    ]
    assert dump_json({"domains": records}) == reference({"domains": records})
