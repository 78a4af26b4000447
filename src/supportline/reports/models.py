"""A closed month's report, kept as computed (R21: changing the calendar or the regulation file
later never rewrites it)."""

from __future__ import annotations

from django.db import models


class ReportSnapshot(models.Model):
    """The figures of a closed period (the first day and the day after its last, line dates),
    computed once after the period ended; the page, the export and the API read them back."""

    first_day = models.DateField()
    end_day = models.DateField()
    data = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first_day", "end_day"], name="report_snapshot_once")
        ]

    def __str__(self) -> str:
        return f"{self.first_day}…{self.end_day}"


class MonthlyMail(models.Model):
    """The monthly report mailed to one supervisor: one row per month and person, written before
    the mail is sent, so many workers mail it once."""

    month = models.DateField()
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "user"], name="monthly_mail_once")]
