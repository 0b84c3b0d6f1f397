"""`sign CONSENT_PDF CAPTURE_JSON --out DIR`: the issued consent (or its packet) with what a tablet
captured drawn into its boxes, an audit page after it, certified by the site's certificate (`sign.*`);
written as `DIR/<name>-signed.pdf`, its one line the file's name and the signers' roles (never a name)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..errors import UsageError
from . import EXIT_OK

if TYPE_CHECKING:
    from ..settings import Settings


def sign_command(args: argparse.Namespace, settings: Settings) -> int:
    from ..pdf.output import write_atomic
    from ..signing import sign_consent  # imported here so `--help` stays fast
    from ..signing.capture import read_capture
    from ..signing.certify import load_certifier
    from ..signing.layout import find_boxes

    certifier = load_certifier(settings.sign)
    try:
        pdf = args.consent.read_bytes()
    except OSError:
        raise UsageError(f"{args.consent}: cannot be read") from None
    try:
        data = json.loads(args.capture.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise UsageError(f"{args.capture}: cannot be read as JSON") from None
    layout = find_boxes(pdf)
    if not layout.consent_pages:
        raise UsageError(f"{args.consent}: no consent page in it")
    capture = read_capture(data, layout)
    signed = sign_consent(pdf, layout, capture, certifier, ZoneInfo(settings.timezone), settings.font_dirs)
    target = args.out / f"{args.consent.stem}-signed.pdf"
    args.out.mkdir(parents=True, exist_ok=True)
    write_atomic(signed, target)
    roles = ", ".join(s.role for s in capture.signers) or "no signer"
    print(f"{target}: {capture.outcome}, signed by {roles}, certified", flush=True)
    return EXIT_OK
