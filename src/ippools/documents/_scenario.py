"""Scenario and replay output documents (§7, K16, K17): their types and their hooks.

A scenario is a world, steps (requests and settles) and what they must give; a
replay output is one result per step, the stored world and what is still
pending. The records inside them (requests, expectations, step results) are
structured by the hooks that :func:`~ippools.documents.make_converter` generates
with the field hooks defined here; the documents themselves by
:func:`structure_scenario` and :func:`structure_replay_output`, because their
checks span several records.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final, TypeAlias

import attrs
import cattrs

from ippools.documents._leaves import (
    any_string,
    count,
    json_array,
    json_object,
    no_unknown,
    pool_id,
    string,
    valid_text,
)
from ippools.documents._problems import at, describe, fail
from ippools.documents.world import _settled_world, _shape_only, _unstructure_world
from ippools.errors import echo
from ippools.model import is_pool_id
from ippools.world import World

__all__ = [
    "REPLAY_FORMAT",
    "SCENARIO_FORMAT",
    "Expect",
    "FieldValue",
    "ReplayOutput",
    "RequestResult",
    "RequestStep",
    "Scenario",
    "ScenarioRequest",
    "SettleResult",
    "SettleStep",
    "Step",
    "StepResult",
    "field_map",
    "fields_out",
    "header_map",
    "headers_out",
    "json_body",
    "json_value",
    "optional_field_map",
    "request_method",
    "request_path",
    "structure_replay_output",
    "structure_scenario",
    "unstructure_replay_output",
    "unstructure_scenario",
]

SCENARIO_FORMAT: Final = "ippools-scenario/1"
REPLAY_FORMAT: Final = "ippools-replay/1"

FieldValue: TypeAlias = str | tuple[str, ...]
"""A query or form value: one string, or a list of strings (the field repeated)."""

# -- scenario and replay documents -----------------------------------------------


def _check_body(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if instance.form is not None and instance.json is not None:
        raise ValueError("a request has either 'form' or 'json', not both")


@attrs.frozen
class ScenarioRequest:
    """One request of a scenario, as sent: raw path, query, own headers and body.

    ``form`` None means no form body; ``json`` None means no JSON body; at most one
    of them is not None (K17). A header whose value is None drops a default.
    """

    method: str
    path: str
    query: tuple[tuple[str, FieldValue], ...] = ()
    headers: tuple[tuple[str, str | None], ...] = ()
    form: tuple[tuple[str, FieldValue], ...] | None = None
    json: Any = attrs.field(default=None, validator=_check_body)


@attrs.frozen
class Expect:
    """What a request step must answer: the status, and the body when it is not None."""

    status: int
    body: dict[str, Any] | None = None


@attrs.frozen
class RequestStep:
    """Send a request; compare its answer with ``expect`` when given."""

    request: ScenarioRequest
    expect: Expect | None = None


@attrs.frozen
class SettleStep:
    """Process pending updates: all of them when ``limit`` is None (``"settle": true``)."""

    limit: int | None = None


Step: TypeAlias = RequestStep | SettleStep


@attrs.frozen
class Scenario:
    """A world, requests and settles to run on it, and what they must give (§7)."""

    world: World
    steps: tuple[Step, ...] = ()
    name: str = ""
    ids: tuple[str, ...] = ()
    default_headers: tuple[tuple[str, str | None], ...] = ()
    expect_world: World | None = None

    def __attrs_post_init__(self) -> None:
        in_world = {pool.pool_id for pool in self.world.pools}
        for given in self.ids:
            if not is_pool_id(given) or given in in_world:
                raise ValueError(f"id {echo(given)} is not a fresh pool id (K16)")
        if len(set(self.ids)) != len(self.ids):
            raise ValueError("ids repeat (K16)")


@attrs.frozen
class RequestResult:
    """What a request step gave: status, body and how many pending updates it added."""

    status: int
    body: dict[str, Any]
    pending: int


@attrs.frozen
class SettleResult:
    """How many pending updates a settle step processed."""

    settled: int


StepResult: TypeAlias = RequestResult | SettleResult


@attrs.frozen
class ReplayOutput:
    """The replay output (§7): one result per step, the stored world, what is still pending."""

    steps: tuple[StepResult, ...]
    world: World
    pending: int


# -- scenarios ---------------------------------------------------------------------------


def field_map(value: Any, _: Any = None) -> tuple[tuple[str, FieldValue], ...]:
    """Query or form fields: an object whose values are strings or arrays of strings (K17)."""
    pairs: list[tuple[str, FieldValue]] = []
    for name, item in json_object(value).items():
        if isinstance(item, str):
            pairs.append((name, item))
        elif isinstance(item, list) and all(isinstance(entry, str) for entry in item):
            pairs.append((name, tuple(item)))
        else:
            raise fail(f"expected a string or an array of strings, got {describe(item)}", name)
    return tuple(pairs)


def optional_field_map(value: Any, _: Any = None) -> tuple[tuple[str, FieldValue], ...] | None:
    return None if value is None else field_map(value)


def header_map(value: Any, _: Any = None) -> tuple[tuple[str, str | None], ...]:
    """Headers: an object whose values are strings, or null to drop a default (K17)."""
    pairs: list[tuple[str, str | None]] = []
    for name, item in json_object(value).items():
        if not name:
            raise fail("a header name must not be empty")
        if item is not None and not isinstance(item, str):
            raise fail(f"expected a string or null, got {describe(item)}", name)
        pairs.append((name, item))
    return tuple(pairs)


def request_method(value: Any, _: Any = None) -> str:
    text = any_string(value)
    if not text:
        raise fail("the method must not be empty")
    return text


def request_path(value: Any, _: Any = None) -> str:
    text = any_string(value)
    if not text.startswith("/"):
        raise fail(f"{echo(text)} is not a path: it must start with '/'")
    if "?" in text or "#" in text:
        raise fail(f"{echo(text)} must not carry a query or fragment; use 'query'")
    return text


def json_value(value: Any, _: Any = None) -> Any:
    return value


def json_body(value: Any, _: Any = None) -> dict[str, Any]:
    return valid_text(json_object(value))


def fields_out(pairs: Iterable[tuple[str, FieldValue]]) -> dict[str, Any]:
    return {name: item if isinstance(item, str) else list(item) for name, item in pairs}


def headers_out(pairs: Iterable[tuple[str, str | None]]) -> dict[str, str | None]:
    return dict(pairs)


def _step(converter: cattrs.Converter, value: Any) -> Step:
    obj = json_object(value, "a step (an object with 'request' or 'settle')")
    if "settle" in obj:
        if "request" in obj:
            raise fail("a step has either 'request' or 'settle', not both")
        no_unknown(obj, ("settle",))
        limit = obj["settle"]
        if limit is True:
            return SettleStep(None)
        if isinstance(limit, int) and not isinstance(limit, bool) and limit >= 0:
            return SettleStep(limit)
        raise fail(f"expected true or an integer >= 0, got {describe(limit)}", "settle")
    if "request" not in obj:
        raise fail("a step needs 'request' or 'settle'")
    step: RequestStep = converter.structure(obj, RequestStep)
    return step


def _ids(value: Any) -> tuple[str, ...]:
    seen: dict[str, int] = {}
    for i, item in enumerate(json_array(value)):
        given = at((i,), pool_id, item)
        if given in seen:
            raise fail(f"{echo(given)} is repeated (K16)", i)
        seen[given] = i
    return tuple(seen)


def structure_scenario(converter: cattrs.Converter, value: Any) -> Scenario:
    obj = json_object(value, "a scenario (a JSON object)")
    if "format" not in obj:
        raise fail("required field is missing", "format")
    if obj["format"] != SCENARIO_FORMAT:
        raise fail(f"expected {echo(SCENARIO_FORMAT)}, got {describe(obj['format'])}", "format")
    no_unknown(obj, ("format", "name", "world", "ids", "defaults", "steps", "expect_world"))
    for required in ("world", "steps"):
        if required not in obj:
            raise fail("required field is missing", required)
    world = at(("world",), _settled_world, converter, obj["world"])
    name = at(("name",), string, obj.get("name", ""))
    ids = at(("ids",), _ids, obj.get("ids", []))
    in_world = {pool.pool_id for pool in world.pools}
    for i, given in enumerate(ids):
        if given in in_world:
            raise fail(
                f"{echo(given)} is already the pool_id of a DIPP of the world (K16)", "ids", i
            )
    defaults = at(("defaults",), json_object, obj.get("defaults", {}))
    at(("defaults",), no_unknown, defaults, ("headers",))
    raw_headers = at(("defaults", "headers"), valid_text, defaults.get("headers", {}))
    headers = at(("defaults", "headers"), header_map, raw_headers)
    raw_steps = at(("steps",), json_array, obj["steps"])
    steps = tuple(at(("steps", i), _step, converter, item) for i, item in enumerate(raw_steps))
    expect_world = None
    if "expect_world" in obj:
        expect_world = at(("expect_world",), _shape_only, converter, obj["expect_world"])
    return Scenario(world, steps, name, ids, headers, expect_world)


def unstructure_scenario(converter: cattrs.Converter, scenario: Scenario) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    for step in scenario.steps:
        if isinstance(step, SettleStep):
            steps.append({"settle": True if step.limit is None else step.limit})
        else:
            steps.append(converter.unstructure(step, RequestStep))
    out: dict[str, Any] = {
        "format": SCENARIO_FORMAT,
        "name": scenario.name,
        "world": _unstructure_world(converter, scenario.world),
        "ids": list(scenario.ids),
        "defaults": {"headers": headers_out(scenario.default_headers)},
        "steps": steps,
    }
    if scenario.expect_world is not None:
        out["expect_world"] = _unstructure_world(converter, scenario.expect_world)
    return out


# -- replay outputs ----------------------------------------------------------------------


def _step_result(converter: cattrs.Converter, value: Any) -> StepResult:
    obj = json_object(value, "a step result (an object with 'status' or 'settled')")
    kind: type[StepResult] = SettleResult if "settled" in obj else RequestResult
    result: StepResult = converter.structure(obj, kind)
    return result


def structure_replay_output(converter: cattrs.Converter, value: Any) -> ReplayOutput:
    obj = json_object(value, "a replay output (a JSON object)")
    if obj.get("format") != REPLAY_FORMAT:
        got = describe(obj["format"]) if "format" in obj else "nothing"
        raise fail(f"expected {echo(REPLAY_FORMAT)}, got {got}", "format")
    no_unknown(obj, ("format", "steps", "world", "pending"))
    for required in ("steps", "world", "pending"):
        if required not in obj:
            raise fail("required field is missing", required)
    raw_steps = at(("steps",), json_array, obj["steps"])
    steps = tuple(
        at(("steps", i), _step_result, converter, item) for i, item in enumerate(raw_steps)
    )
    world = at(("world",), _shape_only, converter, obj["world"])
    pending = at(("pending",), count, obj["pending"])
    return ReplayOutput(steps, world, pending)


def unstructure_replay_output(converter: cattrs.Converter, output: ReplayOutput) -> dict[str, Any]:
    return {
        "format": REPLAY_FORMAT,
        "steps": [converter.unstructure(step, type(step)) for step in output.steps],
        "world": _unstructure_world(converter, output.world),
        "pending": output.pending,
    }
