"""Background work of the accounts: the password-reset mail (issue 12 §5).

accounts.password_reset_mail   the link to choose a new password, sent through the outbox

The link's token is made here, when the mail goes out, from the user's current state (Django's
`default_token_generator`): the job row holds only the user and the link's host.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from supportline.accounts.models import User
from supportline.core import rules
from supportline.jobs.core import handler

SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"
BODY_TEMPLATE = "registration/password_reset_email.html"


@handler("accounts.password_reset_mail")
def password_reset_mail(payload: dict[str, Any]) -> None:
    user = User.objects.filter(pk=int(payload["user"]), is_active=True).first()
    if user is None or not user.email or not user.has_usable_password():
        return  # nobody to write to any more
    context = {
        "email": user.email,
        "domain": payload["domain"],
        "site_name": payload["domain"],
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": payload.get("protocol", "http"),
    }
    with translation.override(payload.get("language") or "ru"):
        subject = "".join(loader.render_to_string(SUBJECT_TEMPLATE, context).splitlines())
        body = loader.render_to_string(BODY_TEMPLATE, context)
    sender = settings.DEFAULT_FROM_EMAIL or rules.regulation().contacts.support_email
    EmailMultiAlternatives(subject, body, sender, [user.email]).send()
