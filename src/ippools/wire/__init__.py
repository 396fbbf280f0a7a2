"""The wire layer: HTTP-shaped requests in, status and JSON body out; no web framework.

A host turns whatever its web framework gives it into a :class:`Request` (raw
path, query and form as ordered pairs, headers, decoded JSON body) and calls
:func:`handle` with its engine; the :class:`Response` holds the status, the JSON
body and, when the request became a command, the outcome the rules gave.
"""

from ippools.wire.handler import handle
from ippools.wire.request import Request, Response, fields

__all__ = ["Request", "Response", "fields", "handle"]
