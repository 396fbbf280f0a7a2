"""The engine decides, stores and settles one round trip."""

from ippools import AddPoolIp, Engine, MemoryState, World
from tests.support import POOL_A, account, actor, dedicated, domain, engine, ip, ips, pool


def test_add_ip_reaches_linked_domain_after_settle() -> None:
    """3.8: the IP joins the DIPP now and the linked domain after settle."""
    world = World(
        accounts=[account()],
        dedicated_ips=[dedicated("198.51.100.1"), dedicated("198.51.100.2")],
        domains=[domain("dom-1", "example.com", ip_texts=["198.51.100.1"], pool=POOL_A)],
        pools=[pool(POOL_A, ip_texts=["198.51.100.1"])],
    )
    eng: Engine[MemoryState] = engine(world)
    outcome = eng.execute(AddPoolIp(actor(), POOL_A, "198.51.100.2"))
    assert outcome.status == 200
    assert outcome.body == {"message": "started"}
    stored = eng.state.stored_domain("dom-1")
    assert stored is not None
    assert stored.ips == ips("198.51.100.1")
    assert eng.settle() == 1
    settled = eng.state.stored_domain("dom-1")
    assert settled is not None
    assert settled.ips == ips("198.51.100.1", "198.51.100.2")
    assert ip("198.51.100.2") in eng.state.world().domains[0].ips
