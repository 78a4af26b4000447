from __future__ import annotations

from django.contrib import admin

from supportline.registry import models


class ContractInline(admin.TabularInline[models.Contract, models.RegistrationNumber]):
    model = models.Contract
    extra = 0


@admin.register(models.Organisation)
class OrganisationAdmin(admin.ModelAdmin[models.Organisation]):
    list_display = ["name", "inn", "kpp", "email"]
    search_fields = ["name", "full_name", "inn"]


class PartnerClientInline(admin.TabularInline[models.PartnerClient, models.Partner]):
    """R1: the organisations a partner serves (it may file tickets on their numbers)."""

    model = models.PartnerClient
    extra = 0
    fields = ["organisation", "source", "since", "until"]
    autocomplete_fields = ["organisation"]


@admin.register(models.Partner)
class PartnerAdmin(admin.ModelAdmin[models.Partner]):
    list_display = ["name", "code", "inn"]
    search_fields = ["name", "code", "inn"]
    inlines = [PartnerClientInline]


@admin.register(models.PartnerClient)
class PartnerClientAdmin(admin.ModelAdmin[models.PartnerClient]):
    list_display = ["partner", "organisation", "source", "since", "until"]
    list_filter = ["source"]
    search_fields = ["partner__code", "partner__name", "organisation__name", "organisation__inn"]
    list_select_related = ["partner", "organisation"]
    autocomplete_fields = ["partner", "organisation"]


@admin.register(models.Product)
class ProductAdmin(admin.ModelAdmin[models.Product]):
    list_display = ["name", "support_status"]


class ReleaseInline(admin.TabularInline[models.Release, models.Configuration]):
    model = models.Release
    extra = 0
    fields = ["version", "is_current", "published_at"]


@admin.register(models.Configuration)
class ConfigurationAdmin(admin.ModelAdmin[models.Configuration]):
    list_display = ["name", "product", "support_status"]
    list_filter = ["product", "support_status"]
    inlines = [ReleaseInline]


@admin.register(models.Release)
class ReleaseAdmin(admin.ModelAdmin[models.Release]):
    list_display = ["configuration", "version", "is_current", "published_at"]
    list_filter = ["configuration", "is_current"]


@admin.register(models.RegistrationNumber)
class RegistrationNumberAdmin(admin.ModelAdmin[models.RegistrationNumber]):
    list_display = ["number", "kind", "organisation", "partner", "product"]
    list_filter = ["kind", "product"]
    search_fields = ["number", "organisation__name", "partner__code"]
    list_select_related = ["organisation", "partner", "product"]
    inlines = [ContractInline]


@admin.register(models.Contract)
class ContractAdmin(admin.ModelAdmin[models.Contract]):
    list_display = ["registration", "kind", "number", "valid_from", "valid_to", "its_level"]
    list_filter = ["kind", "its_level"]
    search_fields = ["registration__number", "number"]
    list_select_related = ["registration"]


@admin.register(models.CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin[models.CalendarOverride]):
    list_display = ["date", "kind", "reason", "updated_at"]
    list_filter = ["kind"]
    date_hierarchy = "date"


@admin.register(models.CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin[models.CalendarYear]):
    list_display = ["year", "decree", "uploaded_at"]
    readonly_fields = ["year", "data", "decree", "uploaded_at"]

    def has_add_permission(self, request: object) -> bool:
        return False  # years come in through `supportline import-calendar`, validated
