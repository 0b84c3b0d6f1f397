"""The site's settings: read once at start-up, validated, then passed down.

Two sources, the environment winning over the file:
- an optional YAML file, `PACKETGEN_SETTINGS` or else `settings.yaml` at the
  project root (`examples/settings.yaml` lists every key);
- environment variables `PACKETGEN_*` (see `ENVIRONMENT`).

Nothing else in the program reads `os.environ`: the CLI calls `load_settings`
once and hands the result to the library API. A bad value is one line naming
the file and line, or the variable, and what was expected.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from .errors import SourcePos
from .models.codes import canonical_system
from .models.types import Model, Text
from .validate import validate
from .yamlsafe import Key, Located, load_file

SETTINGS_FILE = "settings.yaml"


def project_root() -> Path:
    """The folder holding packets/, layouts/, departments/ and var/ (the package's parent)."""
    return Path(__file__).resolve().parent.parent


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError("timezone", "expected an IANA time zone such as America/Chicago") from None
    return name


TimeZone = Annotated[Text, AfterValidator(_time_zone)]
_HL7_FIELD = re.compile(r"[A-Z][A-Z0-9]{2}-[1-9][0-9]{0,2}(\.[1-9][0-9]?)?")


def _hl7_field(name: str) -> str:
    if not _HL7_FIELD.fullmatch(name):
        raise PydanticCustomError("hl7_field", "expected an HL7 field such as SCH-2 or PV1-19 (or SCH-2.1)")
    return name


def _domain(text: str) -> str:
    """A mail domain (`carehome.example.org`), lower-cased."""
    domain = text.strip().lower()
    if not re.fullmatch(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", domain):
        raise PydanticCustomError("domain", "expected a mail domain such as carehome.example.org")
    return domain


def _network(text: str) -> str:
    """An address (`10.1.2.3`, `::1`) or a network (`10.0.0.0/8`)."""
    import ipaddress

    try:
        ipaddress.ip_network(text, strict=True)
    except ValueError:
        raise PydanticCustomError(
            "network", "expected an IP address (10.1.2.3) or a network with no host bits set (10.0.0.0/8)"
        ) from None
    return text


def _upper(value: Any) -> Any:
    """`debug` is `DEBUG`."""
    return value.strip().upper() if isinstance(value, str) else value


def _one_or_many(value: Any) -> Any:
    """A single value where a list is expected is a list of one."""
    return [value] if isinstance(value, str) else value


Hl7Field = Annotated[Text, AfterValidator(_hl7_field)]


def _code_system(value: str) -> str:
    return canonical_system(value, unnamed_local=True)


CodeSystemName = Annotated[Text, AfterValidator(_code_system)]


class Hl7Settings(Model):
    """How this site's scheduling system fills HL7 v2 SIU messages."""

    patient_note_types: tuple[Text, ...] = ("PI",)
    """NTE-4 comment types (HL7 table 0364) whose notes print as the patient's own instructions.
    Every other NTE is a staff note and never prints."""
    patient_note_segments: tuple[Text, ...] = ()
    """Segments (`SCH`, `AIS`, ...) whose following NTEs are all for the patient, whatever their NTE-4:
    for an engine that puts patient instructions there without a comment type."""
    performing_roles: tuple[Text, ...] = ("PP", "PERFORMING", "PRF", "PPRF", "SURG", "SURGEON", "ATND", "ATTENDING")
    """AIP-4 resource roles that mean the person performing the procedure, most specific first."""
    appointment_id: Annotated[tuple[Hl7Field, ...], BeforeValidator(_one_or_many), Field(min_length=1)] = (
        "SCH-1",
        "SCH-2",
    )
    """Where the appointment id is read, tried in order until one is present: `SCH-1` (placer),
    `SCH-2` (filler), `PV1-19` (visit number) or any `SEG-N[.M]`. For a system that puts one constant
    in SCH-1 for every case, name `[SCH-2, PV1-19]`."""
    mrn_assigning_authorities: tuple[Text, ...] = ()
    """Assigning authorities (PID-3.4, its namespace id or universal id) whose identifiers are this
    site's medical record numbers when PID-3.5 gives no type: for a system that sends `12345^^^MR`."""
    code_systems: dict[Text, CodeSystemName] = Field(default_factory=dict)
    """What the names of coding systems in AIS-3.3 (CWE-3) that this site's system sends mean, beside
    those HL7 table 0396 gives (`CPT`/`C4`, `HCPCS`, `SCT`/`SNM`, `LN`, `I10P`, `L`, and `99zzz` for the
    site's own system `local:zzz`): `{99RGHIR: local:RGH-IR, CPT4: CPT}`. A code whose system is named
    matches only that system's codes."""
    laterality_field: Hl7Field | None = None
    """The field that carries the procedure's CPT modifiers, whose `LT`, `RT` and `50` give the side
    (the record's `laterality`): `AIS-12` (Filler Supplemental Service Information, CE, repeating),
    read in the AIS of the procedure; any `SEG-N[.M]` (component 1 of each repetition unless `.M`
    names another). Without it, no side is read from HL7."""


class FhirSettings(Model):
    """How this site's EHR fills FHIR R4 resources."""

    mrn_systems: tuple[Text, ...] = ()
    """Identifier systems whose values are this site's medical record numbers (`urn:oid:…`), accepted
    beside identifiers typed `MR`."""
    code_systems: dict[Text, CodeSystemName] = Field(default_factory=dict)
    """What the `Coding.system` URIs of a serviceType or appointmentType mean, beside the standard
    ones (`http://www.ama-assn.org/go/cpt`, `http://snomed.info/sct`, `http://loinc.org`, …): the URI of
    this site's own codes → `local:NAME` (`{"urn:oid:1.2.3.4": local:RGH-IR}`). A code whose system is
    known matches only that system's codes; one of a system not known matches as a code with no system."""


class ListenerSettings(Model):
    """The MLLP listener (`generate.py listen`)."""

    host: Text = "127.0.0.1"
    """Address to listen on: loopback unless a site says otherwise."""
    port: int = Field(default=2575, ge=1, le=65535)
    max_message_bytes: int = Field(default=1_000_000, ge=1_000)
    """A larger frame is refused (AR) rather than read into memory."""


def _smtp_url(url: str) -> str:
    """`smtp://[user[:password]@]host[:port][?tls=none]` or `smtps://…`; the password is never echoed."""
    from urllib.parse import parse_qsl, urlsplit

    expected = "expected smtp://[user:password@]host[:port][?tls=none] or smtps://…"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise PydanticCustomError("smtp_url", expected) from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname or parts.path not in ("", "/"):
        raise PydanticCustomError("smtp_url", expected)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(key != "tls" or value not in ("none", "starttls") for key, value in query):
        raise PydanticCustomError("smtp_url", "expected no query but ?tls=none (or ?tls=starttls)")
    if parts.scheme == "smtps" and query:
        raise PydanticCustomError("smtp_url", "expected no ?tls= with smtps:// (TLS from the first byte)")
    del port  # read above only to check it is a number
    return url


class EmailSettings(Model):
    """How packets are emailed (`generate.py email`, `batch --email`)."""

    passphrase: Literal["words", "date_of_birth"] = "words"  # noqa: S105 (a policy name)
    """`words`: a one-time passphrase of random words from the EFF long word list (about 11.5 bits a
    word), shown once to the sender; `date_of_birth`: the site's policy is that patients open their
    packets with their date of birth. That is weak: a packet opens to anyone who knows the date, and
    a guessing program tries every birth date of a century (36,500) in about a minute, so it is
    refused unless `allow_weak_passphrase` says the site accepts that."""
    other_addresses_roles: tuple[Literal["scheduler", "clinician", "admin"], ...] = ()
    """Roles whose users may email a packet from the web app to an address other than the one on the
    appointment (default: none: a packet goes only to the patient's own address)."""
    other_addresses_domains: tuple[Annotated[Text, AfterValidator(_domain)], ...] = ()
    """Domains any user may email a packet to besides the appointment's address (e.g. a partner care
    home's `carehome.example.org`); matched exactly, no subdomains."""
    allow_weak_passphrase: bool = False
    """`true`: the site accepts `passphrase: date_of_birth` knowing how fast it falls; every command that
    emails, and `serve` at start-up, then warn."""
    words: int = Field(default=5, ge=4, le=5)
    """Words in a one-time passphrase: 5 (about 57 bits) or 4 (about 46). No more: poppler-based
    readers take only 32 bytes of a password."""
    date_of_birth_format: Literal["MMDDYYYY", "DDMMYYYY", "YYYYMMDD"] = "MMDDYYYY"
    """How the date of birth is typed as a passphrase, digits only."""
    timeout: float = Field(default=30.0, gt=0, le=600)
    """Seconds to wait for the relay at each step before the attempt counts as failed."""

    @model_validator(mode="after")
    def _weak_only_when_allowed(self) -> EmailSettings:
        if self.passphrase == "date_of_birth" and not self.allow_weak_passphrase:  # noqa: S105 (a policy name)
            raise PydanticCustomError(
                "weak_passphrase",
                "passphrase: date_of_birth opens a packet after at most 36,500 guesses (about a minute); "
                "set allow_weak_passphrase: true to accept that, or use words",
            )
        return self

    def warnings(self) -> tuple[str, ...]:
        """What an operator is told each time packets are emailed, and by `serve` at start-up: a weak policy."""
        if self.passphrase != "date_of_birth":  # noqa: S105 (a policy name)
            return ()
        return (
            "warning: email.passphrase is date_of_birth: a guessing program opens such a packet in about a "
            "minute; one-time words (email.passphrase: words) protect it",
        )


def _audit_years(years: Any) -> Any:
    """Six years at least (HIPAA, 45 CFR 164.316(b)(2)(i)), as the audit tables' triggers enforce: said
    so before the bounds' own message."""
    if isinstance(years, int) and not isinstance(years, bool) and years < 6:
        raise PydanticCustomError(
            "audit_years", "expected at least 6: HIPAA keeps audit records six years, and the database refuses sooner"
        )
    return years


class ScanSettings(Model):
    """Scanned consents read back by their codes (`generate.py scan`)."""

    out_dir: Path | None = None
    """Where each complete signed consent is filed (`<appointment_id>-consent-signed.pdf`) when `scan` is
    given no `--out`; default: the `signed/` folder in the web app's output folder (`web.out_dir`)."""
    watch_dir: Path | None = None
    """A folder `generate.py serve` watches for a scanner's PDF or TIFF files (polled every
    `web.watch_seconds`): each is read as `scan` reads it, its complete consents filed where `scan` files
    them and every consent's state put on the schedule, then it is moved to `done/` beneath it (or to
    `failed/` when it cannot be read at all), so it is read once. Default: none, no folder is watched."""


def _host_port(text: str) -> str:
    """`host:port` (an IPv6 address in brackets: `[::1]:2575`)."""
    host, _, port = text.strip().rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535 or host.strip("[]") == "":
        raise PydanticCustomError("host_port", "expected host:port such as mllp.example.org:2575")
    return text.strip()


def _fhir_base(url: str) -> str:
    """A FHIR server's base URL, `https://…` (or `http://` for a server on loopback), no query."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (read only to check it is a number)
    except ValueError:
        raise PydanticCustomError("fhir_url", "expected https://host[:port]/path") from None
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        raise PydanticCustomError("fhir_url", "expected https://host[:port]/path, with no query")
    if parts.scheme == "http" and not loopback:
        raise PydanticCustomError("fhir_url", "expected https:// (plain http only to this machine)")
    return url.strip().rstrip("/")


def _tsa_url(url: str) -> str:
    """A time-stamping authority's URL: `http://` or `https://` and a host."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (read only to check it is a number)
    except ValueError:
        raise PydanticCustomError("tsa_url", "expected https://host[:port]/path") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise PydanticCustomError("tsa_url", "expected https://host[:port]/path (or http://)")
    return url.strip()


class SignSettings(Model):
    """Consents signed on a tablet, certified by the site's certificate (PAdES; `generate.py sign`)."""

    certificate: Path | None = None
    """The site's signing certificate: a PKCS#12 file (`.p12`, `.pfx`: certificate, key and chain in
    one), or a PEM certificate whose key is in `key`. Default: none, so consents cannot be signed."""
    key: Path | None = None
    """The PEM private key of a PEM `certificate` (not needed for PKCS#12)."""
    passphrase_file: Path | None = None
    """A file holding the passphrase of the PKCS#12 file or of the key (its first line); none: not encrypted."""
    chain: tuple[Path, ...] = ()
    """PEM files of the certificate authorities above the site's certificate, up to the root: embedded
    in each signature, and (a self-signed root among them) what the validation data is gathered
    against, for long-term validation (PAdES B-LT)."""
    tsa_url: Annotated[Text, AfterValidator(_tsa_url)] | None = None
    """An RFC 3161 time-stamping authority (`https://…`, or `http://…`, as many are: its answers are
    signed): each signature gets its timestamp (PAdES B-T). Default: none (B-B: the signing time is
    the site's own claim)."""
    timeout: float = Field(default=30.0, gt=0, le=600)
    """Seconds to wait for the time-stamping authority, and for revocation data when it is fetched."""


class ChartSettings(Model):
    """Signed consents sent to the EHR's chart once filed (`generate.py chart send`, and on their own
    after each scan): by HL7 v2 MDM over MLLP, as a FHIR R4 DocumentReference, or both. Unset: nothing
    is sent."""

    mllp: Annotated[Text, AfterValidator(_host_port)] | None = None
    """The interface engine's MLLP endpoint for MDM^T02 documents, `host:port`."""
    mllp_tls: bool = False
    """Speak MLLP inside TLS (the server's certificate checked against `ca_file` and the system's, the
    client certificate sent when `client_cert` is set). Default: plain MLLP, as most engines listen."""
    fhir_url: Annotated[Text, AfterValidator(_fhir_base)] | None = None
    """The FHIR R4 server's base URL: each consent is POSTed to `{fhir_url}/DocumentReference`."""
    token_file: Path | None = None
    """A file holding the FHIR server's bearer token (sent as `Authorization: Bearer …`); never put the
    token itself in the settings file. Also `PACKETGEN_CHART_TOKEN_FILE`."""
    client_cert: Path | None = None
    """A client certificate (PEM) for mutual TLS, to the FHIR server (and to MLLP with `mllp_tls`)."""
    client_key: Path | None = None
    """The client certificate's private key (PEM, unencrypted, mode 0600); default: in `client_cert`."""
    ca_file: Path | None = None
    """Certificate authorities (PEM) the servers' certificates are checked against, beside the system's."""
    timeout: float = Field(default=30.0, gt=0, le=600)
    """Seconds to wait for a connection, and then for the ACK or the HTTP answer: an attempt that
    waits longer is retried later."""
    sending_application: Text = "PACKETGEN"
    """MSH-3 of the MDM messages."""
    sending_facility: Text | None = None
    """MSH-4 of the MDM messages."""
    receiving_application: Text | None = None
    """MSH-5 of the MDM messages, as the interface engine expects it."""
    receiving_facility: Text | None = None
    """MSH-6 of the MDM messages."""
    mrn_authority: Text | None = None
    """The assigning authority of the MRN in PID-3.4 (`12345^^^RGH^MR`); default: the first of
    `hl7.mrn_assigning_authorities`, else none. The FHIR subject's identifier system is the first of
    `fhir.mrn_systems`."""
    completion_status: Literal["AU", "LA", "DO"] = "AU"
    """TXA-17 of the MDM messages (HL7 table 0271): `AU` authenticated (signed), `LA` legally
    authenticated, `DO` documented."""

    @model_validator(mode="after")
    def _key_with_certificate(self) -> ChartSettings:
        if self.client_key is not None and self.client_cert is None:
            raise PydanticCustomError("client_key", "client_key needs client_cert")
        return self

    @property
    def enabled(self) -> bool:
        """Whether a destination is set: filing then sends on its own."""
        return self.mllp is not None or self.fhir_url is not None


class RetentionSettings(Model):
    """How long patient data is kept (`generate.py purge`, and `serve` once a day). The audits are kept
    `audit_years` (six at least): the database refuses to delete a younger audit row."""

    schedule_days: int = Field(default=30, ge=1, le=3650)
    """Schedule lines, the listener's messages and packets, sent emails' rows and finished print runs
    are removed this many days after their appointment (or upload, without one), and what scans found
    (a consent's state on the schedule; not the filed PDFs) this many days after the scan, and the
    chart's outbox rows sent, refused or replaced this many days after they were queued."""
    packets_days: int = Field(default=14, ge=1, le=3650)
    """Packets in the web output folder are removed this many days after they were made; a schedule
    line whose packet is gone can make it again from its record."""
    audit_years: Annotated[int, BeforeValidator(_audit_years)] = Field(default=6, ge=6, le=100)
    """The audits (of deliveries and of access) are removed this many years after each event. At least
    6, HIPAA's minimum retention of documentation: the database itself refuses to delete a younger row
    (migration 0015)."""


def _version_text(value: object) -> object:
    """A version YAML read as a number (`1.3`) as the text it was written as."""
    return str(value) if isinstance(value, float | int) and not isinstance(value, bool) else value


class WebSettings(Model):
    """The web app and its API (`generate.py serve`)."""

    host: Text = "127.0.0.1"
    """Address to listen on: loopback unless a site says otherwise (behind a reverse proxy)."""
    port: int = Field(default=8080, ge=1, le=65535)
    out_dir: Path = Field(default_factory=lambda: project_root() / "output")
    """Where the app writes packets (the API's, the schedule's): shared by every instance."""
    session_idle_minutes: int = Field(default=30, ge=1, le=720)
    """A session ends after this long without a request."""
    session_max_hours: int = Field(default=12, ge=1, le=168)
    """A session ends this long after its sign-in, however busy it has been (a shift, by default)."""
    allowed_hosts: tuple[Text, ...] = ("127.0.0.1", "localhost", "[::1]")
    """The names the app answers to (the `Host` header; an IPv6 address in brackets): any other is
    refused (400). `host` is added when it is an address other than 0.0.0.0 and ::. Behind a reverse
    proxy, list the name people type (`allowed_hosts: [packets.example.org]`)."""
    behind_proxy: bool = False
    """A reverse proxy in front terminates TLS: `serve` then listens on an address other than loopback
    without `--certfile` (the proxy must be named in `trusted_proxies`). Otherwise `serve` refuses to
    serve plain HTTP beyond this machine."""
    max_upload_bytes: int = Field(default=5_000_000, ge=1_000, le=200_000_000)
    """A larger upload is refused before it is read."""
    trusted_user_header: Text | None = None
    """A reverse proxy's header naming the signed-in user (e.g. `X-Remote-User`): when set, users
    are taken from it instead of the sign-in form, on requests from `trusted_proxies` only (`serve`
    refuses to start without them). From any other address the header is ignored, and logged."""
    trusted_proxies: tuple[Annotated[Text, AfterValidator(_network)], ...] = ()
    """The reverse proxies' addresses or networks (e.g. `[127.0.0.1, 10.0.0.0/8]`): only requests
    coming straight from them may name the user (`trusted_user_header`) and the client's address and
    scheme (`X-Forwarded-For`, `X-Forwarded-Proto`). Default: none, so those headers are ignored."""
    api_requests_per_minute: int = Field(default=600, ge=1, le=100_000)
    """Requests one API token may make in any minute (counted in the database, so across instances);
    more are answered 429 with `Retry-After`."""
    refusals_audited_per_minute: int = Field(default=30, ge=1, le=10_000)
    """Refused requests (401, 403, a redirect to sign-in) from one address in a minute that are each a
    row of the access audit (per process); the rest of that minute become one `refused-repeated` row
    with their count, so a flood of refused requests cannot flood the audit, which is kept for years."""
    header_timeout_seconds: float = Field(default=10.0, ge=0.1, le=300)
    """`serve`: a connection whose request line and headers have not all arrived this long after it
    opened, or after the previous response ended, is closed (slow clients holding connections open)."""
    keep_alive_seconds: int = Field(default=5, ge=1, le=300)
    """`serve`: an idle kept-alive connection is closed after this many seconds without a byte."""
    tls_min_version: Annotated[Literal["1.2", "1.3"], BeforeValidator(_version_text)] = "1.2"
    """`serve --certfile`: the oldest TLS version accepted. Over TLS 1.2 only ECDHE key exchange with
    AES-GCM or ChaCha20-Poly1305 is offered (Mozilla's "intermediate"); TLS 1.3's suites are all strong."""
    sign_in_failures: int = Field(default=5, ge=1, le=100)
    """Failed sign-ins per account (and four times as many per address) in 15 minutes before each
    further attempt must wait (`sign_in_delay_seconds`, doubling with each further failure, up to 15
    minutes). Never a lockout: once the wait has passed, the right password works."""
    sign_in_delay_seconds: float = Field(default=1.0, ge=0.01, le=60)
    """The first wait after `sign_in_failures` failures; each further failure doubles it (1 s, 2 s,
    4 s, … up to 15 minutes). An attempt inside the wait is refused without its password being checked."""
    require_totp_for: tuple[Literal["scheduler", "clinician", "admin"], ...] = ("admin",)
    """The roles that must sign in with a second factor (a TOTP code from an authenticator app, or a
    recovery code): a user of such a role without one is sent to enrol after their password. Users of
    other roles may enrol on their own."""
    watch_dir: Path | None = None
    """A folder whose appointment files (CSV, FHIR, HL7) join the schedule as they arrive; each is
    moved to `done/` or `failed/` beneath it once read."""
    watch_seconds: float = Field(default=10.0, ge=0.5, le=3600)
    """How often the watched folder is looked at."""
    confirm_print_over: int = Field(default=20, ge=0, le=100_000)
    """A print run or download of more packets than this asks to be confirmed first (its page says how
    many packets and pages it is); up to this many it starts at once. 0: always ask."""


class Settings(Model):
    """Everything a site may configure. Defaults suit a development checkout."""

    content_root: Path = Field(default_factory=project_root)
    """The folder holding `packets/`, `layouts/` and `departments/`."""
    font_dirs: tuple[Path, ...] = ()
    """Folders searched for font files before the system's and installed font packages."""
    timezone: TimeZone = "America/Chicago"
    """The site's IANA time zone: its one clock, which every appointment's clock time is read in, every
    relative time is counted on and "today" is taken from, whatever the department. The default is the
    example content's (Springfield, Illinois): a site elsewhere must set it."""
    database_url: Text = Field(default_factory=lambda: f"sqlite:///{project_root() / 'var' / 'packetgen.sqlite'}")
    """SQLAlchemy URL of the database (`sqlite:///…` or `postgresql://…`)."""
    workers: int | None = Field(default=None, ge=1)
    """Worker processes for batches and the listener; default: the machine's cores."""
    debug: bool = False
    """Show a traceback for an internal error instead of one line."""
    log_level: Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR"], BeforeValidator(_upper)] = "WARNING"
    """What goes to the log (stderr) from this level up: `ERROR` internal errors with their tracebacks;
    `WARNING` also what needs an operator; `INFO` also each batch, message, packet, web request and
    delivery; `DEBUG` also each record's outcome. Ids, counts, states and durations only: never a
    patient's name, MRN, date of birth, address or a record's text."""
    printer: Text | None = None
    """The CUPS queue packets print on; default: the print server's default queue."""
    cups_server: Text | None = None
    """The print server as `host[:port]` (or a socket path); default: the machine's own CUPS, as
    libcups finds it (`CUPS_SERVER`, `client.conf`, the local socket)."""
    print_timeout: float = Field(default=120.0, gt=0, le=3600)
    """Seconds to wait for a print job to finish before reporting it as not printed."""
    smtp_url: Annotated[Text, AfterValidator(_smtp_url)] | None = None
    """The mail relay: `smtp://[user:password@]host[:port]` (STARTTLS required unless `?tls=none`) or
    `smtps://…` (TLS from the first byte)."""
    smtp_password_file: Path | None = None
    """A file holding the relay password (instead of putting it in the URL)."""
    smtp_ca_file: Path | None = None
    """Certificate authorities (PEM) the relay's certificate is checked against, beside the system's:
    for a relay whose certificate comes from the hospital's own authority."""
    email: EmailSettings = EmailSettings()
    web: WebSettings = WebSettings()
    retention: RetentionSettings = RetentionSettings()
    hl7: Hl7Settings = Hl7Settings()
    fhir: FhirSettings = FhirSettings()
    listener: ListenerSettings = ListenerSettings()
    scan: ScanSettings = ScanSettings()
    chart: ChartSettings = ChartSettings()
    sign: SignSettings = SignSettings()

    @property
    def signed_dir(self) -> Path:
        """Where `scan` files signed consents: `scan.out_dir`, else `web.out_dir`'s `signed/`."""
        return self.scan.out_dir or self.web.out_dir / "signed"


# Environment variable → (setting, how its text is read)
ENVIRONMENT: dict[str, tuple[str, str]] = {
    "PACKETGEN_CONTENT_ROOT": ("content_root", "path"),
    "PACKETGEN_FONT_DIRS": ("font_dirs", "paths"),
    "PACKETGEN_TIMEZONE": ("timezone", "text"),
    "PACKETGEN_DATABASE_URL": ("database_url", "text"),
    "PACKETGEN_WORKERS": ("workers", "number"),
    "PACKETGEN_DEBUG": ("debug", "flag"),
    "PACKETGEN_LOG_LEVEL": ("log_level", "text"),
    "PACKETGEN_PRINTER": ("printer", "text"),
    "PACKETGEN_CUPS_SERVER": ("cups_server", "text"),
    "PACKETGEN_SMTP_URL": ("smtp_url", "text"),
    "PACKETGEN_SMTP_PASSWORD_FILE": ("smtp_password_file", "path"),
    "PACKETGEN_SMTP_CA_FILE": ("smtp_ca_file", "path"),
    "PACKETGEN_CHART_TOKEN_FILE": ("chart.token_file", "path"),
}


@dataclass(frozen=True)
class _Sources(Located):
    """The merged settings: positions in the file, or the variable a value came from."""

    variables: Mapping[str, str] = field(default_factory=dict)

    def pos(self, key: Key = ()) -> SourcePos:
        if key and isinstance(key[0], str) and key[0] in self.variables:
            return SourcePos(self.variables[key[0]], None)
        dotted = ".".join(str(k) for k in key[:2])
        if dotted in self.variables:
            return SourcePos(self.variables[dotted], None)
        return super().pos(key)


def load_settings(environ: Mapping[str, str]) -> Settings:
    """The settings from `environ` (the CLI passes its process's) and the settings file; InputErrors if bad."""
    named = environ.get("PACKETGEN_SETTINGS")
    path = Path(named) if named else project_root() / SETTINGS_FILE
    located = load_file(path) if named or path.is_file() else Located({}, SETTINGS_FILE)
    data: dict[str, Any] = dict(located.data) if isinstance(located.data, dict) else located.data
    if isinstance(data, dict):
        _resolve_paths(data, path.parent)
    variables = {}
    for variable, (name, kind) in ENVIRONMENT.items():
        text = environ.get(variable)
        if text is not None and isinstance(data, dict):
            block, _, key = name.rpartition(".")
            if block:  # a setting in a block (`chart.token_file`)
                inner = data.get(block)
                data[block] = {**(inner if isinstance(inner, dict) else {}), key: _from_environment(text, kind)}
            else:
                data[name] = _from_environment(text, kind)
            variables[name] = variable
    return validate(_Sources(data, located.path, located.lines, located.digest, variables), Settings)


def _from_environment(text: str, kind: str) -> Any:
    if kind == "paths":
        return [p for p in text.split(os.pathsep) if p]
    if kind == "number":
        return int(text) if text.strip().isdigit() else text
    if kind == "flag":
        return text.strip().lower() not in ("", "0", "false", "no", "off")
    return text


def _resolve_sign(sign: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The `sign` block's files, relative to the settings file's folder."""
    for key in ("certificate", "key", "passphrase_file"):
        if isinstance(sign.get(key), str):
            sign = {**sign, key: str(folder / sign[key])}
    if isinstance(sign.get("chain"), list):
        sign = {**sign, "chain": [str(folder / p) if isinstance(p, str) else p for p in sign["chain"]]}
    return sign


def _resolve_paths(data: dict[str, Any], folder: Path) -> None:
    """Relative paths in the file are relative to the file's folder."""
    for key in ("content_root", "smtp_password_file", "smtp_ca_file"):
        if isinstance(data.get(key), str):
            data[key] = str(folder / data[key])
    web = data.get("web")
    if isinstance(web, dict):
        for key in ("out_dir", "watch_dir"):
            if isinstance(web.get(key), str):
                web = {**web, key: str(folder / web[key])}
        data["web"] = web
    scan = data.get("scan")
    if isinstance(scan, dict):
        for key in ("out_dir", "watch_dir"):
            if isinstance(scan.get(key), str):
                scan = {**scan, key: str(folder / scan[key])}
        data["scan"] = scan
    chart = data.get("chart")
    if isinstance(chart, dict):
        for key in ("token_file", "client_cert", "client_key", "ca_file"):
            if isinstance(chart.get(key), str):
                chart = {**chart, key: str(folder / chart[key])}
        data["chart"] = chart
    if isinstance(data.get("sign"), dict):
        data["sign"] = _resolve_sign(data["sign"], folder)
    if isinstance(data.get("font_dirs"), list):
        data["font_dirs"] = [str(folder / p) if isinstance(p, str) else p for p in data["font_dirs"]]
