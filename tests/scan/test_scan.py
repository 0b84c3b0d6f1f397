"""`generate.py scan`: signed consents scanned back in any order, read by their codes, filed as PDF/A.

The "scans" are made here: real packets' consent pages rasterised at 200 and 300 dpi, some upside
down, skewed or noisy, pages of several packets shuffled together, a page dropped, doubled or
blank, bound into a PDF or a TIFF as a scanner writes them."""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
import yaml
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import select

from packetgen.build import make_packet
from packetgen.cli import main
from packetgen.library import Library, load_library
from packetgen.models.layout import ScanCode
from packetgen.render.scan import PageCode, read_payload
from packetgen.scanning.consents import group
from packetgen.scanning.filing import file_scan
from packetgen.scanning.pages import ScannedPage
from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.consents import consent_states, consent_words
from packetgen.store.tables import ScannedConsent, utc
from tests.helpers.hypothesis_profiles import RENDERING
from tests.helpers.scans import blank, consent_pages, noisy, scan_pdf, scan_tiff, turned
from tests.helpers.site import BASE_APPOINTMENT, TODAY
from tests.helpers.stores import migrated_sqlite

SYMBOLOGIES = {"S-QR": "qr", "S-DM": "datamatrix", "S-128": "code128", "S-417": "pdf417"}
"""A packet per symbology a layout may choose, by appointment id."""


def _library(symbology: str) -> Library:
    library = load_library()
    letter = library.layouts["letter"]
    code = ScanCode(symbology=symbology, document_type="CONSENT")  # type: ignore[arg-type]
    library.layouts["letter"] = letter.model_copy(update={"scan_code": code})
    return library


@pytest.fixture(scope="module")
def packets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Packets by appointment id: one per symbology, and one whose MRN is another's (`S-QR`'s id)."""
    folder = tmp_path_factory.mktemp("packets")
    made = {}
    records = [(appointment_id, symbology, {}) for appointment_id, symbology in SYMBOLOGIES.items()]
    records.append(("S-QR", "qr", {"mrn": "99990000", "out": "other"}))
    for appointment_id, symbology, extra in records:
        out = folder / str(extra.pop("out", "packets"))
        # A consent of five pages (with the sedation clause), which the scans below take apart.
        record = {**BASE_APPOINTMENT, "appointment_id": appointment_id, "flags": ["sedation"], **extra}
        path = folder / f"{appointment_id}-{out.name}.yaml"
        path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
        generated = make_packet(path, out, library=_library(symbology), today=TODAY)
        made[appointment_id if out.name == "packets" else "other-mrn"] = generated.path
    return made


@pytest.fixture(scope="module")
def pages(packets: dict[str, Path]) -> Callable[[str, int], list[Image.Image]]:
    """A packet's consent pages at a resolution, rasterised once."""
    cache: dict[tuple[str, int], list[Image.Image]] = {}

    def get(appointment_id: str, dpi: int = 200) -> list[Image.Image]:
        if (appointment_id, dpi) not in cache:
            cache[(appointment_id, dpi)] = consent_pages(packets[appointment_id], dpi)
        return list(cache[(appointment_id, dpi)])

    return get


@pytest.fixture(scope="module", autouse=True)
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The store `scan` records what it found in: the module's own (never the project's `var/`)."""
    url = migrated_sqlite(tmp_path_factory.mktemp("var") / "packetgen.sqlite")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PACKETGEN_DATABASE_URL", url)
        yield url


def run(scan: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code = main(["scan", str(scan), "--out", str(out)])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


_FORMATS = {
    "qr": zxingcpp.BarcodeFormat.QRCode,
    "datamatrix": zxingcpp.BarcodeFormat.DataMatrix,
    "code128": zxingcpp.BarcodeFormat.Code128,
    "pdf417": zxingcpp.BarcodeFormat.PDF417,
}


def filed_codes(pdf: Path, symbology: str = "qr") -> list[tuple[PageCode, int]]:
    """Each filed page's code and its orientation (degrees; 0 when the page is upright)."""
    document = pdfium.PdfDocument(pdf)
    found = []
    for index in range(len(document)):
        page = document[index]
        image = page.render(scale=200 / 72, grayscale=True).to_pil().convert("L")
        page.close()
        formats = (_FORMATS[symbology],)
        # The filed page keeps the scanner's noise: read it as a person would see it, in black and white.
        (barcode,) = zxingcpp.read_barcodes(image, formats=formats, try_invert=False) or zxingcpp.read_barcodes(
            image.point(lambda v: 255 if v > 140 else 0), formats=formats, try_invert=False
        )
        code = read_payload(barcode.text, symbology == "code128")
        assert code is not None
        found.append((code, barcode.orientation))
    document.close()
    return found


@pytest.mark.slow  # twenty noisy pages read, then each filed page read back: ten seconds and more
def test_a_shuffled_scan_of_four_consents_files_each_upright_and_in_order(
    pages: Callable[..., list[Image.Image]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets = []
    for appointment_id in SYMBOLOGIES:
        for number, image in enumerate(pages(appointment_id), start=1):
            angle = {2: 180.0, 3: 2.5, 4: -3.0}.get(number, 0.0)  # upside down, skewed both ways
            sheets.append((appointment_id, noisy(turned(image, angle), seed=number)))
    random.Random(29).shuffle(sheets)
    scan = scan_pdf([image for _, image in sheets], tmp_path / "scan.pdf", 200)
    out = tmp_path / "signed"

    code, lines, err = run(scan, out, capsys)

    assert (code, err) == (0, "")
    first_scanned = list(dict.fromkeys(appointment_id for appointment_id, _ in sheets))
    counts = {appointment_id: len(pages(appointment_id)) for appointment_id in SYMBOLOGIES}  # PDF417 takes less room
    assert lines == [f"{appointment_id}: complete, {counts[appointment_id]} pages" for appointment_id in first_scanned]
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{a}-consent-signed.pdf" for a in SYMBOLOGIES)
    for appointment_id in SYMBOLOGIES:
        filed = out / f"{appointment_id}-consent-signed.pdf"
        codes = filed_codes(filed, SYMBOLOGIES[appointment_id])
        count = counts[appointment_id]
        assert [(c.page, c.count) for c, _ in codes] == [(n, count) for n in range(1, count + 1)]
        assert all(orientation in (-1, 0, 1, 359) for _, orientation in codes)  # upright, straightened
        assert {c.value("PKT") for c, _ in codes} == {appointment_id}
        _assert_pdfa_with_identifiers(filed, appointment_id)


def _assert_pdfa_with_identifiers(filed: Path, appointment_id: str) -> None:
    with pikepdf.open(filed) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2"
        assert meta["pdfaid:conformance"] == "B"
        keywords = meta["pdf:Keywords"]
        assert f"appointment={appointment_id}" in keywords
        assert "form=vp-consent" in keywords
        assert "version=1.0.0" in keywords
        assert str(pdf.docinfo["/Keywords"]) == keywords
        assert pdf.Root.OutputIntents[0].S == "/GTS_PDFA1"
        assert BASE_APPOINTMENT["mrn"] not in str(pdf.docinfo) + str(meta)


def test_a_tiff_at_300_dpi_is_read_too(
    pages: Callable[..., list[Image.Image]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets = [turned(p, 180) for p in reversed(pages("S-QR", 300))]  # the stack fed in upside down
    scan = scan_tiff(sheets, tmp_path / "scan.tiff", 300)

    code, lines, err = run(scan, tmp_path / "signed", capsys)

    assert (code, lines, err) == (0, ["S-QR: complete, 5 pages"], "")
    filed = tmp_path / "signed" / "S-QR-consent-signed.pdf"
    assert [c.page for c, _ in filed_codes(filed)] == [1, 2, 3, 4, 5]
    with pikepdf.open(filed) as pdf:
        box = [float(v) for v in pdf.pages[0].MediaBox]
        assert box == pytest.approx([0, 0, 612, 792], abs=1)  # the paper's size, from the TIFF's resolution


def test_missing_doubled_blank_and_unreadable_pages_are_each_said(
    pages: Callable[..., list[Image.Image]],
    packets: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    qr, dm = pages("S-QR"), pages("S-DM")
    handout = pdfium.PdfDocument(packets["S-QR"])[0].render(scale=200 / 72, grayscale=True).to_pil().convert("L")
    sheets = [
        qr[0],
        dm[0],
        qr[1],
        blank(qr[0]),  # page 4 of the scan
        dm[1],
        qr[3],
        dm[1],  # page 7: page 2 of S-DM again
        qr[4],
        handout,  # page 9: a page without a code
        dm[2],
        dm[3],
        dm[4],
    ]  # S-QR's page 3 never scanned
    scan = scan_pdf(sheets, tmp_path / "scan.pdf", 200)
    out = tmp_path / "signed"

    code, lines, err = run(scan, out, capsys)

    assert code == 1
    assert err == ""
    assert lines == [
        "S-QR: incomplete: missing page 3 of 5",
        "S-DM: incomplete: page 2 of 5 scanned 2 times (pages 5 and 7 of the scan)",
        "page 4 of the scan: blank",
        "page 9 of the scan: no readable code",
    ]
    assert not out.exists() or list(out.iterdir()) == []  # nothing filed for an incomplete consent


def test_pages_that_disagree_on_the_patient_are_not_filed_and_no_mrn_is_shown(
    pages: Callable[..., list[Image.Image]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets = pages("S-QR")
    sheets[2] = pages("other-mrn")[2]  # the same appointment id, another patient's page 3
    scan = scan_pdf(sheets, tmp_path / "scan.pdf", 200)

    code, lines, err = run(scan, tmp_path / "signed", capsys)

    assert (code, err) == (1, "")
    assert lines == ["S-QR: incomplete: the pages disagree on the MRN"]
    assert "99990000" not in "".join(lines)
    assert BASE_APPOINTMENT["mrn"] not in "".join(lines)
    assert not (tmp_path / "signed").exists()


def test_a_blank_page_alone_does_not_fail_the_scan(
    pages: Callable[..., list[Image.Image]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets = pages("S-417")
    sheets.insert(2, blank(sheets[0]))
    code, lines, _err = run(scan_pdf(sheets, tmp_path / "scan.pdf", 200), tmp_path / "signed", capsys)
    assert (code, lines) == (0, [f"S-417: complete, {len(sheets) - 1} pages", "page 3 of the scan: blank"])


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("notes.txt", b"not a scan\n", "scan: expected a PDF or a TIFF file from a scanner"),
        ("cut.pdf", b"%PDF-1.7\n1 0 obj\n<<", "scan: expected a PDF that opens (it is damaged or encrypted)"),
        ("cut.tiff", b"II*\x00\x08\x00\x00\x00garbage", "scan: expected a TIFF that opens"),
    ],
)
def test_an_unusable_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes, expected: str
) -> None:
    scan = tmp_path / name
    scan.write_bytes(content)
    code, lines, err = run(scan, tmp_path / "signed", capsys)
    assert (code, lines) == (2, [])
    assert err.startswith(f"{scan}: {expected}")
    assert len(err.splitlines()) == 1
    assert "Traceback" not in err
    assert not (tmp_path / "signed").exists()


@pytest.mark.slow  # two runs over five skewed pages
def test_the_same_scan_files_the_same_bytes(
    pages: Callable[..., list[Image.Image]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scan = scan_pdf([turned(p, 2.0) for p in pages("S-DM")], tmp_path / "scan.pdf", 200)
    first, second = tmp_path / "one", tmp_path / "two"
    assert run(scan, first, capsys)[0] == run(scan, second, capsys)[0] == 0
    name = "S-DM-consent-signed.pdf"
    assert (first / name).read_bytes() == (second / name).read_bytes()


def test_without_out_the_consents_go_to_the_scan_setting(
    pages: Callable[..., list[Image.Image]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text("scan:\n  out_dir: filed\n", encoding="utf-8")
    scan = scan_tiff(pages("S-128"), tmp_path / "scan.tif", 200)
    environ = {"PACKETGEN_SETTINGS": str(settings), "PACKETGEN_DATABASE_URL": os.environ["PACKETGEN_DATABASE_URL"]}
    code = main(["scan", str(scan)], environ=environ)
    assert code == 0
    assert (tmp_path / "filed" / "S-128-consent-signed.pdf").is_file()
    assert capsys.readouterr().out == f"S-128: complete, {len(pages('S-128'))} pages\n"


def test_each_consent_found_is_recorded_in_the_store_without_patient_data(
    pages: Callable[..., list[Image.Image]], database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dm = pages("S-DM")
    sheets = pages("S-417") + dm[:2] + dm[3:]  # S-DM's page 3 never scanned
    scan = scan_pdf(sheets, tmp_path / "scan.pdf", 200)
    started = datetime.now(UTC)

    code, lines, _err = run(scan, tmp_path / "signed", capsys)

    assert code == 1
    assert lines == [f"S-417: complete, {len(pages('S-417'))} pages", f"S-DM: incomplete: missing page 3 of {len(dm)}"]
    store = open_store(Settings(database_url=database))
    try:
        with store.reading() as session:
            query = select(ScannedConsent).where(ScannedConsent.appointment_id.in_(("S-417", "S-DM")))
            found = {row.appointment_id: row for row in session.scalars(query) if utc(row.scanned_at) >= started}
            states = consent_states(session, ["S-417", "S-DM", "nobody"])
    finally:
        store.close()
    filed, short = found["S-417"], found["S-DM"]
    assert (filed.state, filed.pages_found, filed.pages_expected) == ("filed", len(pages("S-417")), len(pages("S-417")))
    assert (filed.file, filed.problems) == ("S-417-consent-signed.pdf", None)
    assert (short.state, short.pages_found, short.pages_expected) == ("incomplete", len(dm) - 1, len(dm))
    assert (short.file, short.problems) == (None, f"missing page 3 of {len(dm)}")
    assert sorted(states) == ["S-417", "S-DM"]
    assert consent_words(states["S-417"]) == "signed consent filed"
    assert consent_words(states["S-DM"]) == f"consent incomplete: missing page 3 of {len(dm)}"
    assert all(BASE_APPOINTMENT["mrn"] not in str(vars(row)) for row in (filed, short))


def test_the_code_read_back_is_what_the_renderer_wrote() -> None:
    from packetgen.models.packet import ScanBack
    from packetgen.render.scan import payload

    fields = (("MRN", "A=1&B|0%7 é"), ("ENC", "V 2026/7"), ("DOC", "C"), ("FORM", "f"), ("VER", "1"), ("PKT", "X"))
    for symbology in ("qr", "datamatrix", "pdf417", "code128"):
        text = payload(ScanBack(symbology, 1.0, fields), 2, 5)
        assert read_payload(text, symbology == "code128") == PageCode(fields, 2, 5)
    assert read_payload("MRN=1&PG=2/5", False) is None  # not a consent page's: fields missing
    assert read_payload("https://example.org/?a=b", False) is None
    assert read_payload(payload(ScanBack("qr", 1.0, fields), 2, 5).replace("2/5", "6/5"), False) is None


# Grouping alone, on codes without pages: any order of the same pages says the same.
_PAGES = [
    ScannedPage(0, PageCode((("MRN", "1"), ("DOC", "C"), ("FORM", "f"), ("VER", "1"), ("PKT", pkt)), n, 4), False, None)
    for pkt in ("A", "B", "C")
    for n in range(1, 5)
]


@settings(RENDERING, max_examples=50)
@given(st.permutations(_PAGES), st.sets(st.integers(0, len(_PAGES) - 1), max_size=3))
def test_any_order_of_the_pages_gives_the_same_consents(order: list[ScannedPage], dropped: set[int]) -> None:
    kept = [
        ScannedPage(number, page.code, False, None)
        for number, page in enumerate((p for i, p in enumerate(order) if i not in dropped), start=1)
    ]
    consents, unread = group(kept)
    assert unread == []
    by_id = {c.appointment_id: c for c in consents}
    for pkt in ("A", "B", "C"):
        present = sorted(p.code.page for p in kept if p.code and p.code.value("PKT") == pkt)
        if not present:
            assert pkt not in by_id
            continue
        consent = by_id[pkt]
        assert [p.code.page for p in consent.pages if p.code] == present  # in page order, whatever the scan's
        assert consent.complete == (present == [1, 2, 3, 4])


@pytest.mark.slow  # a scan read and filed per example
@settings(RENDERING, max_examples=5)
@given(order=st.permutations(range(5)))
def test_any_order_of_a_scanned_consent_files_the_same_bytes(
    pages: Callable[..., list[Image.Image]], tmp_path: Path, order: list[int]
) -> None:
    sheets = pages("S-QR")
    assert len(sheets) == 5
    folder = tmp_path / "-".join(map(str, order))
    folder.mkdir(exist_ok=True)
    scan = scan_tiff([sheets[i] for i in order], folder / "scan.tif", 200)
    os.utime(scan, (0, 0))  # the filed date is the scan's: the same for every order
    report = file_scan(scan, folder / "signed")
    assert report.lines() == ["S-QR: complete, 5 pages"]
    (filed,) = report.filed
    in_order = tmp_path / "in-order"
    if not in_order.exists():
        in_order.mkdir()
        first = scan_tiff(sheets, in_order / "scan.tif", 200)
        os.utime(first, (0, 0))
        file_scan(first, in_order / "signed")
    assert filed.read_bytes() == (in_order / "signed" / filed.name).read_bytes()
