from __future__ import annotations

from django.contrib import admin

from supportline.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    list_display = ["id", "kind", "state", "run_at", "attempts", "locked_by", "duration_ms"]
    list_filter = ["state", "kind"]
    readonly_fields = [f.name for f in Job._meta.fields]
