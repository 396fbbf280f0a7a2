"""The one converter of every document, and the entry points that use it.

:func:`make_converter` builds a new converter (never cattrs' global one):
records get hooks that cattrs generates with unknown keys forbidden and a strict
hook for every field; worlds, scenarios and replay outputs get the hand-written
hooks of :mod:`ippools.documents.world` and ``ippools.documents._scenario``.
The entry points share one converter built at import.

A large world repeats the same few IPs and IP lists many times (every domain
linked to a DIPP holds its IPs), and parsing an IP through :mod:`ipaddress` is
the dearest part of a record. While a document is structured, the IP hooks
remember what each distinct text, or list of texts, gave; the memo belongs to
that one document and goes with it. Only successes are remembered, so every
error is raised, and worded, exactly as without the memo.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from ipaddress import IPv4Address, IPv6Address
from itertools import repeat
from typing import Any, Final, TypeVar, cast

import attrs
import cattrs
from cattrs.errors import ClassValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ippools.documents._leaves import (
    boolean,
    count,
    domain_name,
    ip,
    json_object,
    optional_pool_id,
    optional_record_id,
    pool_id,
    record_id,
    sorted_ip_texts,
    status,
    string,
    unique_list,
)
from ippools.documents._problems import document, fail
from ippools.documents._scenario import (
    Expect,
    ReplayOutput,
    RequestResult,
    RequestStep,
    Scenario,
    ScenarioRequest,
    SettleResult,
    field_map,
    fields_out,
    header_map,
    headers_out,
    json_body,
    json_value,
    optional_field_map,
    request_method,
    request_path,
    structure_replay_output,
    structure_scenario,
    unstructure_replay_output,
    unstructure_scenario,
)
from ippools.documents.world import UsualDomains, _settled_world, _unstructure_world
from ippools.model import (
    Account,
    DedicatedIp,
    Domain,
    IPAddress,
    Pool,
    ip_text,
    is_pool_id,
    plain_domains,
)
from ippools.text import is_valid_text
from ippools.world import World

__all__ = ["load_replay_output", "load_scenario", "load_world", "make_converter", "unstructure"]

T = TypeVar("T")

# -- one memo per document ----------------------------------------------------------------

# For each memoised hook, what it gave for each value it has seen in the document
# being structured or unstructured; None outside a document.
_MEMO: Final[ContextVar[dict[object, dict[Any, Any]] | None]] = ContextVar(
    "ippools_document_memo", default=None
)


def _in_memo(run: Callable[..., T], *args: Any) -> T:
    """``run(*args)`` with a new memo for the memoised hooks, dropped afterwards."""
    token = _MEMO.set({})
    try:
        return run(*args)
    finally:
        _MEMO.reset(token)


def _memo_of(hook: object) -> dict[Any, Any] | None:
    memos = _MEMO.get()
    if memos is None:
        return None
    memo = memos.get(hook)
    if memo is None:
        memo = memos[hook] = {}
    return memo


def _memoised(hook: Callable[..., T], kind: type) -> Callable[[Any, Any], T]:
    """``hook`` on values of exactly ``kind`` (str, or a list of them) run once per document.

    Values of any other type go straight to ``hook``. A list is remembered by the
    tuple of its items: only a list that ``hook`` accepted is remembered, and a
    tuple equals it only when every item is an equal string.
    """

    def memo_hook(value: Any, _: Any = None) -> T:
        memos = _MEMO.get() if type(value) is kind else None
        if memos is None:
            return hook(value)
        memo = memos.get(memo_hook)
        if memo is None:
            memo = memos[memo_hook] = {}
        key = value if kind is str else tuple(value)
        try:
            found: T | None = memo.get(key)
        except TypeError:  # an unhashable item: not a list of strings
            return hook(value)
        if found is None:
            found = memo[key] = hook(value)
        return found

    return memo_hook


def _memoised_texts(ips: frozenset[IPAddress]) -> list[str]:
    """The canonical texts of a set of IPs (:func:`sorted_ip_texts`), once per document."""
    memo = _memo_of(_memoised_texts)
    if memo is None:
        return sorted_ip_texts(ips)
    found: list[str] | None = memo.get(ips)
    if found is None:
        found = memo[ips] = sorted_ip_texts(ips)
    return list(found)  # each record gets its own list


# -- domains, the bulk of a large world ---------------------------------------------------

_NOT_IN_ID: Final = re.compile(r"[\s/]")  # what record_id refuses, as the model's validator


# Per document: the account ids, the pool ids and the IP lists (as tuples) met valid.
_Known = tuple[dict[str, None], dict[str, None], dict[tuple[Any, ...], frozenset[IPAddress]]]


def _plain_id(text: str) -> bool:
    """True when ``text`` is an ASCII id that both the id hook and the model accept."""
    return bool(text) and text.isascii() and _NOT_IN_ID.search(text) is None


def _domain_hook(
    strict: Callable[[Any, Any], Domain], ip_set: Callable[[Any, Any], frozenset[IPAddress]]
) -> Callable[[Any, Any], Domain]:
    """The hook of a domain: a fast path for the usual record, ``strict`` for every other.

    A list whose records are all usual is built at once by :func:`_usual_domains`;
    this hook serves the lists that hold at least one other record (a non-ASCII
    name, say), whose usual records still take the fast path. The usual record is
    a JSON object of ASCII ids, an optional pool id and a list of IP texts, with
    no other key: its values are checked here exactly as the strict
    hooks and the model's validators check them (the account and pool ids, which
    repeat, once per document), and the record is built without checking them a
    second time. Anything else (a missing or unknown key, a value of another
    type, text that is not ASCII, an IP list that the IP hook refuses) goes to
    ``strict``, which accepts or refuses it, and words the refusal, as it always
    did.
    """
    no_ips: frozenset[IPAddress] = frozenset()
    plain = _NOT_IN_ID.search
    new, put = object.__new__, object.__setattr__

    def hook(value: Any, _: Any = None) -> Domain:
        memos = _MEMO.get()
        if type(value) is not dict or memos is None:
            return strict(value, Domain)
        known = cast("_Known | None", memos.get(hook))
        if known is None:  # the ids and IP lists this document has shown valid so far
            known = ({}, {}, {})
            memos[hook] = cast("dict[Any, Any]", known)
        accounts, pools, ip_lists = known
        get = value.get
        domain_id, name, account_id = get("id"), get("name"), get("account_id")
        pool, ips = get("pool_id"), get("ips", no_ips)
        if not (
            type(domain_id) is str
            and type(name) is str
            and domain_id
            and name
            and domain_id.isascii()
            and name.isascii()
            and plain(domain_id) is None
            and plain(name) is None
            and len(value) == 3 + ("pool_id" in value) + ("ips" in value)
            and type(account_id) is str
            and (account_id in accounts or _plain_id(account_id))
            and (pool is None or (type(pool) is str and (pool in pools or is_pool_id(pool))))
        ):
            return strict(value, Domain)
        accounts[account_id] = None
        if pool is not None:
            pools[pool] = None
        if ips is not no_ips:
            key = tuple(ips) if type(ips) is list else ()
            try:
                found = ip_lists.get(key) if key else None
            except TypeError:  # an unhashable item: not a list of IP texts
                return strict(value, Domain)
            if found is None:
                try:
                    found = ip_set(ips, None)
                except Exception:  # the strict hooks say what is wrong, and where
                    return strict(value, Domain)
                if key:
                    ip_lists[key] = found
            ips = found
        domain: Domain = new(Domain)
        put(domain, "id", domain_id)
        put(domain, "name", name)
        put(domain, "account_id", account_id)
        put(domain, "pool_id", pool)
        put(domain, "ips", ips)
        return domain

    return hook


_ABSENT: Final = object()


def _usual_domains(
    ip_set: Callable[[Any, Any], frozenset[IPAddress]],
) -> Callable[[Any, Any], list[Domain] | None]:
    """The hook of a whole list of domain records: the domains, or None unless every record
    is one that :func:`_domain_hook` takes by its fast path.

    The same checks as that path, made column by column: each field of every record
    is read, type-checked and searched by C functions called through :func:`map`,
    each distinct account id, pool id and IP list is checked once, and the records
    are built field by field through ``map`` as well. When a record is not usual,
    the caller structures the list record by record, and the strict hooks word any
    refusal exactly as before.
    """

    def hook(records: Any, _: Any = None) -> list[Domain] | None:
        if type(records) is not list or set(map(type, records)) != {dict}:
            return None
        get = dict.get
        ids = list(map(get, records, repeat("id")))
        names = list(map(get, records, repeat("name")))
        accounts = list(map(get, records, repeat("account_id")))
        pools = list(map(get, records, repeat("pool_id")))
        ip_lists = list(map(get, records, repeat("ips"), repeat(_ABSENT)))
        # No other field, and no null pool_id: a record whose id, name and account_id are
        # all there (plain_domains refuses None) is at least the size of the fields found
        # in it, and the sizes add up to those exactly when no record has another key.
        found_fields = 5 * len(records) - pools.count(None) - ip_lists.count(_ABSENT)
        if sum(map(len, records)) != found_fields:
            return None
        if not set(map(type, ip_lists)) <= {list, object}:
            return None
        # An absent list holds no IP, as an empty one does: both are the empty tuple here.
        keys = [() if ips is _ABSENT else tuple(ips) for ips in ip_lists]
        try:
            distinct = set(keys)
        except TypeError:  # an unhashable item: not a list of IP texts
            return None
        found: dict[tuple[Any, ...], frozenset[IPAddress]] = {}
        for key in distinct:
            try:
                found[key] = ip_set(list(key), None)
            except Exception:  # the strict hooks say what is wrong, and where
                return None
        # The model's checks over the columns: None when a value is not plain.
        return plain_domains(ids, names, accounts, pools, list(map(found.__getitem__, keys)))

    return hook


# -- the converter -----------------------------------------------------------------------


def _optional(converter: cattrs.Converter, kind: type[T]) -> Callable[[Any, Any], T | None]:
    def hook(value: Any, _: Any = None) -> T | None:
        return None if value is None else converter.structure(value, kind)

    return hook


def _record_hook(
    converter: cattrs.Converter,
    kind: type[T],
    what: str,
    whole: str | None,
    fields: dict[str, Any],
    checked_by_model: frozenset[str] = frozenset(),
) -> Callable[[Any, Any], T]:
    """The generated hook of ``kind`` with strict ``fields`` hooks, for JSON objects only.

    ``whole`` names the field that a check of the whole record (made when it is
    built) is about, so that its message points there.

    ``checked_by_model`` names the fields whose hook accepts exactly what the
    record's own validator accepts, and returns it unchanged. A plain JSON object
    with nothing but the record's fields is first built directly: those fields
    are checked once, by the record itself, and only the others go through their
    hooks. When that fails, the strict hooks run as they always did and say what
    is wrong, so that every message stays the same.
    """
    overrides: dict[str, Any] = {name: override(struct_hook=hook) for name, hook in fields.items()}
    generated = make_dict_structure_fn(
        kind,
        converter,
        _cattrs_forbid_extra_keys=True,
        _cattrs_detailed_validation=True,
        **overrides,
    )
    record_fields = attrs.fields(cast("type[attrs.AttrsInstance]", kind))
    names = frozenset(field.alias for field in record_fields)
    required = frozenset(f.alias for f in record_fields if f.default is attrs.NOTHING)
    parsed = {name: hook for name, hook in fields.items() if name not in checked_by_model}
    direct = bool(checked_by_model)

    def hook(value: Any, _: Any = None) -> T:
        if direct and type(value) is dict and required <= value.keys() <= names:
            try:
                given = dict(value)
                for name, parse in parsed.items():
                    if name in given:
                        given[name] = parse(given[name])
                if all(is_valid_text(v) for v in given.values() if type(v) is str):  # K26
                    return kind(**given)
            except Exception:  # the strict hooks below say what is wrong
                pass
        try:
            return generated(json_object(value, what), kind)
        except ClassValidationError as error:
            inner = error.exceptions[0]
            built = isinstance(inner, ValueError) and not hasattr(inner, "__notes__")
            if whole is None or len(error.exceptions) > 1 or not built:
                raise
            raise fail(str(inner), whole) from None

    return hook


# The fields of each record whose strict hook and the record's validator accept the
# same values (and the hook returns them unchanged): see _record_hook. IPs are parsed
# by their hooks, and delegated_to refuses a repeated id that the record would merge.
_CHECKED_BY_MODEL: Final[dict[type[Any], frozenset[str]]] = {
    Account: frozenset({"id", "parent_id", "dipps", "shared_ip_eligible"}),
    DedicatedIp: frozenset({"account_id", "warmup"}),
    Domain: frozenset({"id", "name", "account_id", "pool_id"}),
    Pool: frozenset({"pool_id", "account_id", "name", "description"}),
}


def make_converter() -> cattrs.Converter:
    """A new converter for worlds, scenarios and replay outputs (and their parts).

    ``structure(data, World | Scenario | ReplayOutput)`` raises
    :class:`~ippools.errors.DocumentError` naming the offending value's path;
    ``unstructure`` gives the canonical JSON-ready form (K14). Nothing is
    registered on cattrs' global converter.
    """
    converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=True)
    structure = converter.register_structure_hook
    unstructure_hook = converter.register_unstructure_hook
    structure(str, string)
    structure(bool, boolean)
    structure(int, count)
    memo_ip = _memoised(ip, str)
    ip_set = _memoised(unique_list(memo_ip), list)
    records: dict[type[Any], tuple[str, str | None, dict[str, Any]]] = {
        Account: (
            "an account",
            "parent_id",
            {
                "id": record_id,
                "parent_id": optional_record_id,
                "dipps": boolean,
                "shared_ip_eligible": boolean,
            },
        ),
        DedicatedIp: (
            "a dedicated IP",
            None,
            {"ip": memo_ip, "account_id": record_id, "warmup": boolean},
        ),
        Domain: (
            "a domain",
            None,
            {
                "id": record_id,
                "name": domain_name,
                "account_id": record_id,
                "pool_id": optional_pool_id,
                "ips": ip_set,
            },
        ),
        Pool: (
            "a DIPP",
            "delegated_to",
            {
                "pool_id": pool_id,
                "account_id": record_id,
                "name": string,
                "description": string,
                "ips": ip_set,
                "delegated_to": unique_list(record_id),
            },
        ),
        ScenarioRequest: (
            "a request",
            None,
            {
                "method": request_method,
                "path": request_path,
                "query": field_map,
                "headers": header_map,
                "form": optional_field_map,
                "json": json_value,
            },
        ),
        Expect: ("an expectation", None, {"status": status, "body": json_body}),
        RequestStep: ("a step", None, {"expect": _optional(converter, Expect)}),
        RequestResult: (
            "a request step result",
            None,
            {"status": status, "body": json_body, "pending": count},
        ),
        SettleResult: ("a settle step result", None, {"settled": count}),
    }
    for kind, (what, whole, fields) in records.items():
        checked = _CHECKED_BY_MODEL.get(kind, frozenset())
        hook = _record_hook(converter, kind, f"{what} (an object)", whole, fields, checked)
        structure(kind, _domain_hook(hook, ip_set) if kind is Domain else hook)
    structure(UsualDomains, _usual_domains(ip_set))
    for kind, run in (
        (World, _settled_world),
        (Scenario, structure_scenario),
        (ReplayOutput, structure_replay_output),
    ):
        structure(kind, lambda value, _, run=run: _in_memo(document, run, converter, value))

    unstructure_hook(IPv4Address, ip_text)
    unstructure_hook(IPv6Address, ip_text)
    ips_out = override(unstruct_hook=_memoised_texts)
    unstructured: tuple[tuple[type[Any], dict[str, Any]], ...] = (
        (Account, {}),
        (DedicatedIp, {}),
        (Domain, {"ips": ips_out}),
        (Pool, {"ips": ips_out, "delegated_to": override(unstruct_hook=sorted)}),
        (RequestResult, {"body": override(unstruct_hook=dict)}),
        (SettleResult, {}),
        (
            ScenarioRequest,
            {
                "query": override(unstruct_hook=fields_out),
                "headers": override(unstruct_hook=headers_out),
                "form": override(
                    unstruct_hook=lambda form: None if form is None else fields_out(form)
                ),
                "json": override(unstruct_hook=lambda value: value),
            },
        ),
    )
    for kind, extra in unstructured:
        unstructure_hook(kind, make_dict_unstructure_fn(kind, converter, **extra))
    unstructure_hook(Expect, _unstructure_expect)
    unstructure_hook(
        RequestStep,
        lambda step: {
            "request": converter.unstructure(step.request, ScenarioRequest),
            **({} if step.expect is None else {"expect": _unstructure_expect(step.expect)}),
        },
    )
    unstructure_hook(World, lambda world: _in_memo(_unstructure_world, converter, world))
    unstructure_hook(Scenario, lambda scenario: _in_memo(unstructure_scenario, converter, scenario))
    unstructure_hook(
        ReplayOutput, lambda output: _in_memo(unstructure_replay_output, converter, output)
    )
    return converter


def _unstructure_expect(expect: Expect) -> dict[str, Any]:
    out: dict[str, Any] = {"status": expect.status}
    if expect.body is not None:
        out["body"] = expect.body
    return out


# -- entry points --------------------------------------------------------------------


_CONVERTER: Final = make_converter()


def load_world(data: Any) -> World:
    """A settled world from its JSON value; raises DocumentError naming what is wrong (K13)."""
    world: World = _CONVERTER.structure(data, World)
    return world


def load_scenario(data: Any) -> Scenario:
    """A scenario from its JSON value; raises DocumentError naming what is wrong (K16, K17)."""
    scenario: Scenario = _CONVERTER.structure(data, Scenario)
    return scenario


def load_replay_output(data: Any) -> ReplayOutput:
    """A replay output from its JSON value; raises DocumentError naming what is wrong."""
    output: ReplayOutput = _CONVERTER.structure(data, ReplayOutput)
    return output


def unstructure(document: World | Scenario | ReplayOutput) -> dict[str, Any]:
    """The canonical JSON value of a document (K14): every field present, lists sorted."""
    value: dict[str, Any] = _CONVERTER.unstructure(document, type(document))
    return value
