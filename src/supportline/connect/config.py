"""Settings of the 1C-Connect channel, read from the environment when they are needed.

The channel is off unless `USE_CONNECT` is set; when it is on, every variable below must be
set, or the service refuses to start (`ConnectConfig.ready`) with the names of the missing ones.
Secrets can come from `NAME_FILE` (Docker/Kubernetes secrets).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from supportline.lib.env import envbool, envint, envsecret

# Variables that must be set when USE_CONNECT is on (documented in .env.example).
REQUIRED = (
    "CONNECT_API_URL",
    "CONNECT_API_USER",
    "CONNECT_API_PASSWORD",
    "CONNECT_WEBHOOK_TOKEN",
    "CONNECT_LINE_ID",
)
SECRETS = frozenset({"CONNECT_API_PASSWORD", "CONNECT_WEBHOOK_TOKEN"})


@dataclass(frozen=True)
class ConnectSettings:
    api_url: str  # base URL of the 1C-Connect REST API, e.g. https://push.1c-connect.com
    user: str  # HTTP Basic auth of our calls to the API
    password: str
    webhook_token: str  # what 1C-Connect presents when it calls our webhook
    line_id: str  # the support line this service answers; events of other lines are skipped
    timeout: float  # seconds per HTTP call to the API
    # Hosts files may be downloaded from: the API's own and CONNECT_FILE_HOSTS (no others, so a
    # forged event cannot make the service fetch internal addresses).
    file_hosts: frozenset[str] = frozenset()


def enabled() -> bool:
    return envbool("USE_CONNECT", default=False)


def connect_timeout() -> int:
    """Seconds per HTTP call to the API (CONNECT_TIMEOUT, default 10; shorter than the job
    lease, system check jobs.E001)."""
    timeout = envint("CONNECT_TIMEOUT", default=10)
    if timeout <= 0:
        raise ImproperlyConfigured(
            f"CONNECT_TIMEOUT={timeout} must be a positive number of seconds"
        )
    return timeout


def _read(name: str) -> str:
    if name in SECRETS:
        return envsecret(name, default="").strip()
    return os.environ.get(name, "").strip()


def connect_settings() -> ConnectSettings | None:
    """The channel's settings, or None while `USE_CONNECT` is off.

    Raises ImproperlyConfigured when the channel is on and a variable is missing or malformed.
    """
    if not enabled():
        return None
    values = {name: _read(name) for name in REQUIRED}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ImproperlyConfigured(
            "USE_CONNECT is on but these variables are not set: "
            + ", ".join(missing)
            + " (secrets may also come from NAME_FILE)"
        )
    url = values["CONNECT_API_URL"].rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ImproperlyConfigured(
            f"CONNECT_API_URL={url!r} is not an http(s) URL (e.g. https://push.1c-connect.com)"
        )
    timeout = connect_timeout()
    return ConnectSettings(
        api_url=url,
        user=values["CONNECT_API_USER"],
        password=values["CONNECT_API_PASSWORD"],
        webhook_token=values["CONNECT_WEBHOOK_TOKEN"],
        line_id=values["CONNECT_LINE_ID"],
        timeout=float(timeout),
        file_hosts=frozenset(
            {parts.hostname.lower()}
            | {
                h.strip().lower()
                for h in os.environ.get("CONNECT_FILE_HOSTS", "").split(",")
                if h.strip()
            }
        ),
    )
