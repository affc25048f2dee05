"""Entry point of ``python -m projections.performance``."""

from projections.performance.cli import main

raise SystemExit(main())
