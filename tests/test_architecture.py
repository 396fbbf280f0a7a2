"""The shape of the package: a pure core, layers that point one way, an honest public surface.

* The core (models, commands, rules, state, outcome, policies, errors, world, the engine and
  the in-memory state) imports nothing from the adapters (wire, store, documents, server,
  cli, replay, testing), no third-party package but attrs, and nothing that reads a clock,
  draws randomness or does I/O (§6).
* A module takes from another only the names that module lists in its ``__all__``, and never
  a name with a leading underscore: private modules have plain names, ``__all__`` decides.
* ``__all__`` of each public package lists exactly its public names.
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "ippools"

ADAPTERS = frozenset(
    {
        "batch",
        "cli",
        "conform",
        "corpus",
        "documents",
        "openapi",
        "pytest_plugin",
        "replay",
        "server",
        "service",
        "store",
        "testing",
        "wire",
        "worker",
        "__main__",
    }
)
"""Top-level modules and packages that adapt the core to the outside world."""

IMPURE = frozenset(
    {
        "asyncio",
        "datetime",
        "io",
        "os",
        "pathlib",
        "psycopg",
        "random",
        "secrets",
        "socket",
        "sqlite3",
        "subprocess",
        "sys",
        "threading",
        "time",
        "urllib",
        "uuid",
    }
)
"""Standard modules that read a clock, draw randomness or do I/O."""

CORE_THIRD_PARTY = frozenset({"attrs", "attr"})
"""The only third-party packages the core may import (cattrs serves the documents only)."""

KNOWN_UNDERSCORE_IMPORTS = frozenset(
    {
        ("ippools.documents.world", "_settled_world"),
        ("ippools.documents.world", "_shape_only"),
        ("ippools.documents.world", "_unstructure_world"),
    }
)
"""The hooks documents.world still exports under underscore names, to rename with that module."""

PUBLIC_PACKAGES = (
    "ippools",
    "ippools.documents",
    "ippools.store",
    "ippools.testing",
    "ippools.wire",
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def core_files() -> list[Path]:
    """Every module of the package outside the adapters.

    The package's own ``__init__`` is the public facade, not the core: it re-exports
    :class:`~ippools.service.Service`, which joins the core to a store.
    """
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0].removesuffix(".py") not in ADAPTERS
        and path != PACKAGE / "__init__.py"
    ]


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """Each absolute import of ``path``: the module, and the names taken from it (if any)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def test_the_core_is_the_package_less_its_adapters() -> None:
    """The rules of the core apply to the modules the contract calls the core."""
    names = {module_name(path) for path in core_files()}
    expected = {"commands", "errors", "model", "outcome", "policies", "state", "world", "engine"}
    assert {f"ippools.{name}" for name in expected} <= names
    assert {"ippools.rules", "ippools.rules.checks"} <= names
    adapters = ("ippools.wire", "ippools.store")
    assert not any(name.startswith(f"{a}.") or name in adapters for a in adapters for name in names)


@pytest.mark.parametrize("path", core_files(), ids=module_name)
def test_the_core_imports_no_adapter(path: Path) -> None:
    """Layers point one way: nothing in the core imports wire, store, documents, server, cli,
    replay or testing, so the core can be used and tested without any of them."""
    adapters = {f"ippools.{name}" for name in ADAPTERS}
    wrong = [
        module
        for module, names in imports(path)
        for target in [module, *(f"{module}.{name}" for name in names)]
        if target in adapters or target.startswith(tuple(f"{a}." for a in adapters))
    ]
    assert wrong == []


@pytest.mark.parametrize("path", core_files(), ids=module_name)
def test_core_imports_no_clock_randomness_or_io(path: Path) -> None:
    """§6: the models, rules, state and engine import nothing that reads a clock, draws
    randomness or does I/O; only the replaceable default id source (policies) uses secrets.
    Besides the standard library they import attrs only."""
    roots = {module.split(".")[0] for module, _ in imports(path)}
    allowed = {"secrets"} if path.name == "policies.py" else set()
    assert roots & IMPURE == allowed
    third_party = roots - set(sys.stdlib_module_names) - {"ippools", "__future__"}
    assert third_party <= CORE_THIRD_PARTY


def test_the_testing_package_never_imports_pytest() -> None:
    """ippools.testing ships to users, who may run it under any runner (or none)."""
    for path in sorted((PACKAGE / "testing").rglob("*.py")):
        assert "pytest" not in {module.split(".")[0] for module, _ in imports(path)}, path


def test_modules_take_only_what_other_modules_list_in_all() -> None:
    """A module imports from another only names in that module's ``__all__`` (or its
    submodules), never an underscore name: privacy is the module's, not the name's."""
    wrong: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for module, names in imports(path):
            if not module.startswith("ippools") or not names:
                continue
            source = importlib.import_module(module)
            exported = set(getattr(source, "__all__", ()))
            for name in names:
                if isinstance(getattr(source, name, None), ModuleType):
                    continue
                if (module, name) in KNOWN_UNDERSCORE_IMPORTS:
                    continue
                if name.startswith("_") or name not in exported:
                    wrong.append(f"{module_name(path)} imports {name} from {module}")
    assert wrong == []


def public_names(module: ModuleType) -> set[str]:
    """The names a module offers: no leading underscore, no submodule."""
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, ModuleType) and name != "annotations"
    }


@pytest.mark.parametrize("name", PUBLIC_PACKAGES)
def test_all_lists_exactly_the_public_names(name: str) -> None:
    """``__all__`` says what the package exports: every public name it has, each once (ruff's
    RUF022 keeps it sorted)."""
    module = importlib.import_module(name)
    assert len(set(module.__all__)) == len(module.__all__)
    assert set(module.__all__) == public_names(module)
