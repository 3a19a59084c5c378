"""``python -m webnn``: the same command line as ``webnn``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
