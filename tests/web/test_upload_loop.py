"""An upload makes its packets off the event loop (issue 26, item 6): while a 120-row upload is
being read and its packets made, the same app answers other requests (150 rows froze the whole
instance, `/healthz` too, for 5.3 s)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
import pytest

from tests.helpers.batchdata import HEADER, row
from tests.helpers.web import App, upload


@pytest.mark.process
def test_the_app_answers_while_an_upload_is_being_made(start_app: Callable[..., App]) -> None:
    app = start_app(process=True)  # one server, one event loop: in process, each client has a loop of its own
    client, token = app.signed_in("scheduler")
    rows = [row(f"LOOP-{n:04d}", start=f"2026-12-08T{7 + n // 60:02d}:{n % 60:02d}") for n in range(120)]
    finished: list[httpx.Response] = []
    uploading = threading.Thread(
        target=lambda: finished.append(upload(client, token, "\n".join([HEADER, *rows]) + "\n", "day.csv"))
    )
    uploading.start()
    try:
        while not any(app.out_dir.glob("LOOP-*.pdf")):  # its packets are being made now
            assert uploading.is_alive(), "the upload ended before its first packet was seen"
            threading.Event().wait(0.01)
        health = app.client().get("/healthz")
        made_by_then = len(list(app.out_dir.glob("LOOP-*.pdf")))
    finally:
        uploading.join(timeout=300)
    assert (health.status_code, health.text) == (200, "ok")
    assert made_by_then < 120  # answered while packets were being made, not queued behind the upload
    assert finished[0].status_code == 200
    assert len(list(app.out_dir.glob("LOOP-*.pdf"))) == 120  # and every record was read and made
