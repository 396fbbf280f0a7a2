"""The storage primitives: what an adapter keeps, so that the state's algorithm can run on it.

Theory of operation
-------------------
The way a state is read and written (effective reads, applying a command's
changes, burying and pruning tombstones, running a pending update, counting
shared-IP usage) is written once, in :class:`~ippools.stored_state.StoredState`.
It runs over a :class:`Storage`: records and a few indexes, and nothing else. An
adapter (in memory, a SQLite file, a PostgreSQL database) implements these
primitives and no logic of the contract; a new adapter is a page of them plus
the store contract suite (:mod:`ippools.store.contract`).

What an adapter must guarantee
------------------------------
* **Records.** Accounts, dedicated IPs, shared IPs with their usage counts,
  live DIPPs, tombstones of deleted DIPPs and domains, each found by its id.
  Accounts, dedicated IPs and shared IPs are written by :meth:`Storage.load`
  and afterwards only by the host's provisioning commands
  (:mod:`ippools.rules.provisioning`), through the ``put_``/``remove_``/``add_``
  primitives below.
* **Read your writes.** Every primitive sees every earlier write at once: the
  algorithm reads what it has just written, inside one unit of work. Units of
  work (transactions) are the business of the layer above; a primitive neither
  begins nor ends one, and raises whatever its driver raises.
* **Indexes follow the records.** The indexes are part of the primitives:
  domains by name key (:func:`~ippools.model.domain_key`, C6), stored links by
  DIPP id and account in domain-id order, the DIPP holding each IP, the
  tombstones that a tombstone's replacement names, the ids of every DIPP ever
  stored, dedicated IPs by owner, live DIPPs by owner and by the subaccounts
  they are delegated to. After any sequence of writes each index
  answers exactly what a scan of the records would.
* **Cost.** Each primitive costs time in proportion to what it returns or
  writes, not to the size of the whole state (S6): a page of links is served by
  an index in domain-id order, never by reading every link of the DIPP.
* **No logic.** Adapters never resolve effective state, never decide to keep or
  drop a tombstone, never count shared usage on their own: they store what they
  are given.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Protocol

from ippools.model import Account, DedicatedIp, Domain, IPAddress, Pool
from ippools.outcome import Tombstone
from ippools.world import World

__all__ = ["Storage"]


class Storage(Protocol):
    """Records and indexes of one state; see the module documentation for the guarantees."""

    # -- accounts and IPs ------------------------------------------------------

    def get_account(self, account_id: str) -> Account | None:
        """The account with this id, if any."""

    def get_dedicated_ip(self, ip: IPAddress) -> DedicatedIp | None:
        """The dedicated IP record of ``ip``, if ``ip`` is dedicated."""

    def dedicated_ips_of(self, account_id: str) -> Iterable[DedicatedIp]:
        """Every dedicated IP the account owns, in any order."""

    def shared_ip_usage(self) -> Iterable[tuple[IPAddress, int]]:
        """Every shared IP with its stored usage count."""

    def add_usage(self, ips: Iterable[IPAddress], delta: int) -> None:
        """Add ``delta`` to the usage count of each shared IP among ``ips``; ignore the others."""

    def shared_usage(self, ip: IPAddress) -> int | None:
        """The stored usage count of the shared IP ``ip``; None when ``ip`` is not shared."""

    def subaccounts_of(self, account_id: str) -> Iterable[Account]:
        """The accounts whose parent is ``account_id``, in any order; served by an index."""

    def put_account(self, account: Account) -> None:
        """Store ``account``, replacing the account of that id if any."""

    def remove_account(self, account_id: str) -> None:
        """Forget the account ``account_id``, if stored."""

    def put_dedicated_ip(self, record: DedicatedIp) -> None:
        """Store ``record``, replacing the dedicated IP of that address if any (owner included)."""

    def remove_dedicated_ip(self, ip: IPAddress) -> None:
        """Forget the dedicated IP ``ip``, if stored."""

    def add_shared_ip(self, ip: IPAddress) -> None:
        """Store ``ip`` as a shared IP held by no domain (usage 0); an existing one is kept."""

    def remove_shared_ip(self, ip: IPAddress) -> None:
        """Forget the shared IP ``ip`` and its usage count, if stored."""

    # -- DIPPs -------------------------------------------------------------

    def get_pool(self, pool_id: str) -> Pool | None:
        """The live DIPP with this id, if any."""

    def pool_holding(self, ip: IPAddress) -> str | None:
        """The id of the live DIPP last stored holding ``ip``, if any."""

    def pool_id_in_use(self, pool_id: str) -> bool:
        """True when a DIPP with this id was ever stored (live or deleted since)."""

    def pools_of(self, account_id: str) -> Iterable[Pool]:
        """The live DIPPs whose owner is ``account_id``, in any order; served by an index."""

    def pools_delegated_to(self, account_id: str) -> Iterable[Pool]:
        """The live DIPPs whose ``delegated_to`` holds ``account_id``, in any order.

        Served by an index of delegations, kept by :meth:`put_pool` and
        :meth:`remove_pool`.
        """

    def put_pool(self, pool: Pool) -> None:
        """Store ``pool``, replacing the live DIPP of that id if any.

        It becomes the holder of each of its IPs; an IP it no longer has stops
        naming it as holder. Its id counts as used for good.
        """

    def remove_pool(self, pool_id: str) -> None:
        """Forget the live DIPP ``pool_id`` (if stored) and the IPs it held; its id stays used."""

    # -- tombstones of deleted DIPPs ----------------------------------------

    def get_tombstone(self, pool_id: str) -> Tombstone | None:
        """The stored tombstone of the deleted DIPP ``pool_id``, if any.

        A shared replacement may come without its choices, which an adapter may
        keep apart: :meth:`shared_choice` answers them one domain at a time.
        """

    def shared_choice(self, pool_id: str, domain_id: str) -> IPAddress | None:
        """The shared IP the deletion of ``pool_id`` chose for ``domain_id``, if any."""

    def tombstones_leading_to(self, pool_id: str) -> Collection[str]:
        """The ids of the stored tombstones whose replacement is the DIPP ``pool_id``.

        The answer may be a view of the index, good until the next write.
        """

    def put_tombstone(self, grave: Tombstone) -> None:
        """Store ``grave``, with every choice of a shared replacement."""

    def remove_tombstone(self, pool_id: str) -> None:
        """Forget the tombstone of ``pool_id`` and its choices, if stored."""

    # -- domains -------------------------------------------------------------

    def get_domain(self, domain_id: str) -> Domain | None:
        """The stored record of the domain with this id, if any."""

    def domain_with_key(self, key: str) -> Domain | None:
        """The stored record of the domain whose name key is ``key``, if any."""

    def linked(
        self, pool_id: str, account_id: str | None, after: str | None, limit: int | None
    ) -> list[Domain]:
        """Stored domains whose ``pool_id`` is ``pool_id``, sorted by domain id.

        Only the account's when ``account_id`` is given; only ids greater than
        ``after`` when it is given; at most ``limit`` (all when None). Served by
        an index, at a cost in proportion to the page, not to every link.
        """

    def domains_of(self, account_id: str) -> list[Domain]:
        """The stored domains of the account, in any order; served by an index."""

    def has_links(self, pool_id: str) -> bool:
        """True when some stored domain's ``pool_id`` is ``pool_id`` (``linked`` is not empty)."""

    def add_domain(self, domain: Domain) -> None:
        """Store a domain whose id is not stored yet."""

    def replace_domain(self, old: Domain, new: Domain) -> None:
        """Store ``new`` in place of ``old``, the stored record of the same id as read just before.

        ``old`` lets an adapter write only what changed (often only the IPs).
        """

    def remove_domain(self, domain: Domain) -> None:
        """Forget ``domain``, the stored record as read just before."""

    # -- whole state -----------------------------------------------------------

    def load(self, world: World, usage: Mapping[IPAddress, int]) -> None:
        """Store every record of ``world`` into empty storage, with the shared-IP ``usage``.

        Afterwards every primitive answers as if each record had been stored one
        by one; an adapter may write them in bulk.
        """

    def stored_world(self) -> World:
        """Every stored record (not the tombstones) as a world."""
