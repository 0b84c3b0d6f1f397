"""PDF/A-2b: what the archive format asks of every packet, checked in the bytes and by poppler."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pikepdf
import pytest
from pypdf import PdfReader

from packetgen.build import Generated
from tests.helpers.site import ROOT
from tests.helpers.stores import migrated_sqlite


def test_a_packet_carries_what_pdfa_2b_asks(generate: Callable[..., Generated]) -> None:
    made = generate(language="es")
    raw = made.path.read_bytes()
    reader = PdfReader(made.path)
    root = reader.trailer["/Root"]
    intent = root["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    assert intent["/OutputConditionIdentifier"] == "sRGB IEC61966-2.1"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3
    assert profile.get_data()[36:40] == b"acsp"  # an ICC profile's signature
    assert len(reader.trailer["/ID"]) == 2
    # Stream data ends with an end-of-line before `endstream` (ReportLab alone writes none).
    assert raw.count(b"endstream") == len(re.findall(rb"(\r\n|\n|\r)endstream", raw)) > 0
    xmp = subprocess.run(["pdfinfo", "-meta", str(made.path)], capture_output=True, text=True, check=True).stdout
    assert "<pdfaid:part" in xmp
    assert re.search(r"<pdfaid:part[^>]*>2</pdfaid:part>", xmp)
    assert re.search(r"<pdfaid:conformance[^>]*>B</pdfaid:conformance>", xmp)
    assert "<rdf:li>es</rdf:li>" in xmp
    info = reader.metadata
    assert info is not None
    assert info.title
    assert f">{info.title}</rdf:li>" in xmp
    # The dates are the content's effective date: meaningful, and the same on every run.
    effective = date(2026, 11, 1)
    assert info["/CreationDate"] == info["/ModDate"] == f"D:{effective:%Y%m%d}000000Z"
    assert f"<xmp:CreateDate>{effective.isoformat()}T00:00:00Z</xmp:CreateDate>" in xmp


def test_pdfa_keeps_packets_byte_identical_for_the_same_inputs(generate: Callable[..., Generated]) -> None:
    first = generate().path.read_bytes()
    assert generate().path.read_bytes() == first


PREFLIGHT = ["preflight", "pdfbox2", "xmpbox", "fontbox2", "commons-logging", "javax.activation", "jaxb-api"]


def preflight(path: Path) -> list[str]:
    """Apache PDFBox Preflight's findings on a file (its PDF/A-1b validator), one line each."""
    java = shutil.which("java")
    jars = [Path(f"/usr/share/java/{name}.jar") for name in PREFLIGHT]
    if java is None or not all(jar.exists() for jar in jars):
        pytest.fail("java or Apache PDFBox Preflight missing: run scripts/install-system-packages.sh (make setup)")
    classpath = ":".join(str(jar) for jar in jars)
    result = subprocess.run(
        [java, "-cp", classpath, "org.apache.pdfbox.preflight.Validator_A1b", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    findings = [line for line in result.stdout.splitlines() if re.match(r"\d+(\.\d+)* : ", line)]
    assert findings or "is a valid PDF/A-1b file" in result.stdout, result.stdout + result.stderr
    return findings


@pytest.mark.parametrize(
    "overrides",
    [{}, {"layout": "a4"}, {"layout": "large-print"}, {"language": "es"}, {"first_name": "伟", "last_name": "王"}],
    ids=["letter", "a4", "large-print", "spanish", "cjk-name"],
)
@pytest.mark.servers  # Apache PDFBox Preflight (java)
def test_apache_pdfbox_preflight_finds_nothing_but_the_part_it_checks(
    generate: Callable[..., Generated], overrides: dict[str, str]
) -> None:
    """Debian's Apache PDFBox Preflight checks PDF/A-1b (no checker of PDF/A-2 installs from the
    registries we reach: see docs/developing/accessibility.md). PDF/A-1b is the stricter of the two in what it
    checks here (fonts, metadata, streams, colour, the trailer), so a PDF/A-2b file should fail it
    only for saying it is part 2."""
    made = generate(**overrides)
    findings = preflight(made.path)
    assert findings == ["7.11.2 : Error on MetaData, part must be 1"]


@pytest.mark.servers  # Apache PDFBox Preflight (java)
def test_the_print_run_is_pdfa_with_its_language_and_title(tmp_path: Path) -> None:
    from packetgen.cli import main

    source = ROOT / "examples/batch/appointments.csv"
    environ = {"PACKETGEN_DATABASE_URL": migrated_sqlite(tmp_path / "db.sqlite"), "PACKETGEN_WORKERS": "1"}
    assert main(["batch", str(source), "--out", str(tmp_path / "out"), "--print-run"], environ=environ) in (0, 1)
    run = tmp_path / "out" / "print-run.pdf"
    reader = PdfReader(run)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert (
        root["/ViewerPreferences"]["/DisplayDocTitle"] is True or root["/ViewerPreferences"]["/DisplayDocTitle"].value
    )
    assert len(reader.trailer["/ID"]) == 2
    assert root["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"
    assert reader.metadata is not None
    assert reader.metadata.title == "Print run: 3 packets"
    assert reader.metadata["/CreationDate"] == "D:20261207000000Z"  # the day the run is for
    before = run.read_bytes()
    assert main(["batch", str(source), "--out", str(tmp_path / "out"), "--print-run"], environ=environ) in (0, 1)
    assert run.read_bytes() == before
    assert preflight(run) == ["7.11.2 : Error on MetaData, part must be 1"]


def test_the_xmp_is_well_formed_and_says_what_the_document_info_says(
    tmp_path: Path, write_appointment: Callable[..., Path]
) -> None:
    """A department or a procedure whose name holds `&` or `<` (a sister hospital "St. Mary & St. Luke",
    a title "<draft>") gives XMP an XML parser reads, each value what the document info holds."""
    from packetgen.build import make_packet
    from packetgen.library import load_library
    from tests.helpers.site import TODAY, copy_site

    root = copy_site(tmp_path / "site")
    for path, old, new in (
        (
            "departments/interventional-radiology.yaml",
            "name: Riverside General Hospital",
            'name: "St. Mary & St. Luke <North>"',
        ),
        ("packets/vertebroplasty.yaml", "\ntitle: Vertebroplasty\n", '\ntitle: "Vertebroplasty & Kyphoplasty <VP>"\n'),
    ):
        text = (root / path).read_text(encoding="utf-8")
        assert text.count(old) == 1, old
        (root / path).write_text(text.replace(old, new), encoding="utf-8")
    made = make_packet(write_appointment(), tmp_path / "out", library=load_library(root=root), today=TODAY)
    with pikepdf.open(made.path) as pdf:
        info = {key: str(value) for key, value in pdf.docinfo.items()}
        xmp = ElementTree.fromstring(pdf.Root.Metadata.read_bytes())  # well-formed (pikepdf "recovers" bad XML)
        with pdf.open_metadata() as meta:
            read_back = {key: meta.get(f"dc:{key}") for key in ("title", "creator", "language")}
    assert info["/Author"] == "St. Mary & St. Luke <North>"
    assert "Vertebroplasty & Kyphoplasty <VP>" in info["/Title"]
    rdf, dc = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}", "{http://purl.org/dc/elements/1.1/}"
    assert xmp.findtext(f".//{dc}title/{rdf}Alt/{rdf}li") == info["/Title"]
    assert xmp.findtext(f".//{dc}creator/{rdf}Seq/{rdf}li") == info["/Author"]
    assert xmp.findtext(f".//{dc}description/{rdf}Alt/{rdf}li") == info.get("/Subject", "")
    assert read_back == {"title": info["/Title"], "creator": [info["/Author"]], "language": {"en"}}
