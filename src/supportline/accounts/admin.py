from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from supportline.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    list_display = ["username", "email", "role", "organisation", "partner", "is_active"]
    list_filter = ["role", "is_active"]
    list_select_related = ["organisation", "partner"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Роль на линии"), {"fields": ("role", "organisation", "partner", "phone", "time_zone")}),
    )
