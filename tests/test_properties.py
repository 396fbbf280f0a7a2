"""Properties of deciding, processing and settling, on generated worlds and commands."""

from __future__ import annotations

from hypothesis import event, given, settings, target
from hypothesis import strategies as st

from ippools import (
    Actor,
    AddPoolIp,
    AddPoolIps,
    Command,
    DeletePool,
    EditPool,
    Engine,
    MemoryState,
    Policies,
    Rejected,
    RemoveDedicatedIp,
    RemovePoolIp,
    SequenceIds,
    decide,
)
from ippools.commands import HOST_COMMANDS
from ippools.model import ip_text
from ippools.testing import assert_invariants
from ippools.testing.strategies import commands, worlds
from tests.support import NEW_IDS

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

# Worlds with some of everything, and earlier commands of the kinds that leave pending
# work (S4), so that most examples have updates waiting.
BUSY_WORLDS = worlds(min_dedicated_ips=2, min_domains=2, min_pools=1)
PENDING_KINDS = [AddPoolIp, AddPoolIps, RemovePoolIp, EditPool, DeletePool]
PROVISIONER = Actor("platform", "ops@example.com", "provisioning")


def _unsettled_engine(data: st.DataObject, *, max_commands: int) -> Engine[MemoryState]:
    """An engine on a generated world after a few generated commands, nothing processed."""
    world = data.draw(BUSY_WORLDS, label="world")
    engine = Engine(MemoryState(world), Policies(ids=SequenceIds(NEW_IDS)))
    for _ in range(data.draw(st.integers(0, max_commands), label="earlier commands")):
        aim = commands(engine.state.effective_world(), pool_ids=NEW_IDS, kinds=PENDING_KINDS)
        engine.execute(data.draw(aim))
    pending = engine.state.pending_count
    target(float(pending), label="pending updates")  # steer generation towards pending work
    event(f"updates pending: {'3 or more' if pending >= 3 else pending}")
    return engine


@PROPERTY_SETTINGS
@given(data=st.data())
def test_a_rejected_command_changes_nothing_even_with_pending_work(data: st.DataObject) -> None:
    """C4, S2: a rejection leaves the stored world, the effective world and the queue as before.

    Deciding never writes, whatever the outcome; executing a command that is
    rejected changes nothing either, also while earlier commands' pending
    updates wait in the queue.
    """
    engine = _unsettled_engine(data, max_commands=4)
    state = engine.state
    before = (state.world(), state.effective_world(), state.pending)
    command = data.draw(commands(before[1], pool_ids=NEW_IDS), label="command")
    outcome = decide(state, command, Policies(ids=SequenceIds(NEW_IDS)))
    assert (state.world(), state.effective_world(), state.pending) == before
    event(f"outcome: {outcome.status}")
    if isinstance(outcome, Rejected):
        assert engine.execute(command) == outcome
        assert (state.world(), state.effective_world(), state.pending) == before


@PROPERTY_SETTINGS
@given(data=st.data())
def test_processing_a_pending_update_twice_is_the_same_as_once(data: st.DataObject) -> None:
    """S5: running any pending update again after it was processed changes nothing.

    Each update is processed in queue order, then run once more; the stored and
    the effective worlds are exactly as after the first time.
    """
    engine = _unsettled_engine(data, max_commands=6)
    state = engine.state
    while state.pending:
        update = state.pending[0]
        assert state.process(1) == 1
        once = (state.world(), state.effective_world(), state.pending)
        state.run_update(update)
        assert (state.world(), state.effective_world(), state.pending) == once


@PROPERTY_SETTINGS
@given(data=st.data())
def test_settling_makes_the_stored_world_the_effective_world(data: st.DataObject) -> None:
    """S2, S5, I1-I7: after settle the stored world is the effective world from before settle.

    The settled world satisfies the invariants, settle reports every queued
    update as processed, and nothing is left pending.
    """
    engine = _unsettled_engine(data, max_commands=6)
    state = engine.state
    effective = state.effective_world()
    queued = state.pending_count
    assert engine.settle() == queued
    assert state.pending == ()
    assert state.world() == effective
    assert state.effective_world() == effective
    assert_invariants(state.world(), label="stored world after settle")


@PROPERTY_SETTINGS
@given(data=st.data())
def test_a_host_command_with_pending_work_acts_as_once_it_is_done(data: st.DataObject) -> None:
    """S1, S2 for the host's provisioning commands: decided while updates are pending.

    A host command answers as it does on the settled state (the effective world), changes
    the effective world as it changes the settled one, queues nothing of its own, and the
    world after a settle is the settled one's. Its values aim at the domains with pending
    work, and one time in three, when there is one, it removes a dedicated IP that a stored
    domain still lists though no DIPP and no domain holds it in the effective state (a
    DIPP's pending change took it): the rules must allow it, as they do once the work is
    done.
    """
    engine = _unsettled_engine(data, max_commands=4)
    state = engine.state
    effective = state.effective_world()
    stored = state.world().domains
    lagging = [d.name for d in effective.domains if d not in stored]
    held = {ip for domain in effective.domains for ip in domain.ips}
    held |= {ip for pool in effective.pools for ip in pool.ips}
    dedicated = {record.ip for record in effective.dedicated_ips}
    stale = sorted(
        {ip for domain in stored for ip in domain.ips if ip in dedicated and ip not in held},
        key=lambda ip: (ip.version, int(ip)),
    )
    target(float(len(stale)), label="dedicated IPs that only stored domains list")
    command: Command
    if stale and data.draw(st.integers(0, 2), label="stale IP") == 0:
        command = RemoveDedicatedIp(PROVISIONER, ip_text(data.draw(st.sampled_from(stale))))
        event("a dedicated IP that a stored domain still lists is removed")
    else:
        aim = commands(effective, pool_ids=NEW_IDS, kinds=HOST_COMMANDS, pending_domains=lagging)
        command = data.draw(aim, label="host command")
    settled = Engine(MemoryState(effective), Policies(ids=SequenceIds(NEW_IDS)))
    queued = state.pending
    got = engine.execute(command)
    expected = settled.execute(command)
    event(f"{type(command).__name__} {got.status}")
    assert (got.status, got.body) == (expected.status, expected.body)
    assert state.pending == queued
    assert state.effective_world() == settled.state.world()
    engine.settle()
    assert state.world() == settled.state.world()
