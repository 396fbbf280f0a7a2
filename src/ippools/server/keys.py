"""API keys for the server's public mode: each key names an account and who is asking.

A keys file is a JSON object::

    {"keys": [
      {"key": "key-3ax6xnjp29jd6fds4gc373sgvjxteol0", "account": "acct-1",
       "requestor": "ops@example.com", "client": "billing-service"}
    ]}

``key`` is the secret a client sends as the password of HTTP Basic auth with
the user ``api`` (what the official SDKs send); ``account`` becomes
``X-Mailgun-Account-Id`` (C1), ``requestor`` and ``client`` become
``X-Mailgun-Requestor`` and ``X-Mailgun-Requestor-Client`` (C2). Every field is
required and no other is taken; keys must not repeat.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ippools.commands import Actor
from ippools.documents import parse_json
from ippools.errors import ApiError, DocumentError
from ippools.rules.checks import check_audit

__all__ = [
    "ACCOUNT_HEADER",
    "CLIENT_HEADER",
    "IDENTITY_HEADERS",
    "REQUESTOR_HEADER",
    "ApiKey",
    "Keys",
    "basic_auth_key",
    "keys_from",
    "load_keys",
]

ACCOUNT_HEADER = "X-Mailgun-Account-Id"
"""The acting account (C1)."""
REQUESTOR_HEADER = "X-Mailgun-Requestor"
"""Who asked, an e-mail address (C2)."""
CLIENT_HEADER = "X-Mailgun-Requestor-Client"
"""The client that asked (C2)."""
IDENTITY_HEADERS = (ACCOUNT_HEADER, REQUESTOR_HEADER, CLIENT_HEADER)
"""The headers the wire layer takes as who is asking: trusted input (see ``ippools.wire``)."""

_FIELDS = ("key", "account", "requestor", "client")


@attrs.frozen
class ApiKey:
    """Who a key acts as: the account, and the requestor and client recorded for C2."""

    account: str
    requestor: str
    client: str

    @property
    def actor(self) -> Actor:
        """The actor whose headers the server fills in."""
        return Actor(self.account, self.requestor, self.client)

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        """The identity headers of this key, as the server puts them on a request."""
        values = (self.account, self.requestor, self.client)
        return tuple(zip(IDENTITY_HEADERS, values, strict=True))


@attrs.frozen
class Keys:
    """The keys of a keys file, by secret."""

    by_secret: Mapping[str, ApiKey] = attrs.field(factory=dict)

    def __len__(self) -> int:
        return len(self.by_secret)

    def lookup(self, secret: str) -> ApiKey | None:
        """The key with this secret, or None."""
        return self.by_secret.get(secret)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise DocumentError(f"{where}: expected a string, got {type(value).__name__}")
    if not value or value != value.strip() or not value.isprintable():
        raise DocumentError(
            f"{where}: must be non-empty printable text without surrounding whitespace"
        )
    return value


def keys_from(data: Any) -> Keys:
    """Check a parsed keys document and return its keys.

    Raises :class:`~ippools.errors.DocumentError` naming the offending entry,
    for example ``keys[1].requestor: header X-Mailgun-Requestor 'ops' is not an
    e-mail address``.
    """
    if not isinstance(data, dict) or set(data) != {"keys"}:
        raise DocumentError('a keys file is a JSON object with one field, "keys"')
    entries = data["keys"]
    if not isinstance(entries, list):
        raise DocumentError("keys: expected an array")
    found: dict[str, ApiKey] = {}
    for index, entry in enumerate(entries):
        where = f"keys[{index}]"
        if not isinstance(entry, dict):
            raise DocumentError(f"{where}: expected an object")
        unknown = sorted(set(entry) - set(_FIELDS))
        if unknown:
            raise DocumentError(f"{where}: unknown field {unknown[0]!r}")
        for name in _FIELDS:
            if name not in entry:
                raise DocumentError(f"{where}.{name}: required")
        secret, account, requestor, client = (
            _text(entry[name], f"{where}.{name}") for name in _FIELDS
        )
        if secret in found:
            raise DocumentError(f"{where}.key: repeats the key of an earlier entry")
        if any(c.isspace() or c == "/" for c in account):
            raise DocumentError(f"{where}.account: {account!r} contains whitespace or '/'")
        key = ApiKey(account, requestor, client)
        try:
            check_audit(key.actor)
        except ApiError as error:
            raise DocumentError(f"{where}: {error.message}") from None
        found[secret] = key
    return Keys(found)


def load_keys(path: str | os.PathLike[str]) -> Keys:
    """Read and check the keys file at ``path``.

    Raises :class:`~ippools.errors.DocumentError` whose message starts with the
    path, for a file that cannot be read, is not strict JSON or is not valid.
    """
    label = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
        return keys_from(parse_json(text))
    except OSError as error:
        raise DocumentError(f"{label}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise DocumentError(f"{label}: not UTF-8 text (byte {error.start})") from None
    except DocumentError as error:
        raise DocumentError(f"{label}: {error}") from None


def basic_auth_key(values: Iterable[bytes]) -> str | None:
    """The key of ``Authorization: Basic base64(api:<key>)``, or None when there is none.

    ``values`` are the request's ``Authorization`` header values. Returns None
    for no header, two headers, another scheme, bad base64, text that is not
    UTF-8, or a user other than ``api``.
    """
    given = list(values)
    if len(given) != 1:
        return None
    scheme, _, encoded = given[0].strip().partition(b" ")
    if scheme.lower() != b"basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, secret = decoded.partition(":")
    if not colon or user != "api" or not secret:
        return None
    return secret
