"""Users and their roles (SPEC §1)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLIENT = "client", _("Контактное лицо клиента")
    PARTNER = "partner", _("Партнёр")
    CONSULTANT = "consultant", _("Консультант линии")
    METHODOLOGIST = "methodologist", _("Методолог")
    DEVELOPER = "developer", _("Разработчик")
    SUPERVISOR = "supervisor", _("Руководитель / менеджер по качеству")
    ADMIN = "admin", _("Администратор")


STAFF_ROLES = frozenset(
    {Role.CONSULTANT, Role.METHODOLOGIST, Role.DEVELOPER, Role.SUPERVISOR, Role.ADMIN}
)


class User(AbstractUser):
    role = models.CharField(_("роль"), max_length=20, choices=Role.choices, default=Role.CLIENT)
    organisation = models.ForeignKey(
        "registry.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
        verbose_name=_("организация"),
    )
    partner = models.ForeignKey(
        "registry.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("партнёр"),
    )
    phone = models.CharField(_("телефон"), max_length=30, blank=True)
    # Empty: the line's zone (the regulation's `working_time.time_zone`, R21).
    time_zone = models.CharField(_("часовой пояс"), max_length=64, blank=True, default="")
    # Issue 14 §7: the line's notifications also by mail (besides the in-app badge).
    notify_by_mail = models.BooleanField(_("уведомления также на почту"), default=False)

    class Meta:
        verbose_name = _("пользователь")
        verbose_name_plural = _("пользователи")

    @property
    def is_line_staff(self) -> bool:
        return self.role in STAFF_ROLES
