"""A day's print run: time, peak memory, size and font programs of `write_print_run`.

    .venv/bin/python benchmarks/print_run.py [--packets 200] [--workers 2] [--keep DIR]

Makes N packets from the shipped content (vertebroplasty and colonoscopy, in English and now
and then in Spanish, patients' names varied, all on one day) with the batch in process, then
merges them with `pdf.print_run.write_print_run` in a fresh process of its own, so that its
peak RSS (`ru_maxrss` of that process: there is no psutil in the environment) is the merge's
alone. Reports the merge's wall time and peak RSS, the run's size and pages, and its font file
streams (/FontFile, /FontFile2, /FontFile3): how many, and how many distinct by content.
`--keep DIR` makes the packets there once and reuses them on later runs with the same N.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pikepdf  # noqa: E402

from packetgen.models.entry import Entry  # noqa: E402

TODAY = date(2026, 11, 24)
DAY = "2026-12-07"
LAST = ["Nguyễn", "O'Brien", "Smith", "García", "Kowalski", "Johnson", "Okafor", "Fitzgerald", "Quinn", "Zhang"]
FIRST = ["Ann", "Seán", "José", "María", "Xavier", "Yolanda", "Victor", "Wendy", "Kim", "Józef", "Ulla"]
PROCEDURES = ["vertebroplasty", "colonoscopy"]
FLAGS = ["", "sedation", "anticoagulant", "sedation;anticoagulant"]
HEADER = ["appointment_id", "mrn", "last_name", "first_name", "date_of_birth", "procedure", "start", "provider"]
HEADER += ["language", "flags"]
FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


def write_csv(path: Path, n: int) -> None:
    """N appointments on one day: names from two lists (so every few packets a glyph is new)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for i in range(n):
            minute = (i * 7) % 600
            out.writerow(
                [
                    f"R-{i:06d}",
                    f"{i:08d}",
                    LAST[i % len(LAST)],
                    FIRST[(i // len(LAST)) % len(FIRST)],
                    f"19{40 + i % 50:02d}-0{1 + i % 9}-1{i % 10}",
                    PROCEDURES[i % len(PROCEDURES)],
                    f"{DAY}T{7 + minute // 60:02d}:{minute % 60:02d}",
                    "Dr. A. Alvarez",
                    "es" if i % 7 == 3 else "en",
                    FLAGS[i % len(FLAGS)],
                ]
            )


def make_packets(folder: Path, n: int, workers: int) -> float:
    """The batch, in process, into `folder`; seconds taken (0 when reused)."""
    manifest = folder / "manifest.jsonl"
    if manifest.exists() and sum(1 for _ in manifest.open()) == n:
        return 0.0
    from packetgen.batch.run import BatchOptions, run_batch

    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "day.csv"
    write_csv(source, n)
    started = time.perf_counter()
    run_batch(BatchOptions(source, folder, workers=workers, today=TODAY), report=lambda _line: None)
    return time.perf_counter() - started


def entries_of(folder: Path) -> list[Entry]:
    lines = (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return [Entry(**json.loads(line)) for line in lines]


def merge(folder: Path, name: str) -> None:
    """The merge alone (run as its own process): prints seconds and peak RSS in MB as JSON."""
    from packetgen.pdf.print_run import write_print_run

    entries = entries_of(folder)
    started = time.perf_counter()
    write_print_run(entries, folder, name)
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rss_mb": rss}))


def font_streams(path: Path) -> tuple[int, int, int, int]:
    """(font file streams, distinct by content, streams, distinct streams by dictionary and raw bytes)."""
    fonts: dict[tuple[int, int], bytes] = {}
    every: dict[tuple[int, int], bytes] = {}
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                every[obj.objgen] = hashlib.sha256(
                    repr(sorted((str(k), repr(v)) for k, v in obj.stream_dict.items() if k != "/Length")).encode()
                    + obj.read_raw_bytes()
                ).digest()
            elif isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == pikepdf.Name.FontDescriptor:
                for key in FONT_FILES:
                    if key in obj:
                        program = obj[key]
                        fonts[program.objgen] = hashlib.sha256(program.read_bytes()).digest()
    return len(fonts), len(set(fonts.values())), len(every), len(set(every.values()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packets", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="workers making the packets (not the merge)")
    parser.add_argument("--keep", type=Path, help="make the packets here once, and reuse them")
    parser.add_argument("--merge-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.merge_only is not None:
        merge(args.merge_only, "print-run.pdf")
        return
    with tempfile.TemporaryDirectory() as work:
        folder = args.keep or Path(work) / "packets"
        made = make_packets(folder, args.packets, args.workers)
        entries = entries_of(folder)
        ok = sum(e.status == "ok" for e in entries)
        result = subprocess.run(
            [sys.executable, __file__, "--merge-only", str(folder)], check=True, capture_output=True, text=True
        )
        measured = json.loads(result.stdout.splitlines()[-1])
        run = folder / "print-run.pdf"
        with pikepdf.open(run) as pdf:
            pages = len(pdf.pages)
        fonts, distinct_fonts, streams, distinct_streams = font_streams(run)
        print(f"{ok} packets of {len(entries)} records" + (f" (made in {made:.0f} s)" if made else " (reused)"))
        print(f"  merge: {measured['seconds']:.1f} s, peak RSS {measured['rss_mb']:.0f} MB (the merging process)")
        print(f"  run: {pages} pages, {run.stat().st_size / 1e6:.1f} MB")
        print(f"  font file streams: {fonts}, distinct by content: {distinct_fonts}")
        print(f"  streams: {streams}, distinct by dictionary and raw bytes: {distinct_streams}")


if __name__ == "__main__":
    main()
