from __future__ import annotations

from django.urls import path

from supportline.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.line_page, name="line"),
]
