"""STOP and START, in Burmese, English and Thai.

A reply that is only one of these words (any case, any punctuation around it, Zawgyi or
Unicode, a Telegram command ``/stop`` included) is an opt-out or an opt-in, whatever state the
contact is in. Anything longer is a message: "please stop the war" does not unsubscribe.
Telegram sends ``/start`` when someone first opens the bot: that is an opt-in.
"""

from __future__ import annotations

import unicodedata

from sanctuary.lib.text import normalise_auto

STOP_WORDS = frozenset(
    {
        # English
        "stop",
        "unsubscribe",
        "stopall",
        # Burmese: "stop", "please stop", "don't send"
        "ရပ်",
        "ရပ်ပါ",
        "ရပ်တန့်",
        "မပို့ပါနဲ့",
        "မပို့နဲ့",
        # Thai: "stop", "cancel"
        "หยุด",
        "ยกเลิก",
    }
)
START_WORDS = frozenset(
    {
        "start",
        "unstop",
        "subscribe",
        # Burmese: "start", "start again"
        "စတင်",
        "ပြန်စ",
        "ပြန်စတင်",
        # Thai: "start"
        "เริ่ม",
    }
)


def _edge(char: str) -> bool:
    """Punctuation, symbols, spaces: stripped from the ends. Not \\W: Burmese vowel signs and
    the asat are marks (``Mn``), which ``\\W`` would strip off the end of ရပ်."""
    return unicodedata.category(char)[0] in "PSZC"


def _key(text: str) -> str:
    text = normalise_auto(text or "")
    text = unicodedata.normalize("NFC", text).casefold()
    if text.startswith("/"):
        text = text[1:].split("@", 1)[0]  # /stop, /stop@OurBot
    start, end = 0, len(text)
    while start < end and _edge(text[start]):
        start += 1
    while end > start and _edge(text[end - 1]):
        end -= 1
    return text[start:end].replace(" ", "")


def classify(text: str) -> str:
    """``"stop"``, ``"start"`` or ``""`` (an ordinary message)."""
    key = _key(text)
    if key in STOP_WORDS:
        return "stop"
    if key in START_WORDS:
        return "start"
    return ""
