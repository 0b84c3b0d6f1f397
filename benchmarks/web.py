"""How fast is the web service? `generate.py serve` as a real process on loopback, measured by a
client in this process; never in the tests.

    .venv/bin/python benchmarks/web.py [--requests 80] [--appointments 2000]

API: POST /api/v1/packets with the 11-page demo record made into as many different patients
(names, MRNs, birth dates, appointment times, flags), one client after another and 8 at once: p50
and p95 of the whole request. The app makes packets in PACKETGEN_WORKERS processes (default: the
machine's cores); --workers is uvicorn's HTTP processes, each with its own. Schedule: the signed-in
schedule page with N appointments.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from packetgen.settings import Settings  # noqa: E402
from packetgen.store import open_store  # noqa: E402
from packetgen.store.tables import ScheduleEntry  # noqa: E402
from packetgen.web.accounts import add_token, add_user  # noqa: E402
from tests.helpers.servers import free_port  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


FIRST = ["Ana", "José", "Wei", "Olga", "Mohammed", "Siobhán", "Thảo", "Kwame", "Lucía", "Ivan"]
LAST = ["Smith", "García", "Chen", "Ivanova", "Haddad", "Ó Briain", "Nguyễn", "Mensah", "Pérez", "Petrov"]
FLAGS = ["contrast_allergy", "anticoagulant", "sedation"]


def patients(n: int, seed: int = 1) -> list[bytes]:
    """`n` JSON records: the demo record as that many different patients and appointments."""
    base = yaml.safe_load((ROOT / "examples/appointments/nguyen.yaml").read_text(encoding="utf-8"))
    chance = random.Random(seed)
    bodies = []
    for i in range(n):
        born = f"19{chance.randrange(30, 70)}-{chance.randrange(1, 13):02d}-{chance.randrange(1, 29):02d}"
        start = f"2026-12-{chance.randrange(7, 12):02d}T{chance.randrange(7, 17):02d}:{5 * chance.randrange(12):02d}"
        record = {
            **base,
            "appointment_id": f"BENCH-{seed}-{i}",
            "first_name": chance.choice(FIRST),
            "last_name": chance.choice(LAST),
            "mrn": f"{chance.randrange(10**8):08d}",
            "date_of_birth": born,
            "start": start,
            "flags": chance.sample(FLAGS, chance.randrange(len(FLAGS) + 1)),
        }
        bodies.append(json.dumps(record, ensure_ascii=False).encode())
    return bodies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=80)
    parser.add_argument("--appointments", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        database = f"sqlite:///{work / 'db.sqlite'}"
        store = open_store(Settings(database_url=database))
        with store.session() as session:
            token = add_token(session, "bench")
            add_user(session, "bench", "scheduler", "bench password 1")
            moment = datetime.now(UTC)
            for n in range(args.appointments):
                start = f"2026-12-07T{7 + n % 10:02d}:{n % 60:02d}"
                session.add(ScheduleEntry(appointment_id=f"B-{n}", place=f"bench.csv:{n + 2}", start=start,
                                          patient=f"Patient {n}, Test", procedure="vertebroplasty", language="en",
                                          layout="letter", status="ok", file=f"B-{n}.pdf", sha256=f"{n:064x}",
                                          uploaded_at=moment))  # fmt: skip
        store.close()
        settings = work / "settings.yaml"
        settings.write_text(f"web:\n  out_dir: {work / 'out'}\n")
        port = free_port()
        env = {**os.environ, "PACKETGEN_DATABASE_URL": database, "PACKETGEN_SETTINGS": str(settings)}
        packet_workers = os.environ.get("PACKETGEN_WORKERS") or str(len(os.sched_getaffinity(0)))
        command = [sys.executable, "generate.py", "serve", "--port", str(port), "--workers", str(args.workers)]
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{url}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
                if time.monotonic() > deadline:
                    raise SystemExit("the app did not start")
            bodies = patients(args.requests)
            headers = {"Authorization": f"Bearer {token}"}

            def one(client: httpx.Client, body: bytes) -> float:
                started = time.perf_counter()
                response = client.post(f"{url}/api/v1/packets", content=body, headers=headers)
                assert response.status_code == 200, response.text
                return time.perf_counter() - started

            with httpx.Client(timeout=120) as client:
                for body in patients(5, seed=2):
                    one(client, body)  # warm: fonts, caches, every worker
            for clients in (1, 8):
                sessions = [httpx.Client(timeout=120) for _ in range(clients)]
                work_of = [sessions[n % clients] for n in range(args.requests)]
                with ThreadPoolExecutor(clients) as pool:
                    started = time.perf_counter()
                    times = list(pool.map(one, work_of, bodies))
                    wall = time.perf_counter() - started
                for session in sessions:
                    session.close()
                print(
                    f"API, {clients} concurrent client(s), {args.workers} HTTP process(es), {packet_workers} packet "
                    f"worker(s) each, {args.requests} packets: "
                    f"p50 {statistics.median(times) * 1000:.0f} ms, p95 {percentile(times, 0.95) * 1000:.0f} ms, "
                    f"{args.requests / wall:.1f} packets/s"
                )
            with httpx.Client(base_url=url, timeout=60) as client:
                page = client.get("/sign-in").text
                csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
                client.post("/sign-in", data={"name": "bench", "password": "bench password 1", "csrf_token": csrf})
                times = []
                for _ in range(10):
                    started = time.perf_counter()
                    response = client.get("/")
                    times.append(time.perf_counter() - started)
                    assert response.status_code == 200
                median = statistics.median(times) * 1000
                print(f"schedule page, {args.appointments} appointments: median {median:.0f} ms, "
                      f"{len(response.content) // 1024} KB")  # fmt: skip
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
