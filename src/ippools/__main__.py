"""``python -m ippools``: the same command line as ``ippools``."""

import sys

from ippools.cli import main

if __name__ == "__main__":
    sys.exit(main())
