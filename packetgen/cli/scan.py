"""`scan SCAN [--out DIR]`: a scanner's PDF or TIFF of signed consents, read by their codes; one line
per consent and per page no consent's; exit 0 when every consent is complete and filed, else 1. What
each consent came to is put in the store too (`scanned_consent`), for the web schedule, and in the audit
(filed or incomplete, by the machine's user)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from . import EXIT_OK, EXIT_SOME_FAILED

if TYPE_CHECKING:
    from ..settings import Settings


def scan_command(args: argparse.Namespace, settings: Settings) -> int:
    from ..delivery.audit import operating_system_user
    from ..scanning.filing import file_scan, record  # imported here so `--help` stays fast
    from ..store import open_store

    store = open_store(settings)
    try:
        report = file_scan(args.scan, args.out or settings.signed_dir)
        for line in report.lines():  # what was filed, said before it is recorded
            print(line, flush=True)
        record(store, report, datetime.now(UTC), operating_system_user())
    finally:
        store.close()
    return EXIT_OK if report.all_filed else EXIT_SOME_FAILED
