"""Settings for the test suite: the production settings with SUPPORTLINE_TESTING on."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SUPPORTLINE_TESTING", "1")

from supportline.settings import *  # noqa: F403

# Uploaded files of the suite go to a throwaway folder, never into data/.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="supportline-test-media-"))

# The live server's threads must not keep connections open past a request, or PostgreSQL
# refuses to drop the test database at the end.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# A file database (not :memory:) on SQLite: the browser tests' live server then gives each
# request thread its own connection instead of sharing the test thread's.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"supportline-test-{os.getpid()}.sqlite3")
    }

# Static files are collected nowhere in the suite; an empty folder keeps whitenoise quiet.
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="supportline-test-static-"))
