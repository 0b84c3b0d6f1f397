"""The PDF's metadata lists the shared fragments its text includes (issue 25): `packetgen:fragments` in
the XMP, its namespace declared in the one PDF/A extension-schema description beside PDF/UA's (the
Preflight tests in test_archival.py check vertebroplasty's packets, which include fragments)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pikepdf
import yaml

from packetgen.build import make_packet
from packetgen.library import load_library
from tests.helpers.fragments import CONTENT, fragment_site
from tests.helpers.site import BASE_APPOINTMENT, TODAY

NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
    "packetgen": "http://ns.packetgen.invalid/packet/1.0/",
}

WITHOUT = (
    CONTENT.replace(
        '        - {id: tips, type: fragment, fragment: sleepy-tips, version: "1.0.0", when: {flag: sedation}}\n', ""
    )
    .replace('  - {fragment: sleepy-risks, version: "2.1.0"}\n', "")
    .replace(
        '        - {id: consent-sleep, type: fragment, fragment: sleepy-consent, version: "1.0.0"}\n',
        "        - {id: consent-sleep, type: paragraph, text: I agree to be sleepy.}\n",
    )
    .replace('  attestations: {fragment: test-attestations, version: "1.0.0"}\n', "")
    .replace("flags:\n  sedation:\n    label: You will be given medicine to help you relax\n", "")
)
"""The test procedure including no fragment."""


def _xmp(root: Path, tmp_path: Path) -> ET.Element:
    record = tmp_path / "appt.yaml"
    record.write_text(yaml.safe_dump({**BASE_APPOINTMENT, "procedure": "knee-test"}), encoding="utf-8")
    made = make_packet(record, tmp_path / "out", library=load_library(root), today=TODAY)
    with pikepdf.open(made.path) as pdf:
        return ET.fromstring(pdf.Root.Metadata.read_bytes())


def test_the_xmp_lists_each_fragment_with_its_version_and_declares_it(tmp_path: Path) -> None:
    xmp = _xmp(fragment_site(tmp_path / "site"), tmp_path)
    (bag,) = xmp.findall(".//packetgen:fragments/rdf:Bag", NS)
    assert [item.text for item in bag.findall("rdf:li", NS)] == [
        "sleepy-tips 1.0.0",
        "sleepy-consent 1.0.0",
        "sleepy-risks 2.1.0",
        "test-attestations 1.0.0",
    ]
    # One description of extension schemas (PDFBox reads one), declaring PDF/UA's part and our property.
    (schemas,) = xmp.findall(".//pdfaExtension:schemas", NS)
    declared = {
        schema.findtext("pdfaSchema:prefix", namespaces=NS): schema for schema in schemas.findall("rdf:Bag/rdf:li", NS)
    }
    assert set(declared) == {"pdfuaid", "packetgen"}
    ours = declared["packetgen"]
    assert ours.findtext("pdfaSchema:namespaceURI", namespaces=NS) == NS["packetgen"]
    (prop,) = ours.findall("pdfaSchema:property/rdf:Seq/rdf:li", NS)
    assert prop.findtext("pdfaProperty:name", namespaces=NS) == "fragments"
    assert prop.findtext("pdfaProperty:valueType", namespaces=NS) == "bag Text"


def test_a_packet_including_no_fragment_has_no_fragments_in_its_xmp(tmp_path: Path) -> None:
    xmp = _xmp(fragment_site(tmp_path / "site", content=WITHOUT), tmp_path)
    assert xmp.findall(".//packetgen:fragments", NS) == []
    (schemas,) = xmp.findall(".//pdfaExtension:schemas", NS)
    assert [s.findtext("pdfaSchema:prefix", namespaces=NS) for s in schemas.findall("rdf:Bag/rdf:li", NS)] == [
        "pdfuaid"
    ]
