"""URLs of the desk (mounted at /desk/)."""

from __future__ import annotations

from django.urls import path

from supportline.core import converters  # noqa: F401  (registers <number:…>)
from supportline.desk.views import (
    bulk,
    escalations,
    links,
    presence,
    queue,
    reports,
    supervisor,
    ticket,
    workday,
)

app_name = "desk"

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("queue/rows/", queue.queue_rows, name="queue_rows"),
    path("queue/take/", queue.take_next, name="take_next"),
    path("phone/", queue.phone_call, name="phone"),
    path("tickets/<number:number>/", ticket.ticket, name="ticket"),
    path("tickets/<number:number>/do/<slug:action>/", ticket.act, name="act"),
    # An action's form, loaded when its <details> opens (or a page of its own without JS).
    path("tickets/<number:number>/act/<slug:action>/", ticket.action_form, name="action_form"),
    path(
        "tickets/<number:number>/redirect-answer/", ticket.redirect_answer, name="redirect_answer"
    ),
    # Issue 14: files, search and views, organisations and contacts, notes, reply templates.
    path("tickets/<number:number>/files/<int:pk>/", workday.attachment, name="attachment"),
    path("tickets/<number:number>/notes/", workday.note, name="note"),
    path("tickets/<number:number>/template/", workday.template_fill, name="template_fill"),
    path("search/", workday.search, name="search"),
    path("views/", workday.view_save, name="view_save"),
    path("views/<int:pk>/delete/", workday.view_delete, name="view_delete"),
    path("organisations/<int:pk>/", workday.organisation, name="organisation"),
    path("contacts/", workday.contact, name="contact"),
    path("templates/", workday.templates, name="templates"),
    path("templates/<int:pk>/", workday.template_edit, name="template_edit"),
    path("templates/<int:pk>/delete/", workday.template_delete, name="template_delete"),
    path("tickets/<number:number>/merge/", links.merge, name="merge"),
    path("tickets/<number:number>/link/", links.link, name="link"),
    path("tickets/<number:number>/unlink/<number:other>/", links.unlink, name="unlink"),
    path("tickets/<number:number>/presence/", presence.presence, name="presence"),
    path("queue/bulk/", bulk.bulk, name="bulk"),
    path("escalations/", escalations.escalations, name="escalations"),
    path("items/<int:pk>/plan/", escalations.item_plan, name="item_plan"),
    path("releases/", escalations.releases, name="releases"),
    path("releases/new/", escalations.release_new, name="release_new"),
    path("releases/<int:pk>/reschedule/", escalations.release_move, name="release_reschedule"),
    path("releases/<int:pk>/publish/", escalations.release_publish, name="release_publish"),
    path("board/", supervisor.board, name="board"),
    path("complaints/", supervisor.complaints, name="complaints"),
    path("complaints/<number:number>/", supervisor.complaint, name="complaint"),
    path("registries/", supervisor.registries, name="registries"),
    path("calendar/", supervisor.calendar, name="calendar"),
    path("reports/", reports.report, name="reports"),
    path("reports/export.<slug:fmt>", reports.export, name="report_export"),
    path("reports/what-if/", reports.whatif, name="report_whatif"),
]
