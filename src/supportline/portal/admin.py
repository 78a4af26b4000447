from __future__ import annotations

from django.contrib import admin

from supportline.portal.models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    list_display = ["title", "published", "updated_at"]
    list_filter = ["published"]
    search_fields = ["title", "body"]
