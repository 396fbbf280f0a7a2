"""The reference HTTP server: real Mailgun clients talk to it unmodified (``ippools[server]``).

``ippools serve`` runs it; :func:`create_app` gives the ASGI application, for a
host that mounts it in its own ASGI stack. The wire layer decides every route
and answer; this package only turns HTTP into wire requests (identity from API
keys or trusted headers, bodies, limits), runs the store work off the event
loop with a background worker for pending updates, and offers the test-control
endpoints under ``/_ippools/``. See ``docs/server.md``.

Layout: :mod:`~ippools.server.app` (the ASGI application),
:mod:`~ippools.server.backend` (store, worker, resets),
:mod:`~ippools.server.bodies` (query and body decoding),
:mod:`~ippools.server.control` (the control endpoints),
:mod:`~ippools.server.keys` (the keys file) and :mod:`~ippools.server.run`
(uvicorn, the startup line, signals).
"""

from ippools.server.app import DEFAULT_MAX_BODY, DEFAULT_THREADS, IppoolsApp, create_app
from ippools.server.backend import Backend, open_database
from ippools.server.control import CONTROL_PREFIX
from ippools.server.keys import ApiKey, Keys, keys_from, load_keys

__all__ = [
    "CONTROL_PREFIX",
    "DEFAULT_MAX_BODY",
    "DEFAULT_THREADS",
    "ApiKey",
    "Backend",
    "IppoolsApp",
    "Keys",
    "create_app",
    "keys_from",
    "load_keys",
    "open_database",
]
