from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from supportline.accounts.forms import (
    ThrottledAdminAuthenticationForm,
    ThrottledAuthenticationForm,
)
from supportline.accounts.views import PasswordResetThroughOutbox, profile
from supportline.api.urls import api
from supportline.core import errors, notifications
from supportline.core.views import favicon
from supportline.ops.metrics import metrics_view

admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("metrics", metrics_view, name="metrics"),  # Prometheus; off unless METRICS_* is set
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/profile/", profile, name="profile"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("accounts/password_reset/", PasswordResetThroughOutbox.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("desk/", include("supportline.desk.urls")),
    path("connect/", include("supportline.connect.urls")),
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/read/", notifications.mark_read, name="notifications_read"),
    path("notifications/badge/", notifications.badge, name="notifications_badge"),
    path("favicon.ico", favicon),
    path("", include("supportline.portal.urls")),
]

# Pages in the site's layout; {"detail": …} under /api/ (supportline.core.errors).
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
