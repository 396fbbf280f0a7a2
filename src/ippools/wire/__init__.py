"""The wire layer: HTTP-shaped requests in, status and JSON body out; no web framework.

A host turns whatever its web framework gives it into a :class:`Request` (raw
path, query and form as ordered pairs, headers, decoded JSON body) and calls
:func:`handle` with its engine; the :class:`Response` holds the status, the JSON
body and, when the request became a command, the outcome the rules gave.

.. warning::

   The ``X-Mailgun-Account-Id``, ``X-Mailgun-Requestor`` and
   ``X-Mailgun-Requestor-Client`` headers of a :class:`Request` are **trusted
   input**: the wire layer acts as that account and records that requestor,
   without any check of who sent them. A host must set them from its own
   authentication (an API key, a gateway it trusts) and drop the ones an
   untrusted client sent; never pass a client's headers through as they are.
   ``ippools serve`` does this in its public mode (see ``docs/server.md``).
"""

from ippools.wire.handler import handle
from ippools.wire.request import Request, Response, fields

__all__ = ["Request", "Response", "fields", "handle"]
