"""``python -m projections.runner``: see :mod:`projections.runner.cli`."""

import sys

from projections.runner.cli import main

sys.exit(main())
