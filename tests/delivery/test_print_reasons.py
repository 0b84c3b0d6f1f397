"""What a print server says about a printer, a job or a refused request, as the one line a user reads in
`packetgen.delivery.printing`'s errors: the message, then the reasons (one keyword or several, `none`
left out), "no reason given" when there is nothing, and an IPP error's message without its code."""

from __future__ import annotations

from typing import Any

import cups
import pytest

from packetgen.delivery.printing import _ipp_reason, _job_reason, _printer_reason, _reason


@pytest.mark.parametrize(
    ("attributes", "reason"),
    [
        ({"message": "Paper jam in tray 2", "reasons": ["media-jam-error", "cover-open"]},
         "Paper jam in tray 2; media-jam-error, cover-open"),
        ({"message": "Paper jam in tray 2", "reasons": ["none"]}, "Paper jam in tray 2"),
        ({"message": "Paper jam in tray 2", "reasons": "none"}, "Paper jam in tray 2"),
        ({"message": "Paper jam in tray 2"}, "Paper jam in tray 2"),
        ({"reasons": ["none", "toner-low-warning", "none"]}, "toner-low-warning"),
        ({"reasons": "media-empty-error"}, "media-empty-error"),
        ({"message": "", "reasons": ["paused"]}, "paused"),
        ({"message": None, "reasons": ["paused"]}, "paused"),
        ({"message": "", "reasons": ["none"]}, "no reason given"),
        ({"message": "", "reasons": []}, "no reason given"),
        ({}, "no reason given"),
    ],
)  # fmt: skip
def test_the_message_then_the_reasons_without_none(attributes: dict[str, Any], reason: str) -> None:
    assert _reason(attributes, "message", "reasons") == reason


def test_a_printers_reason_reads_its_state_message_and_reasons() -> None:
    printer = {
        "printer-state": 5,
        "printer-state-message": "Paper jam in tray 2",
        "printer-state-reasons": ["media-jam-error", "paused"],
        "job-printer-state-message": "not this one",
        "job-state-reasons": ["not-this-one"],
    }
    assert _printer_reason(printer) == "Paper jam in tray 2; media-jam-error, paused"
    assert _printer_reason({"printer-state-reasons": "paused"}) == "paused"


def test_a_jobs_reason_reads_the_printers_message_for_it_and_the_jobs_reasons() -> None:
    job = {
        "job-state": 8,
        "job-printer-state-message": "Filter failed",
        "job-state-reasons": ["job-aborted-by-system", "none"],
        "printer-state-message": "not this one",
        "printer-state-reasons": ["not-this-one"],
    }
    assert _job_reason(job) == "Filter failed; job-aborted-by-system"
    assert _job_reason({"job-state-reasons": "job-canceled-by-user"}) == "job-canceled-by-user"
    assert _job_reason({"job-state": 7}) == "no reason given"


class Bare:
    """Something raised without `args` (the error of another print library, say): read as text."""

    def __str__(self) -> str:
        return "server-error-busy"


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (cups.IPPError(1030, "The printer or class does not exist."), "The printer or class does not exist."),
        (cups.IPPError(1280, "Forbidden"), "Forbidden"),
        (cups.IPPError(1030, 404), "404"),
        (cups.IPPError("client-error-not-found"), "client-error-not-found"),
        (RuntimeError("failed to connect to server"), "failed to connect to server"),
        (Bare(), "server-error-busy"),
    ],
)
def test_an_ipp_error_is_its_message_without_its_code(error: Any, reason: str) -> None:
    assert _ipp_reason(error) == reason
