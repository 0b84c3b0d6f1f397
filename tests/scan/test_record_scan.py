"""A translated packet's English text for the record, scanned with the signed consent: its pages (and the blank
back of the consent's last sheet before them) carry a code saying `DOC=RECORD`, so they are named in a line
of their own, never filed and never part of a consent, and the scan is all filed when the consent is complete.

The "scans" are a real Spanish large-print packet's pages (its consent ends on a front page, so a duplex scan
of the signed sheets takes the back before the record too), rasterised, shuffled, some upside down."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import yaml
from PIL import Image
from pydantic import ValidationError
from pypdf import PdfReader

from packetgen.build import Generated, make_packet
from packetgen.cli import main
from packetgen.library import Library
from packetgen.models.layout import ScanCode
from packetgen.render.scan import RECORD, PageCode, read_payload
from packetgen.scanning.consents import RECORD_PAGE, Unread, group
from packetgen.scanning.filing import ScanReport
from packetgen.scanning.pages import ScannedPage
from tests.helpers.pdftext import consent_end, consent_start, record_start
from tests.helpers.scans import blank, scan_pdf, turned
from tests.helpers.site import BASE_APPOINTMENT, TODAY
from tests.helpers.stores import migrated_sqlite

APPOINTMENT_ID = "R-SCAN"
RECORD_LINE = "English text for the record (not filed)"


@pytest.fixture(scope="module", autouse=True)
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The store `scan` records what it found in: the module's own (never the project's `var/`)."""
    url = migrated_sqlite(tmp_path_factory.mktemp("var") / "packetgen.sqlite")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PACKETGEN_DATABASE_URL", url)
        yield url


@pytest.fixture(scope="module")
def packet(library: Library, tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """The first of these procedures and flag sets whose consent ends on a front page (an odd count), whatever the
    layout's pagination is today."""
    folder = tmp_path_factory.mktemp("record-scan")
    cases = [("vertebroplasty", ["anticoagulant", "sedation"]), ("vertebroplasty", ["anticoagulant", "contrast_allergy",
             "sedation"]), ("vertebroplasty", []), ("colonoscopy", [])]  # fmt: skip
    for procedure, flags in cases:
        record = {**BASE_APPOINTMENT, "appointment_id": APPOINTMENT_ID, "language": "es", "flags": flags,
                  "procedure": procedure}  # fmt: skip
        path = folder / "appointment.yaml"
        path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
        made = make_packet(path, folder / "out", "large-print", library=library, today=TODAY)
        if record_start(made.path) == consent_end(made.path) + 1:
            return made
    raise AssertionError("no procedure and flag set gives a consent that ends on a front page")


@pytest.fixture(scope="module")
def sheets(packet: Generated) -> dict[str, list[Image.Image]]:
    """The packet's consent pages, the back before the record, and the record's pages, at 200 dpi."""
    pdf = packet.path
    split, end, start, total = consent_start(pdf), consent_end(pdf), record_start(pdf), len(PdfReader(pdf).pages)
    assert start == end + 1  # an odd consent: the back of its last sheet comes before the record
    document = pdfium.PdfDocument(pdf)
    try:
        images = [document[n].render(scale=200 / 72, grayscale=True).to_pil().convert("L") for n in range(total)]
    finally:
        document.close()
    return {"consent": images[split:end], "back": images[end:start], "record": images[start:]}


def test_a_duplex_scan_with_the_record_pages_files_the_consent_and_names_each_record_page(
    packet: Generated, sheets: dict[str, list[Image.Image]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The signed sheets scanned on both sides (the back of the last one with them) and the record's pages fed in
    too, shuffled, a few upside down: the consent is complete and filed, each other page a benign line, exit 0."""
    consent, back, record = sheets["consent"], sheets["back"], sheets["record"]
    pages = [("consent", n, image) for n, image in enumerate(consent, start=1)]
    pages += [("other", 0, image) for image in back + record]
    random.Random(28).shuffle(pages)
    images = [turned(image, 180) if n % 5 == 1 else image for n, (_, _, image) in enumerate(pages)]
    scan = scan_pdf([*images, blank(consent[0])], tmp_path / "scan.pdf", 200)
    code = main(["scan", str(scan), "--out", str(tmp_path / "signed")])
    lines = capsys.readouterr().out.splitlines()
    others = [n for n, (kind, _, _) in enumerate(pages, start=1) if kind == "other"]
    assert lines == [
        f"{APPOINTMENT_ID}: complete, {len(consent)} pages",
        *(f"page {n} of the scan: {RECORD_LINE}" for n in others),
        f"page {len(pages) + 1} of the scan: blank",
    ]
    assert code == 0
    filed = tmp_path / "signed" / f"{APPOINTMENT_ID}-consent-signed.pdf"
    assert len(PdfReader(filed).pages) == len(consent)  # the consent's pages only
    assert sorted(p.name for p in (tmp_path / "signed").iterdir()) == [filed.name]


def test_the_record_pages_alone_are_no_consent_and_need_no_look(
    sheets: dict[str, list[Image.Image]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The record's pages scanned without the consent: nothing filed, nothing missing, exit 0."""
    scan = scan_pdf(sheets["back"] + sheets["record"][:2], tmp_path / "scan.pdf", 200)
    code = main(["scan", str(scan), "--out", str(tmp_path / "signed")])
    assert capsys.readouterr().out.splitlines() == [f"page {n} of the scan: {RECORD_LINE}" for n in (1, 2, 3)]
    assert code == 0
    assert not (tmp_path / "signed").exists() or not any((tmp_path / "signed").iterdir())


def test_a_missing_consent_page_is_still_missing_with_the_record_pages(
    sheets: dict[str, list[Image.Image]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The consent's last page left out and the record's fed in: the record's pages (same packet, same page
    numbers) never take its place; the scan needs a look (exit 1)."""
    consent, record = sheets["consent"], sheets["record"]
    scan = scan_pdf(consent[:-1] + sheets["back"] + record, tmp_path / "scan.pdf", 200)
    code = main(["scan", str(scan), "--out", str(tmp_path / "signed")])
    lines = capsys.readouterr().out.splitlines()
    count = len(consent)
    assert lines[0] == f"{APPOINTMENT_ID}: incomplete: missing page {count} of {count}"
    assert lines[1:] == [f"page {n} of the scan: {RECORD_LINE}" for n in range(count, count + 1 + len(record))]
    assert code == 1


def _page(number: int, doc: str, page: int, count: int, packet: str = "P-1") -> ScannedPage:
    fields = (("MRN", "00012345"), ("DOC", doc), ("FORM", "vp-consent"), ("VER", "1.0.0"), ("PKT", packet))
    return ScannedPage(number, PageCode(fields, page, count), False, None)


def test_a_record_code_never_completes_or_joins_a_consent() -> None:
    """Same appointment id, form and version: a RECORD page neither fills a missing consent page, nor doubles
    one, nor makes the pages disagree on the count or the document type."""
    consent = [_page(n, "CONSENT", n, 3) for n in (1, 2)]
    record = [_page(3, RECORD, 3, 3), _page(4, RECORD, 1, 5), _page(5, RECORD, 2, 3)]
    consents, unread = group([*consent, *record])
    (found,) = consents
    assert found.line() == "P-1: incomplete: missing page 3 of 3"
    assert [page.number for page in found.pages] == [1, 2]
    assert unread == [Unread(n, RECORD_PAGE) for n in (3, 4, 5)]
    assert all(u.benign and not u.blank for u in unread)
    assert not ScanReport(tuple(consents), tuple(unread), ()).all_filed  # the consent is incomplete

    consents, unread = group([*consent, _page(3, "CONSENT", 3, 3), *record])
    assert [c.line() for c in consents] == ["P-1: complete, 3 pages"]
    assert ScanReport(tuple(consents), tuple(unread), ()).all_filed
    assert not ScanReport((), (Unread(9, "no readable code"),), ()).all_filed


def test_read_payload_reads_a_record_code_and_still_refuses_junk() -> None:
    text = "MRN=00012345&DOC=RECORD&FORM=vp-consent&VER=1.0.0&PKT=P-1&PG=2/6"
    code = read_payload(text, linear=False)
    assert code is not None
    assert (code.value("DOC"), code.page, code.count) == (RECORD, 2, 6)
    linear = read_payload("00012345||RECORD|vp-consent|1.0.0|P-1|2/6", linear=True)
    assert linear is not None
    assert (linear.value("DOC"), linear.value("ENC"), linear.page) == (RECORD, "", 2)
    for junk, is_linear in [
        ("DOC=RECORD", False),
        ("DOC=RECORD&PG=1/2", False),
        ("MRN=1&DOC=RECORD&FORM=f&VER=1&PKT=P&PG=3/2", False),
        ("MRN=1&DOC=RECORD&DOC=CONSENT&FORM=f&VER=1&PKT=P&PG=1/2", False),
        ("MRN=1&DOC=&FORM=f&VER=1&PKT=P&PG=1/2", False),
        ("https://example.org/?DOC=RECORD", False),
        ("00012345|RECORD|vp-consent|1.0.0|P-1|2/6", True),
        ("00012345||RECORD|vp-consent|1.0.0|P-1|0/6", True),
    ]:
        assert read_payload(junk, is_linear) is None, junk


def test_a_layout_cannot_file_its_consent_pages_as_record_pages() -> None:
    """`DOC=RECORD` is kept for the pages printed for the record: a layout's document type never says it."""
    with pytest.raises(ValidationError, match="RECORD is kept for the pages printed for the record"):
        ScanCode(document_type="RECORD")
    assert ScanCode(document_type="CONSENT-VP").document_type == "CONSENT-VP"
