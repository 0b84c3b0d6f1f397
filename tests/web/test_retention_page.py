"""A schedule line whose packet the retention purge removed (issue 26, item 9): the patient page says
so, offers no print, email or preview of a packet that is gone, and "Make again" still makes it."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable

from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.retention import purge_site
from tests.helpers.web import App, act, entry_ids, upload


def test_a_purged_packet_is_gone_from_the_page_and_can_be_made_again(start_app: Callable[..., App]) -> None:
    app = start_app()
    scheduler, token = app.signed_in("scheduler")
    entry = entry_ids(upload(scheduler, token).text)["Nguyễn, Thị Ánh"]
    packet = app.out_dir / "W-1.pdf"
    assert f'/entries/{entry}/packet.pdf"' in scheduler.get(f"/entries/{entry}").text
    twenty_days_ago = time.time() - 20 * 86400
    os.utime(packet, (twenty_days_ago, twenty_days_ago))
    settings = Settings(database_url=app.database_url, web={"out_dir": app.out_dir})
    store = open_store(settings)
    purged = purge_site(store, settings)
    store.close()
    assert purged.packets >= 1
    assert not packet.exists()
    client, token = app.signed_in("clinician")
    page = client.get(f"/entries/{entry}").text
    assert "This packet was removed when the site's retention period passed." in page
    assert "packet.pdf" not in page
    assert f"/entries/{entry}/print" not in page
    assert f"/entries/{entry}/email" not in page
    assert client.get(f"/entries/{entry}/packet.pdf").status_code == 404
    shown = act(client, f"/entries/{entry}/reprint", {"csrf_token": token, "layout": "letter"})
    assert shown.status_code == 200
    found = re.search(r'<iframe class="preview" src="(/entries/\d+/again/[A-Za-z0-9_-]+\.pdf)"', shown.text)
    assert found, shown.text  # shown inside its patient's page
    again = client.get(found.group(1))
    assert again.headers["content-type"] == "application/pdf"


def test_serve_purges_what_retention_has_passed_at_start_up(start_app: Callable[..., App]) -> None:
    app = start_app()
    scheduler, token = app.signed_in("scheduler")
    upload(scheduler, token)
    packet = app.out_dir / "W-1.pdf"
    twenty_days_ago = time.time() - 20 * 86400
    os.utime(packet, (twenty_days_ago, twenty_days_ago))
    logged: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: logged.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("packetgen.web.retention")  # its own handler: the site's logging may not propagate
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)  # (setLevel, not the attribute: the logger caches what it is enabled for)
    try:
        start_app(site=(app.database_url, app.out_dir, app.token))  # the site's next start (a restart, an instance)
        deadline = time.monotonic() + 20
        while (packet.exists() or not logged) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert not packet.exists()
    assert (app.out_dir / "W-2.pdf").exists()  # made today: kept
    assert any(line.startswith("purge: removed") and "1 packets" in line for line in logged), logged
