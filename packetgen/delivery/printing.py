"""Printing on a CUPS queue over IPP (pycups, the bindings to libcups), waiting for the job's end.

Two-sided on the long edge, the layout's paper named to the printer (a queue that defaults to A4
never shrinks a Letter packet), no scaling. The job's name is the caller's (an appointment id at
most): cups-pdf and many print servers name files and logs after it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cups

from ..errors import UsageError

MEDIA = {"letter": "na_letter_8.5x11in", "a4": "iso_a4_210x297mm", "legal": "na_legal_8.5x14in"}
"""The layout's `page.size` as an IPP (PWG 5101.1) media name."""

_PENDING, _HELD, _PROCESSING, _STOPPED, _CANCELED, _ABORTED, _COMPLETED = 3, 4, 5, 6, 7, 8, 9
_PRINTER_STOPPED = 5
_NOT_FOUND = 1030  # IPP client-error-not-found
_PRINTER = ["printer-state", "printer-state-reasons", "printer-state-message", "printer-is-accepting-jobs"]
_JOB = ["job-state", "job-state-reasons", "job-printer-state-message", "job-impressions-completed", "job-printer-uri"]


@dataclass(frozen=True)
class PrintJob:
    """A finished job."""

    queue: str
    job_id: int
    impressions: int | None
    """Pages the print server says it printed (per copy and side), where it says."""
    seconds: float


@dataclass(frozen=True)
class QueueState:
    """A queue as the print server describes it (IPP printer-state and printer-state-message)."""

    queue: str
    state: str
    """`idle`, `printing` or `stopped`."""
    reason: str
    """Why, in the print server's words (empty when there is nothing to say)."""
    accepting: bool


_STATES = {3: "idle", 4: "printing", 5: "stopped"}


class PrintServer:
    """A connection to one CUPS server (libcups keeps the server name per process)."""

    def __init__(self, server: str | None = None) -> None:
        if server:
            host, _, port = server.rpartition(":") if _has_port(server) else (server, "", "")
            cups.setServer(host)
            if port:
                cups.setPort(int(port))
        self.name = cups.getServer()
        self.encrypted = encryption_required(self.name)
        policy = cups.HTTP_ENCRYPT_REQUIRED if self.encrypted else cups.HTTP_ENCRYPT_IF_REQUESTED
        try:
            self._connection = cups.Connection(encryption=policy)
        except RuntimeError:
            over = " over TLS (required for a print server on another machine)" if self.encrypted else ""
            raise UsageError(f"cannot reach the print server {self.name}{over}: is CUPS running there?") from None

    def queues(self) -> list[str]:
        """The server's queues, by name."""
        return sorted(str(name) for name in self._connection.getPrinters())

    def states(self) -> list[QueueState]:
        """Every queue with its state, by name."""
        found = []
        for name, attributes in sorted(self._connection.getPrinters().items()):
            state = _STATES.get(int(attributes.get("printer-state", 3)), "unknown")
            reason = _printer_reason(attributes)
            quiet = state == "idle" and reason == "no reason given"
            found.append(QueueState(str(name), state, "" if quiet else reason,
                                    bool(attributes.get("printer-is-accepting-jobs", True))))  # fmt: skip
        return found

    def queue(self, wanted: str | None) -> str:
        """The queue to print on, `wanted` or else the server's default, checked to exist and to be
        taking jobs (before a packet is made for it); UsageError if not."""
        queue = wanted or self._connection.getDefault()
        if not queue:
            raise UsageError(
                f"no printer: give --printer QUEUE or set PACKETGEN_PRINTER (the print server {self.name} "
                "has no default queue)"
            )
        self._ready(str(queue))
        return str(queue)

    def print_file(
        self,
        path: Path,
        queue: str,
        job_name: str,
        media: str,
        copies: int = 1,
        timeout: float = 120.0,
        submitted: Callable[[int], None] | None = None,
    ) -> PrintJob:
        """Submit `path` and wait until the job is done (`submitted` hears its job id meanwhile);
        UsageError (one line) when it cannot be."""
        self._ready(queue)
        options = {
            "media": media,
            "sides": "two-sided-long-edge",
            "print-scaling": "none",
            "copies": str(copies),
        }
        started = time.monotonic()
        try:
            job_id = int(self._connection.printFile(queue, str(path), job_name, options))
        except cups.IPPError as exc:
            raise UsageError(f"printer {queue}: the print server refused the job ({_ipp_reason(exc)})") from None
        if submitted is not None:
            submitted(job_id)
        return self._wait(queue, job_id, started, timeout)

    def _ready(self, queue: str) -> None:
        try:
            attributes = self._connection.getPrinterAttributes(queue, requested_attributes=_PRINTER)
        except cups.IPPError as exc:
            if exc.args and exc.args[0] == _NOT_FOUND:
                known = ", ".join(sorted(self._connection.getPrinters())) or "none"
                raise UsageError(f"printer {queue}: no such queue on {self.name} (queues: {known})") from None
            raise UsageError(f"printer {queue}: {_ipp_reason(exc)}") from None
        if attributes.get("printer-state") == _PRINTER_STOPPED:
            raise UsageError(f"printer {queue} is stopped ({_printer_reason(attributes)}); nothing was printed")
        if not attributes.get("printer-is-accepting-jobs", True):
            raise UsageError(f"printer {queue} is not accepting jobs ({_printer_reason(attributes)})")

    def _wait(self, queue: str, job_id: int, started: float, timeout: float) -> PrintJob:
        pause = 0.02
        while True:
            job = self._connection.getJobAttributes(job_id, requested_attributes=_JOB)
            state = job.get("job-state")
            if state == _COMPLETED:
                impressions = job.get("job-impressions-completed")
                return PrintJob(queue, job_id, impressions, time.monotonic() - started)
            if state in (_CANCELED, _ABORTED):
                word = "cancelled" if state == _CANCELED else "aborted"
                raise UsageError(f"printer {queue}: job {job_id} was {word} ({_job_reason(job)}); it did not print")
            printer = self._connection.getPrinterAttributes(queue, requested_attributes=_PRINTER)
            if state == _STOPPED or printer.get("printer-state") == _PRINTER_STOPPED:
                self._cancel(job_id)
                raise UsageError(
                    f"printer {queue} stopped during job {job_id} ({_printer_reason(printer)}); the job was "
                    "cancelled so that it cannot print later unnoticed"
                )
            if time.monotonic() - started > timeout:
                raise UsageError(
                    f"printer {queue}: job {job_id} did not finish within {timeout:g} s ({_job_reason(job)}); "
                    "it is still in the queue"
                )
            time.sleep(pause)
            pause = min(pause * 1.5, 0.5)

    def cancel_job(self, job_id: int) -> None:
        """Cancel a job not yet printed (IPP Cancel-Job); UsageError (one line) when the print server
        refuses (a job already printed, or unknown)."""
        try:
            self._connection.cancelJob(job_id, purge_job=False)
        except cups.IPPError as exc:
            raise UsageError(f"job {job_id} could not be cancelled ({_ipp_reason(exc)})") from None

    def _cancel(self, job_id: int) -> None:
        with contextlib.suppress(cups.IPPError):
            self._connection.cancelJob(job_id, purge_job=False)


def encryption_required(server: str) -> bool:
    """Whether IPP to `server` must be encrypted: toward any print server that is not this machine (a
    packet crossing the network is a patient's record), not toward a local socket or loopback."""
    bare = server.count(":") > 1 and not server.startswith("[")  # an IPv6 address without a port
    host = server if bare or not _has_port(server) else server.rpartition(":")[0]
    host = host.strip("[]")
    if host.startswith("/") or host.lower() in ("localhost", "localhost.localdomain", ""):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: another machine, whatever it resolves to today
        return True


def _has_port(server: str) -> bool:
    return not server.startswith("/") and server.rpartition(":")[2].isdigit()


def _ipp_reason(exc: Any) -> str:
    args: tuple[Any, ...] = getattr(exc, "args", ())
    return str(args[1]) if len(args) > 1 else str(exc)


def _printer_reason(attributes: dict[str, Any]) -> str:
    return _reason(attributes, "printer-state-message", "printer-state-reasons")


def _job_reason(job: dict[str, Any]) -> str:
    return _reason(job, "job-printer-state-message", "job-state-reasons")


def _reason(attributes: dict[str, Any], message_key: str, reasons_key: str) -> str:
    """What the print server says about a printer or a job: its message, then its reasons (one
    keyword or several; `none` left out)."""
    reasons = attributes.get(reasons_key, [])
    reasons = [reasons] if isinstance(reasons, str) else reasons
    named = ", ".join(r for r in reasons if r != "none")
    return "; ".join(part for part in (attributes.get(message_key) or "", named) if part) or "no reason given"
