"""Batch runs: every good record produced, every bad one named, nothing lost, crash-safe."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from packetgen.cli import main
from packetgen.errors import SourcePos
from tests.helpers.batchdata import HEADER, manifest, row
from tests.helpers.hypothesis_profiles import RENDERING
from tests.helpers.site import KNOWN_PROCEDURES, ROOT

BATCH = ROOT / "tests" / "data" / "batch"
MESSY = "\r\n".join(
    [
        HEADER,
        row(
            "OK-1",
            flags="sedation;contrast_allergy",
            instructions='"Bring your walker, please.|Call us, if you are ill."',
        ),
        row("BAD-DATE", date_of_birth="1950-02-30"),
        row("OK-2", last_name='"O\'Brien & <Sons>"', first_name="Seán", procedure="22512"),
        row("BAD-PROC", procedure="99999"),
        row("OK-3", instructions='"First line of a long note\r\nthat spans two physical lines"'),
        row("BAD-MRN", mrn=""),
        row("OK-1", first_name="Duplicate"),
        row("BAD-CELLS") + ",extra,cells",
        row("OK-4", last_name="王", first_name="小明", procedure="vertebroplasty"),
        "",
    ]
)


def run(*args: str) -> int:
    return main(["batch", *args])


def test_messy_csv_makes_every_good_row_and_names_every_bad_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "export.csv"
    source.write_bytes(b"\xef\xbb\xbf" + MESSY.encode("utf-8"))
    out = tmp_path / "out"
    assert run(str(source), "--out", str(out), "--workers", "2") == 1
    err = capsys.readouterr().err.splitlines()
    assert sorted(p.name for p in out.glob("*.pdf")) == ["OK-1.pdf", "OK-2.pdf", "OK-3.pdf", "OK-4.pdf"]
    assert f"{source}:3: date_of_birth: not a real calendar date" in err
    assert f"{source}:5: procedure: unknown procedure '99999'; expected one of: {KNOWN_PROCEDURES}" in err
    assert f"{source}:8: mrn: required field is missing" in err
    assert f"{source}:9: appointment_id: duplicate of the record at {source}:2" in err
    assert any(line.startswith(f"{source}:10: the row has 14 cells") for line in err)
    entries = manifest(out)
    assert sorted(e["place"] for e in entries) == sorted(f"{source}:{n}" for n in (2, 3, 4, 5, 6, 8, 9, 10, 11))
    assert {e["appointment_id"]: e["status"] for e in entries if e["status"] == "ok"}.keys() == {
        "OK-1",
        "OK-2",
        "OK-3",
        "OK-4",
    }
    ok = next(e for e in entries if e["appointment_id"] == "OK-2")
    assert ok["procedure"] == "vertebroplasty"
    assert ok["content_version"] == "1.0.0"
    assert ok["pages"] == len(PdfReader(out / "OK-2.pdf").pages)
    assert "Nguy" not in (out / "manifest.jsonl").read_text(encoding="utf-8")


def test_fhir_and_hl7_give_the_same_packet_as_the_csv_row(tmp_path: Path) -> None:
    digests = set()
    for name in ("equivalent.csv", "equivalent.fhir.json", "equivalent.hl7"):
        out = tmp_path / name
        assert run(str(BATCH / name), "--out", str(out), "--workers", "1") == 0
        (entry,) = manifest(out)
        assert entry["status"] == "ok"
        digests.add((out / "EQ-1.pdf").read_bytes())
    assert len(digests) == 1


def test_hl7_variants_many_messages_newlines_escapes_and_cancellations(tmp_path: Path) -> None:
    one = (BATCH / "equivalent.hl7").read_text(encoding="utf-8")
    second = one.replace("EQ-1^SCHED", "EQ-2^SCHED").replace("O'Brien \\T\\ Sons", "Smith \\S\\ Jones")
    cancelled = one.replace("SIU^S12^SIU_S12", "SIU^S15^SIU_S15")
    not_siu = one.replace("SIU^S12^SIU_S12", "ADT^A01^ADT_A01")
    source = tmp_path / "many.hl7"
    source.write_text("\n".join(m.replace("\r", "\n") for m in (one, second, cancelled, not_siu)), encoding="utf-8")
    out = tmp_path / "out"
    assert run(str(source), "--out", str(out), "--workers", "1") == 1
    statuses = {e["place"]: e["status"] for e in manifest(out)}
    assert statuses == {f"{source}:1": "ok", f"{source}:2": "ok", f"{source}:3": "skipped", f"{source}:4": "error"}
    assert (
        "Paciente: Smith ^ Jones, Seán Patrick"
        in " ".join(  # PID-15 SPA: the Spanish packet
            p.extract_text() for p in PdfReader(out / "EQ-2.pdf").pages[:1]
        )
    )


def test_fhir_cancelled_is_skipped_and_a_dangling_patient_fails(tmp_path: Path) -> None:
    bundle = json.loads((BATCH / "equivalent.fhir.json").read_text(encoding="utf-8"))
    appointment = bundle["entry"][-1]["resource"]
    cancelled = {**appointment, "id": "EQ-2", "status": "cancelled"}
    dangling = {
        **appointment,
        "id": "EQ-3",
        "participant": [{"actor": {"reference": "Patient/nobody"}, "status": "accepted"}],
    }
    bundle["entry"] += [{"resource": cancelled}, {"resource": dangling}]
    source = tmp_path / "bundle.json"
    source.write_text(json.dumps(bundle), encoding="utf-8")
    out = tmp_path / "out"
    assert run(str(source), "--out", str(out), "--workers", "1") == 1
    entries = {e["place"]: e for e in manifest(out)}
    assert entries[f"{source}:Appointment/EQ-1"]["status"] == "ok"
    assert entries[f"{source}:Appointment/EQ-2"]["status"] == "skipped"
    assert entries[f"{source}:Appointment/EQ-3"]["error"] == (
        f"{source}:Appointment/EQ-3: participant: no Patient participant found in the Bundle"
    )


def test_column_map_reads_a_sites_own_export(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = run(
        str(ROOT / "examples/batch/epic-export.csv"),
        "--columns",
        str(ROOT / "examples/batch/epic-columns.yaml"),
        "--out",
        str(out),
        "--workers",
        "1",
    )
    assert code == 0
    entries = manifest(out)
    assert [e["status"] for e in entries] == ["ok"] * len(entries)
    assert entries[0]["start"] == "2026-12-07T07:30"


def test_semicolon_delimiter_and_cp1252(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = row("CP-1", last_name="Müller", first_name="Zoë", provider="Dr A").replace(",", ";")
    source = tmp_path / "excel.csv"
    source.write_bytes((HEADER.replace(",", ";") + "\r\n" + line + "\r\n").encode("cp1252"))
    assert run(str(source), "--out", str(tmp_path / "refused")) == 2
    expected = f"{source}:2: not UTF-8 text; if it is an Excel/Windows export, add --encoding cp1252"
    assert capsys.readouterr().err.strip() == expected
    assert not (tmp_path / "refused").exists()
    assert run(str(source), "--out", str(tmp_path / "out"), "--encoding", "cp1252", "--workers", "1") == 0
    text = PdfReader(tmp_path / "out" / "CP-1.pdf").pages[0].extract_text()
    assert "Patient: Müller, Zoë" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "appointment_id,mrn\nA,1\n",
            ":1: header: missing columns: first_name, last_name, date_of_birth, procedure, start, provider",
        ),
        ("", ":1: the file is empty"),
        ("just some words\n", ":1: not a CSV file, FHIR Bundle or HL7 SIU message file"),
        ('{"resourceType": "Patient"}', ":1: resourceType: expected a FHIR Bundle"),
    ],
)
def test_unusable_files_exit_2_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    source = tmp_path / "input.txt"
    source.write_text(content, encoding="utf-8")
    assert run(str(source), "--out", str(tmp_path / "out")) == 2
    assert capsys.readouterr().err.strip().startswith(f"{source}{message}")
    assert not (tmp_path / "out").exists()


def test_print_run_orders_by_time_and_starts_each_packet_on_a_front_page(tmp_path: Path) -> None:
    source = tmp_path / "day.csv"
    rows = [
        row("LATE", start="2026-12-07T15:00"),
        row("EARLY", start="2026-12-07T07:00", flags="sedation"),
        row(
            "NOON", start="2026-12-07T12:00", instructions="|".join(f"Step {i} of your preparation." for i in range(40))
        ),
    ]
    source.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run(str(source), "--out", str(out), "--print-run", "--workers", "1") == 0
    reader = PdfReader(out / "print-run.pdf")
    marks = [(o["/Title"], reader.get_destination_page_number(o)) for o in reader.outline]
    assert [title for title, _ in marks] == ["2026-12-07 07:00 EARLY", "2026-12-07 12:00 NOON", "2026-12-07 15:00 LATE"]
    assert all(page % 2 == 0 for _, page in marks), marks
    sizes = {e["appointment_id"]: e["pages"] for e in manifest(out)}
    expected_total = 0
    for name in ("EARLY", "NOON", "LATE"):
        expected_total += expected_total % 2 + sizes[name]
    assert len(reader.pages) == expected_total
    blank_back = reader.pages[sizes["EARLY"]]  # the back of EARLY's last sheet
    assert sizes["EARLY"] % 2 == 0 or blank_back.extract_text().strip() == ""


def test_print_run_gives_odd_length_packets_a_blank_back(tmp_path: Path) -> None:
    from reportlab.pdfgen.canvas import Canvas

    from packetgen.models.entry import Entry
    from packetgen.pdf.print_run import write_print_run

    entries = []
    for name, pages, start in (
        ("B", 2, "2026-12-07T09:00"),
        ("A", 3, "2026-12-07T08:00"),
        ("C", 1, "2026-12-07T10:00"),
    ):
        canvas = Canvas(str(tmp_path / f"{name}.pdf"), pagesize=(612, 792))
        for n in range(pages):
            canvas.drawString(72, 720, f"{name} page {n + 1}")
            canvas.showPage()
        canvas.save()
        entries.append(Entry(f"x.csv:{name}", name, "ok", file=f"{name}.pdf", start=start))
    reader = PdfReader(write_print_run(entries, tmp_path))
    texts = [page.extract_text().strip() for page in reader.pages]
    assert texts == ["A page 1", "A page 2", "A page 3", "", "B page 1", "B page 2", "C page 1"]
    assert [(o["/Title"], reader.get_destination_page_number(o)) for o in reader.outline] == [
        ("2026-12-07 08:00 A", 0),
        ("2026-12-07 09:00 B", 4),
        ("2026-12-07 10:00 C", 6),
    ]


def test_print_run_holds_each_distinct_stream_once_and_the_packets_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    import pikepdf

    from packetgen.models.entry import Entry
    from packetgen.pdf.print_run import write_print_run
    from tests.helpers.pdftext import page_texts

    names = [("Nguyễn", "Thị Ánh"), ("Smith", "Ann"), ("Quax", "Zoë")]  # a glyph or two of their own
    rows = [
        row(f"F-{i}", start=f"2026-12-07T{8 + i:02d}:00", last_name=last, first_name=first, mrn=f"0001234{i}")
        for i, (last, first) in enumerate(names * 2)
    ]
    source = tmp_path / "day.csv"
    source.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run(str(source), "--out", str(out), "--print-run", "--workers", "1") == 0

    def font_programs(path: Path) -> dict[tuple[int, int], bytes]:
        found: dict[tuple[int, int], bytes] = {}
        with pikepdf.open(path) as pdf:
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == pikepdf.Name.FontDescriptor:
                    for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                        if key in obj:
                            found[obj[key].objgen] = hashlib.sha256(obj[key].read_bytes()).digest()
        return found

    packets = [out / f"F-{i}.pdf" for i in range(len(rows))]
    in_packets = [program for packet in packets for program in font_programs(packet).values()]
    in_run = font_programs(out / "print-run.pdf")
    assert len(in_run) == len(set(in_run.values()))  # each distinct font program once
    assert set(in_run.values()) == set(in_packets)
    assert len(in_run) < len(in_packets)  # packets of the same patient share their subsets
    assert len(in_run) > 2  # and other patients' glyphs make subsets of their own
    expected: list[str] = []
    for packet in packets:
        expected += [""] * (len(expected) % 2) + page_texts(packet)
    assert page_texts(out / "print-run.pdf") == expected
    entries = [Entry(**entry) for entry in manifest(out)]
    assert write_print_run(entries, out, "again.pdf").read_bytes() == (out / "print-run.pdf").read_bytes()
    # A long day's page tree and ParentTree in nodes of a few entries (of 1,024 in a real run).
    monkeypatch.setattr("packetgen.pdf.print_run._FAN", 8)
    long_day = write_print_run(entries, out, "long-day.pdf")
    assert page_texts(long_day) == expected
    with pikepdf.open(long_day) as pdf:
        assert len(pdf.Root.Pages.Kids) == -(-len(expected) // 8)
        owners = pikepdf.NumberTree(pdf.Root.StructTreeRoot.ParentTree)
        keys = [int(page.obj.StructParents) for page in pdf.pages if "/StructParents" in page.obj]
        assert keys == [n for n, text in enumerate(expected) if text]  # each packet page by its run index
        assert sorted(key for key, _ in owners.items()) == keys


@pytest.mark.process  # starts `generate.py` as a program
def test_resume_after_sigkill_leaves_every_packet_whole(tmp_path: Path) -> None:
    source = tmp_path / "big.csv"
    source.write_text("\n".join([HEADER, *(row(f"K-{i:03d}") for i in range(40))]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    command = [sys.executable, "generate.py", "batch", str(source), "--out", str(out), "--workers", "2"]
    process = subprocess.Popen(
        command, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    partial = out / "manifest.jsonl.partial"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not partial.exists() or partial.read_text().count("\n") < 6):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done_before = [json.loads(line) for line in partial.read_text().splitlines() if line.endswith("}")]
    assert 6 <= len(done_before) < 40, "the batch should have been killed part-way"
    stamps = {e["file"]: (out / e["file"]).stat().st_mtime_ns for e in done_before}

    assert run(str(source), "--out", str(out), "--workers", "2", "--resume") == 0
    entries = manifest(out)
    assert len(entries) == 40
    assert all(e["status"] == "ok" for e in entries)
    for entry in entries:
        assert len(PdfReader(out / entry["file"]).pages) == entry["pages"]
    for name, stamp in stamps.items():
        assert (out / name).stat().st_mtime_ns == stamp, f"{name} was whole and current but was made again"
    assert sum(e["reused"] for e in entries) == len(stamps)
    assert not list(out.glob(".*.part"))
    assert not partial.exists()


def test_resume_remakes_packets_whose_inputs_changed(tmp_path: Path) -> None:
    source = tmp_path / "day.csv"
    source.write_text("\n".join([HEADER, row("R-1"), row("R-2")]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run(str(source), "--out", str(out), "--workers", "1") == 0
    source.write_text("\n".join([HEADER, row("R-1"), row("R-2", location="Room 9")]) + "\n", encoding="utf-8")
    (out / "R-1.pdf").write_bytes(b"%PDF-1.4 truncated")  # a damaged packet is not whole
    assert run(str(source), "--out", str(out), "--workers", "1", "--resume") == 0
    assert [e["reused"] for e in manifest(out)] == [False, False]
    assert len(PdfReader(out / "R-1.pdf").pages) > 1
    assert run(str(source), "--out", str(out), "--workers", "1", "--resume") == 0
    assert [e["reused"] for e in manifest(out)] == [True, True]


CELLS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=25)


@settings(RENDERING, max_examples=12)
@given(
    rows=st.lists(
        st.fixed_dictionaries({"last_name": CELLS, "first_name": CELLS, "start": CELLS, "mrn": CELLS}), max_size=3
    )
)
def test_arbitrary_records_never_crash_the_batch(
    tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, str]]
) -> None:
    import csv
    import io

    folder = tmp_path_factory.mktemp("batch")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER.split(","))
    for i, cells in enumerate(rows):
        values = dict(zip(HEADER.split(","), next(csv.reader([row(f"H-{i}")])), strict=True))
        writer.writerow([cells.get(name, values[name]) for name in HEADER.split(",")])
    source = folder / "fuzz.csv"
    source.write_text(buffer.getvalue(), encoding="utf-8")
    code = run(str(source), "--out", str(folder / "out"), "--workers", "1")
    assert code in (0, 1)
    entries = manifest(folder / "out")
    assert len(entries) == len(rows)
    for entry in entries:
        assert entry["status"] in ("ok", "error")
        if entry["status"] == "error":
            assert all(line.startswith(f"{source}:") for line in entry["error"].splitlines())
            assert "internal error" not in entry["error"]
        else:
            assert (folder / "out" / entry["file"]).is_file()


def test_a_task_is_judged_on_its_own_day_and_a_bug_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from datetime import date

    from packetgen.batch.run import Task, run_task
    from packetgen.build import Generator, make_generator
    from packetgen.intake.raw import RawRecord
    from packetgen.settings import Settings
    from tests.helpers.site import BASE_APPOINTMENT, TODAY

    generator = make_generator(Settings(), tmp_path, today=TODAY)
    record = RawRecord(SourcePos("f", 2), dict(BASE_APPOINTMENT))  # starts 2026-12-07
    assert run_task(Task(record, None), generator).warnings == []
    later = run_task(Task(record, None, today=date(2026, 12, 8)), generator)  # a listener running on
    assert later.status == "ok"
    assert later.warnings == ["f:2: warning: start: the appointment is in the past (printed anyway)"]

    def broken(*_args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(Generator, "generate", broken)
    failed = run_task(Task(record, None), generator)
    assert (failed.status, failed.error) == ("error", "f:2: internal error (RuntimeError); please report it")
    # The log has its traceback (tests/test_logs.py: without the exception's message).
    [logged] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert logged.getMessage() == "record 2: appointment T-0001: internal error (RuntimeError)"
    assert logged.exc_info is not None
    caplog.clear()  # expected: not a stray error
