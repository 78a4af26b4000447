"""The user's own settings: the time zone times are shown in (SPEC: Moscow unless chosen)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supportline.accounts.forms import OutboxPasswordResetForm
from supportline.accounts.models import User

# The zones of Russia, west to east; Moscow first as the line's own.
ZONES = [
    ("", gettext_lazy("Время линии (по её регламенту)")),
    ("Europe/Moscow", gettext_lazy("Москва (МСК, UTC+3)")),
    ("Europe/Kaliningrad", gettext_lazy("Калининград (UTC+2)")),
    ("Europe/Samara", gettext_lazy("Самара (UTC+4)")),
    ("Asia/Yekaterinburg", gettext_lazy("Екатеринбург (UTC+5)")),
    ("Asia/Omsk", gettext_lazy("Омск (UTC+6)")),
    ("Asia/Novosibirsk", gettext_lazy("Новосибирск (UTC+7)")),
    ("Asia/Krasnoyarsk", gettext_lazy("Красноярск (UTC+7)")),
    ("Asia/Irkutsk", gettext_lazy("Иркутск (UTC+8)")),
    ("Asia/Yakutsk", gettext_lazy("Якутск (UTC+9)")),
    ("Asia/Vladivostok", gettext_lazy("Владивосток (UTC+10)")),
    ("Asia/Magadan", gettext_lazy("Магадан (UTC+11)")),
    ("Asia/Kamchatka", gettext_lazy("Петропавловск-Камчатский (UTC+12)")),
]


class ProfileForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Показывать время"), choices=ZONES, required=False
    )
    # Issue 14 §7: the in-app notifications also by mail.
    notify_by_mail = forms.BooleanField(
        label=gettext_lazy("Присылать уведомления также на почту"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = ProfileForm(
        request.POST or None,
        initial={"time_zone": user.time_zone, "notify_by_mail": user.notify_by_mail},
    )
    if request.method == "POST" and form.is_valid():
        user.time_zone = form.cleaned_data["time_zone"]
        user.notify_by_mail = form.cleaned_data["notify_by_mail"]
        user.save(update_fields=["time_zone", "notify_by_mail"])
        messages.success(request, _("Настройки сохранены"))
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})


class PasswordResetThroughOutbox(PasswordResetView):
    """Django's reset page with limits per address and e-mail; the mail goes through the
    outbox (`supportline.accounts.forms.OutboxPasswordResetForm`)."""

    form_class = OutboxPasswordResetForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}
