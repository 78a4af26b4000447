"""Production settings read from the environment: the shared cache, the attachment storage,
the log format and Sentry. settings.py calls these in blocks of their own.

Each reader is strict (STYLE §3): an unknown value or a missing required variable stops the
start-up with the variable's name, never a guess. Secrets can come from `NAME_FILE`.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from supportline.lib.env import envbool, envlist, envsecret

# ---------------------------------------------------------------- cache

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
REDIS = "django.core.cache.backends.redis.RedisCache"


def cache_settings() -> dict[str, dict[str, Any]]:
    """CACHES from `CACHE_URL`.

    - unset, empty or `locmem://`: memory of one process (the one-machine trial);
    - `redis://[:password@]host:port/db` or `rediss://…`: Django's own Redis backend, shared by
      every web and worker process (the sign-in limit counts across all of them).
    """
    raw = envsecret("CACHE_URL", default="").strip()
    prefix = os.environ.get("CACHE_KEY_PREFIX", "supportline").strip()
    if not raw or raw.startswith("locmem://"):
        return {"default": {"BACKEND": LOCMEM, "LOCATION": "supportline", "KEY_PREFIX": prefix}}
    parts = urlsplit(raw)
    if parts.scheme not in {"redis", "rediss"}:
        # The URL is not echoed: it may carry a password.
        raise ImproperlyConfigured(
            f"CACHE_URL scheme {parts.scheme!r} is not supported: use redis://host:6379/0 "
            "(rediss:// for TLS), or leave CACHE_URL unset (locmem://) for one process"
        )
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise ImproperlyConfigured("CACHE_URL has an invalid port") from None
    db = parts.path.lstrip("/")
    if not parts.hostname or (db and not db.isdigit()):
        raise ImproperlyConfigured(
            "CACHE_URL must look like redis://host:6379/0 (a host, and a database number)"
        )
    return {
        "default": {
            "BACKEND": REDIS,
            "LOCATION": raw,
            "KEY_PREFIX": prefix,
            # A cache that does not answer fails the request quickly instead of hanging it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }


# ---------------------------------------------------------------- attachment storage

LOCAL = "django.core.files.storage.FileSystemStorage"
S3 = "storages.backends.s3.S3Storage"
S3_REQUIRED = ("S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")
S3_SECRETS = frozenset({"S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"})
ADDRESSING_STYLES = frozenset({"path", "virtual", "auto"})


def _s3_value(name: str) -> str:
    if name in S3_SECRETS:
        return envsecret(name, default="").strip()
    return os.environ.get(name, "").strip()


def storage_settings() -> dict[str, Any]:
    """STORAGES["default"] (attachments) from `STORAGE_BACKEND`.

    - `local` (default): files under MEDIA_ROOT on this machine (one machine only);
    - `s3`: an S3-compatible bucket (MinIO, Ceph, Yandex Object Storage, AWS) shared by every
      node; S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are then required.
    """
    backend = os.environ.get("STORAGE_BACKEND", "local").strip().lower() or "local"
    if backend == "local":
        # No location: the storage reads MEDIA_ROOT when used (the test settings change it).
        return {"BACKEND": LOCAL}
    if backend != "s3":
        raise ImproperlyConfigured(f"STORAGE_BACKEND={backend!r} is not one of: local, s3")
    values = {name: _s3_value(name) for name in S3_REQUIRED}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ImproperlyConfigured(
            "STORAGE_BACKEND=s3 but these variables are not set: "
            + ", ".join(missing)
            + " (secrets may also come from NAME_FILE)"
        )
    endpoint = os.environ.get("S3_ENDPOINT_URL", "").strip()
    if endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ImproperlyConfigured(
                f"S3_ENDPOINT_URL={endpoint!r} is not an http(s) URL (e.g. https://s3.example.ru)"
            )
    # Path-style addressing works with every S3-compatible server; AWS prefers virtual hosts.
    style = os.environ.get("S3_ADDRESSING_STYLE", "").strip().lower() or (
        "path" if endpoint else "auto"
    )
    if style not in ADDRESSING_STYLES:
        raise ImproperlyConfigured(
            f"S3_ADDRESSING_STYLE={style!r} is not one of: path, virtual, auto"
        )
    return {
        "BACKEND": S3,
        "OPTIONS": {
            "bucket_name": values["S3_BUCKET"],
            "access_key": values["S3_ACCESS_KEY_ID"],
            "secret_key": values["S3_SECRET_ACCESS_KEY"],
            "endpoint_url": endpoint or None,
            "region_name": os.environ.get("S3_REGION", "").strip() or "us-east-1",
            "addressing_style": style,
            "signature_version": "s3v4",
            "location": os.environ.get("S3_PREFIX", "").strip().strip("/"),
            # Two files of one name on a ticket must not overwrite each other (the local
            # storage adds a suffix; S3Storage overwrites unless told otherwise).
            "file_overwrite": False,
            # Objects stay private: files are served only through the portal's access check.
            "default_acl": None,
            "querystring_auth": True,
            "verify": envbool("S3_VERIFY_TLS", default=True),
        },
    }


# ---------------------------------------------------------------- metrics access


def metrics_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """`METRICS_ALLOWED_IPS`: addresses or networks (10.0.0.5, 10.0.0.0/24, ::1) allowed to
    scrape /metrics; empty = no address rule."""
    networks = []
    for item in envlist("METRICS_ALLOWED_IPS", default=[]):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"METRICS_ALLOWED_IPS: {item!r} is not an address or network (e.g. 10.0.0.0/24)"
            ) from None
    return networks


def check_multiprocess_dir() -> None:
    """PROMETHEUS_MULTIPROC_DIR, when set, must be an existing folder: prometheus-client
    writes each process's counts there on the first request, and would fail every request."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if folder and not os.path.isdir(folder):
        raise ImproperlyConfigured(
            f"PROMETHEUS_MULTIPROC_DIR={folder!r} is not an existing folder (create it empty "
            "before the web service starts)"
        )
