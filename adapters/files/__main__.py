"""Entry point: ``python -m adapters.files``."""

import sys

from adapters.files.cli import main

sys.exit(main())
