"""The deploy/ examples: systemd units that `systemd-analyze verify` accepts, an nginx site that
`nginx -t` accepts and that really proxies to `supportline web`, and a Dockerfile + compose
file whose containers run only commands this suite runs for real (images cannot be built on
these machines)."""

from __future__ import annotations

import http.client
import json
import os
import re
import shlex
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from supportline.api.views import MAX_FILES
from tests.production.conftest import (
    EXE,
    HTTPS,
    STRONG_KEY,
    answers,
    cleanup,
    environment,
    free_port,
    start,
    wait_for,
)

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
SITE = DEPLOY / "nginx" / "supportline.conf"
INSTALLED_EXE = "/opt/supportline/.venv/bin/supportline"

# Each command a shipped file runs → a test module that runs that command as a real process.
EXERCISED = {
    "upgrade": (ROOT / "tests/production/test_upgrade.py", 'run(["upgrade"'),
    "web": (ROOT / "tests/production/test_web.py", 'start(["web"]'),
    "worker": (ROOT / "tests/mail/test_worker_kill.py", '[exe, "worker"'),
}


def need(program: str, package: str) -> str:
    """The program's path; without it the test skips — on CI (CI set) it fails instead."""
    found = shutil.which(program) or next(
        (f"{d}/{program}" for d in ("/usr/sbin", "/usr/bin") if Path(d, program).exists()), None
    )
    if found:
        return found
    reason = f"{program} is not installed (scripts/test-deps.sh installs Debian's {package})"
    if os.environ.get("CI"):
        pytest.fail(f"{reason} — CI must check the deploy/ examples", pytrace=False)
    pytest.skip(reason)


# ------------------------------------------------------------------ the commands they run


def _unit_commands(unit: Path) -> list[list[str]]:
    commands = []
    for line in unit.read_text().splitlines():
        if line.startswith(("ExecStart=", "ExecStartPre=", "ExecStartPost=", "ExecStop=")):
            commands.append(shlex.split(line.split("=", 1)[1]))
    return commands


def _dockerfile_commands() -> list[list[str]]:
    """CMD and ENTRYPOINT: what a container of the image runs (RUN lines only build it)."""
    commands = []
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        instruction, _, rest = line.partition(" ")
        if instruction in {"CMD", "ENTRYPOINT"}:
            commands.append(json.loads(rest))  # the exec form only: no shell in between
    return commands


def _compose() -> dict[str, list[str]]:
    """Service → its command (compose's `command:` lines, written as JSON arrays)."""
    commands: dict[str, list[str]] = {}
    service = None
    in_services = False
    for line in (DEPLOY / "docker-compose.yml").read_text().splitlines():
        if re.match(r"^\S", line):
            in_services = line.startswith("services:")
        elif in_services and (match := re.match(r"^  (\w[\w-]*):\s*$", line)):
            service = match.group(1)
        elif service and (match := re.match(r"^    (command|entrypoint):\s*(.+)$", line)):
            assert match.group(1) == "command", f"{service}: no entrypoint override"
            commands[service] = json.loads(match.group(2))
    return commands


def test_the_shipped_files_run_only_upgrade_web_and_worker() -> None:
    compose = _compose()
    assert set(compose) == {"upgrade", "web", "worker", "redis"}  # postgres: its image's own
    ours = {name: cmd for name, cmd in compose.items() if name != "redis"}
    assert ours == {name: ["supportline", name] for name in ("upgrade", "web", "worker")}
    assert _dockerfile_commands() == [["supportline", "web"]]
    units = {unit.name: _unit_commands(unit) for unit in UNITS}
    assert units == {
        "supportline-web.service": [[INSTALLED_EXE, "web"]],
        "supportline-worker.service": [[INSTALLED_EXE, "worker"]],
    }
    run = {cmd[1] for cmd in [*ours.values(), *_dockerfile_commands()]}
    run |= {cmd[1] for commands in units.values() for cmd in commands}
    assert run == set(EXERCISED)


@pytest.mark.parametrize("command", sorted(EXERCISED))
def test_each_of_those_commands_is_run_for_real_by_a_test(command: str) -> None:
    module, call = EXERCISED[command]
    assert call in module.read_text(), f"{module} no longer runs `supportline {command}`"


def test_compose_has_web_worker_postgres_and_redis_sharing_one_database() -> None:
    text = (DEPLOY / "docker-compose.yml").read_text()
    for service in ("upgrade", "web", "worker", "postgres", "redis"):
        assert re.search(rf"^  {service}:$", text, re.M), service
    assert "@postgres:5432/supportline" in text
    assert "CACHE_URL: redis://redis:6379/0" in text
    assert text.count("condition: service_completed_successfully") == 2  # web, worker
    assert "${SECRET_KEY:?" in text  # no default key: compose refuses to start without one


def _resolved_commands(text: str) -> dict[str, list[str]]:
    """Service → command from `docker-compose config`'s normalised output (block lists)."""
    commands: dict[str, list[str]] = {}
    service = None
    lines = text.splitlines()
    for n, line in enumerate(lines):
        if match := re.match(r"^  (\w[\w-]*):$", line):
            service = match.group(1)
        elif service and line == "    command:":
            items = []
            for item in lines[n + 1 :]:
                if not item.startswith("    - "):
                    break
                items.append(item[6:].strip("'"))
            commands[service] = items
    return commands


def test_docker_compose_accepts_the_file_and_resolves_the_same_commands(tmp_path: Path) -> None:
    """Compose's own reading of the file (merge keys, interpolation, depends_on conditions):
    `docker-compose config` needs no Docker daemon."""
    compose = need("docker-compose", "docker-compose")
    file = str(DEPLOY / "docker-compose.yml")
    settings_env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "SECRET_KEY": STRONG_KEY,
        "POSTGRES_PASSWORD": "pw",
        "ALLOWED_HOSTS": "support.example.ru",
        "SITE_URL": "https://support.example.ru",
    }
    resolved = subprocess.run(
        [compose, "-f", file, "config"],
        env=settings_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resolved.returncode == 0, resolved.stderr
    found = _resolved_commands(resolved.stdout)
    assert {k: v for k, v in found.items() if v[:1] == ["supportline"]} == {
        name: ["supportline", name] for name in ("upgrade", "web", "worker")
    }
    assert set(found) == set(_compose())
    without_key = {k: v for k, v in settings_env.items() if k != "SECRET_KEY"}
    refused = subprocess.run(
        [compose, "-f", file, "config", "-q"],
        env=without_key,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode != 0
    assert "set SECRET_KEY" in refused.stderr


# ------------------------------------------------------------------ systemd


def test_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """Verified as installed, with this checkout's `supportline` where /opt/supportline's
    would be (verify checks that the programs exist)."""
    analyze = need("systemd-analyze", "systemd")
    for unit in UNITS:
        text = unit.read_text().replace(INSTALLED_EXE, EXE)
        text = text.replace("WorkingDirectory=/opt/supportline", f"WorkingDirectory={ROOT}")
        (tmp_path / unit.name).write_text(text)
    result = subprocess.run(
        [analyze, "verify", *[str(tmp_path / unit.name) for unit in UNITS]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    ours = [line for line in result.stderr.splitlines() if "supportline" in line]
    assert result.returncode == 0 and ours == [], result.stderr


def test_systemd_analyze_verify_would_notice_a_broken_unit(tmp_path: Path) -> None:
    analyze = need("systemd-analyze", "systemd")
    broken = tmp_path / "supportline-web.service"
    broken.write_text((DEPLOY / "systemd/supportline-web.service").read_text())
    result = subprocess.run(
        [analyze, "verify", str(broken)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert f"Command {INSTALLED_EXE} is not executable" in result.stderr


def test_units_stop_gracefully_within_their_timeouts() -> None:
    web = (DEPLOY / "systemd/supportline-web.service").read_text()
    assert "KillMode=mixed" in web  # SIGTERM to the gunicorn master, which stops its workers
    assert int(re.search(r"TimeoutStopSec=(\d+)", web).group(1)) > 30  # WEB_GRACEFUL_TIMEOUT
    worker = (DEPLOY / "systemd/supportline-worker.service").read_text()
    assert "KillSignal=SIGTERM" in worker
    for text in (web, worker):
        assert "EnvironmentFile=/etc/supportline/supportline.env" in text
        assert "ProtectSystem=strict" in text and "StateDirectory=supportline" in text


# ------------------------------------------------------------------ nginx


def test_nginx_passes_the_forwarded_headers_and_the_upload_limit() -> None:
    text = SITE.read_text()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in text
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in text
    assert "proxy_set_header Host $host;" in text
    limit = int(re.search(r"^\s*client_max_body_size (\d+)m;", text, re.M).group(1))
    mib = 1024 * 1024
    assert 10 * mib == settings.MAX_ATTACHMENT_BYTES  # the default the comment speaks of
    assert limit == MAX_FILES * settings.MAX_ATTACHMENT_BYTES // mib + 1


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = need("openssl", "openssl")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=support.example.ru", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def _nginx_config(
    folder: Path, cert: tuple[Path, Path], ports: tuple[int, int, int] | None = None
) -> Path:
    """The shipped site inside a minimal nginx.conf, with a throwaway certificate; with
    `ports` (http, https, upstream) on loopback ports instead of 80/443/8000."""
    site = SITE.read_text()
    site = re.sub(r"ssl_certificate .*;", f"ssl_certificate {cert[0]};", site)
    site = re.sub(r"ssl_certificate_key .*;", f"ssl_certificate_key {cert[1]};", site)
    if ports:
        http, https, upstream = ports
        site = site.replace("listen [::]:80;", "").replace("listen [::]:443 ssl http2;", "")
        site = site.replace("listen 80;", f"listen 127.0.0.1:{http};")
        site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
        site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};")
    (folder / "supportline.conf").write_text(site)
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = folder / "nginx.conf"
    config.write_text(
        f"pid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'};\n"
        "events {}\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        f"    access_log {folder / 'access.log'};\n"
        f"{temp}\n"
        f"    include {folder / 'supportline.conf'};\n"
        "}\n"
    )
    return config


def _nginx() -> str:
    return need("nginx", "nginx")


def test_nginx_accepts_the_site(tmp_path: Path, certificate: tuple[Path, Path]) -> None:
    config = _nginx_config(tmp_path, certificate)
    result = subprocess.run(
        [_nginx(), "-t", "-c", str(config), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_nginx_would_notice_a_broken_site(tmp_path: Path, certificate: tuple[Path, Path]) -> None:
    config = _nginx_config(tmp_path, certificate)
    site = tmp_path / "supportline.conf"
    site.write_text(site.read_text().replace("proxy_pass", "proxy_passs"))
    result = subprocess.run(
        [_nginx(), "-t", "-c", str(config), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert 'unknown directive "proxy_passs"' in result.stderr


@pytest.fixture
def proxied(
    installed: Path, tmp_path: Path, certificate: tuple[Path, Path]
) -> Iterator[tuple[int, int, Path]]:
    """`supportline web` with the production settings behind the shipped nginx site."""
    program = _nginx()
    http, https, upstream = free_port(), free_port(), free_port()
    env = environment(installed, SECRET_KEY=STRONG_KEY, **HTTPS, BIND=f"127.0.0.1:{upstream}")
    web = start(["web"], env, tmp_path / "web.log", upstream)
    config = _nginx_config(tmp_path, certificate, (http, https, upstream))
    nginx = subprocess.Popen(
        [program, "-c", str(config), "-p", str(tmp_path), "-g", "daemon off;"],
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(lambda: answers(https) or nginx.poll() is not None, 30, "nginx")
        assert nginx.poll() is None, nginx.stderr.read() if nginx.stderr else ""
        yield http, https, installed
    finally:
        nginx.terminate()
        nginx.wait(30)
        cleanup(web)


def _get(port: int, path: str, tls: bool) -> http.client.HTTPResponse:
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=30, context=context
        )
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Host": "support.example.ru"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_through_nginx_pages_and_static_files_are_served_over_https(
    proxied: tuple[int, int, Path],
) -> None:
    http, https, installed = proxied
    plain = _get(http, "/portal/", tls=False)
    assert plain.status == 301
    assert plain.headers["Location"] == "https://support.example.ru/portal/"
    # Over HTTPS the proxy says so (X-Forwarded-Proto): no redirect loop, secure cookies.
    page = _get(https, "/accounts/login/", tls=True)
    assert page.status == 200
    assert "Secure" in page.headers["Set-Cookie"]
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    manifest = json.loads((installed / "static" / "staticfiles.json").read_text())["paths"]
    for name, kind in (("supportline/site.css", "text/css"), ("supportline/htmx.min.js", "")):
        asset = _get(https, f"/static/{manifest[name]}", tls=True)
        assert asset.status == 200, name
        assert asset.headers["Content-Type"].startswith(
            kind or ("text/javascript", "application/javascript")
        )
        assert "immutable" in asset.headers["Cache-Control"]
