"""The remembering Flate filter: the bytes zlib gives, less work, bounded memory."""

from __future__ import annotations

import zlib
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reportlab.pdfbase import pdfdoc

from packetgen.intake import match_content
from packetgen.intake.record import from_located
from packetgen.library import load_library
from packetgen.personalize import personalize
from packetgen.render import load_fonts, render_pdf
from packetgen.render.compression import RememberingFlate
from packetgen.timing import Site
from packetgen.yamlsafe import Located
from tests.helpers.site import ZONE

TODAY = date(2026, 11, 24)


@given(st.lists(st.binary(max_size=3000), min_size=1, max_size=30))
def test_it_gives_what_zlib_gives_and_keeps_within_its_limit(chunks: list[bytes]) -> None:
    flate = RememberingFlate(limit=4000)
    for chunk in chunks + chunks:
        assert flate.encode(chunk) == zlib.compress(chunk)
        assert flate._size <= 4000 or len(flate._kept) == 0
        assert flate._size == sum(map(len, flate._kept.values()))


def _packet(first_name: str) -> bytes:
    library = load_library()
    record = {
        "appointment_id": "Z-1", "mrn": "00012345", "first_name": first_name, "last_name": "Quinn",
        "date_of_birth": "1950-01-02", "procedure": "vertebroplasty", "start": "2026-12-07T08:00",
        "provider": "Dr. Ada Lee",
    }  # fmt: skip
    appointment = from_located(Located(record, "record.yaml"), TODAY)
    content = match_content(appointment, library)
    layout = library.layout(None)
    packet = personalize(content, appointment, layout, library.department(content.department), Site(ZONE, TODAY))
    return render_pdf(packet, layout, load_fonts(layout.fonts)).data


def test_a_packet_is_the_same_whether_its_streams_were_remembered_or_not(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(pdfdoc.PDFZCompress, RememberingFlate)  # rendering installed it
    _packet("Rowan")  # another patient's packet: its shared streams are remembered now
    remembered = _packet("Avery")
    monkeypatch.setattr(pdfdoc, "PDFZCompress", pdfdoc.PDFStreamFilterZCompress())
    assert _packet("Avery") == remembered
