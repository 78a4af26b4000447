from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from supportline.ops.prune import prune


class Command(BaseCommand):
    help = (
        "Удалить выполненные задания старше JOB_RETENTION_DAYS, задания с ошибкой старше "
        "FAILED_JOB_RETENTION_DAYS и истёкшие сеансы (обработчик делает это сам раз в 6 часов)"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = prune()
        self.stdout.write(
            f"Удалено: выполненных заданий {done['done_jobs']} "
            f"(старше {settings.JOB_RETENTION_DAYS} дн.), заданий с ошибкой {done['failed_jobs']} "
            f"(старше {settings.FAILED_JOB_RETENTION_DAYS} дн.), истёкших сеансов "
            f"{done['sessions']}, старых сигналов обработчиков {done['heartbeats']}"
        )
