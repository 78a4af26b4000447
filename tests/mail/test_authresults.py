"""Reading Authentication-Results (RFC 8601): which headers count and what they prove."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from supportline.mail.authresults import aligned, ours, parse, verify

MX = ["mx.example.ru"]


def message(*headers: str, sender: str = "i.smirnov@romashka.example.ru") -> bytes:
    top = "".join(f"{h}\r\n" for h in headers)
    return (
        f"{top}Received: from relay.example.com by mx.example.ru; Tue, 24 Nov 2026 10:00:00"
        f" +0300\r\nFrom: Иван <{sender}>\r\nSubject: x\r\n\r\nhello\r\n"
    ).encode()


def test_a_header_with_comments_versions_and_quoted_values_is_read() -> None:
    parsed = parse(
        "mx.example.ru 1; (checked by opendkim) dkim/1 = pass (2048-bit key)"
        ' header.d=romashka.example.ru header.b="a/b+c=" reason="good (sig)";'
        " spf=pass smtp.mailfrom=bounce@romashka.example.ru; dmarc=pass header.from=romashka.example.ru"
    )
    assert parsed is not None and parsed.authserv_id == "mx.example.ru"
    assert [(r.method, r.result) for r in parsed.results] == [
        ("dkim", "pass"),
        ("spf", "pass"),
        ("dmarc", "pass"),
    ]
    assert parsed.results[0].properties == {
        "header.d": "romashka.example.ru",
        "header.b": "a/b+c=",
        "reason": "good (sig)",
    }
    assert parsed.results[1].properties["smtp.mailfrom"] == "bounce@romashka.example.ru"


def test_a_header_saying_none_has_no_results() -> None:
    parsed = parse("mx.example.ru; none")
    assert parsed is not None and parsed.results == ()


def test_dmarc_pass_from_our_server_verifies_the_sender() -> None:
    raw = message(
        "Authentication-Results: mx.example.ru; dmarc=pass header.from=romashka.example.ru"
    )
    verdict = verify(raw, sender="i.smirnov@romashka.example.ru", authserv_ids=MX)
    assert verdict.verified and "dmarc=pass" in verdict.reason


def test_dkim_or_spf_pass_count_only_when_aligned_with_the_from_domain() -> None:
    sender = "i.smirnov@romashka.example.ru"
    for result in (
        "dkim=pass header.d=romashka.example.ru",
        "dkim=pass header.i=@mail.romashka.example.ru",
        "spf=pass smtp.mailfrom=bounces@romashka.example.ru",
        "spf=pass smtp.mailfrom=example.ru",
    ):
        raw = message(f"Authentication-Results: mx.example.ru; {result}")
        assert verify(raw, sender=sender, authserv_ids=MX).verified, result
    for result in (
        "dkim=pass header.d=attacker.example.com",
        "spf=pass smtp.mailfrom=x@attacker.example.com",
        "spf=pass smtp.helo=romashka.example.ru",
        "dkim=fail header.d=romashka.example.ru",
        "dmarc=pass header.from=attacker.example.com",
        "spf=pass smtp.mailfrom=ru",
    ):
        raw = message(f"Authentication-Results: mx.example.ru; {result}")
        assert not verify(raw, sender=sender, authserv_ids=MX).verified, result


def test_dmarc_fail_outweighs_a_passing_signature() -> None:
    raw = message(
        "Authentication-Results: mx.example.ru; dkim=pass header.d=romashka.example.ru;"
        " dmarc=fail header.from=romashka.example.ru"
    )
    verdict = verify(raw, sender="i.smirnov@romashka.example.ru", authserv_ids=MX)
    assert not verdict.verified and "dmarc=fail" in verdict.reason


def test_only_the_topmost_headers_of_our_server_count() -> None:
    """Our server adds its headers above the Received line it writes; a header with our name
    further down came with the message (a sender's forgery)."""
    forged = (
        b"Received: from attacker.example.com by mx.example.ru; Tue, 24 Nov 2026 10:00:00 +0300\r\n"
        b"Authentication-Results: mx.example.ru; dmarc=pass\r\n"
        b"From: i.smirnov@romashka.example.ru\r\nSubject: x\r\n\r\nhello\r\n"
    )
    sender = "i.smirnov@romashka.example.ru"
    for ours_says in ("none", "spf=fail smtp.mailfrom=romashka.example.ru", "dkim=neutral"):
        raw = f"Authentication-Results: mx.example.ru; {ours_says}\r\n".encode() + forged
        assert not verify(raw, sender=sender, authserv_ids=MX).verified, ours_says
    raw = (
        b"Authentication-Results: mx.example.ru; spf=fail smtp.mailfrom=romashka.example.ru\r\n"
        + forged
    )
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    assert [r.result for h in ours(msg, MX) for r in h.results] == ["fail"]


def test_several_headers_of_our_server_above_its_received_line_are_read_together() -> None:
    raw = message(
        "Authentication-Results: mx.example.ru; spf=softfail smtp.mailfrom=x@romashka.example.ru",
        "X-Spam-Score: 0.1",
        "Authentication-Results: MX.EXAMPLE.RU; dkim=pass header.d=romashka.example.ru",
    )
    assert verify(raw, sender="i.smirnov@romashka.example.ru", authserv_ids=MX).verified


def test_another_servers_header_does_not_count() -> None:
    raw = message("Authentication-Results: mx.attacker.example.com; dmarc=pass")
    verdict = verify(raw, sender="i.smirnov@romashka.example.ru", authserv_ids=MX)
    assert not verdict.verified


def test_a_from_with_several_addresses_is_never_verified() -> None:
    raw = (
        b"Authentication-Results: mx.example.ru; dmarc=pass\r\n"
        b"From: a@romashka.example.ru, b@romashka.example.ru\r\n\r\nhi\r\n"
    )
    assert not verify(
        raw, sender="a@romashka.example.ru", authserv_ids=MX, trust_from=True
    ).verified


def test_trust_from_trusts_a_single_from_address_and_nothing_configured_trusts_nobody() -> None:
    raw = message()
    sender = "i.smirnov@romashka.example.ru"
    assert verify(raw, sender=sender, authserv_ids=[], trust_from=True).verified
    verdict = verify(raw, sender=sender, authserv_ids=[], trust_from=False)
    assert not verdict.verified and "MAIL_AUTHSERV_ID" in verdict.reason


def test_relaxed_alignment() -> None:
    assert aligned("romashka.example.ru", "romashka.example.ru")
    assert aligned("mail.romashka.example.ru", "romashka.example.ru")
    assert aligned("example.ru", "romashka.example.ru")
    assert not aligned("ru", "romashka.example.ru")
    assert not aligned("evilromashka.example.ru", "romashka.example.ru")
    assert not aligned("", "romashka.example.ru")
