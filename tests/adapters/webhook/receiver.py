"""A webhook receiver for the contract tests, run as its own process.

``python receiver.py LOG_FILE`` listens on a free loopback port, prints the port
on its first output line and appends one JSON line per request to LOG_FILE. It
checks every signature with ``verify_signature`` and the secret in the
environment variable ``RECEIVER_SECRET``. The path chooses the behaviour:

- ``/ok/<name>``: answer 200;
- ``/slow/<seconds>/<name>``: wait, then answer 200;
- ``/flaky/<failures>/<name>``: answer 503 to the first ``failures`` attempts
  of each event, then 200;
- ``/reject/<name>``: answer 400.
"""

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from adapters.webhook.errors import SignatureError
from adapters.webhook.signing import verify_signature

LOCK = threading.Lock()
FAILURES: dict[tuple[str, str], int] = {}


class Handler(BaseHTTPRequestHandler):
    log_file: Path
    secret: bytes

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        parts = self.path.strip("/").split("/")
        event_id = self.headers.get("X-Lapor-Event-Id", "")
        try:
            verify_signature(
                self.secret,
                self.headers.get("X-Lapor-Timestamp"),
                body,
                self.headers.get("X-Lapor-Signature"),
                tolerance=300,
            )
            signature = "valid"
        except SignatureError:
            signature = "invalid"
        status = self._status(parts, event_id) if signature == "valid" else 401
        entry = {
            "path": self.path,
            "event_id": event_id,
            "attempt": self.headers.get("X-Lapor-Attempt"),
            "content_type": self.headers.get("Content-Type"),
            "signature": signature,
            "status": status,
            "body": body.decode("utf-8"),
        }
        with LOCK, self.log_file.open("a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _status(self, parts: list[str], event_id: str) -> int:
        kind = parts[0]
        if kind == "slow":
            time.sleep(float(parts[1]))
        if kind == "reject":
            return 400
        if kind == "flaky":
            key = (self.path, event_id)
            with LOCK:
                seen = FAILURES.get(key, 0)
                FAILURES[key] = seen + 1
            if seen < int(parts[1]):
                return 503
        return 200

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        del format, args


def main() -> None:
    Handler.log_file = Path(sys.argv[1])
    Handler.secret = os.environ["RECEIVER_SECRET"].encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)  # noqa: T201
    server.serve_forever()


if __name__ == "__main__":
    main()
