"""``python -m nsc_tune.cli``: the same as ``nsc-tune``."""

import sys

from nsc_tune.cli import main

sys.exit(main())
