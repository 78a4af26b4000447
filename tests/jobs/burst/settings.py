"""The production settings plus the test-only job kind (tests/jobs/test_database_restart.py)."""

from __future__ import annotations

from supportline.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.jobs.burst"]  # noqa: F405
