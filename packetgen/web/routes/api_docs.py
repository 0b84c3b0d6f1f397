"""The API's description: OpenAPI as JSON (`/api/openapi.json`) and as a page without script
(`/api/docs`: the site's CSP allows no script but its own, so no Swagger UI). Public."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..dependencies import PUBLIC
from ..pages import render

router = APIRouter(include_in_schema=False, dependencies=[PUBLIC])


@router.get("/api/openapi.json")
async def openapi(request: Request) -> Response:
    """FastAPI's description of the app (made once, then kept), served here rather than by FastAPI's
    own route so that it declares who may read it, like every route."""
    return JSONResponse(request.app.openapi())


@router.get("/api/docs")
def api_docs(request: Request) -> Response:
    spec = request.app.openapi()
    operations = [
        (method.upper(), path, operation)
        for path, methods in spec.get("paths", {}).items()
        for method, operation in methods.items()
    ]
    return render(request, "api_docs.html", user=None, spec=spec, operations=operations)
