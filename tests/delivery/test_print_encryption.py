"""IPP is encrypted toward any print server that is not this machine (issue 26, item 10): the policy
for each way a server is named, and a real CUPS server answers a connection that requires it (cupsd
upgrades it with the certificate it makes itself)."""

from __future__ import annotations

import cups
import pytest

from packetgen.delivery.printing import PrintServer, encryption_required
from tests.helpers.servers import Cups


@pytest.mark.parametrize(
    ("server", "required"),
    [
        ("/run/cups/cups.sock", False),
        ("localhost", False),
        ("localhost:631", False),
        ("127.0.0.1:631", False),
        ("127.0.0.2", False),
        ("[::1]:631", False),
        ("::1", False),
        ("printers.example.org", True),
        ("printers.example.org:631", True),
        ("10.1.2.3:631", True),
        ("[2001:db8::7]:631", True),
        ("2001:db8::7", True),
        ("localhost.evil.example", True),
    ],
)
def test_encryption_is_required_toward_every_other_machine(server: str, required: bool) -> None:
    assert encryption_required(server) is required


@pytest.mark.servers
def test_a_real_print_server_answers_over_tls(cups_server: Cups) -> None:
    """The private CUPS server listens on loopback: this asks libcups for TLS as `PrintServer` does for
    another machine, and the server still lists its queue."""
    cups.setServer(cups_server.server.rpartition(":")[0])
    cups.setPort(int(cups_server.server.rpartition(":")[2]))
    connection = cups.Connection(encryption=cups.HTTP_ENCRYPT_REQUIRED)
    assert cups_server.queue in connection.getPrinters()
    server = PrintServer(cups_server.server)
    assert server.encrypted is False  # loopback: not required, though available
