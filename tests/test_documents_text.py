"""What the documents do with invalid text, long values and numbers without a value (K26).

A lone surrogate makes a world or a scenario invalid, except in a scenario's requests, which
are sent as written and answered 400; no document error grows with the input; a number that
Python cannot hold is a document error naming where it is.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ippools import DocumentError
from ippools.cli import main
from ippools.documents import (
    RequestResult,
    format_path,
    load_scenario,
    load_world,
    parse_json,
    unstructure,
)
from ippools.replay import replay
from tests.test_documents import scenarios, through_text

EXAMPLES = 300
INVALID = "not valid Unicode text: it holds a lone surrogate"
surrogates = st.integers(0xD800, 0xDFFF).map(chr)

# -- where the strings of a document are ---------------------------------------------------------

Path_ = tuple[str | int, ...]


def strings(value: Any, path: Path_ = ()) -> list[tuple[Path_, bool]]:
    """Every string of ``value`` by path, and whether it is a key (its path ends with it)."""
    if isinstance(value, str):
        return [(path, False)]
    found: list[tuple[Path_, bool]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append(((*path, key), True))
            found += strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += strings(item, (*path, index))
    return found


def in_request(path: Path_, is_key: bool) -> bool:
    """True for a string sent as part of a request: a method, path, field or header name or
    value, or a string or key of a JSON body (not a key of the request object itself)."""
    return path[:1] == ("steps",) and path[2:3] == ("request",) and len(path) > (4 if is_key else 3)


def replaced(doc: Any, path: Path_, is_key: bool, new: str) -> Any:
    """A copy of ``doc`` with the string at ``path`` (a key when ``is_key``) replaced by
    ``new``."""
    doc = copy.deepcopy(doc)
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    if is_key:
        items = list(parent.items())
        parent.clear()
        parent.update((new if key == path[-1] else key, item) for key, item in items)
    else:
        parent[path[-1]] = new
    return doc


def value_at(doc: Any, path: Path_) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def text_at(doc: Any, path: Path_, is_key: bool) -> str:
    text = path[-1] if is_key else value_at(doc, path)
    assert isinstance(text, str)
    return text


@st.composite
def spoiled_scenarios(draw: st.DrawFn) -> tuple[Any, Path_, bool, bool]:
    """A valid scenario document with a lone surrogate inserted into one of its strings (a
    request path keeps its leading ``/``), the path of that string, whether it is a key, and
    whether a request would send it (not the name of a null header or of an empty list)."""
    doc = through_text(unstructure(draw(scenarios())))
    path, is_key = draw(st.sampled_from(strings(doc)))
    text = text_at(doc, path, is_key)
    sent = not is_key or value_at(doc, path) not in (None, [])
    lowest = 1 if path[2:] == ("request", "path") and not is_key else 0
    at = draw(st.integers(lowest, len(text)))
    spoiled = replaced(doc, path, is_key, text[:at] + draw(surrogates) + text[at:])
    return spoiled, path, is_key, sent


# -- K26: invalid text ----------------------------------------------------------------------------


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=spoiled_scenarios())
def test_k26_a_lone_surrogate_is_refused_except_in_requests(
    case: tuple[Any, Path_, bool, bool],
) -> None:
    """K26: a lone surrogate in a scenario's format, name, world, ids, defaults, expectations or
    expected world makes the scenario invalid, the message naming where; in a request (method,
    path, query, headers, form, JSON body) the scenario is valid and the request is sent as it
    is and answered 400."""
    doc, path, is_key, sent = case
    if in_request(path, is_key):
        scenario = load_scenario(doc)
        if not sent:
            return  # a header given as null, or a field given as [], is not sent (K5, K17)
        result = replay(scenario).output.steps[path[1]]  # type: ignore[index]
        assert isinstance(result, RequestResult)
        assert result.status == 400
        assert result.body["message"].endswith(f"is {INVALID}")
        return
    with pytest.raises(DocumentError) as caught:
        load_scenario(doc)
    message = str(caught.value)
    where = format_path(path[:-1] if is_key else path)
    assert message.startswith(where)
    if not is_key and path != ("format",):
        assert message == f"{format_path(path)}: {INVALID}"


@pytest.mark.parametrize(
    ("world", "message"),
    [
        ({"accounts": [{"id": "acct-\ud800"}]}, "accounts[0].id"),
        (
            {
                "accounts": [{"id": "a"}],
                "domains": [{"id": "d", "name": "\udc00.example", "account_id": "a"}],
            },
            "domains[0].name",
        ),
        (
            {
                "accounts": [{"id": "a"}],
                "pools": [
                    {"pool_id": "a" * 24, "account_id": "a", "name": "n", "description": "\ud800"}
                ],
            },
            "pools[0].description",
        ),
    ],
)
def test_k26_a_lone_surrogate_in_a_world_names_where(world: Any, message: str) -> None:
    """K26: a world document holding a lone surrogate (ids, names, descriptions) is invalid."""
    with pytest.raises(DocumentError, match=None) as caught:
        load_world(world)
    assert str(caught.value) == f"{message}: {INVALID}"


def test_k26_a_scenario_request_with_a_lone_surrogate_replays_on_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """K26: a lone surrogate in a form value (the JSON escape ``"\\ud800"``) is answered 400 by
    the replay on SQLite as in memory: the store never sees it (exit 0, not 3)."""
    text = json.dumps(
        {
            "format": "ippools-scenario/1",
            "world": {"accounts": [{"id": "acct-1", "dipps": True}]},
            "defaults": {"headers": {"X-Mailgun-Account-Id": "acct-1"}},
            "steps": [
                {
                    "request": {
                        "method": "POST",
                        "path": "/v3/ip_pools",
                        "form": {"name": "\ud800", "description": "d"},
                    },
                    "expect": {"status": 400},
                }
            ],
        }
    )
    assert '"\\ud800"' in text
    path = tmp_path / "s.json"
    path.write_text(text, encoding="utf-8")
    for db in ([], ["--db", ":memory:"]):
        assert main(["replay", str(path), *db]) == 0
        out, err = capsys.readouterr()
        assert err == ""
        assert json.loads(out)["steps"] == [
            {
                "body": {"message": f"the value of form field 'name' is {INVALID}"},
                "pending": 0,
                "status": 400,
            }
        ]


# -- K26: bounded messages ------------------------------------------------------------------------

BOUND = 2500
"""As on the wire: a path and a message showing at most two values of 100 characters each."""

long_texts = st.tuples(st.text(min_size=1, max_size=6), st.integers(1, 20_000)).map(
    lambda pair: (pair[0] * pair[1])[: pair[1]]
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=scenarios().map(lambda s: through_text(unstructure(s))), data=st.data())
def test_k26_no_document_error_grows_with_the_input(doc: Any, data: st.DataObject) -> None:
    """K26: whatever string of a scenario (value or key) is replaced by a text of whatever
    length, the document is valid or its error message stays within a fixed length."""
    path, is_key = data.draw(st.sampled_from(strings(doc)))
    text = data.draw(long_texts)
    message = ""
    try:
        load_scenario(replaced(doc, path, is_key, text))
    except DocumentError as error:
        message = str(error)
    assert len(message) <= BOUND


def test_k26_a_long_value_in_a_world_is_cut() -> None:
    """K26: a 1 MB id is shown as its first 100 characters, then ``...``; a long key too."""
    with pytest.raises(DocumentError) as caught:
        load_world({"accounts": [{"id": "a " * 500_000}]})
    cut = "a " * 50
    assert str(caught.value) == (
        f"accounts[0].id: '{cut}'... is not a valid id: it contains whitespace or '/'"
    )
    with pytest.raises(DocumentError) as caught:
        load_world({"accounts": [{"id": "a", "k" * 1_000_000: 1}]})
    assert str(caught.value) == f"accounts[0]: unknown field '{'k' * 100}'..."


def test_k26_a_long_key_in_a_path_is_cut() -> None:
    """K26: a long key on the path to a problem is cut like a value: ``["kkk"...]``."""
    doc = {
        "format": "ippools-scenario/1",
        "world": {},
        "steps": [{"request": {"method": "GET", "path": "/", "query": {"k" * 500: 1}}}],
    }
    with pytest.raises(DocumentError) as caught:
        load_scenario(doc)
    assert str(caught.value) == (
        f'steps[0].request.query["{"k" * 100}"...]: '
        "expected a string or an array of strings, got the number 1"
    )


# -- numbers --------------------------------------------------------------------------------------


def scenario_text(steps: str, world: str = "{}") -> str:
    return f'{{"format": "ippools-scenario/1", "world": {world}, "steps": [{steps}]}}'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            scenario_text('{"settle": 1' + "0" * 4300 + "}"),
            "steps[0].settle: an integer of 4301 digits is too long (at most 4300 digits)",
        ),
        (
            scenario_text('{"settle": -' + "9" * 5000 + "}"),
            "steps[0].settle: an integer of 5000 digits is too long (at most 4300 digits)",
        ),
        (
            scenario_text(
                '{"request": {"method": "GET", "path": "/"}, "expect": {"status": 1e999}}'
            ),
            "steps[0].expect.status: the number '1e999' is too large (not a finite number)",
        ),
        (
            scenario_text(
                '{"request": {"method": "POST", "path": "/", "json": {"ips": [-1E400]}}}'
            ),
            "steps[0].request.json.ips[0]: the number '-1E400' is too large (not a finite number)",
        ),
        (
            scenario_text("", '{"accounts": [{"id": "a", "dipps": 1' + "0" * 5000 + "}]}"),
            "world.accounts[0].dipps: an integer of 5001 digits is too long (at most 4300 digits)",
        ),
        ("1" * 4301, "an integer of 4301 digits is too long (at most 4300 digits)"),
    ],
)
def test_a_number_without_a_value_is_a_document_error(
    text: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An integer past Python's digit limit, or a number that overflows to infinity, is a
    document error naming where it is: exit 2, one line (not an internal error)."""
    with pytest.raises(DocumentError) as caught:
        parse_json(text)
    assert str(caught.value) == message
    path = tmp_path / "s.json"
    path.write_text(text, encoding="utf-8")
    assert main(["replay", str(path)]) == 2
    assert capsys.readouterr() == ("", f"ippools: {path}: {message}\n")


def test_numbers_within_range_keep_their_value() -> None:
    """An integer of 4,300 digits and a number that underflows to zero are still numbers."""
    assert parse_json("1" + "0" * 4299) == 10**4299
    assert parse_json('{"a": 1e-999, "b": 12.5e3}') == {"a": 0.0, "b": 12500.0}


def test_a_huge_settle_processes_everything_on_every_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``settle: 10**30`` (a valid count) processes what is pending, on SQLite as in memory."""
    text = scenario_text('{"settle": 1' + "0" * 30 + "}")
    path = tmp_path / "s.json"
    path.write_text(text, encoding="utf-8")
    for db in ([], ["--db", ":memory:"]):
        assert main(["replay", str(path), *db]) == 0
        out, err = capsys.readouterr()
        assert (json.loads(out)["steps"], err) == ([{"settled": 0}], "")
