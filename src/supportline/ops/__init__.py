"""Running SupportLine in production: shared cache and storage settings, readiness, metrics,
structured logs, backup/restore and pruning (issue 11).

Settings are read by the helpers in `supportline.ops.config`, called from settings.py; the
rest works on Django's public APIs (caches, storages, the database) so that any number of web
and worker processes on any number of machines behave as one service.
"""

from __future__ import annotations
