"""Printing through a real CUPS server with a virtual PDF printer (cups-pdf): what arrives is the
packet, on the layout's paper, two-sided, under a job name without patient data."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from packetgen.cli import main
from tests.helpers.batchdata import manifest, row, write_csv
from tests.helpers.servers import Cups, free_port
from tests.helpers.stores import migrated_sqlite

ROOT = Path(__file__).parent.parent.parent
NGUYEN = ROOT / "examples/appointments/nguyen.yaml"
LETTER, A4 = (612, 792), (595, 842)


def environ(cups_server: Cups, tmp_path: Path, **extra: str) -> dict[str, str]:
    return cups_server.environ(PACKETGEN_DATABASE_URL=migrated_sqlite(tmp_path / "db.sqlite"), **extra)


def job_of(out: str) -> int:
    found = re.search(r"printed on \S+: job (\d+)", out)
    assert found, out
    return int(found.group(1))


def page_sizes(path: Path) -> set[tuple[int, int]]:
    return {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in PdfReader(path).pages}


def test_a_letter_packet_prints_two_sided_on_letter(
    cups_server: Cups, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["print", str(NGUYEN), "--printer", cups_server.queue, "--out", str(tmp_path / "out")],
        environ=environ(cups_server, tmp_path),
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    packet = tmp_path / "out" / "DEMO-0001.pdf"
    pages = len(PdfReader(packet).pages)
    assert out.splitlines()[0] == str(packet)
    expected = rf"printed on {cups_server.queue}: job \d+, {pages} pages, two-sided, na_letter_8.5x11in, 1 copy"
    assert re.fullmatch(expected + r" \(\d+\.\d\d s\)", out.splitlines()[1])
    job_id = job_of(out)
    printed = cups_server.printed(job_id)
    assert len(PdfReader(printed).pages) == pages  # the blank back page included
    assert page_sizes(printed) == {LETTER}  # not shrunk to the queue's default A4
    job = cups_server.job(job_id)
    assert job["sides"] == "two-sided-long-edge"
    assert job["media"] == "na_letter_8.5x11in"
    assert job["job-name"] == "DEMO-0001"  # the appointment id, never a name
    assert printed.name.startswith("DEMO-0001")

    assert main(["audit"], environ=environ(cups_server, tmp_path)) == 0
    audit = capsys.readouterr().out.splitlines()
    assert len(audit) == 2
    sha256 = hashlib.sha256(packet.read_bytes()).hexdigest()  # the file that was printed
    assert audit[1].split()[2:6] == ["print", "DEMO-0001", sha256, cups_server.queue]
    assert audit[1].endswith(f"printed (job {job_id}, {pages} pages, 1 copy)")


def test_an_a4_packet_prints_on_a4_with_copies(
    cups_server: Cups, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["print", str(NGUYEN), "--layout", "a4", "--copies", "2", "--out", str(tmp_path / "out")]
    code = main(argv, environ=environ(cups_server, tmp_path, PACKETGEN_PRINTER=cups_server.queue))
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "iso_a4_210x297mm, 2 copies" in out
    job_id = job_of(out)
    assert page_sizes(cups_server.printed(job_id)) == {A4}
    assert cups_server.job(job_id)["copies"] == 2


def test_an_unknown_queue_is_one_line_and_nothing_is_made(
    cups_server: Cups, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["print", str(NGUYEN), "--printer", "no-such-queue", "--out", str(tmp_path / "out")]
    assert main(argv, environ=environ(cups_server, tmp_path)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"generate.py: error: printer no-such-queue: no such queue on 127.0.0.1 (queues: {cups_server.queue})\n"
    )
    assert not (tmp_path / "out").exists()


def test_a_stopped_printer_is_one_line(cups_server: Cups, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import cups

    connection = cups.Connection()  # the fixture pointed libcups at the test server
    connection.disablePrinter(cups_server.queue, reason="paper jam in tray 2")
    try:
        argv = ["print", str(NGUYEN), "--printer", cups_server.queue, "--out", str(tmp_path / "out")]
        assert main(argv, environ=environ(cups_server, tmp_path)) == 2
    finally:
        connection.enablePrinter(cups_server.queue)
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"generate.py: error: printer {cups_server.queue} is stopped (paper jam in tray 2")
    assert err.endswith("nothing was printed\n")


def test_an_unreachable_print_server_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    argv = ["print", str(NGUYEN), "--printer", "q", "--out", str(tmp_path / "out")]
    code = main(argv, environ={"PACKETGEN_CUPS_SERVER": f"127.0.0.1:{port}"})
    assert code == 2
    assert (
        capsys.readouterr().err
        == "generate.py: error: cannot reach the print server 127.0.0.1: is CUPS running there?\n"
    )


def test_a_batch_prints_its_print_run(cups_server: Cups, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = ROOT / "examples/batch/appointments.csv"
    argv = ["batch", str(source), "--out", str(tmp_path / "out"), "--print-run", "--printer", cups_server.queue]
    code = main(argv, environ=environ(cups_server, tmp_path, PACKETGEN_WORKERS="1"))
    out, err = capsys.readouterr()
    assert code in (0, 1), err  # the example CSV holds bad records on purpose
    found = re.search(r"printed the print run on \S+: job (\d+), (\d+) pages, two-sided", out)
    assert found, out
    run = tmp_path / "out" / "print-run.pdf"
    printed = cups_server.printed(int(found.group(1)))
    assert len(PdfReader(printed).pages) == len(PdfReader(run).pages) == int(found.group(2))
    assert cups_server.job(int(found.group(1)))["job-name"] == "print-run"
    assert main(["audit"], environ=environ(cups_server, tmp_path)) == 0
    audit = capsys.readouterr().out.splitlines()[1:]
    packets = [
        line for line in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines() if '"status": "ok"' in line
    ]
    assert len(audit) == len(packets) > 1  # one line per packet in the run
    assert all(line.split()[2] == "print" and f"printed (job {found.group(1)}," in line for line in audit)


def test_each_packet_of_a_printed_run_is_audited_with_its_hash(
    cups_server: Cups, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The auditor's question, "which version of whose packet went to the printer?": each packet of
    the printed run has its own audit line with its appointment and the SHA-256 of its file."""
    out = tmp_path / "out"
    source = write_csv(tmp_path / "day.csv", row("H-1"), row("H-2", start="2026-12-07T09:00", mrn="00099887"))
    argv = ["batch", str(source), "--out", str(out), "--print-run", "--printer", cups_server.queue]
    assert main(argv, environ=environ(cups_server, tmp_path, PACKETGEN_WORKERS="1")) == 0
    capsys.readouterr()
    assert main(["audit"], environ=environ(cups_server, tmp_path)) == 0
    audited = [line.split()[2:5] for line in capsys.readouterr().out.splitlines()[1:]]
    on_disk = {a: hashlib.sha256((out / f"{a}.pdf").read_bytes()).hexdigest() for a in ("H-1", "H-2")}
    assert sorted(audited) == [["print", a, on_disk[a]] for a in ("H-1", "H-2")]
    assert {e["appointment_id"]: e["sha256"] for e in manifest(out)} == on_disk


def test_printer_without_print_run_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["batch", str(ROOT / "examples/batch/appointments.csv"), "--printer", "q"]) == 2
    assert capsys.readouterr().err == "generate.py: error: --printer prints the print run: add --print-run\n"


@pytest.mark.process  # `generate.py print` as a program, as a scheduler runs it
def test_print_as_a_program(cups_server: Cups, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "generate.py", "print", str(NGUYEN), "--out", str(tmp_path / "o")],
        cwd=ROOT,
        env={**os.environ, **environ(cups_server, tmp_path, PACKETGEN_PRINTER=cups_server.queue)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert len(PdfReader(cups_server.printed(job_of(result.stdout))).pages) == len(
        PdfReader(tmp_path / "o" / "DEMO-0001.pdf").pages
    )


def test_without_a_printer_named_the_servers_default_queue_prints(
    cups_server: Cups, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import cups

    cups.Connection().setDefault(cups_server.queue)
    code = main(["print", str(NGUYEN), "--out", str(tmp_path / "out")], environ=environ(cups_server, tmp_path))
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"printed on {cups_server.queue}: job " in out
