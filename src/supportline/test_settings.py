"""Settings for the test suite: the production settings with SUPPORTLINE_TESTING on."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SUPPORTLINE_TESTING", "1")

from supportline.settings import *  # noqa: F403

# Uploaded files of the suite go to a throwaway folder, never into data/.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="supportline-test-media-"))
