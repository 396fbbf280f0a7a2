"""Benchmarks: run with ``nox -s bench`` or ``python -m tests.benchmarks``; never part of the tests."""
