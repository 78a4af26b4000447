"""Django settings, read from the environment through small strict helpers.

Every variable is documented in `.env.example`. SQLite in `data/` is the default;
`DATABASE_URL=postgres://…` selects PostgreSQL. Business rules (levels, hours, calendar)
are NOT settings: they live in the regulation file (SPEC R21).
"""

from __future__ import annotations

import os
from pathlib import Path

import django_stubs_ext

from supportline.lib.env import (
    envbool,
    envint,
    envlist,
    envnetworks,
    envsecret,
    parse_database_url,
)
from supportline.ops.config import (
    cache_settings,
    check_multiprocess_dir,
    metrics_networks,
    storage_settings,
)
from supportline.ops.logs import init_sentry, logging_settings

# Generic admin/QuerySet classes at run time, for the type checker (django-stubs).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
# Empty counts as unset (an env file copied from .env.example has SUPPORTLINE_DATA_DIR=).
DATA_DIR = Path(os.environ.get("SUPPORTLINE_DATA_DIR") or PROJECT_DIR / "data")

DEBUG = envbool("DEBUG", default=False)
TESTING = envbool("SUPPORTLINE_TESTING", default=False)

# A missing SECRET_KEY is only tolerated while developing; production must set it.
SECRET_KEY = envsecret("SECRET_KEY", default="")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-not-for-production"  # noqa: S105
    else:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off (set SECRET_KEY or SECRET_KEY_FILE)"
        )

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "supportline.core",
    "supportline.accounts",
    "supportline.registry",
    "supportline.tickets",
    "supportline.portal",
    "supportline.desk",
    "supportline.jobs",
    "supportline.mail",
    "supportline.connect",
    "supportline.api",
    "supportline.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy everywhere, Cache-Control: no-store on private answers.
    "supportline.core.security_headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "supportline.core.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "supportline.urls"
WSGI_APPLICATION = "supportline.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": parse_database_url(DATABASE_URL)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "supportline.sqlite3"),
            # WAL lets the embedded worker and the web server share the file.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/home/"
LOGOUT_REDIRECT_URL = "/"

# Time: everything stored in UTC; shown in the regulation's zone (R21, core.rules.line_zone)
# with the zone named (STYLE §4), or in the zone a signed-in user chose.
TIME_ZONE = "UTC"
USE_TZ = True

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("en", "English")]
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static files: collected into STATIC_ROOT, served by the web process (whitenoise) -------
# `supportline collectstatic` (run by `supportline upgrade`) copies every stylesheet and script
# there under a content-hashed name with a gzip copy beside it; the web process serves them
# itself, cached for ever, whether or not a proxy stands in front. With DEBUG on (make run) and
# in the tests the files are served as they are, from the apps' folders, without collecting.
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or DATA_DIR / "static")
# Right after SecurityMiddleware (its redirects first), before everything that touches the
# session or the database: a stylesheet costs no query.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
# Only the "staticfiles" key: "default" (attachments) belongs to the storage settings.
STORAGES = {
    **globals().get(
        "STORAGES", {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    ),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = DATA_DIR / "media"

SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, read by a statement compiled once (issue 15).
SESSION_ENGINE = "supportline.accounts.sessions"
# Django's model backend with the user read compiled once (issue 15); Django's own second only
# for the sessions signed in before it (accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "supportline.accounts.backends.LineBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Behind HTTPS (a proxy that sets X-Forwarded-Proto): redirect plain HTTP, send HSTS.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", default=False)
# Cookies only over HTTPS: unset or empty = on exactly when plain HTTP is redirected to HTTPS.
SESSION_COOKIE_SECURE = (
    envbool("SECURE_COOKIES", default=SECURE_SSL_REDIRECT)
    if os.environ.get("SECURE_COOKIES", "").strip()
    else SECURE_SSL_REDIRECT
)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", default=False)
if envbool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Error pages and offline API docs ------------------------------------------------------
# The CSRF failure page in the site's layout (handler400/403/404/500 are in the root URLconf).
CSRF_FAILURE_VIEW = "supportline.core.errors.csrf_failure"
# django-ninja serves its own copy of Swagger UI (its static folder) only when it is an
# installed app; otherwise /api/docs loads it from a CDN, and shows nothing without internet.
INSTALLED_APPS.append("ninja")

# SMTP by default; `make run` writes the demo's outgoing mail to files in data/outbox instead.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(DATA_DIR / "outbox"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = envint("EMAIL_PORT", default=25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", default=False)
# Empty: the regulation's support_email (R19, R21: the line's address is the file's).
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "")

# Background workers (supportline.jobs). A claimed job is its worker's for JOB_LEASE_SECONDS;
# handlers renew the lease before each external call, and every network timeout (SMTP here,
# CONNECT_TIMEOUT, IMAP) must be shorter than the lease, or a hung server would outlive it and
# another worker would run the job a second time (system check jobs.E001). A worker that loses
# the database retries with exponential backoff and jitter, capped at WORKER_DB_RETRY_MAX_SECONDS.
JOB_LEASE_SECONDS = envint("JOB_LEASE_SECONDS", default=300)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", default=30)
WORKER_DB_RETRY_MAX_SECONDS = envint("WORKER_DB_RETRY_MAX_SECONDS", default=30)

# Attachments larger than this are refused with a clear message.
MAX_ATTACHMENT_BYTES = envint("MAX_ATTACHMENT_BYTES", default=10 * 1024 * 1024)

# Contract imports (`supportline import-contracts`, issue 12 §7): the largest file accepted, the
# largest unpacked XLSX (checked in the zip's directory before the book is opened: a small "XLSX
# bomb" is refused at once), and the most data rows of one file.
IMPORT_MAX_FILE_BYTES = envint("IMPORT_MAX_FILE_BYTES", default=50 * 1024 * 1024)
IMPORT_XLSX_MAX_BYTES = envint("IMPORT_XLSX_MAX_BYTES", default=200 * 1024 * 1024)
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", default=100_000)

# ---------------------------------------------------------------- sign-in, tokens, mail trust
# (issue 12 §4–5)
#
# The reverse proxies in front of the web server (addresses or CIDR networks). Only when a
# request comes from one of them is X-Forwarded-For read: its rightmost address that is not a
# trusted proxy is the client (sign-in and token limits count per client address).
TRUSTED_PROXIES = envnetworks("TRUSTED_PROXIES", default=[])
# The authserv-id(s) (RFC 8601) that the line's own mail server writes in the
# Authentication-Results headers it adds; only the topmost such headers are read. A sender is
# trusted as a known user when they say dmarc=pass, or spf/dkim=pass aligned with From.
MAIL_AUTHSERV_ID = envlist("MAIL_AUTHSERV_ID", default=[])
# The mail server refuses mail whose From fails SPF/DKIM/DMARC itself: trust From as it is.
MAIL_TRUST_FROM = envbool("MAIL_TRUST_FROM", default=False)

# An alternative regulation file (SPEC R21); empty = the shipped 1C:CRM regulation.
REGULATION_FILE = os.environ.get("REGULATION_FILE", "")

# ---- Operations (issue 11): shared cache, attachment storage, logs, health, metrics, backup.
# The readers live in supportline.ops (config, logs); every variable is in .env.example.
INSTALLED_APPS += ["supportline.ops"]
# The request id first, so that every log line of a request carries it; then request metrics.
MIDDLEWARE = [
    "supportline.ops.middleware.RequestIdMiddleware",
    "supportline.ops.middleware.MetricsMiddleware",
    # Under /api/ a 405 too is JSON (supportline.core.errors).
    "supportline.core.errors.ApiMethodNotAllowed",
    *MIDDLEWARE,
]

# Shared cache: CACHE_URL=redis://host:6379/0 for many processes (the sign-in limit counts
# across all of them); unset or locmem:// = one process's memory (the trial).
CACHES = cache_settings()

# Attachments through Django's storage API: STORAGE_BACKEND=local (MEDIA_ROOT, one machine)
# or s3 (S3_BUCKET, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_ENDPOINT_URL, S3_REGION, …).
# Only the "default" key: "staticfiles" belongs to the static-files block above.
STORAGES["default"] = storage_settings()

# Logs: time, level, logger and the request or job id on every line; LOG_FORMAT=json for one
# JSON object per line. Errors to Sentry only when SENTRY_DSN is set.
LOGGING = logging_settings()
SENTRY_ENABLED = init_sentry()

# /api/v1/ready: a worker counts as alive with a heartbeat this recent; READY_REQUIRE_WORKER=0
# for a deployment that runs no worker (the answer is then 200 without one).
READY_REQUIRE_WORKER = envbool("READY_REQUIRE_WORKER", default=True)
READY_WORKER_STALE_SECONDS = envint("READY_WORKER_STALE_SECONDS", default=120)

# /metrics (Prometheus): off (404) unless a token or allowed addresses are set.
METRICS_TOKEN = envsecret("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = metrics_networks()
check_multiprocess_dir()  # PROMETHEUS_MULTIPROC_DIR: request metrics of several processes

# Retention (supportline prune, run by the worker every few hours): finished jobs, and failed
# ones kept longer for investigation. Expired sessions are deleted too.
JOB_RETENTION_DAYS = envint("JOB_RETENTION_DAYS", default=14)
FAILED_JOB_RETENTION_DAYS = envint("FAILED_JOB_RETENTION_DAYS", default=90)
# ---- end of operations

if TESTING:
    # Fast tests (STYLE §7): cheap hashing, mail captured in memory.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
