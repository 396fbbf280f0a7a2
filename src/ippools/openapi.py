"""The OpenAPI 3.1 document of the HTTP surface, generated from the route table.

Every path and method of :data:`ippools.wire.routes.ROUTES` becomes an
operation, with the query fields, form fields (repeatable ones as arrays) and
JSON body its :class:`~ippools.wire.routes.Endpoint` takes, so the document
cannot drift from what the wire accepts. The control endpoints of
``docs/conformance.md`` (:data:`CONTROL_ENDPOINTS`) are added under
``/_ippools/``. ``ippools serve`` serves the document at
``/_ippools/openapi.json``; ``ippools openapi`` prints it.

What it documents, and what it leaves to the contract: every answer is JSON
with a ``message`` string (the bodies of successful answers are described as
objects with ``message``, not field by field); the statuses are those the wire
layer and the server can give (200; 400, 403, 404 of the contract; 401 in
public mode; 413 for a body past the server's limit; 503 when the store stays
busy). An unknown path is 404 and another method 405, as the contract says.
"""

from __future__ import annotations

from typing import Any, Final

from ippools.wire.routes import ROUTES, Endpoint, Param, Route

__all__ = ["CONTROL_ENDPOINTS", "OPENAPI_PATH", "openapi_document"]

OPENAPI_PATH: Final = "/_ippools/openapi.json"
"""Where ``ippools serve`` serves the document."""

IDENTITY: Final = ("X-Mailgun-Account-Id",)
AUDIT: Final = ("X-Mailgun-Requestor", "X-Mailgun-Requestor-Client")

_MESSAGE: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["message"],
    "properties": {"message": {"type": "string"}},
}
_COUNT: Final[dict[str, Any]] = {"type": "integer", "minimum": 0}

_ERRORS: Final = {
    "400": "the request is malformed or a value is invalid (the message names it)",
    "401": "public mode: no valid API key (HTTP Basic auth, user api)",
    "403": "the account may not do this (the DIPPs feature, an inherited DIPP, ...)",
    "404": "the account, DIPP, domain or IP is not found (or not visible)",
    "413": "the request body is larger than the server's limit",
    "503": "the store stayed busy; retry (Retry-After)",
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _answers(success: dict[str, Any], description: str) -> dict[str, Any]:
    answers: dict[str, Any] = {"200": {"description": description, "content": _json(success)}}
    for status, meaning in _ERRORS.items():
        answers[status] = {
            "description": meaning,
            "content": _json({"$ref": "#/components/schemas/Error"}),
        }
    return answers


def _field(name: str, endpoint: Endpoint) -> dict[str, Any]:
    if name in endpoint.repeatable:
        return {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    return {"type": "string"}


def _operation(route: Route, endpoint: Endpoint) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": part.name, "in": "path", "required": True, "schema": {"type": "string"}}
        for part in route.pattern
        if isinstance(part, Param)
    ]
    parameters += [
        {"name": name, "in": "query", "required": False, "schema": _field(name, endpoint)}
        for name in sorted(endpoint.query)
    ]
    headers = IDENTITY + (AUDIT if endpoint.audited else ())
    parameters += [
        {"name": name, "in": "header", "required": False, "schema": {"type": "string"}}
        for name in headers
    ]
    slug = route.template.strip("/").replace("/", "_").replace("{", "").replace("}", "")
    operation: dict[str, Any] = {
        "operationId": f"{endpoint.method.lower()}_{slug.replace('.', '_')}",
        "summary": f"{endpoint.method} {route.template}",
        "tags": ["ip pools"],
        "parameters": parameters,
        "responses": _answers(_MESSAGE, "done: the message and the route's fields"),
    }
    if endpoint.form:
        fields = {
            "type": "object",
            "properties": {name: _field(name, endpoint) for name in sorted(endpoint.form)},
            "additionalProperties": False,
        }
        operation["requestBody"] = {
            "required": False,
            "content": {
                "application/x-www-form-urlencoded": {"schema": fields},
                "multipart/form-data": {"schema": fields},
            },
        }
    elif endpoint.json:
        ips = {"type": "array", "minItems": 1, "items": {"type": "string"}}
        body = {
            "type": "object",
            "required": ["ips"],
            "properties": {"ips": ips},
            "additionalProperties": False,
        }
        operation["requestBody"] = {"required": True, "content": _json(body)}
    return operation


def _control(summary: str, answer: dict[str, Any], body: dict[str, Any] | None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "tags": ["control"],
        "responses": {
            "200": {"description": "done", "content": _json(answer)},
            "400": {
                "description": "the body is not a JSON object, has an unknown key or a bad value",
                "content": _json({"$ref": "#/components/schemas/Error"}),
            },
            **{
                status: {
                    "description": _ERRORS[status],
                    "content": _json({"$ref": "#/components/schemas/Error"}),
                }
                for status in ("401", "413", "503")
            },
        },
    }
    if body is not None:
        operation["requestBody"] = {"required": False, "content": _json(body)}
    return operation


def _closed(properties: dict[str, Any], *required: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


CONTROL_ENDPOINTS: Final[dict[str, tuple[str, dict[str, Any]]]] = {
    "pending": (
        "GET",
        _control("the number of pending updates", _closed({"pending": _COUNT}, "pending"), None),
    ),
    "world": (
        "GET",
        _control(
            "the stored world (canonical form) and the pending count, in one snapshot",
            _closed({"pending": _COUNT, "world": {"type": "object"}}, "pending", "world"),
            None,
        ),
    ),
    "settle": (
        "POST",
        _control(
            "process the oldest N pending updates now (all without a limit)",
            _closed({"pending": _COUNT, "settled": _COUNT}, "pending", "settled"),
            _closed({"limit": {"oneOf": [_COUNT, {"type": "null"}]}}),
        ),
    ),
    "reset": (
        "POST",
        _control(
            "replace the whole state with a world, the ids creations receive, the worker on/off",
            _MESSAGE,
            _closed(
                {
                    "world": {"type": "object"},
                    "ids": {"type": "array", "items": {"type": "string"}},
                    "worker": {"type": ["boolean", "null"]},
                },
                "world",
            ),
        ),
    ),
}
"""Each control endpoint under ``/_ippools/``: its method and its OpenAPI operation."""


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route of :data:`ROUTES` and the control endpoints.

    A new dictionary each call, JSON-ready.
    """
    paths: dict[str, Any] = {}
    for route in ROUTES:
        item = paths.setdefault(route.template, {})
        for endpoint in route.endpoints:
            item[endpoint.method.lower()] = _operation(route, endpoint)
    for name, (method, operation) in CONTROL_ENDPOINTS.items():
        paths[f"/_ippools/{name}"] = {method.lower(): operation}
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "ippools: dedicated IP pools (DIPPs)",
            "version": "contract version 2",
            "description": (
                "The IP pools API of the ippools contract (version 2), as the reference server "
                "answers it, and the test-control endpoints under /_ippools/ "
                "(docs/conformance.md). Generated from the route table."
            ),
        },
        "components": {
            "schemas": {"Error": _MESSAGE},
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "basic"}},
        },
        "security": [{}, {"apiKey": []}],
        "paths": paths,
    }
