"""Batch throughput and memory, beside the bare-ReportLab floor, measured in one run.

    .venv/bin/python benchmarks/batch.py [--n 400] [--memory 1000,10000]

Reports, for N synthetic appointments (names in several scripts, some flags
and instructions): ms per packet and per page with 1 worker, packets/s with 1
and 2 workers, and peak memory (RSS of the whole batch process tree) at the
record counts given with --memory. Whole-process runs alternate 1 and 2 workers
twice and keep the best of each (the machine is shared and noisy). The floor is
a bare canvas drawing the
same packets' text (see benchmarks/packet.py).
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.packet import floor  # noqa: E402
from packetgen.library import load_library  # noqa: E402
from packetgen.personalize import personalize  # noqa: E402
from packetgen.render import load_fonts  # noqa: E402
from packetgen.settings import Settings  # noqa: E402
from packetgen.timing import Site  # noqa: E402

TODAY = date(2026, 11, 24)

NAMES = [
    ("Nguyễn", "Thị Ánh"),
    ("O'Brien", "Seán"),
    ("Иванова", "Елена"),
    ("Παπαδόπουλος", "Γιώργος"),
    ("Smith", "Ann"),
]
FLAGS = ["", "sedation", "anticoagulant;contrast_allergy", "sedation;anticoagulant;contrast_allergy"]
HEADER = [
    "appointment_id",
    "mrn",
    "last_name",
    "first_name",
    "date_of_birth",
    "procedure",
    "start",
    "provider",
    "flags",
    "instructions",
]


def write_csv(path: Path, n: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for i in range(n):
            last, first = NAMES[i % len(NAMES)]
            day, minute = 7 + i % 20, (i * 15) % 600
            start = f"2026-12-{day:02d}T{7 + minute // 60:02d}:{minute % 60:02d}"
            out.writerow(
                [
                    f"S-{i:06d}",
                    f"{i:08d}",
                    last,
                    first,
                    "1950-01-01",
                    "22510",
                    start,
                    "Dr. A. Alvarez",
                    FLAGS[i % len(FLAGS)],
                    "Bring your medicine list.|Do not drive yourself home." if i % 3 else "",
                ]
            )


def run_batch(source: Path, workers: int) -> tuple[float, float, list[dict[str, object]]]:
    """Wall seconds, peak RSS in MB of the batch and its workers, manifest entries."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "generate.py", "batch", str(source), "--out", out, "--workers", str(workers)]
        script = (
            "import resource, subprocess, sys, time; t = time.perf_counter(); "
            "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        result = subprocess.run(
            [sys.executable, "-c", script, *command], cwd=ROOT, check=True, capture_output=True, text=True
        )
        seconds, rss_kb = result.stdout.split()
        entries = [json.loads(line) for line in (Path(out) / "manifest.jsonl").read_text().splitlines()]
    return float(seconds), int(rss_kb) / 1024, entries


def in_process(source: Path, repeats: int = 3) -> dict[str, tuple[float, float]]:
    """The whole 1-worker batch in this process (every stage, no interpreter start-up) and the
    bare-canvas floor drawing the same packets' text: {clock: (batch seconds, floor seconds)}
    for wall-clock time and for CPU time (steadier on a shared machine; it leaves out the
    batch's waits for fsync). Alternated and the best of `repeats` kept."""
    from packetgen.batch.run import BatchOptions
    from packetgen.batch.run import run_batch as run_in_process
    from packetgen.intake.batch_file import ReadOptions, read_batch

    library = load_library()
    layout = library.layout(None)
    fonts = load_fonts(layout.fonts)
    site = Site(Settings().timezone, TODAY)
    packets = []
    options = ReadOptions(is_procedure=library.is_procedure)
    for record in read_batch(source, options)[1]:
        appointment = record.appointment(TODAY)
        content = library.find_procedure(appointment.procedure, appointment.procedure_system)
        assert content is not None
        department = library.department(content.department)
        packets.append(personalize(content, appointment, layout, department, site))
    clocks = {"wall": time.perf_counter, "CPU": time.process_time}
    best: dict[str, list[float]] = {name: [float("inf"), float("inf")] for name in clocks}

    def timed(work: Callable[[], object], slot: int) -> None:
        started = {name: clock() for name, clock in clocks.items()}
        work()
        for name, clock in clocks.items():
            best[name][slot] = min(best[name][slot], clock() - started[name])

    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as out:
            options = BatchOptions(source, Path(out), workers=1, today=TODAY)
            timed(lambda options=options: run_in_process(options, report=lambda _line: None), 0)
        timed(lambda: [floor(packet, fonts.regular) for packet in packets], 1)
    return {name: (batch, floor_s) for name, (batch, floor_s) in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--memory", default="1000,10000", help="record counts for the memory runs ('' to skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "batch.csv"
        write_csv(source, args.n)
        runs = [(run_batch(source, 1), run_batch(source, 2)) for _ in range(2)]  # alternated; best kept
        (one, rss_one, entries), (two, rss_two, _) = (
            min(side, key=lambda run: run[0]) for side in zip(*runs, strict=True)
        )
        pages = sum(int(e["pages"]) for e in entries if e["status"] == "ok")
        ok = sum(e["status"] == "ok" for e in entries)
        measured = in_process(source)
        print(f"{args.n} records, {ok} packets, {pages} pages (whole process, imports included)")
        for label, seconds, rss in (("1 worker ", one, rss_one), ("2 workers", two, rss_two)):
            print(
                f"  {label}: {seconds * 1000 / ok:6.1f} ms/packet {seconds * 1000 / pages:5.2f} ms/page "
                f"{ok / seconds:6.1f} packets/s  peak {rss:.0f} MB"
            )
        print(f"  speed-up 2 vs 1 workers: {one / two:.2f}x")
        for clock, (batch_s, floor_s) in measured.items():
            print(
                f"  in process, 1 worker, all stages, {clock} time: {batch_s * 1000 / pages:.2f} ms/page; "
                f"bare-canvas floor for the same packets: {floor_s * 1000 / pages:.2f} ms/page; "
                f"ratio {batch_s / floor_s:.2f}x"
            )
        for n in [int(x) for x in args.memory.split(",") if x]:
            write_csv(source, n)
            seconds, rss, _ = run_batch(source, 2)
            print(f"  {n:>6} records, 2 workers: {seconds:6.1f} s, peak RSS {rss:.0f} MB (largest single process)")


if __name__ == "__main__":
    main()
