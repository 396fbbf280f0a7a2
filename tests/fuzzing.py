"""How many examples the fuzz properties run: the suite's own count, or the fuzz session's.

``nox -s fuzz`` sets ``IPPOOLS_FUZZ=1``: the wire fuzz and the document fuzz properties
then run 100,000 examples each, and the stateful machines 10,000 runs each.
``IPPOOLS_FUZZ_EXAMPLES`` and ``IPPOOLS_FUZZ_MACHINE_EXAMPLES`` set other counts for that
session (a short trial, say). Without ``IPPOOLS_FUZZ`` every property runs the count its
test names.
"""

from __future__ import annotations

import os

__all__ = ["FUZZ", "fuzz_examples", "machine_examples"]

FUZZ = os.environ.get("IPPOOLS_FUZZ", "0") not in ("", "0")
"""True in the fuzz session."""


def _count(variable: str, default: int) -> int:
    text = os.environ.get(variable, "")
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{variable} must be a whole number of at least 1, got {text!r}")
    return int(text)


def fuzz_examples(default: int) -> int:
    """Examples of a wire or document fuzz property: ``default``, or 100,000 when fuzzing."""
    return _count("IPPOOLS_FUZZ_EXAMPLES", 100_000) if FUZZ else default


def machine_examples(default: int) -> int:
    """Runs of a stateful machine: ``default``, or 10,000 when fuzzing."""
    return _count("IPPOOLS_FUZZ_MACHINE_EXAMPLES", 10_000) if FUZZ else default
