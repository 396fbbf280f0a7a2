"""The conformance documents: worlds, scenarios and replay outputs (contract §7, K13-K18).

Theory of operation
-------------------
Every document goes through one cattrs converter, built by :func:`make_converter`
(never cattrs' global one). Records (accounts, dedicated IPs, domains, DIPPs,
request steps, expectations) use hooks that cattrs generates with unknown keys
forbidden and with strict hooks for every field: a JSON ``1`` is not a bool,
``true`` is not an integer, an id is a non-empty string without whitespace or
``/``, an IP is valid per C5 and appears once in its list. The world, the
scenario and the replay output are checked by hand-written hooks, because their
checks span several records: repeated ids and names, references (K13), the
invariants of §4 (through :func:`~ippools.world.world_problems`) and the
scenario's ``ids`` (K16).

Whatever is wrong, structuring raises :class:`~ippools.errors.DocumentError`
whose message starts with the JSON path of the offending value, for example
``world.domains[2].ips[0]: '1.2.3' is not a valid IP address``. Indices count
records as they appear in the document.

Unstructuring gives the canonical form (K14): every field present, records sorted
by id, IPs in C5 order, ``delegated_to`` by code point.

A world given as a scenario's ``world`` (or to :func:`load_world`) is a settled
state and must pass every check. ``expect_world`` and a replay output's
``world`` are stored states that may lag behind a settle (K15): they are checked
for shape only (fields, types, ids, IPs, no repeated record).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from ipaddress import IPv4Address, IPv6Address
from typing import Any, Final, TypeAlias, TypeVar

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ippools.errors import DocumentError
from ippools.model import (
    Account,
    DedicatedIp,
    Domain,
    IPAddress,
    Pool,
    ip_text,
    is_pool_id,
    parse_ip,
    sorted_ips,
)
from ippools.world import World, world_problems

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
    "dump_json",
    "format_path",
    "load_replay_output",
    "load_scenario",
    "load_world",
    "make_converter",
    "parse_json",
    "unstructure",
]

SCENARIO_FORMAT: Final = "ippools-scenario/1"
REPLAY_FORMAT: Final = "ippools-replay/1"

FieldValue: TypeAlias = str | tuple[str, ...]
"""A query or form value: one string, or a list of strings (the field repeated)."""

PathPart: TypeAlias = str | int
T = TypeVar("T")

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
        for pool_id in self.ids:
            if not is_pool_id(pool_id) or pool_id in in_world:
                raise ValueError(f"id {pool_id!r} is not a fresh pool id (K16)")
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


# -- errors with a path ------------------------------------------------------------


class _Invalid(Exception):
    """A document problem at ``path`` (relative to where the hook was called)."""

    def __init__(self, path: tuple[PathPart, ...], message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _fail(message: str, *path: PathPart) -> _Invalid:
    return _Invalid(tuple(path), message)


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def format_path(path: Iterable[PathPart]) -> str:
    """A JSON path as text: ``world.domains[2].ips[0]``, odd keys as ``["X Y"]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out


def _locate(error: BaseException) -> tuple[tuple[PathPart, ...], str]:
    """The path and message of the first problem inside ``error``."""
    if isinstance(error, _Invalid):
        return error.path, error.message
    if isinstance(error, ClassValidationError):
        extra = [e for e in error.exceptions if isinstance(e, ForbiddenExtraKeysError)]
        chosen: BaseException = extra[0] if extra else error.exceptions[0]
        for note in getattr(chosen, "__notes__", ()):
            if isinstance(note, AttributeValidationNote):
                if isinstance(chosen, KeyError):
                    return (note.name,), "required field is missing"
                inner, message = _locate(chosen)
                return (note.name, *inner), message
            if isinstance(note, IterableValidationNote):
                inner, message = _locate(chosen)
                return (note.index, *inner), message
        return _locate(chosen)
    if isinstance(error, ForbiddenExtraKeysError):
        return (), _unknown_fields(error.extra_fields)
    return (), str(error)


def _unknown_fields(names: Iterable[str]) -> str:
    ordered = sorted(names)
    listed = ", ".join(repr(_short(name)) for name in ordered)
    return f"unknown field {listed}" if len(ordered) == 1 else f"unknown fields {listed}"


def _at(path: tuple[PathPart, ...], run: Callable[..., T], *args: Any) -> T:
    """Run a nested hook on ``args``; a problem inside it is reported under ``path``."""
    try:
        return run(*args)
    except Exception as error:
        inner, message = _locate(error)
        raise _Invalid(path + inner, message) from None


def _document(run: Callable[..., T], *args: Any) -> T:
    """Run a top-level hook on ``args``, turning any problem into a :class:`DocumentError`."""
    try:
        return run(*args)
    except DocumentError:
        raise
    except RecursionError:
        raise DocumentError("the document is nested too deeply") from None
    except Exception as error:
        path, message = _locate(error)
        where = format_path(path)
        raise DocumentError(f"{where}: {message}" if where else message) from None


# -- strict leaf hooks ---------------------------------------------------------------


def _describe(value: Any) -> str:
    """A JSON value named for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {_short(repr(value))}"
    if isinstance(value, str):
        return f"the string {_short(value)!r}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


def _string(value: Any, _: Any = None) -> str:
    if not isinstance(value, str):
        raise _fail(f"expected a string, got {_describe(value)}")
    return value


def _boolean(value: Any, _: Any = None) -> bool:
    if not isinstance(value, bool):
        raise _fail(f"expected true or false, got {_describe(value)}")
    return value


def _count(value: Any, _: Any = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _fail(f"expected an integer >= 0, got {_describe(value)}")
    return value


def _status(value: Any, _: Any = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 100 <= value <= 599:
        raise _fail(f"expected an HTTP status (an integer from 100 to 599), got {_describe(value)}")
    return value


def _object(value: Any, what: str = "an object") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(f"expected {what}, got {_describe(value)}")
    for key in value:
        if not isinstance(key, str):
            raise _fail(f"expected {what} with string keys, got the key {key!r}")
    return value


def _array(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(f"expected an array, got {_describe(value)}")
    return value


def _no_unknown(obj: Mapping[str, Any], known: Iterable[str]) -> None:
    extra = set(obj) - set(known)
    if extra:
        raise _fail(_unknown_fields(extra))


def _identifier(article: str, noun: str) -> Callable[..., str]:
    def hook(value: Any, _: Any = None) -> str:
        text = _string(value)
        if not text:
            raise _fail(f"{article} {noun} must not be empty")
        if "/" in text or any(c.isspace() for c in text):
            raise _fail(f"{_short(text)!r} is not a valid {noun}: it contains whitespace or '/'")
        return text

    return hook


_record_id = _identifier("an", "id")
_domain_name = _identifier("a", "domain name")


def _optional_record_id(value: Any, _: Any = None) -> str | None:
    return None if value is None else _record_id(value)


def _pool_id(value: Any, _: Any = None) -> str:
    text = _string(value)
    if not is_pool_id(text):
        raise _fail(f"{_short(text)!r} is not a valid pool id (24 lowercase hex digits)")
    return text


def _optional_pool_id(value: Any, _: Any = None) -> str | None:
    return None if value is None else _pool_id(value)


def _ip(value: Any, _: Any = None) -> IPAddress:
    text = _string(value)
    ip = parse_ip(text)
    if ip is None:
        raise _fail(f"{_short(text)!r} is not a valid IP address")
    return ip


def _unique_list(item: Callable[..., T]) -> Callable[..., frozenset[T]]:
    """A JSON array of distinct values (after parsing) as a frozenset."""

    def hook(value: Any, _: Any = None) -> frozenset[T]:
        seen: set[T] = set()
        for index, entry in enumerate(_array(value)):
            parsed = _at((index,), item, entry)
            if parsed in seen:
                raise _fail(f"{_short(str(entry))!r} is repeated", index)
            seen.add(parsed)
        return frozenset(seen)

    return hook


def _sorted_ip_texts(ips: Iterable[IPAddress]) -> list[str]:
    return [ip_text(ip) for ip in sorted_ips(ips)]


# -- worlds ----------------------------------------------------------------------------

_WORLD_LISTS: Final = ("accounts", "dedicated_ips", "shared_ips", "domains", "pools")


@attrs.frozen
class _Loaded:
    """A world with, for each list, the input index of every record key."""

    world: World
    index: dict[str, dict[str, int]]
    raw: dict[str, list[Any]]


def _world_shape(converter: cattrs.Converter, value: Any) -> _Loaded:
    """Structure a world, checking fields, types and repeated records (not references)."""
    obj = _object(value, "a world (a JSON object)")
    _no_unknown(obj, _WORLD_LISTS)
    raw = {name: _at((name,), _array, obj.get(name, [])) for name in _WORLD_LISTS}

    def each(name: str, kind: type[T]) -> list[T]:
        return [_at((name, i), converter.structure, item, kind) for i, item in enumerate(raw[name])]

    accounts = each("accounts", Account)
    dedicated = each("dedicated_ips", DedicatedIp)
    shared = [_at(("shared_ips", i), _ip, v) for i, v in enumerate(raw["shared_ips"])]
    domains = each("domains", Domain)
    pools = each("pools", Pool)

    index: dict[str, dict[str, int]] = {name: {} for name in _WORLD_LISTS}

    def first(name: str, key: str, i: int, shown: str, *field: str) -> None:
        if key in index[name]:
            raise _fail(f"{_short(shown)!r} is repeated", name, i, *field)
        index[name][key] = i

    for i, account in enumerate(accounts):
        first("accounts", account.id, i, account.id, "id")
    for i, record in enumerate(dedicated):
        first("dedicated_ips", ip_text(record.ip), i, raw["dedicated_ips"][i]["ip"], "ip")
    for i, ip in enumerate(shared):
        first("shared_ips", ip_text(ip), i, raw["shared_ips"][i])
        if ip_text(ip) in index["dedicated_ips"]:
            raise _fail(f"{raw['shared_ips'][i]!r} is also a dedicated IP", "shared_ips", i)
    names: dict[str, int] = {}
    for i, domain in enumerate(domains):
        first("domains", domain.id, i, domain.id, "id")
        if domain.key in names:
            raise _fail(
                f"{_short(domain.name)!r} repeats the name of domains[{names[domain.key]}] "
                "(names match case-insensitively)",
                "domains",
                i,
                "name",
            )
        names[domain.key] = i
    for i, pool in enumerate(pools):
        first("pools", pool.pool_id, i, pool.pool_id, "pool_id")
    world = World(accounts, dedicated, shared, domains, pools)
    return _Loaded(world, index, raw)


def _shape_only(converter: cattrs.Converter, value: Any) -> World:
    """Structure a stored world that may lag behind a settle (K15): shape checks only."""
    return _world_shape(converter, value).world


def _settled_world(converter: cattrs.Converter, value: Any) -> World:
    """Structure a world that must be a valid settled state (K13, §4)."""
    loaded = _world_shape(converter, value)
    world, index, raw = loaded.world, loaded.index, loaded.raw
    accounts = {account.id: account for account in world.accounts}

    def known(account_id: str, *path: PathPart) -> None:
        if account_id not in accounts:
            raise _fail(f"unknown account {account_id!r}", *path)

    for account in world.accounts:
        i = index["accounts"][account.id]
        if account.parent_id is not None:
            known(account.parent_id, "accounts", i, "parent_id")
            if accounts[account.parent_id].parent_id is not None:
                raise _fail(
                    f"account {account.parent_id!r} is itself a subaccount",
                    "accounts",
                    i,
                    "parent_id",
                )
    for record in world.dedicated_ips:
        i = index["dedicated_ips"][ip_text(record.ip)]
        known(record.account_id, "dedicated_ips", i, "account_id")
    for pool in world.pools:
        i = index["pools"][pool.pool_id]
        known(pool.account_id, "pools", i, "account_id")
        for j, sub in enumerate(raw["pools"][i].get("delegated_to", [])):
            known(sub, "pools", i, "delegated_to", j)
    for domain in world.domains:
        i = index["domains"][domain.id]
        known(domain.account_id, "domains", i, "account_id")
        if domain.pool_id is not None and domain.pool_id not in index["pools"]:
            raise _fail(f"unknown DIPP {domain.pool_id!r}", "domains", i, "pool_id")
        for j, text in enumerate(raw["domains"][i].get("ips", [])):
            key = ip_text(_ip(text))
            if key not in index["dedicated_ips"] and key not in index["shared_ips"]:
                raise _fail(
                    f"{text!r} is neither a dedicated nor a shared IP", "domains", i, "ips", j
                )
    problems = world_problems(world)
    if problems:
        raise _translate(problems[0], index)
    return world


_PROBLEM = re.compile(r"(?P<kind>[a-z_]+)\[(?P<key>[^\]\s]*)\]: (?P<rest>.*)", re.S)


def _translate(problem: str, index: dict[str, dict[str, int]]) -> _Invalid:
    """A :func:`world_problems` message, its record named by its index in the document."""
    found = _PROBLEM.fullmatch(problem)
    if found is not None:
        position = index.get(found["kind"], {}).get(found["key"])
        if position is not None:
            return _fail(found["rest"], found["kind"], position)
    return _fail(problem)


def _unstructure_world(converter: cattrs.Converter, world: World) -> dict[str, Any]:
    return {
        "accounts": [converter.unstructure(record, Account) for record in world.accounts],
        "dedicated_ips": [
            converter.unstructure(record, DedicatedIp) for record in world.dedicated_ips
        ],
        "shared_ips": _sorted_ip_texts(world.shared_ips),
        "domains": [converter.unstructure(record, Domain) for record in world.domains],
        "pools": [converter.unstructure(record, Pool) for record in world.pools],
    }


# -- scenarios ---------------------------------------------------------------------------


def _field_map(value: Any, _: Any = None) -> tuple[tuple[str, FieldValue], ...]:
    """Query or form fields: an object whose values are strings or arrays of strings (K17)."""
    pairs: list[tuple[str, FieldValue]] = []
    for name, item in _object(value).items():
        if isinstance(item, str):
            pairs.append((name, item))
        elif isinstance(item, list) and all(isinstance(entry, str) for entry in item):
            pairs.append((name, tuple(item)))
        else:
            raise _fail(f"expected a string or an array of strings, got {_describe(item)}", name)
    return tuple(pairs)


def _optional_field_map(value: Any, _: Any = None) -> tuple[tuple[str, FieldValue], ...] | None:
    return None if value is None else _field_map(value)


def _header_map(value: Any, _: Any = None) -> tuple[tuple[str, str | None], ...]:
    """Headers: an object whose values are strings, or null to drop a default (K17)."""
    pairs: list[tuple[str, str | None]] = []
    for name, item in _object(value).items():
        if not name:
            raise _fail("a header name must not be empty")
        if item is not None and not isinstance(item, str):
            raise _fail(f"expected a string or null, got {_describe(item)}", name)
        pairs.append((name, item))
    return tuple(pairs)


def _method(value: Any, _: Any = None) -> str:
    text = _string(value)
    if not text:
        raise _fail("the method must not be empty")
    return text


def _path(value: Any, _: Any = None) -> str:
    text = _string(value)
    if not text.startswith("/"):
        raise _fail(f"{_short(text)!r} is not a path: it must start with '/'")
    if "?" in text or "#" in text:
        raise _fail(f"{_short(text)!r} must not carry a query or fragment; use 'query'")
    return text


def _json_value(value: Any, _: Any = None) -> Any:
    return value


def _body(value: Any, _: Any = None) -> dict[str, Any]:
    return _object(value)


def _fields_out(pairs: Iterable[tuple[str, FieldValue]]) -> dict[str, Any]:
    return {name: item if isinstance(item, str) else list(item) for name, item in pairs}


def _headers_out(pairs: Iterable[tuple[str, str | None]]) -> dict[str, str | None]:
    return dict(pairs)


def _step(converter: cattrs.Converter, value: Any) -> Step:
    obj = _object(value, "a step (an object with 'request' or 'settle')")
    if "settle" in obj:
        if "request" in obj:
            raise _fail("a step has either 'request' or 'settle', not both")
        _no_unknown(obj, ("settle",))
        limit = obj["settle"]
        if limit is True:
            return SettleStep(None)
        if isinstance(limit, int) and not isinstance(limit, bool) and limit >= 0:
            return SettleStep(limit)
        raise _fail(f"expected true or an integer >= 0, got {_describe(limit)}", "settle")
    if "request" not in obj:
        raise _fail("a step needs 'request' or 'settle'")
    step: RequestStep = converter.structure(obj, RequestStep)
    return step


def _ids(value: Any) -> tuple[str, ...]:
    seen: dict[str, int] = {}
    for i, item in enumerate(_array(value)):
        pool_id = _at((i,), _pool_id, item)
        if pool_id in seen:
            raise _fail(f"{pool_id!r} is repeated (K16)", i)
        seen[pool_id] = i
    return tuple(seen)


def _scenario(converter: cattrs.Converter, value: Any) -> Scenario:
    obj = _object(value, "a scenario (a JSON object)")
    if "format" not in obj:
        raise _fail("required field is missing", "format")
    if obj["format"] != SCENARIO_FORMAT:
        raise _fail(f"expected {SCENARIO_FORMAT!r}, got {_describe(obj['format'])}", "format")
    _no_unknown(obj, ("format", "name", "world", "ids", "defaults", "steps", "expect_world"))
    for required in ("world", "steps"):
        if required not in obj:
            raise _fail("required field is missing", required)
    world = _at(("world",), _settled_world, converter, obj["world"])
    name = _at(("name",), _string, obj.get("name", ""))
    ids = _at(("ids",), _ids, obj.get("ids", []))
    in_world = {pool.pool_id for pool in world.pools}
    for i, pool_id in enumerate(ids):
        if pool_id in in_world:
            raise _fail(
                f"{pool_id!r} is already the pool_id of a DIPP of the world (K16)", "ids", i
            )
    defaults = _at(("defaults",), _object, obj.get("defaults", {}))
    _at(("defaults",), _no_unknown, defaults, ("headers",))
    headers = _at(("defaults", "headers"), _header_map, defaults.get("headers", {}))
    raw_steps = _at(("steps",), _array, obj["steps"])
    steps = tuple(_at(("steps", i), _step, converter, item) for i, item in enumerate(raw_steps))
    expect_world = None
    if "expect_world" in obj:
        expect_world = _at(("expect_world",), _shape_only, converter, obj["expect_world"])
    return Scenario(world, steps, name, ids, headers, expect_world)


def _unstructure_scenario(converter: cattrs.Converter, scenario: Scenario) -> dict[str, Any]:
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
        "defaults": {"headers": _headers_out(scenario.default_headers)},
        "steps": steps,
    }
    if scenario.expect_world is not None:
        out["expect_world"] = _unstructure_world(converter, scenario.expect_world)
    return out


# -- replay outputs ----------------------------------------------------------------------


def _step_result(converter: cattrs.Converter, value: Any) -> StepResult:
    obj = _object(value, "a step result (an object with 'status' or 'settled')")
    kind: type[StepResult] = SettleResult if "settled" in obj else RequestResult
    result: StepResult = converter.structure(obj, kind)
    return result


def _replay_output(converter: cattrs.Converter, value: Any) -> ReplayOutput:
    obj = _object(value, "a replay output (a JSON object)")
    if obj.get("format") != REPLAY_FORMAT:
        got = _describe(obj["format"]) if "format" in obj else "nothing"
        raise _fail(f"expected {REPLAY_FORMAT!r}, got {got}", "format")
    _no_unknown(obj, ("format", "steps", "world", "pending"))
    for required in ("steps", "world", "pending"):
        if required not in obj:
            raise _fail("required field is missing", required)
    raw_steps = _at(("steps",), _array, obj["steps"])
    steps = tuple(
        _at(("steps", i), _step_result, converter, item) for i, item in enumerate(raw_steps)
    )
    world = _at(("world",), _shape_only, converter, obj["world"])
    pending = _at(("pending",), _count, obj["pending"])
    return ReplayOutput(steps, world, pending)


def _unstructure_replay(converter: cattrs.Converter, output: ReplayOutput) -> dict[str, Any]:
    return {
        "format": REPLAY_FORMAT,
        "steps": [converter.unstructure(step, type(step)) for step in output.steps],
        "world": _unstructure_world(converter, output.world),
        "pending": output.pending,
    }


# -- the converter -----------------------------------------------------------------------


def _optional(converter: cattrs.Converter, kind: type[T]) -> Callable[[Any, Any], T | None]:
    def hook(value: Any, _: Any = None) -> T | None:
        return None if value is None else converter.structure(value, kind)

    return hook


def _record_hook(
    converter: cattrs.Converter,
    kind: type[T],
    what: str,
    whole: str | None,
    fields: dict[str, Any],
) -> Callable[[Any, Any], T]:
    """The generated hook of ``kind`` with strict ``fields`` hooks, for JSON objects only.

    ``whole`` names the field that a check of the whole record (made when it is
    built) is about, so that its message points there.
    """
    overrides: dict[str, Any] = {name: override(struct_hook=hook) for name, hook in fields.items()}
    generated = make_dict_structure_fn(
        kind,
        converter,
        _cattrs_forbid_extra_keys=True,
        _cattrs_detailed_validation=True,
        **overrides,
    )

    def hook(value: Any, _: Any = None) -> T:
        try:
            return generated(_object(value, what), kind)
        except ClassValidationError as error:
            inner = error.exceptions[0]
            built = isinstance(inner, ValueError) and not hasattr(inner, "__notes__")
            if whole is None or len(error.exceptions) > 1 or not built:
                raise
            raise _fail(str(inner), whole) from None

    return hook


def make_converter() -> cattrs.Converter:
    """A new converter for worlds, scenarios and replay outputs (and their parts).

    ``structure(data, World | Scenario | ReplayOutput)`` raises
    :class:`~ippools.errors.DocumentError` naming the offending value's path;
    ``unstructure`` gives the canonical JSON-ready form (K14). Nothing is
    registered on cattrs' global converter.
    """
    converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=True)
    structure = converter.register_structure_hook
    unstructure_hook = converter.register_unstructure_hook
    structure(str, _string)
    structure(bool, _boolean)
    structure(int, _count)
    ip_set = _unique_list(_ip)
    records: dict[type[Any], tuple[str, str | None, dict[str, Any]]] = {
        Account: (
            "an account",
            "parent_id",
            {
                "id": _record_id,
                "parent_id": _optional_record_id,
                "dipps": _boolean,
                "shared_ip_eligible": _boolean,
            },
        ),
        DedicatedIp: (
            "a dedicated IP",
            None,
            {"ip": _ip, "account_id": _record_id, "warmup": _boolean},
        ),
        Domain: (
            "a domain",
            None,
            {
                "id": _record_id,
                "name": _domain_name,
                "account_id": _record_id,
                "pool_id": _optional_pool_id,
                "ips": ip_set,
            },
        ),
        Pool: (
            "a DIPP",
            "delegated_to",
            {
                "pool_id": _pool_id,
                "account_id": _record_id,
                "name": _string,
                "description": _string,
                "ips": ip_set,
                "delegated_to": _unique_list(_record_id),
            },
        ),
        ScenarioRequest: (
            "a request",
            None,
            {
                "method": _method,
                "path": _path,
                "query": _field_map,
                "headers": _header_map,
                "form": _optional_field_map,
                "json": _json_value,
            },
        ),
        Expect: ("an expectation", None, {"status": _status, "body": _body}),
        RequestStep: ("a step", None, {"expect": _optional(converter, Expect)}),
        RequestResult: (
            "a request step result",
            None,
            {"status": _status, "body": _body, "pending": _count},
        ),
        SettleResult: ("a settle step result", None, {"settled": _count}),
    }
    for kind, (what, whole, fields) in records.items():
        structure(kind, _record_hook(converter, kind, f"{what} (an object)", whole, fields))
    structure(World, lambda value, _: _document(_settled_world, converter, value))
    structure(Scenario, lambda value, _: _document(_scenario, converter, value))
    structure(ReplayOutput, lambda value, _: _document(_replay_output, converter, value))

    unstructure_hook(IPv4Address, ip_text)
    unstructure_hook(IPv6Address, ip_text)
    ips_out = override(unstruct_hook=_sorted_ip_texts)
    unstructured: tuple[tuple[type[Any], dict[str, Any]], ...] = (
        (Account, {}),
        (DedicatedIp, {}),
        (Domain, {"ips": ips_out}),
        (Pool, {"ips": ips_out, "delegated_to": override(unstruct_hook=sorted)}),
        (RequestResult, {"body": override(unstruct_hook=dict)}),
        (SettleResult, {}),
        (
            ScenarioRequest,
            {
                "query": override(unstruct_hook=_fields_out),
                "headers": override(unstruct_hook=_headers_out),
                "form": override(
                    unstruct_hook=lambda form: None if form is None else _fields_out(form)
                ),
                "json": override(unstruct_hook=lambda value: value),
            },
        ),
    )
    for kind, extra in unstructured:
        unstructure_hook(kind, make_dict_unstructure_fn(kind, converter, **extra))
    unstructure_hook(Expect, _unstructure_expect)
    unstructure_hook(
        RequestStep,
        lambda step: {
            "request": converter.unstructure(step.request, ScenarioRequest),
            **({} if step.expect is None else {"expect": _unstructure_expect(step.expect)}),
        },
    )
    unstructure_hook(World, lambda world: _unstructure_world(converter, world))
    unstructure_hook(Scenario, lambda scenario: _unstructure_scenario(converter, scenario))
    unstructure_hook(ReplayOutput, lambda output: _unstructure_replay(converter, output))
    return converter


def _unstructure_expect(expect: Expect) -> dict[str, Any]:
    out: dict[str, Any] = {"status": expect.status}
    if expect.body is not None:
        out["body"] = expect.body
    return out


# -- entry points --------------------------------------------------------------------


_CONVERTER: Final = make_converter()


def load_world(data: Any) -> World:
    """A settled world from its JSON value; raises DocumentError naming what is wrong (K13)."""
    world: World = _CONVERTER.structure(data, World)
    return world


def load_scenario(data: Any) -> Scenario:
    """A scenario from its JSON value; raises DocumentError naming what is wrong (K16, K17)."""
    scenario: Scenario = _CONVERTER.structure(data, Scenario)
    return scenario


def load_replay_output(data: Any) -> ReplayOutput:
    """A replay output from its JSON value; raises DocumentError naming what is wrong."""
    output: ReplayOutput = _CONVERTER.structure(data, ReplayOutput)
    return output


def unstructure(document: World | Scenario | ReplayOutput) -> dict[str, Any]:
    """The canonical JSON value of a document (K14): every field present, lists sorted."""
    value: dict[str, Any] = _CONVERTER.unstructure(document, type(document))
    return value


def _no_constant(name: str) -> Any:
    raise DocumentError(f"not valid JSON: {name} is not a JSON number")


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DocumentError(f"not valid JSON: the key {_short(key)!r} is repeated in an object")
        out[key] = value
    return out


def parse_json(text: str) -> Any:
    """Parse strict JSON text: no NaN or Infinity, no key repeated in an object.

    Raises :class:`DocumentError` saying what is wrong and where (a truncated text
    is named as such).
    """
    if not text.strip():
        raise DocumentError("the file is empty, not a JSON document")
    try:
        return json.loads(text, parse_constant=_no_constant, object_pairs_hook=_no_repeated_keys)
    except json.JSONDecodeError as error:
        if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
            end = text.rstrip()
            line = end.count("\n") + 1
            column = len(end) - (end.rfind("\n") + 1) + 1
            raise DocumentError(
                f"truncated JSON: the text ends at line {line} column {column}, "
                "before the document is complete"
            ) from None
        where = f"line {error.lineno} column {error.colno}"
        raise DocumentError(f"not valid JSON: {error.msg} (at {where})") from None
    except RecursionError:
        raise DocumentError("not valid JSON: nested too deeply") from None


def dump_json(value: Any) -> str:
    """Canonical JSON text: sorted keys, 2-space indent, ASCII only, a final newline."""
    return json.dumps(value, sort_keys=True, indent=2) + "\n"
