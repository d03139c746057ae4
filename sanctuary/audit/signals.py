"""Login events go to the audit log."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from sanctuary.audit.anonymous import record_anonymous
from sanctuary.audit.log import record
from sanctuary.audit.models import Action


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(user, Action.LOGIN, user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(user, Action.LOGOUT, user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # Keep the username only when it names an account: people sometimes type their
    # password into the username field, and that must never reach the log.
    from django.contrib.auth import get_user_model

    typed = str(credentials.get("username", ""))[:150]
    user = get_user_model().objects.filter(username=typed).only("pk").first()
    # Nobody is logged in: a flood of failures becomes one entry and a count per minute.
    record_anonymous(
        Action.LOGIN_FAILED,
        object_type="accounts.user",
        object_id=user.pk if user else "",
        username=typed if user else "",
    )


@receiver(user_locked_out)
def _locked_out(sender: Any, request: Any = None, username: str | None = None, **kwargs: Any) -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=(username or "")[:150]).only("pk").first()
    # As for failures: only a real account's name is kept, never whatever was typed.
    record_anonymous(
        Action.LOCKED_OUT,
        object_type="accounts.user",
        object_id=user.pk if user else "",
        username=user.get_username() if user else "",
    )
