from __future__ import annotations

from django.urls import path

from supportline.core import converters  # noqa: F401  (registers <number:…>)
from supportline.portal import rating, views

app_name = "portal"

urlpatterns = [
    path("", views.line_page, name="line"),
    path("home/", views.home, name="home"),
    path("portal/", views.tickets, name="tickets"),
    path("portal/new/", views.new_ticket, name="new_ticket"),
    path("portal/tickets/<number:number>/", views.ticket, name="ticket"),
    path("portal/tickets/<number:number>/reply/", views.reply, name="reply"),
    path("portal/tickets/<number:number>/evaluate/", views.evaluate, name="evaluate"),
    # R13: a one-click rating link of the evaluation mail (signed; no sign-in).
    path("rate/<str:token>/", rating.rate, name="rate"),
    path("portal/tickets/<number:number>/files/<int:pk>/", views.attachment, name="attachment"),
    path("portal/update-access/", views.update_access, name="update_access"),
    path("portal/offers/<slug:offer>/", views.offer_request, name="offer_request"),
    path("portal/inn-check/", views.inn_check, name="inn_check"),
    path("portal/complaints/", views.complaints, name="complaints"),
    path("portal/kb/", views.knowledge_base, name="kb"),
    path("portal/kb/suggest/", views.kb_suggest, name="kb_suggest"),
    path("portal/kb/<int:pk>/", views.article, name="article"),
]
