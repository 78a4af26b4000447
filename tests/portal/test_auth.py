"""Signing in and out, the role redirect and password reset by e-mail — in Russian."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.test import Client

from supportline.jobs.core import discover, run_due
from supportline.jobs.models import Job
from tests.portal.conftest import Portal

PORTAL_PAGES = [
    "/portal/",
    "/portal/new/",
    "/portal/tickets/CRM-000001/",
    "/portal/update-access/",
    "/portal/complaints/",
    "/portal/kb/",
    "/portal/kb/suggest/?subject=отчёт",
    "/portal/inn-check/?inn=7705123452",
]


def test_login_page_is_russian_and_signs_a_client_into_the_portal(portal: Portal) -> None:
    browser = Client()
    page = browser.get("/accounts/login/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Вход на портал линии консультации" in html
    assert 'for="id_username"' in html and 'for="id_password"' in html
    assert "Забыли пароль?" in html
    signed = browser.post(
        "/accounts/login/", {"username": "client", "password": "client-demo"}, follow=True
    )
    assert signed.redirect_chain == [("/home/", 302), ("/portal/", 302)]
    assert "Мои обращения" in signed.content.decode()


def test_wrong_password_is_explained_in_russian(portal: Portal) -> None:
    response = Client().post("/accounts/login/", {"username": "client", "password": "nope"})
    assert response.status_code == 200
    assert "Неверное имя пользователя или пароль" in response.content.decode()


def test_home_sends_line_staff_to_the_desk_and_clients_to_the_portal(portal: Portal) -> None:
    assert portal.consultant.browser.get("/home/").url == "/desk/"
    assert portal.client.browser.get("/home/").url == "/portal/"
    assert portal.partner.browser.get("/home/").url == "/portal/"
    assert portal.anonymous.get("/home/").url.startswith("/accounts/login/")


@pytest.mark.parametrize("url", PORTAL_PAGES)
def test_anonymous_is_sent_to_login(portal: Portal, url: str) -> None:
    response = portal.anonymous.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", PORTAL_PAGES)
def test_line_staff_visiting_the_portal_go_to_the_desk(portal: Portal, url: str) -> None:
    response = portal.consultant.browser.get(url)
    assert response.status_code == 302
    assert response.url == "/desk/"


def test_logout_is_a_post_and_lands_on_the_line_page(portal: Portal) -> None:
    browser = portal.client.browser
    response = browser.post("/accounts/logout/")
    assert response.status_code == 302 and response.url == "/"
    assert browser.get("/portal/").status_code == 302


def test_logged_out_template_is_russian(portal: Portal) -> None:
    from django.template.loader import render_to_string

    html = render_to_string("registration/logged_out.html")
    assert "Вы вышли из портала" in html


def test_password_reset_sends_a_russian_email_and_sets_a_new_password(portal: Portal) -> None:
    browser = Client()
    form = browser.get("/accounts/password_reset/")
    assert "Восстановление пароля" in form.content.decode()
    sent = browser.post("/accounts/password_reset/", {"email": "client@demo.example.ru"})
    assert sent.status_code == 302
    done = browser.get(sent.url)
    assert "Проверьте почту" in done.content.decode()

    # The mail is a job of the outbox: nothing leaves from the request itself.
    assert mail.outbox == []
    job = Job.objects.get(kind="accounts.password_reset_mail")
    assert "token" not in json.dumps(job.payload)  # the link is made when the mail is sent
    discover()
    run_due(worker="test")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["client@demo.example.ru"]
    # R21: the line is named as its regulation file names it.
    assert message.subject == (
        "Восстановление пароля на портале «Линия консультации по продуктам линейки 1С:CRM»"
    )
    assert "Чтобы выбрать новый пароль, перейдите по ссылке" in message.body
    assert "Ваше имя пользователя: client" in message.body
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body)
    assert link is not None

    confirm = browser.get(link.group(1), follow=True)
    assert "Введите новый пароль дважды" in confirm.content.decode()
    changed = browser.post(
        confirm.redirect_chain[-1][0],
        {"new_password1": "Ромашка-2026-весна", "new_password2": "Ромашка-2026-весна"},
        follow=True,
    )
    assert "Пароль изменён" in changed.content.decode()
    assert Client().login(username="client", password="Ромашка-2026-весна")


def test_password_reset_for_an_unknown_address_sends_nothing(portal: Portal) -> None:
    response = Client().post("/accounts/password_reset/", {"email": "nobody@example.ru"})
    assert response.status_code == 302
    assert not Job.objects.filter(kind="accounts.password_reset_mail").exists()
    assert mail.outbox == []


def _reset(email: str, address: str) -> int:
    return (
        Client()
        .post("/accounts/password_reset/", {"email": email}, REMOTE_ADDR=address)
        .status_code
    )


def test_password_reset_is_limited_per_target_email(portal: Portal) -> None:
    for n in range(3):
        assert _reset("client@demo.example.ru", f"192.0.2.{n + 1}") == 302
    refused = Client().post(
        "/accounts/password_reset/", {"email": "CLIENT@demo.example.ru"}, REMOTE_ADDR="192.0.2.9"
    )
    assert refused.status_code == 200
    assert "Слишком много запросов на восстановление пароля" in refused.content.decode()
    assert Job.objects.filter(kind="accounts.password_reset_mail").count() == 3
    # Another address to reset is not affected.
    assert _reset("client2@demo.example.ru", "192.0.2.9") == 302


def test_password_reset_is_limited_per_client_address(portal: Portal) -> None:
    for n in range(5):
        assert _reset(f"someone{n}@example.ru", "198.51.100.4") == 302
    refused = Client().post(
        "/accounts/password_reset/", {"email": "client@demo.example.ru"}, REMOTE_ADDR="198.51.100.4"
    )
    assert "Слишком много запросов на восстановление пароля" in refused.content.decode()
    assert not Job.objects.filter(kind="accounts.password_reset_mail").exists()
    assert _reset("client@demo.example.ru", "198.51.100.5") == 302


def test_invalid_reset_link_is_explained(portal: Portal) -> None:
    response = Client().get("/accounts/reset/MQ/bad-token/")
    assert "Ссылка для восстановления пароля недействительна" in response.content.decode()


def test_csrf_is_enforced_on_login(portal: Portal) -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"username": "client", "password": "client-demo"})
    assert response.status_code == 403
