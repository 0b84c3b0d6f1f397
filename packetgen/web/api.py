"""The HTTP API: `GET /healthz`, `POST /api/v1/packets` (bearer tokens)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from ..errors import PacketError
from .accounts import token_is_valid
from .context import Context
from .renderer import Renderer

router = APIRouter()


@router.get("/healthz", response_class=PlainTextResponse, summary="Liveness: `ok`, no session needed")
def healthz() -> str:
    return "ok"


@router.post(
    "/api/v1/packets",
    summary="Make one packet",
    description=(
        "The body is one appointment record as JSON (the fields of the contract's appointment record). "
        "Returns the PDF, byte for byte what `generate.py packet` writes for it. A bad record is 422 with "
        '`{"errors": [{"field": …, "message": …}]}` in the command line\'s words (values are never echoed); '
        "a missing or wrong bearer token is 401."
    ),
    responses={
        200: {"content": {"application/pdf": {}}, "description": "the packet"},
        401: {"description": "no or a wrong token"},
        422: {"description": "the record's errors"},
    },
)
async def create_packet(request: Request) -> Response:
    context: Context = request.app.state.context
    if not _authorised(context, request.headers.get("authorization", "")):
        return JSONResponse({"detail": "a valid bearer token is required"}, 401, {"WWW-Authenticate": "Bearer"})
    raw = await request.body()
    if len(raw) > context.settings.web.max_upload_bytes:
        return JSONResponse({"errors": [{"field": "", "message": "the record is too large"}]}, 413)
    renderer: Renderer = request.app.state.renderer
    made = await renderer.draw(raw)
    if not made.pdf:
        errors = [_error(e) for e in made.errors] + [{"field": "", "message": line} for line in made.lines]
        return JSONResponse({"errors": errors}, 422)
    inline = {"Content-Disposition": 'inline; filename="packet.pdf"'}
    return Response(made.pdf, media_type="application/pdf", headers=inline)


def _authorised(context: Context, header: str) -> bool:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    with context.store.reading() as session:
        return token_is_valid(session, token.strip())


def _error(error: PacketError) -> dict[str, Any]:
    line = error.pos.line if error.pos is not None else None
    return {"field": error.field, "message": error.message, **({"line": line} if line else {})}
