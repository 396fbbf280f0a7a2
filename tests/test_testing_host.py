"""The test kit and the host's provisioning commands: drawn when asked, aimed to be accepted
and refused, and worlds that hold subaccounts by construction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ippools import (
    Accepted,
    Account,
    AddDedicatedIp,
    AddSharedIp,
    CreateAccount,
    CreateDomain,
    Engine,
    ErrorCode,
    MemoryState,
    Outcome,
    Rejected,
    RemoveAccount,
    RemoveDedicatedIp,
    RemoveDomain,
    RemoveSharedIp,
    SetAccountFeatures,
    SetWarmup,
    World,
    decide,
    world_problems,
)
from ippools.commands import HOST_COMMANDS
from ippools.testing import commands, worlds
from ippools.testing.strategies import COMMAND_TYPES
from tests.support import (
    FIND_SETTINGS,
    POOL_A,
    POOL_B,
    account,
    dedicated,
    deferred,
    domain,
    ip,
    pool,
)

# acct-1 (shared-eligible) owns .1 in A (delegated to its subaccount acct-2), .2 held by an
# unlinked domain, .3 on warmup that nothing holds, and the empty DIPP B; acct-3 has nothing
# left; acct-4's domain holds its own IPv6 address. One shared IP is held, one is not.
HOST_WORLD = World(
    accounts=[
        account("acct-1", shared=True),
        account("acct-2", parent="acct-1"),
        account("acct-3"),
        account("acct-4", dipps=False),
    ],
    dedicated_ips=[
        dedicated("198.51.100.1"),
        dedicated("198.51.100.2"),
        dedicated("198.51.100.3", warmup=True),
        dedicated("2001:db8::5", "acct-4"),
    ],
    shared_ips=[ip("203.0.113.1"), ip("203.0.113.2")],
    domains=[
        domain("dom-1", "one.example.com", ip_texts=["198.51.100.1"], pool=POOL_A),
        domain("dom-2", "two.example.com", "acct-2", ip_texts=["198.51.100.1"], pool=POOL_A),
        domain("dom-3", "three.example.com", ip_texts=["198.51.100.2", "203.0.113.1"]),
        domain("dom-4", "four.example.com", "acct-4", ip_texts=["2001:db8::5"]),
    ],
    pools=[pool(POOL_A, ip_texts=["198.51.100.1"], delegated_to=["acct-2"]), pool(POOL_B)],
)


# -- worlds(min_subaccounts=...) -----------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (deferred(worlds, min_subaccounts=-1), r"min_subaccounts must be at least 0, got -1"),
        (deferred(worlds, min_subaccounts=1.5), r"min_subaccounts must be an integer, got 1\.5"),
        (deferred(worlds, min_subaccounts=True), r"min_subaccounts must be an integer, got True"),
        (
            deferred(worlds, max_accounts=2, min_subaccounts=2),
            r"min_subaccounts=2 needs max_accounts >= 3: a subaccount's parent is a top-level "
            r"account",
        ),
        (
            deferred(worlds, min_subaccounts=4),
            r"min_subaccounts=4 needs max_accounts >= 5: a subaccount's parent is a top-level "
            r"account",
        ),
    ],
)
def test_worlds_refuses_a_bad_min_subaccounts_naming_it(
    make: Callable[[], object], message: str
) -> None:
    """Checked when the strategy is built, as the other limits are."""
    with pytest.raises(InvalidArgument, match=f"^{message}$"):
        make()


def _subaccounts(world: World) -> list[Account]:
    return [a for a in world.accounts if a.parent_id is not None]


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 3).flatmap(
        lambda least: st.tuples(
            st.just(least),
            worlds(
                max_accounts=least + 2, min_subaccounts=least, min_dedicated_ips=1, min_domains=1
            ),
        )
    )
)
def test_worlds_hold_at_least_min_subaccounts_and_stay_valid(drawn: tuple[int, World]) -> None:
    """Every world has at least ``min_subaccounts`` subaccounts of top-level accounts, and
    no more accounts than ``max_accounts``; it passes the checks of a world document."""
    least, world = drawn
    assert world_problems(world) == []
    assert least <= len(_subaccounts(world))
    assert len(world.accounts) <= least + 2


def test_worlds_with_subaccounts_shrink_to_one_parent_and_its_subaccounts() -> None:
    """Shrink-friendly: the smallest world with two subaccounts is one top-level account
    and two subaccounts of it, nothing else (no filter to get past)."""
    smallest = find(worlds(min_subaccounts=2), lambda world: True)
    assert [(a.id, a.parent_id) for a in smallest.accounts] == [
        ("acct-1", None),
        ("acct-2", "acct-1"),
        ("acct-3", "acct-1"),
    ]
    assert (smallest.dedicated_ips, smallest.domains, smallest.pools) == ((), (), ())


def test_worlds_without_min_subaccounts_still_draw_worlds_without_one() -> None:
    """The default stays 0: top-level accounts only is still a drawn world."""
    found = find(
        worlds(max_accounts=3), lambda world: len(world.accounts) == 3 and not (_subaccounts(world))
    )
    assert not _subaccounts(found)


# -- commands(): host commands only when asked ---------------------------------


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_commands_draw_no_host_command_unless_asked(data: st.DataObject) -> None:
    """By default, the sixteen API commands of COMMAND_TYPES only."""
    world = data.draw(worlds())
    command = data.draw(commands(world))
    assert type(command) in COMMAND_TYPES
    assert type(command) not in HOST_COMMANDS


def test_commands_draw_host_and_api_commands_together_when_asked() -> None:
    """``kinds=COMMAND_TYPES + HOST_COMMANDS`` draws both families."""
    both = commands(HOST_WORLD, kinds=COMMAND_TYPES + HOST_COMMANDS)
    assert type(find(both, lambda c: type(c) in HOST_COMMANDS, settings=FIND_SETTINGS)) in (
        HOST_COMMANDS
    )
    assert type(find(both, lambda c: type(c) in COMMAND_TYPES, settings=FIND_SETTINGS)) in (
        COMMAND_TYPES
    )


def _any(command: Any) -> bool:
    return True


HostCase = tuple[type[Any], str, ErrorCode | None, Callable[[Any], bool]]
"""A command type, what the case is, the code it is refused with (None: accepted), and what
else the command must be."""

HOST_CASES: list[HostCase] = [
    (CreateAccount, "a top-level account", None, lambda c: c.parent_id is None),
    (
        CreateAccount,
        "a subaccount of a top-level account",
        None,
        lambda c: c.parent_id == "acct-1",
    ),
    (CreateAccount, "an id in use", ErrorCode.ACCOUNT_EXISTS, _any),
    (CreateAccount, "a malformed id (K13)", ErrorCode.INVALID_ID, _any),
    (CreateAccount, "a parent that is a subaccount (§1)", ErrorCode.INVALID_PARENT, _any),
    (RemoveAccount, "an account with nothing left", None, _any),
    (RemoveAccount, "an account that still has records", ErrorCode.ACCOUNT_IN_USE, _any),
    (RemoveAccount, "an unknown account", ErrorCode.UNKNOWN_ACCOUNT_ID, _any),
    (
        SetAccountFeatures,
        "eligibility taken from an account whose domains hold no shared IP",
        None,
        lambda c: c.shared_ip_eligible is False and c.account_id != "acct-1",
    ),
    (SetAccountFeatures, "the DIPPs feature turned on", None, lambda c: c.dipps is True),
    (
        SetAccountFeatures,
        "eligibility taken while a domain holds a shared IP (I5)",
        ErrorCode.ACCOUNT_HOLDS_SHARED,
        _any,
    ),
    (SetAccountFeatures, "an unknown account", ErrorCode.UNKNOWN_ACCOUNT_ID, _any),
    (AddDedicatedIp, "a new IP of an account", None, _any),
    (AddDedicatedIp, "an IP in use", ErrorCode.IP_EXISTS, _any),
    (AddDedicatedIp, "an unknown account", ErrorCode.UNKNOWN_ACCOUNT, _any),
    (AddDedicatedIp, "an invalid IP (C5)", ErrorCode.INVALID_IP, _any),
    (RemoveDedicatedIp, "an IP nothing holds", None, lambda c: c.ip == "198.51.100.3"),
    (RemoveDedicatedIp, "an IP a DIPP or a domain holds", ErrorCode.IP_IN_USE, _any),
    (RemoveDedicatedIp, "an IP that is not dedicated", ErrorCode.DEDICATED_IP_NOT_FOUND, _any),
    (SetWarmup, "an IP taken off warmup", None, lambda c: c.ip == "198.51.100.3" and not c.warmup),
    (SetWarmup, "an IP put on warmup", None, lambda c: c.ip == "198.51.100.2" and c.warmup),
    (SetWarmup, "an IP that is not dedicated", ErrorCode.DEDICATED_IP_NOT_FOUND, _any),
    (AddSharedIp, "a new shared IP", None, _any),
    (AddSharedIp, "an IP in use", ErrorCode.IP_EXISTS, _any),
    (RemoveSharedIp, "a shared IP nothing holds", None, lambda c: c.ip == "203.0.113.2"),
    (RemoveSharedIp, "a shared IP a domain holds (I5)", ErrorCode.IP_IN_USE, _any),
    (RemoveSharedIp, "an IP that is not shared", ErrorCode.SHARED_IP_NOT_FOUND, _any),
    (
        CreateDomain,
        "a domain holding a free IP of its account",
        None,
        lambda c: bool(c.ips) and c.pool_id is None,
    ),
    (
        CreateDomain,
        "a subaccount's domain linked to its inherited DIPP (I2)",
        None,
        lambda c: c.account_id == "acct-2" and c.pool_id == POOL_A,
    ),
    (CreateDomain, "an id or a name in use (C6)", ErrorCode.DOMAIN_EXISTS, _any),
    (CreateDomain, "an unknown account", ErrorCode.UNKNOWN_ACCOUNT, _any),
    (CreateDomain, "another account's IP (I6)", ErrorCode.NOT_DEDICATED_IP, _any),
    (CreateDomain, "an IP in a DIPP (I3)", ErrorCode.IP_IN_POOL, _any),
    (CreateDomain, "a shared IP, not eligible (I5)", ErrorCode.NOT_SHARED_ELIGIBLE, _any),
    (CreateDomain, "a DIPP not visible (I2)", ErrorCode.POOL_NOT_FOUND, _any),
    (CreateDomain, "a DIPP without IPs (I4)", ErrorCode.EMPTY_POOL, _any),
    (CreateDomain, "both IPs and a DIPP, or neither", ErrorCode.DOMAIN_WITHOUT_IP, _any),
    (RemoveDomain, "a domain", None, _any),
    (RemoveDomain, "an unknown domain id", ErrorCode.DOMAIN_ID_NOT_FOUND, _any),
]


def _outcome_is(outcome: Outcome, code: ErrorCode | None) -> bool:
    if code is None:
        return isinstance(outcome, Accepted)
    return isinstance(outcome, Rejected) and outcome.error.code is code


@pytest.mark.parametrize(
    ("kind", "what", "code", "check"),
    HOST_CASES,
    ids=[f"{kind.__name__}: {what}" for kind, what, _, _ in HOST_CASES],
)
def test_host_commands_are_drawn_to_be_accepted_and_refused(
    kind: type[Any], what: str, code: ErrorCode | None, check: Callable[[Any], bool]
) -> None:
    """Each host command type is drawn, aimed well enough that the rules accept it, and now
    and then with each of the values they refuse."""
    state = MemoryState(HOST_WORLD)
    found = find(
        commands(HOST_WORLD, kinds=[kind]),
        lambda command: check(command) and _outcome_is(decide(state, command), code),
        settings=FIND_SETTINGS,
    )
    assert type(found) is kind, what


def test_the_cases_cover_every_host_command_both_ways() -> None:
    """Each of HOST_COMMANDS has a case where it is accepted and one where it is refused."""
    assert world_problems(HOST_WORLD) == []
    for kind in HOST_COMMANDS:
        codes = [code for k, _, code, _ in HOST_CASES if k is kind]
        assert None in codes, kind
        assert any(code is not None for code in codes), kind


@pytest.mark.parametrize("kind", HOST_COMMANDS, ids=lambda kind: kind.__name__)
def test_from_type_draws_host_commands_from_the_kit(kind: type[Any]) -> None:
    """st.from_type resolves every host command type to the kit's strategy: commands aimed
    at a generated world, mostly by whoever provisions (the platform)."""
    drawn: list[Any] = []

    @settings(max_examples=10, database=None, suppress_health_check=list(HealthCheck))
    @given(st.from_type(kind))
    def draw(command: Any) -> None:
        assert type(command) is kind
        drawn.append(command)

    draw()
    assert any(command.actor.account_id == "platform" for command in drawn)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_host_commands_keep_every_world_valid(data: st.DataObject) -> None:
    """§4: on any generated world, a drawn host command is decided without raising; once
    accepted and executed it leaves nothing pending and the world keeps I1-I7, and a refused
    one changes nothing."""
    world = data.draw(worlds(max_accounts=3), label="world")
    engine = Engine(MemoryState(world))
    for _ in range(data.draw(st.integers(1, 4), label="commands")):
        before = engine.state.world()
        command = data.draw(commands(before, kinds=HOST_COMMANDS), label="command")
        outcome = engine.execute(command)
        assert outcome.status in (200, 400, 403, 404)
        assert engine.state.pending_count == 0
        if isinstance(outcome, Rejected):
            assert engine.state.world() == before
        assert world_problems(engine.state.world()) == []


def _drawn(strategy: st.SearchStrategy[Any], count: int = 300) -> list[Any]:
    """``count`` values of ``strategy``, the same ones every run."""
    drawn: list[Any] = []

    @settings(FIND_SETTINGS, max_examples=count)
    @given(strategy)
    def draw(value: Any) -> None:
        drawn.append(value)

    draw()
    return drawn


@pytest.mark.parametrize(
    ("kind", "aimed"),
    [
        (RemoveDomain, lambda c: c.domain_id == "dom-4"),
        (SetAccountFeatures, lambda c: c.account_id == "acct-4"),
        (RemoveDedicatedIp, lambda c: c.ip == "2001:db8::6"),
    ],
    ids=["RemoveDomain", "SetAccountFeatures", "RemoveDedicatedIp"],
)
def test_host_commands_aim_at_domains_with_pending_work(
    kind: type[Any], aimed: Callable[[Any], bool]
) -> None:
    """With ``pending_domains``, the host commands that read what pending work changes name
    that domain, its owner, or a free IP of its owner more often than without (half as
    often again, at least)."""
    world = attrs.evolve(
        HOST_WORLD, dedicated_ips=(*HOST_WORLD.dedicated_ips, dedicated("2001:db8::6", "acct-4"))
    )
    pending = ["four.example.com"]
    with_pending = _drawn(commands(world, kinds=[kind], pending_domains=pending))
    without = _drawn(commands(world, kinds=[kind]))
    assert 2 * sum(map(aimed, with_pending)) > 3 * sum(map(aimed, without))
