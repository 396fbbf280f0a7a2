"""docs/semantics.md restates every rule of the contract and names tests that exist.

The page is only useful while its references hold: every ``tests/<file>.py::<name>`` it cites
must be a test function of that file, every scenario it cites must be in the corpus, every
function it names as implementing a rule must exist, and every numbered rule of the contract
(C1-C10, D1-D12, I1-I7, S1-S6, K1-K26, routes 3.1-3.16) must have an entry of its own
that says where it is implemented and names a test or says that none pins it yet.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "semantics.md"

TEST_REF = re.compile(r"\b(tests/[\w/]+\.py)::(\w+)")
SCENARIO_REF = re.compile(r"\bsrc/ippools/scenarios/[\w.-]+\.json\b")
SOURCE_REF = re.compile(r"\bsrc/ippools/[\w/]+\.py\b")
HEADING = re.compile(r"^(#{1,6}) (.+)$", re.MULTILINE)
IMPLEMENTED = re.compile(r"^Implemented by: (.*?)(?=\n\n|\Z)", re.MULTILINE | re.DOTALL)
DOTTED = re.compile(r"`(ippools(?:\.\w+)+)`")
NO_FUNCTION = "(no single function: "
NO_TEST = "(no dedicated test yet)"
OWN_DECISIONS = "## Decisions of our own"

LABELS = (
    [f"C{n}" for n in range(1, 11)]
    + [f"D{n}" for n in range(1, 13)]
    + [f"I{n}" for n in range(1, 8)]
    + [f"S{n}" for n in range(1, 7)]
    + [f"K{n}" for n in range(1, 27)]
    + [f"3.{n}" for n in range(1, 17)]
)
"""Every numbered rule, decision, invariant, clarification and route of the contract."""

SECTIONS = (
    "## 1. Vocabulary",
    "## 2. Common rules",
    "## 3. Routes",
    "## 4. Invariants after settle",
    "## 5. Asynchronous work",
    "### Design note: the shape we chose",
    "## 6. Choices the host can plug in",
    "### The id source (section 6)",
    "## 7. Documents and the replay command",
    "### World documents",
    "### Scenarios",
    "### Replay output",
    "### Exit status",
    "## 8. Clarifications",
    OWN_DECISIONS,
)
"""The headings of the parts that carry no rule number of their own."""

OWN_DECISION_TOPICS = (
    "### The order inside 3.1 step 4",
    "### 3.3.3 and K11 give exactly the IP, without a D1 top-up",
    "### C10 does not apply to 3.2",
    "### A domain unlinked by PATCH may keep an IP that later joins a DIPP",
    "### The order inside C2",
    "### The order inside C8 and C9",
    "### Empty path parameters make an unknown route",
    "### The 405 answer names the allowed methods",
    "### Routes outside the contract",
    "### 3.12 tokens name positions, not domains",
    "### Provisioning by the host",
    '### 3.14: "not delegated" and the replacement\'s owner',
    "### Our replayer compares `expect_world` even with pending work",
    "### Stricter scenario rules",
    "### Exit status 3 for internal errors",
    "### Exit status 4 for output that cannot be written",
    "### A subaccount update follows the deleted DIPP's tombstones",
    "### D4 costs time in proportion to the number of shared IPs",
    "### `SequenceIds` skips a given id that is in use",
    "### The persistence layer decides under a serialising transaction",
)
"""Choices made where the contract is silent, each of which the page must record."""


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def rules_part() -> str:
    """The page up to its own decisions: the part that follows the contract's numbering."""
    text = doc_text()
    assert OWN_DECISIONS in text
    return text.split(OWN_DECISIONS, 1)[0]


def functions_of(path: Path) -> set[str]:
    """The names of the functions defined at the top level of ``path`` or in its classes."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    bodies = [tree.body]
    while bodies:
        for node in bodies.pop():
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names.add(node.name)
            elif isinstance(node, ast.ClassDef):
                bodies.append(node.body)
    return names


def sections(text: str) -> list[tuple[str, str]]:
    """Each heading line with the text up to the next heading."""
    found = list(HEADING.finditer(text))
    ends = [match.start() for match in found[1:]] + [len(text)]
    return [
        (match.group(0), text[match.end() : end]) for match, end in zip(found, ends, strict=True)
    ]


def leading_label(heading: str) -> str | None:
    """The rule number a heading starts with (``### C1. Who...``, ``### 3.1 Removing...``)."""
    match = re.match(r"#{3,4} ([CDIKS]\d+|3\.\d+)(?=[.\s])(?!\.\d)", heading)
    return match.group(1) if match else None


def test_every_cited_test_is_a_test_function_of_its_file() -> None:
    """Every ``tests/<file>.py::<name>`` the page cites names a test function defined there."""
    refs = sorted(set(TEST_REF.findall(doc_text())))
    assert len(refs) >= 150  # the page cites tests for every rule; a broken pattern finds none
    wrong: list[str] = []
    for file, name in refs:
        path = ROOT / file
        if not path.is_file():
            wrong.append(f"{file}::{name}: no such file")
        elif not name.startswith("test_"):
            wrong.append(f"{file}::{name}: not a test function")
        elif name not in functions_of(path):
            wrong.append(f"{file}::{name}: no 'def {name}(' in the file")
    assert wrong == []


def test_every_cited_scenario_is_in_the_corpus() -> None:
    """Every ``src/ippools/scenarios/<file>.json`` the page cites exists."""
    refs = sorted(set(SCENARIO_REF.findall(doc_text())))
    assert len(refs) >= 30
    assert [ref for ref in refs if not (ROOT / ref).is_file()] == []


def test_every_cited_source_file_exists() -> None:
    """Every ``src/ippools/...py`` the page points to exists."""
    refs = sorted(set(SOURCE_REF.findall(doc_text())))
    assert refs == ["src/ippools/service.py", "src/ippools/state.py"]
    assert [ref for ref in refs if not (ROOT / ref).is_file()] == []


def test_every_numbered_rule_has_exactly_one_entry() -> None:
    """C1-C10, D1-D12, I1-I7, S1-S6, K1-K26 and 3.1-3.16 each head one entry of the rules part."""
    starts = [leading_label(heading) for heading, _ in sections(rules_part())]
    counts = {label: starts.count(label) for label in LABELS}
    assert {label: count for label, count in counts.items() if count != 1} == {}
    assert sorted(label for label in starts if label is not None) == sorted(LABELS)


def test_every_unnumbered_part_is_present() -> None:
    """The vocabulary, the design note, the id source, the formats and our own decisions."""
    headings = [heading for heading, _ in sections(doc_text())]
    assert [wanted for wanted in SECTIONS if wanted not in headings] == []


def test_every_decision_of_our_own_is_recorded() -> None:
    """The choices made where the contract is silent each have an entry after the rules."""
    own = doc_text().split(OWN_DECISIONS, 1)[1]
    headings = [heading for heading, _ in sections(own)]
    assert [wanted for wanted in OWN_DECISION_TOPICS if wanted not in headings] == []


def test_every_entry_names_a_test_or_says_it_has_none() -> None:
    """Each numbered entry, and each decision of our own, cites a test or a scenario, or says
    ``(no dedicated test yet)``."""
    text = doc_text()
    rules, own = text.split(OWN_DECISIONS, 1)
    entries = [(h, body) for h, body in sections(rules) if leading_label(h) is not None]
    entries += [(h, body) for h, body in sections(own) if h.startswith("### ")]
    assert len(entries) >= len(LABELS) + len(OWN_DECISION_TOPICS)
    bare = [
        heading
        for heading, body in entries
        if not (TEST_REF.search(body) or SCENARIO_REF.search(body) or NO_TEST in body)
    ]
    assert bare == []


def resolve(dotted: str) -> object:
    """The object ``dotted`` names: the longest importable module prefix, then its attributes.

    Raises ImportError when not even ``ippools`` imports, AttributeError when an attribute is
    missing.
    """
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name)
        return found
    raise ImportError(f"no module of {dotted!r} imports")


def implemented_by(body: str) -> str | None:
    """The text of the entry's ``Implemented by:`` paragraph, lines joined, or None."""
    match = IMPLEMENTED.search(body)
    return " ".join(match.group(1).split()) if match else None


def test_every_implementing_name_resolves() -> None:
    """Every dotted name on an ``Implemented by`` line imports: a module, then its attributes."""
    lines = [" ".join(text.split()) for text in IMPLEMENTED.findall(doc_text())]
    names = sorted({name for line in lines for name in DOTTED.findall(line)})
    assert len(lines) >= len(LABELS) + len(OWN_DECISION_TOPICS)
    assert len(names) >= 60  # a broken pattern finds none
    wrong: list[str] = []
    for name in names:
        try:
            resolve(name)
        except (ImportError, AttributeError) as error:
            wrong.append(f"{name}: {error}")
    assert wrong == []


def test_resolve_finds_functions_and_methods_and_refuses_missing_names() -> None:
    """The resolver the check above relies on tells a real name from a wrong one."""
    from ippools.rules.checks import actor_account
    from ippools.stored_state import StoredState

    assert resolve("ippools.rules.checks.actor_account") is actor_account
    assert resolve("ippools.stored_state.StoredState.write") is StoredState.write
    for wrong in ("ippools.rules.checks.no_such_check", "ippools.no_such_module.f"):
        try:
            resolve(wrong)
        except AttributeError:
            continue
        raise AssertionError(f"{wrong} resolved")


def test_every_entry_says_where_it_is_implemented() -> None:
    """Each numbered entry, and each decision of our own, has an ``Implemented by`` line that
    names a function or says ``(no single function: <why>)``."""
    text = doc_text()
    rules, own = text.split(OWN_DECISIONS, 1)
    entries = [(h, body) for h, body in sections(rules) if leading_label(h) is not None]
    entries += [(h, body) for h, body in sections(own) if h.startswith("### ")]
    assert len(entries) >= len(LABELS) + len(OWN_DECISION_TOPICS)
    missing: list[str] = []
    for heading, body in entries:
        line = implemented_by(body)
        if line is None or not (DOTTED.search(line) or line.startswith(NO_FUNCTION)):
            missing.append(heading)
    assert missing == []
