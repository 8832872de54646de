"""`python -m autograd`: the chainrule command line, for when the script is not on PATH.

Same commands as `chainrule` (see cli.py), e.g. `python -m autograd draw "x*w" x=2 w=3`.
"""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
