"""The state's algorithm, written once over the storage primitives of any adapter.

Theory of operation
-------------------
:class:`StoredState` keeps a state in a :class:`~ippools.storage.Storage` and is
everything the rules and the pending work need from it. It does no I/O of its
own: every read and write goes through the storage primitives, so the same code
runs in memory (:class:`~ippools.memory_state.MemoryState`) and on every store
adapter (:class:`~ippools.store.base.Store`).

*Reads* answer in the effective state (S2): a stored domain goes through
:func:`~ippools.state.resolve_domain`, which follows tombstones of deleted DIPPs
to what replaced them.

*Links through tombstones.* A domain is stored linked to one DIPP id, live or
deleted. The domains effectively linked to a live DIPP are those stored under
its id or under the id of any tombstone whose replacement chain leads to it:
the *closure* of the DIPP, found through the index of tombstones by
replacement. Every domain is stored under exactly one id, so the pages of
the closure's ids, each in domain-id order, merge into one page without
duplicates: :meth:`StoredState.linked_domains_page` reads ``limit`` links per
id of the closure, never every link.

*Tombstones are kept only while they lead somewhere.* Deleting a DIPP stores
its tombstone only when a stored domain or another tombstone still leads to
it. Whenever a stored domain leaves a DIPP id (it is removed, rewritten or
brought up to date), the tombstone of that id is pruned if nothing leads to it
any more, and so on down its replacement chain. The ids of deleted DIPPs stay
used for good (K16).

*Shared-IP usage* is kept in the effective state (D4): a written or removed
domain moves its effective IPs' counts; a deletion that gives each domain a
shared IP counts the chosen IPs at once, before any domain is brought up to
date. Bringing a domain up to date never changes its effective IPs, so it
never touches the counts.

*A pending update* writes a domain's effective state into its stored record
(:meth:`StoredState.run_update`). It needs no data of its own, is idempotent
and may run in any order (S5).

Writes through this class are the only writes: a command's changes
(:meth:`StoredState.write`), including DIPPs whose IPs or delegations change
and domains relinked with them, and pending updates. Loading a settled world
is :func:`load_world`.
"""

from __future__ import annotations

import heapq
import operator
from collections import Counter
from collections.abc import Callable
from itertools import islice

import attrs

from ippools.arguments import check_count
from ippools.changes_check import check_changes
from ippools.model import Account, DedicatedIp, Domain, IPAddress, Pool, domain_key
from ippools.outcome import Changes, DomainUpdate, PendingUpdate, ReplaceWithPool, ReplaceWithShared
from ippools.state import resolve_domain
from ippools.storage import Storage
from ippools.world import World, check_world

__all__ = ["StoredState", "load_world"]

_by_id = operator.attrgetter("id")
_ips_of = operator.attrgetter("ips")
_by_pool_id = operator.attrgetter("pool_id")


def load_world(storage: Storage, world: World) -> None:
    """Check ``world`` and store it into empty ``storage``, counting its shared-IP usage.

    Raises :class:`~ippools.errors.DocumentError` when the world breaks a
    reference or an invariant; nothing is stored then.
    """
    check_world(world)
    usage = dict.fromkeys(world.shared_ips, 0)
    # Domains share few distinct IP sets (every domain linked to a DIPP holds its
    # IPs): count each set once, by the hash a frozenset keeps, not each IP.
    for ips, holders in Counter(map(_ips_of, world.domains)).items():
        for ip in ips:
            if ip in usage:
                usage[ip] += holders
    storage.load(world, usage)


class StoredState:
    """A state kept in ``storage``: effective reads, a command's changes, pending updates.

    It is a :class:`~ippools.state.StateView`; it queues nothing (the pending
    updates of a change are the caller's to keep).
    """

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        # Bound once: every effective read goes through these.
        self._get_pool = storage.get_pool
        self._get_tombstone = storage.get_tombstone
        self._shared_choice = storage.shared_choice

    # -- StateView -----------------------------------------------------------

    def account(self, account_id: str) -> Account | None:
        """The account with this id, if any."""
        return self._storage.get_account(account_id)

    def dedicated_ip(self, ip: IPAddress) -> DedicatedIp | None:
        """The dedicated IP record of ``ip``, if ``ip`` is dedicated."""
        return self._storage.get_dedicated_ip(ip)

    def dedicated_ips_of(self, account_id: str) -> list[DedicatedIp]:
        """Every dedicated IP owned by the account, in no particular order."""
        return list(self._storage.dedicated_ips_of(account_id))

    def shared_ip_usage(self) -> list[tuple[IPAddress, int]]:
        """Every shared IP with how many domains hold it in the effective state."""
        return list(self._storage.shared_ip_usage())

    def pool(self, pool_id: str) -> Pool | None:
        """The live DIPP with this id, if any."""
        return self._storage.get_pool(pool_id)

    def pool_holding(self, ip: IPAddress) -> str | None:
        """The id of the live DIPP holding ``ip``, if any."""
        return self._storage.pool_holding(ip)

    def pool_id_in_use(self, pool_id: str) -> bool:
        """True when a live DIPP has this id or a deleted one had it."""
        return self._storage.pool_id_in_use(pool_id)

    def shared_usage(self, ip: IPAddress) -> int | None:
        """How many domains hold the shared IP ``ip`` (effective state); None when not shared."""
        return self._storage.shared_usage(ip)

    def subaccounts_of(self, account_id: str) -> list[Account]:
        """The subaccounts of the account, sorted by id."""
        return sorted(self._storage.subaccounts_of(account_id), key=_by_id)

    def domains_of(self, account_id: str) -> list[Domain]:
        """The account's domains in their effective state, sorted by id."""
        stored = sorted(self._storage.domains_of(account_id), key=_by_id)
        pool = self._pool_cache()
        return [self._effective(domain, pool) for domain in stored]

    def pools_owned_by(self, account_id: str) -> list[Pool]:
        """The live DIPPs the account owns, sorted by pool id."""
        return sorted(self._storage.pools_of(account_id), key=_by_pool_id)

    def pools_delegated_to(self, account_id: str) -> list[Pool]:
        """The live DIPPs delegated to the account, sorted by pool id.

        Delegations are written synchronously (3.6 moves them to the
        replacement at once), so the stored ones are the effective ones.
        """
        return sorted(self._storage.pools_delegated_to(account_id), key=_by_pool_id)

    def domain(self, domain_id: str) -> Domain | None:
        """The domain with this id, in its effective state."""
        stored = self._storage.get_domain(domain_id)
        return None if stored is None else self._effective(stored)

    def domain_named(self, name: str) -> Domain | None:
        """The domain whose name matches ``name`` (C6), in its effective state."""
        stored = self._storage.domain_with_key(domain_key(name))
        return None if stored is None else self._effective(stored)

    def linked_domains(self, pool_id: str, account_id: str | None = None) -> list[Domain]:
        """The domains effectively linked to a live DIPP, optionally one account's, by id."""
        return self._linked_domains(pool_id, account_id, None, None)

    def linked_domains_page(
        self, pool_id: str, account_id: str | None, after: str | None, limit: int
    ) -> list[Domain]:
        """The first ``limit`` domains effectively linked to a live DIPP with an id after ``after``.

        Sorted by id, optionally only ``account_id``'s; ``after`` None starts at
        the first. It costs time in proportion to ``limit`` times the DIPP's
        tombstones, not to the number of linked domains. Raises
        :class:`TypeError` or :class:`ValueError` for a ``limit`` that is not a
        count.
        """
        check_count(limit, "limit")
        return self._linked_domains(pool_id, account_id, after, limit)

    # -- stored state ------------------------------------------------------------

    def stored_domain(self, domain_id: str) -> Domain | None:
        """The domain's record as stored, which may lag behind its effective state."""
        return self._storage.get_domain(domain_id)

    def world(self) -> World:
        """The stored state as a world (before a settle it may lag, K15)."""
        return self._storage.stored_world()

    def effective_world(self) -> World:
        """The effective state as a world: what the stored state becomes once settled."""
        world = self._storage.stored_world()
        pool = self._pool_cache()
        return attrs.evolve(world, domains=[self._effective(d, pool) for d in world.domains])

    # -- writes ------------------------------------------------------------------

    def write(self, changes: Changes) -> None:
        """Store an accepted command's records (not its pending updates, the caller's to keep).

        Accounts, dedicated IPs and shared IPs are added first and removed last,
        so that the DIPPs and domains written in between may name them. Raises
        :class:`~ippools.errors.InvalidChanges` (writing nothing) for changes
        that would break a reference or an invariant (:func:`check_changes`),
        unless the rules decided them (:attr:`~ippools.outcome.Changes.decided`).
        """
        if not changes.decided:
            check_changes(self, changes)
        storage = self._storage
        platform = changes.has_platform_records
        if platform:
            for account in changes.accounts:
                storage.put_account(account)
            for record in changes.dedicated_ips:
                storage.put_dedicated_ip(record)
            for ip in changes.shared_ips:
                storage.add_shared_ip(ip)
        before: dict[str, Domain] = {}
        if changes.domains or changes.deleted_domains:
            for domain_id in [d.id for d in changes.domains] + list(changes.deleted_domains):
                stored = storage.get_domain(domain_id)
                if stored is not None:
                    before[domain_id] = self._effective(stored)
        for pool in changes.pools:
            storage.put_pool(pool)
        for grave in changes.deleted_pools:
            storage.remove_pool(grave.pool_id)
            rep = grave.replacement
            if isinstance(rep, ReplaceWithShared):
                storage.add_usage([ip for _, ip in rep.choices], 1)
            if storage.has_links(grave.pool_id) or self._led_to(grave.pool_id):
                storage.put_tombstone(grave)
        for domain_id in changes.deleted_domains:
            old = storage.get_domain(domain_id)
            if old is not None:
                storage.remove_domain(old)
                self._left(old.pool_id)
                storage.add_usage(before[domain_id].ips, -1)
        for domain in changes.domains:
            old = storage.get_domain(domain.id)
            if old is None:
                storage.add_domain(domain)
            else:
                storage.add_usage(before[domain.id].ips, -1)
                storage.replace_domain(old, domain)
                if old.pool_id != domain.pool_id:
                    self._left(old.pool_id)
            storage.add_usage(self._effective(domain).ips, 1)
        if platform:
            for ip in changes.deleted_shared_ips:
                storage.remove_shared_ip(ip)
            for ip in changes.deleted_dedicated_ips:
                storage.remove_dedicated_ip(ip)
            for account_id in changes.deleted_accounts:
                storage.remove_account(account_id)

    def run_update(self, update: PendingUpdate) -> None:
        """Carry out one pending update now (whether or not it is queued); idempotent (S5).

        The domains it names take their effective state as their stored record;
        a domain that is gone or already up to date is left alone.
        """
        if isinstance(update, DomainUpdate):
            stored = self._storage.get_domain(update.domain_id)
            if stored is not None:
                self._bring_up_to_date(stored)
            return
        for stored in self._stored_links(update.pool_id, update.account_id, None, None):
            self._bring_up_to_date(stored)

    # -- internals ---------------------------------------------------------------

    def _pool_cache(self) -> Callable[[str], Pool | None]:
        """A lookup of live DIPPs that reads each one once, for reads of many domains."""
        cache: dict[str, Pool | None] = {}
        get_pool = self._get_pool

        def pool(pool_id: str) -> Pool | None:
            if pool_id not in cache:
                cache[pool_id] = get_pool(pool_id)
            return cache[pool_id]

        return pool

    def _effective(
        self, stored: Domain, pool: Callable[[str], Pool | None] | None = None
    ) -> Domain:
        return resolve_domain(
            stored, self._get_tombstone, pool or self._get_pool, self._shared_choice
        )

    def _led_to(self, pool_id: str) -> bool:
        """True when a stored tombstone's replacement is ``pool_id``."""
        return len(self._storage.tombstones_leading_to(pool_id)) > 0

    def _closure(self, pool_id: str) -> list[str]:
        """``pool_id`` and every tombstone whose replacement chain leads to it."""
        leading_to = self._storage.tombstones_leading_to
        stack = list(leading_to(pool_id))
        out = [pool_id]
        while stack:
            key = stack.pop()
            out.append(key)
            stack.extend(leading_to(key))
        return out

    def _stored_links(
        self, pool_id: str, account_id: str | None, after: str | None, limit: int | None
    ) -> list[Domain]:
        """Stored domains whose link leads to ``pool_id``, by id: a page per closure id, merged."""
        linked = self._storage.linked
        if not self._storage.tombstones_leading_to(pool_id):  # the usual case: one page
            return linked(pool_id, account_id, after, limit)
        pages = [linked(key, account_id, after, limit) for key in self._closure(pool_id)]
        return list(islice(heapq.merge(*pages, key=_by_id), limit))

    def _linked_domains(
        self, pool_id: str, account_id: str | None, after: str | None, limit: int | None
    ) -> list[Domain]:
        live = self._get_pool(pool_id)
        if live is None:
            return []
        found = self._stored_links(pool_id, account_id, after, limit)
        # Every link found leads to ``live`` through tombstones only: no other DIPP is live.
        # A record linked to it directly and holding its very IP set is its own effective
        # state (resolve_domain returns it as it is), seen without a call per domain.
        pool, ips = {pool_id: live}.get, live.ips
        return [
            stored
            if stored.ips is ips and stored.pool_id == pool_id
            else self._effective(stored, pool)
            for stored in found
        ]

    def _bring_up_to_date(self, stored: Domain) -> None:
        effective = self._effective(stored)
        if effective is stored or effective == stored:
            return
        self._storage.replace_domain(stored, effective)
        if effective.pool_id != stored.pool_id:
            self._left(stored.pool_id)

    def _left(self, key: str | None) -> None:
        """A stored domain no longer links to ``key``: forget tombstones nothing leads to."""
        storage = self._storage
        while key is not None:
            if storage.has_links(key) or self._led_to(key):
                return
            grave = storage.get_tombstone(key)
            if grave is None:
                return
            storage.remove_tombstone(key)
            rep = grave.replacement
            key = rep.pool_id if isinstance(rep, ReplaceWithPool) else None
