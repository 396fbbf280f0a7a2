"""ippools: the reference implementation of dedicated IP pool (DIPP) management.

Decide a command against a state with :func:`decide`; an accepted outcome holds
the answer, the changes to store and the pending updates to process afterwards.
:class:`MemoryState` is a complete in-memory state and :class:`Engine` glues the
two together; :class:`Service` does the same over a store (:mod:`ippools.store`)
for several workers at once.
"""

from ippools.commands import (
    Actor,
    AddPoolIp,
    AddPoolIps,
    Command,
    CreatePool,
    DeletePool,
    EditPool,
    GetPool,
    RemoveDomainIp,
    RemoveDomainPool,
    RemovePoolIp,
    UnlinkDomainPool,
)
from ippools.engine import Engine
from ippools.errors import (
    ApiError,
    BadRequest,
    ConflictError,
    DocumentError,
    ErrorCode,
    Forbidden,
    IppoolsError,
    MethodNotAllowed,
    NotFound,
)
from ippools.memory_state import MemoryState
from ippools.model import (
    Account,
    DedicatedIp,
    Domain,
    IPAddress,
    Pool,
    ip_address,
    ip_text,
    parse_ip,
    sorted_ips,
)
from ippools.outcome import (
    Accepted,
    Changes,
    DomainUpdate,
    Outcome,
    PendingUpdate,
    Rejected,
    Replacement,
    ReplaceWithIp,
    ReplaceWithPool,
    ReplaceWithShared,
    SubaccountUpdate,
    Tombstone,
)
from ippools.policies import (
    FewestDomains,
    IdSource,
    Policies,
    RandomIds,
    SequenceIds,
    SharedIpChoice,
)
from ippools.rules import decide
from ippools.service import Service
from ippools.state import StateView, WritableState, resolve_domain
from ippools.world import World, world_problems

__all__ = [
    "Accepted",
    "Account",
    "Actor",
    "AddPoolIp",
    "AddPoolIps",
    "ApiError",
    "BadRequest",
    "Changes",
    "Command",
    "ConflictError",
    "CreatePool",
    "DedicatedIp",
    "DeletePool",
    "DocumentError",
    "Domain",
    "DomainUpdate",
    "EditPool",
    "Engine",
    "ErrorCode",
    "FewestDomains",
    "Forbidden",
    "GetPool",
    "IPAddress",
    "IdSource",
    "IppoolsError",
    "MemoryState",
    "MethodNotAllowed",
    "NotFound",
    "Outcome",
    "PendingUpdate",
    "Policies",
    "Pool",
    "RandomIds",
    "Rejected",
    "RemoveDomainIp",
    "RemoveDomainPool",
    "RemovePoolIp",
    "ReplaceWithIp",
    "ReplaceWithPool",
    "ReplaceWithShared",
    "Replacement",
    "SequenceIds",
    "Service",
    "SharedIpChoice",
    "StateView",
    "SubaccountUpdate",
    "Tombstone",
    "UnlinkDomainPool",
    "World",
    "WritableState",
    "decide",
    "ip_address",
    "ip_text",
    "parse_ip",
    "resolve_domain",
    "sorted_ips",
    "world_problems",
]
