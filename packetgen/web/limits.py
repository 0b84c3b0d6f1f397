"""Request bodies limited while they are read, before any route, sign-in check or form parser sees
them (issue 26): a file upload or an API record at most `web.max_upload_bytes` (plus room for the
multipart envelope), a signing step's strokes at most `SIGNING_BYTES`, any other form at most
`FORM_BYTES`. A body declared larger is refused at once (413, nothing read); one that grows past its
limit as it arrives (chunked, or a lying Content-Length) is cut off there. Without this, a 100 MB
upload was spooled to disk before the redirect to sign-in, and 60 form fields of 1 MB each were held
in memory."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

FORM_BYTES = 64 * 1024
"""Sign-in, print, email, admin forms: a few short fields each."""
SIGNING_BYTES = 1024 * 1024
"""A signing step's form (`/signing/…`): the strokes of a signature or of a page's initials boxes."""
ENVELOPE_BYTES = 64 * 1024
"""Room for the multipart envelope around an uploaded file (boundaries, headers, the CSRF field)."""


class BodyLimits:
    """ASGI middleware: each request's body limited by its path (see the module's docstring)."""

    def __init__(self, app: ASGIApp, upload_bytes: int) -> None:
        self.app = app
        self.upload_bytes = upload_bytes

    def limit(self, path: str) -> int:
        """The upload's limit for the paths that take a file or a record, FORM_BYTES for every other."""
        large = path in ("/upload", "/scans") or path.startswith("/api/")
        if path.startswith("/signing/"):
            return SIGNING_BYTES
        return self.upload_bytes + ENVELOPE_BYTES if large else FORM_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope["path"])
        declared = next((value for name, value in scope["headers"] if name == b"content-length"), None)
        if declared is not None and (not declared.strip().isdigit() or int(declared) > limit):
            await _refuse(send, scope)
            return
        received, refused, started = 0, False, False

        async def counted() -> Message:
            """The body as it arrives. Past the limit the 413 is sent here, and the app is told the client
            left (a route reading its form gives up; whatever it answers then is dropped)."""
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await _refuse(send, scope)
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if not refused:
                started = started or message["type"] == "http.response.start"
                await send(message)

        await self.app(scope, counted, guarded)


async def _refuse(send: Send, scope: Scope) -> None:
    """413 in our words (the API's as JSON), the connection closed: the rest of the body is not read."""
    api = scope["path"].startswith("/api/")
    body = b'{"detail": "too large"}' if api else b"The request is too large."
    kind = b"application/json" if api else b"text/plain; charset=utf-8"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
