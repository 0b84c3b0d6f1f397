"""The manifest: every field of every line read back and checked against the packet it names."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from packetgen.batch.manifest import ManifestWriter, previous_entries
from packetgen.cli import main
from packetgen.models.entry import Entry
from packetgen.timing import Site
from tests.helpers.batchdata import HEADER, manifest, row


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small day's batch (records with warnings, other languages and layouts, an error), run once."""
    today = Site.now("America/Chicago").today  # the CLI's clock, at the site
    past = (today - timedelta(days=1)).isoformat()
    lines = [
        f"{HEADER},language,layout",
        row("M-EN", start=f"{today.isoformat()}T15:00") + ",en,",
        row("M-PAST", start=f"{past}T09:00") + ",en,",
        row("M-ES") + ",es-MX,a4",
        row("M-VI") + ",vi,large-print",
        row("M-BAD", procedure="99999") + ",en,",
    ]
    tmp_path = tmp_path_factory.mktemp("day")
    source = tmp_path / "day.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["batch", str(source), "--out", str(out), "--workers", "2"]) == 1
    return source, out


def test_each_ok_line_describes_its_packet(day: tuple[Path, Path]) -> None:
    _source, out = day
    entries = {e["appointment_id"]: e for e in manifest(out)}
    assert len(entries) == 5
    expected = {
        "M-EN": ("en", "letter"),
        "M-PAST": ("en", "letter"),
        "M-ES": ("es", "a4"),
        "M-VI": ("en", "large-print"),
    }
    for appointment_id, (language, layout) in expected.items():
        entry = entries[appointment_id]
        data = (out / entry["file"]).read_bytes()
        assert entry["status"] == "ok"
        assert entry["file"] == f"{appointment_id}.pdf"
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["pages"] == len(PdfReader(out / entry["file"]).pages)
        assert (entry["language"], entry["layout"]) == (language, layout)
        assert PdfReader(out / entry["file"]).trailer["/Root"]["/Lang"] == language
        assert entry["procedure"] == "vertebroplasty"
        assert entry["content_version"] == "1.0.0"
        assert re.fullmatch(r"[0-9a-f]{64}", entry["input_sha256"])
        assert entry["reused"] is False
        assert entry["error"] is None
    assert entries["M-ES"]["start"] == "2026-12-07T07:30"
    assert entries["M-EN"]["start"].endswith("T15:00")
    assert len({e["input_sha256"] for e in entries.values() if e["status"] == "ok"}) == 4


def test_warnings_are_kept_on_their_records_line(day: tuple[Path, Path]) -> None:
    source, out = day
    entries = {e["appointment_id"]: e for e in manifest(out)}
    # Later today: not in the past, but the night before, which its text prints, is over (issue 25).
    assert entries["M-EN"]["warnings"] == [
        f"{source}:2: warning: start: vertebroplasty prints the time 'fast_from', which has passed when the "
        "packet is made"
    ], "an appointment later today is not in the past"
    assert [w for w in entries["M-ES"]["warnings"] if "has passed" not in w] == []  # its day is the CLI's clock's
    assert entries["M-PAST"]["warnings"] == [
        f"{source}:3: warning: start: the appointment is in the past (printed anyway)"
    ]
    assert [w for w in entries["M-VI"]["warnings"] if "has passed" not in w] == [
        f"{source}:5: warning: language: no vertebroplasty packet in 'vi'; the en packet was produced: "
        "arrange an interpreter"
    ]


def test_an_error_line_names_the_place_and_holds_no_packet(day: tuple[Path, Path]) -> None:
    source, out = day
    (bad,) = [e for e in manifest(out) if e["status"] == "error"]
    assert bad["place"] == f"{source}:6"
    assert bad["appointment_id"] == "M-BAD"
    assert bad["error"].startswith(f"{source}:6: procedure: unknown procedure")
    assert (bad["file"], bad["sha256"], bad["pages"]) == (None, None, None)
    assert not (out / "M-BAD.pdf").exists()


def test_each_line_lists_the_shared_fragments_its_packet_includes(day: tuple[Path, Path]) -> None:
    """`fragments`: id → version of each shared fragment the packet's text includes, as its PDF's metadata
    lists them; `{}` on a line with no packet."""
    _source, out = day
    shared = {
        "sedation-consent": "1.0.0",
        "patient-rights": "1.0.0",
        "sedation-risks": "1.0.0",
        "consent-attestations": "1.0.0",
    }
    for entry in manifest(out):
        if entry["status"] != "ok":
            assert entry["fragments"] == {}
            continue
        assert entry["fragments"] == shared, entry["appointment_id"]
        with pikepdf.open(out / entry["file"]) as pdf:
            listed = pdf.open_metadata().get("{http://ns.packetgen.invalid/packet/1.0/}fragments")
        assert sorted(listed) == sorted(f"{name} {version}" for name, version in entry["fragments"].items())


def test_no_name_reaches_the_manifest(day: tuple[Path, Path]) -> None:
    _source, out = day
    text = (out / "manifest.jsonl").read_text(encoding="utf-8")
    for part in ("Nguy", "Thị", "Ánh", "1948-03-14", "00012345"):
        assert part not in text
    assert (out / "manifest.jsonl").stat().st_mode & 0o077 == 0


def test_the_summary_line_counts_every_outcome(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "day.csv"
    past = (Site.now("America/Chicago").today - timedelta(days=1)).isoformat()
    ahead = (Site.now("America/Chicago").today + timedelta(days=10)).isoformat()  # none of its times has passed
    rows = [row("S-1", start=f"{ahead}T09:00"), row("S-2", start=f"{past}T09:00"), row("S-3", procedure="1")]
    rows.append(rows[0])
    source.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["batch", str(source), "--out", str(out), "--workers", "1"]) == 1
    assert main(["batch", str(source), "--out", str(out), "--workers", "1", "--resume"]) == 1
    last = capsys.readouterr().out.splitlines()[-1]
    assert re.fullmatch(
        rf"batch: 2 ok \(2 reused\), 2 failed, 0 skipped, 1 warnings, \d+\.\d packets/s; "
        rf"manifest: {out}/manifest\.jsonl",
        last,
    ), last


def test_the_manifest_is_partial_until_the_run_ends_and_resume_reads_a_crashed_one(tmp_path: Path) -> None:
    writer = ManifestWriter(tmp_path)
    writer.write(Entry("f:2", "A-1", "ok", file="A-1.pdf", sha256="1" * 64))
    writer.write(Entry("f:3", "A-2", "error", error="f:3: mrn: required field is missing"))
    writer.write(Entry("f:4", "A-3", "ok", file="A-3.pdf", sha256="2" * 64))
    partial = tmp_path / "manifest.jsonl.partial"
    assert partial.read_text(encoding="utf-8").count("\n") == 3, "each line is on disk as soon as it is written"
    assert not (tmp_path / "manifest.jsonl").exists()
    with partial.open("a", encoding="utf-8") as handle:
        handle.write('{"place": "f:5", "appointment_id": "A-4", "stat')  # killed mid-line
    found = previous_entries(tmp_path)
    assert sorted(found) == ["A-1", "A-3"]
    assert found["A-3"]["sha256"] == "2" * 64
    assert writer.close() == tmp_path / "manifest.jsonl"
    assert not partial.exists()
