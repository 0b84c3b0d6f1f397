"""The web app and HTTP API (`generate.py serve`): a door on the same library API as the CLI.

- `app.create_app(settings)`: the ASGI app (FastAPI), security headers on every response, error
  pages that repeat nothing;
- `routes/`: one router per area (`api.py`, `api_docs.py`, `sign_in.py`, `schedule.py`,
  `entries.py`, `print_runs.py`, `admin.py`); each route declares who may use it;
- `dependencies.py`: what routes declare they need (FastAPI dependencies): the context, the
  signed-in user, who may use the route (`PUBLIC`, `API_TOKEN`, `SIGNED_IN`, `require(permission)`),
  the form's CSRF token checked, a reading database session;
- `pages.py`: what every page shares: the Jinja2 templates, `render`, the error page, cookies;
- `accounts.py`: roles and permissions, users (Argon2id), API tokens, database sessions with CSRF
  tokens, sign-in limits;
- `access.py`: the access audit as routes record it (one line each: who, from where, the request's id);
- `schedule.py`: uploads read by the batch intake into schedule entries, their print/email state;
- `print_runs.py`: the day's print run made in the background; `renderer.py`: the API's packets in
  worker processes; `watch.py`: the watched folder; `context.py`: what every request shares.

State lives only in the database and the output folder, so several instances can serve one site.
"""
