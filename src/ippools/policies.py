"""The host's choices: which shared IP a domain receives, and where new pool ids come from.

Both are handed to :func:`ippools.rules.decide` through :class:`Policies`. The
defaults are :class:`FewestDomains` (D4) and :class:`RandomIds`; tests and
scenarios use :class:`SequenceIds` to get a fixed, repeatable sequence.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, runtime_checkable

import attrs

from ippools._validators import instance_of
from ippools.errors import echo
from ippools.model import IPAddress, ip_sort_key, is_pool_id

__all__ = [
    "FewestDomains",
    "IdSource",
    "Policies",
    "RandomIds",
    "SequenceIds",
    "SharedIpChoice",
]


@runtime_checkable
class SharedIpChoice(Protocol):
    """Picks the shared IP a domain receives."""

    def choose(self, candidates: Sequence[tuple[IPAddress, int]], domain_id: str) -> IPAddress:
        """Return one IP of ``candidates``: pairs of a shared IP and how many domains hold it.

        ``candidates`` is never empty and already leaves out the IPs the domain
        holds and the one being removed from it.
        """


@runtime_checkable
class IdSource(Protocol):
    """Hands out new pool ids."""

    def new_pool_id(self, in_use: Callable[[str], bool]) -> str:
        """Return a fresh id (24 lowercase hex digits) for which ``in_use`` is false."""


@attrs.frozen
class FewestDomains:
    """D4: the shared IP held by the fewest domains; the lowest address (C5 order) on ties."""

    def choose(self, candidates: Sequence[tuple[IPAddress, int]], domain_id: str) -> IPAddress:
        """The candidate with the lowest (count, address)."""
        return min(candidates, key=lambda item: (item[1], ip_sort_key(item[0])))[0]


class RandomIds:
    """Random 24-hex ids, skipping any in use."""

    def new_pool_id(self, in_use: Callable[[str], bool]) -> str:
        """A random id not in use."""
        while True:
            candidate = secrets.token_hex(12)
            if not in_use(candidate):
                return candidate


class SequenceIds:
    """The given ids in order, then ``000000000000000000000001``, ``...0002``, ... (K16).

    Fallback ids count in hexadecimal and skip every id in use or handed out
    before. Raises :class:`ValueError` for a given id that is not 24 lowercase
    hex digits or that repeats, :class:`TypeError` when ``ids`` is not a
    collection of strings.
    """

    def __init__(self, ids: Iterable[str] = ()) -> None:
        if isinstance(ids, str | bytes) or not isinstance(ids, Iterable):
            raise TypeError(f"ids must be a collection of pool ids, got {echo(ids)}")
        given: list[str] = []
        for pool_id in ids:
            if not isinstance(pool_id, str):
                raise TypeError(f"ids must hold strings only, got {echo(pool_id)}")
            given.append(pool_id)
        for pool_id in given:
            if not is_pool_id(pool_id):
                raise ValueError(f"pool id {echo(pool_id)} is not 24 lowercase hex digits")
        if len(set(given)) != len(given):
            raise ValueError("pool ids repeat")
        self._given = given
        self._next_given = 0
        self._counter = 0
        self._handed: set[str] = set()

    def new_pool_id(self, in_use: Callable[[str], bool]) -> str:
        """The next id of the sequence."""
        while self._next_given < len(self._given):
            candidate = self._given[self._next_given]
            self._next_given += 1
            if not in_use(candidate) and candidate not in self._handed:
                self._handed.add(candidate)
                return candidate
        while True:
            self._counter += 1
            candidate = f"{self._counter:024x}"
            if not in_use(candidate) and candidate not in self._handed:
                self._handed.add(candidate)
                return candidate


@attrs.frozen
class Policies:
    """The host's choices: shared-IP choice and id source.

    ``shared_ip`` needs a ``choose`` method and ``ids`` a ``new_pool_id`` method
    (:class:`TypeError` otherwise).
    """

    shared_ip: SharedIpChoice = attrs.field(
        factory=FewestDomains, validator=instance_of(SharedIpChoice)
    )
    ids: IdSource = attrs.field(factory=RandomIds, validator=instance_of(IdSource))
