"""`supportline reindex-search`: rebuild the desk search's row of every ticket (issue 14 §2).

The actions keep a ticket's row current whenever the ticket changes; a change in the registries
alone (an organisation renamed, a registration number moved) reaches the rows with this command.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from supportline.tickets import search
from supportline.tickets.models import Ticket

BATCH = 500


class Command(BaseCommand):
    help = "Перестроить поисковый индекс обращений рабочего места (номер, тексты, организация…)"

    def handle(self, *args: Any, **options: Any) -> None:
        done = 0
        ids = list(Ticket.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            with transaction.atomic():
                for ticket in Ticket.objects.filter(pk__in=ids[start : start + BATCH]):
                    search.refresh(ticket)
                    done += 1
        self.stdout.write(f"Поисковый индекс перестроен: обращений — {done}")
