"""The web app and HTTP API (`generate.py serve`): a door on the same library API as the CLI.

- `app.create_app(settings)`: the ASGI app (FastAPI), security headers on every response;
- `api.py`: `GET /healthz`, `POST /api/v1/packets` (bearer tokens), OpenAPI docs at `/api/docs`;
- `pages.py`: sign-in, the schedule, one patient, printing and email, admin (server-rendered
  Jinja2 templates, no JavaScript);
- `accounts.py`: users (Argon2id), API tokens, database sessions with CSRF tokens, sign-in limits;
- `schedule.py`: uploads read by the batch intake into schedule entries, their print/email state.

State lives only in the database and the output folder, so several instances can serve one site.
"""
