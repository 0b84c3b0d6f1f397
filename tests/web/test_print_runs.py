"""The day's print run in the background: its progress page, printing on the test CUPS queue,
downloading once, and runs that stopped."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pypdf import PdfReader

from packetgen.settings import Settings
from packetgen.store import open_store
from packetgen.store.tables import PrintRun
from tests.helpers.servers import Cups
from tests.helpers.web import SCHEDULE, App, act, follow, upload


def test_the_days_print_run_printed_with_its_progress(start_app: Callable[..., App], cups_server: Cups) -> None:
    app = start_app(**cups_server.environ(PACKETGEN_PRINTER=cups_server.queue))
    client, token = app.signed_in("scheduler")
    upload(client, token)
    page, seen = follow(
        client,
        act(client, "/print-run", then=False, data={"day": "2026-12-07", "csrf_token": token, "which": "unprinted"}),
    )
    merged = [s["merged"] for s in seen]
    assert merged == sorted(merged)  # progress only goes forward
    assert seen[-1]["state"] == "printed"
    assert (seen[-1]["merged"], seen[-1]["total"]) == (2, 2)
    done = client.get(page)
    assert done.status_code == 200
    job = re.search(r"Printed 2 packets on \S+ \(job (\d+)\)\.", done.text)
    assert job, done.text
    assert 'http-equiv="refresh"' not in done.text  # finished: the page stops asking
    printed_pages = len(PdfReader(cups_server.printed(int(job.group(1)))).pages)
    packets = sum(len(PdfReader(app.out_dir / f"W-{n}.pdf").pages) for n in (1, 2))
    assert printed_pages >= packets
    schedule = client.get(SCHEDULE).text
    assert schedule.count('<span class="state">printed</span>') == 2
    again = act(client, "/print-run", {"day": "2026-12-07", "csrf_token": token, "which": "unprinted"})
    assert again.status_code == 422
    assert "Nothing to print" in again.text
    assert not list(app.out_dir.glob("print-run-*.pdf"))  # nothing left behind


def test_a_run_to_download_is_sent_once_then_gone(start_app: Callable[..., App]) -> None:
    app = start_app()
    client, token = app.signed_in("clinician")
    scheduler, scheduler_token = app.signed_in("scheduler")
    upload(scheduler, scheduler_token)
    page, seen = follow(
        client,
        act(client, "/print-run", then=False, data={"day": "2026-12-07", "csrf_token": token, "action": "download"}),
    )
    assert seen[-1]["state"] == "ready"
    shown = client.get(page)
    assert f'href="{page}/print-run.pdf"' in shown.text
    assert len(list(app.out_dir.glob("print-run-*.pdf"))) == 1  # kept until downloaded
    download = client.get(f"{page}/print-run.pdf")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == 'attachment; filename="print-run.pdf"'
    assert download.headers["cache-control"] == "no-store"
    reader = PdfReader(io.BytesIO(download.content))
    packets = [len(PdfReader(app.out_dir / f"W-{n}.pdf").pages) for n in (1, 2)]
    assert len(reader.pages) == packets[0] + packets[0] % 2 + packets[1]  # the second packet on a front page
    assert [item.title for item in reader.outline] == ["2026-12-07 07:30 W-1", "2026-12-07 09:15 W-2"]
    assert not list(app.out_dir.glob("print-run-*.pdf"))
    assert client.get(f"{page}/print-run.pdf").status_code == 404
    assert "Downloaded." in client.get(page).text


def test_an_unknown_queue_is_said_before_anything_is_made(start_app: Callable[..., App], cups_server: Cups) -> None:
    app = start_app(**cups_server.environ())
    client, token = app.signed_in("scheduler")
    upload(client, token)
    refused = act(client, "/print-run", {"day": "2026-12-07", "csrf_token": token, "queue": "no-such-queue"})
    assert refused.status_code == 502
    assert "Not printed: printer no-such-queue: no such queue" in refused.text
    assert not list(app.out_dir.glob("print-run-*.pdf"))


def test_runs_cut_off_or_never_downloaded_say_so(start_app: Callable[..., App]) -> None:
    app = start_app()
    client, token = app.signed_in("scheduler")
    upload(client, token)
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    forgotten = app.out_dir / "print-run-0000000000000000.pdf"
    forgotten.write_bytes(b"%PDF-1.7 patient data")
    store = open_store(Settings(database_url=app.database_url))
    with store.session() as session:
        cut = PrintRun(started_by="scheduler", started_at=long_ago, updated_at=long_ago, action="print",
                       queue="q", total=40, merged=12, state="merging")  # fmt: skip
        ready = PrintRun(started_by="scheduler", started_at=long_ago, updated_at=long_ago, action="download",
                         total=2, merged=2, state="ready", file=forgotten.name)  # fmt: skip
        session.add_all([cut, ready])
        session.flush()
        cut_id, ready_id = cut.id, ready.id
    store.close()
    stopped = client.get(f"/print-runs/{cut_id}/status").json()
    assert (stopped["state"], stopped["finished"]) == ("stopped", True)
    assert "stopped before it finished" in client.get(f"/print-runs/{cut_id}").text
    # The next run removes the file nobody downloaded within the hour.
    follow(
        client,
        act(client, "/print-run", then=False, data={"day": "2026-12-07", "csrf_token": token, "action": "download"}),
    )
    assert not forgotten.exists()
    assert client.get(f"/print-runs/{ready_id}/status").json()["state"] == "expired"
    assert client.get("/print-runs/99999").status_code == 404


def test_a_listeners_packet_in_its_own_folder_is_previewed_and_printed(
    start_app: Callable[..., App], tmp_path: Path
) -> None:
    """The MLLP listener may write into another folder than the web app's: its lines say which."""
    from packetgen.cli import main
    from packetgen.store.tables import ScheduleEntry

    app = start_app()
    elsewhere = tmp_path / "listener-out"
    assert main(["packet", "examples/appointments/nguyen.yaml", "--out", str(elsewhere)]) == 0
    packet = elsewhere / "DEMO-0001.pdf"
    store = open_store(Settings(database_url=app.database_url))
    with store.session() as session:
        line = ScheduleEntry(
            appointment_id="DEMO-0001", place="mllp:C1", start="2026-12-07T07:30", patient="Feed, Pat",
            procedure="vertebroplasty", language="en", layout="letter", status="ok", file=packet.name,
            sha256="0" * 64, folder=str(elsewhere), uploaded_at=datetime.now(UTC),
        )  # fmt: skip
        session.add(line)
        session.flush()
        entry = line.id
    store.close()
    client, token = app.signed_in("scheduler")
    assert client.get(f"/entries/{entry}/packet.pdf").content == packet.read_bytes()
    page, seen = follow(
        client,
        act(client, "/print-run", then=False, data={"day": "2026-12-07", "csrf_token": token, "action": "download"}),
    )
    assert seen[-1]["state"] == "ready", seen
    run = PdfReader(io.BytesIO(client.get(f"{page}/print-run.pdf").content))
    assert len(run.pages) == len(PdfReader(packet).pages)


def test_each_packet_of_a_printed_run_is_audited_with_its_hash(
    start_app: Callable[..., App], cups_server: Cups
) -> None:
    """What an auditor reads after a print run from the web: one print line per packet, naming who
    printed it, its appointment and the SHA-256 of the packet file that was merged into the run."""
    import hashlib

    from packetgen.delivery import audit

    app = start_app(**cups_server.environ(PACKETGEN_PRINTER=cups_server.queue))
    client, token = app.signed_in("scheduler")
    upload(client, token)
    _page, seen = follow(
        client,
        act(client, "/print-run", then=False, data={"day": "2026-12-07", "csrf_token": token, "which": "unprinted"}),
    )
    assert seen[-1]["state"] == "printed", seen
    store = open_store(Settings(database_url=app.database_url))
    try:
        with store.reading() as session:
            rows = sorted((e.action, e.appointment_id, e.packet_sha256, e.actor) for e in audit.events(session))
    finally:
        store.close()
    on_disk = {a: hashlib.sha256((app.out_dir / f"{a}.pdf").read_bytes()).hexdigest() for a in ("W-1", "W-2")}
    assert rows == [("print", a, on_disk[a], "web:scheduler") for a in ("W-1", "W-2")]


def test_a_run_older_than_an_hour_is_never_downloaded(start_app: Callable[..., App]) -> None:
    """Issue 26: the hour was applied only when another run started (a run 5 hours old was downloaded)."""
    app = start_app()
    client, _token = app.signed_in("scheduler")
    long_ago = datetime.now(UTC) - timedelta(hours=5)
    forgotten = app.out_dir / "print-run-1111111111111111.pdf"
    forgotten.parent.mkdir(parents=True, exist_ok=True)
    forgotten.write_bytes(b"%PDF-1.7 patient data")
    store = open_store(Settings(database_url=app.database_url))
    with store.session() as session:
        ready = PrintRun(started_by="scheduler", started_at=long_ago, updated_at=long_ago, action="download",
                         total=2, merged=2, state="ready", file=forgotten.name)  # fmt: skip
        session.add(ready)
        session.flush()
        ready_id = ready.id
    store.close()
    assert client.get(f"/print-runs/{ready_id}/status").json()["state"] == "expired"
    assert client.get(f"/print-runs/{ready_id}/print-run.pdf").status_code == 404
    assert not forgotten.exists()


def test_only_who_started_a_run_or_an_admin_downloads_it(start_app: Callable[..., App]) -> None:
    """ASVS 4.2.1 (issue 26): print runs belonged to nobody; another user could take the one-time download."""
    app = start_app()
    client, token = app.signed_in("scheduler")
    upload(client, token)
    page, _seen = follow(
        client,
        act(client, "/print-run", then=False, data={"day": "2026-12-07", "csrf_token": token, "action": "download"}),
    )
    other, _other_token = app.signed_in("clinician")
    assert other.get(f"{page}/print-run.pdf").status_code == 404
    assert len(list(app.out_dir.glob("print-run-*.pdf"))) == 1  # still there for its owner
    assert client.get(f"{page}/print-run.pdf").status_code == 200
    page, _seen = follow(
        client,
        act(client, "/print-run", then=False, data={"day": "2026-12-07", "csrf_token": token, "action": "download"}),
    )
    admin, _admin_token = app.signed_in("admin")
    assert admin.get(f"{page}/print-run.pdf").status_code == 200
