"""Strict readers of environment variables: a malformed value is an error, never a guess."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean (use one of 1/0, true/false, yes/no, on/off)"
    )


def envint(name: str, *, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None


def envlist(name: str, *, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def envnetworks(
    name: str, *, default: list[str]
) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Comma-separated addresses or CIDR networks (`10.0.0.0/8,::1`); a malformed one is an
    error naming the variable."""
    networks = []
    for item in envlist(name, default=default):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not an IP address or network (e.g. 10.0.0.0/8)"
            ) from None
    return networks


def envsecret(name: str, *, default: str) -> str:
    """A secret from NAME, or from the file named by NAME_FILE (Docker/Kubernetes secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc}") from None
    return os.environ.get(name, default)


def parse_database_url(url: str) -> dict[str, Any]:
    """postgres://user:pass@host:port/name?sslmode=… → a Django DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL scheme {parts.scheme!r} is not supported (use postgres://…); "
            "leave DATABASE_URL unset for the embedded SQLite database"
        )
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured("DATABASE_URL has no database name (postgres://host/NAME)")
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"DATABASE_URL has an invalid port: {url!r}") from None
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": _options(parse_qsl(parts.query)),
    }


def _options(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """The URL's query as psycopg's connection options. `prepare_threshold` (after how many
    runs psycopg prepares a statement that binds on the server: only the compiled hot-path
    statements of `lib.statements` do) is 0 unless given; `off` never prepares (a pooler in
    transaction mode older than PgBouncer 1.21)."""
    options: dict[str, Any] = dict(pairs)
    threshold = options.pop("prepare_threshold", "0")
    if threshold.lower() in {"off", "none", ""}:
        options["prepare_threshold"] = None
    elif threshold.isdigit():
        options["prepare_threshold"] = int(threshold)
    else:
        raise ImproperlyConfigured(
            f"DATABASE_URL prepare_threshold={threshold!r}: a number of runs, or off"
        )
    return options
