"""Developer sessions: ``nox -s tests``, ``typecheck``, ``lint``, ``coverage``, ``bench``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "typecheck", "lint"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite."""
    session.install("-e", ".[dev]")
    session.run("pytest", *session.posargs)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the sources and the tests."""
    session.install("-e", ".[dev]")
    session.run("mypy", "--strict", "src", "tests")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install("ruff")
    session.run("ruff", "check", "src", "tests", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "noxfile.py")


@nox.session
def coverage(session: nox.Session) -> None:
    """Branch coverage of src/ippools; fails under 95%."""
    session.install("-e", ".[dev]")
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
    """Benchmarks (not tests): cost per command and per domain at several state sizes, the
    store, and the server against moto_server (needs wrk: apt-get install wrk)."""
    session.install("-e", ".[dev]", "moto[server]")
    session.run("python", "-m", "tests.benchmarks", *session.posargs)
    session.run("python", "-m", "tests.benchmarks.store")
    session.run("python", "-m", "tests.benchmarks.server")
