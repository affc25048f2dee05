import sys

from adapters.webhook.cli import main

sys.exit(main())
