"""The test-control endpoints under ``/_ippools/``: read, settle and reset the server's state.

They let a client test suite (or ``ippools replay``'s counterpart over HTTP) run
a scenario against a server: reset to a world and an id sequence, send the
requests, settle N or all, read the stored world and the pending count.
``docs/server.md`` describes them and ``docs/conformance.md`` specifies them for other
implementations, as the control protocol that ``ippools conform`` drives:

==========================  ==========================================================
``GET /_ippools/pending``   200 ``{"pending": N}``
``GET /_ippools/world``     200 ``{"pending": N, "world": W}``, W the stored world (K15)
``POST /_ippools/settle``   body ``{}`` or ``{"limit": N}``; 200 ``{"pending": M, "settled": K}``
``POST /_ippools/reset``    body ``{"world": W, "ids": [...], "worker": B}``; 200
                            ``{"message": "success"}``
==========================  ==========================================================

Bodies are JSON objects (``application/json``); an empty body is ``{}``. Any
error answers ``{"message": ...}``: 404 for another path under the prefix, 405
for another method, 400 for a body that is not a JSON object, an unknown key, a
bad value (the message names it by its JSON path, like the scenario format).
"""

from __future__ import annotations

from typing import Any, Final

from ippools.documents import SCENARIO_FORMAT, load_scenario, unstructure
from ippools.errors import DocumentError
from ippools.server.backend import Backend
from ippools.server.bodies import Malformed, parse_body

__all__ = ["CONTROL_METHODS", "CONTROL_PREFIX", "control"]

CONTROL_PREFIX: Final = "/_ippools/"

CONTROL_METHODS: Final = {"pending": "GET", "world": "GET", "settle": "POST", "reset": "POST"}
"""Each control endpoint (the path under the prefix) and the one method it takes."""

Answer = tuple[int, dict[str, Any]]


def _object(content_type: str | None, data: bytes) -> dict[str, Any]:
    value = parse_body(content_type, data).json if data else {}
    if value is None:  # a form body
        raise Malformed("the body must be a JSON object (Content-Type: application/json)")
    if not isinstance(value, dict):
        raise Malformed(f"the body must be a JSON object, got {type(value).__name__}")
    return value


def _no_unknown(body: dict[str, Any], known: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise Malformed(f"{unknown[0]}: unknown key; the keys taken are {', '.join(known)}")


def control(
    backend: Backend, method: str, path: str, content_type: str | None, data: bytes
) -> Answer:
    """Answer a request to a path under :data:`CONTROL_PREFIX` (blocking: run it off the loop)."""
    name = path[len(CONTROL_PREFIX) :]
    allowed = CONTROL_METHODS.get(name)
    if allowed is None:
        return 404, {"message": f"no control endpoint at {path[:120]!r}"}
    if method.upper() != allowed:
        message = f"method {method[:20]!r} is not allowed for {path}; allowed: {allowed}"
        return 405, {"message": message}
    try:
        body = _object(content_type, data) if allowed == "POST" else {}
        if name == "pending":
            return 200, {"pending": backend.pending()}
        if name == "world":
            world, pending = backend.world()
            return 200, {"pending": pending, "world": unstructure(world)}
        if name == "settle":
            return _settle(backend, body)
        return _reset(backend, body)
    except Malformed as error:
        return 400, {"message": str(error)}


def _settle(backend: Backend, body: dict[str, Any]) -> Answer:
    _no_unknown(body, ("limit",))
    limit = body.get("limit")
    if limit is not None and (type(limit) is not int or limit < 0):
        raise Malformed(f"limit: expected an integer >= 0 or null, got {limit!r}"[:200])
    settled, pending = backend.settle(limit)
    return 200, {"pending": pending, "settled": settled}


def _reset(backend: Backend, body: dict[str, Any]) -> Answer:
    _no_unknown(body, ("ids", "world", "worker"))
    if "world" not in body:
        raise Malformed("world: required")
    worker = body.get("worker")
    if worker is not None and type(worker) is not bool:
        raise Malformed(f"worker: expected true, false or null, got {worker!r}"[:200])
    document = {"format": SCENARIO_FORMAT, "world": body["world"], "steps": []}
    if "ids" in body:
        document["ids"] = body["ids"]
    try:  # the scenario's own checks: the world (K13) and the ids (K16)
        scenario = load_scenario(document)
    except DocumentError as error:
        raise Malformed(str(error)) from None
    backend.reset(scenario.world, scenario.ids, worker=worker)
    return 200, {"message": "success"}
