"""An upload makes its packets off the event loop (issue 26, item 6): while a 120-row upload is
being read and its packets made, the same app answers other requests (150 rows froze the whole
instance, `/healthz` too, for 5.3 s). A reprint too: while one is being made, `/healthz` answers."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
import pytest

from packetgen.web.routes import entries
from tests.helpers.batchdata import HEADER, row
from tests.helpers.web import SCHEDULE, App, act, entry_ids, upload


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


def test_the_app_answers_while_a_slow_reprint_is_being_made(
    start_app: Callable[..., App], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In this process every client's requests run on the app's one event loop: a reprint held while its
    packet is made (as a slow one would be) must leave that loop free for `/healthz`."""
    app = start_app()
    scheduler, scheduler_token = app.signed_in("scheduler")
    assert upload(scheduler, scheduler_token).status_code == 200
    clinician, token = app.signed_in("clinician")
    entry = entry_ids(clinician.get(SCHEDULE).text)["Nguyễn, Thị Ánh"]
    making, release, made = threading.Event(), threading.Event(), threading.Event()
    make = entries.packet_from

    def slow(*args: object, **kwargs: object) -> object:
        making.set()
        release.wait(10)  # held until /healthz has answered (on the event loop, it could not)
        try:
            return make(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            made.set()

    monkeypatch.setattr(entries, "packet_from", slow)
    finished: list[httpx.Response] = []
    form = {"csrf_token": token, "layout": "large-print"}
    reprinting = threading.Thread(target=lambda: finished.append(act(clinician, f"/entries/{entry}/reprint", form)))
    reprinting.start()
    try:
        assert making.wait(30), "the reprint did not start making its packet"
        health = app.client().get("/healthz")
        still_making = not made.is_set()
    finally:
        release.set()
        reprinting.join(timeout=60)
    assert (health.status_code, health.text) == (200, "ok")
    assert still_making  # answered while the reprint waited, not after it
    assert "Made again in large-print" in finished[0].text
