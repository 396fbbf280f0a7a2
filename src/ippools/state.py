"""The read-only view of the state that the rules decide against.

Theory of operation
-------------------
The *stored* state may lag behind what accepted commands mean: when a DIPP's IPs
change, or a DIPP is deleted, the domains linked to it are brought up to date
later, by pending updates (contract §5). The rules never look at the lag. Every
read in :class:`StateView` answers with the *effective* state, the state once all
pending work is done (S2).

The effective state of a domain is derived from its stored record alone, by
:func:`resolve_domain`:

* stored as linked to a live DIPP: linked to it, holding that DIPP's IPs now;
* stored as linked to a deleted DIPP: follow the DIPP's tombstone to its
  replacement DIPP (and on, if that was deleted too), or to the replacement IP, or
  to the shared IP chosen for this domain when the DIPP was deleted;
* not linked: exactly as stored.

A pending update therefore needs to carry no data: processing it writes the
domain's effective state into its stored record. Processing twice is the same as
once, a synchronous command that already rewrote the domain is never undone
(S3), and updates may even run out of order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from ippools.model import Account, DedicatedIp, Domain, IPAddress, Pool
from ippools.outcome import Changes, ReplaceWithIp, ReplaceWithPool, ReplaceWithShared, Tombstone

__all__ = ["StateView", "WritableState", "resolve_domain"]


class StateView(Protocol):
    """What the rules read. Every domain and link it returns is in the effective state."""

    def account(self, account_id: str) -> Account | None:
        """The account with this id, if any."""

    def dedicated_ip(self, ip: IPAddress) -> DedicatedIp | None:
        """The dedicated IP record of ``ip``, if ``ip`` is dedicated."""

    def dedicated_ips_of(self, account_id: str) -> Iterable[DedicatedIp]:
        """Every dedicated IP owned by the account, in no particular order."""

    def shared_ip_usage(self) -> Iterable[tuple[IPAddress, int]]:
        """Every shared IP with the number of domains that hold it (effective state)."""

    def pool(self, pool_id: str) -> Pool | None:
        """The live DIPP with this id, if any (with its effective delegation)."""

    def pool_holding(self, ip: IPAddress) -> str | None:
        """The id of the live DIPP that holds ``ip``, if any."""

    def shared_usage(self, ip: IPAddress) -> int | None:
        """How many domains hold the shared IP ``ip`` (effective state); None when not shared."""

    def subaccounts_of(self, account_id: str) -> list[Account]:
        """The subaccounts of the account, sorted by id."""

    def domains_of(self, account_id: str) -> list[Domain]:
        """The account's domains in their effective state, sorted by id."""

    def pools_owned_by(self, account_id: str) -> list[Pool]:
        """The live DIPPs the account owns, sorted by pool id."""

    def pools_delegated_to(self, account_id: str) -> list[Pool]:
        """The live DIPPs delegated to the account (effective state), sorted by pool id."""

    def pool_id_in_use(self, pool_id: str) -> bool:
        """True when ``pool_id`` names a live DIPP or was ever used by one."""

    def domain(self, domain_id: str) -> Domain | None:
        """The domain with this id, in its effective state."""

    def domain_named(self, name: str) -> Domain | None:
        """The domain whose name matches ``name`` (C6), in its effective state."""

    def linked_domains(self, pool_id: str, account_id: str | None = None) -> list[Domain]:
        """The domains effectively linked to the DIPP, optionally only the account's, by id."""

    def linked_domains_page(
        self, pool_id: str, account_id: str | None, after: str | None, limit: int
    ) -> list[Domain]:
        """Of :meth:`linked_domains`, the first ``limit`` with an id after ``after`` (if given).

        Costs time in proportion to the page, not to every linked domain.
        """


_HOPS = range(10_000)
"""At most this many tombstones lead from a stored link to what replaced it; more can only
be a cycle in a damaged store."""


def resolve_domain(
    stored: Domain,
    tombstone: Callable[[str], Tombstone | None],
    pool: Callable[[str], Pool | None],
    shared_choice: Callable[[str, str], IPAddress | None] | None = None,
) -> Domain:
    """The effective state of a domain whose stored record is ``stored``.

    ``tombstone`` and ``pool`` look up deleted and live DIPPs by id. An id names
    a live DIPP or a deleted one, never both (K16), so the live DIPP is looked up
    first: a domain linked to a live DIPP needs no tombstone lookup. The shared
    IP a deletion chose for the domain comes from the tombstone's replacement, or
    from ``shared_choice(pool_id, domain_id)`` when given (for tombstones stored
    without their choices). A link that leads nowhere (a store that lost a DIPP)
    leaves the domain unlinked with the IPs it has, so that reads never fail on a
    damaged store.
    """
    pool_id = stored.pool_id
    if pool_id is None:
        return stored
    for _ in _HOPS:
        live = pool(pool_id)
        if live is not None:
            if stored.pool_id == pool_id and stored.ips == live.ips:
                return stored
            return Domain(stored.id, stored.name, stored.account_id, pool_id, live.ips)
        grave = tombstone(pool_id)
        if grave is None:
            break
        rep = grave.replacement
        if isinstance(rep, ReplaceWithPool):
            pool_id = rep.pool_id
            continue
        if isinstance(rep, ReplaceWithIp):
            return Domain(stored.id, stored.name, stored.account_id, None, frozenset((rep.ip,)))
        if isinstance(rep, ReplaceWithShared):
            if shared_choice is None:
                chosen = rep.ip_for(stored.id)
            else:
                chosen = shared_choice(pool_id, stored.id)
            ips = frozenset((chosen,)) if chosen is not None else stored.ips
            return Domain(stored.id, stored.name, stored.account_id, None, ips)
        break
    return Domain(stored.id, stored.name, stored.account_id, None, stored.ips)


class WritableState(StateView, Protocol):
    """A state that can also store an accepted command's changes and run its pending updates."""

    def apply(self, changes: Changes) -> None:
        """Store ``changes`` and queue their pending updates, as one unit."""

    def process(self, limit: int | None = None) -> int:
        """Process up to ``limit`` pending updates (all when None), oldest first; count them."""

    @property
    def pending_count(self) -> int:
        """How many pending updates remain."""
