"""Properties of deciding, processing and settling, on generated worlds and commands."""

from __future__ import annotations

from hypothesis import event, given, settings, target
from hypothesis import strategies as st

from ippools import (
    AddPoolIp,
    AddPoolIps,
    DeletePool,
    EditPool,
    Engine,
    MemoryState,
    Policies,
    Rejected,
    RemovePoolIp,
    SequenceIds,
    decide,
)
from ippools.testing import assert_invariants
from ippools.testing.strategies import commands, worlds
from tests.support import NEW_IDS

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

# Worlds with some of everything, and earlier commands of the kinds that leave pending
# work (S4), so that most examples have updates waiting.
BUSY_WORLDS = worlds(min_dedicated_ips=2, min_domains=2, min_pools=1)
PENDING_KINDS = [AddPoolIp, AddPoolIps, RemovePoolIp, EditPool, DeletePool]


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
