"""The ASGI app: routes, templates, and the headers every response carries."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from .. import logs
from ..library import Library, load_library
from ..settings import Settings
from ..store import Store, open_store
from . import access, pages
from .context import Context
from .dependencies import PublicMount, Refused
from .limits import BodyLimits
from .proxy import Proxies, ProxyHeaders, allowed_hosts
from .renderer import Renderer
from .retention import DailyPurge
from .routes import ROUTERS
from .watch import ScanWatcher, Watcher

HERE = Path(__file__).parent
logger = logging.getLogger(__name__)
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
)


def create_app(
    settings: Settings, store: Store | None = None, library: Library | None = None, start_workers: bool = True
) -> FastAPI:
    """The app for a site: its content loaded once (or `library`), file by file (a broken one makes only
    what it defines unavailable), its database brought up to date. A server starts its packet workers
    with the app (`start_workers`), so the first API request does not wait for them; an app embedded
    in another program (or a test) may start them at its first packet instead."""
    settings.web.out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    library = library or load_library(settings.content_root, strict=False)
    own_store = store is None  # opened here: closed when the app stops
    context = Context(settings, store or open_store(settings), library)
    watcher = Watcher(context.store, settings, context.library) if settings.web.watch_dir else None
    scans = ScanWatcher(context.store, settings, context.library) if settings.scan.watch_dir else None
    renderer = Renderer(context)
    refusals = access.Refusals(settings.web.refusals_audited_per_minute)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if start_workers:
            renderer.start()
        if watcher is not None:
            watcher.start()
        if scans is not None:
            scans.start()
        purger = DailyPurge(context.store, settings)
        purger.start()
        yield
        purger.stop()
        try:  # the refusals counted beyond their minute's allowance
            with context.store.session() as session:
                access.write_repeats(session, refusals.flush())
        except Exception:
            logger.exception("the access audit could not record the refusals counted at shutdown")
        if watcher is not None:
            watcher.stop()
        if scans is not None:
            scans.stop()
        renderer.stop()
        if own_store:
            context.store.close()

    app = FastAPI(
        lifespan=lifespan,
        title="packetgen",
        summary="Procedure packets: the API for scheduling systems and the web app for schedulers and clinicians",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served by routes/api_docs.py, which declares who may read it like every route
    )
    app.state.context = context
    app.state.renderer = renderer
    app.state.refusals = refusals
    for router in ROUTERS:
        app.include_router(router)
    app.router.routes.append(PublicMount("/static", StaticFiles(directory=HERE / "static"), name="static"))
    app.middleware("http")(_logged)  # inside the security headers: a 500 it answers gets them too
    app.middleware("http")(_security_headers)
    app.add_middleware(BodyLimits, upload_bytes=settings.web.max_upload_bytes)  # before any route reads a byte
    # A Host the site does not answer to (DNS rebinding, a forged Host in links it would make): 400.
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(settings.web), www_redirect=False)
    # Outside every other: the peer noted, the client's address taken from a trusted proxy's header.
    app.add_middleware(ProxyHeaders, proxies=Proxies(settings.web.trusted_proxies))
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _unreadable)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _internal_error)
    return app


async def _security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    response = await call_next(request)
    opened = getattr(request.state, "new_session", None)  # a session opened for a reverse proxy's user
    if opened:
        pages.set_cookie(request, response, pages.SESSION_COOKIE, opened)
    pdf = response.headers.get("content-type", "").startswith("application/pdf")
    # The packet preview is framed by our own page; nothing else may frame anything of ours.
    response.headers["Content-Security-Policy"] = _CSP.format(ancestors="'self'" if pdf else "'none'")
    response.headers["X-Frame-Options"] = "SAMEORIGIN" if pdf else "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if not request.url.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"  # pages and PDFs hold patient data
    if request.url.scheme == "https":
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


async def _logged(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Each request gets an id (`X-Request-ID`, and on every line logged while it is answered) and a
    line in the log: method, route (its template, never the path as sent nor its query), status and
    time taken. An internal error is logged with its traceback, and answered with a 500 page here."""
    request_id = secrets.token_hex(8)
    logs.request_id.set(request_id)  # this request's context only: each request runs in a copy
    started = time.perf_counter()
    try:
        response = await call_next(request)
    except Exception:
        logger.exception("internal error: %s %s", request.method, _route(request))
        response = _internal_error_response(request)
    response.headers["X-Request-ID"] = request_id
    milliseconds = (time.perf_counter() - started) * 1000
    logger.info("%s %s %d %.0f ms", request.method, _route(request), response.status_code, milliseconds)
    return response


def _route(request: Request) -> str:
    """The route's template (`/entries/{entry_id}`): a path as sent may hold anything (a pasted URL)."""
    path = getattr(request.scope.get("route"), "path", None)
    if isinstance(path, str):
        return path
    return "/static/{path}" if request.url.path.startswith("/static/") else "(no route)"  # a mount has none


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """Error pages say what kind of error, never what was asked for (a URL may be pasted with anything)."""
    if exc.status_code in (401, 403) or (exc.status_code == 303 and (exc.headers or {}).get("Location") == "/sign-in"):
        await _audit_refusal(request, exc.status_code)
    if exc.status_code in (302, 303) and exc.headers:
        return Response(status_code=exc.status_code, headers=exc.headers)
    if isinstance(exc, Refused):  # our own words (the API's 401), with their headers
        return JSONResponse({"detail": exc.detail}, exc.status_code, exc.headers)
    if request.url.path.startswith("/api/"):
        return Response(
            f'{{"detail": "{_WORDS.get(exc.status_code, "error")}"}}', exc.status_code, media_type="application/json"
        )
    return HTMLResponse(pages.error_page(request, exc.status_code), exc.status_code)


async def _audit_refusal(request: Request, status: int) -> None:
    """A refused request in the access audit (ASVS 7.2.2): no session (a redirect to sign-in), a role
    or a form's token refused, a wrong or expired API token. The refusal stands if its row cannot be
    written (logged)."""
    try:
        await run_in_threadpool(access.refused, request, _route(request), status)
    except Exception:
        logger.exception("the access audit could not record a refusal of %s %s", request.method, _route(request))


async def _unreadable(request: Request, exc: RequestValidationError) -> Response:
    """A form or query FastAPI could not read (a field too long, a number that is not one): which
    fields, in our words; never the values (FastAPI's own 422 printed them back, a password too)."""
    fields = sorted({".".join(str(part) for part in error["loc"][1:]) for error in exc.errors()})
    if request.url.path.startswith("/api/"):
        errors = [{"field": field, "message": "could not be read"} for field in fields]
        return JSONResponse({"errors": errors}, 422)
    return HTMLResponse(pages.error_page(request, 422), 422)


async def _internal_error(request: Request, exc: Exception) -> Response:
    """An error outside the routes (in a middleware): logged here, with its traceback."""
    logger.error("internal error: %s %s", request.method, _route(request), exc_info=exc)
    return _internal_error_response(request)


def _internal_error_response(request: Request) -> Response:
    if request.url.path.startswith("/api/"):
        return Response('{"detail": "internal error"}', 500, media_type="application/json")
    return HTMLResponse(pages.error_page(request, 500), 500)


_WORDS = {
    400: "bad request",
    401: "sign-in required",
    403: "not allowed for your role",
    404: "not found",
    405: "method not allowed",
    413: "too large",
}
