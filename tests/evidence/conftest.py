"""Two evidence officers and a testimony ready for referral, with items, a recipient key and
the person's testimony consent, for the package tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.evidence import helpers


@pytest.fixture
def officers(make_user: Any) -> tuple[Any, Any]:
    return make_user("evidence_officer"), make_user("evidence_officer")


@pytest.fixture
def ready(officers: tuple[Any, Any], person_a: Any, users_by_role: dict[str, Any]) -> dict[str, Any]:
    first, _second = officers
    found = helpers.testimony(first, person_a)
    originals = [
        helpers.item(first, found, b"%PDF-1.4 the order\n" + bytes(range(256)) * 40, "order.pdf"),
        helpers.item(first, found, b"\x00\x01radio log" * 1000, "radio.wav", kind="audio", content_type="audio/wav"),
    ]
    key, secret = helpers.key(first)
    consent = helpers.testimony_consent(users_by_role["director"], person_a, key.recipient)
    return {"testimony": found, "items": originals, "key": key, "secret": secret, "consent": consent}
