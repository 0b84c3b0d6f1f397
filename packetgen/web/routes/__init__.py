"""The app's routes, one router per area. Each route declares who may use it (`dependencies.py`:
`PUBLIC`, `API_TOKEN`, `SIGNED_IN`, `require(permission)`), on itself or on its router, and a form
posted in a session declares `CHECKED_FORM`.

- `api.py`: `GET /healthz`, `POST /api/v1/packets` (bearer tokens);
- `api_docs.py`: the API's description, `/api/openapi.json` and `/api/docs`;
- `sign_in.py`: `/sign-in`, `/sign-out`;
- `schedule.py`: the schedule (`/`), uploads;
- `scans.py`: scanned consents uploaded (`/scans`), read and filed as `generate.py scan` does;
- `entries.py`: one patient's line (`/entries/N`): preview, print, email, reprint;
- `signing.py`: a consent signed on a tablet: `POST /entries/N/signing` starts a session, `/signing/TOKEN`
  shows its step (`/dob`, `/step`, `/finish` take them; `/pages/P.png` the page being signed);
- `print_runs.py`: the day's print run, its page, status and download;
- `admin.py`: users, access, printers, content state, the audit;
- `account.py`: one's own password (`/account/password`) and second factor (`/account/totp`);
- `sessions.py`: one's own sessions (`/sessions`), everyone's for admins (`/admin/sessions`), each endable.
"""

from __future__ import annotations

from . import account, admin, api, api_docs, entries, print_runs, scans, schedule, sessions, sign_in, signing

ROUTERS = (api.router, api_docs.router, sign_in.router, schedule.router, scans.router, entries.router,
           signing.router, print_runs.router, admin.router, sessions.router, account.router)  # fmt: skip
"""In the order the app includes them."""
