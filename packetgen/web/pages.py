"""What every page shares: the templates, `render`, the error page, the cookies, the print queues.

Pages are rendered on the server (Jinja2, autoescaped), with no script but the print run's
progress. URLs name schedule entries by number, never by patient or appointment id, and page titles
never name a patient.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..delivery.printing import PrintServer
from ..errors import UsageError
from .context import Context

HERE = Path(__file__).parent
SESSION_COOKIE, SIGN_IN_COOKIE = "packetgen_session", "packetgen_signin"
_TEMPLATES = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))
_TEMPLATES.globals["once_token"] = lambda: secrets.token_urlsafe(24)
"""A fresh one-time token for an action form (`actions`): `<input type="hidden" name="once" value="{{ once_token() }}">`
in the form."""
_ERRORS = {
    400: "The request could not be read.",
    401: "Please sign in.",
    403: "Your role does not allow this.",
    404: "Not found.",
    422: "The form could not be read: a field was too long or not what it expects. Go back and try again.",
    413: "The request is too large: a file over the site's upload limit, or a form far longer than any of ours.",
}


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    page = _TEMPLATES.get_template(template).render(request=request, **values)
    response = HTMLResponse(page, status)
    from .actions import forget_secrets  # a page left behind forgets its passphrase (`actions`)

    forget_secrets(request, response, values.get("user"), keep=bool(values.get("passphrase")))
    return response


def error_page(request: Request, status: int) -> str:
    """An error page says what kind of error, never what was asked for."""
    message = _ERRORS.get(status, "Something went wrong. Please try again, or call the help desk.")
    return _TEMPLATES.get_template("error.html").render(request=request, status=status, message=message, user=None)


def cookie_name(request: Request, name: str) -> str:
    """A cookie's name for this request: over HTTPS with the `__Host-` prefix (a browser then keeps it
    only if it is Secure, for Path=/ and without a Domain: no other host, nor plain HTTP, can set or
    shadow it); over plain HTTP (loopback, in development) the name as it is."""
    return f"__Host-{name}" if request.url.scheme == "https" else name


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    secure = request.url.scheme == "https"
    response.set_cookie(cookie_name(request, name), value, httponly=True, samesite="strict", secure=secure, path="/")


def delete_cookie(request: Request, response: Response, name: str) -> None:
    secure = request.url.scheme == "https"
    response.delete_cookie(cookie_name(request, name), path="/", secure=secure, httponly=True, samesite="strict")


def print_queues(context: Context) -> list[str]:
    """The print server's queues, for the print forms (none when it cannot be reached)."""
    try:
        return PrintServer(context.settings.cups_server).queues()
    except UsageError:
        return []
