"""The shared cache (issue 11 §2): CACHE_URL selects Django's Redis backend, and what one
process writes another one reads — the sign-in limit included."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client, override_settings

from supportline.core.demo import load_demo
from supportline.ops.config import LOCMEM, REDIS, cache_settings
from tests.ops.conftest import Redis, base_env, run_python, settings_module


def test_unset_or_locmem_cache_url_is_one_process_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CACHE_URL", raising=False)
    assert cache_settings()["default"]["BACKEND"] == LOCMEM
    monkeypatch.setenv("CACHE_URL", "locmem://")
    assert cache_settings()["default"]["BACKEND"] == LOCMEM


def test_redis_cache_url_selects_djangos_redis_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACHE_URL", "redis://:pw@cache.internal:6380/2")
    monkeypatch.setenv("CACHE_KEY_PREFIX", "line1")
    default = cache_settings()["default"]
    assert default["BACKEND"] == REDIS
    assert default["LOCATION"] == "redis://:pw@cache.internal:6380/2"
    assert default["KEY_PREFIX"] == "line1"


@pytest.mark.parametrize(
    "url", ["memcached://127.0.0.1:11211", "redis://", "redis://host/zero", "redis://h:port/1"]
)
def test_a_bad_cache_url_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("CACHE_URL", url)
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        cache_settings()


def test_the_service_does_not_start_with_an_unknown_cache(tmp_path: Path) -> None:
    env = base_env(
        SECRET_KEY="x" * 50,
        SUPPORTLINE_DATA_DIR=str(tmp_path),
        CACHE_URL="memcached://127.0.0.1:11211",
    )
    result = run_python("import supportline.settings", env)
    assert result.returncode != 0
    assert "CACHE_URL scheme 'memcached' is not supported" in result.stderr
    assert "11211" not in result.stderr.split("ImproperlyConfigured")[-1]  # URL not echoed


READ = (
    "import django, sys; django.setup()\n"
    "from django.core.cache import caches\n"
    "c = caches['default']\n"
    "print(type(c).__name__, c.get(sys.argv[1]))\n"
    "c.set(sys.argv[2], 'from the other process', 60)\n"
)


def test_a_value_set_in_one_process_is_read_in_another(redis_cache: Redis, tmp_path: Path) -> None:
    with override_settings(CACHES=redis_cache.caches()):
        from django.core.cache import caches

        caches["default"].set("shared-key", "from the test process", 60)
        env = base_env(
            SECRET_KEY="x" * 50,
            SUPPORTLINE_DATA_DIR=str(tmp_path),
            DJANGO_SETTINGS_MODULE="supportline.settings",
            **redis_cache.env(),
        )
        result = run_python(READ, env, "shared-key", "answer-key")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "RedisCache from the test process"
        assert caches["default"].get("answer-key") == "from the other process"
    # The keys carry the prefix, so lines sharing one Redis database do not mix.
    assert redis_cache.client().exists(f"{redis_cache.prefix}:1:shared-key")


SIGN_IN = (
    "import django, sys; django.setup()\n"
    "from django.test import RequestFactory\n"
    "from supportline.accounts.forms import ThrottledAuthenticationForm\n"
    "request = RequestFactory().post('/accounts/login/', REMOTE_ADDR='127.0.0.1')\n"
    "form = ThrottledAuthenticationForm(request, data={'username': sys.argv[1], 'password': sys.argv[2]})\n"
    "ok = form.is_valid()\n"
    "print('signed-in' if ok else ','.join(e.code or '' for e in form.non_field_errors().as_data()))\n"
)


@pytest.mark.django_db(transaction=True)
def test_the_sign_in_limit_holds_across_processes(redis_cache: Redis, tmp_path: Path) -> None:
    load_demo()
    env = base_env(SECRET_KEY="x" * 50, SUPPORTLINE_DATA_DIR=str(tmp_path), **redis_cache.env())
    env.update(settings_module(tmp_path, connection.settings_dict))
    env["PYTHONPATH"] = f"{tmp_path}:{base_env()['PYTHONPATH']}"
    with override_settings(CACHES=redis_cache.caches()):
        browser = Client()
        for _ in range(5):
            page = browser.post("/accounts/login/", {"username": "admin", "password": "wrong"})
            assert page.status_code == 200
    # Another web process, the right password: refused, the five failures are shared.
    other = run_python(SIGN_IN, env, "admin", "admin-demo")
    assert other.returncode == 0, other.stderr
    assert other.stdout.strip() == "throttled"
    # The same process signs in another user: it reaches the database and the same cache.
    control = run_python(SIGN_IN, env, "client", "client-demo")
    assert control.stdout.strip() == "signed-in", control.stderr
