"""Signing a consent: the boxes found, strokes drawn inside them, the audit page, the certification
validated by pyHanko (trusted against the test root, DocMDP no changes), PDF/A and PDF/UA kept."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops, ImageDraw
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext

from packetgen.cli import main
from packetgen.errors import UsageError
from packetgen.settings import SignSettings
from packetgen.signing import sign_consent
from packetgen.signing.capture import CaptureError, read_capture
from packetgen.signing.certify import Certifier, load_certifier
from packetgen.signing.layout import Layout, find_boxes
from tests.helpers.pdftext import page_texts
from tests.helpers.signing import SigningCA, full_capture, make_signing_ca, pki_server, scribble

ZONE = ZoneInfo("America/Chicago")


def _sign(packet: bytes, layout: Layout, certifier: Certifier, capture: dict[str, Any] | None = None) -> bytes:
    return sign_consent(packet, layout, read_capture(capture or full_capture(layout), layout), certifier, ZONE)


@pytest.fixture(scope="module")
def signed(packet: bytes, layout: Layout, certifier: Certifier) -> bytes:
    return _sign(packet, layout, certifier)


def _status(data: bytes, ca: SigningCA) -> PdfSignatureStatus:
    reader = PdfFileReader(io.BytesIO(data))
    (signature,) = reader.embedded_signatures
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(ca.root))])
    return validate_pdf_signature(signature, context)


def test_every_box_of_the_consent_is_found(layout: Layout) -> None:
    assert [s.role for s in layout.signers] == ["patient", "provider", "witness", "interpreter", "telephone_witness"]
    assert layout.signer("patient").heading == "Patient or legal representative"  # type: ignore[union-attr]
    for signer in layout.signers:
        kinds = [layout.by_id[b].kind for b in signer.boxes]
        assert {"signature", "printed_name", "date", "time"} <= set(kinds), signer.role
    initials = layout.of_kind("initials")
    assert len(initials) == 17  # the statement to initial, then every risk of the table across two pages
    assert initials[0].label.startswith("During the procedure")
    assert initials[1].label == "Bleeding"
    assert initials[-1].label == "Death (very rare)"
    choices = {b.id: b.label for b in layout.of_kind("choice")}
    assert choices == {
        "patient.choice.1": "Patient",
        "patient.choice.2": "Legal representative",
        "interpreter.choice.1": "In person",
        "interpreter.choice.2": "By phone",
        "interpreter.choice.3": "By video",
    }
    assert [layout.by_id[f"patient.field.{n}"].label for n in (1, 2)] == [
        "Representative's relationship to patient",
        "Why the patient cannot sign",
    ]
    assert len(layout.consent_pages) == 5
    assert all(b.page in layout.consent_pages for b in layout.boxes)
    for box in layout.boxes:  # each has room: at least a line's height, and the ids are unique
        left, bottom, right, top = box.rect
        assert min(right - left, top - bottom) >= 8, box.id
    assert len(layout.by_id) == len(layout.boxes)


def test_the_certification_validates_trusted_with_no_changes_allowed(signed: bytes, ca: SigningCA) -> None:
    status = _status(signed, ca)
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.docmdp_ok
    reader = PdfFileReader(io.BytesIO(signed))
    signature = reader.embedded_signatures[0]
    assert signature.docmdp_level == MDPPerm.NO_CHANGES  # a certification signature
    # B-LT: the validation data goes in an update after the signature, which PAdES allows
    assert status.coverage.name == "ENTIRE_REVISION"
    assert status.modification_level.name == "LTA_UPDATES"
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        dss = pdf.Root.DSS
        assert len(dss.Certs) >= 2  # the site's certificate and the root


def test_without_a_root_the_signature_covers_the_entire_file(packet: bytes, layout: Layout, ca: SigningCA) -> None:
    """B-B: the chain names no root, so no validation data is embedded, and nothing follows the signature."""
    certifier = load_certifier(SignSettings(certificate=ca.certificate, key=ca.key))
    status = _status(_sign(packet, layout, certifier), ca)
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.modification_level.name == "NONE"


def test_a_timestamp_from_the_sites_authority_is_embedded(packet: bytes, layout: Layout, ca: SigningCA) -> None:
    """B-T, with pyHanko's in-process DummyTimeStamper standing in for the site's RFC 3161 server."""
    stamper = DummyTimeStamper(
        tsa_cert=load_cert_from_pemder(str(ca.tsa_certificate)),
        tsa_key=_key_info(ca.tsa_key),
    )
    certifier = load_certifier(SignSettings(certificate=ca.certificate, key=ca.key, chain=(ca.root,)), stamper)
    status = _status(_sign(packet, layout, certifier), ca)
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.intact
    assert status.timestamp_validity.valid
    assert status.timestamp_validity.trusted


def _key_info(path: Path) -> Any:
    from pyhanko.keys import load_private_key_from_pemder

    return load_private_key_from_pemder(str(path), passphrase=None)


@pytest.mark.parametrize("where", [0.3, 0.6, 0.9])
def test_any_byte_changed_breaks_it(
    signed: bytes, ca: SigningCA, where: float, caplog: pytest.LogCaptureFixture
) -> None:
    reader = PdfFileReader(io.BytesIO(signed))
    start, length, *_ = reader.embedded_signatures[0].byte_range
    position = int(start + length * where)  # inside the signed bytes before the signature's contents
    changed = bytearray(signed)
    changed[position] ^= 0x01
    try:
        status = _status(bytes(changed), ca)
    except (SignatureValidationError, PdfError, ValueError, KeyError, IndexError):
        status = None  # not even readable as the signed file it was
    finally:
        caplog.clear()  # pyHanko's reader warns about the broken file, as it should
    assert status is None or not (status.intact and status.valid)


def _pixels(pdf: bytes, scale: float = 2.0) -> list[Image.Image]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [page.render(scale=scale, grayscale=True).to_pil().convert("L") for page in document]
    finally:
        document.close()


ALL_SIGNERS = ["patient", "provider", "witness", "interpreter", "telephone_witness"]


@pytest.mark.parametrize(
    ("name", "signers", "text_choices"),
    [
        ("letter", ALL_SIGNERS, 0),
        ("large-print", ALL_SIGNERS, 0),
        ("spanish", ALL_SIGNERS, 0),
        ("eye", ALL_SIGNERS[:4], 5),
    ],
)
def test_the_strokes_are_drawn_inside_their_boxes_and_nowhere_else(
    make_packet: Callable[[str], bytes], certifier: Certifier, name: str, signers: list[str], text_choices: int
) -> None:
    packet = make_packet(name)
    layout = find_boxes(packet)
    assert [s.role for s in layout.signers] == signers
    assert len([b for b in layout.of_kind("choice") if b.role is None]) == text_choices
    assert all(box.label for box in layout.boxes), name  # every box knows its caption, choice or risk
    signed = _sign(packet, layout, certifier)
    scale = 2.0
    first = min(layout.consent_pages)
    before, after = _pixels(packet, scale), _pixels(signed, scale)
    assert first > 0  # a packet: its handout first
    assert len(after) == len(before) - first + 1  # the consent's pages on, then the audit page
    inked: set[str] = set()
    for index, (old, new) in enumerate(zip(before[first:], after, strict=False), start=first):
        changed = ImageChops.difference(old, new).point(lambda v: 255 if v > 40 else 0)
        allowed = Image.new("L", changed.size, 0)
        draw = ImageDraw.Draw(allowed)
        height = old.size[1] / scale
        for box in (b for b in layout.boxes if b.page == index):
            left, bottom, right, top = box.rect
            area = (
                int(left * scale) - 1,
                int((height - top) * scale) - 1,
                int(right * scale) + 2,
                int((height - bottom) * scale) + 2,
            )
            if changed.crop(area).getbbox() is not None:
                inked.add(box.id)
            draw.rectangle(area, fill=255)
        assert ImageChops.subtract(changed, allowed).getbbox() is None, f"ink outside every box on page {index + 1}"
    assert not any("Patient copy" in text for text in page_texts(signed))  # the handout is not in the signed file
    capture = full_capture(layout)
    wanted = set(capture["initials"]) | set(capture["ticks"])
    for signer in capture["signers"]:
        wanted |= {f"{signer['role']}.{kind}" for kind in ("signature", "printed_name", "date", "time")}
        wanted |= set(signer["ticks"]) | set(signer["fields"])
    assert wanted <= inked
    assert not ({b.id for b in layout.boxes} - wanted) & inked  # an unticked box stays empty


def _text(pdf: bytes, index: int) -> str:
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[index % len(document)]
        return " ".join(page.get_textpage().get_text_range().split())
    finally:
        document.close()


def test_the_audit_page_says_who_signed_what_when_and_in_which_session(signed: bytes) -> None:
    text = _text(signed, -1)
    assert "Signing record" in text
    assert "Patient: Иванова-Παπαδοπούλου, Елена Date of birth: Jan 20, 1961 MRN: 00004411" in text  # the header
    assert "Signing session: S-7f3a9c" in text
    assert "Patient's date of birth confirmed on the tablet: yes" in text
    assert "Patient or legal representative: Signer 1 Ivanova-Παπαδοπούλου" in text
    assert "Signed Dec 10, 2026, 10:10 AM CST" in text  # 16:10 UTC in the site's time zone
    assert "Provider who obtained consent: Signer 2" in text
    assert "Teach-back, in the patient's words: Cement goes into the broken bone; it can leak." in text
    assert "Consent by telephone: second witness: Signer 5" in text
    assert "Initials: 17 of 17 boxes initialled by the patient." in text
    assert "DOC CONSENT" in text
    assert "Signing record: page 1 of 1" in text
    signature_page = _text(signed, -2)
    assert "Dec 10, 2026" in signature_page
    assert "10:11 AM" in signature_page


def test_a_refusal_is_recorded_without_signatures_or_initials(
    packet: bytes, layout: Layout, certifier: Certifier
) -> None:
    capture = {
        "session": "S-1",
        "dob_confirmed": False,
        "outcome": "refused",
        "signers": [
            {
                "role": "provider",
                "name": "Dr. Maria Alvarez",
                "signed_at": "2026-12-10T16:00:00Z",
                "signature": scribble(1),
            }
        ],
    }
    text = _text(_sign(packet, layout, certifier, capture), -1)
    assert "The patient refused the procedure." in text
    assert "confirmed on the tablet: no" in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["initials"].pop("initials.3"), "capture: initials.initials.3: not initialled"),
        (
            lambda c: c.update(dob_confirmed=False),
            "capture: dob_confirmed: the patient's date of birth must be confirmed",
        ),
        (
            lambda c: c["signers"][0].update(signed_at="2026-12-10T10:00"),
            "capture: signers[0].signed_at: expected a date",
        ),
        (lambda c: c["signers"][0].update(signature=[[[1.5, 0]]]), "capture: signers[0].signature[0]: expected [x, y]"),
        (lambda c: c["signers"][1].update(ticks=["patient.choice.1"]), "capture: signers[1].ticks: a check box id"),
        (lambda c: c.update(signers=c["signers"][2:]), "capture: signers: a consent given needs the patient's"),
    ],
)
def test_a_capture_that_cannot_be_used_is_refused_by_its_field(layout: Layout, change: Any, message: str) -> None:
    capture = full_capture(layout)
    change(capture)
    with pytest.raises(CaptureError) as caught:
        read_capture(capture, layout)
    assert str(caught.value).startswith(message)
    assert "Ivanova" not in str(caught.value)


def test_the_command_writes_the_signed_consent(
    packet: bytes,
    layout: Layout,
    site_settings: Path,
    tmp_path: Path,
    ca: SigningCA,
    capsys: pytest.CaptureFixture[str],
) -> None:
    consent = tmp_path / "DEMO-0004.pdf"
    consent.write_bytes(packet)
    capture = tmp_path / "capture.json"
    capture.write_text(json.dumps(full_capture(layout)), encoding="utf-8")
    out = tmp_path / "signed"
    code = main(
        ["sign", str(consent), str(capture), "--out", str(out)], environ={"PACKETGEN_SETTINGS": str(site_settings)}
    )
    assert code == 0
    written = out / "DEMO-0004-signed.pdf"
    roles = "patient, provider, witness, interpreter, telephone_witness"
    assert capsys.readouterr().out.strip().endswith(f"DEMO-0004-signed.pdf: consented, signed by {roles}, certified")
    status = _status(written.read_bytes(), ca)
    assert status.intact
    assert status.valid
    assert status.trusted


def test_the_command_without_a_certificate_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text("timezone: America/Chicago\n", encoding="utf-8")
    code = main(["sign", "a.pdf", "b.json", "--out", str(tmp_path)], environ={"PACKETGEN_SETTINGS": str(settings)})
    assert code == 2
    assert "sign.certificate: no signing certificate set" in capsys.readouterr().err


@pytest.mark.servers  # Apache PDFBox Preflight (java)
def test_the_signed_consent_is_still_pdfa(signed: bytes, tmp_path: Path) -> None:
    """Preflight checks PDF/A-1b, the stricter in what it checks here (see tests/pdf/test_archival.py):
    the signed file fails it only for saying it is part 2, as every packet does. The certification's
    widget has an (empty) appearance, and the XMP's extension schemas are as archival wrote them."""
    from tests.pdf.test_archival import preflight

    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    assert preflight(path) == ["7.11.2 : Error on MetaData, part must be 1"]
    with pikepdf.open(path) as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode("utf-8")
        assert "<xmp:ModifyDate>2026-12-10T16:14:00Z</xmp:ModifyDate>" in xmp  # the last signature's moment
        assert str(pdf.docinfo["/ModDate"]) == "D:20261210161400Z"
        assert "<pdfaSchema:prefix>packetgen</pdfaSchema:prefix>" in xmp


def test_the_marks_and_the_audit_page_are_tagged(signed: bytes, tmp_path: Path) -> None:
    """PDF/UA-1: each signature, initials and tick a Figure with its /Alt, written text a P, the
    audit page's lines H1 and P; the tree whole and the pdfua checker content."""
    from tests.helpers.structure import marked_content_problems, pdfua, tree_problems

    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    with pikepdf.open(path) as pdf:
        assert tree_problems(pdf) == []
        assert marked_content_problems(pdf) == []
        document = pdf.Root.StructTreeRoot.K
        sections = [k for k in document.K if k.get("/S") == pikepdf.Name.Sect and "/T" in k]
        drawn, record = sections[-2:]
        assert str(drawn.T) == "Signed on a tablet"
        assert str(record.T) == "Signing record"
        alts = [str(k.Alt) for k in drawn.K if str(k.S) == "/Figure"]
        assert "Signature of Patient or legal representative" in alts
        assert "Signature of Consent by telephone: second witness" in alts
        assert "Initials: Bleeding" in alts
        assert "Ticked: In person" in alts
        assert [k.S for k in record.K][:2] == [pikepdf.Name.H1, pikepdf.Name.P]
    assert pdfua(path) == []


def test_a_name_no_font_can_draw_is_refused(packet: bytes, layout: Layout, certifier: Certifier) -> None:
    capture = full_capture(layout)
    capture["signers"][0]["name"] = "\U0001d11e Ivanova"  # MUSICAL SYMBOL G CLEF: in no font of the layout
    with pytest.raises(CaptureError, match=r"^capture: patient.printed_name: a character no font can draw$"):
        _sign(packet, layout, certifier, capture)


def test_a_pkcs12_certificate_with_its_passphrase_file(
    packet: bytes, layout: Layout, ca: SigningCA, tmp_path: Path
) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    key = serialization.load_pem_private_key(ca.key.read_bytes(), password=None)
    certificate = x509.load_pem_x509_certificate(ca.certificate.read_bytes())
    root = x509.load_pem_x509_certificate(ca.root.read_bytes())
    bundle = tmp_path / "site.p12"
    bundle.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"site",
            key,
            certificate,
            [root],
            serialization.BestAvailableEncryption(b"correct horse"),  # type: ignore[arg-type]
        )
    )
    passphrase = tmp_path / "site.pass"
    passphrase.write_text("correct horse\n", encoding="utf-8")
    certifier = load_certifier(SignSettings(certificate=bundle, passphrase_file=passphrase, chain=(ca.root,)))
    status = _status(_sign(packet, layout, certifier), ca)
    assert status.intact
    assert status.valid
    assert status.trusted


def test_over_http_the_sites_tsa_stamps_and_the_crl_is_embedded(packet: bytes, layout: Layout, tmp_path: Path) -> None:
    """B-T and B-LT as a site has them: `sign.tsa_url` an RFC 3161 server (pyHanko's DummyTimeStamper
    behind a small HTTP server on loopback) and certificates naming a CRL there, fetched and embedded."""
    from pyhanko.keys import load_private_key_from_pemder

    with pki_server() as server:
        ca = make_signing_ca(tmp_path, crl_url=server.url("/root.crl"))
        server.files["/root.crl"] = (tmp_path / "root.crl").read_bytes()
        server.stamper = DummyTimeStamper(
            tsa_cert=load_cert_from_pemder(str(ca.tsa_certificate)),
            tsa_key=load_private_key_from_pemder(str(ca.tsa_key), passphrase=None),
        )
        settings = SignSettings(certificate=ca.certificate, key=ca.key, chain=(ca.root,), tsa_url=server.url("/tsa"))
        signed = _sign(packet, layout, load_certifier(settings))
        assert server.stamped >= 1
    status = _status(signed, ca)
    assert status.intact
    assert status.trusted
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.trusted
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        assert len(pdf.Root.DSS.CRLs) >= 1  # the root's CRL, for the site's and the TSA's certificates
        assert bytes(pdf.Root.DSS.CRLs[0].read_bytes()) == (tmp_path / "root.crl").read_bytes()


def test_a_wrong_passphrase_is_one_line_naming_the_setting(
    ca: SigningCA, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(ca.key.read_bytes(), password=None)
    locked = tmp_path / "site.key"
    locked.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"right one"),
        )
    )
    passphrase = tmp_path / "pass"
    passphrase.write_text("wrong one\n", encoding="utf-8")
    settings = SignSettings(certificate=ca.certificate, key=locked, passphrase_file=passphrase)
    with pytest.raises(UsageError, match=r"^sign.certificate: cannot be read with its key and passphrase$") as caught:
        load_certifier(settings)
    assert "wrong one" not in str(caught.value)
    caplog.clear()  # pyHanko logs its own error (without the passphrase)


@pytest.mark.parametrize("name", ["letter", "spanish"])
def test_the_signed_file_is_the_consent_on_without_the_handout(
    make_packet: Callable[[str], bytes], certifier: Certifier, name: str, tmp_path: Path
) -> None:
    """As a scanned consent is filed: the consent's pages (and, after a translated one, the source
    language's consent for the record), then the signing record; the handout's pages, bookmark and
    part of the structure tree gone, the tree still whole."""
    from tests.helpers.structure import marked_content_problems, pdfua, tree_problems

    packet = make_packet(name)
    layout = find_boxes(packet)
    first = min(layout.consent_pages)
    issued = page_texts(packet)
    signed = _sign(packet, layout, certifier)
    texts = page_texts(signed)
    assert len(texts) == len(issued) - first + 1  # the consent's pages on, then the signing record
    assert texts[0].split()[:6] == issued[first].split()[:6]  # starting with the consent's first page
    assert not [text for text in texts if text in issued[:first]]
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    with pikepdf.open(path) as pdf:
        titles = []
        item = pdf.Root.Outlines.get("/First")
        while item is not None:
            titles.append(str(item.Title))
            item = item.get("/Next")
        assert len(titles) == (2 if name == "spanish" else 1)  # the consent (and the record); not the handout
        assert int(pdf.Root.Outlines.Count) == len(titles)
        parts = [k for k in pdf.Root.StructTreeRoot.K.K if k.get("/S") == pikepdf.Name.Part]
        assert len(parts) == len(titles)
        assert tree_problems(pdf) == []
        assert marked_content_problems(pdf) == []
        keys = {int(page.obj.StructParents) for page in pdf.pages}
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        assert {int(nums[i]) for i in range(0, len(nums), 2)} == keys  # no entry of a page taken out
    assert pdfua(path) == []
