"""Message templates: safe placeholders, and the language a contact gets.

A template may insert only what is safe to send over any channel: the contact's alias (the
name the organisation uses for them everywhere) and an appointment time. A placeholder that
would insert a true name, a place, a phone or a number that identifies them is refused with
its name, and so is any other placeholder, attribute access (``{alias.upper}``), index or
format spec: ``str.format`` on user text can read attributes, so we never call it on a
template. Cover texts (a first message that says nothing) take no placeholder at all.

The language falls back from the contact's own to the organisation's (``LANGUAGE_CODE``) and
then to Burmese, the base language.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from string import Formatter

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sanctuary.lib.refusal import Refusal

SAFE = ("alias", "appointment")
# Names people reach for that would reveal who or where someone is: refused with a clearer
# message than "unknown placeholder".
IDENTIFYING = frozenset(
    {
        "name",
        "true_name",
        "full_name",
        "father",
        "father_name",
        "mother",
        "nrc",
        "service_number",
        "phone",
        "address",
        "village",
        "township",
        "place",
        "location",
        "house",
        "safe_house",
        "unit",
        "rank",
        "birth_date",
        "dob",
        "relative",
    }
)
BASE_LANGUAGE = "my"


class TemplateRefused(Refusal):
    messages = {
        "identifying": _(
            "The placeholder {%(name)s} would put a true name or a place in a message. "
            "Only {alias} and {appointment} may be used."
        ),
        "unknown": _("The placeholder {%(name)s} is not known. Only {alias} and {appointment} may be used."),
        "cover_placeholder": _("The cover text must say nothing about the person: it takes no placeholder."),
        "braces": _("A { or } that is not part of {alias} or {appointment}: write it twice ({{ or }}) to show it."),
        "empty": _("Write the message in at least one language."),
        "appointment": _("This message uses {appointment}: give the appointment time."),
    }


_BARE = re.compile(r"^[a-z_]+$")


def placeholders(text: str) -> list[str]:
    """The placeholders of ``text``, checked: TemplateRefused for anything but SAFE ones."""
    found = []
    try:
        parsed = list(Formatter().parse(text))
    except ValueError:
        raise TemplateRefused("braces") from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        root = re.split(r"[.\[]", field, maxsplit=1)[0].strip().casefold()
        if root in IDENTIFYING or any(part in IDENTIFYING for part in re.split(r"[^a-z]+", root) if part):
            raise TemplateRefused("identifying", name=root or field)
        if field not in SAFE or spec or conversion or not _BARE.match(field):
            raise TemplateRefused("unknown", name=field or "")
        found.append(field)
    return found


def check(body: str, cover: str = "") -> None:
    placeholders(body)
    if cover and placeholders(cover):
        raise TemplateRefused("cover_placeholder")
    if "{" in cover.replace("{{", "") or "}" in cover.replace("}}", ""):
        raise TemplateRefused("cover_placeholder")


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with its (already checked) placeholders replaced; never ``str.format``."""
    out = []
    for literal, field, _spec, _conversion in Formatter().parse(text):
        out.append(literal)
        if field is not None:
            out.append(values.get(field, ""))
    return "".join(out)


def language_for(wanted: str, available: Collection[str]) -> str | None:
    """The language to send in: the contact's, else the organisation's, else Burmese."""
    organisation = (settings.LANGUAGE_CODE or "").split("-")[0]
    for language in (wanted, organisation, BASE_LANGUAGE):
        if language in available:
            return language
    return None
