"""Real mail and print servers on loopback, started by the tests.

- `relay`: an SMTP server (aiosmtpd) in this process, with a test certificate authority, STARTTLS
  (required or not offered), implicit TLS, authentication, and handlers that refuse (4xx, 5xx) or
  drop the connection while taking a message;
- `cups`: a private CUPS server (Debian's cupsd, its own configuration under a temporary folder)
  with a cups-pdf queue that writes what it prints into a folder the test reads.
"""

from __future__ import annotations

import datetime as dt
import email
import grp
import ipaddress
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer  # noqa: N811
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER, PASSWORD = "packetgen", "relay pass:word@1"


@dataclass
class Handler:
    """Keeps what the relay accepts; `refuse_rcpt`/`refuse_data` make it refuse, `drop` cut the line."""

    received: list[Message] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse_rcpt: str | None = None
    refuse_data: str | None = None
    drop: bool = False

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook names)
        self, server: SMTPServer, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.refuse_rcpt:
            return self.refuse_rcpt.replace("{address}", address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:  # noqa: N802
        if self.refuse_data:
            return self.refuse_data
        if self.drop:
            assert server.transport is not None
            server.transport.close()
            return "250 OK"
        assert isinstance(envelope.original_content, bytes)
        self.received.append(email.message_from_bytes(envelope.original_content))
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 OK"


@dataclass
class Relay:
    handler: Handler
    port: int
    ca_file: Path
    url: str

    def environ(self, **extra: str) -> dict[str, str]:
        return {"PACKETGEN_SMTP_URL": self.url, "PACKETGEN_SMTP_CA_FILE": str(self.ca_file), **extra}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A test certificate authority and a server certificate for 127.0.0.1 and localhost it signed."""
    folder = tmp_path_factory.mktemp("tls")
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "packetgen test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca_file, cert_file, key_file


def _authenticate(server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == USER.encode() and data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535 itself


@pytest.fixture
def start_relay(certificates: tuple[Path, Path, Path]) -> Iterator[Callable[..., Relay]]:
    """Start a relay: `mode` is `starttls` (required by it), `plain` (no STARTTLS offered) or `smtps`;
    `auth` requires the test user and password."""
    import ssl

    ca_file, cert_file, key_file = certificates
    controllers: list[Controller] = []
    # aiosmtpd warns in its log about its own deprecations (Session.login_data) and about AUTH
    # without STARTTLS (set on purpose for implicit TLS): errors still reach the test.
    mail_log = logging.getLogger("mail.log")
    level = mail_log.level
    mail_log.setLevel(logging.ERROR)

    def start(mode: str = "starttls", auth: bool = False, handler: Handler | None = None) -> Relay:
        handler = handler or Handler()
        port = free_port()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        options: dict[str, Any] = {"hostname": "127.0.0.1", "port": port, "ready_timeout": 10}
        if auth:
            # aiosmtpd counts only STARTTLS as TLS: with implicit TLS, AUTH is offered (and checked)
            # without being required of every session, which aiosmtpd would warn about per connection.
            starttls = mode == "starttls"
            options.update(authenticator=_authenticate, auth_required=starttls, auth_require_tls=starttls)
        if mode == "starttls":
            options.update(tls_context=context, require_starttls=True)
        elif mode == "smtps":
            options.update(ssl_context=context, server_hostname="localhost")
        controller = Controller(handler, **options)
        controller.start()
        controllers.append(controller)
        scheme = "smtps" if mode == "smtps" else "smtp"
        query = "?tls=none" if mode == "plain" else ""
        return Relay(handler, port, ca_file, f"{scheme}://127.0.0.1:{port}{query}")

    yield start
    for controller in controllers:
        controller.stop()
    mail_log.setLevel(level)


@pytest.fixture
def relay(start_relay: Callable[..., Relay]) -> Relay:
    """A relay that requires STARTTLS, with the test authority's certificate."""
    return start_relay()


# --- CUPS -------------------------------------------------------------------------------------

PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")


@dataclass
class Cups:
    server: str
    queue: str
    out: Path
    """Where cups-pdf writes each printed job, named after the job's title."""

    def environ(self, **extra: str) -> dict[str, str]:
        return {"PACKETGEN_CUPS_SERVER": self.server, **extra}

    def printed(self, job_id: int, timeout: float = 20.0) -> Path:
        """The PDF cups-pdf made of a job (it finishes writing just after the job completes)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [p for p in self.out.glob(f"*job_{job_id}.pdf")]
            if found and found[0].stat().st_size > 0:
                time.sleep(0.1)
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"cups-pdf wrote nothing for job {job_id}: {sorted(self.out.iterdir())}")

    def job(self, job_id: int) -> dict[str, Any]:
        import cups

        host, _, port = self.server.rpartition(":")
        cups.setServer(host)
        cups.setPort(int(port))
        wanted = ["job-name", "sides", "media", "copies", "job-state", "job-originating-user-name"]
        attributes: dict[str, Any] = cups.Connection().getJobAttributes(job_id, requested_attributes=wanted)
        return attributes


_CUPSD_CONF = """LogLevel info
Listen 127.0.0.1:{port}
Browsing No
WebInterface No
DefaultAuthType None
PreserveJobHistory Yes
PreserveJobFiles No
MaxJobs 0
<Location />
  Order allow,deny
  Allow 127.0.0.1
</Location>
<Location /admin>
  Order allow,deny
  Allow 127.0.0.1
</Location>
<Policy default>
  JobPrivateAccess all
  JobPrivateValues none
  SubscriptionPrivateAccess all
  SubscriptionPrivateValues none
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""

_FILES_CONF = """ServerRoot {root}
RequestRoot {root}/spool
CacheDir {root}/cache
StateDir {root}/state
TempDir {root}/tmp
AccessLog {root}/log/access_log
ErrorLog {root}/log/error_log
PageLog {root}/log/page_log
User lp
Group lp
SystemGroup root
"""


@pytest.fixture(scope="session")
def cups_server() -> Iterator[Cups]:
    """A private CUPS server on a free loopback port with one cups-pdf queue.

    cups-pdf reads its settings from /etc/cups/cups-pdf-<queue>.conf (a compiled-in folder), so
    the queue's name is unique to this run and its file is removed afterwards. CUPS runs its
    backends as root only when it runs as root: the tests need a root CI (as ours is)."""
    cupsd = shutil.which("cupsd") or "/usr/sbin/cupsd"
    if not Path(cupsd).exists() or not PPD.exists():
        pytest.fail("cupsd or cups-pdf missing: run scripts/install-system-packages.sh (make setup)")
    if os.geteuid() != 0:
        pytest.skip("a private CUPS server with cups-pdf needs root (its backend runs as root)")
    # Not under pytest's temporary folder: CUPS runs filters as the `lp` user, who must reach this
    # folder, and pytest's is private to root.
    root = Path(tempfile.mkdtemp(prefix="packetgen-cups-"))
    root.chmod(0o755)
    lp = grp.getgrnam("lp").gr_gid
    for name in ("spool", "cache", "state", "log", "out"):
        (root / name).mkdir()
    (root / "tmp").mkdir(mode=0o1770)
    os.chown(root / "tmp", 0, lp)
    (root / "tmp").chmod(0o1770)
    port = free_port()
    (root / "cupsd.conf").write_text(_CUPSD_CONF.format(port=port))
    (root / "cups-files.conf").write_text(_FILES_CONF.format(root=root))
    queue = f"packetgen-test-{os.getpid()}"
    pdf_conf = Path(f"/etc/cups/cups-pdf-{queue}.conf")
    pdf_conf.write_text(f"Out {root / 'out'}\nAnonDirName {root / 'out'}\nLog {root / 'log'}\nTitlePref 1\n")
    process = subprocess.Popen(
        [cupsd, "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process)
        import cups

        cups.setServer("127.0.0.1")
        cups.setPort(port)
        connection = cups.Connection()
        connection.addPrinter(queue, filename=str(PPD), device=f"cups-pdf:/{queue}")
        connection.enablePrinter(queue)
        connection.acceptJobs(queue)
        yield Cups(f"127.0.0.1:{port}", queue, root / "out")
    finally:
        process.terminate()
        process.wait(timeout=10)
        pdf_conf.unlink(missing_ok=True)
        shutil.rmtree(root, ignore_errors=True)


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"cupsd exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("cupsd did not start listening")
