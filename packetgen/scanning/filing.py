"""The `scan` recipe: read the whole scan, group and check its pages, then file each complete
consent as `DIR/<appointment_id>-consent-signed.pdf` (PDF/A-2b, written atomically). Nothing is
written for an incomplete consent, and nothing at all until every page has been read."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..pdf.output import target_path, write_atomic
from ..pdf.scanned import scanned_pdfa
from ..store import Store
from ..store.consents import Found, record_scan
from .consents import Consent, Unread, group
from .pages import Scan, read_scan

logger = logging.getLogger(__name__)

SUFFIX = "-consent-signed"
"""A filed consent is `<appointment_id>-consent-signed.pdf`."""
LANGUAGE = "und"
"""The filed PDF's language: the codes do not say which language the consent was printed in."""
_READING = threading.Lock()
"""One scan read at a time in this process: PDFium (pypdfium2) is not made for threads, and the web
app reads uploaded scans on its worker threads while the watched scan folder has its own."""
PDFIUM = _READING
"""The same lock, for the web app's other PDFium work (a consent's boxes found, its pages shown for
signing on a tablet)."""


@dataclass(frozen=True)
class ScanReport:
    """What became of a scan: each consent found (filed when complete) and each page no consent's."""

    consents: tuple[Consent, ...]
    unread: tuple[Unread, ...]
    filed: tuple[Path, ...]

    @property
    def all_filed(self) -> bool:
        """Every consent complete and every page part of one (but blank ones and those printed for the record)."""
        return all(c.complete for c in self.consents) and all(u.benign for u in self.unread)

    def lines(self) -> list[str]:
        """One line per consent, in the order first scanned, then one per page that is none's."""
        return [c.line() for c in self.consents] + [u.line() for u in self.unread]

    def found(self) -> list[Found]:
        """Each consent as the store records it: the filed ones with their file's name."""
        filed = iter(self.filed)  # one for each complete consent, in the same order
        return [
            Found(
                consent.appointment_id,
                consent.complete,
                len(consent.pages),
                consent.count,
                consent.problems,
                next(filed).name if consent.complete else None,
            )
            for consent in self.consents
        ]


def record(store: Store, report: ScanReport, moment: datetime, actor: str) -> None:
    """Put what the scan found in the store (`scanned_consent`): the schedule shows each consent's state,
    and the audit has a row for each consent, filed or incomplete, by `actor`."""
    with store.session() as session:
        record_scan(session, report.found(), moment, actor)


def file_scan(path: Path, out_dir: Path) -> ScanReport:
    """Read the scan at `path` and file its complete consents in `out_dir` (one scan at a time in a process)."""
    with _READING:
        scan = read_scan(path)
        consents, unread = group(scan.pages)
        filed = tuple(_file(consent, scan, out_dir) for consent in consents if consent.complete)
    logger.info(
        "scan read: %d pages, %d consents, %d filed, %d pages unread",
        len(scan.pages),
        len(consents),
        len(filed),
        sum(not u.benign for u in unread),
    )
    return ScanReport(tuple(consents), tuple(unread), filed)


def _file(consent: Consent, scan: Scan, out_dir: Path) -> Path:
    images = [page.image for page in consent.pages if page.image]
    data = scanned_pdfa(images, metadata(consent), LANGUAGE, scan.scanned)
    target = write_atomic(data, target_path(out_dir, consent.appointment_id + SUFFIX))
    logger.info("consent filed: appointment %s, %d pages", consent.appointment_id, len(images))
    return target


def metadata(consent: Consent) -> dict[str, str]:
    """The filed PDF's document info (mirrored into its XMP): the issued packet's identifiers, never
    the patient's."""
    form, version, document = consent.value("FORM"), consent.value("VER"), consent.value("DOC")
    return {
        "Title": f"Signed consent {form} version {version}",
        "Subject": f"Signed consent for appointment {consent.appointment_id}, scanned",
        "Keywords": (
            f"appointment={consent.appointment_id} document={document} form={form} version={version} "
            f"pages={consent.count}"
        ),
        "Author": "packetgen scan",
        "Creator": "packetgen scan",
        "Producer": "packetgen",
    }
