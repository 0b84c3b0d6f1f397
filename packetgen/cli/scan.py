"""`scan SCAN [--out DIR]`: a scanner's PDF or TIFF of signed consents, read by their codes; one line
per consent and per page no consent's; exit 0 when every consent is complete and filed, else 1."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from . import EXIT_OK, EXIT_SOME_FAILED

if TYPE_CHECKING:
    from ..settings import Settings


def scan_command(args: argparse.Namespace, settings: Settings) -> int:
    from ..scanning.filing import file_scan  # imported here so `--help` stays fast

    report = file_scan(args.scan, args.out or settings.signed_dir)
    for line in report.lines():
        print(line)
    return EXIT_OK if report.all_filed else EXIT_SOME_FAILED
