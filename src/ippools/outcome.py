"""What deciding a command yields: an acceptance with its changes, or a rejection.

An :class:`Accepted` outcome holds the answer body, the records to store, the
DIPPs deleted (as tombstones naming their replacement) and the pending updates
that the platform must carry out afterwards, in the order of S4. A
:class:`Rejected` outcome holds only the error: it changes nothing.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import attrs

from ippools.commands import Actor, Command
from ippools.errors import ApiError
from ippools.model import Domain, IPAddress, Pool

__all__ = [
    "Accepted",
    "Changes",
    "DomainUpdate",
    "Outcome",
    "PendingUpdate",
    "Rejected",
    "ReplaceWithIp",
    "ReplaceWithPool",
    "ReplaceWithShared",
    "Replacement",
    "SubaccountUpdate",
    "Tombstone",
    "started_body",
    "success_body",
]


def success_body(**fields: Any) -> dict[str, Any]:
    """The answer of an accepted command: ``{"message": "success"}`` with ``fields`` added.

    Every route answers this way except those whose effect goes on in pending
    updates (:func:`started_body`).
    """
    return {"message": "success", **fields}


def started_body() -> dict[str, Any]:
    """The answer of a command whose effect goes on in pending updates: 3.6 (D7) and 3.8-3.10.

    D7: deleting a DIPP answers ``started``, not the source's sample ``success``.
    """
    return {"message": "started"}


@attrs.frozen
class DomainUpdate:
    """Bring one domain's stored link and IPs up to date with its effective state."""

    domain_id: str


@attrs.frozen
class SubaccountUpdate:
    """Bring a subaccount's domains linked to a DIPP (or to what replaced it) up to date."""

    account_id: str
    pool_id: str


PendingUpdate: TypeAlias = DomainUpdate | SubaccountUpdate


@attrs.frozen
class ReplaceWithPool:
    """Domains of a deleted DIPP are relinked to ``pool_id``."""

    pool_id: str


@attrs.frozen
class ReplaceWithIp:
    """Domains of a deleted DIPP are unlinked and hold exactly ``ip``."""

    ip: IPAddress


def _choices(value: Any) -> tuple[tuple[str, IPAddress], ...]:
    return tuple(sorted(dict(value).items()))


@attrs.frozen
class ReplaceWithShared:
    """Domains of a deleted DIPP are unlinked and hold the shared IP chosen for each."""

    choices: tuple[tuple[str, IPAddress], ...] = attrs.field(converter=_choices)
    _index: dict[str, IPAddress] = attrs.field(init=False, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_index", dict(self.choices))

    def ip_for(self, domain_id: str) -> IPAddress | None:
        """The shared IP chosen for ``domain_id``, if the deletion chose one."""
        return self._index.get(domain_id)


Replacement: TypeAlias = ReplaceWithPool | ReplaceWithIp | ReplaceWithShared | None


@attrs.frozen
class Tombstone:
    """A deleted DIPP: who owned it and what replaces it for the domains still stored as linked."""

    pool_id: str
    account_id: str
    replacement: Replacement = None


@attrs.frozen
class Changes:
    """Everything an accepted command asks the store to write, in one unit."""

    pools: tuple[Pool, ...] = ()
    deleted_pools: tuple[Tombstone, ...] = ()
    domains: tuple[Domain, ...] = ()
    deleted_domains: tuple[str, ...] = ()
    pending: tuple[PendingUpdate, ...] = ()

    def __bool__(self) -> bool:
        return bool(
            self.pools or self.deleted_pools or self.domains or self.deleted_domains or self.pending
        )


@attrs.frozen
class Accepted:
    """The command is accepted: answer 200 with ``body``, store ``changes``.

    ``actor`` is who asked, for the host's audit record (C2).
    """

    command: Command
    body: dict[str, Any]
    changes: Changes = Changes()

    status = 200

    @property
    def actor(self) -> Actor:
        """Who asked."""
        return self.command.actor

    @property
    def pending(self) -> tuple[PendingUpdate, ...]:
        """The pending updates the command leaves, in S4 order."""
        return self.changes.pending


@attrs.frozen
class Rejected:
    """The command is rejected with ``error``; nothing changes and nothing is left pending."""

    command: Command
    error: ApiError

    @property
    def status(self) -> int:
        """The HTTP status of the error."""
        return self.error.status

    @property
    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        return self.error.body()


Outcome: TypeAlias = Accepted | Rejected
