"""Consent records made through the real actions, for tests of every module that asks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from sanctuary.consent.actions import Answer, default_retention, do_record_consent
from sanctuary.consent.models import Category, ConsentRecord, Method, Purpose, Recipient, RecipientKind, State


def partner(name: str = "Border Health Clinic", kind: str = RecipientKind.CLINIC) -> Recipient:
    return Recipient.objects.get_or_create(name=name, defaults={"kind": kind})[0]


def given(
    user: Any,
    person: Any,
    purpose: str = Purpose.CARE,
    recipient: Recipient | None = None,
    category: str = "",
    days_ago: int = 3,
    expires_in: int | None = 365,
) -> ConsentRecord:
    today = timezone.localdate()
    answer = Answer(
        state=State.GIVEN,
        given_on=today - timedelta(days=days_ago),
        expires_on=None if expires_in is None else today + timedelta(days=expires_in),
        method=Method.SIGNED,
    )
    if recipient is None and not category:
        category = Category.INTERNAL
    return do_record_consent(
        user,
        person,
        purpose=purpose,
        recipient=recipient,
        category=category,
        notice_version="2026-1",
        notice_language="my",
        retain_until=default_retention(),
        answer=answer,
    )


def requested(user: Any, person: Any, purpose: str = Purpose.CARE, recipient: Recipient | None = None) -> ConsentRecord:
    return do_record_consent(
        user,
        person,
        purpose=purpose,
        recipient=recipient,
        category="" if recipient else Category.INTERNAL,
        notice_version="2026-1",
        notice_language="en",
        retain_until=default_retention(),
        answer=Answer(state=State.REQUESTED),
    )
