from __future__ import annotations

import logging
import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from supportline.jobs.core import claim, discover, run_claimed, schedule_periodic, worker_id
from supportline.jobs.heartbeat import beat
from supportline.ops.logs import job_context

log = logging.getLogger("supportline.worker")


class Command(BaseCommand):
    help = "Фоновый обработчик заданий (почта, опрос ящиков, предупреждения SLA, автозакрытие)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="выполнить то, что готово, и выйти")
        parser.add_argument("--batch", type=int, default=10, help="сколько заданий брать за раз")
        parser.add_argument("--idle", type=float, default=1.0, help="пауза без заданий, секунд")
        parser.add_argument(
            "--no-periodic", action="store_true", help="не планировать периодические задания"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        discover()
        me = worker_id()
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True
            log.info("worker %s: signal %s, finishing the current job", me, signum)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"Обработчик заданий {me} запущен")
        ran_total = 0
        while not stopping:
            close_old_connections()
            beat(me)  # at most once per heartbeat.INTERVAL; /api/v1/ready reads it
            if not options["no_periodic"]:
                schedule_periodic()
            jobs = claim(worker=me, limit=options["batch"])
            for job in jobs:
                if stopping:
                    # Give the rest back at once rather than waiting for the lease to run out.
                    from supportline.jobs.models import Job

                    Job.objects.filter(pk=job.pk, locked_by=me).update(
                        state=Job.State.PENDING, locked_until=None, attempts=job.attempts - 1
                    )
                    continue
                with job_context(job):  # log lines of the job carry job=<kind>#<id>
                    run_claimed(job, worker=me)
                ran_total += 1
            if options["once"]:
                break
            if not jobs:
                time.sleep(options["idle"])
        self.stdout.write(f"Обработчик заданий {me} остановлен, выполнено заданий: {ran_total}")
