"""The personas of the ticket tests (REST API) and of the desk (browser sessions)."""

from __future__ import annotations

from tests.desk.conftest import desk  # noqa: F401 - fixtures used by these tests
from tests.tickets.conftest import clock, line  # noqa: F401 - fixtures used by these tests
