"""The IPs a domain receives without the caller naming them: the D1 top-up and D4 shared IPs.

Both choices leave out the IP being removed and the IPs the domain already holds
(§6: D1 and D4 never pick them). :func:`choose_shared_ips` is the one place where
a shared IP is chosen, whether one domain receives it (3.1, 3.3) or several do
(3.6 with ``ip=shared``); the host's :class:`~ippools.policies.SharedIpChoice`
picks among the candidates it offers.
"""

from __future__ import annotations

from collections.abc import Iterable

from ippools.errors import BadRequest, ErrorCode
from ippools.model import Account, Domain, IPAddress, ip_sort_key
from ippools.policies import Policies
from ippools.state import StateView

__all__ = ["choose_shared_ips", "warmup_top_up"]


def choose_shared_ips(
    state: StateView,
    policies: Policies,
    domains: Iterable[Domain],
    *,
    removing: IPAddress | None = None,
) -> dict[str, IPAddress]:
    """D4: the one shared IP each of ``domains`` receives, by domain id.

    Candidates are the platform's shared IPs with the number of domains holding
    each in the effective state, less the IPs the domain holds and ``removing``.
    Domains take their IP in domain id order, each choice counting the ones
    before it. Raises ``no_shared_ip`` (400) when a domain has no candidate left;
    the caller checks eligibility (403) first.
    """
    usage: list[tuple[IPAddress, int]] | None = None
    given: dict[IPAddress, int] = {}
    chosen: dict[str, IPAddress] = {}
    for domain in sorted(domains, key=lambda d: d.id):
        if usage is None:  # read once per command: D4 costs time per shared IP, not per domain
            usage = list(state.shared_ip_usage())
        candidates = [
            (ip, count + given.get(ip, 0))
            for ip, count in usage
            if ip not in domain.ips and ip != removing
        ]
        if not candidates:
            raise BadRequest(ErrorCode.NO_SHARED_IP, "no shared IP available")
        ip = policies.shared_ip.choose(candidates, domain.id)
        given[ip] = given.get(ip, 0) + 1
        chosen[domain.id] = ip
    return chosen


def warmup_top_up(
    state: StateView, account: Account, ips: frozenset[IPAddress], removing: IPAddress
) -> IPAddress | None:
    """D1: the IP that joins a domain left with only dedicated IPs on warmup, if any.

    Only for an account that is not shared-eligible: the account's dedicated IP
    that is not on warmup, in no DIPP and not already on the domain, with the
    lowest address (C5 order); None when there is none or no top-up is due.
    """
    if account.shared_ip_eligible or not ips:
        return None
    for ip in ips:
        record = state.dedicated_ip(ip)
        if record is None or not record.warmup:
            return None
    candidates = [
        record.ip
        for record in state.dedicated_ips_of(account.id)
        if not record.warmup
        and record.ip not in ips
        and record.ip != removing
        and state.pool_holding(record.ip) is None
    ]
    return min(candidates, key=ip_sort_key) if candidates else None
