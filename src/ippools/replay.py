"""Run a scenario on a target and compare what it gives with its expectations.

:func:`run` runs each step of a :class:`~ippools.documents.Scenario` on a
:class:`Target` (send a request, settle, read the stored world) and returns the
replay output (§7) with every expectation that did not hold, as
:class:`Difference` values. It is the one comparison of the package: the
reference engine is a target (:class:`EngineTarget`, what :func:`replay` and
``ippools replay`` use, over a new :class:`~ippools.memory_state.MemoryState`
by default or a SQLite store for ``ippools replay --db``, with the scenario's
ids as the id source), and so is another implementation over HTTP
(:mod:`ippools.conform`).

Comparisons are type-strict (K18): ``1``, ``1.0`` and ``true`` all differ, which
Python's ``==`` does not see; :func:`json_equal` and :func:`json_differences` make
them. ``expect_world`` is compared in canonical form (K14), records matched by id.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterable, Sequence
from typing import Any, Final, Protocol

import attrs

from ippools.documents import (
    FieldValue,
    ReplayOutput,
    RequestResult,
    RequestStep,
    Scenario,
    ScenarioRequest,
    SettleResult,
    SettleStep,
    StepResult,
    format_path,
    unstructure,
)
from ippools.engine import Engine
from ippools.memory_state import MemoryState
from ippools.policies import Policies, SequenceIds
from ippools.state import WritableState
from ippools.wire import Request, handle
from ippools.world import World

__all__ = [
    "ABSENT",
    "ControlError",
    "Difference",
    "EngineTarget",
    "ReplayResult",
    "ReplayState",
    "Target",
    "Unsendable",
    "json_differences",
    "json_equal",
    "merge_headers",
    "replay",
    "run",
    "to_request",
    "world_differences",
]


class _Absent:
    """The value of a key that one side of a comparison lacks."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()


def json_equal(left: Any, right: Any) -> bool:
    """Type-strict equality of JSON values (K18): ``1``, ``1.0`` and ``true`` all differ."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(json_equal, left, right))
    return bool(left == right)


def json_differences(
    expected: Any, actual: Any, path: Sequence[str | int] = ()
) -> list[tuple[tuple[str | int, ...], Any, Any]]:
    """Every place where ``actual`` differs from ``expected``, type-strictly (K18).

    Returns ``(path, expected, actual)`` triples, deepest first where the two
    have the same shape: objects are compared key by key (a missing key shows as
    :data:`ABSENT`), arrays of the same length item by item; anything else is
    one difference at ``path``.
    """
    here = tuple(path)
    if json_equal(expected, actual):
        return []
    if isinstance(expected, dict) and isinstance(actual, dict):
        found: list[tuple[tuple[str | int, ...], Any, Any]] = []
        for key in sorted(expected.keys() | actual.keys()):
            found += json_differences(
                expected.get(key, ABSENT), actual.get(key, ABSENT), (*here, key)
            )
        return found
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        found = []
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            found += json_differences(left, right, (*here, index))
        return found
    return [(here, expected, actual)]


def _shown(value: Any) -> str:
    if value is ABSENT:
        return "(absent)"
    try:
        text = json.dumps(value, sort_keys=True)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= 500 else text[:497] + "..."


@attrs.frozen
class Difference:
    """One expectation that did not hold.

    ``where`` names the step (``steps[3] DELETE /v3/ip_pools/...``) or
    ``expect_world``; ``path`` is the JSON path of the value that differs
    (``status``, ``body.details.ips[1]``, ``world.domains[dom-1].ips``).
    """

    where: str
    path: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return (
            f"{self.where}: {self.path}: expected {_shown(self.expected)}, "
            f"got {_shown(self.actual)}"
        )


@attrs.frozen
class ReplayResult:
    """The replay output and the expectations that failed (none: the scenario passes)."""

    output: ReplayOutput
    differences: tuple[Difference, ...] = ()
    skipped: tuple[str, ...] = ()
    """The steps the target could not send, each named with the reason (none on the engine)."""
    notes: tuple[str, ...] = ()
    """What was not compared and why (``expect_world`` while updates are pending, K15)."""

    @property
    def ok(self) -> bool:
        """True when every expectation held."""
        return not self.differences


_ASCII_LOWER: Final = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def merge_headers(
    defaults: Iterable[tuple[str, str | None]], own: Iterable[tuple[str, str | None]]
) -> tuple[tuple[str, str], ...]:
    """K17: the request's own headers over the defaults, names compared case-insensitively.

    A default is dropped when the request names the same header in any case; a
    header whose value is None is absent. Case is ignored in ASCII only, as the
    wire compares header names (K25): the Kelvin sign is not a ``K``.
    """
    mine = list(own)
    named = {name.translate(_ASCII_LOWER) for name, _ in mine}
    merged = [
        (n, v) for n, v in defaults if n.translate(_ASCII_LOWER) not in named and v is not None
    ]
    merged += [(n, v) for n, v in mine if v is not None]
    return tuple(merged)


def _pairs(values: Iterable[tuple[str, FieldValue]]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for name, value in values:
        if isinstance(value, str):
            out.append((name, value))
        else:
            out.extend((name, item) for item in value)
    return tuple(out)


def to_request(
    request: ScenarioRequest, defaults: Iterable[tuple[str, str | None]] = ()
) -> Request:
    """The wire request of a scenario request, with the default headers merged in (K17)."""
    return _wire_request(request, merge_headers(defaults, request.headers))


def _wire_request(request: ScenarioRequest, headers: tuple[tuple[str, str], ...]) -> Request:
    return Request(
        method=request.method,
        path=request.path,
        query=_pairs(request.query),
        headers=headers,
        form=_pairs(request.form or ()),
        json=request.json,
    )


def _label(index: int, request: ScenarioRequest) -> str:
    return f"steps[{index}] {request.method} {request.path}"


def _step_differences(index: int, step: RequestStep, result: RequestResult) -> list[Difference]:
    expect = step.expect
    if expect is None:
        return []
    where = _label(index, step.request)
    found: list[Difference] = []
    if not json_equal(expect.status, result.status):
        found.append(Difference(where, "status", expect.status, result.status))
    if expect.body is not None:
        for path, want, got in json_differences(expect.body, result.body, ("body",)):
            found.append(Difference(where, format_path(path), want, got))
    return found


_RECORD_KEYS: Final = {"accounts": "id", "dedicated_ips": "ip", "domains": "id", "pools": "pool_id"}


def _keyed(world: World) -> dict[str, Any]:
    """The canonical world with record lists turned into objects keyed by record id."""
    value = unstructure(world)
    for name, key in _RECORD_KEYS.items():
        value[name] = {record[key]: record for record in value[name]}
    return value


def world_differences(expected: World, actual: World) -> list[Difference]:
    """Where ``actual`` differs from ``expected``, both in canonical form (K14, K18)."""
    found: list[Difference] = []
    for path, want, got in json_differences(_keyed(expected), _keyed(actual), ("world",)):
        found.append(Difference("expect_world", _world_path(path), want, got))
    return found


def _world_path(path: tuple[str | int, ...]) -> str:
    """``world.domains[dom-1].ips``: a record named by its id, then the path inside it."""
    if len(path) < 3 or path[1] not in _RECORD_KEYS:
        return format_path(path)
    inner = format_path(path[3:])
    joined = f"world.{path[1]}[{path[2]}]"
    if not inner:
        return joined
    return joined + (inner if inner.startswith("[") else f".{inner}")


class ReplayState(WritableState, Protocol):
    """A state a scenario can run on: writable, and able to show its stored world."""

    def world(self) -> World:
        """The stored state as a world."""


class Unsendable(Exception):
    """A target cannot carry this request at all; the message says why (the step is skipped)."""


class ControlError(Exception):
    """The control protocol answered something other than what it must; the message says what.

    A target over HTTP raises it (:mod:`ippools.conform`); a batch run reports the file as
    failed with that message.
    """


class Target(Protocol):
    """Where the steps of a scenario run: the reference engine, or an implementation over HTTP.

    A target starts on the scenario's world and ids. Its methods may raise
    exceptions of their own, which end the run.
    """

    def send(self, request: ScenarioRequest, headers: tuple[tuple[str, str], ...]) -> RequestResult:
        """Send ``request`` with ``headers`` (the defaults merged in, K17) and give its result.

        Raises :class:`Unsendable` for a request this target cannot carry.
        """

    def settle(self, limit: int | None) -> int:
        """Process at most ``limit`` pending updates (all of them when None); how many it did."""

    def stored(self) -> tuple[World, int]:
        """The stored world (K15) and the number of pending updates left."""


def _limit(limit: int | None, state: ReplayState) -> int | None:
    """The limit to process: None (all) when ``limit`` exceeds what is pending.

    Processing queues nothing new, so the two are the same, and a store need not
    take a limit of any size (``settle: 10**30`` is a valid step).
    """
    if limit is None or limit >= state.pending_count:
        return None
    return limit


class EngineTarget:
    """The reference engine over ``state`` as a :class:`Target`, with ``ids`` as its id source."""

    def __init__(self, state: ReplayState, ids: Sequence[str] = ()) -> None:
        self.engine = Engine(state, Policies(ids=SequenceIds(ids)))

    def send(self, request: ScenarioRequest, headers: tuple[tuple[str, str], ...]) -> RequestResult:
        state = self.engine.state
        before = state.pending_count
        response = handle(self.engine, _wire_request(request, headers))
        return RequestResult(response.status, response.body, state.pending_count - before)

    def settle(self, limit: int | None) -> int:
        return self.engine.process(_limit(limit, self.engine.state))

    def stored(self) -> tuple[World, int]:
        state = self.engine.state
        return state.world(), state.pending_count


def run(scenario: Scenario, target: Target, *, settled_world_only: bool = False) -> ReplayResult:
    """Run the steps of ``scenario`` on ``target`` and compare what they give with its
    expectations (§7, K15-K18).

    Each request step is sent with its headers merged over the defaults (K17) and
    compared with its ``expect``; each settle step settles; at the end the stored
    world is compared with ``expect_world``. A step the target raises
    :class:`Unsendable` for is not compared: it is named in
    :attr:`ReplayResult.skipped`, and its place in the output holds status 0.

    With ``settled_world_only`` (another implementation under test, K15),
    ``expect_world`` is compared only when the target has nothing pending at the
    end; otherwise :attr:`ReplayResult.notes` says it was not compared and why.
    The reference replayer compares it always (its stored state is the definition).
    """
    results: list[StepResult] = []
    differences: list[Difference] = []
    skipped: list[str] = []
    for index, step in enumerate(scenario.steps):
        if isinstance(step, SettleStep):
            results.append(SettleResult(target.settle(step.limit)))
            continue
        headers = merge_headers(scenario.default_headers, step.request.headers)
        try:
            result = target.send(step.request, headers)
        except Unsendable as error:
            skipped.append(f"{_label(index, step.request)}: {error}")
            results.append(RequestResult(0, {}, 0))
            continue
        results.append(result)
        differences += _step_differences(index, step, result)
    world, pending = target.stored()
    notes: tuple[str, ...] = ()
    if scenario.expect_world is not None:
        if settled_world_only and pending:
            left = f"{pending} update{'s' if pending != 1 else ''}"
            notes = (f"expect_world not compared: {left} still pending (K15)",)
        else:
            differences += world_differences(scenario.expect_world, world)
    output = ReplayOutput(tuple(results), world, pending)
    return ReplayResult(output, tuple(differences), tuple(skipped), notes)


def replay(scenario: Scenario, state: ReplayState | None = None) -> ReplayResult:
    """Run ``scenario`` on the reference engine and compare what it gives with its expectations.

    The engine runs over ``state``, which must hold ``scenario.world`` (by default
    a new :class:`MemoryState`; ``ippools.store.open_sqlite`` gives a SQLite one),
    with ``scenario.ids`` as the id source. The output's ``world`` is the stored
    state (K15) and ``pending`` the number of updates left; each request step
    reports the pending updates it added, each settle step how many it processed.
    """
    if state is None:
        state = MemoryState(scenario.world)
    return run(scenario, EngineTarget(state, scenario.ids))
