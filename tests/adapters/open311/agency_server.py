"""A fake agency Open311 server for the client tests, run as its own process.

``python agency_server.py DATA_FILE LOG_FILE`` listens on a free loopback
port and prints it on its first output line. ``GET <mode>/requests.json``
returns the requests in DATA_FILE (a JSON list, read again on every call)
whose ``updated_datetime`` lies within ``start_date`` and ``end_date``, paged
by ``page`` and ``page_size``, and appends one JSON line per call to LOG_FILE.
The path prefix chooses the behaviour:

- ``/ok``: answer normally;
- ``/slow/<seconds>``: wait, then answer;
- ``/broken``: answer 200 with a body that is not JSON;
- ``/failing``: answer 503.
"""

import datetime as dt
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    data_file: Path
    log_file: Path

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        parts = url.path.strip("/").split("/")
        with LOCK, self.log_file.open("a", encoding="utf-8") as log:
            log.write(json.dumps({"path": url.path, "query": query}) + "\n")
        mode = parts[0]
        if mode == "slow":
            time.sleep(float(parts[1]))
        if mode == "failing":
            self._send(503, b"[]")
            return
        if mode == "broken":
            self._send(200, b'[{"service_request_id": ')
            return
        if parts[-1] != "requests.json":
            self._send(404, b"[]")
            return
        self._send(200, json.dumps(self._select(query)).encode())

    def _select(self, query: dict[str, str]) -> list[object]:
        items = json.loads(self.data_file.read_text(encoding="utf-8"))
        start = dt.datetime.fromisoformat(query["start_date"])
        end = dt.datetime.fromisoformat(query["end_date"])
        chosen = [
            item
            for item in items
            if not _dated(item)
            or start <= dt.datetime.fromisoformat(item["updated_datetime"]) <= end
        ]
        page = int(query.get("page", "1"))
        size = int(query.get("page_size", "1000"))
        return chosen[(page - 1) * size : page * size]

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        del format, args


def _dated(item: object) -> bool:
    """Whether the item has a usable ``updated_datetime`` to filter on."""
    if not isinstance(item, dict) or not isinstance(item.get("updated_datetime"), str):
        return False
    try:
        moment = dt.datetime.fromisoformat(item["updated_datetime"])
    except ValueError:
        return False
    return moment.tzinfo is not None


def main() -> None:
    Handler.data_file = Path(sys.argv[1])
    Handler.log_file = Path(sys.argv[2])
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)  # noqa: T201
    server.serve_forever()


if __name__ == "__main__":
    main()
