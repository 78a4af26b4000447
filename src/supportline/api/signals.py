"""A password change revokes the user's API tokens (issue 12 §5).

Every way Django changes a password goes through `set_password` and then `save()`: the
password-change page, the reset link, the admin's «change password» form, `changepassword`.
`set_password` keeps the new raw password on the instance (`_password`) until `save()`
returns, which is how a change is told apart from the hash upgrade Django does at sign-in
(that one clears `_password` before saving). Making the password unusable revokes too.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save, pre_save

from supportline.accounts.models import User
from supportline.api.models import ApiToken

# Stored on the token (data, in the line's language like the rest of what it stores).
REASON = "смена пароля"


def _was_usable(sender: type[User], instance: User, **kwargs: Any) -> None:
    if instance.pk is None or getattr(instance, "_password", None) is not None:
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "password" not in update_fields:
        return
    if not instance.has_usable_password():
        before = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
        instance._supportline_lost_password = bool(before) and not str(before).startswith("!")  # type: ignore[attr-defined]


def _revoke_tokens(sender: type[User], instance: User, created: bool, **kwargs: Any) -> None:
    if created:
        return
    changed = getattr(instance, "_password", None) is not None
    lost = getattr(instance, "_supportline_lost_password", False)
    if changed or lost:
        instance._supportline_lost_password = False  # type: ignore[attr-defined]
        ApiToken.objects.filter(user=instance).revoke(reason=REASON)


def connect() -> None:
    pre_save.connect(_was_usable, sender=User, dispatch_uid="api-token-password-usable")
    post_save.connect(_revoke_tokens, sender=User, dispatch_uid="api-token-password-change")
