"""The HTTP API: `GET /healthz`, `POST /api/v1/packets` (bearer tokens).

The packet's body is read and validated here, not by FastAPI: our validator gives the command
line's errors (`field: message`, never the value), and the bytes must be those `generate.py packet`
reads. OpenAPI still shows the body's schema: the appointment record's, from its model.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from ...errors import PacketError
from ...models import Appointment
from ...models.types import documented_json_schema
from .. import access
from ..dependencies import API_TOKEN, PUBLIC, Ctx
from ..renderer import Renderer

router = APIRouter()

_RECORD = {
    "required": True,
    "description": "One appointment record, as an appointment file holds it (`examples/appointments/`).",
    "content": {"application/json": {"schema": documented_json_schema(Appointment)}},  # its fields described
}


@router.get(
    "/healthz", response_class=PlainTextResponse, summary="Liveness: `ok`, no session needed", dependencies=[PUBLIC]
)
def healthz() -> str:
    return "ok"


@router.post(
    "/api/v1/packets",
    dependencies=[API_TOKEN],
    summary="Make one packet",
    description=(
        "The body is one appointment record as JSON (the fields of the contract's appointment record). "
        "Returns the PDF, byte for byte what `generate.py packet` writes for it. A bad record is 422 with "
        '`{"errors": [{"field": …, "message": …}]}` in the command line\'s words (values are never echoed); '
        "a missing or wrong bearer token is 401; a body sent as anything but `Content-Type: application/json` "
        "(with `charset=utf-8` or no charset) is 415."
    ),
    openapi_extra={"requestBody": _RECORD},
    responses={
        200: {"content": {"application/pdf": {}}, "description": "the packet"},
        401: {"description": "no or a wrong token"},
        415: {"description": "the body is not declared `Content-Type: application/json`"},
        413: {"description": "the record is larger than the site's upload limit"},
        422: {"description": "the record's errors"},
    },
)
async def create_packet(request: Request, context: Ctx) -> Response:
    if not is_json(request.headers.get("content-type", "")):  # before a byte of the body is read
        return JSONResponse({"errors": [{"field": "", "message": _NOT_JSON}]}, 415)
    raw = await request.body()
    if len(raw) > context.settings.web.max_upload_bytes:
        return JSONResponse({"errors": [{"field": "", "message": "the record is too large"}]}, 413)
    renderer: Renderer = request.app.state.renderer
    made = await renderer.draw(raw)
    if not made.pdf:  # a refused record is in the audit too (its request was counted before it was made)
        await run_in_threadpool(access.record, request, access.API_PACKET, request.state.api_token)
        errors = [_error(e) for e in made.errors] + [{"field": "", "message": line} for line in made.lines]
        return JSONResponse({"errors": errors}, 422)
    await run_in_threadpool(access.record, request, access.API_PACKET, request.state.api_token,
                            appointment_id=made.appointment_id)  # fmt: skip
    inline = {"Content-Disposition": 'inline; filename="packet.pdf"'}
    return Response(made.pdf, media_type="application/pdf", headers=inline)


_NOT_JSON = "the body must be sent as Content-Type: application/json (charset utf-8, if one is named)"


def is_json(content_type: str) -> bool:
    """Whether a request's `Content-Type` is `application/json`, with no parameter but `charset=utf-8`
    (any case, the value quoted or not): what the API reads (ASVS 13.1.5). Anything else (no header, a
    form, `text/plain`, another charset) is refused before the body is read."""
    media, *parameters = (part.strip() for part in content_type.split(";"))
    if media.lower() != "application/json":
        return False
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() != "charset" or value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return False
    return True


def _error(error: PacketError) -> dict[str, Any]:
    line = error.pos.line if error.pos is not None else None
    return {"field": error.field, "message": error.message, **({"line": line} if line else {})}
