"""How fast is one packet? Medians against the bare-ReportLab floor, measured in one run.

    .venv/bin/python benchmarks/packet.py [--n 60]

Floor: a bare reportlab canvas drawing the same text with the same fonts
(see shared research/engines-benchmark.md). Pipeline: appointment file on disk
→ PDF on disk, every stage included. Whole process: `generate.py packet` as a
user runs it.
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportlab.lib.pagesizes import LETTER  # noqa: E402
from reportlab.lib.utils import simpleSplit  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from packetgen.build import make_packet  # noqa: E402
from packetgen.checks import _packet_strings  # noqa: E402
from packetgen.intake import read_appointment_file  # noqa: E402
from packetgen.library import load_library  # noqa: E402
from packetgen.models.packet import ResolvedPacket  # noqa: E402
from packetgen.personalize import personalize  # noqa: E402
from packetgen.render import load_fonts, render_pdf  # noqa: E402
from packetgen.timing import Site  # noqa: E402

TODAY = date(2026, 11, 24)
ZONE = "America/Chicago"  # the `timezone` setting's default
APPOINTMENT = ROOT / "examples/appointments/ivanova.yaml"


def floor(packet: ResolvedPacket, font: str) -> bytes:
    """The same strings drawn line by line on a bare canvas: ReportLab's floor."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=LETTER, invariant=1, initialFontName=font)
    y = 720.0
    for _path, text in _packet_strings(packet, ""):
        for line in simpleSplit(text, font, 12, 480):
            if y < 72:
                canvas.showPage()
                y = 720.0
            canvas.setFont(font, 12)
            canvas.drawString(66, y, line)
            y -= 16
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def median_ms(work: Callable[[], object], n: int) -> float:
    work()  # warm up: first build registers subsets and fills caches
    times = []
    for _ in range(n):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=60)
    n = parser.parse_args().n
    library = load_library()
    layout = library.layout(None)
    fonts = load_fonts(layout.fonts)
    appointment, content = read_appointment_file(APPOINTMENT, library, TODAY)
    packet = personalize(content, appointment, layout, library.department(content.department), Site(ZONE, TODAY))
    pages = render_pdf(packet, layout, fonts).pages
    with tempfile.TemporaryDirectory() as out:
        results = {
            "floor (bare canvas, same text)": median_ms(lambda: floor(packet, fonts.regular), n),
            "render only (platypus)": median_ms(lambda: render_pdf(packet, layout, fonts), n),
            "pipeline (file → PDF on disk)": median_ms(
                lambda: make_packet(APPOINTMENT, Path(out), library=library, today=TODAY), n
            ),
        }
        whole = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "generate.py", "packet", str(APPOINTMENT), "--out", out],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            whole.append(time.perf_counter() - start)
    base = results["floor (bare canvas, same text)"]
    print(f"packet: {APPOINTMENT.name}, {pages} pages, median of {n} runs")
    for name, ms in results.items():
        print(f"  {name:<34} {ms:7.1f} ms/packet  {ms / pages:5.1f} ms/page  {ms / base:4.2f}x floor")
    print(f"  {'whole process (generate.py packet)':<34} {statistics.median(whole) * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
