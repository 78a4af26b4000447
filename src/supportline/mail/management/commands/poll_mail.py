from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportline.mail import imap
from supportline.mail.services import inbound_mail_process


class Command(BaseCommand):
    help = (
        "Забрать новые письма из ящиков линии и качества (IMAP). Письма сохраняются и "
        "обрабатываются обработчиком заданий; с --process — сразу"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=imap.BATCH, help="не больше писем из каждого ящика"
        )
        parser.add_argument(
            "--process", action="store_true", help="сразу обработать сохранённые письма"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            results = imap.poll_all(limit=options["limit"])
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        except imap.MailboxError as exc:
            raise CommandError(f"Почта не получена: {exc}") from None
        for result in results:
            self.stdout.write(
                f"{result.mailbox}: новых {result.unseen}, сохранено {len(result.stored)}, "
                f"уже были {result.duplicates}"
            )
            if options["process"]:
                for pk in result.stored:
                    mail = inbound_mail_process(pk=pk)
                    ticket = mail.ticket.number if mail.ticket else ""
                    self.stdout.write(f"  #{pk} {mail.get_state_display()} {ticket}".rstrip())
