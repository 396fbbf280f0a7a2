"""The check of a command's changes against a state: no reference broken, no invariant of §4.

Theory of operation
-------------------
Every write of a state or store goes through
:meth:`~ippools.stored_state.StoredState.write`, which first calls
:func:`check_changes` on changes a host builds by hand and commits
(``Store.commit``), so that the raw path cannot store, say, a domain of an
unknown account holding another account's IP. Changes that the rules decided
(:attr:`~ippools.outcome.Changes.decided`) are written without it: they keep
every invariant by construction, which the stateful tests check by running this
check on every decided change before it is written
(:mod:`ippools.testing.machine`). It raises
:class:`~ippools.errors.InvalidChanges` naming the first offending record,
before anything is written.

It reads the state as it will be once the changes are written (an overlay of the
changes on the state), and only the records the changes name and their owners:
its cost is in proportion to the changes (S6). It checks each written record
locally: references resolve, a DIPP's IPs are free dedicated IPs of its owner
(I3) delegated only to its subaccounts (I7) and not empty while delegated (I4),
a domain is linked only to a live DIPP visible to its account (I2) and holds at
least one IP (I5), shared ones only when eligible (I5), dedicated ones only its
account's or its DIPP's (I6); a removed account, dedicated IP or shared IP is no
longer used.
"""

from __future__ import annotations

from collections.abc import Iterable

from ippools.errors import InvalidChanges
from ippools.model import Account, DedicatedIp, Domain, IPAddress, Pool, domain_key, ip_text
from ippools.outcome import Changes, ReplaceWithIp, ReplaceWithPool, ReplaceWithShared
from ippools.state import StateView

__all__ = ["check_changes"]


class _After:
    """The state as it will be once ``changes`` are written, for the records they name."""

    def __init__(self, state: StateView, changes: Changes) -> None:
        self.state = state
        self.accounts = {a.id: a for a in changes.accounts}
        self.gone_accounts = set(changes.deleted_accounts)
        self.dedicated = {r.ip: r for r in changes.dedicated_ips}
        self.gone_dedicated = set(changes.deleted_dedicated_ips)
        self.new_shared = set(changes.shared_ips)
        self.gone_shared = set(changes.deleted_shared_ips)
        self.pools = {p.pool_id: p for p in changes.pools}
        self.gone_pools = {grave.pool_id for grave in changes.deleted_pools}
        self.domains = {d.id: d for d in changes.domains}
        self.gone_domains = set(changes.deleted_domains)

    def account(self, account_id: str) -> Account | None:
        if account_id in self.gone_accounts:
            return None
        return self.accounts.get(account_id) or self.state.account(account_id)

    def dedicated_ip(self, ip: IPAddress) -> DedicatedIp | None:
        if ip in self.gone_dedicated:
            return None
        return self.dedicated.get(ip) or self.state.dedicated_ip(ip)

    def is_shared(self, ip: IPAddress) -> bool:
        if ip in self.gone_shared:
            return False
        return ip in self.new_shared or self.state.shared_usage(ip) is not None

    def pool(self, pool_id: str) -> Pool | None:
        if pool_id in self.gone_pools:
            return None
        return self.pools.get(pool_id) or self.state.pool(pool_id)

    def stored_holder(self, ip: IPAddress) -> str | None:
        """The stored DIPP holding ``ip`` that still holds it once the changes are written."""
        holder = self.state.pool_holding(ip)
        if holder is None or holder in self.gone_pools:
            return None
        rewritten = self.pools.get(holder)
        if rewritten is not None and ip not in rewritten.ips:
            return None
        return holder

    def holder(self, ip: IPAddress) -> str | None:
        """The live DIPP holding ``ip`` once written."""
        for pool in self.pools.values():
            if ip in pool.ips:
                return pool.pool_id
        return self.stored_holder(ip)

    def subaccounts_of(self, account_id: str) -> list[Account]:
        """The account's subaccounts once written."""
        kept = [
            a
            for a in self.state.subaccounts_of(account_id)
            if a.id not in self.accounts and a.id not in self.gone_accounts
        ]
        return kept + [a for a in self.accounts.values() if a.parent_id == account_id]

    def pools_delegated_to(self, account_id: str) -> list[Pool]:
        """The live DIPPs delegated to the account once written."""
        kept = [
            p
            for p in self.state.pools_delegated_to(account_id)
            if p.pool_id not in self.pools and p.pool_id not in self.gone_pools
        ]
        return kept + [p for p in self.pools.values() if account_id in p.delegated_to]

    def domains_of(self, account_id: str) -> list[Domain]:
        """The account's domains once written (effective state for those not written)."""
        kept = [
            d
            for d in self.state.domains_of(account_id)
            if d.id not in self.gone_domains and d.id not in self.domains
        ]
        return kept + [d for d in self.domains.values() if d.account_id == account_id]


def _fail(message: str) -> InvalidChanges:
    return InvalidChanges(message)


def check_changes(state: StateView, changes: Changes) -> None:
    """Raise :class:`~ippools.errors.InvalidChanges` when ``changes`` would break the state.

    ``state`` is the state the changes are about to be written to. Nothing is
    read beyond the records the changes name and their owners.
    """
    after = _After(state, changes)
    if changes.has_platform_records:
        _check_accounts(after, changes)
        _check_ips(after, changes)
    held: dict[IPAddress, str] = {}
    for pool in changes.pools:
        _check_pool(after, pool, held)
    for grave in changes.deleted_pools:
        _check_tombstone(after, grave.pool_id, grave.account_id, grave.replacement)
    for domain in changes.domains:
        _check_domain(after, domain)


def _check_accounts(after: _After, changes: Changes) -> None:
    for account in changes.accounts:
        if not account.shared_ip_eligible:
            for domain in after.domains_of(account.id):
                if any(after.is_shared(ip) for ip in domain.ips):
                    raise _fail(
                        f"account {account.id!r} is not shared-eligible but its domain "
                        f"{domain.id!r} holds a shared IP"
                    )
        parent_id = account.parent_id
        if parent_id is not None:
            parent = after.account(parent_id)
            if parent is None or parent.parent_id is not None:
                raise _fail(
                    f"account {account.id!r}: parent {parent_id!r} is not a top-level account"
                )
            subaccounts = after.subaccounts_of(account.id)
            if subaccounts:
                raise _fail(
                    f"account {account.id!r} has a parent but also subaccounts, such as "
                    f"{subaccounts[0].id!r}"
                )
        for pool in after.pools_delegated_to(account.id):  # I7, whatever became of the parent
            if pool.account_id != parent_id:
                raise _fail(
                    f"account {account.id!r}: DIPP {pool.pool_id!r} of {pool.account_id!r} "
                    "is delegated to it, and that is not its parent"
                )
    for account_id in changes.deleted_accounts:
        state = after.state
        left = [
            what
            for what, found in (
                ("subaccounts", after.subaccounts_of(account_id)),
                ("delegated DIPPs", after.pools_delegated_to(account_id)),
                ("domains", after.domains_of(account_id)),
                (
                    "dedicated IPs",
                    [r for r in state.dedicated_ips_of(account_id) if after.dedicated_ip(r.ip)],
                ),
                ("DIPPs", [p for p in state.pools_owned_by(account_id) if after.pool(p.pool_id)]),
            )
            if found
        ]
        if left:
            raise _fail(f"account {account_id!r} is removed but still has {', '.join(left)}")


def _check_ips(after: _After, changes: Changes) -> None:
    for record in changes.dedicated_ips:
        if after.account(record.account_id) is None:
            raise _fail(
                f"dedicated IP {ip_text(record.ip)}: account {record.account_id!r} does not exist"
            )
        if after.is_shared(record.ip):
            raise _fail(f"dedicated IP {ip_text(record.ip)} is a shared IP too")
    for ip in changes.shared_ips:
        if after.dedicated_ip(ip) is not None:
            raise _fail(f"shared IP {ip_text(ip)} is a dedicated IP too")
    for ip in changes.deleted_dedicated_ips:
        removed = after.state.dedicated_ip(ip)
        if removed is None:
            continue
        if after.holder(ip) is not None:
            raise _fail(
                f"dedicated IP {ip_text(ip)} is removed but DIPP {after.holder(ip)!r} holds it"
            )
        if any(ip in d.ips for d in after.domains_of(removed.account_id)):
            raise _fail(f"dedicated IP {ip_text(ip)} is removed but a domain holds it")
    for ip in changes.deleted_shared_ips:
        usage = after.state.shared_usage(ip) or 0
        written = [d for d in changes.domains if ip in d.ips]
        if usage or written:
            raise _fail(f"shared IP {ip_text(ip)} is removed but a domain holds it")


def _check_pool(after: _After, pool: Pool, held: dict[IPAddress, str]) -> None:
    label = f"DIPP {pool.pool_id!r}"
    if after.account(pool.account_id) is None:
        raise _fail(f"{label}: account {pool.account_id!r} does not exist")
    for ip in pool.ips:
        record = after.dedicated_ip(ip)
        if record is None or record.account_id != pool.account_id:
            raise _fail(f"{label}: IP {ip_text(ip)} is not a dedicated IP of {pool.account_id!r}")
        other = held.get(ip) or after.stored_holder(ip)
        if other is not None and other != pool.pool_id:
            raise _fail(f"{label}: IP {ip_text(ip)} is in DIPP {other!r} too")
        held[ip] = pool.pool_id
    for sub_id in pool.delegated_to:
        sub = after.account(sub_id)
        if sub is None or sub.parent_id != pool.account_id:
            raise _fail(f"{label}: {sub_id!r} is not a subaccount of {pool.account_id!r}")
    if pool.delegated_to and not pool.ips:
        raise _fail(f"{label} is delegated but has no IPs")


def _check_tombstone(after: _After, pool_id: str, account_id: str, rep: object) -> None:
    label = f"deleted DIPP {pool_id!r}"
    if isinstance(rep, ReplaceWithPool):
        target = after.pool(rep.pool_id)
        if target is None or not target.ips:
            raise _fail(f"{label}: replacement DIPP {rep.pool_id!r} is not a live DIPP with IPs")
    elif isinstance(rep, ReplaceWithIp):
        record = after.dedicated_ip(rep.ip)
        if record is None or record.account_id != account_id:
            raise _fail(f"{label}: IP {ip_text(rep.ip)} is not a dedicated IP of {account_id!r}")
    elif isinstance(rep, ReplaceWithShared):
        for domain_id, ip in rep.choices:
            if not after.is_shared(ip):
                raise _fail(f"{label}: IP {ip_text(ip)} chosen for {domain_id!r} is not shared")


def _check_domain(after: _After, domain: Domain) -> None:
    label = f"domain {domain.id!r}"
    account = after.account(domain.account_id)
    if account is None:
        raise _fail(f"{label}: account {domain.account_id!r} does not exist")
    named = after.state.domain_named(domain.name)
    if named is not None and named.id != domain.id and named.id not in after.gone_domains:
        renamed = after.domains.get(named.id)
        if renamed is None or domain_key(renamed.name) == domain.key:
            raise _fail(f"{label}: name {domain.name!r} is the name of domain {named.id!r}")
    pool: Pool | None = None
    ips: Iterable[IPAddress] = domain.ips
    if domain.pool_id is not None:
        pool = after.pool(domain.pool_id)
        if pool is None:
            raise _fail(f"{label}: DIPP {domain.pool_id!r} is not a live DIPP")
        if pool.account_id != account.id and account.id not in pool.delegated_to:
            raise _fail(f"{label}: DIPP {pool.pool_id!r} is not visible to {account.id!r}")
        ips = pool.ips
    ips = frozenset(ips)
    if not ips:
        raise _fail(f"{label} holds no IP")
    for ip in ips:
        if after.is_shared(ip):
            if not account.shared_ip_eligible:
                raise _fail(f"{label}: account {account.id!r} may not hold shared IP {ip_text(ip)}")
            continue
        record = after.dedicated_ip(ip)
        if record is None:
            raise _fail(f"{label}: IP {ip_text(ip)} is neither a dedicated nor a shared IP")
        if record.account_id != account.id and not (pool is not None and ip in pool.ips):
            raise _fail(f"{label}: IP {ip_text(ip)} is a dedicated IP of {record.account_id!r}")
