"""Issue 14 §2: the search rows follow the registries. Renaming an organisation, changing its
INN or moving a registration number writes a job in the same transaction; the worker rebuilds
the affected tickets' rows in bounded batches (the suite runs on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import transaction

from supportline.jobs.core import run_due
from supportline.jobs.models import Job
from supportline.registry.models import Organisation, RegistrationNumber
from supportline.tickets import registry_watch, tasks
from supportline.tickets.models import Ticket, TicketSearch
from tests.desk.conftest import Desk


def document(ticket: Ticket) -> str:
    return TicketSearch.objects.get(ticket=ticket).document


def work() -> None:
    while run_due(worker="test"):
        pass


def test_a_renamed_organisation_is_found_by_its_new_name(desk: Desk) -> None:
    ticket = desk.ticket()
    org = Organisation.objects.get(pk=ticket.organisation_id)
    org.name = "ООО «Лютик»"
    org.save()
    assert Job.objects.filter(kind=registry_watch.JOB).count() == 1
    work()
    assert "лютик" in document(ticket)
    page = desk.consultant.get("/desk/search/", {"q": "лютика"}).content.decode()
    assert ticket.number in page


def test_a_changed_inn_and_a_moved_registration_number_refresh_the_rows(desk: Desk) -> None:
    ticket = desk.ticket()
    org = Organisation.objects.get(pk=ticket.organisation_id)
    org.inn = "7707083893"
    org.save(update_fields=["inn"])
    reg = RegistrationNumber.objects.get(pk=ticket.registration_id)
    reg.number = "800999111"
    reg.save(update_fields=["number"])
    work()
    assert "7707083893" in document(ticket)
    assert "800999111" in document(ticket)


def test_the_job_is_written_in_the_changes_transaction(desk: Desk) -> None:
    ticket = desk.ticket()
    org = Organisation.objects.get(pk=ticket.organisation_id)
    with pytest.raises(RuntimeError), transaction.atomic():
        org.name = "ООО «Откат»"
        org.save()
        raise RuntimeError
    assert not Job.objects.filter(kind=registry_watch.JOB).exists()
    # A change of what the rows do not carry writes nothing.
    org.refresh_from_db()
    org.kpp = "770701001"
    org.save(update_fields=["kpp"])
    assert not Job.objects.filter(kind=registry_watch.JOB).exists()


def test_large_organisations_are_refreshed_in_bounded_batches(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks, "SEARCH_BATCH", 2)
    tickets = [desk.ticket(subject=f"Вопрос {i}") for i in range(5)]
    org = Organisation.objects.get(pk=tickets[0].organisation_id)
    org.name = "ООО «Василёк»"
    org.save()
    runs = 0
    while run_due(worker="test"):
        runs += 1
    assert runs == 3  # 2 + 2 + 1 tickets
    assert all("василек" in document(t) or "василёк" in document(t) for t in tickets)
