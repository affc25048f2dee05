import sys

from adapters.open311.cli import main

sys.exit(main())
