"""Every environment variable the code reads is in .env.example, with a comment saying what it
is; the web server's are in the README's Production section too."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READS = re.compile(
    r"(?:envbool|envint|envlist|envsecret|os\.environ\.get|os\.getenv)\(\s*\"([A-Z][A-Z0-9_]+)\""
)
# Set by the test settings only, never by an installation.
NOT_SETTINGS = {"SUPPORTLINE_TESTING"}
WEB = [
    "BIND",
    "WEB_CONCURRENCY",
    "WEB_TIMEOUT",
    "WEB_GRACEFUL_TIMEOUT",
    "WEB_ACCESS_LOG",
    "WEB_MAX_REQUESTS",
    "WEB_MAX_REQUESTS_JITTER",
    "STATIC_ROOT",
]


def _read_by_the_code() -> set[str]:
    names: set[str] = set()
    for source in (ROOT / "src" / "supportline").rglob("*.py"):
        names |= set(READS.findall(source.read_text(encoding="utf-8")))
    return names - NOT_SETTINGS


def test_every_variable_the_code_reads_is_in_env_example() -> None:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    documented = {}
    for n, line in enumerate(lines):
        if match := re.match(r"^([A-Z][A-Z0-9_]+)=", line):
            documented[match.group(1)] = n
    read = _read_by_the_code()
    assert set(WEB) <= read  # the reader above still sees how the code reads them
    assert sorted(read - set(documented)) == []
    for name in WEB:
        above = lines[: documented[name]]
        comment = next(line for line in reversed(above) if not re.match(r"^[A-Z_]+=", line))
        assert comment.startswith("# "), f"{name} has no comment above it"


def test_the_web_servers_variables_are_in_the_production_section() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    production = re.split(r"^## Production$", readme, flags=re.M)[1].split("\n## ", 1)[0]
    for name in WEB:
        assert f"`{name}`" in production, name
    for command in ("supportline upgrade", "supportline web", "supportline worker"):
        assert command in production
    assert "collectstatic" in production
    assert "cannot be built" in production
