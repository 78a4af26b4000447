"""The knowledge base the portal offers before a ticket is filed (R5)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Article(models.Model):
    """A knowledge-base article, written and published by an administrator (Django admin)."""

    title = models.CharField(_("заголовок"), max_length=300)
    body = models.TextField(_("текст"))
    published = models.BooleanField(_("опубликована"), default=True)
    updated_at = models.DateTimeField(_("изменена"), auto_now=True)

    class Meta:
        verbose_name = _("статья базы знаний")
        verbose_name_plural = _("статьи базы знаний")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title
