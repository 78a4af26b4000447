"""Does the line's own mail server vouch for the From address? (RFC 8601; issue 12 §4)

Anybody can write any address into `From:`. What a receiving server checked — SPF for the
envelope sender, DKIM signatures, DMARC — it records in `Authentication-Results` headers
under its own name (the authserv-id). We read only those of OUR server (MAIL_AUTHSERV_ID),
and only the topmost ones: the server adds its headers above the message it received, so a
header with our name further down was written by the sender. (The server should also remove
such headers from incoming mail, RFC 8601 §5: OpenDKIM/OpenDMARC and rspamd do.)

A sender is verified when one of those headers says
- dmarc=pass (for the From domain, when the header names it), or
- dkim=pass with a signing domain (header.d / header.i) aligned with the From domain, or
- spf=pass with an envelope sender (smtp.mailfrom) aligned with the From domain,
and no dmarc=fail; "aligned" is DMARC's relaxed alignment: the same domain or one a subdomain
of the other. With MAIL_TRUST_FROM the server is said to refuse unauthenticated mail itself:
every single From address is trusted.

Pure: no Django, no I/O. `verify(raw, sender=…, authserv_ids=…, trust_from=…)` → `Verdict`;
its reason (Russian) is kept on the message and shown to the consultant.
"""

from __future__ import annotations

import email.parser
import email.policy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses

HEADER = "authentication-results"
_METHOD = re.compile(r"\s*([A-Za-z0-9_-]+)(?:\s*/\s*\d+)?\s*=\s*([A-Za-z0-9_-]+)")
_PROPERTY = re.compile(
    r"\s*(reason|[A-Za-z0-9_-]+\s*\.\s*[A-Za-z0-9_.-]+)\s*=\s*(\"(?:[^\"\\]|\\.)*\"|[^\s;\"]+)"
)
_AUTHSERV = re.compile(r"\s*(\"(?:[^\"\\]|\\.)*\"|[^\s;\"]+)(?:\s+\d+)?\s*$")


@dataclass(frozen=True)
class Result:
    method: str  # spf, dkim, dmarc, … (lower case)
    result: str  # pass, fail, none, … (lower case)
    properties: dict[str, str] = field(default_factory=dict)  # "header.d" → "example.ru"


@dataclass(frozen=True)
class AuthResults:
    authserv_id: str  # lower case
    results: tuple[Result, ...]


@dataclass(frozen=True)
class Verdict:
    verified: bool
    reason: str  # Russian, for the consultant and the admin


# ---------------------------------------------------------------- parsing (RFC 8601 §2.2)


def _strip_comments(value: str) -> str:
    """CFWS comments "(…)" removed (nested, with escapes), quoted strings kept."""
    out: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for char in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
            continue
        if quoted:
            out.append(char)
            if char == '"':
                quoted = False
            continue
        if char == "(":
            depth += 1
            out.append(" ")
            continue
        if char == ")" and depth:
            depth -= 1
            continue
        if depth:
            continue
        if char == '"':
            quoted = True
        out.append(char)
    return "".join(out)


def _split(value: str) -> list[str]:
    """Split on ";" outside quoted strings."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def parse(value: str) -> AuthResults | None:
    """One header's value; None when it has no readable authserv-id."""
    segments = _split(_strip_comments(value.replace("\r", " ").replace("\n", " ")))
    head = _AUTHSERV.match(segments[0])
    if head is None:
        return None
    results = []
    for segment in segments[1:]:
        method = _METHOD.match(segment)
        if method is None:
            continue  # "none", or something we cannot read: no result from it
        properties: dict[str, str] = {}
        rest = segment[method.end() :]
        while prop := _PROPERTY.match(rest):
            key = re.sub(r"\s+", "", prop.group(1)).lower()
            properties.setdefault(key, _unquote(prop.group(2)))
            rest = rest[prop.end() :]
        results.append(Result(method.group(1).lower(), method.group(2).lower(), properties))
    return AuthResults(_unquote(head.group(1)).lower(), tuple(results))


def ours(msg: EmailMessage, authserv_ids: Iterable[str]) -> list[AuthResults]:
    """The topmost Authentication-Results headers of our server: from the first one with our
    authserv-id down to the next Received header (the hop before ours)."""
    wanted = {i.strip().lower() for i in authserv_ids if i.strip()}
    found: list[AuthResults] = []
    for name, value in msg.raw_items():
        lower = name.lower()
        if found and lower == "received":
            break
        if lower != HEADER:
            continue
        parsed = parse(str(value))
        if parsed is not None and parsed.authserv_id in wanted:
            found.append(parsed)
    return found


# ---------------------------------------------------------------- the verdict


def _domain(value: str) -> str:
    """The domain of an address or a bare domain, lower case, IDN as A-labels."""
    domain = value.rpartition("@")[2].strip().strip(".").lower()
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def aligned(domain: str, from_domain: str) -> bool:
    """DMARC relaxed alignment, without a public-suffix list: equal, or one a subdomain of the
    other (a bare top-level domain never counts)."""
    if not domain or not from_domain:
        return False
    if domain == from_domain:
        return True
    shorter, longer = sorted((domain, from_domain), key=len)
    return "." in shorter and longer.endswith("." + shorter)


def _from_addresses(msg: EmailMessage) -> list[str]:
    values = [str(v) for k, v in msg.raw_items() if k.lower() == "from"]
    return [address for _, address in getaddresses(values) if address]


def verify(
    raw: bytes, *, sender: str, authserv_ids: Iterable[str], trust_from: bool = False
) -> Verdict:
    """Whether the line's mail server vouches for `sender` (the From address we read)."""
    msg = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    addresses = _from_addresses(msg)
    if len(addresses) != 1 or addresses[0].strip().lower() != sender.strip().lower():
        return Verdict(False, "в поле From не один адрес отправителя")
    if trust_from:
        return Verdict(True, "MAIL_TRUST_FROM: почтовый сервер линии сам проверяет SPF/DKIM")
    ids = [i for i in authserv_ids if i.strip()]
    if not ids:
        return Verdict(
            False,
            "проверка отправителя не настроена (MAIL_AUTHSERV_ID или MAIL_TRUST_FROM)",
        )
    headers = ours(msg, ids)
    if not headers:
        return Verdict(False, f"нет заголовка Authentication-Results от {', '.join(ids)}")
    from_domain = _domain(sender)
    results = [r for h in headers for r in h.results]
    server = headers[0].authserv_id
    for r in results:
        if r.method == "dmarc" and r.result == "fail":
            return Verdict(False, f"dmarc=fail ({server})")
    for r in results:
        if r.result != "pass":
            continue
        if r.method == "dmarc":
            named = r.properties.get("header.from")
            if named is None or _domain(named) == from_domain:
                return Verdict(True, f"dmarc=pass ({server})")
        if r.method == "dkim":
            signer = r.properties.get("header.d") or r.properties.get("header.i", "")
            if aligned(_domain(signer), from_domain):
                return Verdict(True, f"dkim=pass, подпись {_domain(signer)} ({server})")
        if r.method == "spf":
            envelope = r.properties.get("smtp.mailfrom", "")
            if aligned(_domain(envelope), from_domain):
                return Verdict(True, f"spf=pass для {_domain(envelope)} ({server})")
    said = ", ".join(f"{r.method}={r.result}" for r in results) or "нет результатов"
    return Verdict(False, f"{server}: {said} — не подтверждает домен {from_domain}")
