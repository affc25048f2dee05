"""Run the audit commands: ``python -m projections.audit --help``."""

import sys

from projections.audit.cli import main

sys.exit(main())
