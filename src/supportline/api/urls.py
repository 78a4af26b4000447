"""The REST API (django-ninja); its OpenAPI document is served at /api/openapi.json."""

from __future__ import annotations

from django.db import connection
from django.db.utils import DatabaseError
from ninja import NinjaAPI, Schema, Status

api = NinjaAPI(
    title="SupportLine API",
    version="1",
    description="REST API линии консультаций SupportLine (регламент 1С:CRM).",
    openapi_url="/openapi.json",
    docs_url="/docs",
    urls_namespace="api",
)


class Health(Schema):
    status: str
    database: str


@api.get("/v1/health", response={200: Health, 503: Health}, tags=["health"], auth=None)
def health(request: object) -> Status[Health]:
    """Is the service up and its database reachable?"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return Status(503, Health(status="error", database="unreachable"))
    return Status(200, Health(status="ok", database=connection.vendor))
