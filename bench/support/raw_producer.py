"""The baseline: raw aiokafka publishing prepared records, in a process of its own.

Run as ``python -m bench.support.raw_producer RECORDS BOOTSTRAP``. ``RECORDS``
is a pickle of ``(topic, key, value, headers)`` tuples. The producer has the
relay's durability settings (``acks=all``, idempotent). It sends every record
without waiting, then waits for every acknowledgement. The last output line
is JSON: the seconds from the first send to the last acknowledgement, and
this process's peak memory in KiB.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import resource
import sys
import time
from pathlib import Path

from aiokafka import AIOKafkaProducer

Record = tuple[str, bytes, bytes, list[tuple[str, bytes]]]


async def publish(bootstrap: str, records: list[Record]) -> float:
    """Publish ``records`` and return the seconds until all were acknowledged."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_batch_size=1024 * 1024,
    )
    await producer.start()
    try:
        started = time.perf_counter()
        futures = [
            await producer.send(topic, value=value, key=key, headers=headers)
            for topic, key, value, headers in records
        ]
        await asyncio.gather(*futures)
        return time.perf_counter() - started
    finally:
        await producer.stop()


def main(argv: list[str]) -> int:
    records_file, bootstrap = argv
    records: list[Record] = pickle.loads(Path(records_file).read_bytes())  # noqa: S301 (written by the benchmark itself)
    seconds = asyncio.run(publish(bootstrap, records))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_memory_kib": peak}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
