"""The ASGI app: routes, templates, and the headers every response carries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..library import Library, load_library
from ..settings import Settings
from ..store import Store, open_store
from . import api, pages, print_runs
from .context import Context
from .renderer import Renderer
from .watch import Watcher

HERE = Path(__file__).parent
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
)


def create_app(settings: Settings, store: Store | None = None, library: Library | None = None) -> FastAPI:
    """The app for a site: its content loaded once (or `library`), file by file (a broken one makes only
    what it defines unavailable), its database brought up to date."""
    settings.web.out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    library = library or load_library(settings.content_root, strict=False)
    context = Context(settings, store or open_store(settings), library)
    watcher = Watcher(context.store, settings, context.library) if settings.web.watch_dir else None
    renderer = Renderer(context)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        renderer.start()
        if watcher is not None:
            watcher.start()
        yield
        if watcher is not None:
            watcher.stop()
        renderer.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="packetgen",
        summary="Procedure packets: the API for scheduling systems and the web app for schedulers and clinicians",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.context = context
    app.state.renderer = renderer
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(print_runs.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.middleware("http")(_security_headers)
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _internal_error)
    return app


async def _security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    response = await call_next(request)
    opened = getattr(request.state, "new_session", None)  # a reverse proxy's user, signed in just now
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


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """Error pages say what kind of error, never what was asked for (a URL may be pasted with anything)."""
    if exc.status_code in (302, 303) and exc.headers:
        return Response(status_code=exc.status_code, headers=exc.headers)
    if request.url.path.startswith("/api/"):
        return Response(
            f'{{"detail": "{_WORDS.get(exc.status_code, "error")}"}}', exc.status_code, media_type="application/json"
        )
    return HTMLResponse(pages.error_page(request, exc.status_code), exc.status_code)


async def _internal_error(request: Request, exc: Exception) -> Response:
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
