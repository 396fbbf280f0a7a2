"""Hypothesis settings for the whole suite, and which ippools the suite tests.

Timing is for the benchmarks, not the tests: no example has a deadline, so a
loaded machine (CI shares two cores) cannot turn a slow example into a failure.
Example counts stay as each test sets them.

The header of every run names the ippools package under test and where it was
imported from: ``src/`` for a development install, site-packages for the wheel
(``nox -s wheel``).
"""

from importlib import metadata
from pathlib import Path

from hypothesis import settings

import ippools

settings.register_profile("ippools", deadline=None, print_blob=True)
settings.load_profile("ippools")


def pytest_report_header() -> str:
    """``ippools <version> from <directory>``."""
    return f"ippools {metadata.version('ippools')} from {Path(ippools.__file__).resolve().parent}"
