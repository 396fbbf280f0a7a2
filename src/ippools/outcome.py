"""What deciding a command yields: an acceptance with its changes, or a rejection.

An :class:`Accepted` outcome holds the answer body, the records to store, the
DIPPs deleted (as tombstones naming their replacement) and the pending updates
that the platform must carry out afterwards, in the order of S4. A
:class:`Rejected` outcome holds only the error: it changes nothing.

Every value here checks its fields when it is built: a field of the wrong type
raises :class:`TypeError`, a malformed pool id or IP :class:`ValueError`, each
naming the field. Collections are tuples; IPs may be given as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias, get_args

import attrs

from ippools._validators import instance_of, is_text
from ippools.commands import Actor, Command
from ippools.errors import ApiError, echo
from ippools.model import Account, DedicatedIp, Domain, IPAddress, Pool, ip_address, is_pool_id

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
    "mark_decided",
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


def _pool_id(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    is_text(instance, attribute, value)
    if not is_pool_id(value):
        raise ValueError(f"{attribute.name} must be 24 lowercase hex digits, got {echo(value)}")


def _check_tuple(name: str, value: Any, kinds: tuple[type[Any], ...]) -> None:
    """``value`` is a tuple of instances of ``kinds``; else TypeError naming the field."""
    if type(value) is not tuple:
        names = " or ".join(kind.__name__ for kind in kinds)
        raise TypeError(f"{name} must be a tuple of {names}, got {echo(value)}")
    for item in value:
        if not isinstance(item, kinds):
            names = " or ".join(kind.__name__ for kind in kinds)
            raise TypeError(f"{name} must hold {names} only, got {echo(item)}")


def _check_instance(name: str, value: Any, kinds: tuple[type[Any], ...]) -> None:
    """``value`` is an instance of ``kinds``; else TypeError naming the field."""
    if not isinstance(value, kinds):
        names = " or ".join(kind.__name__ for kind in kinds)
        raise TypeError(f"{name} must be an instance of {names}, got {echo(value)}")


@attrs.frozen
class DomainUpdate:
    """Bring one domain's stored link and IPs up to date with its effective state."""

    domain_id: str = attrs.field(validator=is_text)


@attrs.frozen
class SubaccountUpdate:
    """Bring a subaccount's domains linked to a DIPP (or to what replaced it) up to date."""

    account_id: str = attrs.field(validator=is_text)
    pool_id: str = attrs.field(validator=_pool_id)


PendingUpdate: TypeAlias = DomainUpdate | SubaccountUpdate


@attrs.frozen
class ReplaceWithPool:
    """Domains of a deleted DIPP are relinked to ``pool_id``."""

    pool_id: str = attrs.field(validator=_pool_id)


def _to_ip(value: IPAddress | str) -> IPAddress:
    try:
        return ip_address(value)
    except (TypeError, ValueError) as error:
        raise type(error)(f"ip: {error}") from None


@attrs.frozen
class ReplaceWithIp:
    """Domains of a deleted DIPP are unlinked and hold exactly ``ip`` (given as text or value)."""

    ip: IPAddress = attrs.field(converter=_to_ip)


def _choices(
    value: Mapping[str, IPAddress | str] | Iterable[tuple[str, IPAddress | str]],
) -> tuple[tuple[str, IPAddress], ...]:
    """``choices`` as sorted (domain id, IP) pairs, from a mapping or pairs; IPs may be text."""
    pairs: Iterable[Any]
    if isinstance(value, Mapping):
        pairs = value.items()
    elif isinstance(value, Iterable) and not isinstance(value, str | bytes):
        pairs = value
    else:
        raise TypeError(f"choices must be a mapping of domain ids to IPs, got {echo(value)}")
    out: dict[str, IPAddress] = {}
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2 or not isinstance(pair[0], str):
            raise TypeError(f"choices must pair domain ids with IPs, got {echo(pair)}")
        try:
            out[pair[0]] = ip_address(pair[1])
        except (TypeError, ValueError) as error:
            raise type(error)(f"choices: {error}") from None
    return tuple(sorted(out.items()))


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

    pool_id: str = attrs.field(validator=_pool_id)
    account_id: str = attrs.field(validator=is_text)
    replacement: Replacement = attrs.field(
        default=None,
        validator=instance_of(ReplaceWithPool, ReplaceWithIp, ReplaceWithShared, type(None)),
    )


@attrs.frozen
class Changes:
    """Everything an accepted command asks the store to write, in one unit.

    The API's commands change DIPPs and domains; the host's provisioning
    commands (:mod:`ippools.rules.provisioning`) also write accounts, dedicated
    IPs and shared IPs. A record given here replaces the stored record of the
    same id (or is added); a ``deleted_*`` entry names one to remove.
    """

    pools: tuple[Pool, ...] = ()
    deleted_pools: tuple[Tombstone, ...] = ()
    domains: tuple[Domain, ...] = ()
    deleted_domains: tuple[str, ...] = ()
    pending: tuple[PendingUpdate, ...] = ()
    accounts: tuple[Account, ...] = ()
    deleted_accounts: tuple[str, ...] = ()
    dedicated_ips: tuple[DedicatedIp, ...] = ()
    deleted_dedicated_ips: tuple[IPAddress, ...] = ()
    shared_ips: tuple[IPAddress, ...] = ()
    deleted_shared_ips: tuple[IPAddress, ...] = ()
    _decided: bool = attrs.field(default=False, init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # One check per field: an outcome is built per command, so this stays cheap.
        _check_tuple("pools", self.pools, (Pool,))
        _check_tuple("deleted_pools", self.deleted_pools, (Tombstone,))
        _check_tuple("domains", self.domains, (Domain,))
        _check_tuple("deleted_domains", self.deleted_domains, (str,))
        _check_tuple("pending", self.pending, (DomainUpdate, SubaccountUpdate))
        if self.has_platform_records:
            _check_tuple("accounts", self.accounts, (Account,))
            _check_tuple("deleted_accounts", self.deleted_accounts, (str,))
            _check_tuple("dedicated_ips", self.dedicated_ips, (DedicatedIp,))
            _check_tuple("deleted_dedicated_ips", self.deleted_dedicated_ips, _IP_TYPES)
            _check_tuple("shared_ips", self.shared_ips, _IP_TYPES)
            _check_tuple("deleted_shared_ips", self.deleted_shared_ips, _IP_TYPES)

    @property
    def decided(self) -> bool:
        """True for the changes of an outcome that :func:`~ippools.rules.decide` returned.

        A state writes those without checking them again: the rules made them
        from that very state, and only changes that keep every invariant. Changes
        built by hand, or derived from decided ones (``attrs.evolve``), are not
        decided and are checked before anything is written
        (:func:`~ippools.changes_check.check_changes`). So commit decided changes
        to the state they were decided on, with nothing written in between (as
        :class:`~ippools.Engine` and :class:`~ippools.Service` do, or with
        ``expected`` versions).
        """
        return self._decided

    @property
    def has_platform_records(self) -> bool:
        """True when accounts, dedicated IPs or shared IPs are written or removed."""
        return bool(
            self.accounts
            or self.deleted_accounts
            or self.dedicated_ips
            or self.deleted_dedicated_ips
            or self.shared_ips
            or self.deleted_shared_ips
        )

    def __bool__(self) -> bool:
        return bool(
            self.pools
            or self.deleted_pools
            or self.domains
            or self.deleted_domains
            or self.pending
            or self.has_platform_records
        )


def mark_decided(changes: Changes) -> None:
    """Mark ``changes`` as decided by the rules (:attr:`Changes.decided`); for ``decide`` only."""
    object.__setattr__(changes, "_decided", True)


_COMMANDS: tuple[type[Any], ...] = get_args(Command)
_IP_TYPES: tuple[type[Any], ...] = get_args(IPAddress)
_NO_CHANGES = Changes()


@attrs.frozen
class Accepted:
    """The command is accepted: answer 200 with ``body``, store ``changes``.

    ``actor`` is who asked, for the host's audit record (C2).
    """

    command: Command
    body: dict[str, Any]
    changes: Changes = _NO_CHANGES

    def __attrs_post_init__(self) -> None:
        _check_instance("command", self.command, _COMMANDS)
        _check_instance("body", self.body, (dict,))
        _check_instance("changes", self.changes, (Changes,))

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

    def __attrs_post_init__(self) -> None:
        _check_instance("command", self.command, _COMMANDS)
        _check_instance("error", self.error, (ApiError,))

    @property
    def status(self) -> int:
        """The HTTP status of the error."""
        return self.error.status

    @property
    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        return self.error.body()


Outcome: TypeAlias = Accepted | Rejected
