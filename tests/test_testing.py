"""The public test tools: strategies, invariant checks and the state machine."""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

import ippools.testing
from ippools import (
    Account,
    AddPoolIp,
    AddPoolIps,
    AssignDomainIp,
    CreatePool,
    DelegatePool,
    DeletePool,
    DomainUpdate,
    EditPool,
    GetDomainIps,
    GetPool,
    ListPoolDomains,
    ListPools,
    MemoryState,
    PendingUpdate,
    RemoveDomainIp,
    RemoveDomainPool,
    RemovePoolIp,
    RevokeDelegation,
    UnlinkDomainPool,
    World,
    decide,
    world_problems,
)
from ippools.testing import (
    accounts,
    actors,
    assert_invariants,
    check_invariants,
    commands,
    ips,
    make_machine,
    worlds,
)
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

ALL_KINDS = [
    RemoveDomainIp,
    RemoveDomainPool,
    UnlinkDomainPool,
    CreatePool,
    GetPool,
    DeletePool,
    EditPool,
    AddPoolIp,
    RemovePoolIp,
    AddPoolIps,
    ListPools,
    ListPoolDomains,
    DelegatePool,
    RevokeDelegation,
    GetDomainIps,
    AssignDomainIp,
]

# A parent (shared-eligible) with two DIPPs, one delegated to its subaccount; a domain of
# each linked to it, an unlinked domain holding a warmup IP and a shared IP, free IPs.
FAMILY = World(
    accounts=[account("acct-1", shared=True), account("acct-2", parent="acct-1")],
    dedicated_ips=[
        dedicated("198.51.100.1"),
        dedicated("198.51.100.2"),
        dedicated("198.51.100.4", warmup=True),
        dedicated("2001:db8::3", "acct-2"),
    ],
    shared_ips=[ip("203.0.113.1")],
    domains=[
        domain("dom-1", "one.example.com", ip_texts=["198.51.100.1"], pool=POOL_A),
        domain("dom-2", "two.example.com", "acct-2", ip_texts=["198.51.100.1"], pool=POOL_A),
        domain("dom-3", "three.example.com", ip_texts=["198.51.100.4", "203.0.113.1"]),
    ],
    pools=[
        pool(POOL_A, ip_texts=["198.51.100.1"], delegated_to=["acct-2"]),
        pool(POOL_B, ip_texts=["198.51.100.2"]),
    ],
)


# -- argument validation -------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (deferred(ips, v4=False, v6=False), r"ips\(\) needs v4=True or v6=True; both are False"),
        (deferred(ips, v4="yes"), r"v4 must be True or False, got 'yes'"),
        (
            deferred(accounts, ids="acct-1"),
            r"ids must be a Hypothesis strategy or None, got 'acct-1'",
        ),
        (deferred(accounts, dipps=1), r"dipps must be True, False or None, got 1"),
        (deferred(worlds, max_accounts=0), r"max_accounts must be at least 1, got 0"),
        (deferred(worlds, max_domains=1.5), r"max_domains must be an integer, got 1\.5"),
        (deferred(worlds, max_pools=True), r"max_pools must be an integer, got True"),
        (
            deferred(worlds, min_domains=3, max_domains=2, min_dedicated_ips=1),
            r"max_domains must be at least min_domains \(3\), got 2",
        ),
        (
            deferred(worlds, min_domains=1),
            r"min_domains=1 needs min_dedicated_ips >= 1: every domain holds an IP",
        ),
        (deferred(commands, {}), r"world must be an ippools World, got dict"),
        (
            deferred(commands, World(), pool_ids=["xyz"]),
            r"pool_ids: 'xyz' is not 24 lowercase hex digits",
        ),
        (
            deferred(commands, World(), kinds=[]),
            r"kinds must name at least one command type, got none",
        ),
        (
            deferred(commands, World(), pending_domains="example.com"),
            r"pending_domains must be domain names, not one string: 'example.com'",
        ),
        (
            deferred(commands, World(), pending_domains=[3]),
            r"pending_domains: 3 is not a domain name",
        ),
        (
            deferred(commands, World(), kinds=[str]),
            r"kinds: <class 'str'> is not an ippools command type",
        ),
        (deferred(actors, None), r"world must be an ippools World, got NoneType"),
        (deferred(make_machine, 3), r"state_factory must be callable, got 3"),
        (deferred(make_machine, max_process=0), r"max_process must be an integer >= 1, got 0"),
        (
            deferred(make_machine, pool_ids=["bad"]),
            r"pool_ids: 'bad' is not 24 lowercase hex digits",
        ),
        (
            deferred(make_machine, kinds=[int]),
            r"kinds: <class 'int'> is not an ippools command type",
        ),
        (
            deferred(make_machine, worlds=3),
            r"worlds must be a Hypothesis strategy or None, got 3",
        ),
    ],
)
def test_bad_arguments_are_refused_at_once_with_a_message_naming_them(
    make: Callable[[], object], message: str
) -> None:
    """Hypothesis house style: arguments are checked when the strategy or machine is built."""
    with pytest.raises(InvalidArgument, match=f"^{message}$"):
        make()


# -- generated values ----------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(worlds())
def test_generated_worlds_are_valid_settled_worlds(world: World) -> None:
    """§7, K13, I1-I7: every generated world passes the checks a world document must pass."""
    assert world_problems(world) == []
    assert MemoryState(world).world() == world


@settings(max_examples=100, deadline=None)
@given(
    worlds(
        max_accounts=6,
        min_domains=4,
        max_domains=8,
        min_pools=2,
        max_pools=5,
        min_dedicated_ips=3,
        max_dedicated_ips=10,
        max_shared_ips=4,
    )
)
def test_generated_worlds_respect_the_size_limits(world: World) -> None:
    """The ``min_``/``max_`` arguments bound the records generated; the world stays valid."""
    assert world_problems(world) == []
    assert 1 <= len(world.accounts) <= 6
    assert 4 <= len(world.domains) <= 8
    assert 2 <= len(world.pools) <= 5
    assert 3 <= len(world.dedicated_ips) <= 10
    assert len(world.shared_ips) <= 4


@settings(max_examples=100)
@given(ips(v6=False), ips(v4=False))
def test_ips_can_be_limited_to_one_version(v4: Any, v6: Any) -> None:
    """C5: ``v6=False`` draws only IPv4 addresses, ``v4=False`` only IPv6 ones."""
    assert (v4.version, v6.version) == (4, 6)


@settings(max_examples=100)
@given(accounts(parent_ids=st.sampled_from([None, "acct-1"]), shared_ip_eligible=True))
def test_accounts_follow_the_given_flags_and_are_never_their_own_parent(acct: Account) -> None:
    """A drawn parent equal to the drawn id leaves the account top-level; fixed flags hold."""
    assert acct.parent_id in (None, "acct-1")
    assert acct.parent_id != acct.id
    assert acct.shared_ip_eligible is True


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_generated_commands_can_be_decided_on_any_world(data: st.DataObject) -> None:
    """Every generated command is one of the sixteen command types and decides without raising."""
    world = data.draw(worlds())
    command = data.draw(commands(world))
    assert type(command) in ALL_KINDS
    outcome = decide(MemoryState(world), command)
    assert outcome.status in (200, 400, 403, 404)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_commands_of_every_type_are_generated_and_some_are_accepted(kind: type[Any]) -> None:
    """3.1-3.16: each command type is generated, aimed well enough to be accepted."""
    state = MemoryState(FAMILY)
    found = find(
        commands(FAMILY, kinds=[kind]),
        lambda command: decide(state, command).status == 200,
        settings=FIND_SETTINGS,
    )
    assert type(found) is kind


@pytest.mark.parametrize(
    ("what", "condition"),
    [
        (
            "a missing or blank requestor header (C2)",
            lambda c: not (c.actor.requestor or "").strip(),
        ),
        ("a blank account header (C1)", lambda c: c.actor.account_id == ""),
        ("an unknown account (C1)", lambda c: c.actor.account_id == "acct-unknown"),
        ("an IP with a leading zero (C5)", lambda c: "198.51.100.01" in _ip_values(c)),
        ("an IP with a scope suffix (C5)", lambda c: any("%" in v for v in _ip_values(c))),
        (
            "'shared' where an IP is wanted (K4)",
            lambda c: "shared" in _ip_values(c, replacements=False),
        ),
        ("an IPv6 address spelled in upper case (C5)", lambda c: "2001:DB8::3" in _ip_values(c)),
        ("a blank DIPP name (3.4.1)", lambda c: isinstance(c, CreatePool) and c.name == "  "),
        ("an unknown DIPP id (C7)", lambda c: isinstance(c, GetPool) and c.pool_id == "0" * 24),
        (
            "a JSON body that is not an object (3.10.2)",
            lambda c: isinstance(c, AddPoolIps) and not isinstance(c.body, dict),
        ),
        (
            "a domain name with a trailing dot (C6)",
            lambda c: getattr(c, "domain_name", "").endswith(".example.com."),
        ),
        (
            "the subaccount acting on its parent's DIPP",
            lambda c: (
                isinstance(c, RemovePoolIp)
                and c.actor.account_id == "acct-2"
                and c.pool_id == POOL_A
            ),
        ),
        (
            "a replacement 'shared' (3.3.2)",
            lambda c: isinstance(c, UnlinkDomainPool) and c.replacement_ip == "shared",
        ),
        (
            "both replacements at once (3.6.2)",
            lambda c: (
                isinstance(c, DeletePool) and None not in (c.replacement_ip, c.replacement_pool_id)
            ),
        ),
        (
            "another account's domain id (3.7.3)",
            lambda c: (
                isinstance(c, EditPool)
                and c.actor.account_id == "acct-1"
                and "dom-2" in c.link_domain_ids + c.unlink_domain_ids
            ),
        ),
    ],
)
def test_commands_mix_in_the_invalid_values_the_contract_names(
    what: str, condition: Callable[[Any], bool]
) -> None:
    """C1, C2, C5, C6, C7, K4, 3.3-3.10: the strategy draws each kind of wrong value."""
    found = find(commands(FAMILY), condition, settings=FIND_SETTINGS)
    assert condition(found), what


def _ip_values(command: Any, *, replacements: bool = True) -> list[str]:
    """Every IP text a command carries, whatever field it is in (replacements optionally)."""
    values: list[str] = []
    for field in ("ip", "replacement_ip") if replacements else ("ip",):
        value = getattr(command, field, None)
        if isinstance(value, str):
            values.append(value)
    for field in ("ips", "add_ips", "remove_ips"):
        values.extend(getattr(command, field, ()))
    body = getattr(command, "body", None)
    if isinstance(body, dict) and isinstance(body.get("ips"), list):
        values.extend(value for value in body["ips"] if isinstance(value, str))
    return values


# -- invariant checks ----------------------------------------------------------

BROKEN = World(
    accounts=[account()],
    dedicated_ips=[dedicated("198.51.100.1"), dedicated("198.51.100.2")],
    domains=[domain("dom-1", "example.com", ip_texts=["198.51.100.2"], pool=POOL_A)],
    pools=[pool(POOL_A, ip_texts=["198.51.100.1"])],
)


def test_check_invariants_lists_each_problem_naming_the_record() -> None:
    """I1: a domain holding other IPs than its DIPP is reported under the domain's id."""
    assert check_invariants(BROKEN) == [
        f"domains[dom-1]: holds other IPs than its pool {POOL_A!r} (I1)"
    ]
    assert check_invariants(FAMILY) == []


def test_assert_invariants_raises_with_the_label_and_every_problem() -> None:
    """I1: the AssertionError names where the world came from and the offending record."""
    with pytest.raises(AssertionError) as raised:
        assert_invariants(BROKEN, label="stored world after settle")
    assert str(raised.value) == (
        "stored world after settle: world breaks the invariants (1 problem):\n"
        f"  - domains[dom-1]: holds other IPs than its pool {POOL_A!r} (I1)"
    )


def test_assert_invariants_accepts_a_valid_world() -> None:
    """I1-I7: a valid world passes silently."""
    assert_invariants(FAMILY)


def test_check_invariants_refuses_what_is_not_a_world() -> None:
    """Passing a document instead of a World is a TypeError naming the type."""
    with pytest.raises(TypeError, match=r"^check_invariants\(\) takes a World, got dict$"):
        check_invariants({})  # type: ignore[arg-type]


# -- the state machine ---------------------------------------------------------

QUICK = settings(
    max_examples=100,
    stateful_step_count=40,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.generate],
    print_blob=False,
)


class DroppingState(MemoryState):
    """A broken state: it counts domain updates as processed without carrying them out."""

    def run_update(self, update: PendingUpdate) -> None:
        if not isinstance(update, DomainUpdate):
            super().run_update(update)


class GreedyState(MemoryState):
    """A broken state: asked to process some updates, it processes all of them."""

    def process(self, limit: int | None = None) -> int:
        return super().process(None if limit else limit)


def test_make_machine_builds_a_state_machine_class() -> None:
    """The machine is built by a function; users need no subclassing."""
    machine = make_machine()
    assert issubclass(machine, RuleBasedStateMachine)
    assert machine.__name__ == "IppoolsMachine"


def _busy_machine(state_factory: Callable[[World], MemoryState]) -> type[RuleBasedStateMachine]:
    return make_machine(
        state_factory,
        worlds=worlds(max_accounts=3, min_dedicated_ips=3, min_domains=3, min_pools=2),
        kinds=[AddPoolIp, AddPoolIps, RemovePoolIp, EditPool, DeletePool],
    )


def test_the_machine_catches_a_state_that_drops_domain_updates() -> None:
    """S1, S5, I1: a state whose processing does nothing leaves stale domains after settle."""
    with pytest.raises(AssertionError, match=r"breaks the invariants|worlds differ"):
        run_state_machine_as_test(_busy_machine(DroppingState), settings=QUICK)


def test_the_machine_catches_a_state_that_processes_more_than_asked() -> None:
    """S5: processing at most N updates must process exactly min(N, queued) of them."""
    with pytest.raises(AssertionError, match=r"^S5: processing up to \d+ of \d+ updates"):
        run_state_machine_as_test(_busy_machine(GreedyState), settings=QUICK)


# -- the public surface --------------------------------------------------------


def test_public_names_match_the_sorted_all() -> None:
    """The package imports its public names explicitly and lists them in a sorted ``__all__``."""
    names = ippools.testing.__all__
    assert names == sorted(names)
    public = {
        name
        for name, value in vars(ippools.testing).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert public == set(names)


def test_importing_the_test_tools_does_not_import_pytest() -> None:
    """The test tools depend on Hypothesis only, so they work under any test runner."""
    code = "import sys, ippools.testing; print('pytest' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout == "False\n"
