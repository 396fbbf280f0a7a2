"""The in-memory state: storage primitives in dictionaries, and MemoryState built on them.

:class:`MemoryStorage` implements the :class:`~ippools.storage.Storage`
primitives with dictionaries and sets, keeping every index up to date with each
write instead of recomputing it, so that each primitive costs time in
proportion to what it touches (S6). Stored links are kept per DIPP id and
account in :class:`SortedIds`, so that a page of links in domain-id order is
read without going through every link.

:class:`MemoryState` is the state's one algorithm
(:class:`~ippools.stored_state.StoredState`) over a :class:`MemoryStorage`, with
its pending updates in a queue: the complete state an
:class:`~ippools.engine.Engine` needs in one process. The in-memory *store*, with
versions, an outbox and a lock, is :class:`~ippools.store.MemoryStore`.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from itertools import chain, islice
from operator import attrgetter

from ippools.arguments import check_count
from ippools.model import (
    Account,
    DedicatedIp,
    Domain,
    IPAddress,
    Pool,
    domain_key,
    domain_keys,
)
from ippools.outcome import Changes, PendingUpdate, ReplaceWithPool, ReplaceWithShared, Tombstone
from ippools.stored_state import StoredState, load_world
from ippools.world import World

__all__ = ["MemoryState", "MemoryStorage", "SortedIds"]


_BY_ID = attrgetter("id")
_BY_NAME = attrgetter("name")
_BY_ACCOUNT = attrgetter("account_id")


class SortedIds:
    """A sorted set of strings, kept in buckets of bounded size.

    Adding, discarding and starting a page after a given string cost time in
    proportion to the logarithm of the size plus one bucket, never to the
    whole set (a plain sorted list would move every later item on each change).
    """

    __slots__ = ("_buckets", "_maxes")

    SPLIT = 1000
    """A bucket longer than this is cut in two."""

    def __init__(self) -> None:
        self._buckets: list[list[str]] = []
        self._maxes: list[str] = []

    def __bool__(self) -> bool:
        return bool(self._maxes)

    def __len__(self) -> int:
        return sum(len(bucket) for bucket in self._buckets)

    def __iter__(self) -> Iterator[str]:
        return self.after(None)

    def add(self, item: str) -> None:
        """Add ``item`` unless it is already there."""
        maxes, buckets = self._maxes, self._buckets
        if not maxes or item > maxes[-1]:  # after every item: the usual case of growing ids
            if not maxes:
                buckets.append([])
                maxes.append(item)
            at = len(maxes) - 1
            bucket = buckets[at]
            bucket.append(item)
            maxes[at] = item
        else:  # the bucket holding the first item not before it, which stays its last
            at = bisect_left(maxes, item)
            bucket = buckets[at]
            spot = bisect_left(bucket, item)
            if bucket[spot] == item:
                return
            bucket.insert(spot, item)
        if len(bucket) > self.SPLIT:
            half = len(bucket) // 2
            buckets.insert(at + 1, bucket[half:])
            del bucket[half:]
            maxes.insert(at, bucket[-1])

    def discard(self, item: str) -> None:
        """Remove ``item`` if it is there."""
        maxes = self._maxes
        at = bisect_left(maxes, item)
        if at == len(maxes):
            return
        bucket = self._buckets[at]
        spot = bisect_left(bucket, item)
        if bucket[spot] != item:
            return
        del bucket[spot]
        if not bucket:
            del self._buckets[at]
            del maxes[at]
        elif spot == len(bucket):
            maxes[at] = bucket[-1]

    def after(self, start: str | None) -> Iterator[str]:
        """The items greater than ``start`` (all when None), in order."""
        buckets = self._buckets
        if start is None:
            return chain.from_iterable(buckets)
        at = bisect_right(self._maxes, start)
        if at == len(buckets):
            return iter(())
        first = buckets[at]
        rest = islice(first, bisect_right(first, start), None)  # no copy of the bucket
        return chain(rest, chain.from_iterable(islice(buckets, at + 1, None)))


def _discard(index: dict[str, set[str]], key: str, item: str) -> None:
    """Remove ``item`` from ``index[key]``, dropping the key once its set is empty."""
    items = index.get(key)
    if items is not None:
        items.discard(item)
        if not items:
            del index[key]


class MemoryStorage:
    """The :class:`~ippools.storage.Storage` primitives over dictionaries, for one process."""

    get_account: Callable[[str], Account | None]
    get_dedicated_ip: Callable[[IPAddress], DedicatedIp | None]
    get_pool: Callable[[str], Pool | None]
    pool_holding: Callable[[IPAddress], str | None]
    get_domain: Callable[[str], Domain | None]
    get_tombstone: Callable[[str], Tombstone | None]

    def __init__(self) -> None:
        self._accounts: dict[str, Account] = {}
        self._dedicated: dict[IPAddress, DedicatedIp] = {}
        self._dedicated_by_account: dict[str, set[IPAddress]] = {}
        self._usage: dict[IPAddress, int] = {}
        self._pools: dict[str, Pool] = {}
        self._holder: dict[IPAddress, str] = {}
        self._pools_by_owner: dict[str, set[str]] = {}
        self._delegations: dict[str, set[str]] = {}
        self._used_ids: set[str] = set()
        self._tombstones: dict[str, Tombstone] = {}
        self._leading_to: dict[str, set[str]] = {}
        self._domains: dict[str, Domain] = {}
        self._subaccounts: dict[str, set[str]] = {}
        self._domains_by_account: dict[str, set[str]] = {}
        self._by_key: dict[str, str] = {}
        self._links: dict[str, dict[str, SortedIds]] = {}
        # The lookups by id are the dictionaries' own: they are the hottest primitives.
        self.get_account = self._accounts.get
        self.get_dedicated_ip = self._dedicated.get
        self.get_pool = self._pools.get
        self.pool_holding = self._holder.get
        self.get_domain = self._domains.get
        self.get_tombstone = self._tombstones.get

    # -- accounts and IPs ------------------------------------------------------

    def dedicated_ips_of(self, account_id: str) -> list[DedicatedIp]:
        return [self._dedicated[ip] for ip in self._dedicated_by_account.get(account_id, ())]

    def shared_ip_usage(self) -> list[tuple[IPAddress, int]]:
        return list(self._usage.items())

    def add_usage(self, ips: Iterable[IPAddress], delta: int) -> None:
        usage = self._usage
        for ip in ips:
            if ip in usage:
                usage[ip] += delta

    def shared_usage(self, ip: IPAddress) -> int | None:
        return self._usage.get(ip)

    def subaccounts_of(self, account_id: str) -> list[Account]:
        return [self._accounts[sub] for sub in self._subaccounts.get(account_id, ())]

    def put_account(self, account: Account) -> None:
        self.remove_account(account.id)
        self._accounts[account.id] = account
        if account.parent_id is not None:
            self._subaccounts.setdefault(account.parent_id, set()).add(account.id)

    def remove_account(self, account_id: str) -> None:
        old = self._accounts.pop(account_id, None)
        if old is not None and old.parent_id is not None:
            _discard(self._subaccounts, old.parent_id, account_id)

    def put_dedicated_ip(self, record: DedicatedIp) -> None:
        self.remove_dedicated_ip(record.ip)
        self._dedicated[record.ip] = record
        self._dedicated_by_account.setdefault(record.account_id, set()).add(record.ip)

    def remove_dedicated_ip(self, ip: IPAddress) -> None:
        old = self._dedicated.pop(ip, None)
        if old is not None:
            owned = self._dedicated_by_account[old.account_id]
            owned.discard(ip)
            if not owned:
                del self._dedicated_by_account[old.account_id]

    def add_shared_ip(self, ip: IPAddress) -> None:
        self._usage.setdefault(ip, 0)

    def remove_shared_ip(self, ip: IPAddress) -> None:
        self._usage.pop(ip, None)

    # -- DIPPs -------------------------------------------------------------------

    def pool_id_in_use(self, pool_id: str) -> bool:
        return pool_id in self._used_ids

    def pools_of(self, account_id: str) -> list[Pool]:
        return [self._pools[pool_id] for pool_id in self._pools_by_owner.get(account_id, ())]

    def pools_delegated_to(self, account_id: str) -> list[Pool]:
        return [self._pools[pool_id] for pool_id in self._delegations.get(account_id, ())]

    def put_pool(self, pool: Pool) -> None:
        pool_id, holder = pool.pool_id, self._holder
        old = self._pools.get(pool_id)
        if old is not None:
            for ip in old.ips - pool.ips:
                if holder.get(ip) == pool_id:
                    del holder[ip]
            self._unindex(old, old.delegated_to - pool.delegated_to)
        for ip in pool.ips:
            holder[ip] = pool_id
        self._pools[pool_id] = pool
        self._used_ids.add(pool_id)
        self._pools_by_owner.setdefault(pool.account_id, set()).add(pool_id)
        for account_id in pool.delegated_to:
            self._delegations.setdefault(account_id, set()).add(pool_id)

    def remove_pool(self, pool_id: str) -> None:
        old = self._pools.pop(pool_id, None)
        if old is None:
            return
        holder = self._holder
        for ip in old.ips:
            if holder.get(ip) == pool_id:
                del holder[ip]
        self._unindex(old, old.delegated_to, owner=True)

    def _unindex(self, pool: Pool, delegations: Iterable[str], *, owner: bool = False) -> None:
        """Forget ``pool`` as delegated to each of ``delegations`` (and as owned, if ``owner``)."""
        for account_id in delegations:
            _discard(self._delegations, account_id, pool.pool_id)
        if owner:
            _discard(self._pools_by_owner, pool.account_id, pool.pool_id)

    # -- tombstones ----------------------------------------------------------------

    def shared_choice(self, pool_id: str, domain_id: str) -> IPAddress | None:
        grave = self._tombstones.get(pool_id)
        rep = None if grave is None else grave.replacement
        return rep.ip_for(domain_id) if isinstance(rep, ReplaceWithShared) else None

    def tombstones_leading_to(self, pool_id: str) -> Collection[str]:
        return self._leading_to.get(pool_id, ())

    def put_tombstone(self, grave: Tombstone) -> None:
        self.remove_tombstone(grave.pool_id)
        self._tombstones[grave.pool_id] = grave
        rep = grave.replacement
        if isinstance(rep, ReplaceWithPool):
            self._leading_to.setdefault(rep.pool_id, set()).add(grave.pool_id)

    def remove_tombstone(self, pool_id: str) -> None:
        grave = self._tombstones.pop(pool_id, None)
        if grave is None or not isinstance(grave.replacement, ReplaceWithPool):
            return
        target = grave.replacement.pool_id
        leading = self._leading_to[target]
        leading.discard(pool_id)
        if not leading:
            del self._leading_to[target]

    # -- domains ---------------------------------------------------------------------

    def domain_with_key(self, key: str) -> Domain | None:
        domain_id = self._by_key.get(key)
        return None if domain_id is None else self._domains[domain_id]

    def linked(
        self, pool_id: str, account_id: str | None, after: str | None, limit: int | None
    ) -> list[Domain]:
        by_account = self._links.get(pool_id)
        if by_account is None:
            return []
        ids: Iterator[str]
        if account_id is not None:
            own = by_account.get(account_id)
            if own is None:
                return []
            ids = own.after(after)
        elif len(by_account) == 1:
            ids = next(iter(by_account.values())).after(after)
        else:
            ids = heapq.merge(*(sorted_ids.after(after) for sorted_ids in by_account.values()))
        return list(map(self._domains.__getitem__, ids if limit is None else islice(ids, limit)))

    def domains_of(self, account_id: str) -> list[Domain]:
        domains = self._domains
        return [domains[domain_id] for domain_id in self._domains_by_account.get(account_id, ())]

    def has_links(self, pool_id: str) -> bool:
        return pool_id in self._links

    def add_domain(self, domain: Domain) -> None:
        domain_id = domain.id
        self._domains[domain_id] = domain
        self._by_key[domain_key(domain.name)] = domain_id
        ids = self._domains_by_account.get(domain.account_id)
        if ids is None:
            ids = self._domains_by_account[domain.account_id] = set()
        ids.add(domain_id)
        if domain.pool_id is not None:
            self._link(domain)

    def replace_domain(self, old: Domain, new: Domain) -> None:
        self._domains[new.id] = new
        if old.name != new.name:
            self._forget_key(old)
            self._by_key[new.key] = new.id
        if old.pool_id != new.pool_id or old.account_id != new.account_id:
            self._unlink(old)
            self._link(new)
        if old.account_id != new.account_id:
            _discard(self._domains_by_account, old.account_id, old.id)
            self._domains_by_account.setdefault(new.account_id, set()).add(new.id)

    def remove_domain(self, domain: Domain) -> None:
        del self._domains[domain.id]
        self._forget_key(domain)
        self._unlink(domain)
        _discard(self._domains_by_account, domain.account_id, domain.id)

    def _forget_key(self, domain: Domain) -> None:
        key = domain.key
        if self._by_key.get(key) == domain.id:
            del self._by_key[key]

    def _link(self, domain: Domain) -> None:
        pool_id = domain.pool_id
        if pool_id is None:
            return
        by_account = self._links.get(pool_id)
        if by_account is None:
            by_account = self._links[pool_id] = {}
        ids = by_account.get(domain.account_id)
        if ids is None:
            ids = by_account[domain.account_id] = SortedIds()
        ids.add(domain.id)

    def _unlink(self, domain: Domain) -> None:
        pool_id = domain.pool_id
        if pool_id is None:
            return
        by_account = self._links[pool_id]
        ids = by_account[domain.account_id]
        ids.discard(domain.id)
        if not ids:
            del by_account[domain.account_id]
            if not by_account:
                del self._links[pool_id]

    # -- whole state -------------------------------------------------------------------

    def load(self, world: World, usage: Mapping[IPAddress, int]) -> None:
        for account in world.accounts:
            self.put_account(account)
        for record in world.dedicated_ips:
            self._dedicated[record.ip] = record
            self._dedicated_by_account.setdefault(record.account_id, set()).add(record.ip)
        self._usage.update(usage)
        for pool in world.pools:
            self.put_pool(pool)
        # What add_domain does for each domain in turn, done column by column: each
        # index is written in the same order, so it ends the same.
        domains = world.domains
        ids = list(map(_BY_ID, domains))
        self._domains.update(zip(ids, domains, strict=True))
        self._by_key.update(zip(domain_keys(map(_BY_NAME, domains)), ids, strict=True))
        by_account = self._domains_by_account
        for domain_id, account_id in zip(ids, map(_BY_ACCOUNT, domains), strict=True):
            own = by_account.get(account_id)
            if own is None:
                own = by_account[account_id] = set()
            own.add(domain_id)
        for domain in domains:
            if domain.pool_id is not None:
                self._link(domain)

    def stored_world(self) -> World:
        return World(
            accounts=self._accounts.values(),
            dedicated_ips=self._dedicated.values(),
            shared_ips=self._usage.keys(),
            domains=self._domains.values(),
            pools=self._pools.values(),
        )


class MemoryState(StoredState):
    """A mutable state held in memory; build it from a settled :class:`~ippools.world.World`.

    Raises :class:`~ippools.errors.DocumentError` when the world breaks a
    reference or an invariant.
    """

    def __init__(self, world: World | None = None) -> None:
        storage = MemoryStorage()
        load_world(storage, world if world is not None else World())
        super().__init__(storage)
        self._pending: deque[PendingUpdate] = deque()

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
        self.write(changes)
        self._pending.extend(changes.pending)

    def process(self, limit: int | None = None) -> int:
        """Process up to ``limit`` pending updates (all when None), oldest first.

        Returns how many were processed. Raises :class:`TypeError` or
        :class:`ValueError` for a ``limit`` that is neither None nor a count.
        """
        check_count(limit, "limit", optional=True)
        done = 0
        while self._pending and (limit is None or done < limit):
            self.run_update(self._pending.popleft())
            done += 1
        return done

    def settle(self) -> int:
        """Process every pending update; return how many were processed."""
        return self.process()
