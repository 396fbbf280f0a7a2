"""The scenario corpus shipped inside the package.

Every scenario of the conformance corpus (``docs/conformance.md``) is a JSON
file of the package directory ``ippools/scenarios/``, so it is there after
``pip install``, read through :mod:`importlib.resources` (from a wheel, a zip or
a source tree alike). ``ippools replay --example NAME`` replays one,
``ippools corpus --out DIR`` writes them all out, and ``ippools conform`` runs
them against another implementation. A scenario is named by its file name
without ``.json``.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

__all__ = ["corpus_names", "read_corpus_file"]


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
