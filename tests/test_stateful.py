"""The in-memory state against the sequential model, through the shipped state machine."""

from __future__ import annotations

from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from ippools import (
    AddPoolIp,
    AddPoolIps,
    AssignDomainIp,
    DelegatePool,
    DeletePool,
    EditPool,
    GetDomainIps,
    GetPool,
    ListPoolDomains,
    ListPools,
    MemoryState,
    RemoveDomainIp,
    RemovePoolIp,
    RevokeDelegation,
    UnlinkDomainPool,
    World,
)
from ippools.commands import HOST_COMMANDS
from ippools.testing import make_machine
from ippools.testing.strategies import COMMAND_TYPES, worlds
from tests.fuzzing import machine_examples

# At least 200 runs of up to 50 steps each (10,000 in the fuzz session, tests/fuzzing.py).
MACHINE_SETTINGS = settings(
    max_examples=machine_examples(200), stateful_step_count=50, deadline=None
)

# The commands that leave pending work, or act on a domain that may have some (S3),
# and the read that must see the effective state (3.5).
ASYNCHRONOUS_KINDS = [
    AddPoolIp,
    AddPoolIps,
    RemovePoolIp,
    EditPool,
    DeletePool,
    UnlinkDomainPool,
    RemoveDomainIp,
    GetPool,
]


class CountedRuns:
    """A state factory for the machine that counts the runs it starts (one state each)."""

    def __init__(self) -> None:
        self.runs = 0

    def __call__(self, world: World) -> MemoryState:
        self.runs += 1
        return MemoryState(world)

    def check(self) -> None:
        """Every run the settings ask for was made (the fuzz session counts on it)."""
        wanted = MACHINE_SETTINGS.max_examples
        assert self.runs >= wanted, f"{self.runs} runs, fewer than {wanted}"


def test_partial_processing_never_changes_an_answer_or_the_settled_world() -> None:
    """S1, S2, S4, S5, C4, I1-I7: commands of every type, interleaved with partial processing.

    After each step the in-memory state answers exactly as the sequential model
    (which settles after every command), its effective world is the model's
    world and keeps I1-I7, a rejection leaves the stored world, the effective
    world and the pending queue as they were, and after every full settle the
    stored world is the model's world, keeps I1-I7, with nothing pending.
    """
    counted = CountedRuns()
    run_state_machine_as_test(make_machine(counted), settings=MACHINE_SETTINGS)
    counted.check()


def test_partial_processing_of_dipp_changes_never_changes_an_answer_or_the_settled_world() -> None:
    """S1, S2, S3, S5, D9, D10, K10: the same checks, on busier worlds and asynchronous commands.

    Every run starts with several domains, dedicated IPs and DIPPs, and draws only
    the commands that change a DIPP's IPs, links or existence, the synchronous
    domain commands that may meet a domain with pending work, and reads; so most
    runs interleave pending updates with further commands.
    """
    counted = CountedRuns()
    machine = make_machine(
        counted,
        worlds=worlds(max_accounts=3, min_dedicated_ips=3, min_domains=3, min_pools=2),
        kinds=ASYNCHRONOUS_KINDS,
    )
    run_state_machine_as_test(machine, settings=MACHINE_SETTINGS)
    counted.check()


# The version 2 commands with the ones that leave pending work for them to meet (S3).
DELEGATION_KINDS = [
    DelegatePool,
    RevokeDelegation,
    AssignDomainIp,
    GetDomainIps,
    ListPools,
    ListPoolDomains,
    AddPoolIp,
    RemovePoolIp,
    EditPool,
    DeletePool,
]


def test_partial_processing_with_delegations_never_changes_an_answer_or_the_settled_world() -> None:
    """S1, S2, S3, S5, 3.11-3.16, K20, K22: the same checks on worlds with a subaccount.

    Delegations and revocations with every kind of replacement, links and IPs given through
    3.16, and reads of lists, pages (also with the tokens of earlier answers) and a domain's
    IPs, interleaved with the commands that leave pending work and with partial processing.
    """
    with_subaccounts = worlds(
        max_accounts=4, min_subaccounts=1, min_dedicated_ips=3, min_domains=3, min_pools=2
    )
    counted = CountedRuns()
    machine = make_machine(counted, worlds=with_subaccounts, kinds=DELEGATION_KINDS)
    run_state_machine_as_test(machine, settings=MACHINE_SETTINGS)
    counted.check()


# Every command type: the API's sixteen and the host's ten provisioning commands.
PROVISIONING_KINDS = COMMAND_TYPES + HOST_COMMANDS
PROVISIONING_RUNS = CountedRuns()
PROVISIONING_MACHINE = make_machine(
    PROVISIONING_RUNS,
    worlds=worlds(
        max_accounts=3, min_subaccounts=1, min_dedicated_ips=3, min_domains=2, min_pools=1
    ),
    kinds=PROVISIONING_KINDS,
)


class TestPartialProcessingWithProvisioning(PROVISIONING_MACHINE.TestCase):  # type: ignore[name-defined,misc]
    """S1, S2, S4, S5, C4, I1-I7 with the host's provisioning commands mixed in.

    Accounts (top-level and subaccounts), dedicated and shared IPs and domains are created
    and removed, features and warmup turned on and off, between the API's commands and while
    their pending updates wait: each is decided on the effective state (an IP that a DIPP's
    pending change took from a domain may go while the domain's stored record still lists
    it), leaves nothing pending, and every check of the other runs holds.

    The machine's own test case, so that ``--hypothesis-show-statistics`` shows the events
    it records: how often each command type was accepted and refused (``CreateDomain 200``).
    """

    settings = MACHINE_SETTINGS

    @classmethod
    def tearDownClass(cls) -> None:
        PROVISIONING_RUNS.check()
