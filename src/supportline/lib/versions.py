"""Release versions of 1C configurations are four numbers compared numerically:
3.0.82.18 > 3.0.9.1 (a string comparison would say the opposite)."""

from __future__ import annotations

import re

_VERSION = re.compile(r"^\d{1,6}(\.\d{1,6}){1,3}$")


def version_error(value: str) -> str | None:
    if not _VERSION.match(value.strip()):
        return "Версия указывается числами через точку, например 3.0.82.18"
    return None


def version_key(value: str) -> str:
    """A sortable string form (each part zero-padded) so the database can order releases."""
    parts = [int(p) for p in value.strip().split(".")]
    parts += [0] * (4 - len(parts))
    return ".".join(f"{p:06d}" for p in parts)
