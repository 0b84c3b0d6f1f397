"""The command line as users meet it: exit codes, one-line errors, nothing written on failure."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from packetgen.cli import main
from tests.helpers.site import ROOT

BAD = ROOT / "tests" / "data" / "bad"
BAD_CASES = sorted(p for p in BAD.iterdir() if not p.name.endswith(".expected"))


@pytest.mark.parametrize("case", BAD_CASES, ids=lambda p: p.name)
def test_bad_appointment_file_gives_one_line_and_no_pdf(
    case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    shown = str(case.relative_to(ROOT))
    code = main(["packet", shown, "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    expected = (BAD / f"{case.name}.expected").read_text(encoding="utf-8").strip().replace("{path}", shown)
    assert code == 2
    assert captured.err.strip() == expected
    assert "Traceback" not in captured.err
    assert captured.out == ""
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_packet_prints_path_and_writes_pdf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["packet", str(ROOT / "examples/appointments/wang.yaml"), "--out", str(tmp_path)])
    assert code == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "DEMO-0003.pdf")
    assert (tmp_path / "DEMO-0003.pdf").read_bytes().startswith(b"%PDF-")
    assert [p.name for p in tmp_path.iterdir()] == ["DEMO-0003.pdf"]  # no temp file left


def test_warnings_go_to_stderr_with_position(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = ROOT / "examples/appointments/nguyen.yaml"
    assert main(["packet", str(source), "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert f"{source}:11: warning: language: no vertebroplasty packet in 'vi'" in err
    assert "Nguyễn" not in err
    assert "Ánh" not in err


def test_unknown_layout_option_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["packet", str(ROOT / "examples/appointments/wang.yaml"), "--layout", "tabloid", "--out", str(tmp_path)]
    )
    assert code == 2
    assert (
        capsys.readouterr().err.strip()
        == "generate.py: error: unknown layout 'tabloid'; available: a4, large-print, letter"
    )


def test_missing_file_and_bad_options_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["packet", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["packet", "x.yaml", "--language", "not a tag"])
    assert info.value.code == 2


def test_list_shows_procedures_codes_and_layouts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "vertebroplasty" in out
    assert "version 1.0.0 | languages: en, es | CPT 22510, CPT 22511, CPT 22512" in out
    assert "large-print" in out


def test_validate_is_clean_and_reports_review_items(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "packets/vertebroplasty.yaml: vertebroplasty 1.0.0 (en)" in out
    assert "reading grade (Flesch-Kincaid grade) of each part; target 13:" in out
    assert "packets/vertebroplasty.es.yaml: vertebroplasty 1.0.0 (es)" in out
    assert "reading grade (Fernández-Huerta ease as a grade) of each part; target 13:" in out
    assert "translation of the en version 1.0.0: AWAITS review by a qualified medical translator" in out
    assert "ABOVE TARGET" not in out
    assert "items await clinical review" in out
    assert "layout letter: ok" in out


@pytest.mark.process  # starts `generate.py` as a program
def test_generate_script_runs_as_a_program(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "generate.py", "packet", str(BAD / "duplicate_key.yaml"), "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


@pytest.mark.process  # starts the program three ways
def test_the_console_script_and_python_m_do_what_generate_py_does(tmp_path: Path) -> None:
    ways = (
        [sys.executable, "generate.py"],
        [sys.executable, "-m", "packetgen"],
        [str(Path(sys.executable).parent / "packetgen")],
    )
    made = []
    for n, way in enumerate(ways):
        out = tmp_path / str(n)
        args = [*way, "packet", "examples/appointments/nguyen.yaml", "--out", str(out)]
        result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        (pdf,) = out.glob("*.pdf")
        made.append(pdf.read_bytes())
    assert made[0] == made[1] == made[2]


def test_language_option_overrides_the_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = ROOT / "examples/appointments/wang.yaml"  # an English speaker
    assert main(["packet", str(source), "--out", str(tmp_path / "es"), "--language", "es-MX"]) == 0
    spanish = PdfReader(tmp_path / "es" / "DEMO-0003.pdf")
    assert spanish.trailer["/Root"]["/Lang"] == "es"
    assert "Página 1 de" in spanish.pages[0].extract_text()
    assert capsys.readouterr().err == ""
    assert main(["packet", str(source), "--out", str(tmp_path / "fr"), "--language", "fr"]) == 0
    assert "warning: language: no vertebroplasty packet in 'fr'" in capsys.readouterr().err
    first = " ".join(PdfReader(tmp_path / "fr" / "DEMO-0003.pdf").pages[0].extract_text().split())
    assert "Your preferred language is French. This packet is in English." in first


def test_a_one_packet_command_runs_without_the_collector_and_turns_it_back_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`packet` runs with the cyclic garbage collector off (issue 30: a tenth of a cold start); whoever called
    `main` has it back, whether the command worked or not."""
    from packetgen.cli import delivery

    seen: list[bool] = []
    made = delivery.made_from_args

    def spied(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return made(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(delivery, "made_from_args", spied)
    appointment = str(ROOT / "examples/appointments/nguyen.yaml")
    assert main(["packet", appointment, "--out", str(tmp_path)]) == 0
    assert seen == [False]
    assert gc.isenabled()
    assert main(["packet", str(tmp_path / "missing.yaml"), "--out", str(tmp_path)]) == 2
    assert gc.isenabled()


def test_a_record_of_120000_keys_is_refused_quickly_without_naming_a_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Finding 12: 120,000 keys, under the 2 MB limit, took seconds to read and validate."""
    record = json.loads((ROOT / "examples/appointments/obrien.json").read_text(encoding="utf-8"))
    record.update({f"q{n:x}": 0 for n in range(120_000)})  # 1.4 MB
    source = tmp_path / "many.json"
    source.write_text(json.dumps(record), encoding="utf-8")
    started = time.monotonic()
    code = main(["packet", str(source), "--out", str(tmp_path / "out")])
    assert time.monotonic() - started < 5
    assert code == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == f"{source}:1: a mapping with more than 10000 keys"
    assert not any(value in captured.err + captured.out for value in ("0000987654", "Brien", "q1d4bf"))
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
