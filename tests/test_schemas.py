"""The JSON Schemas (draft 2020-12) of the world, scenario and replay output formats.

They ship in the package and are published under ``docs/schemas/``; every file of the corpus,
every replay output of it and every document ippools writes validates against them, and
documents of the wrong shape are refused by the schema and by ippools alike.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource

from ippools.corpus import SCHEMA_KINDS, corpus_names, json_schema, read_corpus_file
from ippools.documents import load_scenario, parse_json, unstructure
from ippools.errors import DocumentError
from ippools.replay import replay
from ippools.testing.strategies import worlds
from ippools.world import World
from tests.test_documents import replay_outputs, scenarios, through_text

ROOT = Path(__file__).resolve().parent.parent

REGISTRY: Registry[Any] = Registry().with_resources(
    (f"urn:ippools:schema:{kind}", Resource.from_contents(json_schema(kind)))
    for kind in SCHEMA_KINDS
)


def validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(json_schema(kind), registry=REGISTRY)


def problems(kind: str, document: Any) -> list[str]:
    """Each schema error as ``path: message``."""
    return [
        f"{error.json_path}: {error.message}" for error in validator(kind).iter_errors(document)
    ]


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_the_docs_copy_is_the_package_copy(kind: str) -> None:
    """docs/schemas/<kind>.schema.json is byte for byte the file the package ships."""
    published = ROOT / "docs" / "schemas" / f"{kind}.schema.json"
    assert json.loads(published.read_text(encoding="utf-8")) == json_schema(kind)
    shipped = ROOT / "src" / "ippools" / "schemas" / f"{kind}.schema.json"
    assert published.read_bytes() == shipped.read_bytes()


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_each_schema_is_a_valid_draft_2020_12_schema(kind: str) -> None:
    schema = json_schema(kind)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"urn:ippools:schema:{kind}"


def test_an_unknown_kind_has_no_schema() -> None:
    with pytest.raises(KeyError):
        json_schema("pool")


@pytest.mark.parametrize("name", corpus_names())
def test_every_corpus_file_and_its_replay_output_validate(name: str) -> None:
    """The scenario, its world and expect_world, and the replay output it gives."""
    document = parse_json(read_corpus_file(name).decode("utf-8"))
    assert problems("scenario", document) == []
    assert problems("world", document["world"]) == []
    assert problems("world", document["expect_world"]) == []
    output = through_text(unstructure(replay(load_scenario(document)).output))
    assert problems("replay", output) == []


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_scenario_ippools_writes_validates(scenario: Any) -> None:
    assert problems("scenario", through_text(unstructure(scenario))) == []


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(replay_outputs)
def test_every_replay_output_ippools_writes_validates(output: Any) -> None:
    assert problems("replay", through_text(unstructure(output))) == []


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_every_world_ippools_writes_validates(world: World) -> None:
    assert problems("world", through_text(unstructure(world))) == []


def _quickstart() -> dict[str, Any]:
    document: dict[str, Any] = parse_json(read_corpus_file("quickstart").decode("utf-8"))
    return document


def _edit(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    document = copy.deepcopy(_quickstart())
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


WRONG_SHAPES = [
    (("extra",), 1, "$: Additional properties are not allowed ('extra' was unexpected)"),
    (("format",), "ippools-scenario/2", "$.format: 'ippools-scenario/1' was expected"),
    (("ids", 0), "ABC", "$.ids[0]: 'ABC' does not match '^[0-9a-f]{24}$'"),
    (("steps", 4, "settle"), False, "$.steps[4].settle: False is not valid under any of the"),
    (("steps", 0, "expect", "status"), 99, "$.steps[0].expect.status: 99 is less than the min"),
    (("world", "accounts", 0, "dipps"), "yes", "$.world.accounts[0].dipps: 'yes' is not of type"),
    (("world", "domains", 0, "id"), "dom 1", "$.world.domains[0].id: 'dom 1' does not match"),
    (("steps", 0, "request", "path"), "v3/ip", "$.steps[0].request.path: 'v3/ip' does not match"),
]


@pytest.mark.parametrize(("path", "value", "message"), WRONG_SHAPES)
def test_a_wrong_shape_is_refused_by_the_schema_and_by_ippools(
    path: tuple[str | int, ...], value: Any, message: str
) -> None:
    """The schema names the place; ippools refuses the same document."""
    document = _edit(path, value)
    assert len(problems("scenario", document)) == 1
    best = best_match(validator("scenario").iter_errors(document))
    assert best is not None
    assert f"{best.json_path}: {best.message}".startswith(message)
    with pytest.raises(DocumentError):
        load_scenario(document)
