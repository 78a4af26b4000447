"""R15 release dates: a release has a planned date set by the development department; a ticket
linked to a development item with a target release tells its client the release and the date,
and again when the date moves; the line may resolve with "fixed in release N"; publishing never
makes an older release current."""

from __future__ import annotations

from typing import Any

from supportline.registry.models import Configuration, Release
from supportline.tickets.models import Message, Notification, Ticket
from tests.tickets.conftest import Line

CONF = "1С:CRM ПРОФ, редакция 3.0"


def _transfer(line: Line, number: str, **extra: Any) -> None:
    response = line.consultant.post(
        f"/tickets/{number}/transfer",
        {"to": "development", "kind": "defect", "reason": "Ошибка проведения", **extra},
    )
    assert response.status_code == 200, response.content.decode()


def _release(line: Line, version: str, planned: str | None = "2027-01-15") -> dict[str, Any]:
    response = line.developer.post(
        "/releases", {"configuration": CONF, "version": version, "planned_date": planned}
    )
    assert response.status_code == 201, response.content.decode()
    return response.json()  # type: ignore[no-any-return]


def _notices(number: str, kind: str) -> list[str]:
    return list(
        Notification.objects.filter(ticket__number=number, kind=kind).values_list("text", flat=True)
    )


def test_r15_the_development_department_creates_a_release_with_its_planned_date(
    line: Line,
) -> None:
    created = _release(line, "3.0.37.1")
    assert created["planned_date"] == "2027-01-15"
    assert created["is_current"] is False
    listed = {r["version"]: r for r in line.consultant.get("/registry/releases").json()}
    assert listed["3.0.37.1"]["planned_date"] == "2027-01-15"
    # A consultant is not the development department; a malformed version names the field.
    refused = line.consultant.post("/releases", {"configuration": CONF, "version": "3.0.38.1"})
    assert refused.status_code == 403
    bad = line.developer.post("/releases", {"configuration": CONF, "version": "три"})
    assert bad.status_code == 422 and "version" in bad.json()["errors"]
    unknown = line.developer.post("/releases", {"configuration": "Нет такой", "version": "1.0"})
    assert unknown.status_code == 422 and "configuration" in unknown.json()["errors"]


def test_r15_planning_tells_the_client_the_release_and_date_and_again_when_it_moves(
    line: Line,
) -> None:
    number = line.ticket()["number"]
    _transfer(line, number, title="Ошибка проведения сделки")
    release = _release(line, "3.0.37.1")
    item = line.consultant.get("/development-items").json()[0]
    planned = line.developer.post(
        f"/development-items/{item['id']}/plan", {"release_id": release["id"]}
    ).json()
    assert planned["planned_date"] == "2027-01-15"
    told = _notices(number, "release_planned")
    assert len(told) == 1 and "3.0.37.1" in told[0] and "15.01.2027" in told[0]
    # The client's message went out through the outbox too (mail to the ticket's contact).
    ticket = Ticket.objects.get(number=number)
    assert ticket.messages.filter(body__contains="15.01.2027").exists()

    moved = line.developer.post(
        f"/releases/{release['id']}/reschedule", {"planned_date": "2027-02-01"}
    )
    assert moved.status_code == 200 and moved.json()["planned_date"] == "2027-02-01"
    moved_notice = _notices(number, "release_moved")
    assert len(moved_notice) == 1 and "перенесено" in moved_notice[0]
    assert "01.02.2027" in moved_notice[0]
    told_messages = ticket.messages.filter(body__contains="01.02.2027").count()
    assert told_messages == 1
    # Rescheduling to the same date tells nobody again.
    line.developer.post(f"/releases/{release['id']}/reschedule", {"planned_date": "2027-02-01"})
    assert ticket.messages.filter(body__contains="01.02.2027").count() == 1
    # The portal shows the target release and its date on the client's ticket.
    page = line.client.client
    page.force_login(line.client.user)
    html = page.get(f"/portal/tickets/{number}/").content.decode()
    assert "3.0.37.1" in html and "01.02.2027" in html


def test_r15_linking_to_an_item_already_planned_tells_the_client_at_once(line: Line) -> None:
    first = line.ticket()["number"]
    _transfer(line, first, title="Ошибка")
    release = _release(line, "3.0.37.1")
    item = line.consultant.get("/development-items").json()[0]
    line.developer.post(f"/development-items/{item['id']}/plan", {"release_id": release["id"]})
    second = line.ticket()["number"]
    _transfer(line, second, development_item=item["id"])
    assert any("15.01.2027" in t for t in _notices(second, "release_planned"))


def test_r15_the_line_resolves_a_transferred_ticket_as_fixed_in_release(line: Line) -> None:
    number = line.ticket()["number"]
    without = line.consultant.post(f"/tickets/{number}/resolve-in-release", {})
    assert without.status_code == 422
    _transfer(line, number, title="Ошибка")
    release = _release(line, "3.0.37.1")
    item = line.consultant.get("/development-items").json()[0]
    line.developer.post(f"/development-items/{item['id']}/plan", {"release_id": release["id"]})
    resolved = line.consultant.post(f"/tickets/{number}/resolve-in-release", {})
    assert resolved.status_code == 200, resolved.content.decode()
    assert resolved.json()["status"] == "client_evaluation"
    answer = Ticket.objects.get(number=number).messages.filter(purpose=Message.Purpose.EVALUATION)
    assert answer.filter(body__startswith="Исправлено в релизе 3.0.37.1 (плановая дата 15.01.2027)")
    # The development item keeps its life: publishing still notifies the client.
    line.developer.post(f"/releases/{release['id']}/publish")
    assert _notices(number, "release_published")


def test_r15_publishing_an_older_release_never_makes_it_current(line: Line) -> None:
    conf = Configuration.objects.get(name=CONF)
    current = Release.objects.get(configuration=conf, is_current=True)
    older = _release(line, "3.0.34.9", planned=None)
    published = line.developer.post(f"/releases/{older['id']}/publish")
    assert published.status_code == 200
    assert Release.objects.get(pk=current.pk).is_current
    assert not Release.objects.get(pk=older["id"]).is_current
    assert Release.objects.get(pk=older["id"]).published_at is not None
    newer = _release(line, "3.0.40.1", planned=None)
    line.developer.post(f"/releases/{newer['id']}/publish")
    assert Release.objects.get(pk=newer["id"]).is_current
    assert not Release.objects.get(pk=current.pk).is_current
    configurations = {c["name"]: c for c in line.client.get("/registry/configurations").json()}
    assert configurations[CONF]["current_release"] == "3.0.40.1"
