"""Testimonies, items, investigators' keys and testimony consent, through the real actions."""

from __future__ import annotations

from typing import Any

from sanctuary.consent.actions import Answer, default_retention, do_record_consent
from sanctuary.consent.models import ConsentRecord, Method, NameDisclosure, Purpose, Recipient, RecipientKind, State
from sanctuary.evidence import actions, store
from sanctuary.evidence.models import Involvement, Item, ItemKind, OrderKind, ReceivedHow, RecipientKey, Testimony
from sanctuary.people.models import Region
from sanctuary.vault import streams


def testimony(officer: Any, person: Any, ready: bool = True, **values: Any) -> Testimony:
    data: dict[str, Any] = {
        "person": person,
        "involvement": Involvement.RECEIVED_ORDERS,
        "order_kinds": [OrderKind.ARSON, OrderKind.KILLING],
        "region": Region.SAGAING,
        "when": "March 2022",
        "place": "Village near the river",
        "unit": "LIB 123",
        "commanders": "Major A",
        "summary_my": "ရွာမီးရှို့ရန် အမိန့်",
        "summary_en": "An order to burn the village.",
        "orders_received": "By radio, twice.",
    }
    data.update(values)
    found = actions.do_save_testimony(officer, Testimony(**data), list(data))
    if ready:
        found = actions.do_set_testimony_state(officer, found, "ready")
    return found


def item(
    officer: Any, found: Testimony, data: bytes = b"%PDF-1.4 order\n", name: str = "order.pdf", **values: Any
) -> Item:
    stored = store.write_bytes(data)
    fields = {
        "kind": ItemKind.DOCUMENT,
        "title": "Written order",
        "filename": name,
        "content_type": "application/pdf",
        "received_how": ReceivedHow.IN_PERSON,
    }
    fields.update(values)
    return actions.do_receive_item(officer, found, stored, fields)


def investigator(name: str = "IIMM") -> Recipient:
    return Recipient.objects.get_or_create(name=name, defaults={"kind": RecipientKind.INVESTIGATOR})[0]


def key(officer: Any, recipient: Recipient | None = None, confirmer: Any = None) -> tuple[RecipientKey, str]:
    """A recipient key added by ``officer`` and confirmed by another officer (``confirmer``, or
    one made here), and its secret identity (which only the investigator would hold)."""
    from sanctuary.accounts.models import User

    secret, public = streams.new_identity()
    added = actions.do_add_recipient_key(officer, recipient or investigator(), public, "2026")
    if confirmer is None:
        confirmer = User.objects.create_user(username=f"keyconfirmer-{added.pk}", password="x" * 16)
        confirmer.role_grants.create(role="evidence_officer")
    return actions.do_confirm_recipient_key(confirmer, added), secret


def testimony_consent(
    user: Any, person: Any, recipient: Recipient, disclosure: str = NameDisclosure.NO
) -> ConsentRecord:
    from datetime import timedelta

    from django.utils import timezone

    return do_record_consent(
        user,
        person,
        purpose=Purpose.TESTIMONY,
        recipient=recipient,
        category="",
        notice_version="2026-1",
        notice_language="my",
        retain_until=default_retention(),
        answer=Answer(
            state=State.GIVEN,
            given_on=timezone.localdate() - timedelta(days=1),
            method=Method.SIGNED,
            name_disclosure=disclosure,
        ),
    )
