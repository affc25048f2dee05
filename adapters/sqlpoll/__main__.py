import sys

from adapters.sqlpoll.cli import main

sys.exit(main())
