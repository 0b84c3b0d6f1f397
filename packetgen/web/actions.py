"""Actions done once, then shown (post/redirect/get).

Every action form (print, email, make again, a print run, dismiss, cancel) carries a one-time token,
made when its page is shown (`once_token()` in a template, `pages`). The POST does the work once per
token and stores its result in `form_action`, keyed by the token, then answers 303 to a page (a GET)
that shows it: reloading that page, or pressing Back, never acts again. A second submit of the same
form (a double click, a resubmission) finds the token used, waits for the first to finish, and is
sent to the first's result. Results belong to the session that submitted them (the SHA-256 of its
CSRF token), never to anyone else, and URLs carry only the random token, never patient data.

An email's passphrase stays with its result only while the user stays on that page: the answer that
leads to it sets a cookie (`SECRET_COOKIE`), and the next page shown without that result forgets
every passphrase of the session (`forget_secrets`, called by `pages.render`); an hour after the
email at the latest, it is forgotten anyway.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from ..store.tables import FormAction
from . import accounts
from .context import Context
from .pages import cookie_name, delete_cookie, set_cookie

logger = logging.getLogger(__name__)

TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
KEPT = timedelta(days=1)
"""A result is kept this long (then a reload of its page shows the page without it)."""
SECRET_KEPT = timedelta(hours=1)
"""A passphrase is forgotten this long after its email at the latest, its page left or not."""
WAIT_SECONDS = 300.0
"""A second submit waits at most this long for the first to finish."""
SECRET_COOKIE = "packetgen_secret"  # noqa: S105 (a cookie's name)
"""Set while the session has a passphrase to show (its value says nothing)."""
_FAILED = "Something went wrong. Please try again, or call the help desk."


def owner_of(user: accounts.SignedIn) -> str:
    return hashlib.sha256(user.csrf_token.encode()).hexdigest()


@dataclass
class Outcome:
    """What an action did: shown on the page at `location` (which names the result by its token,
    `?done=TOKEN`, where the page shows it)."""

    location: str
    message: str | None = None
    status: int = 200
    secret: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    """A stored outcome, as the page showing it reads it."""

    token: str
    kind: str
    location: str
    message: str | None
    status: int
    secret: str | None
    detail: dict[str, Any]


def once(
    request: Request, context: Context, user: accounts.SignedIn, token: str, kind: str, work: Callable[[str], Outcome]
) -> Response:
    """Do `work` once for `token` and answer 303 to its result's page; a token already used: 303 to
    the first's result (after waiting for it to finish). 400 for a token that is not one of ours, or
    another session's."""
    if not TOKEN.fullmatch(token):
        raise HTTPException(400)
    owner, moment = owner_of(user), _now()
    try:
        with context.store.session() as session:
            session.execute(delete(FormAction).where(FormAction.created_at < moment - KEPT))
            session.execute(  # a passphrase whose page was never left (a closed browser): not kept on
                update(FormAction)
                .where(FormAction.created_at < moment - SECRET_KEPT, FormAction.secret.is_not(None))
                .values(secret=None)
            )
            session.add(FormAction(token=token, owner=owner, kind=kind, created_at=moment, state="running"))
    except IntegrityError:
        return _again(request, context, owner, token)
    try:
        outcome = work(token)
    except HTTPException:
        with context.store.session() as session:  # not done: the form may be sent again
            session.execute(delete(FormAction).where(FormAction.token == token))
        raise
    except Exception:
        logger.exception("%s: internal error", kind)
        outcome = Outcome("/", _FAILED, 500)
    with context.store.session() as session:
        session.execute(
            update(FormAction)
            .where(FormAction.token == token)
            .values(state="done", location=outcome.location, status=outcome.status, message=outcome.message,
                    secret=outcome.secret, detail=json.dumps(outcome.detail) if outcome.detail else None)
        )  # fmt: skip
    return _to(request, outcome.location, secret=outcome.secret is not None)


def _again(request: Request, context: Context, owner: str, token: str) -> Response:
    """The same form sent again: to the first's result, once it is there."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        with context.store.reading() as session:
            found = session.get(FormAction, token)
            if found is None or found.owner != owner:
                raise HTTPException(400)
            if found.state == "done" and found.location:
                return _to(request, found.location, secret=found.secret is not None)
        if time.monotonic() > deadline:
            raise HTTPException(409)
        time.sleep(0.1)


def _to(request: Request, location: str, secret: bool) -> Response:
    response = RedirectResponse(location, 303)
    response.headers["Cache-Control"] = "no-store"
    if secret:
        set_cookie(request, response, SECRET_COOKIE, "1")
    return response


def result(
    context: Context, user: accounts.SignedIn, token: str | None, kinds: tuple[str, ...], location: str
) -> Result | None:
    """The stored result `token` names, when it is this session's, of one of `kinds` and shown at
    `location` (None otherwise: a stale or foreign token shows the page without it)."""
    if not token or not TOKEN.fullmatch(token):
        return None
    with context.store.reading() as session:
        found = session.get(FormAction, token)
        if found is None or found.owner != owner_of(user) or found.kind not in kinds or found.state != "done":
            return None
        if (found.location or "").split("?")[0] != location:
            return None
        return Result(found.token, found.kind, found.location or "", found.message, found.status or 200,
                      found.secret, json.loads(found.detail) if found.detail else {})  # fmt: skip


def amend(context: Context, token: str, **more: Any) -> None:
    """Add to a stored result's detail (a confirmed plan: the run it started)."""
    with context.store.session() as session:
        found = session.get(FormAction, token)
        if found is not None:
            found.detail = json.dumps({**(json.loads(found.detail) if found.detail else {}), **more})


def forget_secrets(request: Request, response: Response, user: accounts.SignedIn | None, keep: bool) -> None:
    """A page shown without the result that holds a passphrase (`keep` false): every passphrase of
    the session is forgotten (the user left the page that showed it). Only when the session has one
    (its cookie says so), so other pages write nothing."""
    if keep or user is None or not request.cookies.get(cookie_name(request, SECRET_COOKIE)):
        return
    context: Context = request.app.state.context
    with context.store.session() as session:
        session.execute(
            update(FormAction)
            .where(FormAction.owner == owner_of(user), FormAction.secret.is_not(None))
            .values(secret=None)
        )
    delete_cookie(request, response, SECRET_COOKIE)


def _now() -> datetime:
    return datetime.now(UTC)
