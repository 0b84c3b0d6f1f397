"""`--resume`: a packet is kept only when it is whole and nothing it was made from has changed."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

import pytest

from packetgen.batch.run import BatchOptions, run_batch
from packetgen.library import load_library
from tests.helpers.batchdata import HEADER, manifest, row
from tests.helpers.pdftext import page_texts
from tests.helpers.site import TODAY, copy_site


def _batch(root: Path, source: Path, out: Path, resume: bool) -> list[bool]:
    options = BatchOptions(source, out, workers=1, resume=resume, today=TODAY)
    run_batch(options, report=lambda _line: None, library=load_library(root=root))
    return [e["reused"] for e in manifest(out)]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


# (file to edit, text in it, replacement, a record that uses that file, text the remade packet shows)
EDITS = [
    (
        "packets/vertebroplasty.yaml",
        "Call 911 if you have chest pain or trouble breathing.",
        "Call 911 at once if you have chest pain or trouble breathing.",
        {},
        "Call 911 at once if you have chest pain",
    ),
    (
        "packets/vertebroplasty.es.yaml",
        "Llame al 911 si tiene dolor en el pecho",
        "Llame al 911 enseguida si tiene dolor en el pecho",
        {"language": "es"},
        "Llame al 911 enseguida si tiene dolor",
    ),
    (  # a shared fragment the content includes
        "packets/fragments/consent-attestations.yaml",
        "I am a witness to the signature only.",
        "I am a witness to the signature and to nothing else.",
        {},
        "witness to the signature and to nothing else",
    ),
    (  # its translation, which the Spanish content includes
        "packets/fragments/patient-rights.es.yaml",
        "No perderé mi derecho a otra atención.",
        "No perderé nunca mi derecho a otra atención.",
        {"language": "es"},
        "No perderé nunca mi derecho",
    ),
    (
        "departments/interventional-radiology.yaml",
        "\nphone: (217) 555-0142",
        "\nphone: (217) 555-0199",
        {},
        "(217) 555-0199",
    ),
    (  # a department is every layout's
        "departments/interventional-radiology.yaml",
        "name: Riverside General Hospital",
        "name: Riverside Regional Hospital",
        {"layout": "a4"},
        "Riverside Regional Hospital",
    ),
    (  # a4 extends letter: the parent's edit reaches it
        "layouts/letter.yaml",
        "  regular: DejaVuSans.ttf",
        "  regular: DejaVuSansMono.ttf",
        {"layout": "a4"},
        "Riverside General Hospital",
    ),
]


EDIT_IDS = [
    "content",
    "translation",
    "fragment",
    "fragment-translation",
    "department",
    "department-a4",
    "parent-layout",
]
"""Plain ASCII names for the cases: an id with an escaped character (`\\n`, `\\xe9`) is not found again when
given on the command line, as `make mutate` gives each mutant's tests."""


@pytest.mark.parametrize(("edited", "old", "new", "record", "shown"), EDITS, ids=EDIT_IDS)
def test_editing_content_or_layout_without_a_new_version_remakes_the_packet(
    tmp_path: Path, edited: str, old: str, new: str, record: dict[str, str], shown: str
) -> None:
    root = copy_site(tmp_path / "site")
    source = tmp_path / "day.csv"
    extra = f",{record.get('language', 'en')},{record.get('layout', 'letter')}"
    source.write_text(f"{HEADER},language,layout\n{row('E-1')}{extra}\n", encoding="utf-8")
    out = tmp_path / "out"
    assert _batch(root, source, out, resume=False) == [False]
    assert _batch(root, source, out, resume=True) == [True], "nothing changed: the packet is kept"
    if "language" in record:
        _edit(
            root / "packets/vertebroplasty.yaml",
            "Call 911 if you have chest pain",
            "Call 911 now if you have chest pain",
        )
        assert _batch(root, source, out, resume=True) == [True], "an edit to another edition changes nothing"
    _edit(root / edited, old, new)
    assert _batch(root, source, out, resume=True) == [False]
    assert shown in " ".join(page_texts(out / "E-1.pdf"))


def test_content_that_becomes_overdue_remakes_the_packet_marked_so(tmp_path: Path) -> None:
    """Nothing in any file changes, but the day passes the content's `review_due`: the packet made
    while the content was in date must not be reused, or the patient gets no "overdue" mark."""
    library = load_library()
    source = tmp_path / "day.csv"
    source.write_text(f"{HEADER}\n{row('O-1', start='2028-11-10T07:30')}\n", encoding="utf-8")
    out = tmp_path / "out"

    def run(today: date) -> dict[str, object]:
        options = BatchOptions(source, out, workers=1, resume=True, today=today, allow_overdue=True)
        run_batch(options, report=lambda _line: None, library=library)
        return manifest(out)[-1]

    due = library.contents["vertebroplasty"].review_due
    before, after = due - timedelta(days=1), due + timedelta(days=1)
    made = run(before)
    assert (made["approval"], made["reused"]) == ("draft", False)
    assert run(before)["reused"] is True  # nothing changed: kept
    remade = run(after)
    assert (remade["approval"], remade["reused"]) == ("draft, overdue", False)
    text = " ".join(page_texts(out / "O-1.pdf"))
    assert "Overdue for review: review was due" in text
    assert hashlib.sha256((out / "O-1.pdf").read_bytes()).hexdigest() == remade["sha256"]
    assert run(after)["reused"] is True  # overdue still: kept
