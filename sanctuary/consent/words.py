"""A consent in plain words, in the active language, for the person page: what was agreed,
by whom, with whom, until when, and what that means for sharing now."""

from __future__ import annotations

from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _

from sanctuary.consent.models import ConsentRecord, GivenBy, NameDisclosure, NoticeLanguage, State


def _day(value: Any) -> str:
    return formats.date_format(value) if value else ""


def sentence(record: ConsentRecord) -> str:
    words = {
        "purpose": str(record.get_purpose_display()),
        "recipient": record.recipient_label(),
        "given": _day(record.given_on),
        "asked": _day(record.requested_at.date()),
        "until": _day(record.expires_on),
        "withdrawn": _day(record.withdrawn_on),
    }
    if record.given_by == GivenBy.RELATIVE:
        who = _("A relative (%(relation)s), on their behalf,") % {
            "relation": record.get_relative_relation_display() or "—"
        }
    else:
        who = _("The person")
    words["who"] = who
    state = record.effective_state
    if state == State.GIVEN:
        text = _("%(who)s agreed on %(given)s: %(purpose)s, to %(recipient)s.") % words
        disclosure = {
            NameDisclosure.YES: _("Their name may be disclosed to a court."),
            NameDisclosure.NO: _("Their name must not be disclosed to a court."),
            NameDisclosure.ASK: _("Ask them again before their name is disclosed to a court."),
        }.get(record.name_disclosure)  # type: ignore[call-overload]
        if disclosure:
            text += " " + disclosure
        if record.expires_on:
            return text + " " + _("It is valid until %(until)s.") % words
        return text + " " + _("It has no end date; it can be withdrawn at any time.")
    templates = {
        State.EXPIRED: _(
            "Expired on %(until)s: %(purpose)s, to %(recipient)s. Nothing may be shared until it is renewed."
        ),
        State.WITHDRAWN: _(
            "Withdrawn on %(withdrawn)s: %(purpose)s, to %(recipient)s. Nothing may be shared for this any more."
        ),
        State.REFUSED: _(
            "%(who)s said no on %(asked)s: %(purpose)s, to %(recipient)s. Nothing may be shared for this."
        ),
        State.RENEWED: _("Renewed: %(purpose)s, to %(recipient)s. The newer record is the one that counts."),
    }
    asked = _(
        "Asked on %(asked)s, no answer yet: %(purpose)s, to %(recipient)s. Nothing may be shared until they agree."
    )
    return templates.get(State(state), asked) % words


def sentence_in_notice_language(record: ConsentRecord) -> str:
    """The same sentence in the language of the notice, to read back to the person; empty
    when that is the language already shown (or not one of ours)."""
    language = record.notice_language
    if language == NoticeLanguage.OTHER or language == (translation.get_language() or "")[:2]:
        return ""
    with translation.override(language):
        return sentence(record)
