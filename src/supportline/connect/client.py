"""The transport to 1C-Connect: one small interface, one error type (STYLE §1).

    client = ConnectClient.from_settings()
    client.send_message(line_id=…, user_id=…, text=…, request_id="42")   # raises ConnectError
    file = client.download(url, max_bytes=…)                             # raises ConnectError

Documented by 1C-Connect (API 4.3.1.1 SendMessageLine): `POST {CONNECT_API_URL}/v1/line/send/message/`
with HTTP Basic auth and JSON `{"line_id", "user_id", "text"}`. Ours in addition, for the
receiving side to deduplicate a message sent twice (the outbox sends at least once): the
request id as the `X-Request-Id` header and the `request_id` field.

Standard library only (urllib). Credentials are sent as an *unredirected* header, so they never
follow a redirect, and only to the API's own origin. A file download follows at most three
redirects, each hop checked against the allowed hosts before it is requested (issue 12 §4).
"""

from __future__ import annotations

import base64
import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message as HeaderMap
from typing import Any
from urllib.parse import unquote, urlsplit

from supportline.connect.config import ConnectSettings, connect_settings

SEND_MESSAGE_PATH = "/v1/line/send/message/"
CHUNK = 64 * 1024


class ConnectError(Exception):
    """A call to 1C-Connect failed; `status` is the HTTP status when there was an answer."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Download:
    name: str
    content: bytes
    content_type: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirected POST would silently turn into a GET; treat any redirect as an error."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _CheckedRedirect(urllib.request.HTTPRedirectHandler):
    """A file link may redirect (a CDN, a signed URL), but every hop is checked like the first
    link: http(s), an allowed host, never from https down to http. A hop elsewhere is refused
    before anything is requested from it."""

    max_redirections = 3

    def __init__(self, check: Any) -> None:
        super().__init__()
        self.check = check

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urlsplit(req.full_url).scheme == "https" and urlsplit(newurl).scheme != "https":
            raise ConnectError(f"Файл не загружен: перенаправление с https на {newurl!r}")
        self.check(newurl, redirected=True)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


class ConnectClient:
    def __init__(
        self,
        *,
        base_url: str,
        user: str,
        password: str,
        timeout: float = 10,
        file_hosts: frozenset[str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        own = urlsplit(self.base_url).hostname or ""
        self.file_hosts = frozenset({own.lower()}) | (file_hosts or frozenset())
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        self._auth = f"Basic {token}"

    @classmethod
    def from_settings(cls, settings: ConnectSettings | None = None) -> ConnectClient:
        settings = settings or connect_settings()
        if settings is None:
            raise ConnectError("Канал 1С-Коннект выключен (USE_CONNECT)")
        return cls(
            base_url=settings.api_url,
            user=settings.user,
            password=settings.password,
            timeout=settings.timeout,
            file_hosts=settings.file_hosts,
        )

    def send_message(self, *, line_id: str, user_id: str, text: str, request_id: str) -> int:
        """Post a line message to the user's chat; returns the HTTP status (2xx)."""
        body = json.dumps(
            {"line_id": line_id, "user_id": user_id, "text": text, "request_id": request_id},
            ensure_ascii=False,
        ).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - the URL is our configured http(s) base
            self.base_url + SEND_MESSAGE_PATH,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "X-Request-Id": request_id,
            },
        )
        request.add_unredirected_header("Authorization", self._auth)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=self.timeout) as response:
                response.read(CHUNK)
                return int(response.status)
        except urllib.error.HTTPError as exc:
            raise ConnectError(
                f"1С-Коннект ответил {exc.code} на отправку сообщения: {_snippet(exc)}",
                status=exc.code,
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            raise ConnectError(f"Нет связи с 1С-Коннект ({self.base_url}): {exc}") from None

    def download(self, url: str, *, max_bytes: int) -> Download:
        """Fetch a file a client sent, at most `max_bytes`. Basic auth only for the API's origin."""
        parts = urlsplit(url)
        self._check_file_url(url)
        request = urllib.request.Request(url, headers={"Accept": "*/*"})  # noqa: S310 - checked
        if _origin(url) == _origin(self.base_url):
            # Unredirected: the credentials never follow a redirect, even to an allowed host.
            request.add_unredirected_header("Authorization", self._auth)
        opener = urllib.request.build_opener(_CheckedRedirect(self._check_file_url))
        try:
            with opener.open(request, timeout=self.timeout) as response:
                headers: HeaderMap = response.headers
                declared = headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise ConnectError(_too_big(int(declared), max_bytes))
                content = bytearray()
                while chunk := response.read(CHUNK):
                    content += chunk
                    if len(content) > max_bytes:
                        raise ConnectError(_too_big(None, max_bytes))
                content_type = headers.get_content_type() if headers.get("Content-Type") else ""
                name = unquote(parts.path.rsplit("/", 1)[-1]) or "file"
                return Download(name=name, content=bytes(content), content_type=content_type)
        except urllib.error.HTTPError as exc:
            raise ConnectError(
                f"1С-Коннект ответил {exc.code} на загрузку файла", status=exc.code
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            raise ConnectError(f"Файл не загружен: {exc}") from None

    def _check_file_url(self, url: str, *, redirected: bool = False) -> None:
        parts = urlsplit(url)
        hop = "перенаправление на " if redirected else ""
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ConnectError(f"Адрес файла не http(s): {hop}{url!r}")
        if parts.hostname.lower() not in self.file_hosts:
            raise ConnectError(
                f"Файл с узла {parts.hostname} не загружается ({hop or 'ссылка'}): разрешены "
                + ", ".join(sorted(self.file_hosts))
                + " (CONNECT_FILE_HOSTS)"
            )


def _snippet(exc: urllib.error.HTTPError) -> str:
    try:
        return exc.read(300).decode("utf-8", "replace").strip() or exc.reason
    except OSError:
        return str(exc.reason)


def _too_big(size: int | None, limit: int) -> str:
    mb = limit / (1024 * 1024)
    got = f" ({size} байт)" if size is not None else ""
    return f"Файл больше допустимого размера {mb:.1f} МБ{got}"
