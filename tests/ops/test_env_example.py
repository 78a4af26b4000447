"""Every variable the operations code reads is listed in .env.example (STYLE §3)."""

from __future__ import annotations

import re

from supportline.ops.config import S3_REQUIRED
from tests.ops.conftest import ROOT

READERS = re.compile(r'(?:environ\.get|envbool|envint|envsecret|envlist)\(\s*"([A-Z0-9_]+)"')


def test_every_operations_variable_is_in_env_example() -> None:
    sources = [*sorted((ROOT / "src" / "supportline" / "ops").glob("*.py"))]
    settings = (ROOT / "src" / "supportline" / "settings.py").read_text()
    block = settings.split("# ---- Operations")[1].split("# ---- end of operations")[0]
    names = set(S3_REQUIRED)
    for text in [block, *(p.read_text() for p in sources)]:
        names |= set(READERS.findall(text))
    assert {"CACHE_URL", "STORAGE_BACKEND", "METRICS_TOKEN", "LOG_FORMAT"} <= names
    # A line `NAME=`, or a mention in a comment (SECRET_KEY_FILE beside SECRET_KEY).
    listed = set(re.findall(r"\b([A-Z][A-Z0-9_]+)\b", (ROOT / ".env.example").read_text()))
    assert sorted(names - listed) == []
