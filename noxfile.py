"""Developer sessions: ``nox -s tests wheel typecheck lint coverage bench fuzz``.

Each session installs the dependency group it needs from ``pyproject.toml``
(``nox.project.dependency_groups``, so any pip will do).
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["tests", "typecheck", "lint"]
nox.options.reuse_existing_virtualenvs = True

PYPROJECT = nox.project.load_toml("pyproject.toml")


def group(name: str) -> tuple[str, ...]:
    """The requirements of one dependency group, its included groups resolved."""
    requirements: tuple[str, ...] = nox.project.dependency_groups(PYPROJECT, name)
    return requirements


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite, on the source tree (an editable install)."""
    session.install("-e", ".", *group("test"))
    session.run("pytest", *session.posargs)


# Run in the wheel session with the session's virtualenv as argument: where ippools
# is imported from, and a failure unless that is inside the virtualenv.
IMPORTED_FROM_VENV = """
import pathlib, sys, ippools
where = pathlib.Path(ippools.__file__).resolve()
print("ippools imported from", where)
if pathlib.Path(sys.argv[1]).resolve() not in where.parents:
    sys.exit(f"ippools is imported from {where}, not from the installed wheel")
"""


@nox.session
def wheel(session: nox.Session) -> None:
    """The whole test suite against the built wheel, installed as a user installs it.

    ``ippools`` is imported from the session's site-packages, not from ``src/``
    (checked before the tests run, and shown in pytest's header): a file missing
    from the wheel fails here.
    """
    session.install("build", *group("test"))
    dist = Path(session.create_tmp()) / "dist"
    for old in dist.glob("*.whl"):
        old.unlink()
    session.run("python", "-m", "build", "--wheel", "--outdir", str(dist))
    (built,) = dist.glob("ippools-*.whl")
    session.install(str(built))
    session.install("--force-reinstall", "--no-deps", str(built))  # this build, not a reused one
    session.run("python", "-c", IMPORTED_FROM_VENV, session.virtualenv.location)
    session.run("pytest", *session.posargs)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the sources and the tests."""
    session.install("-e", ".", *group("typecheck"))
    session.run("mypy", "--strict", "src", "tests")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install(*group("lint"))
    session.run("ruff", "check", "src", "tests", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "noxfile.py")


@nox.session
def coverage(session: nox.Session) -> None:
    """Branch coverage of src/ippools; fails under 95%."""
    session.install("-e", ".", *group("test"))
    session.run(
        "pytest",
        "--cov=ippools",
        "--cov-branch",
        "--cov-report=term",
        "--cov-fail-under=95",
        *session.posargs,
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks (not tests): cost per command and per domain, the store, large worlds,
    read latency beside a writing process, the server against moto_server."""
    session.install("-e", ".", *group("test"), "moto[server]")
    session.run("python", "-m", "tests.benchmarks", *session.posargs)
    session.run("python", "-m", "tests.benchmarks.store")
    session.run("python", "-m", "tests.benchmarks.load")
    session.run("python", "-m", "tests.benchmarks.v2")
    session.run("python", "-m", "tests.benchmarks.reads")
    session.run("python", "-m", "tests.benchmarks.server")  # needs wrk (apt-get install wrk)


@nox.session
def planted(session: nox.Session) -> None:
    """The state machine with its default settings against four planted bugs: time to the
    first failure, time to the shrunk example and its size, per bug and seed."""
    session.install("-e", ".", *group("test"))
    session.run("python", "-m", "tests.benchmarks.planted", *session.posargs)


FUZZ_TESTS = (
    "tests/test_wire_fuzz.py",
    "tests/test_documents.py",
    "tests/test_cli.py",
    "tests/test_stateful.py",
)
"""The files holding the wire fuzz, the document fuzz and the stateful machines."""


@nox.session
def fuzz(session: nox.Session) -> None:
    """The fuzz properties at scale; not run by default, it takes hours.

    The wire fuzz and the document fuzz properties run 100,000 examples each, the
    stateful machines 10,000 runs each (``IPPOOLS_FUZZ=1``, see ``tests/fuzzing.py``);
    set ``IPPOOLS_FUZZ_EXAMPLES`` and ``IPPOOLS_FUZZ_MACHINE_EXAMPLES`` for a shorter
    trial. Hypothesis' statistics give the count each property ran.
    """
    session.install("-e", ".", *group("test"))
    session.run(
        "pytest",
        "--hypothesis-show-statistics",
        *FUZZ_TESTS,
        *session.posargs,
        env={"IPPOOLS_FUZZ": "1"},
    )


@nox.session
def crash(session: nox.Session) -> None:
    """The PostgreSQL crash rounds at scale: 40 rounds of 5 SIGKILLed processes, 200 kills.

    Needs the PostgreSQL server of ``IPPOOLS_TEST_POSTGRES_URL`` (see
    ``tests/postgres.py``); ``IPPOOLS_CRASH_ROUNDS`` overrides the count.
    """
    session.install("-e", ".", *group("test"))
    rounds = session.env.get("IPPOOLS_CRASH_ROUNDS", "40")
    session.run(
        "pytest",
        "-s",
        "tests/test_store_postgres_reliability.py",
        "-k",
        "sigkilled",
        *session.posargs,
        env={"IPPOOLS_CRASH_ROUNDS": rounds, "IPPOOLS_REQUIRE_POSTGRES": "1"},
    )


@nox.session
def scaling(session: nox.Session) -> None:
    """Benchmark (not a test): commands/s with 1, 2, 4 writer processes and settled
    updates/s with 1, 2, 4 workers, PostgreSQL and SQLite side by side, 100,000 domains."""
    session.install("-e", ".", *group("test"))
    session.run("python", "-m", "tests.benchmarks.scaling", *session.posargs)
