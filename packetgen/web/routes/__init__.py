"""The app's routes, one router per area. Each route declares who may use it (`dependencies.py`:
`PUBLIC`, `API_TOKEN`, `SIGNED_IN`, `require(permission)`), on itself or on its router, and a form
posted in a session declares `CHECKED_FORM`.

- `api.py`: `GET /healthz`, `POST /api/v1/packets` (bearer tokens);
- `api_docs.py`: the API's description, `/api/openapi.json` and `/api/docs`;
- `sign_in.py`: `/sign-in`, `/sign-out`;
- `schedule.py`: the schedule (`/`), uploads;
- `entries.py`: one patient's line (`/entries/N`): preview, print, email, reprint;
- `print_runs.py`: the day's print run, its page, status and download;
- `admin.py`: users, access, printers, content state, the audit.
"""

from __future__ import annotations

from . import admin, api, api_docs, entries, print_runs, schedule, sign_in

ROUTERS = (api.router, api_docs.router, sign_in.router, schedule.router, entries.router, print_runs.router,
           admin.router)  # fmt: skip
"""In the order the app includes them."""
