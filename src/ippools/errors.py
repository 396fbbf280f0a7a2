"""The error tree of ippools, and the registry of every error code.

Every error a caller can cause is an :class:`ApiError` with the HTTP status it
answers with, a stable machine-readable ``code`` and a message naming the
offending value. Rejections carry these as values; they are exceptions as well
so that a host may raise them.

:class:`ErrorCode` is the one registry of codes: each names the status it
answers with and what it means. An :class:`ApiError` only takes a registered
code whose status is its own, so a code can neither be misspelt nor change its
status unnoticed.

A message shows a value the caller gave through :func:`echo`, which cuts it to
:data:`ECHO_LIMIT` characters, so that no message grows with a hostile input (K26).
"""

from __future__ import annotations

import enum
import reprlib
from typing import ClassVar, Final

__all__ = [
    "ECHO_LIMIT",
    "ApiError",
    "BadRequest",
    "ConflictError",
    "DocumentError",
    "ErrorCode",
    "Forbidden",
    "InvalidChanges",
    "IppoolsError",
    "MethodNotAllowed",
    "NotFound",
    "echo",
]

ECHO_LIMIT: Final = 100
"""How many characters of a value an error message shows at most (K26)."""

_REPR = reprlib.Repr()  # bounds the work on big containers; echo makes the final cut
_REPR.maxlevel = 3
_REPR.maxstring = _REPR.maxother = ECHO_LIMIT
_REPR.maxlong = 1 << 30  # an int is cut like any other repr: its first digits, then ...


def echo(value: object) -> str:
    """The text an error message shows for ``value``: its ``repr``, cut to ECHO_LIMIT characters.

    A string of at most :data:`ECHO_LIMIT` characters shows as its ``repr``
    (``'acct-1'``); a longer one as the ``repr`` of its first ECHO_LIMIT characters
    followed by ``...`` outside the quotes (``'aaaa'...``), so that a cut value is
    never mistaken for one that ends in dots. Any other value shows the first
    ECHO_LIMIT characters of its ``repr``, followed by ``...`` when cut. The ``repr``
    escapes what is not printable, a lone surrogate included, so the result is
    always valid text; it never raises.
    """
    if isinstance(value, str):
        if len(value) <= ECHO_LIMIT:
            return repr(value)
        return repr(value[:ECHO_LIMIT]) + "..."
    try:
        text = _REPR.repr(value)
    except Exception:  # a repr that fails (an int past the digit limit, a broken __repr__)
        text = f"<{type(value).__name__}>"
    return text if len(text) <= ECHO_LIMIT else text[:ECHO_LIMIT] + "..."


class ErrorCode(enum.StrEnum):
    """Every code an :class:`ApiError` carries, with its HTTP status and its meaning.

    A code is a string: ``ErrorCode.INVALID_IP == "invalid_ip"``, and it prints
    and serialises as its text.
    """

    status: int
    meaning: str

    def __new__(cls, code: str, status: int, meaning: str) -> ErrorCode:
        member = str.__new__(cls, code)
        member._value_ = code
        member.status = status
        member.meaning = meaning
        return member

    # 400: malformed or missing input, or a rule the state forbids (C4)
    INVALID_TEXT = ("invalid_text", 400, "a name or value of the request is not text (K26)")
    MISSING_ACCOUNT = ("missing_account", 400, "the account header is missing or blank (C1)")
    REPEATED_HEADER = (
        "repeated_header",
        400,
        "an X-Mailgun header the route reads is repeated (K3)",
    )
    MISSING_REQUESTOR = ("missing_requestor", 400, "the requestor header is missing or blank (C2)")
    MISSING_CLIENT = ("missing_client", 400, "the requestor client header is missing or blank (C2)")
    INVALID_REQUESTOR = ("invalid_requestor", 400, "the requestor is not an e-mail address (C2)")
    UNKNOWN_PARAMETER = (
        "unknown_parameter",
        400,
        "a query or form field the route does not take (C8)",
    )
    REPEATED_PARAMETER = (
        "repeated_parameter",
        400,
        "a field that may be given once is repeated (C9)",
    )
    UNEXPECTED_BODY = ("unexpected_body", 400, "a JSON body on a route that takes none (K5)")
    UNEXPECTED_PARAMETER = (
        "unexpected_parameter",
        400,
        "a replacement the operation does not take: pool_id on 3.1, ip or pool_id on 3.2 (K23)",
    )
    INVALID_IP = ("invalid_ip", 400, "a value where an IP is wanted is not a valid IP (C5, K4)")
    INVALID_BODY = (
        "invalid_body",
        400,
        "the ips.json body is not an object with a non-empty ips array (3.10)",
    )
    UNKNOWN_FIELD = ("unknown_field", 400, "the ips.json body has a field other than ips (K6)")
    MISSING_FIELD = (
        "missing_field",
        400,
        "a required field (a DIPP's name or description, subaccount_id) is missing (3.4, 3.13, "
        "3.14)",
    )
    BLANK_FIELD = (
        "blank_field",
        400,
        "a DIPP's name or description, or subaccount_id, is blank (3.4, 3.7, 3.13, 3.14, K7)",
    )
    NOT_DEDICATED_IP = (
        "not_dedicated_ip",
        400,
        "the IP is not a dedicated IP of the account (3.1.4, 3.3-3.8)",
    )
    IP_IN_POOL = ("ip_in_pool", 400, "the IP already belongs to another DIPP (I3)")
    DOMAIN_LINKED = (
        "domain_linked",
        400,
        "the domain's IPs are managed by its DIPP (3.1.2, 3.16.3)",
    )
    DOMAIN_NOT_LINKED = ("domain_not_linked", 400, "the domain is not linked to a DIPP (3.3.1)")
    REPLACEMENT_IS_REMOVED = (
        "replacement_is_removed",
        400,
        "the replacement IP is the IP being removed (3.1.4)",
    )
    LAST_IP = (
        "last_ip",
        400,
        "the IP is the domain's last and the account may not use shared IPs (3.1.5)",
    )
    NO_SHARED_IP = ("no_shared_ip", 400, "no shared IP is left to give the domain (D4)")
    REPLACEMENT_REQUIRED = (
        "replacement_required",
        400,
        "a replacement (ip or pool_id) is required (3.3.1, 3.6.6, 3.14.5)",
    )
    BOTH_REPLACEMENTS = (
        "both_replacements",
        400,
        "both ip and pool_id are given as the replacement (3.6.2, 3.14.2, K5)",
    )
    SAME_POOL = (
        "same_pool",
        400,
        "the replacement DIPP is the DIPP being replaced (3.3.4, 3.6.3, 3.14.4)",
    )
    EMPTY_POOL = (
        "empty_pool",
        400,
        "the DIPP to link, delegate or replace with has no IPs (3.3.4, 3.6.3, 3.13.4, 3.14.4, "
        "3.16.2, D10)",
    )
    DELEGATED_POOL = (
        "delegated_pool",
        400,
        "a delegated DIPP can only be replaced by another DIPP (D6)",
    )
    UNKNOWN_DOMAIN = (
        "unknown_domain",
        400,
        "a link_domain or unlink_domain is not a domain id of the account (3.7.3)",
    )
    ADD_AND_REMOVE = ("add_and_remove", 400, "the same IP is in add_ip and in remove_ip (3.7.3)")
    LINK_AND_UNLINK = (
        "link_and_unlink",
        400,
        "the same domain is in link_domain and in unlink_domain (3.7.3)",
    )
    NO_CHANGE = ("no_change", 400, "the edit would change nothing (D8)")
    EMPTY_LINKED_POOL = (
        "empty_linked_pool",
        400,
        "the edit would leave a linked or delegated DIPP empty (D10)",
    )
    LAST_POOL_IP = (
        "last_pool_ip",
        400,
        "the IP is the last of a linked or delegated DIPP (3.9.2, D10)",
    )
    INVALID_LIMIT = (
        "invalid_limit",
        400,
        "limit is not ASCII digits for a value from 10 to 500 (3.12.2)",
    )
    INVALID_PAGE = ("invalid_page", 400, "page is not a canonical page token (3.12.3, K24)")
    SUBACCOUNT_NOT_FOUND = (
        "subaccount_not_found",
        400,
        "subaccount_id names no subaccount of the acting account (3.13.3, 3.14.3, K21)",
    )
    NOT_DELEGATED = (
        "not_delegated",
        400,
        "the DIPP is not delegated to the subaccount (3.14.3)",
    )
    INVALID_REPLACEMENT = (
        "invalid_replacement",
        400,
        "a revocation's ip is neither absent nor the keyword shared (3.14.4, I6)",
    )
    SUBACCOUNT_NOT_SHARED_ELIGIBLE = (
        "subaccount_not_shared_eligible",
        400,
        "a revocation asks for shared IPs for a subaccount not eligible for them (3.14.4)",
    )
    IP_OR_POOL_REQUIRED = (
        "ip_or_pool_required",
        400,
        "exactly one of ip and pool_id is required (3.16.1)",
    )
    INVALID_ID = (
        "invalid_id",
        400,
        "a new account or domain id, or domain name, is empty or holds whitespace or '/' (K13)",
    )
    ACCOUNT_EXISTS = ("account_exists", 400, "an account with this id exists already")
    UNKNOWN_ACCOUNT = ("unknown_account", 400, "the account a new record names does not exist")
    INVALID_PARENT = (
        "invalid_parent",
        400,
        "the parent of a new account is unknown, a subaccount, or the account itself (§1)",
    )
    ACCOUNT_IN_USE = (
        "account_in_use",
        400,
        "the account still has subaccounts, domains, dedicated IPs, DIPPs or delegations",
    )
    ACCOUNT_HOLDS_SHARED = (
        "account_holds_shared",
        400,
        "shared-IP eligibility cannot go while a domain of the account holds a shared IP (I5)",
    )
    IP_EXISTS = ("ip_exists", 400, "the IP is a dedicated or shared IP already")
    IP_IN_USE = ("ip_in_use", 400, "the IP to remove is held by a DIPP or a domain")
    DOMAIN_EXISTS = ("domain_exists", 400, "a domain with this id or name exists already (C6)")
    DOMAIN_WITHOUT_IP = (
        "domain_without_ip",
        400,
        "a new domain must hold an IP or be linked to a DIPP, not both or neither (I5)",
    )
    # 403: a feature or a right the account lacks
    DIPPS_DISABLED = ("dipps_disabled", 403, "the account lacks the DIPPs feature (C10)")
    NOT_SHARED_ELIGIBLE = (
        "not_shared_eligible",
        403,
        "the account may not use shared IPs (3.1.4, 3.3.2, 3.6.4)",
    )
    POOL_INHERITED = (
        "pool_inherited",
        403,
        "the DIPP is inherited from the parent account (3.6-3.10, 3.13, 3.14)",
    )
    # 404: not found, for this account (C7)
    ROUTE_NOT_FOUND = ("route_not_found", 404, "no route has this path (K1)")
    ACCOUNT_NOT_FOUND = ("account_not_found", 404, "the account does not exist (C1)")
    DOMAIN_NOT_FOUND = ("domain_not_found", 404, "the account has no domain of this name (C6, C7)")
    POOL_NOT_FOUND = ("pool_not_found", 404, "no DIPP of this id is visible to the account (C7)")
    IP_NOT_ON_DOMAIN = (
        "ip_not_on_domain",
        404,
        "the IP to remove is not one of the domain's (3.1.3)",
    )
    IP_NOT_IN_POOL = ("ip_not_in_pool", 404, "the IP to remove is not in the DIPP (3.9.1)")
    UNKNOWN_ACCOUNT_ID = ("unknown_account_id", 404, "no account has this id (provisioning)")
    DEDICATED_IP_NOT_FOUND = (
        "dedicated_ip_not_found",
        404,
        "the IP is not a dedicated IP (provisioning)",
    )
    SHARED_IP_NOT_FOUND = ("shared_ip_not_found", 404, "the IP is not a shared IP (provisioning)")
    DOMAIN_ID_NOT_FOUND = ("domain_id_not_found", 404, "no domain has this id (provisioning)")
    # 405
    METHOD_NOT_ALLOWED = ("method_not_allowed", 405, "the path does not take this method (K1)")


_BY_TEXT: dict[str, ErrorCode] = {member.value: member for member in ErrorCode}


class IppoolsError(Exception):
    """Base class of every error ippools raises on purpose."""


class ApiError(IppoolsError):
    """An error answer of the API: ``status``, ``code`` and ``message``.

    ``code`` is an :class:`ErrorCode` (or its text) whose status is the class's
    own; anything else raises :class:`ValueError` (:class:`TypeError` for a
    code or message that is not a string).
    """

    status: ClassVar[int] = 400

    def __init__(self, code: ErrorCode | str, message: str) -> None:
        if not isinstance(code, str):
            raise TypeError(f"code must be an ErrorCode, got {code!r}")
        if not isinstance(message, str):
            raise TypeError(f"message must be a string, got {message!r}")
        registered = _BY_TEXT.get(code)
        if registered is None:
            raise ValueError(f"code {code!r} is not in the ErrorCode registry")
        if registered.status != self.status:
            raise ValueError(
                f"code {str(code)!r} answers {registered.status}, not {self.status} "
                f"({type(self).__name__})"
            )
        super().__init__(message)
        self.code = registered
        self.message = message

    def body(self) -> dict[str, str]:
        """The JSON body of the error answer (C4)."""
        return {"message": self.message}

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and isinstance(other, ApiError)
            and (other.code, other.message) == (self.code, self.message)
        )

    def __hash__(self) -> int:
        return hash((type(self), self.code, self.message))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.code)!r}, {self.message!r})"


class BadRequest(ApiError):
    """400: malformed or missing input, or a rule that the current state forbids."""

    status = 400


class Forbidden(ApiError):
    """403: missing DIPPs feature, not shared-eligible, or a change to an inherited DIPP."""

    status = 403


class NotFound(ApiError):
    """404: an unknown route, account, domain, DIPP or IP (for this account)."""

    status = 404


class MethodNotAllowed(ApiError):
    """405: a known path asked with a method it does not take."""

    status = 405


class ConflictError(IppoolsError):
    """A store refused a write because a record changed since it was read; retry the command."""


class DocumentError(IppoolsError):
    """A world or scenario document is not valid; the message names the offending record."""


class InvalidChanges(IppoolsError, ValueError):
    """Changes given to a state or store would break a reference or an invariant of §4.

    The message names the offending record. Nothing was written. Changes that
    :func:`~ippools.rules.decide` produced never raise it; hand-made ones may.
    """
