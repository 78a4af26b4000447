from __future__ import annotations

import logging
import signal
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from supportline.jobs.core import discover, worker_id
from supportline.jobs.worker import Worker

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
        worker = Worker(
            name=me,
            batch=options["batch"],
            idle=options["idle"],
            periodic=not options["no_periodic"],
            once=options["once"],
        )

        def stop(signum: int, frame: FrameType | None) -> None:
            worker.stop()
            log.info("worker %s: signal %s, finishing the current job", me, signum)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"Обработчик заданий {me} запущен")
        self.stdout.flush()
        ran_total = worker.run()
        self.stdout.write(f"Обработчик заданий {me} остановлен, выполнено заданий: {ran_total}")
