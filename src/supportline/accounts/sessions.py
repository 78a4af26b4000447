"""The sessions of the desk and the portal: Django's database sessions, the read compiled once.

Every signed-in page reads its session row first; the ORM compiled that SELECT on every request
(issue 15). `SESSION_ENGINE = "supportline.accounts.sessions"` reads it with the statement
compiled once (`lib.statements`); writing, expiry and the table are Django's own, so the
sessions of `django.contrib.sessions.backends.db` stay valid across the change.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from supportline.lib.statements import Select

_SESSION: Select[Session] = Select(
    lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now).order_by()[:1],
    key=str,
    now=dt.datetime,
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        """The session row unless it expired (as Django's: an unknown key is forgotten)."""
        found = _SESSION.first(key=self.session_key, now=timezone.now())
        if found is None:
            self._session_key = None
        return found
