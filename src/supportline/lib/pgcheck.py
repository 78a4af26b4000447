"""`python -m supportline.lib.pgcheck URL`: exit 0 when that PostgreSQL answers (for make test)."""

from __future__ import annotations

import sys


def reachable(url: str) -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    try:
        psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


if __name__ == "__main__":
    sys.exit(0 if reachable(sys.argv[1]) else 1)
