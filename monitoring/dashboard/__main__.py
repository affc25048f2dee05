"""Write the Grafana dashboard JSON: ``python -m monitoring.dashboard``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from monitoring.dashboard import DASHBOARD, render_dashboard


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m monitoring.dashboard",
        description="Write the gateway's Grafana dashboard JSON.",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DASHBOARD,
        help=f"file to write (default: {DASHBOARD})",
    )
    args = parser.parse_args(argv)
    args.output.write_text(render_dashboard())
    print(f"wrote {args.output}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
