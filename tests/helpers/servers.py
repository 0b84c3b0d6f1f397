"""Real servers for tests and benchmarks, on loopback: a test certificate authority for TLS, and a
private CUPS server (Debian's cupsd with its own configuration) whose cups-pdf queue writes what it
prints into a folder the caller reads."""

from __future__ import annotations

import datetime as dt
import grp
import ipaddress
import os
import shutil
import socket
import socketserver
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class MissingServer(RuntimeError):
    """The set-up did not install the server."""


class NotRoot(RuntimeError):
    """The server needs root here."""


@contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[None]:
    """`server` answering on a thread of its own for the block, then shut down and closed. The serving
    loop looks for the shutdown every 20 ms (`serve_forever`'s default, 0.5 s, would be each test's wait)."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_authority(common_name: str, days: int = 30) -> tuple[Any, x509.Certificate]:
    """A self-signed test certificate authority (P-256): its key and certificate, valid from yesterday
    for `days` days."""
    now = dt.datetime.now(dt.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def pem_key(key: Any) -> bytes:
    """A private key as unencrypted PKCS#8 PEM."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A test certificate authority and a server certificate for 127.0.0.1 and localhost it signed,
    written into `folder`: (authority, certificate, key) as PEM files."""
    now = dt.datetime.now(dt.UTC)
    ca_key, ca = make_authority("packetgen test CA")
    ca_name = ca.subject
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
    key_file.write_bytes(pem_key(key))
    return ca_file, cert_file, key_file


PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")


@dataclass
class Cups:
    server: str
    queue: str
    out: Path
    """Where cups-pdf writes each printed job, named after the job's title."""

    def environ(self, **extra: str) -> dict[str, str]:
        return {"PACKETGEN_CUPS_SERVER": self.server, **extra}

    def printed(self, job_id: int, timeout: float = 60.0) -> Path:
        """The PDF cups-pdf made of a job (it finishes writing just after the job completes). cups-pdf runs
        Ghostscript on each job: a day's print run on a loaded machine (a mutation run's unmutated pass) took
        more than 20 s."""
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


@contextmanager
def private_cups() -> Iterator[Cups]:
    """A private CUPS server on a free loopback port with one cups-pdf queue.

    cups-pdf reads its settings from /etc/cups/cups-pdf-<queue>.conf (a compiled-in folder), so
    the queue's name is unique to this run and its file is removed afterwards. CUPS runs its
    backends as root only when it runs as root: the tests need a root CI (as ours is)."""
    cupsd = shutil.which("cupsd") or "/usr/sbin/cupsd"
    if not Path(cupsd).exists() or not PPD.exists():
        raise MissingServer("cupsd or cups-pdf missing: run scripts/install-system-packages.sh (make setup)")
    if os.geteuid() != 0:
        raise NotRoot("a private CUPS server with cups-pdf needs root (its backend runs as root)")
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
        wait_for_port(port, process)
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


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    """Until a server `process` started listens on the loopback `port` (AssertionError if it exits)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{process.args!r} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{process.args!r} did not start listening")


@dataclass
class Postgres:
    """A private PostgreSQL server; `database()` makes a fresh, empty database and returns its URL."""

    port: int
    count: int = 0

    def database(self) -> str:
        import psycopg

        self.count += 1
        name = f"packetgen_{os.getpid()}_{self.count}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"


@contextmanager
def private_postgres() -> Iterator[Postgres]:
    """Debian's PostgreSQL (the newest installed), a cluster of its own in a temporary folder, on a
    free loopback port, trusting local connections. Run as the `postgres` user when this is root
    (PostgreSQL refuses to run as root)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise MissingServer("PostgreSQL missing: run scripts/install-system-packages.sh (make setup)")
    bin_dir = found[-1].parent
    root = Path(tempfile.mkdtemp(prefix="packetgen-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        import pwd

        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", free_port()
    subprocess.run(
        [*as_user, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield Postgres(port)
    finally:
        subprocess.run(
            [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(root, ignore_errors=True)
