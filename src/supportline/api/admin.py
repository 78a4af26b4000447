"""API tokens in the admin: who holds one, since when, last use, expiry, revocation — never the
secret (only its hash is stored, and that is not shown either). Tokens are issued by
`supportline token USERNAME`; here they are listed and revoked."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_stubs_ext import StrOrPromise

from supportline.api.models import ApiToken

MANUAL = "отозван в админке"


class StateFilter(admin.SimpleListFilter):
    title = _("состояние")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: object) -> list[tuple[str, StrOrPromise]]:
        return [
            ("active", _("действует")),
            ("expired", _("истёк")),
            ("revoked", _("отозван")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> QuerySet[ApiToken]:
        now = timezone.now()
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True).exclude(expires_at__lte=now)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = [
        "id",
        "user",
        "name",
        "created_at",
        "last_used_at",
        "expires_at",
        "state",
        "revoked_at",
    ]
    list_filter = [StateFilter]
    list_select_related = ["user"]
    search_fields = ["user__username", "name"]
    fields = (
        "user",
        "name",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "revoked_reason",
    )
    readonly_fields = fields
    actions = ["revoke"]

    @admin.display(description=_("состояние"))
    def state(self, obj: ApiToken) -> str:
        if obj.revoked_at is not None:
            return str(_("отозван"))
        if obj.is_expired():
            return str(_("истёк"))
        return str(_("действует"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # issued by `supportline token`, which shows the secret once

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False  # revoked, not deleted: the list says who had access and when

    @admin.action(description=_("Отозвать выбранные токены"), permissions=["view"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        done = ApiToken.objects.filter(pk__in=queryset.values("pk")).revoke(reason=MANUAL)
        self.message_user(
            request,
            ngettext("Отозван %(n)d токен", "Отозвано токенов: %(n)d", done) % {"n": done},
            messages.SUCCESS,
        )
