"""How fast are printing and email? Measured against real servers on loopback, never in the tests.

    .venv/bin/python benchmarks/delivery.py [--messages 200] [--prints 10]

Email: an aiosmtpd relay in its own process (STARTTLS required, a test certificate authority),
a sink that keeps nothing. For 1 and 2 workers: how many messages per second are written (the
11-page packet encrypted with AES-256 and the message composed, in worker processes, then all
committed to the outbox before any is sent), and how many queued messages per second reach the
relay (one connection per worker).

Print: a private CUPS server with a cups-pdf queue (needs root, as the tests do): the time from
submitting one packet to the job's end, and the submission alone.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from packetgen.build import make_packet  # noqa: E402
from packetgen.delivery.message import Email  # noqa: E402
from packetgen.delivery.passphrase import one_time  # noqa: E402
from packetgen.delivery.printing import MEDIA, PrintServer  # noqa: E402
from packetgen.delivery.relay import relay_config  # noqa: E402
from packetgen.delivery.service import queue_emails, send_queued  # noqa: E402
from packetgen.library import load_library  # noqa: E402
from packetgen.settings import Settings  # noqa: E402
from packetgen.store import open_store  # noqa: E402
from tests.helpers.servers import NotRoot, free_port, make_certificates, private_cups, wait_for_port  # noqa: E402

NGUYEN = ROOT / "examples/appointments/nguyen.yaml"


def email(work: Path, messages: int) -> None:
    library = load_library()
    made = make_packet(NGUYEN, work / "out", library=library, today=date(2026, 11, 24))
    pdf = made.path.read_bytes()
    ca, cert, key = make_certificates(work)
    port = free_port()
    relay = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}",
         "--tlscert", str(cert), "--tlskey", str(key)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, relay)
        for workers in (1, 2):
            settings = Settings(
                database_url=f"sqlite:///{work / f'db-{workers}.sqlite'}",
                smtp_url=f"smtp://127.0.0.1:{port}",
                smtp_ca_file=ca,
            )
            store = open_store(settings)
            config = relay_config(settings)
            department = library.department(made.department)
            started = time.perf_counter()
            emails = [
                Email(pdf, made.sha256, f"B-{n}", f"p{n}@example.org", department, "en", one_time(5))
                for n in range(messages)
            ]
            ids = queue_emails(store, emails, "bench", workers)
            queued = time.perf_counter() - started
            started = time.perf_counter()
            outcomes = send_queued(store, config, ids, "bench", workers)
            sent = time.perf_counter() - started
            store.close()
            assert all(o.state == "sent" for o in outcomes), outcomes[:3]
            print(
                f"email, {workers} worker(s), {messages} messages of {len(pdf) // 1024} KB: write (encrypt, compose, "
                f"commit) {messages / queued:.0f} messages/s; send {messages / sent:.0f} messages/s over STARTTLS; "
                f"both {messages / (queued + sent):.1f} messages/s"
            )
    finally:
        relay.terminate()
        relay.wait()


def printing(work: Path, prints: int) -> None:
    made = make_packet(NGUYEN, work / "print", today=date(2026, 11, 24))
    try:
        with private_cups() as cups_server:
            server = PrintServer(cups_server.server)
            queue = server.queue(cups_server.queue)
            seconds = []
            for _ in range(prints):
                job = server.print_file(made.path, queue, made.appointment_id, MEDIA["letter"])
                seconds.append(job.seconds)
            print(
                f"print, {prints} packets of {made.pages} pages to cups-pdf: submit to job completed "
                f"median {statistics.median(seconds) * 1000:.0f} ms (min {min(seconds) * 1000:.0f}, "
                f"max {max(seconds) * 1000:.0f})"
            )
    except NotRoot as exc:
        print(f"print: skipped ({exc})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--prints", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        email(work, args.messages)
        printing(work, args.prints)


if __name__ == "__main__":
    main()
