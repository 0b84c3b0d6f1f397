"""The pages of a scan grouped by packet and checked: every consent page there exactly once, and
every page of a packet agreeing on the patient, the encounter, the document, the form, its version
and the page count.

What is wrong is said in plain words, by page number, never by value: the MRN that disagrees is a
patient's, and the lines go to a terminal and a log.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..render.scan import RECORD
from .pages import ScannedPage

_APPOINTMENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
"""What the appointment record allows (it names the filed file)."""

BLANK = "blank"
RECORD_PAGE = "English text for the record (not filed)"
"""The reason given for a page whose code says `DOC=RECORD`: the source language's consent printed after a
translated one for the record, or the back left before it; never signed, never filed."""
BENIGN = (BLANK, RECORD_PAGE)
"""Reasons a page is no consent's that need no one's attention."""

AGREEING = (("MRN", "MRN"), ("ENC", "encounter"), ("DOC", "document type"), ("FORM", "form"), ("VER", "form version"))
"""The fields every page of a packet must agree on, and their names in a line."""


@dataclass(frozen=True)
class Consent:
    """One packet's pages found in the scan, in page order, and what keeps it from being filed."""

    appointment_id: str
    count: int
    """The pages the consent has, as its codes say."""
    pages: tuple[ScannedPage, ...]
    problems: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.problems

    def value(self, key: str) -> str:
        """A field every page agrees on (the first page's, when they do not)."""
        code = self.pages[0].code
        return code.value(key) if code else ""

    def line(self) -> str:
        """`ID: complete, 5 pages` or `ID: incomplete: …` with each problem."""
        if self.complete:
            return f"{self.appointment_id}: complete, {self.count} page{'s' if self.count > 1 else ''}"
        return f"{self.appointment_id}: incomplete: {'; '.join(self.problems)}"


@dataclass(frozen=True)
class Unread:
    """A page of the scan that belongs to no consent: blank, printed for the record (a code with `DOC=RECORD`),
    or without a code this program wrote."""

    number: int
    reason: str

    @property
    def blank(self) -> bool:
        return self.reason == BLANK

    @property
    def benign(self) -> bool:
        """Nothing to look at: a blank page, or a page printed for the record (never to be filed)."""
        return self.reason in BENIGN

    def line(self) -> str:
        return f"page {self.number} of the scan: {self.reason}"


def group(pages: Sequence[ScannedPage]) -> tuple[list[Consent], list[Unread]]:
    """The consents in the order their first page was scanned, and the pages that are none's (a page
    printed for the record among them, whatever its appointment id: it never completes a consent)."""
    packets: dict[str, list[ScannedPage]] = {}
    unread = []
    for page in pages:
        if page.code is None:
            unread.append(Unread(page.number, BLANK if page.blank else "no readable code"))
        elif page.code.value("DOC") == RECORD:
            unread.append(Unread(page.number, RECORD_PAGE))
        elif not _APPOINTMENT_ID.fullmatch(page.code.value("PKT")):
            unread.append(Unread(page.number, "a code that names no appointment id"))
        else:
            packets.setdefault(page.code.value("PKT"), []).append(page)
    return [_consent(appointment_id, found) for appointment_id, found in packets.items()], unread


def _consent(appointment_id: str, found: list[ScannedPage]) -> Consent:
    codes = [page.code for page in found if page.code]
    counts = Counter(code.count for code in codes)
    count = max(counts)
    problems = []
    missing = [n for n in range(1, count + 1) if all(code.page != n for code in codes)]
    if missing:
        problems.append(f"missing {_pages(missing)} of {count}")
    for number, scanned in sorted(_by_page(found).items()):
        if len(scanned) > 1:
            problems.append(f"page {number} of {count} scanned {len(scanned)} times ({_pages(scanned)} of the scan)")
    if len(counts) > 1:
        problems.append("the pages disagree on how many pages the consent has")
    for key, name in AGREEING:
        if len({code.value(key) for code in codes}) > 1:
            problems.append(f"the pages disagree on the {name}")
    ordered = tuple(sorted(found, key=lambda page: (page.code.page if page.code else 0, page.number)))
    return Consent(appointment_id, count, ordered, tuple(problems))


def _by_page(found: Iterable[ScannedPage]) -> dict[int, list[int]]:
    """Each consent page number → the places in the scan it was found at."""
    places: dict[int, list[int]] = {}
    for page in found:
        if page.code:
            places.setdefault(page.code.page, []).append(page.number)
    return places


def _pages(numbers: Sequence[int]) -> str:
    """`page 3`, `pages 3 and 4`, `pages 2, 3 and 4`."""
    if len(numbers) == 1:
        return f"page {numbers[0]}"
    return f"pages {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"
