"""S4: the pending updates an accepted command leaves, in the contract's order.

Every rule that leaves work pending builds its list here, so the order is
written once: first one domain update per domain whose effective IPs or link
the command changes asynchronously (each domain once, in domain id order), then,
when the DIPP's IPs change or it is deleted, one subaccount update per
subaccount the DIPP is (effectively) delegated to, in account id order.
"""

from __future__ import annotations

from collections.abc import Iterable

from ippools.model import Pool
from ippools.outcome import DomainUpdate, PendingUpdate, SubaccountUpdate

__all__ = ["pending_updates"]


def pending_updates(
    domain_ids: Iterable[str], delegated: Pool | None = None
) -> tuple[PendingUpdate, ...]:
    """S4: one update per domain of ``domain_ids``, then one per subaccount of ``delegated``.

    ``domain_ids`` may repeat and come in any order; each domain gets one update.
    ``delegated`` is the DIPP whose IPs changed or that was deleted, or None when
    its subaccounts have nothing to follow.
    """
    domains = tuple(map(DomainUpdate, sorted(set(domain_ids))))
    if delegated is None:
        return domains
    subs = sorted(delegated.delegated_to)
    return domains + tuple(SubaccountUpdate(sub, delegated.pool_id) for sub in subs)
