"""Tagged PDF (PDF/UA-1): the structure a screen reader reads, checked by tools we did not write.

The structure tree is read back with the text of each element's marked content, by PDFium (fast)
and by poppler's `pdfinfo -struct-text` (held to agree, below); the `pdfua` checker (PyPI) runs
PDF/UA-1's machine-checkable rules; our own walk over the content streams checks what `pdfua` does
not (paths and images inside marked content, every MCID owned once). What none of them can judge is
listed in docs/developing/accessibility.md.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pikepdf
import pytest

from packetgen.build import Generated
from tests.helpers.site import DATA, ROOT, normalize
from tests.helpers.stores import migrated_sqlite
from tests.helpers.structure import (
    Node,
    is_element,
    marked_content_problems,
    pdfua,
    poppler_struct_tree,
    struct_tree,
    tree_problems,
)

Make = Callable[..., Generated]
SEED_HEADINGS = {
    "Before the procedure",
    "During the procedure",
    "After the procedure",
    "Potential risks and complications",
}


def squash(text: str) -> str:
    """Text without whitespace, for the strictest test that something is not read at all."""
    return re.sub(r"\s+", "", normalize(text))


def seed() -> list[tuple[str, str]]:
    """The seed handout's lines, each with the element it must be read as."""
    text = (DATA / "seed-vertebroplasty.txt").read_text(encoding="utf-8")
    lines = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        line = normalize(raw.replace("•", ""))
        role = "LBody" if "•" in raw else "H2" if line in SEED_HEADINGS else "P"
        lines.append((role, line))
    return lines


def _read(tree: Node) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(node.role, normalize(node.own_text), tuple(node.attributes)) for node in tree.elements()]


@pytest.mark.slow  # poppler takes 2 to 5 s a packet: `make test` holds the two readers together, every case
@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"language": "es", "layout": "large-print"},
        {"procedure": "cataract-surgery", "laterality": "left", "layout": "a4"},
        {"procedure": "colonoscopy", "flags": ["anticoagulant", "sedation"]},
    ],
    ids=["vertebroplasty", "spanish-large-print", "cataract-a4", "colonoscopy-flags"],
)
def test_pdfium_and_poppler_read_the_same_structure(generate: Make, overrides: dict[str, object]) -> None:
    """The tests read the structure tree with PDFium's text (`struct_tree`, 30 ms a packet); poppler's
    reading (2 to 5 s) must find the same elements, in the same order, with the same text and attributes."""
    path = generate(**overrides).path
    fast, poppler = _read(struct_tree(path)), _read(poppler_struct_tree(path))
    assert len(fast) > 250
    assert fast == poppler


@pytest.mark.slow
def test_every_seed_line_is_read_in_order_as_the_element_it_is(generate: Make) -> None:
    document = struct_tree(generate().path)
    assert document.role == "Document"
    handout, consent = document.kids
    assert isinstance(handout, Node)
    assert isinstance(consent, Node)
    assert (handout.role, consent.role) == ("Part", "Part")
    assert [normalize(h.text) for h in handout.find("H1")] == ["Vertebroplasty"]
    elements = list(handout.elements())
    found_at = -1
    lines = seed()
    assert len(lines) == 32
    for role, line in lines:
        matches = [i for i, node in enumerate(elements) if node.role == role and normalize(node.own_text) == line]
        assert matches, f"{role}: {line}"
        later = [i for i in matches if i > found_at]
        assert later, f"out of reading order: {line}"
        found_at = later[0]
    for item in handout.find("LI"):  # every list item is a label, then its body
        assert [kid.role for kid in item.kids if isinstance(kid, Node)] == ["Lbl", "LBody"]
    assert "Risks and complications" in [normalize(h.text) for h in consent.find("H2")]


def test_each_line_ends_with_the_space_it_was_broken_at() -> None:
    """A word break is a character at a line's end too (ISO 32000-1 §14.8.2.5), also after a word
    that ends in a hyphen (`pre- and after`): lines break only at spaces."""
    import io

    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    from packetgen.render.blocks import paragraph

    style = ParagraphStyle("plain", fontName="Helvetica", fontSize=10, leading=12)
    para = paragraph("Care before pre- and after surgery", style, recurring=False)
    para.wrap(stringWidth("Care before pre-", "Helvetica", 10) + 1, 1000)
    canvas = Canvas(io.BytesIO(), invariant=1)
    para.drawOn(canvas, 0, 0)
    shown = re.findall(r"\((.*?)\) Tj", " ".join(canvas._code))
    assert shown == ["Care before pre- ", "and after ", "surgery "]


@pytest.mark.slow
def test_the_running_header_footer_and_marks_are_artifacts(generate: Make) -> None:
    path = generate().path
    shown = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    read = squash(struct_tree(path).text)
    pages = len(pikepdf.open(path).pages)
    # On the page, every page: header, footer, page numbers, form stamp, the copy label, scan-back.
    assert shown.count("MRN: 00012345") >= pages
    for printed in ("Page 1 of", "Form vp-handout, version", "Form vp-consent, version", "Patient copy", "DRAFT"):
        assert printed in shown, printed
        assert squash(printed) not in read, printed
    assert re.search(r"PG \d+/\d+", shown)  # the consent's scan-back data, in small print
    assert not re.search(r"PG\d+/\d+", read)
    # Read once: the patient's details where the consent names them, not at every page's top.
    assert read.count(squash("MRN: 00012345")) == 1
    assert read.count(squash("Nguyễn, Thị Ánh")) == 1


VARIANTS = {
    "letter": {},
    "a4": {"layout": "a4"},
    "large-print": {"layout": "large-print"},
    "spanish": {"language": "es"},
    "cjk-name": {"first_name": "伟", "last_name": "王"},
    "arabic-name": {"first_name": "محمد", "last_name": "العلي", "language": "ar"},
    "every-flag": {
        "flags": ["sedation", "contrast_allergy", "anticoagulant"],
        "instructions": ["Bring <your> walker & cane."],
    },
}


@pytest.mark.parametrize("overrides", VARIANTS.values(), ids=VARIANTS.keys())
def test_pdfua_and_our_walk_find_nothing(generate: Make, overrides: dict[str, object]) -> None:
    path = generate(**overrides).path
    assert pdfua(path) == []
    with pikepdf.open(path) as pdf:
        assert marked_content_problems(pdf) == []
        assert tree_problems(pdf) == []
        assert pdf.Root.MarkInfo.Marked is True
        assert all(page.obj.Tabs == "/S" for page in pdf.pages)
    xmp = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"<pdfuaid:part>1</pdfuaid:part>", xmp)


def test_the_checkers_catch_untagged_content(generate: Make, tmp_path: Path) -> None:
    """Negative controls: the same packet with text, then a line, painted outside marked content."""
    path = generate().path
    with pikepdf.open(path) as pdf:
        text = pdf.pages[0]
        text.contents_add(pdf.make_stream(b"BT /F1+0 12 Tf 72 72 Td (stray) Tj ET"), prepend=False)
        pdf.save(tmp_path / "text.pdf")
    assert "UA-01-003" in str(pdfua(tmp_path / "text.pdf"))
    with pikepdf.open(path) as pdf:
        pdf.pages[1].contents_add(pdf.make_stream(b"0 0 m 100 100 l S"), prepend=False)
        assert marked_content_problems(pdf) == ["page 2: S outside marked content"]


def test_names_in_another_script_are_spans_of_their_language(generate: Make) -> None:
    """A Chinese name in an English packet is read as Chinese: a marked-content span with /Lang
    around it (ISO 32000-1 §14.9.2), inside the paragraph's own sequence."""
    for overrides, language in (({"first_name": "伟", "last_name": "王"}, "zh"), ({"first_name": "محمد"}, "ar")):
        with pikepdf.open(generate(**overrides).path) as pdf:
            assert str(pdf.Root.Lang) == "en"
            spans = 0
            for page in pdf.pages:
                stack: list[str] = []
                for instruction in pikepdf.parse_content_stream(page):
                    op = str(instruction.operator)
                    if op == "BDC":
                        props = instruction.operands[1]
                        lang = str(props.get("/Lang", "")) if isinstance(props, pikepdf.Dictionary) else ""
                        if lang:
                            assert "/MCID" not in props
                            assert stack[-1:] == ["mcid"]
                            spans += lang == language
                        stack.append("mcid" if isinstance(props, pikepdf.Dictionary) and "/MCID" in props else lang)
                    elif op == "BMC":
                        stack.append("")
                    elif op == "EMC":
                        stack.pop()
            assert spans >= 1, language  # the consent's "Patient:" line at least


def test_right_to_left_text_is_read_as_written(generate: Make) -> None:
    """Arabic is drawn in visual order (direction.visual); the span around an Arabic name and the
    Arabic tagline's paragraph give the text in reading order as /ActualText."""
    from packetgen.language.taglines import TAGLINES

    with pikepdf.open(generate(first_name="محمد", last_name="العلي", language="ar").path) as pdf:
        spans = [
            str(i.operands[1].ActualText)
            for page in pdf.pages
            for i in pikepdf.parse_content_stream(page)
            if str(i.operator) == "BDC"
            and isinstance(i.operands[1], pikepdf.Dictionary)
            and "/ActualText" in i.operands[1]
        ]
        assert "العلي, محمد" in spans
        actual = {str(e.ActualText) for e in _elements(pdf.Root.StructTreeRoot.K) if "/ActualText" in e}
        assert actual == {TAGLINES["ar"]}


def test_the_tagline_is_read_in_the_patients_language(generate: Make) -> None:
    """Vietnamese has no packet yet: the English one says so, then says it again in Vietnamese, and
    that paragraph carries /Lang vi."""
    with pikepdf.open(generate(language="vi").path) as pdf:
        found = []
        for element in _elements(pdf.Root.StructTreeRoot.K):
            if "/Lang" in element:
                found.append((str(element.S), str(element.Lang)))
        assert ("/P", "vi") in found


CAPTIONS = ["Signature", "Printed name", "Date", "Time"]


@pytest.mark.slow
def test_signature_captions_are_read_in_the_order_they_are_filled(generate: Make) -> None:
    """A screen-reader user filling in the consent hears what each line is for: every caption under a
    line to write on is a `P` of the signer's block (not an artifact, like the line itself), in order,
    and a value already written on a line is read with its caption."""
    consent = struct_tree(generate(language="vi").path).kids[1]
    assert isinstance(consent, Node)
    blocks: list[tuple[str, list[str]]] = []
    for kid in consent.kids:
        if isinstance(kid, Node) and kid.role == "H3":
            blocks.append((normalize(kid.text), []))
        elif isinstance(kid, Node) and kid.role == "P" and blocks:
            blocks[-1][1].append(normalize(kid.text))
    assert [signer for signer, _ in blocks] == [
        "Patient or legal representative",
        "Provider who obtained consent",
        "Witness",
        "Interpreter (required)",
        "Consent by telephone: second witness",
    ]
    for signer, read in blocks:
        assert [line for line in read if line in CAPTIONS] == CAPTIONS, signer
        start = read.index("Signature")
        assert read[start : start + 4] == CAPTIONS, signer  # one element each, in the order they are filled
    patient = dict(blocks)["Patient or legal representative"]
    assert patient[-2:] == ["Representative's relationship to patient", "Why the patient cannot sign"]
    interpreter = dict(blocks)["Interpreter (required)"]
    assert "I interpreted this form and the talk about it into Vietnamese." in interpreter  # named once
    assert "Language interpreted" not in interpreter


@pytest.mark.parametrize("language", ["ar", "fa", "ur"])
def test_a_right_to_left_tagline_is_read_in_its_own_language(generate: Make, language: str) -> None:
    """An Arabic, Persian or Urdu tagline is drawn line by line in visual order (`RightToLeft`), not
    as a Paragraph: its `P` still carries /Lang, or a screen reader reads it with English rules."""
    from packetgen.language.taglines import TAGLINES

    with pikepdf.open(generate(language=language).path) as pdf:
        assert str(pdf.Root.Lang) == "en"
        taglines = [
            e for e in _elements(pdf.Root.StructTreeRoot.K) if str(e.get("/ActualText", "")) == TAGLINES[language]
        ]
        # on the handout's first page and on the consent's
        assert [(str(e.S), str(e.get("/Lang", ""))) for e in taglines] == [("/P", language)] * 2


def _elements(node: pikepdf.Object) -> Iterator[pikepdf.Object]:
    yield node
    kids = node.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
        if is_element(kid):
            yield from _elements(kid)


@pytest.mark.slow
def test_the_figure_has_alternative_text_and_the_risk_table_headers(generate: Make) -> None:
    path = generate(layout="large-print").path  # the risk table runs over a page here
    with pikepdf.open(path) as pdf:
        figures = [e for e in _elements(pdf.Root.StructTreeRoot.K) if e.S == "/Figure"]
        assert len(figures) == 1
        assert "compression fracture" in str(figures[0].Alt).lower()
        assert len(figures[0].A.BBox) == 4
    document = struct_tree(path)
    (table,) = document.find("Table")
    rows = table.find("TR")
    assert len(rows) == 1 + 14  # the header row once, though it is drawn again on the next page
    heads = rows[0].find("TH")
    assert [normalize(h.text) for h in heads] == ["Risks and complications", "Initials"]
    assert all("/Scope /Column" in h.attributes for h in heads)
    assert all([c.role for c in row.kids if isinstance(c, Node)] == ["TD", "TD"] for row in rows[1:])
    assert normalize(rows[1].kids[0].text) == "Bleeding"  # type: ignore[union-attr]


@pytest.mark.slow
def test_the_print_run_reads_packet_by_packet_in_time_order(tmp_path: Path) -> None:
    from packetgen.cli import main

    source = ROOT / "examples/batch/appointments.csv"
    environ = {"PACKETGEN_DATABASE_URL": migrated_sqlite(tmp_path / "db.sqlite"), "PACKETGEN_WORKERS": "1"}
    assert main(["batch", str(source), "--out", str(tmp_path / "out"), "--print-run"], environ=environ) in (0, 1)
    run = tmp_path / "out" / "print-run.pdf"
    document = struct_tree(run)
    packets = [kid for kid in document.kids if isinstance(kid, Node)]
    assert [p.role for p in packets] == ["Part"] * 3
    patients = [
        next(normalize(p.own_text) for p in packet.find("P") if p.own_text.startswith("Patient: "))
        for packet in packets
    ]
    assert patients == [
        "Patient: Nguyễn, Thị Ánh",
        "Patient: 王, 小明",
        "Patient: O'Brien & <Sons>, Seán",
    ]
    for packet in packets:
        assert [kid.role for kid in packet.kids if isinstance(kid, Node)] == ["Part", "Part"]  # handout, consent
    assert pdfua(run) == []
    with pikepdf.open(run) as pdf:
        assert marked_content_problems(pdf) == []
        assert tree_problems(pdf) == []
        assert all(str(part.Lang) == "en" for part in pdf.Root.StructTreeRoot.K.K)
