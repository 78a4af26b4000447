from __future__ import annotations

from django.urls import path

from supportline.connect import views

app_name = "connect"

urlpatterns = [
    path("webhook", views.webhook, name="webhook"),
    # The same endpoint with a trailing slash: APPEND_SLASH cannot redirect a POST.
    path("webhook/", views.webhook),
]
