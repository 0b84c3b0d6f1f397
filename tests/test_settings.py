"""Site settings: the file and the environment, validated once, every bad value named."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from packetgen.build import make_packet
from packetgen.cli import main
from packetgen.errors import InputErrors
from packetgen.settings import Settings, load_settings, project_root
from tests.helpers.site import ROOT, TODAY


def test_the_example_lists_valid_settings_and_the_defaults_suit_a_checkout() -> None:
    example = load_settings({"PACKETGEN_SETTINGS": str(ROOT / "examples" / "settings.yaml")})
    assert example.content_root.resolve() == ROOT
    assert example.hl7.patient_note_types == ("PI",)
    assert example.hl7.appointment_id == ("SCH-1", "SCH-2")
    assert example.listener.host == "127.0.0.1"
    defaults = Settings()
    assert defaults.content_root == project_root()
    assert defaults.database_url == f"sqlite:///{project_root() / 'var' / 'packetgen.sqlite'}"


def test_one_field_for_the_appointment_id_is_a_list_of_one(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text("hl7:\n  appointment_id: SCH-2\n  mrn_assigning_authorities: [MR]\n")
    hl7 = load_settings({"PACKETGEN_SETTINGS": str(tmp_path / "site.yaml")}).hl7
    assert (hl7.appointment_id, hl7.mrn_assigning_authorities) == (("SCH-2",), ("MR",))


def test_the_environment_wins_over_the_file_and_paths_are_the_files(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text("timezone: America/New_York\nworkers: 3\nfont_dirs: [fonts]\n")
    environ = {"PACKETGEN_SETTINGS": str(tmp_path / "site.yaml"), "PACKETGEN_WORKERS": "5"}
    settings = load_settings(environ)
    assert settings.workers == 5
    assert settings.timezone == "America/New_York"
    assert settings.font_dirs == (tmp_path / "fonts",)
    (tmp_path / "scans.yaml").write_text("scan:\n  watch_dir: scans\n  out_dir: signed\n")
    scan = load_settings({"PACKETGEN_SETTINGS": str(tmp_path / "scans.yaml")}).scan
    assert (scan.watch_dir, scan.out_dir) == (tmp_path / "scans", tmp_path / "signed")
    assert load_settings({}).scan.watch_dir is None  # no scan folder is watched unless a site names one
    assert load_settings({"PACKETGEN_FONT_DIRS": "/a:/b"}).font_dirs == (Path("/a"), Path("/b"))
    assert load_settings({"PACKETGEN_DEBUG": "1"}).debug is True


@pytest.mark.parametrize(
    ("file", "environ", "expected"),
    [
        ("hl7:\n  patient_note_types: PI\n", {}, "{file}:2: hl7.patient_note_types: expected a list"),
        ("listener:\n  port: 99999\n", {}, "{file}:2: listener.port: "),
        ("timezone: Mars/Olympus\n", {}, "{file}:1: timezone: expected an IANA time zone such as America/Chicago"),
        ("hl7:\n  nte_types: [PI]\n", {}, "{file}:2: hl7.nte_types: unknown field"),
        (
            "hl7:\n  appointment_id: [SCH-2, visit]\n",
            {},
            "{file}:2: hl7.appointment_id[1]: expected an HL7 field such as SCH-2 or PV1-19 (or SCH-2.1)",
        ),
        ("hl7:\n  appointment_id: []\n", {}, "{file}:2: hl7.appointment_id: expected at least one entry"),
        ("", {"PACKETGEN_WORKERS": "many"}, "PACKETGEN_WORKERS: workers: expected a whole number"),
    ],
)
def test_a_bad_setting_is_one_line_naming_where_it_was_set(
    tmp_path: Path, file: str, environ: dict[str, str], expected: str
) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text(file or "{}\n", encoding="utf-8")
    with pytest.raises(InputErrors) as info:
        load_settings({"PACKETGEN_SETTINGS": str(path), **environ})
    (line,) = info.value.lines()
    assert line.startswith(expected.format(file=path)), line


def test_the_cli_stops_on_bad_settings_before_doing_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["list"], {"PACKETGEN_TIMEZONE": "Nowhere/Town"})
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        "PACKETGEN_TIMEZONE: timezone: expected an IANA time zone such as America/Chicago"
    )


def test_the_sites_time_zone_reads_every_start(write_appointment: Callable[..., Path], tmp_path: Path) -> None:
    path = write_appointment(start="2026-12-07T13:30:00Z")
    for zone, shown in (("America/Chicago", "Time: 7:30 AM."), ("America/New_York", "Time: 8:30 AM.")):
        made = make_packet(path, tmp_path / zone, settings=Settings(timezone=zone), today=TODAY)
        text = " ".join(PdfReader(made.path).pages[0].extract_text().split())
        assert shown in text, zone
