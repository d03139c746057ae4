"""Outreach objects for the tests, made through the real actions."""

from __future__ import annotations

from typing import Any

from sanctuary.outreach import actions
from sanctuary.outreach.models import Channel, OutreachContact, Template


def template(user: Any, **texts: tuple[str, str]) -> Template:
    return actions.do_save_template(
        user, None, "Hello", texts or {"my": ("{alias} ရေ၊ မင်္ဂလာပါ", ""), "en": ("Hello {alias}", "")}
    )


def contact(
    user: Any, person: Any, channel: str = Channel.MANUAL, address: str = "", language: str = "my"
) -> OutreachContact:
    return actions.do_add_contact(user, person, f"person:{person.pk}", channel, address, language)


def telegram(user: Any, api: str, token: str) -> None:
    actions.do_save_channel(user, Channel.TELEGRAM, {"token": token, "api": api})


def smtp(user: Any, port: int) -> None:
    actions.do_save_channel(
        user,
        Channel.EMAIL,
        {"host": "127.0.0.1", "port": str(port), "security": "none", "from_email": "outreach@sanctuary.example"},
    )
