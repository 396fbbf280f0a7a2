"""The OpenAPI 3.1 document: generated from the route table, served by ``ippools serve``, and
checked against the running server by schemathesis (no 500, every answer documented)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks

from ippools.cli import main
from ippools.openapi import CONTROL_ENDPOINTS, OPENAPI_PATH, openapi_document
from ippools.server.control import CONTROL_METHODS
from ippools.wire.routes import ROUTES
from tests.serving import Server, client_for, keys_file


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with Server("--trust-headers", "--no-access-log") as running:
        yield running


def test_every_route_of_the_table_is_an_operation() -> None:
    """Each path and method of ROUTES, and each control endpoint, is in the document; nothing
    else is."""
    paths = openapi_document()["paths"]
    expected = {(route.template, e.method.lower()) for route in ROUTES for e in route.endpoints}
    expected |= {(f"/_ippools/{name}", method.lower()) for name, method in CONTROL_METHODS.items()}
    assert {(path, method) for path, item in paths.items() for method in item} == expected
    assert {name: method for name, (method, _) in CONTROL_ENDPOINTS.items()} == CONTROL_METHODS


def test_operations_take_the_fields_their_endpoint_takes() -> None:
    """Query fields, form fields (repeatable ones as arrays) and the JSON body follow Endpoint."""
    paths = openapi_document()["paths"]
    for route in ROUTES:
        for endpoint in route.endpoints:
            operation = paths[route.template][endpoint.method.lower()]
            query = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
            assert query == set(endpoint.query)
            content = operation.get("requestBody", {}).get("content", {})
            form = content.get("application/x-www-form-urlencoded", {}).get("schema", {})
            assert set(form.get("properties", {})) == set(endpoint.form)
            for name in endpoint.repeatable:
                assert form["properties"][name]["oneOf"][1]["type"] == "array"
            assert ("application/json" in content) == endpoint.json
            assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "413", "503"}
    for name, method in CONTROL_METHODS.items():
        answers = paths[f"/_ippools/{name}"][method.lower()]["responses"]
        assert set(answers) == {"200", "400", "401", "413", "503"}
    edit = paths["/v3/ip_pools/{pool_id}"]["patch"]
    fields = edit["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    assert fields["add_ip"]["oneOf"][1] == {"type": "array", "items": {"type": "string"}}
    assert fields["name"] == {"type": "string"}


def test_the_document_is_openapi_3_1_and_json() -> None:
    """The version, the dialect, and a round trip through JSON that changes nothing."""
    document = openapi_document()
    assert document["openapi"] == "3.1.0"
    assert document["jsonSchemaDialect"] == "https://json-schema.org/draft/2020-12/schema"
    assert json.loads(json.dumps(document)) == document


def test_serve_answers_the_document_and_the_cli_prints_it(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    """GET /_ippools/openapi.json is the document; ``ippools openapi`` prints the same."""
    with client_for(server.url) as client:
        answer = client.get(OPENAPI_PATH)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == openapi_document()
    assert main(["openapi"]) == 0
    assert json.loads(capsys.readouterr().out) == openapi_document()


def test_public_mode_serves_the_document_without_a_key(tmp_path: Any) -> None:
    """In public mode, without control endpoints, the document needs no key; the API does."""
    keys = keys_file(tmp_path, ("key-1", "acct-1", "ops@example.com", "cli"))
    with Server("--keys", str(keys), "--no-access-log") as public, client_for(public.url) as c:
        assert c.get(OPENAPI_PATH).json() == openapi_document()
        assert c.get("/v3/ip_pools").status_code == 401
        assert c.get("/_ippools/pending").status_code == 401


def test_a_405_names_the_allowed_methods(server: Server) -> None:
    """RFC 9110: a 405 carries Allow, for an API route and a control endpoint alike."""
    with client_for(server.url) as client:
        answer = client.request("TRACE", "/v3/ip_pools")
        assert (answer.status_code, answer.headers["allow"]) == (405, "GET, POST")
        answer = client.delete("/v3/ip_pools/aaaaaaaaaaaaaaaaaaaaaaaa/domains")
        assert (answer.status_code, answer.headers["allow"]) == (405, "GET")
        answer = client.put("/_ippools/settle")
        assert (answer.status_code, answer.headers["allow"]) == (405, "POST")
        assert "allow" not in client.get("/v3/nowhere").headers


@pytest.fixture(scope="module")
def api_schema(server: Server) -> Any:
    return schemathesis.openapi.from_url(f"{server.url}{OPENAPI_PATH}")


CHECKS = [
    not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.allow_header_conformance,
    checks.negative_data_rejection,
    checks.unsupported_method,
]
"""Every answer documented (status, content type, body, headers), invalid data refused, 405s
right. Positive data acceptance is left out: a schema-valid request for a DIPP that does not
exist is rightly 404."""

OPERATIONS = [
    (path, method) for path, item in sorted(openapi_document()["paths"].items()) for method in item
]


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(
    api_schema: Any, path: str, method: str
) -> None:
    """Requests schemathesis generates for each operation, sent to ``ippools serve``: never a
    5xx, every answer documented. (Driven through Hypothesis here, as schemathesis' own
    pytest plugin does.)"""
    operation = api_schema[path][method]
    sent: list[int] = []

    @given(case=operation.as_strategy())
    @settings(max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        response = case.call_and_validate(checks=CHECKS)
        sent.append(response.status_code)

    check()
    assert sent
    assert max(sent) < 500
