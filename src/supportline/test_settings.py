"""Settings for the test suite: the production settings with SUPPORTLINE_TESTING on."""

from __future__ import annotations

import os

os.environ.setdefault("SUPPORTLINE_TESTING", "1")

from supportline.settings import *  # noqa: F403
