"""The signed consent certified by the site's certificate with pyHanko: PAdES, DocMDP "no changes"
(a certification signature: any later change shows as a modification), B-T with the site's
time-stamping authority, B-LT (the chain's certificates and what revocation data can be had, in the
document security store) where the chain reaches a root the site names.

The signature field is invisible (a widget of zero size with an empty appearance, made by `add_field`
before signing); the signature and the validation data sit in incremental updates, which PDF/A-2b
allows."""

from __future__ import annotations

import asyncio
import html
import io
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
from asn1crypto import x509  # type: ignore[import-untyped]

with warnings.catch_warnings():  # pyHanko imports cryptography's DSA keys, which cryptography 48+ deprecates
    warnings.filterwarnings("ignore", "DSA is deprecated")
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps.api import TimeStamper
    from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
    from pyhanko.sign.validation.dss import DocumentSecurityStore, collect_validation_info
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

from ..errors import UsageError
from ..settings import SignSettings

FIELD = "ConsentCertification"


@dataclass(frozen=True)
class Certifier:
    """The site's signer, the chain above it and how to timestamp."""

    signer: signers.Signer
    roots: tuple[x509.Certificate, ...]
    """Self-signed certificates of the chain: what B-LT's validation data is gathered against."""
    timestamper: TimeStamper | None
    timeout: float = 30.0
    """Seconds to wait for each piece of revocation data."""


def load_certifier(settings: SignSettings, timestamper: TimeStamper | None = None) -> Certifier:
    """The site's certificate as `sign.*` names it (errors name the setting, never a secret)."""
    if settings.certificate is None:
        raise UsageError("sign.certificate: no signing certificate set: consents cannot be signed")
    passphrase = None
    if settings.passphrase_file is not None:
        try:
            passphrase = settings.passphrase_file.read_text(encoding="utf-8").splitlines()[0].encode("utf-8")
        except (OSError, IndexError):
            raise UsageError("sign.passphrase_file: cannot be read, or empty") from None
    chain = [str(p) for p in settings.chain]
    for setting, path in [("sign.certificate", settings.certificate), ("sign.key", settings.key)] + [
        ("sign.chain", p) for p in settings.chain
    ]:
        if path is not None and not Path(path).is_file():
            raise UsageError(f"{setting}: no such file")
    if settings.certificate.suffix.lower() in (".p12", ".pfx"):
        signer = signers.SimpleSigner.load_pkcs12(  # type: ignore[no-untyped-call]
            str(settings.certificate), chain or None, passphrase=passphrase
        )
    else:
        if settings.key is None:
            raise UsageError("sign.key: a PEM certificate needs its key")
        signer = signers.SimpleSigner.load(  # type: ignore[no-untyped-call]
            str(settings.key), str(settings.certificate), chain or None, passphrase
        )
    if signer is None:
        raise UsageError("sign.certificate: cannot be read with its key and passphrase")
    roots = tuple(c for c in map(load_cert_from_pemder, chain) if c.self_signed in ("yes", "maybe"))
    if timestamper is None and settings.tsa_url:
        timestamper = RequestsHTTPTimeStamper(settings.tsa_url, timeout=settings.timeout)  # type: ignore[no-untyped-call]
    return Certifier(signer, roots, timestamper, settings.timeout)


class _KeepMetadata(IncrementalPdfFileWriter):
    """pyHanko's incremental writer, leaving the document's XMP and Info as they are: its own XMP
    writer re-serialises the PDF/A extension schemas in a form PDF/A validators refuse (the
    namespace URI as a resource, the custom property under another prefix). `add_field` already
    brought both up to date with the signing moment."""

    def _update_meta(self) -> None:
        return None


def add_field(pdf: pikepdf.Pdf) -> None:
    """The invisible certification field, made before signing: a widget of zero size on the last
    page, printable and locked, with an empty appearance (PDF/A-1 and -2 ask every widget for one)."""
    page = pdf.pages[-1]
    appearance = pdf.make_stream(b"")
    appearance.Type = pikepdf.Name.XObject
    appearance.Subtype = pikepdf.Name.Form
    appearance.BBox = pikepdf.Array([0, 0, 0, 0])
    field = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Widget,
            FT=pikepdf.Name.Sig,
            T=pikepdf.String(FIELD),
            Rect=pikepdf.Array([0, 0, 0, 0]),
            F=132,  # Print, Locked
            P=page.obj,
            AP=pikepdf.Dictionary(N=appearance),
        )
    )
    if pikepdf.Name.Annots not in page.obj:
        page.obj.Annots = pikepdf.Array()
    page.obj.Annots.append(field)
    if pikepdf.Name.AcroForm not in pdf.Root:
        pdf.Root.AcroForm = pdf.make_indirect(pikepdf.Dictionary(Fields=pikepdf.Array()))
    pdf.Root.AcroForm.Fields.append(field)
    pdf.Root.AcroForm.SigFlags = 3  # signatures exist; append only


def mark_modified(pdf: pikepdf.Pdf, moment: datetime) -> None:
    """The document's modification date (Info and XMP, which PDF/A keeps in step) set to `moment`."""
    utc = moment.astimezone(UTC)
    pdf.docinfo[pikepdf.Name.ModDate] = pikepdf.String(f"D:{utc:%Y%m%d%H%M%S}Z")
    if pikepdf.Name.Metadata in pdf.Root:
        xmp = pdf.Root.Metadata.read_bytes().decode("utf-8")
        xmp = re.sub(
            r"<xmp:ModifyDate>[^<]*</xmp:ModifyDate>", f"<xmp:ModifyDate>{utc:%Y-%m-%dT%H:%M:%S}Z</xmp:ModifyDate>", xmp
        )
        pdf.Root.Metadata.write(xmp.encode("utf-8"))


def add_keywords(pdf: pikepdf.Pdf, words: str) -> None:
    """`words` added to the document's keywords (Info and XMP's `pdf:Keywords`, which PDF/A keeps in
    step): what a filed consent is found by (its appointment, form and version)."""
    old = str(pdf.docinfo.get(pikepdf.Name.Keywords, ""))
    keywords = f"{old}; {words}" if old else words
    pdf.docinfo[pikepdf.Name.Keywords] = pikepdf.String(keywords)
    if pikepdf.Name.Metadata in pdf.Root:
        xmp = pdf.Root.Metadata.read_bytes().decode("utf-8")
        escaped = html.escape(keywords, quote=False)
        xmp = re.sub(r"<pdf:Keywords>[^<]*</pdf:Keywords>", lambda _m: f"<pdf:Keywords>{escaped}</pdf:Keywords>", xmp)
        pdf.Root.Metadata.write(xmp.encode("utf-8"))


def certify(pdf: bytes, certifier: Certifier, reason: str = "Consent signed on a tablet") -> bytes:
    """`pdf` (with its field from `add_field`) certified: PAdES B-B, B-T with a timestamper, B-LT when
    the chain has a root."""
    writer = _KeepMetadata(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        md_algorithm="sha256",
        reason=reason,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    out = signers.sign_pdf(
        writer, meta, signer=certifier.signer, timestamper=certifier.timestamper, existing_fields_only=True
    )
    signed = bytes(out.getbuffer())
    return _with_validation_data(signed, certifier.roots, certifier.timeout) if certifier.roots else signed


def _with_validation_data(signed: bytes, roots: tuple[x509.Certificate, ...], timeout: float) -> bytes:
    """B-LT: the certificates of the signer's (and the timestamp's) path to a root, and the OCSP
    responses and CRLs their certificates point at (fetched; none named, none fetched), in the
    document security store, in an update after the signature (which DocMDP "no changes" allows)."""
    reader = PdfFileReader(io.BytesIO(signed))
    embedded = reader.embedded_signatures[0]
    # hard-fail: revocation data a certificate names must be had; a certificate naming none passes
    context = ValidationContext(
        trust_roots=list(roots),
        allow_fetching=True,
        revocation_mode="hard-fail",
        fetcher_backend=RequestsFetcherBackend(per_request_timeout=timeout),
    )
    paths = asyncio.run(collect_validation_info(embedded, context))
    writer = _KeepMetadata(io.BytesIO(signed))
    DocumentSecurityStore.supply_dss_in_writer(
        writer, embedded.pkcs7_content.hex().encode("ascii"), paths=paths, validation_context=context
    )
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()
