"""The production settings plus the test-only periodic job `test.tick` (test_multinode.py)."""

from __future__ import annotations

from supportline.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.production.nodes"]  # noqa: F405
