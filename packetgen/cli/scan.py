"""`scan SCAN [--out DIR]`: a scanner's PDF or TIFF of signed consents, read by their codes; one line
per consent and per page no consent's; exit 0 when every consent is complete and filed, else 1. What
each consent came to is put in the store too (`scanned_consent`), for the web schedule, and in the audit
(filed or incomplete, by the machine's user). When `chart.*` is set, each consent filed is then sent to
the chart, a line each (`delivery.chart`); the exit code is the filing's."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from . import EXIT_OK, EXIT_SOME_FAILED

if TYPE_CHECKING:
    from ..settings import Settings


def scan_command(args: argparse.Namespace, settings: Settings) -> int:
    from ..delivery.audit import operating_system_user
    from ..delivery.chart import after_scan
    from ..scanning.filing import file_scan, record  # imported here so `--help` stays fast
    from ..store import open_store

    store = open_store(settings)
    try:
        report = file_scan(args.scan, args.out or settings.signed_dir)
        for line in report.lines():  # what was filed, said before it is recorded
            print(line, flush=True)
        moment = datetime.now(UTC)
        record(store, report, moment, operating_system_user())
        for outcome in after_scan(store, settings, report, moment, operating_system_user()):  # when chart.* is set
            print(outcome.line(), flush=True)
    finally:
        store.close()
    return EXIT_OK if report.all_filed else EXIT_SOME_FAILED
