"""1C-Connect file downloads do not follow a redirect past the allowed hosts (issue 12 §4).

Two real HTTP servers on loopback: the allowed one (127.0.0.1, the API's host) and another
(127.0.0.2, not allowed). The client is never mocked."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from supportline.connect.client import ConnectClient, ConnectError


@dataclass
class Server:
    url: str
    redirects: dict[str, str] = field(default_factory=dict)  # path → Location
    files: dict[str, bytes] = field(default_factory=dict)
    seen: list[tuple[str, str]] = field(default_factory=list)  # (path, Authorization)


def serve(host: str) -> tuple[ThreadingHTTPServer, Server]:
    state = Server(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.seen.append((self.path, self.headers.get("Authorization", "")))
            if self.path in state.redirects:
                self.send_response(302)
                self.send_header("Location", state.redirects[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = state.files.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer((host, 0), Handler)
    state.url = f"http://{host}:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, state


@pytest.fixture
def servers() -> Iterator[tuple[Server, Server]]:
    allowed, a = serve("127.0.0.1")
    try:
        other, b = serve("127.0.0.2")
    except OSError:
        allowed.shutdown()
        pytest.skip("127.0.0.2 is not a loopback address here")
    try:
        yield a, b
    finally:
        allowed.shutdown()
        other.shutdown()


def client(allowed: Server) -> ConnectClient:
    return ConnectClient(base_url=allowed.url, user="line", password="secret", timeout=5)


def test_a_redirect_to_a_host_that_is_not_allowed_is_refused_before_it_is_fetched(
    servers: tuple[Server, Server],
) -> None:
    allowed, other = servers
    other.files["/internal/secret.png"] = b"secret"
    allowed.redirects["/files/shot.png"] = f"{other.url}/internal/secret.png"
    with pytest.raises(ConnectError) as refused:
        client(allowed).download(f"{allowed.url}/files/shot.png", max_bytes=1000)
    assert "127.0.0.2" in refused.value.message and "не загружается" in refused.value.message
    assert other.seen == []  # never asked


def test_a_redirect_within_the_allowed_hosts_is_followed_without_the_credentials(
    servers: tuple[Server, Server],
) -> None:
    allowed, _ = servers
    allowed.redirects["/files/shot.png"] = f"{allowed.url}/cdn/shot.png"
    allowed.files["/cdn/shot.png"] = b"\x89PNG..."
    got = client(allowed).download(f"{allowed.url}/files/shot.png", max_bytes=1000)
    assert got.content == b"\x89PNG..."
    (first, auth_first), (second, auth_second) = allowed.seen
    assert (first, second) == ("/files/shot.png", "/cdn/shot.png")
    assert auth_first.startswith("Basic ") and auth_second == ""


def test_a_redirect_loop_ends_with_an_error(servers: tuple[Server, Server]) -> None:
    allowed, _ = servers
    for n in range(10):
        allowed.redirects[f"/files/{n}"] = f"{allowed.url}/files/{n + 1}"
    with pytest.raises(ConnectError):
        client(allowed).download(f"{allowed.url}/files/0", max_bytes=1000)
    assert len(allowed.seen) <= 4
