"""Content governance: a packet made from text no clinician approved says DRAFT on every page, and
content past its review date refuses to print unless the run allows it (and then says so)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from packetgen.build import make_packet
from packetgen.cli import main
from packetgen.errors import InputErrors, PacketError
from packetgen.library import load_library
from packetgen.library.approval import approval_of
from packetgen.library.rules import pending_review
from packetgen.models.content import months_later
from packetgen.settings import Settings
from tests.helpers.batchdata import HEADER, manifest, row
from tests.helpers.pdftext import page_texts
from tests.helpers.site import ROOT, TODAY, copy_site

DRAFT = "DRAFT — not approved for clinical use"


OVERDUE = {"effective": "2024-11-01", "review_due": "2025-11-20"}
"""Content whose review was due on Thursday, November 20, 2025: overdue on any later day."""


def _site(tmp_path: Path, approved: bool, review_due: str = "2028-11-01", effective: str = "2026-11-01") -> Path:
    """A copy of the project's content (shared fragments too) and layouts; `approved`: every item approved
    and signed off."""
    root = copy_site(tmp_path / "site")
    for path in [*(root / "packets").glob("*.yaml"), *(root / "packets" / "fragments").glob("*.yaml")]:
        text = path.read_text(encoding="utf-8").replace('review_due: "2028-11-01"', f'review_due: "{review_due}"')
        text = text.replace('effective: "2026-11-01"', f'effective: "{effective}"')
        if approved:
            text = text.replace("review: pending", "review: approved")
            text = text.replace(
                f'effective: "{effective}"\n',
                f'effective: "{effective}"\napproved_by: "Dr. Jane Roe, Chair, Patient Education Committee"\n'
                f'approved_on: "{effective}"\n',
            )
            text = text.replace(
                "  review: approved\nversion", "  review: approved\n  translator: A. Translator\nversion"
            )
        path.write_text(text, encoding="utf-8")
    return root


def _packet(root: Path, appointment: Path, out: Path, today: date = TODAY, allow_overdue: bool = False) -> Path:
    settings = Settings(content_root=root)
    return make_packet(appointment, out, settings=settings, today=today, allow_overdue=allow_overdue).path


def test_the_demo_content_is_a_draft_and_every_page_says_so(generate, library) -> None:  # type: ignore[no-untyped-def]
    for content in (library.contents["vertebroplasty"], library.translations["vertebroplasty"]["es"]):
        approval = approval_of(content, TODAY)
        assert approval.draft
        assert approval.state == "draft"
        # Every item marked pending in the file (validate's own count), and none of the seed's lines.
        assert approval.pending_items == len(pending_review(library.source_of(content).data)) >= 21
    assert approval.translation_pending
    made = generate()
    assert made.approval == "draft"
    texts = page_texts(made.path)
    assert all(DRAFT in text for text in texts)
    spanish = page_texts(generate(language="es").path)
    assert all("BORRADOR — no aprobado para uso clínico" in text for text in spanish)


def test_approved_content_prints_no_mark(tmp_path: Path, write_appointment) -> None:  # type: ignore[no-untyped-def]
    root = _site(tmp_path, approved=True)
    library = load_library(root)
    for content, _ in library.editions():
        approval = approval_of(content, TODAY)
        assert approval.state == "approved", approval.reasons()
    for language in ("en", "es"):
        texts = page_texts(_packet(root, write_appointment(language=language), tmp_path / language))
        assert texts
        assert not any("DRAFT" in t or "BORRADOR" in t or "verdue" in t for t in texts)


def test_one_pending_item_or_a_pending_translation_makes_a_draft(tmp_path: Path) -> None:
    root = _site(tmp_path, approved=True)
    english = root / "packets" / "vertebroplasty.yaml"
    text = english.read_text(encoding="utf-8")
    assert "\n        review: approved" in text
    english.write_text(text.replace("\n        review: approved", "\n        review: pending", 1), encoding="utf-8")
    spanish = root / "packets" / "vertebroplasty.es.yaml"
    text = spanish.read_text(encoding="utf-8")
    spanish.write_text(text.replace("  review: approved\n  translator", "  review: pending\n  translator"), "utf-8")
    library = load_library(root)
    en, es = library.contents["vertebroplasty"], library.translations["vertebroplasty"]["es"]
    assert approval_of(en, TODAY).pending_items == 1
    assert approval_of(en, TODAY).draft
    assert approval_of(es, TODAY).translation_pending
    assert approval_of(es, TODAY).pending_items == 0
    assert approval_of(es, TODAY).reasons() == ["the translation awaits a qualified medical translator"]


def test_overdue_content_refuses_to_print_naming_the_file_and_date(
    tmp_path: Path,
    write_appointment,  # type: ignore[no-untyped-def]
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = _site(tmp_path, approved=True, **OVERDUE)
    appointment, out = write_appointment(), tmp_path / "out"
    with pytest.raises(PacketError) as caught:
        _packet(root, appointment, out)
    (line,) = caught.value.lines()
    source = (root / "packets" / "vertebroplasty.yaml").read_text(encoding="utf-8").splitlines()
    due_line = next(n for n, text in enumerate(source, 1) if text.startswith("review_due:"))
    assert line.startswith(f"packets/vertebroplasty.yaml:{due_line}: review_due: overdue for review since 2025-11-20")
    assert "--allow-overdue" in line
    assert not out.exists() or not list(out.iterdir())
    # The day it is due it still prints; the day after it does not.
    assert _packet(root, appointment, tmp_path / "due", today=date(2025, 11, 20)).exists()
    with pytest.raises(PacketError):
        _packet(root, appointment, tmp_path / "late", today=date(2025, 11, 21))

    # The command line: exit 2, one line; --allow-overdue prints, marks every page and warns.
    env = {"PACKETGEN_CONTENT_ROOT": str(root)}  # the real clock: any day after 2025-11-20
    assert main(["packet", str(appointment), "--out", str(out)], env) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "overdue for review since 2025-11-20" in err[0]
    assert main(["packet", str(appointment), "--out", str(out), "--allow-overdue"], env) == 0
    captured = capsys.readouterr()
    assert "warning: review_due: overdue for review since 2025-11-20; printed marked overdue" in captured.err
    texts = page_texts(Path(captured.out.strip()))
    assert all("Overdue for review: review was due Thursday, November 20, 2025" in t for t in texts)
    assert not any(DRAFT in t for t in texts)


def test_the_manifest_records_each_packets_approval(tmp_path: Path) -> None:
    root = _site(tmp_path, approved=True, **OVERDUE)
    source = tmp_path / "day.csv"
    source.write_text("\n".join([HEADER, row("A-1"), row("A-2")]) + "\n", encoding="utf-8")
    env = {"PACKETGEN_CONTENT_ROOT": str(root)}
    out = tmp_path / "refused"
    assert main(["batch", str(source), "--out", str(out), "--workers", "1"], env) == 1
    entries = manifest(out)
    assert [e["status"] for e in entries] == ["error", "error"]
    assert all("overdue for review since 2025-11-20" in e["error"] for e in entries)
    out = tmp_path / "allowed"
    assert main(["batch", str(source), "--out", str(out), "--workers", "1", "--allow-overdue"], env) == 0
    assert [e["approval"] for e in manifest(out)] == ["overdue", "overdue"]
    draft_out = tmp_path / "draft"
    env["PACKETGEN_CONTENT_ROOT"] = str(ROOT)
    assert main(["batch", str(source), "--out", str(draft_out), "--workers", "1"], env) == 0
    lines = (draft_out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["approval"] for line in lines] == ["draft", "draft"]


def test_validate_and_list_show_each_contents_state(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"], {}) == 0
    out = capsys.readouterr().out
    assert re.search(r"^    en: DRAFT \(no approved_by/approved_on; \d+ items await clinical review[;)]", out, re.M)
    assert "    es: DRAFT (" in out
    assert "the translation awaits a qualified medical translator" in out
    root = _site(tmp_path, approved=True)
    env = {"PACKETGEN_CONTENT_ROOT": str(root)}
    assert main(["validate"], env) == 0
    out = capsys.readouterr().out
    signed = "approved by Dr. Jane Roe, Chair, Patient Education Committee on 2026-11-01; review due 2028-11-01"
    approvals = [line for line in out.splitlines() if line.startswith("  approval: ")]
    assert len(approvals) >= 2  # vertebroplasty and its translation, beside the other procedures
    assert approvals == [f"  approval: {signed}"] * len(approvals)
    assert main(["list"], env) == 0
    assert f"    en: {signed}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ('effective: "2026-11-01"\n', 'effective: "2026-11-01"\napproved_by: Dr. Roe\n'),
            "approved_on: approved_by and approved_on go together",
        ),
        (('review_due: "2028-11-01"', 'review_due: "2028-11-02"'), "review_due: expected at most 24 months after"),
        (
            ('effective: "2026-11-01"\n', 'effective: "2026-11-01"\napproved_by: Dr. Roe\napproved_on: "2026-01-01"\n'),
            "review_due: expected at most 24 months after approved_on (2028-01-01 at the latest)",
        ),
    ],
)
def test_approval_fields_are_checked(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    root = _site(tmp_path, approved=False)
    path = root / "packets" / "vertebroplasty.yaml"
    text = path.read_text(encoding="utf-8")
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1]), encoding="utf-8")
    with pytest.raises(InputErrors) as caught:
        load_library(root)
    assert any(message in line and line.startswith("packets/vertebroplasty.yaml:") for line in caught.value.lines())


def test_an_approved_translation_names_its_translator(tmp_path: Path) -> None:
    root = _site(tmp_path, approved=False)
    path = root / "packets" / "vertebroplasty.es.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("  review: pending\nversion", "  review: approved\nversion")
    )
    with pytest.raises(InputErrors) as caught:
        load_library(root)
    assert any("translation.translator: expected the name of the translator" in line for line in caught.value.lines())


def test_months_later_keeps_the_day_or_the_months_last() -> None:
    assert months_later(date(2026, 11, 1), 24) == date(2028, 11, 1)
    assert months_later(date(2024, 2, 29), 24) == date(2026, 2, 28)
    assert months_later(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert months_later(date(2026, 12, 15), 1) == date(2027, 1, 15)
