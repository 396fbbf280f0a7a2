"""Rules of the DIPP listings: every visible DIPP (3.11), a DIPP's linked domains by page (3.12).

Both are reads: they change nothing and leave nothing pending. Both answer in
the effective state (S2): a deleted DIPP is not listed, a delegation moved to
a replacement DIPP counts at once, and a domain counts as linked to the DIPP
it will be linked to once pending work is done.

Visibility is that of 3.5: the owner (a subaccount reading a DIPP it owns
included, K12) sees every linked domain, its own and its subaccounts'; a
subaccount reading an inherited DIPP sees only its own.

A page of 3.12 is read through the index of links in domain-id order
(:meth:`~ippools.state.StateView.linked_domains_page`): it costs time in
proportion to the page, never to the number of linked domains (S6). A page
token is the domain id of the last item of a page, in base64url without
padding (3.12.3); it must be canonical (K24), so each id has exactly one
token.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from ippools.commands import ListPoolDomains, ListPools
from ippools.errors import BadRequest, ErrorCode, echo
from ippools.model import Account, Pool, ip_text, sorted_ips
from ippools.outcome import Accepted, success_body
from ippools.policies import Policies
from ippools.rules.checks import actor_account, has_linked_domains, visible_pool
from ippools.state import StateView

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MIN_LIMIT",
    "list_pool_domains",
    "list_pools",
    "page_token",
    "parse_limit",
    "parse_page",
]

MIN_LIMIT, MAX_LIMIT, DEFAULT_LIMIT = 10, 500, 10
"""3.12.2: the bounds of ``limit``, and its value when absent."""

_TOKEN = re.compile(r"[A-Za-z0-9_-]+")


def _viewer(pool: Pool, account: Account) -> str | None:
    """Whose linked domains ``account`` sees of ``pool``: None for all (the owner, K12)."""
    return None if pool.account_id == account.id else account.id


def _is_linked(state: StateView, pool: Pool, account: Account) -> bool:
    """3.5 ``is_linked``: one linked domain in the account's view is enough to know."""
    return has_linked_domains(state, pool.pool_id, _viewer(pool, account))


def list_pools(state: StateView, command: ListPools, policies: Policies) -> Accepted:
    """3.11: every DIPP visible to the account, its own and inherited ones (D12), by pool id."""
    account = actor_account(state, command.actor, audited=False)
    visible = state.pools_owned_by(account.id) + state.pools_delegated_to(account.id)
    items: list[dict[str, Any]] = [
        {
            "description": pool.description,
            "ips": [ip_text(ip) for ip in sorted_ips(pool.ips)],
            "is_inherited": pool.account_id != account.id,
            "is_linked": _is_linked(state, pool, account),
            "name": pool.name,
            "pool_id": pool.pool_id,
        }
        for pool in sorted(visible, key=lambda p: p.pool_id)
    ]
    return Accepted(command, success_body(ip_pools=items))


def parse_limit(text: str | None) -> int:
    """3.12.2: ASCII digits for a value from 10 to 500 (``010`` is 10); absent means 10."""
    if text is None:
        return DEFAULT_LIMIT
    digits = text.lstrip("0")
    if (
        not text
        or not text.isascii()
        or not text.isdigit()
        or len(digits) > len(str(MAX_LIMIT))
        or not MIN_LIMIT <= int(digits or "0") <= MAX_LIMIT
    ):
        raise BadRequest(
            ErrorCode.INVALID_LIMIT,
            f"limit {echo(text)} is not a whole number from {MIN_LIMIT} to {MAX_LIMIT}",
        )
    return int(digits)


def page_token(domain_id: str) -> str:
    """The page token of ``domain_id``: its UTF-8 bytes in base64url without ``=`` (3.12.3)."""
    return base64.urlsafe_b64encode(domain_id.encode("utf-8")).decode("ascii").rstrip("=")


def parse_page(text: str | None) -> str | None:
    """3.12.3, K24: the domain id a page token names; None when no token is given.

    The token must be non-empty base64url without padding, canonical (encoding
    what it decodes to gives it back, so unused bits are zero) and decode to
    strict UTF-8 (no surrogates, no overlong forms); else 400.
    """
    if text is None:
        return None
    error = BadRequest(ErrorCode.INVALID_PAGE, f"page {echo(text)} is not a page token")
    if _TOKEN.fullmatch(text) is None or len(text) % 4 == 1:
        raise error
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        domain_id = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise error from None
    if not domain_id or page_token(domain_id) != text:
        raise error
    return domain_id


def list_pool_domains(state: StateView, command: ListPoolDomains, policies: Policies) -> Accepted:
    """3.12: one page of the domains 3.5 lists as linked, by domain id, after the token's id."""
    account = actor_account(state, command.actor, audited=False)
    pool = visible_pool(state, account, command.pool_id)  # 3.12.1
    limit = parse_limit(command.limit)  # 3.12.2
    after = parse_page(command.page)  # 3.12.3
    page = state.linked_domains_page(pool.pool_id, _viewer(pool, account), after, limit)
    first = f"/v3/ip_pools/{pool.pool_id}/domains?limit={limit}"
    if page:
        following = f"{first}&page={page_token(page[-1].id)}"
    else:  # an empty page repeats the request's own token (3.12.5)
        following = first if command.page is None else f"{first}&page={command.page}"
    body = {
        "domains": [{"id": domain.id, "name": domain.name} for domain in page],
        "paging": {"first": first, "next": following},
    }
    return Accepted(command, body)
