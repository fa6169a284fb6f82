"""python -m rnnc: the same as the rnnc command."""

import sys

from rnnc.cli import main

sys.exit(main())
