"""Template filters shared by the portal and the desk: Moscow (or the user's) time with the zone
named, and working-time durations. The wording lives in `core.formatting`, which the desk's
selectors call too; these are only its names for templates."""

from __future__ import annotations

from django import template

from supportline.core.formatting import minutes_hm, msk

register = template.Library()

register.filter("msk", msk)
register.filter("minutes_hm", minutes_hm)
