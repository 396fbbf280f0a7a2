"""The in-memory state: a state view that stores changes and runs pending work.

Every operation costs time proportional to the records it touches (S6): the
state keeps indexes (domains by name, stored links by DIPP and account, the DIPP
holding each IP, shared-IP usage in the effective state, and the reverse links
of tombstones) and updates them with each change instead of recomputing.

Tombstones of deleted DIPPs stay only while some stored domain still leads to
them; the ids of deleted DIPPs are remembered for good, so that none is handed
out again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import attrs

from ippools.model import Account, DedicatedIp, Domain, IPAddress, Pool, domain_key
from ippools.outcome import (
    Changes,
    DomainUpdate,
    PendingUpdate,
    ReplaceWithPool,
    ReplaceWithShared,
    Tombstone,
)
from ippools.state import resolve_domain
from ippools.world import World, check_world

__all__ = ["MemoryState"]


class MemoryState:
    """A mutable state held in memory; build it from a settled :class:`~ippools.world.World`.

    Raises :class:`~ippools.errors.DocumentError` when the world breaks a
    reference or an invariant.
    """

    def __init__(self, world: World | None = None) -> None:
        world = world if world is not None else World()
        check_world(world)
        self._accounts: dict[str, Account] = {a.id: a for a in world.accounts}
        self._dedicated: dict[IPAddress, DedicatedIp] = {r.ip: r for r in world.dedicated_ips}
        self._dedicated_by_account: dict[str, set[IPAddress]] = {}
        for record in world.dedicated_ips:
            self._dedicated_by_account.setdefault(record.account_id, set()).add(record.ip)
        self._shared: set[IPAddress] = set(world.shared_ips)
        self._usage: dict[IPAddress, int] = dict.fromkeys(world.shared_ips, 0)
        self._pools: dict[str, Pool] = {}
        self._holder: dict[IPAddress, str] = {}
        self._used_ids: set[str] = set()
        for pool in world.pools:
            self._put_pool(pool)
        self._tombstones: dict[str, Tombstone] = {}
        self._preds: dict[str, set[str]] = {}
        self._domains: dict[str, Domain] = {}
        self._by_key: dict[str, str] = {}
        self._links: dict[str, dict[str, set[str]]] = {}
        for domain in world.domains:
            self._store_domain(domain)
            self._count_shared(domain, 1)
        self._pending: deque[PendingUpdate] = deque()

    # -- StateView -------------------------------------------------------

    def account(self, account_id: str) -> Account | None:
        """The account with this id, if any."""
        return self._accounts.get(account_id)

    def dedicated_ip(self, ip: IPAddress) -> DedicatedIp | None:
        """The dedicated IP record of ``ip``, if ``ip`` is dedicated."""
        return self._dedicated.get(ip)

    def dedicated_ips_of(self, account_id: str) -> Iterable[DedicatedIp]:
        """Every dedicated IP owned by the account."""
        return [self._dedicated[ip] for ip in self._dedicated_by_account.get(account_id, ())]

    def is_shared_ip(self, ip: IPAddress) -> bool:
        """True when ``ip`` is a shared IP."""
        return ip in self._shared

    def shared_ip_usage(self) -> Iterable[tuple[IPAddress, int]]:
        """Every shared IP with how many domains hold it in the effective state."""
        return list(self._usage.items())

    def pool(self, pool_id: str) -> Pool | None:
        """The live DIPP with this id, if any."""
        return self._pools.get(pool_id)

    def pool_holding(self, ip: IPAddress) -> str | None:
        """The id of the live DIPP holding ``ip``, if any."""
        return self._holder.get(ip)

    def pool_id_in_use(self, pool_id: str) -> bool:
        """True when a live DIPP has this id or a deleted one had it."""
        return pool_id in self._used_ids

    def domain(self, domain_id: str) -> Domain | None:
        """The domain with this id, in its effective state."""
        stored = self._domains.get(domain_id)
        return None if stored is None else self._effective(stored)

    def domain_named(self, name: str) -> Domain | None:
        """The domain whose name matches ``name`` (C6), in its effective state."""
        domain_id = self._by_key.get(domain_key(name))
        return None if domain_id is None else self.domain(domain_id)

    def linked_domains(self, pool_id: str, account_id: str | None = None) -> list[Domain]:
        """The domains effectively linked to a live DIPP, optionally one account's, by id."""
        if pool_id not in self._pools:
            return []
        found = self._stored_links(pool_id, account_id)
        return [self._effective(self._domains[domain_id]) for domain_id in found]

    # -- stored state and pending work ---------------------------------------

    def stored_domain(self, domain_id: str) -> Domain | None:
        """The domain's record as stored, which may lag behind its effective state."""
        return self._domains.get(domain_id)

    @property
    def pending(self) -> tuple[PendingUpdate, ...]:
        """The pending updates, oldest first."""
        return tuple(self._pending)

    @property
    def pending_count(self) -> int:
        """How many pending updates remain."""
        return len(self._pending)

    def apply(self, changes: Changes) -> None:
        """Store an accepted command's changes and queue its pending updates."""
        before = {
            domain_id: self._effective(self._domains[domain_id])
            for domain_id in [d.id for d in changes.domains] + list(changes.deleted_domains)
            if domain_id in self._domains
        }
        for pool in changes.pools:
            self._put_pool(pool)
        for grave in changes.deleted_pools:
            self._bury_pool(grave)
        for domain_id in changes.deleted_domains:
            old = self._domains.get(domain_id)
            if old is not None:
                self._unstore_domain(old)
                self._count_shared(before[domain_id], -1)
        for domain in changes.domains:
            old = self._domains.get(domain.id)
            if old is not None:
                self._unstore_domain(old)
                self._count_shared(before[domain.id], -1)
            self._store_domain(domain)
            self._count_shared(self._effective(domain), 1)
        self._pending.extend(changes.pending)

    def process(self, limit: int | None = None) -> int:
        """Process up to ``limit`` pending updates (all when None), oldest first.

        Returns how many were processed.
        """
        done = 0
        while self._pending and (limit is None or done < limit):
            self.run_update(self._pending.popleft())
            done += 1
        return done

    def settle(self) -> int:
        """Process every pending update; return how many were processed."""
        return self.process()

    def run_update(self, update: PendingUpdate) -> None:
        """Carry out one pending update now (whether or not it is queued); idempotent."""
        if isinstance(update, DomainUpdate):
            self._materialize(update.domain_id)
            return
        for domain_id in self._stored_links(update.pool_id, update.account_id):
            self._materialize(domain_id)

    def world(self) -> World:
        """The stored state as a world (before a settle it may lag, K15)."""
        return World(
            accounts=self._accounts.values(),
            dedicated_ips=self._dedicated.values(),
            shared_ips=self._shared,
            domains=self._domains.values(),
            pools=self._pools.values(),
        )

    def effective_world(self) -> World:
        """The effective state as a world: what the stored state becomes once settled."""
        domains = [self._effective(d) for d in self._domains.values()]
        return attrs.evolve(self.world(), domains=domains)

    # -- internals -------------------------------------------------------------

    def _effective(self, stored: Domain) -> Domain:
        return resolve_domain(stored, self._tombstones.get, self._pools.get)

    def _closure(self, pool_id: str) -> list[str]:
        """``pool_id`` and every tombstone whose replacement chain leads to it."""
        out: list[str] = []
        stack = [pool_id]
        while stack:
            key = stack.pop()
            out.append(key)
            stack.extend(self._preds.get(key, ()))
        return out

    def _stored_links(self, pool_id: str, account_id: str | None) -> list[str]:
        """Ids of the domains stored as linked to ``pool_id`` or to a tombstone leading to
        it, optionally only the account's, sorted."""
        found: list[str] = []
        for key in self._closure(pool_id):
            by_account = self._links.get(key, {})
            if account_id is None:
                for ids in by_account.values():
                    found.extend(ids)
            else:
                found.extend(by_account.get(account_id, ()))
        found.sort()
        return found

    def _put_pool(self, pool: Pool) -> None:
        old = self._pools.get(pool.pool_id)
        if old is not None:
            for ip in old.ips - pool.ips:
                if self._holder.get(ip) == pool.pool_id:
                    del self._holder[ip]
        for ip in pool.ips:
            self._holder[ip] = pool.pool_id
        self._pools[pool.pool_id] = pool
        self._used_ids.add(pool.pool_id)

    def _bury_pool(self, grave: Tombstone) -> None:
        old = self._pools.pop(grave.pool_id, None)
        if old is not None:
            for ip in old.ips:
                if self._holder.get(ip) == grave.pool_id:
                    del self._holder[ip]
        rep = grave.replacement
        if isinstance(rep, ReplaceWithShared):
            for _, ip in rep.choices:
                if ip in self._usage:
                    self._usage[ip] += 1
        if self._links.get(grave.pool_id) or self._preds.get(grave.pool_id):
            self._tombstones[grave.pool_id] = grave
            if isinstance(rep, ReplaceWithPool):
                self._preds.setdefault(rep.pool_id, set()).add(grave.pool_id)

    def _store_domain(self, domain: Domain) -> None:
        self._domains[domain.id] = domain
        self._by_key[domain.key] = domain.id
        if domain.pool_id is not None:
            by_account = self._links.setdefault(domain.pool_id, {})
            by_account.setdefault(domain.account_id, set()).add(domain.id)

    def _unstore_domain(self, domain: Domain) -> None:
        del self._domains[domain.id]
        if self._by_key.get(domain.key) == domain.id:
            del self._by_key[domain.key]
        if domain.pool_id is None:
            return
        by_account = self._links.get(domain.pool_id)
        if by_account is None:
            return
        ids = by_account.get(domain.account_id)
        if ids is not None:
            ids.discard(domain.id)
            if not ids:
                del by_account[domain.account_id]
        if not by_account:
            del self._links[domain.pool_id]
            self._prune(domain.pool_id)

    def _prune(self, key: str) -> None:
        """Forget tombstones that no stored domain leads to any more."""
        while key in self._tombstones and not self._links.get(key) and not self._preds.get(key):
            grave = self._tombstones.pop(key)
            self._preds.pop(key, None)
            rep = grave.replacement
            if not isinstance(rep, ReplaceWithPool):
                return
            preds = self._preds.get(rep.pool_id)
            if preds is not None:
                preds.discard(key)
                if not preds:
                    del self._preds[rep.pool_id]
            key = rep.pool_id

    def _materialize(self, domain_id: str) -> None:
        stored = self._domains.get(domain_id)
        if stored is None:
            return
        effective = self._effective(stored)
        if effective == stored:
            return
        if effective.pool_id == stored.pool_id:  # only the IPs change: no index moves
            self._domains[domain_id] = effective
            return
        self._unstore_domain(stored)
        self._store_domain(effective)

    def _count_shared(self, domain: Domain, delta: int) -> None:
        for ip in domain.ips:
            if ip in self._shared:
                self._usage[ip] = self._usage.get(ip, 0) + delta
