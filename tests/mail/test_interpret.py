"""The pure inbound function over the .eml corpus: no database, no network (STYLE §5)."""

from __future__ import annotations

import pytest

from supportline.mail.inbound import (
    ComplaintMail,
    Ignore,
    MailError,
    TicketMail,
    decode_text,
    headline,
    interpret,
    trim_quoted,
)
from tests.mail.conftest import EML, eml


def ticket_mail(name: str) -> TicketMail:
    action = interpret(eml(name), mailbox="line")
    assert isinstance(action, TicketMail), action
    return action


def test_plain_utf8_new_ticket_with_r1_data_in_labelled_lines() -> None:
    action = ticket_mail("plain-utf8-new-ticket.eml")
    letter = action.letter
    assert letter.sender == "i.smirnov@romashka.example.ru"
    assert letter.sender_name == "Иван Смирнов"
    assert letter.subject == "Не формируется отчёт «Воронка продаж»"
    assert "«Деление на 0»" in letter.text
    assert letter.message_id == "<8f1c2a7e-1d2b-4c3a-9e55-0a1b2c3d4e5f@romashka.example.ru>"
    assert not action.is_reply and not action.our_refs and not action.subject_number
    assert action.intake.registration_number == "800123456"
    assert action.intake.organisation == "ООО «Ромашка»"
    assert action.intake.configuration == "1С:CRM ПРОФ, редакция 3.0"
    assert action.intake.version == "3.0.36.12"


def test_multipart_alternative_quoted_printable_reads_the_text_part_once() -> None:
    letter = ticket_mail("alternative-qp-outlook.eml").letter
    assert letter.subject == "Интеграция с телефонией"
    assert letter.text.count("карточка клиента не открывается") == 1
    assert "MsoNormal" not in letter.text
    assert letter.files == ()


def test_html_only_body_is_sanitised_and_converted_to_text() -> None:
    action = ticket_mail("html-only-base64.eml")
    text = action.letter.text
    assert "alert" not in text and "font-family" not in text and "ignored title" not in text
    assert "«3.0.36.12»" in text  # entities decoded
    assert "- о звонках;\n- о встречах." in text
    assert "ИТС (https://its.example.ru/db/crm30/reminders)" in text
    assert "<" not in text
    assert action.intake.registration_number == "800123456"


def test_koi8r_body_and_subject() -> None:
    action = ticket_mail("koi8r-8bit.eml")
    assert action.letter.subject == "Не найдена лицензия"
    assert action.letter.sender_name == "Бухгалтерия Вектор"
    assert 'пишет "Не найдена лицензия"' in action.letter.text
    assert action.intake.registration_number == "800654321"
    assert action.intake.organisation == 'АО "Вектор"'


def test_windows1251_base64_body_and_reply_to_as_contact() -> None:
    action = ticket_mail("cp1251-base64-thebat.eml")
    letter = action.letter
    assert letter.subject == "Перенос истории взаимодействий"
    assert "историю взаимодействий из старой базы" in letter.text
    assert letter.sender == "admin@lesnoy.example.ru"
    assert letter.contact == "support@lesnoy.example.ru"
    assert action.intake.configuration == "1С:CRM КОРП, редакция 3.0"
    assert action.intake.version == "3.0.35.4"


@pytest.mark.parametrize(
    ("name", "subject", "phrase"),
    [
        (
            "mislabelled-cp1251-as-ascii.eml",
            "Зависает рабочий стол",
            "зависает при открытии рабочего стола менеджера",
        ),
        (
            "mislabelled-koi8r-as-cp1251.eml",
            "Ошибка почтового профиля",
            "появляется ошибка почтового профиля",
        ),
    ],
)
def test_mislabelled_cyrillic_charsets_are_recognised(name: str, subject: str, phrase: str) -> None:
    letter = ticket_mail(name).letter
    assert letter.subject == subject
    assert phrase in letter.text


def test_attachments_with_rfc2231_and_encoded_word_names() -> None:
    letter = ticket_mail("attachments-rfc2231.eml").letter
    assert [(f.name, f.content_type) for f in letter.files] == [
        ("Настройки обмена.pdf", "application/pdf"),
        ("ошибка.png", "image/png"),
    ]
    assert letter.files[0].content.startswith(b"%PDF-1.4")
    assert letter.files[1].content.startswith(b"\x89PNG")
    assert letter.text == "Добрый день! Прикладываю снимок экрана с ошибкой и выгрузку настроек."


def test_message_forwarded_as_attachment_is_inlined() -> None:
    action = ticket_mail("forwarded-as-attachment.eml")
    text = action.letter.text
    assert action.letter.subject == "Дубли контрагентов"
    assert "---------- Пересланное сообщение ----------" in text
    assert "От: Мария Орлова <m.orlova@romashka.example.ru>" in text
    assert "около 300 штук" in text
    assert action.intake.registration_number == "800123456"


def test_inline_forward_of_a_new_question_keeps_the_quoted_text() -> None:
    action = ticket_mail("forwarded-inline.eml")
    assert not action.is_reply
    assert "> Лицензии на 5 рабочих мест" in action.letter.text
    assert action.letter.reply_text == action.letter.text


def test_reply_with_in_reply_to_carries_thread_keys_and_trims_the_quote() -> None:
    action = ticket_mail("reply-in-reply-to.eml")
    assert action.is_reply
    assert action.subject_number == "CRM-000001"
    assert [(r.message_pk, r.number, r.token) for r in action.our_refs] == [
        (3, "CRM-000001", "0123456789ab")
    ]
    assert action.letter.references[0] == "<msg-3.CRM-000001.0123456789ab@example.ru>"
    assert action.letter.reply_text == (
        "Добрый день! Ошибка появляется только у пользователя Петрова, у остальных отчёт\n"
        "формируется. Снимок экрана пришлю отдельно."
    )
    assert "> Здравствуйте! Уточните" in action.letter.text


def test_outlook_reply_with_number_sign_in_subject() -> None:
    action = ticket_mail("reply-outlook-ru.eml")
    assert action.is_reply
    assert action.subject_number == "CRM-000001"
    assert action.letter.reply_text == "Спасибо, помогло. Вопрос можно закрывать.\n\nОльга"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("autoreply-vacation.eml", "Auto-Submitted: auto-replied"),
        ("bounce-multipart-report.eml", "Auto-Submitted"),
        ("newsletter-precedence-bulk.eml", "Precedence: bulk"),
    ],
)
def test_auto_replies_bounces_and_bulk_mail_are_ignored(name: str, reason: str) -> None:
    action = interpret(eml(name), mailbox="line")
    assert isinstance(action, Ignore)
    assert reason in action.reason


def _without(raw: bytes, *headers: bytes) -> bytes:
    head, _, body = raw.partition(b"\r\n\r\n")
    kept = [line for line in head.split(b"\r\n") if not any(line.startswith(h) for h in headers)]
    return b"\r\n".join(kept) + b"\r\n\r\n" + body


def test_bounce_is_recognised_by_each_of_its_signs() -> None:
    raw = eml("bounce-multipart-report.eml")
    report_only = _without(raw, b"Auto-Submitted:", b"Return-Path:", b"From:")
    action = interpret(report_only, mailbox="line")
    # Even without a sender a delivery report is ignored, not quarantined.
    assert isinstance(action, Ignore) and "multipart/report" in action.reason
    plain = _without(raw, b"Auto-Submitted:", b"Content-Type:")
    assert "Return-Path" in interpret(plain, mailbox="line").reason  # type: ignore[union-attr]
    daemon = _without(raw, b"Auto-Submitted:", b"Content-Type:", b"Return-Path:")
    assert "mailer-daemon" in interpret(daemon, mailbox="line").reason  # type: ignore[union-attr]


def test_auto_submitted_no_is_a_person() -> None:
    raw = eml("plain-utf8-new-ticket.eml").replace(
        b"MIME-Version: 1.0", b"Auto-Submitted: no\r\nMIME-Version: 1.0"
    )
    assert isinstance(interpret(raw, mailbox="line"), TicketMail)


def test_our_own_message_coming_back_is_ignored() -> None:
    raw = eml("plain-utf8-new-ticket.eml").replace(
        b"<8f1c2a7e-1d2b-4c3a-9e55-0a1b2c3d4e5f@romashka.example.ru>",
        b"<msg-7.CRM-000003.0123456789ab@example.ru>",
    )
    action = interpret(raw, mailbox="line")
    assert isinstance(action, Ignore) and "наше" in action.reason


def test_unreadable_message_raises_a_russian_reason() -> None:
    with pytest.raises(MailError, match="адрес отправителя"):
        interpret(eml("broken-no-sender.eml"), mailbox="line")
    with pytest.raises(MailError, match="Пустое письмо"):
        interpret(b"\r\n", mailbox="line")


def test_quality_mailbox_gives_a_complaint_with_the_tickets_it_names() -> None:
    action = interpret(eml("complaint-quality.eml"), mailbox="quality")
    assert isinstance(action, ComplaintMail)
    assert action.numbers == ("CRM-000001",)
    assert action.letter.subject == "Жалоба: затянули ответ по обращению CRM-000001"


def test_headline_message_id_is_what_interpret_reports_for_every_corpus_file() -> None:
    for path in sorted(EML.glob("*.eml")):
        raw = path.read_bytes()
        head = headline(raw)
        try:
            action = interpret(raw, mailbox="line")
        except MailError:
            continue
        reported = action.message_id if isinstance(action, Ignore) else action.letter.message_id
        assert head.message_id == reported, path.name


def test_message_without_message_id_gets_a_stable_substitute() -> None:
    raw = _without(eml("plain-utf8-new-ticket.eml"), b"Message-ID:")
    first = headline(raw).message_id
    assert first == headline(raw).message_id
    assert first.startswith("<sha256-") and first.endswith("@supportline.invalid>")
    assert isinstance(interpret(raw, mailbox="line"), TicketMail)


def test_decoding_keeps_a_western_latin1_text() -> None:
    assert decode_text("Grüße aus München".encode("latin-1"), "iso-8859-1") == "Grüße aus München"
    assert decode_text("Привет, мир".encode("cp1251"), None) == "Привет, мир"
    assert decode_text("Привет, мир".encode("koi8-r"), None) == "Привет, мир"
    assert decode_text("Привет, мир".encode(), "iso-8859-1") == "Привет, мир"


def test_interleaved_quotes_are_not_trimmed() -> None:
    text = "> Какая версия?\n3.0.36.12\n> Какая конфигурация?\nКОРП\n"
    assert trim_quoted(text) == text.strip("\n")


def test_raw_utf8_headers_without_encoded_words() -> None:
    raw = (
        "From: Ирина Петрова <irina@romashka.example.ru>\r\n"
        "Subject: Не отправляются SMS\r\n"
        "Message-ID: <raw-utf8@romashka.example.ru>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        "Текст письма.\r\n"
    ).encode()
    letter = ticket_mail_raw(raw).letter
    assert (letter.sender_name, letter.subject) == ("Ирина Петрова", "Не отправляются SMS")
    assert letter.text == "Текст письма."


def ticket_mail_raw(raw: bytes) -> TicketMail:
    action = interpret(raw, mailbox="line")
    assert isinstance(action, TicketMail), action
    return action
