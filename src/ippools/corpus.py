"""The conformance material shipped inside the package: the scenario corpus and JSON Schemas.

Every scenario of the conformance corpus (``docs/conformance.md``) is a JSON
file of the package directory ``ippools/scenarios/``, so it is there after
``pip install``, read through :mod:`importlib.resources` (from a wheel, a zip or
a source tree alike). ``ippools replay --example NAME`` replays one,
``ippools corpus --out DIR`` writes them all out, and ``ippools conform`` runs
them against another implementation. A scenario is named by its file name
without ``.json``.

The JSON Schemas (draft 2020-12) of the three document formats are the files
``ippools/schemas/{world,scenario,replay}.schema.json`` (also published under
``docs/schemas/``); :func:`json_schema` reads one. They give the shape of a
document; the rules across records stay in :mod:`ippools.documents`.
"""

from __future__ import annotations

import json
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, Final

__all__ = ["SCHEMA_KINDS", "corpus_names", "json_schema", "read_corpus_file"]

SCHEMA_KINDS: Final = ("world", "scenario", "replay")
"""The document formats that have a JSON Schema."""


def _directory() -> Traversable:
    return resources.files("ippools").joinpath("scenarios")


def corpus_names() -> list[str]:
    """The names of the shipped scenarios, sorted."""
    return sorted(
        entry.name.removesuffix(".json")
        for entry in _directory().iterdir()
        if entry.is_file() and entry.name.endswith(".json")
    )


def read_corpus_file(name: str) -> bytes:
    """The bytes of the shipped scenario ``name``; :class:`KeyError` when there is none."""
    if name not in corpus_names():
        raise KeyError(name)
    return _directory().joinpath(f"{name}.json").read_bytes()


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of ``kind`` (one of :data:`SCHEMA_KINDS`); :class:`KeyError` otherwise.

    Its ``$id`` is ``urn:ippools:schema:<kind>``; the scenario and replay schemas
    refer to the world schema by that id.
    """
    if kind not in SCHEMA_KINDS:
        raise KeyError(kind)
    path = resources.files("ippools").joinpath("schemas", f"{kind}.schema.json")
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema
