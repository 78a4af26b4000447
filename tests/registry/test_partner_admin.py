"""R1: the partner–client link is kept in the admin too (besides the contracts import)."""

from __future__ import annotations

import pytest
from django.test import Client

from supportline.accounts.models import User
from supportline.core.demo import load_demo
from supportline.registry.models import Organisation, Partner, PartnerClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> Client:
    load_demo()
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    return client


def test_r1_admin_lists_and_adds_partner_client_links(admin: Client) -> None:
    listing = admin.get("/admin/registry/partnerclient/")
    assert listing.status_code == 200
    assert "ООО «Франч Плюс»" in listing.content.decode()
    partner = Partner.objects.get(code="12-345-678")
    vector = Organisation.objects.get(inn="5018012341")
    added = admin.post(
        "/admin/registry/partnerclient/add/",
        {
            "partner": partner.pk,
            "organisation": vector.pk,
            "source": "admin",
            "since": "01.12.2026",
            "until": "",
        },
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    link = PartnerClient.objects.get(organisation=vector)
    assert link.source == PartnerClient.Source.ADMIN and link.until is None


def test_r1_admin_refuses_a_link_that_ends_before_it_begins(admin: Client) -> None:
    partner = Partner.objects.get(code="12-345-678")
    vector = Organisation.objects.get(inn="5018012341")
    response = admin.post(
        "/admin/registry/partnerclient/add/",
        {
            "partner": partner.pk,
            "organisation": vector.pk,
            "source": "admin",
            "since": "01.12.2026",
            "until": "01.11.2026",
        },
    )
    assert response.status_code == 200
    assert not PartnerClient.objects.filter(organisation=vector).exists()


def test_r1_partner_page_shows_its_clients_inline(admin: Client) -> None:
    partner = Partner.objects.get(code="12-345-678")
    page = admin.get(f"/admin/registry/partner/{partner.pk}/change/")
    assert page.status_code == 200
    assert "client_links-TOTAL_FORMS" in page.content.decode()
