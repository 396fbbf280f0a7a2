"""Hypothesis settings for the whole suite.

Timing is for the benchmarks, not the tests: no example has a deadline, so a
loaded machine (CI shares two cores) cannot turn a slow example into a failure.
Example counts stay as each test sets them.
"""

from hypothesis import settings

settings.register_profile("ippools", deadline=None, print_blob=True)
settings.load_profile("ippools")
