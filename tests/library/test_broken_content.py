"""One broken content or layout file makes only its own procedure, language or layout unavailable
(issue 23): the other procedures' packets are made, what asks for the broken one fails with that
file's errors, `validate` still fails and `list` names the file."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from packetgen.build import make_packet
from packetgen.cli import main
from packetgen.errors import InputErrors
from packetgen.library import load_library
from packetgen.listener.server import Listener
from packetgen.settings import Settings
from packetgen.store import open_store
from tests.helpers.mllp import ack_fields, messages_of
from tests.helpers.site import ROOT, TODAY, copy_site
from tests.helpers.stores import migrated_sqlite

KYPHOPLASTY = "packets/kyphoplasty.yaml"  # a second procedure with a schema error
SACROPLASTY = "packets/sacroplasty.yaml"  # YAML that does not parse
SPANISH = "packets/vertebroplasty.es.yaml"  # a translation with a misspelt field
A4 = "layouts/a4.yaml"  # a layout with a value out of range
BROKEN = (KYPHOPLASTY, SACROPLASTY, SPANISH, A4)


def _spine(ids: Iterable[str]) -> list[str]:
    """The procedures these tests make or break (vertebroplasty and the copies made from it), in order:
    the project's other procedures (colonoscopy, ...) are in every copied site, available, and beside
    the point."""
    return [name for name in ids if name.startswith(("vertebroplasty", "kyphoplasty", "sacroplasty"))]


def _edit(path: Path, *changes: tuple[str, str]) -> None:
    text = path.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def add_kyphoplasty(root: Path, *changes: tuple[str, str]) -> None:
    """A second procedure, made from the first (with `changes`)."""
    english = root / "packets" / "vertebroplasty.yaml"
    (root / KYPHOPLASTY).write_text(english.read_text(encoding="utf-8"), encoding="utf-8")
    _edit(
        root / KYPHOPLASTY,
        ("id: vertebroplasty\n", "id: kyphoplasty\n"),
        ("title: Vertebroplasty\n", "title: Kyphoplasty\n"),
        ('code: "22510"', 'code: "22513"'),
        ('code: "22511"', 'code: "22514"'),
        ('code: "22512"', 'code: "22515"'),
        ("aliases: [Percutaneous vertebroplasty, PVP]", "aliases: [Balloon kyphoplasty]"),
        *changes,
    )


def broken_site(root: Path) -> Path:
    """The project's content and layouts, with the four broken files above."""
    copy_site(root)
    add_kyphoplasty(root, ("arrive_minutes_before: 60", "arrive_minutes_before: soon"))
    (root / SACROPLASTY).write_text("id: sacroplasty\ntitle: [Sacroplasty\n", encoding="utf-8")
    _edit(root / SPANISH, ("\nowner: ", "\nownr: "))
    _edit(root / A4, ("  size: a4\n", "  size: a5\n"))
    return root


def errors_by_file(root: Path) -> dict[str, list[str]]:
    """What `validate` reports (every error of every file), by file."""
    with pytest.raises(InputErrors) as info:
        load_library(root)
    found: dict[str, list[str]] = {}
    for error in info.value.errors:
        found.setdefault(error.pos.path, []).append(str(error))
    return found


def refusal(call: Callable[[], object]) -> list[str]:
    with pytest.raises(InputErrors) as info:
        call()
    return info.value.lines()


def test_each_broken_file_makes_only_its_own_part_unavailable(
    tmp_path: Path, write_appointment: Callable[..., Path]
) -> None:
    root = broken_site(tmp_path / "site")
    expected = errors_by_file(root)
    assert sorted(expected) == sorted(BROKEN)
    library = load_library(root, strict=False)
    assert _spine(library.contents) == ["vertebroplasty"]
    assert sorted(library.unavailable_contents) == ["kyphoplasty", "sacroplasty"]  # the second by its file's name
    assert library.languages("vertebroplasty") == ["en"]
    assert list(library.unavailable_translations["vertebroplasty"]) == ["es"]
    assert sorted(library.layouts) == ["large-print", "letter"]
    assert list(library.unavailable_layouts) == ["a4"]
    assert [line.split(": warning: ")[0].split(":")[0] for line in library.warnings()] == sorted(BROKEN)
    assert pickle.loads(pickle.dumps(library)).unavailable_contents.keys() == library.unavailable_contents.keys()

    settings = Settings(content_root=root)

    def packet(name: str, **fields: str) -> object:
        return make_packet(write_appointment(name, **fields), tmp_path / "out", settings=settings, today=TODAY)

    made = make_packet(write_appointment("ok.yaml"), tmp_path / "out", settings=settings, today=TODAY)
    assert made.path.is_file()
    assert (made.content_id, made.language, made.layout) == ("vertebroplasty", "en", "letter")
    # By id, code, title or alias, the broken procedure fails with exactly its file's errors.
    for name in ("kyphoplasty", "22514", "KYPHOPLASTY", "balloon kyphoplasty"):
        assert refusal(lambda n=name: packet("k.yaml", procedure=n)) == expected[KYPHOPLASTY], name
    assert refusal(lambda: packet("s.yaml", procedure="sacroplasty")) == expected[SACROPLASTY]
    # A Spanish reader never silently gets English: the broken translation's errors.
    for language in ("es", "es-MX"):
        assert refusal(lambda tag=language: packet("es.yaml", language=tag)) == expected[SPANISH], language
    assert refusal(lambda: packet("a4.yaml", layout="a4")) == expected[A4]
    # Nothing readable names it: an unknown procedure says which content files are unavailable.
    (line,) = refusal(lambda: packet("u.yaml", procedure="99999"))
    assert "unknown procedure '99999'" in line
    assert f"unavailable until fixed (run generate.py validate): {KYPHOPLASTY}, {SACROPLASTY}" in line


def test_what_depends_on_a_broken_file_is_unavailable_too(tmp_path: Path) -> None:
    root = broken_site(tmp_path)
    (root / "layouts" / "wide.yaml").write_text("name: wide\nextends: a4\ndescription: wide\n", encoding="utf-8")
    library = load_library(root, strict=False)
    a4_errors = errors_by_file(root)[A4]
    assert set(a4_errors) <= set(refusal(lambda: library.layout("wide")))
    # A translation of broken content is unavailable, with the content's errors; another procedure works.
    root = copy_site(tmp_path / "other")
    add_kyphoplasty(root)
    _edit(root / "packets" / "vertebroplasty.yaml", ("arrive_minutes_before: 60", "arrive_minutes_before: -1"))
    library = load_library(root, strict=False)
    assert _spine(library.contents) == ["kyphoplasty"]
    english_errors = [str(e) for e in library.unavailable_contents["vertebroplasty"].errors]
    assert english_errors == errors_by_file(root)["packets/vertebroplasty.yaml"]
    assert set(english_errors) <= {str(e) for e in library.unavailable_translations["vertebroplasty"]["es"].errors}
    assert refusal(lambda: library.find_procedure("Vertebroplastia")) == english_errors
    assert refusal(lambda: library.find_procedure("22511")) == english_errors


def test_a_copy_keeping_the_original_id_does_not_take_it_down(tmp_path: Path) -> None:
    # A new procedure or translation begun by copying: valid, but still carrying vertebroplasty's id.
    root = copy_site(tmp_path)
    english = (root / "packets" / "vertebroplasty.yaml").read_text(encoding="utf-8")
    (root / "packets" / "vertebroplasty-copy.yaml").write_text(english, encoding="utf-8")
    (root / "packets" / "vertebroplasty.fr.yaml").write_text(english, encoding="utf-8")
    library = load_library(root, strict=False)
    assert _spine(library.contents) == ["vertebroplasty"]
    assert library.source_of(library.contents["vertebroplasty"]).path == "packets/vertebroplasty.yaml"
    assert library.languages("vertebroplasty") == ["en", "es"]
    assert list(library.unavailable_contents) == ["vertebroplasty-copy"]
    assert list(library.unavailable_translations["vertebroplasty"]) == ["fr"]
    (line, *_) = refusal(lambda: library.in_language(library.contents["vertebroplasty"], "fr"))
    assert line.startswith("packets/vertebroplasty.fr.yaml:")
    assert "'vertebroplasty' is defined by another file too" in line


def test_a_broken_default_layout_stops_everything(
    tmp_path: Path, write_appointment: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_site(tmp_path / "site")
    _edit(root / "layouts" / "letter.yaml", ("  size: letter\n", "  size: a5\n"))
    env = {"PACKETGEN_CONTENT_ROOT": str(root)}
    assert main(["packet", str(write_appointment()), "--out", str(tmp_path / "out")], env) == 2
    err = capsys.readouterr().err
    assert "layouts/letter.yaml:" in err
    assert not (tmp_path / "out").exists()


def test_validate_fails_and_list_names_the_broken_files(
    tmp_path: Path, write_appointment: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = broken_site(tmp_path / "site")
    expected = errors_by_file(root)
    env = {"PACKETGEN_CONTENT_ROOT": str(root)}
    assert main(["validate"], env) == 1  # every error, one line each; exit 1, as a batch with failures
    assert capsys.readouterr().err.splitlines() == [line for path in sorted(expected) for line in expected[path]]
    assert main(["validate", str(root / SPANISH)], env) == 1
    assert set(expected[SPANISH]) <= set(capsys.readouterr().err.splitlines())

    assert main(["list"], env) == 0
    captured = capsys.readouterr()
    out = captured.out.splitlines()
    assert (
        "  kyphoplasty        UNAVAILABLE (packets/kyphoplasty.yaml: 1 error); run generate.py validate to see them"
        in out
    )
    assert (
        "  sacroplasty        UNAVAILABLE (packets/sacroplasty.yaml: 1 error); run generate.py validate to see them"
        in out
    )
    assert "    es: UNAVAILABLE (packets/vertebroplasty.es.yaml: 2 errors); run generate.py validate to see them" in out
    assert "  a4                 UNAVAILABLE (layouts/a4.yaml: 1 error); run generate.py validate to see them" in out
    assert any(
        line.startswith("  vertebroplasty     Vertebroplasty | version") and "languages: en |" in line for line in out
    )
    warnings = captured.err.splitlines()
    assert len(warnings) == len(BROKEN)
    for path, line in zip(sorted(BROKEN), warnings, strict=True):
        first = expected[path][0].split(": ")[0]  # PATH:LINE of the file's first error
        assert line.startswith(f"{first}: warning: ")
        assert line.endswith(" in this file; run generate.py validate to see them")

    # One packet: a4 asked for on the command line fails with a4's errors; letter works.
    appointment = write_appointment()
    assert main(["packet", str(appointment), "--out", str(tmp_path / "a4"), "--layout", "a4"], env) == 2
    assert capsys.readouterr().err.splitlines()[len(BROKEN) :] == expected[A4]
    assert main(["packet", str(appointment), "--out", str(tmp_path / "es"), "--language", "es"], env) == 2
    assert capsys.readouterr().err.splitlines()[len(BROKEN) :] == expected[SPANISH]


@pytest.mark.process  # starts `generate.py` as a program
def test_a_batch_makes_every_packet_it_can(tmp_path: Path) -> None:
    root = broken_site(tmp_path / "site")
    expected = errors_by_file(root)
    source = tmp_path / "day.csv"
    rows = [
        "appointment_id,mrn,last_name,first_name,date_of_birth,procedure,start,provider,language,layout",
        "V-1,00012345,Nguyen,Anh,1948-03-14,22510,2026-12-07T07:30,Dr. Alvarez,en,",
        "V-2,00012346,Lopez,Ana,1950-01-01,vertebroplasty,2026-12-07T08:30,Dr. Alvarez,es-MX,",
        "K-1,00012347,Roe,Jan,1950-01-01,22513,2026-12-07T09:30,Dr. Alvarez,en,",
        "S-1,00012348,Doe,Sam,1950-01-01,sacroplasty,2026-12-07T10:30,Dr. Alvarez,en,",
        "A-1,00012349,Doe,Al,1950-01-01,22510,2026-12-07T11:30,Dr. Alvarez,en,a4",
        "U-1,00012350,Doe,Una,1950-01-01,99999,2026-12-07T12:30,Dr. Alvarez,en,",
    ]
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACKETGEN_")}
    result = subprocess.run(
        [sys.executable, "generate.py", "batch", str(source), "--out", str(out), "--workers", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**env, "PACKETGEN_CONTENT_ROOT": str(root)},
    )
    assert result.returncode == 1, result.stderr
    assert "1 ok (0 reused), 5 failed" in result.stdout
    entries = {e["appointment_id"]: e for e in map(json.loads, (out / "manifest.jsonl").read_text().splitlines())}
    assert entries["V-1"]["status"] == "ok"
    assert (out / entries["V-1"]["file"]).is_file()
    assert entries["V-2"]["error"].splitlines() == expected[SPANISH]
    assert entries["K-1"]["error"].splitlines() == expected[KYPHOPLASTY]
    assert entries["S-1"]["error"].splitlines() == expected[SACROPLASTY]
    assert entries["A-1"]["error"].splitlines() == expected[A4]
    assert f"{KYPHOPLASTY}, {SACROPLASTY}" in entries["U-1"]["error"]
    warned = [line for line in result.stderr.splitlines() if ": warning: " in line and "unavailable" in line]
    assert [line.split(":")[0] for line in warned] == sorted(BROKEN)  # once per broken file


def test_the_listener_answers_ae_with_the_broken_files_errors(tmp_path: Path) -> None:
    root = broken_site(tmp_path / "site")
    expected = errors_by_file(root)
    settings = Settings(database_url=migrated_sqlite(tmp_path / "db.sqlite"), content_root=root)
    store = open_store(settings)
    good = messages_of(ROOT / "tests" / "data" / "feeds" / "siu-staff-notes.hl7")[0]
    code = "22512^Vertebroplasty, each additional level^CPT"
    assert code in good
    assert "|C3001|" in good
    try:
        library = load_library(root, strict=False)
        listener = Listener(settings, store, tmp_path / "out", workers=1, today=TODAY, library=library)
        for new_code, control in (("22512", "V-1"), ("22513", "K-1")):
            message = good.replace(code, f"{new_code}^Procedure^CPT").replace("|C3001|", f"|{control}|")
            fields = ack_fields(listener.receive(message.encode()).decode("utf-8"))
            assert fields["control"] == control
            assert fields["code"] == ("AA" if control == "V-1" else "AE")
    finally:
        store.close()
    # Each error in the acknowledgement naming the content file and line, and in the manifest.
    assert fields["errors"].splitlines() == expected[KYPHOPLASTY]
    entries = [json.loads(line) for line in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()]
    (refused,) = [e for e in entries if e["place"] == "mllp:K-1"]
    assert refused["error"].splitlines() == expected[KYPHOPLASTY]
