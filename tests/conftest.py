"""Suite-wide: each test starts with an empty cache (sign-in failure counts live there);
`slow` (process-level) tests run in the PostgreSQL pass of `make test` only."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The Makefile runs pytest once per database; a `slow` test starts its own processes
    (and its own PostgreSQL cluster), so once is enough: the PostgreSQL pass."""
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://", "pgsql://")):
        return
    skip = pytest.mark.skip(reason="process-level test: runs in the PostgreSQL pass only")
    for item in items:
        if item.get_closest_marker("slow"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield
