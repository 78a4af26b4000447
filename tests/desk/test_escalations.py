"""R15: transferred tickets, development items planned for a release, releases published."""

from __future__ import annotations

from supportline.lib.versions import version_key
from supportline.registry.models import Configuration, Release
from supportline.tickets.actions.development import development_item_plan
from supportline.tickets.actions.escalation import ticket_transfer
from supportline.tickets.models import EventType, Notification, Ticket, TicketEvent
from tests.desk.conftest import Desk, html


def _planned_release() -> Release:
    conf = Configuration.objects.get(name="1С:CRM ПРОФ, редакция 3.0")
    return Release.objects.create(
        configuration=conf, version="3.0.37.1", version_key=version_key("3.0.37.1")
    )


def _transferred(desk: Desk, to: str = "development", kind: str = "defect") -> Ticket:
    return ticket_transfer(
        ticket=desk.ticket(),
        actor=desk.consultant.user,
        to=to,
        kind=kind,
        reason="Ошибка при проведении",
        title="Ошибка проведения счёта",
    )


def test_r15_developer_sees_transferred_tickets_and_items(desk: Desk) -> None:
    ticket = _transferred(desk)
    page = html(desk.developer.get("/desk/escalations/"))
    assert ticket.number in page
    assert "Ошибка проведения счёта" in page
    assert "релиз не назначен" in page


def test_r15_plan_a_release_for_an_item(desk: Desk) -> None:
    ticket = _transferred(desk)
    release = _planned_release()
    item = ticket.development_item
    assert item is not None
    page = html(desk.developer.get("/desk/escalations/"))
    assert f'<option value="{release.pk}"' in page
    response = desk.developer.post(f"/desk/items/{item.pk}/plan/", {"release": release.pk})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.target_release == release
    event = TicketEvent.objects.filter(ticket=ticket, type=EventType.DATA_CHANGED).get()
    assert event.data["target_release"] == "3.0.37.1"
    page = html(desk.developer.get("/desk/escalations/"))
    assert "запланирована в релиз 3.0.37.1" in page
    # The consultant's ticket page shows the target release.
    assert "целевой релиз: 1С:CRM ПРОФ, редакция 3.0 3.0.37.1" in html(
        desk.consultant.get(f"/desk/tickets/{ticket.number}/")
    )


def test_r15_consultant_may_not_plan_and_is_told_why(desk: Desk) -> None:
    ticket = _transferred(desk)
    release = _planned_release()
    assert ticket.development_item is not None
    response = desk.consultant.post(
        f"/desk/items/{ticket.development_item.pk}/plan/", {"release": release.pk}, follow=True
    )
    assert "Недостаточно прав: планировать релиз" in html(response)
    ticket.development_item.refresh_from_db()
    assert ticket.development_item.target_release is None


def test_r15_publish_a_release_notifies_the_linked_clients(desk: Desk) -> None:
    ticket = _transferred(desk)
    release = _planned_release()
    assert ticket.development_item is not None
    development_item_plan(item=ticket.development_item, actor=desk.developer.user, release=release)
    page = html(desk.developer.get("/desk/releases/"))
    assert "1С:CRM ПРОФ, редакция 3.0 3.0.37.1" in page
    assert "Ошибка проведения счёта" in page
    asked = html(desk.developer.post(f"/desk/releases/{release.pk}/publish/"))
    assert "Опубликовать релиз 3.0.37.1" in asked and "станет актуальным" in asked
    release.refresh_from_db()
    assert release.published_at is None  # not before the confirmation
    response = desk.developer.post(
        f"/desk/releases/{release.pk}/publish/", {"confirm": "1"}, follow=True
    )
    assert "Релиз 3.0.37.1 опубликован; уведомлений клиентам: 1" in html(response)
    release.refresh_from_db()
    assert release.published_at is not None and release.is_current
    notice = Notification.objects.get(kind="release_published")
    assert notice.user == desk.client.user and notice.ticket == ticket
    # Publishing twice: the service's Russian refusal.
    response = desk.developer.post(
        f"/desk/releases/{release.pk}/publish/", {"confirm": "1"}, follow=True
    )
    assert "Релиз 3.0.37.1 уже опубликован" in html(response)


def test_r15_escalations_filter_by_target(desk: Desk) -> None:
    dev = _transferred(desk, to="development")
    method = _transferred(desk, to="methodologist", kind="wish")
    page = html(desk.supervisor.get("/desk/escalations/", {"to": "methodologist"}))
    assert method.number in page and dev.number not in page


def test_r15_consultant_may_not_publish(desk: Desk) -> None:
    release = _planned_release()
    assert (
        desk.consultant.post(f"/desk/releases/{release.pk}/publish/", {"confirm": "1"}).status_code
        == 403
    )
    release.refresh_from_db()
    assert release.published_at is None


def test_r16_timeline_tells_the_transfer_in_words(desk: Desk) -> None:
    ticket = _transferred(desk)
    page = html(desk.consultant.get(f"/desk/tickets/{ticket.number}/"))
    assert "куда: Отдел разработки; вид: Ошибка; причина: Ошибка при проведении" in page


def test_r15_publishing_an_older_release_asks_and_says_it_will_not_become_current(
    desk: Desk,
) -> None:
    conf = Configuration.objects.get(name="1С:CRM ПРОФ, редакция 3.0")
    older = Release.objects.create(
        configuration=conf, version="3.0.34.9", version_key=version_key("3.0.34.9")
    )
    asked = html(desk.developer.get(f"/desk/releases/{older.pk}/publish/"))
    assert "старше актуального 3.0.36.12" in asked and "актуальным не станет" in asked
    desk.developer.post(f"/desk/releases/{older.pk}/publish/", {"confirm": "1"})
    older.refresh_from_db()
    assert older.published_at is not None and not older.is_current
    assert Release.objects.get(configuration=conf, version="3.0.36.12").is_current


def test_r15_the_development_department_adds_and_moves_a_release_on_the_desk(
    desk: Desk,
) -> None:
    conf = Configuration.objects.get(name="1С:CRM ПРОФ, редакция 3.0")
    page = html(desk.developer.get("/desk/releases/"))
    assert "Новый релиз" in page
    bad = desk.developer.post(
        "/desk/releases/new/", {"configuration": conf.pk, "version": "три", "planned_date": ""}
    )
    assert bad.status_code == 400
    response = desk.developer.post(
        "/desk/releases/new/",
        {"configuration": conf.pk, "version": "3.0.38.2", "planned_date": "2027-03-01"},
        follow=True,
    )
    assert "Релиз 3.0.38.2 добавлен в план" in html(response)
    release = Release.objects.get(configuration=conf, version="3.0.38.2")
    assert str(release.planned_date) == "2027-03-01"
    moved = desk.developer.post(
        f"/desk/releases/{release.pk}/reschedule/", {"planned_date": "2027-04-01"}, follow=True
    )
    assert "01.04.2027" in html(moved)
    release.refresh_from_db()
    assert str(release.planned_date) == "2027-04-01"
    assert desk.consultant.post("/desk/releases/new/", {}).status_code == 403


def test_r15_the_ticket_page_offers_fixed_in_release_for_a_planned_item(desk: Desk) -> None:
    ticket = _transferred(desk)
    assert "Решено в релизе" not in html(desk.consultant.get(f"/desk/tickets/{ticket.number}/"))
    release = _planned_release()
    assert ticket.development_item is not None
    development_item_plan(item=ticket.development_item, actor=desk.developer.user, release=release)
    assert "Решено в релизе" in html(desk.consultant.get(f"/desk/tickets/{ticket.number}/"))
    desk.consultant.post(f"/desk/tickets/{ticket.number}/do/resolve_release/", {})
    ticket.refresh_from_db()
    assert ticket.status == "client_evaluation"
    assert ticket.messages.filter(body__startswith="Исправлено в релизе 3.0.37.1").exists()
