# SupportLine image: one image for the web server and the background worker.
#   docker build -t supportline .            (images cannot be built on the project's CI
#   docker compose -f deploy/docker-compose.yml up -d      machines: see README "Production")
# The container runs only `supportline upgrade` (once, before the others), `supportline web`
# and `supportline worker` — the commands the test suite runs for real.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system supportline \
 && useradd --system --gid supportline --home-dir /var/lib/supportline --create-home supportline

WORKDIR /opt/supportline
# Dependencies are pinned in pyproject.toml; every one ships wheels for linux/amd64 and arm64.
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-compile .

# Uploads and the collected static files (STATIC_ROOT = $SUPPORTLINE_DATA_DIR/static) live in the
# data volume; the database is PostgreSQL (DATABASE_URL).
ENV SUPPORTLINE_DATA_DIR=/var/lib/supportline \
    BIND=0.0.0.0:8000
VOLUME ["/var/lib/supportline"]
USER supportline
EXPOSE 8000

# SIGTERM stops gunicorn (and the worker) gracefully: give them the time in `docker stop -t`.
STOPSIGNAL SIGTERM
CMD ["supportline", "web"]
