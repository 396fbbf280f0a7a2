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

Layout: ``_problems`` (errors that carry a JSON path, and how values are named
in them), ``_leaves`` (the strict hooks for leaf values),
:mod:`~ippools.documents.world`, ``_scenario`` (scenarios and replay outputs),
:mod:`~ippools.documents.converter` (:func:`make_converter` and the entry
points) and :mod:`~ippools.documents.json` (strict JSON text).
"""

from ippools.documents._problems import format_path
from ippools.documents._scenario import (
    REPLAY_FORMAT,
    SCENARIO_FORMAT,
    Expect,
    FieldValue,
    ReplayOutput,
    RequestResult,
    RequestStep,
    Scenario,
    ScenarioRequest,
    SettleResult,
    SettleStep,
    Step,
    StepResult,
)
from ippools.documents.converter import (
    load_replay_output,
    load_scenario,
    load_world,
    make_converter,
    unstructure,
)
from ippools.documents.json import dump_json, parse_json

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
