"""The REST API's personas come from the ticket tests (the demo line, a token per role)."""

from __future__ import annotations

from tests.tickets.conftest import clock, line  # noqa: F401 - fixtures used by these tests
