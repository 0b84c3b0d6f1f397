"""The MLLP listener under load: acknowledgement latency while packets render, and messages per second.

    .venv/bin/python benchmarks/listener.py [--n 200] [--connections 2]

For 1 and then 2 workers: starts `generate.py listen` (its own SQLite database
and output folder), sends N SIU^S12 messages over the given number of
connections as fast as acknowledgements come back, and reports the ACK
latency (p50, p99, max: store + commit + answer, measured at the sender) and
the rate at which packets were finished (first message sent → last manifest
line). The goal is an ACK p99 under 50 ms while packets render.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.mllp import Sender, ack_fields, messages_of  # noqa: E402

TEMPLATE = messages_of(ROOT / "tests" / "data" / "feeds" / "siu-staff-notes.hl7")[0]


def message(n: int) -> str:
    day, hour = 10 + n % 18, 7 + n % 9
    return (
        TEMPLATE.replace("NOTES-1", f"B-{n:05d}")
        .replace("|C3001|", f"|B{n:05d}|")
        .replace("20261214073000-0600", f"202612{day:02d}{hour:02d}0000-0600")
    )


def run(n: int, workers: int, connections: int) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="listener-bench-"))
    env = {**os.environ, "PACKETGEN_DATABASE_URL": f"sqlite:///{folder / 'db.sqlite'}"}
    command = [sys.executable, "generate.py", "listen", "--out", str(folder / "out"), "--port", "0"]
    process = subprocess.Popen(
        [*command, "--workers", str(workers)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    port = int(process.stdout.readline().split(":")[1].split(";")[0])
    latencies: list[float] = []
    order: list[tuple[float, int]] = []
    lock = threading.Lock()

    def send(share: range) -> None:
        with Sender("127.0.0.1", port) as sender:
            for i in share:
                began = time.perf_counter()
                code = ack_fields(sender.send(message(i)))["code"]
                took = time.perf_counter() - began
                assert code == "AA", code
                with lock:
                    latencies.append(took * 1000)
                    order.append((took * 1000, i))

    started = time.perf_counter()
    threads = [threading.Thread(target=send, args=(range(c, n, connections),)) for c in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    acked = time.perf_counter() - started
    manifest = folder / "out" / "manifest.jsonl"
    while not manifest.exists() or manifest.read_text(encoding="utf-8").count("\n") < n:
        time.sleep(0.05)
    finished = time.perf_counter() - started
    process.send_signal(signal.SIGTERM)
    process.wait(60)
    process.stdout.close()
    ordered = sorted(latencies)
    print("  slowest:", [(round(ms), i) for ms, i in sorted(order)[-5:]])
    return {
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "max": ordered[-1],
        "acked_per_s": n / acked,
        "packets_per_s": n / finished,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--connections", type=int, default=2)
    args = parser.parse_args()
    print(f"{args.n} SIU^S12 messages over {args.connections} connections")
    for workers in (1, 2):
        r = run(args.n, workers, args.connections)
        print(
            f"workers {workers}: ACK p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, max {r['max']:.1f} ms; "
            f"{r['acked_per_s']:.0f} messages/s acknowledged; {r['packets_per_s']:.1f} packets/s made"
        )


if __name__ == "__main__":
    main()
