"""From an HTTP-shaped request to a command, and from its outcome to status and JSON body.

Theory of operation
-------------------
:func:`handle` makes the wire checks in the order of K1, the first failing one
deciding the answer:

0. K26: every name and value of the request is text, and valid Unicode: else 400;
1. route: an unknown path is 404, a known path with another method 405;
2. C1: the account header (required, once) and the account (404);
3. C2 on the routes that read the audit headers;
4. the ``{ip}`` segment of the domain routes (``all``, ``ip_pool`` or an IP);
5. C8/C9 and the body kind;

then builds the route's command and lets the engine decide it: the rules make
the route's numbered steps (they repeat C1 and C2, which cannot fail again).
Nothing here reads a clock or raises for any request.
"""

from __future__ import annotations

from typing import Any

from ippools.commands import Actor, Command
from ippools.engine import Engine
from ippools.errors import ApiError, ErrorCode, MethodNotAllowed, NotFound, echo
from ippools.outcome import Rejected
from ippools.rules.checks import actor_account, check_account_header, check_audit
from ippools.state import StateView
from ippools.wire.parse import check_text, field_values, single_header, split_target
from ippools.wire.request import Request, Response
from ippools.wire.routes import Call, match

__all__ = ["ACCOUNT_HEADER", "CLIENT_HEADER", "REQUESTOR_HEADER", "handle"]

ACCOUNT_HEADER = "X-Mailgun-Account-Id"
REQUESTOR_HEADER = "X-Mailgun-Requestor"
CLIENT_HEADER = "X-Mailgun-Requestor-Client"


def handle(engine: Engine[Any], request: Request) -> Response:
    """Answer ``request`` against ``engine``: route, check, execute the command, render.

    An accepted command answers 200 with its body; a rejected one, or a request
    refused before it became a command, answers the error's status with
    ``{"message": ...}`` (C4). The response carries the outcome when the
    request became a command, so a host can store its audit record (C2), and
    the :class:`~ippools.errors.ApiError` answered, if any, with its code.

    Raises :class:`TypeError` only when ``engine`` is not an :class:`Engine` or
    ``request`` not a :class:`Request`; any request gets an answer.
    """
    if not isinstance(engine, Engine):
        raise TypeError(f"engine must be an ippools Engine, got {type(engine).__name__}")
    if not isinstance(request, Request):
        raise TypeError(f"request must be an ippools.wire Request, got {type(request).__name__}")
    try:
        command = _command(engine.state, request)
    except ApiError as refused:
        return Response(refused.status, refused.body(), None, refused)
    outcome = engine.execute(command)
    rejected = outcome.error if isinstance(outcome, Rejected) else None
    return Response(outcome.status, dict(outcome.body), outcome, rejected)


def _command(state: StateView, request: Request) -> Command:
    """The command of ``request``, or the :class:`ApiError` of the first failing wire check."""
    check_text(request)  # K26: before anything reads the request, the route included
    target = split_target(request.path)
    found = match(target.segments) if target.segments is not None else None
    if found is None:
        raise NotFound(ErrorCode.ROUTE_NOT_FOUND, f"no route for path {echo(target.path)}")
    route, params = found
    endpoint = route.endpoint(request.method)
    if endpoint is None:
        raise MethodNotAllowed(
            ErrorCode.METHOD_NOT_ALLOWED,
            f"method {echo(request.method)} is not allowed for path {echo(target.path)}; "
            f"allowed: {', '.join(route.methods)}",
        )
    account_id = single_header(request.headers, ACCOUNT_HEADER)  # C1
    check_account_header(account_id)
    assert account_id is not None
    actor = Actor(account_id)
    actor_account(state, actor, audited=False)
    if endpoint.audited:  # C2
        requestor = single_header(request.headers, REQUESTOR_HEADER)
        client = single_header(request.headers, CLIENT_HEADER)
        actor = Actor(account_id, requestor, client)
        check_audit(actor)
    route.checks(params)
    values = field_values(
        endpoint, route.template, target.query + request.query, request.form, request.json
    )
    return endpoint.build(Call(actor, params, values, request.json))
