"""`chart` and `chart send [--all]`: filed consents sent to the EHR's chart (`chart.mllp`: HL7 MDM over
MLLP; `chart.fhir_url`: a FHIR DocumentReference).

`chart` lists the chart's outbox (what is not yet sent; `--all`: the sent too). `chart send` queues
each appointment's latest filed consent that is not yet queued (once per route: the same filed PDF is
never sent twice), then sends what is due: one line per consent and route, exit 0 when every one was
sent, 1 otherwise. `--all` also sends again what the chart refused (an ACK AE or AR, an HTTP 4xx) and
what waits for its back-off after an attempt no one answered."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from . import EXIT_OK, EXIT_SOME_FAILED

if TYPE_CHECKING:
    from ..settings import Settings


def chart_command(args: argparse.Namespace, settings: Settings) -> int:
    from ..delivery import chart, chart_outbox, outbox
    from ..delivery.audit import operating_system_user
    from ..errors import UsageError
    from ..store import open_store

    if args.action == "send" and not chart.routes(settings.chart):
        raise UsageError("nothing to send to: set chart.mllp or chart.fhir_url in the settings")
    store = open_store(settings)
    try:
        if args.action == "send":
            outcomes = chart.send_due(store, settings, operating_system_user(), everything=args.all)
            for outcome in outcomes:
                print(outcome.line(), flush=True)
            if not outcomes:
                print("chart: nothing to send")
            return EXIT_OK if all(o.state == outbox.SENT for o in outcomes) else EXIT_SOME_FAILED
        with store.reading() as session:
            rows = [
                f"{r.id}  {r.appointment_id}  {chart.ROUTE_NAMES.get(r.destination, r.destination)}  {r.state}  "
                f"tries {r.attempts}" + (f"  {r.last_error}" if r.last_error else "")
                for r in chart_outbox.listing(session, include_sent=args.all)
            ]
    finally:
        store.close()
    for line in rows:
        print(line)
    if not rows:
        print("chart: nothing waiting" if not args.all else "chart: empty")
    return EXIT_OK
