"""Burmese and Thai are complete: no untranslated or fuzzy entry, and screens show no English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

LOCALES = ("my", "th")


def _entries(po: str) -> list[tuple[str, str, bool]]:
    entries = []
    for block in po.split("\n\n")[1:]:
        fuzzy = "#, fuzzy" in block
        msgid = "".join(re.findall(r'^(?:msgid|msgid_plural)?\s*"(.*)"$', block.split("msgstr")[0], flags=re.M))
        strs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"\n((?:".*"\n?)*)', block + "\n", flags=re.M)
        msgstr = "".join(a + "".join(re.findall(r'"(.*)"', b)) for a, b in strs)
        if block.strip().startswith("#~"):
            continue
        entries.append((msgid, msgstr, fuzzy))
    return entries


@pytest.mark.parametrize("lang", LOCALES)
def test_po_file_is_complete(lang: str) -> None:
    po = (Path(settings.LOCALE_PATHS[0]) / lang / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = _entries(po)
    assert len(entries) > 200
    missing = [msgid for msgid, msgstr, fuzzy in entries if msgid and (not msgstr or fuzzy)]
    assert missing == []


@pytest.mark.django_db
@pytest.mark.parametrize("lang", LOCALES)
def test_screens_have_no_english_left(lang: str, make_user, login, person_a) -> None:  # type: ignore[no-untyped-def]
    user = make_user("director", language=lang)
    client: Client = login(user)
    english = [
        "Dashboard",
        "People",
        "Log out",
        "Search",
        "Case code",
        "Status",
        "Timeline",
        "Change status",
        "Identity",
    ]
    for url in ("/", "/people/", f"/people/{person_a.pk}/"):
        page = client.get(url).content.decode()
        visible = re.sub(r"<[^>]+>", " ", page)
        for word in english:
            assert not re.search(rf"\b{word}\b", visible), f"{word!r} untranslated on {url} in {lang}"


@pytest.mark.parametrize("lang", LOCALES)
def test_djangos_own_form_messages_are_translated(lang: str) -> None:
    """Django's Burmese catalogue leaves "This field is required." in English; ours has it
    (``sanctuary/locale_django``), and a form shows it in the user's language."""
    from django import forms
    from django.core.exceptions import ValidationError
    from django.utils import translation

    for field, value in ((forms.CharField(), ""), (forms.IntegerField(min_value=1), "0"), (forms.DateField(), "x")):
        with translation.override(lang):
            with pytest.raises(ValidationError) as error:
                field.clean(value)
            message = str(error.value.messages[0])  # lazy: read while the language is active
        with translation.override("en"):
            try:
                field.clean(value)
            except ValidationError as english:
                assert message != str(english.messages[0])
        assert not re.search(r"[A-Za-z]{3,}", message), message


PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sd]|\{\w+\}")
DJANGO = Path(__import__("django").__file__).parent
DJANGO_CATALOGUES = (DJANGO / "conf" / "locale", DJANGO / "contrib" / "auth" / "locale")


def _keys(po: str) -> set[tuple[str, str]]:
    """(context, msgid) of every entry of a catalogue."""
    keys = set()
    for block in po.split("\n\n")[1:]:
        if block.strip().startswith("#~"):
            continue
        context = "".join(re.findall(r'^msgctxt "(.*)"$', block, flags=re.M))
        singular = block.split("msgid_plural")[0].split("msgstr")[0]
        msgid = "".join(re.findall(r'^(?:msgid)?\s*"(.*)"$', singular, flags=re.M))
        keys.add((context, msgid))
    return keys


@pytest.mark.parametrize("lang", LOCALES)
def test_our_catalogue_of_djangos_messages(lang: str) -> None:
    """``sanctuary/locale_django`` holds Django's msgids exactly (a Django upgrade that
    rewords one shows here, not as English on a page), every entry translated, and each one
    is what Django gives in that language."""
    from django.utils import translation

    path = Path(settings.LOCALE_PATHS[1]) / lang / "LC_MESSAGES" / "django.po"
    assert path.parent.parent.parent.name == "locale_django"
    po = path.read_text(encoding="utf-8")
    ours = _keys(po)
    djangos: set[tuple[str, str]] = set()
    for catalogue in DJANGO_CATALOGUES:
        djangos |= _keys((catalogue / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8"))
    assert ours - djangos == set(), "not Django's msgids (reworded by an upgrade?)"
    entries = _entries(po)
    assert [msgid for msgid, msgstr, fuzzy in entries if msgid and (not msgstr or fuzzy)] == []
    assert len(ours) > (150 if lang == "my" else 60)
    with translation.override(lang):
        for context, msgid in ours:
            if not re.search(r"[A-Za-z]{3,}", PLACEHOLDER.sub("", msgid)):
                continue  # no words ("…", "%s KB"): may be the same in every language
            shown = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
            assert shown != msgid, f"{msgid!r} is left in English in {lang}"


@pytest.mark.parametrize("lang", LOCALES)
def test_djangos_messages_that_reach_our_pages_are_translated(lang: str) -> None:
    """The auth forms, password rules and date names that our pages show, in the language."""
    from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
    from django.contrib.auth.password_validation import password_validators_help_texts
    from django.template.defaultfilters import date, yesno
    from django.utils import translation

    from sanctuary.accounts.models import User

    with translation.override(lang):
        texts = [
            *password_validators_help_texts(),
            str(User._meta.get_field("username").verbose_name),
            str(User._meta.get_field("username").help_text),
            str(User._meta.get_field("is_active").help_text),
            str(AuthenticationForm.error_messages["invalid_login"]),
            str(SetPasswordForm.error_messages["password_mismatch"]),
            date(__import__("datetime").date(2026, 12, 7)),
            yesno(True),
        ]
    for text in texts:
        assert not re.search(r"[A-Za-z]{3,}", PLACEHOLDER.sub("", text)), (lang, text)


def test_gettext_is_called_by_a_name_makemessages_reads() -> None:
    """makemessages finds strings only in calls of gettext's own names and ``_``: one called
    through another alias (``gettext as _g``) never reaches the catalogues and shows in English."""
    package = Path(settings.BASE_DIR) / "sanctuary"
    aliased = [
        f"{path.relative_to(package.parent)}: {match.group()}"
        for path in package.rglob("*.py")
        for match in re.finditer(r"\b\w*gettext\w* as (?!_\b)\w+", path.read_text(encoding="utf-8"))
    ]
    assert aliased == []
