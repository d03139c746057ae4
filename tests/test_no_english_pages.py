"""No English reaches a Burmese (or Thai) page: every page of the access matrix, as each role,
and every form's errors (an empty POST), with the user's language set; plus the login page
with a wrong password and the public intake form posted empty, before anyone logs in.

What is read is what a person sees or hears: text, and the attributes a screen shows or
reads out (``placeholder``, ``title``, ``alt``, ``aria-label``, a button's ``value``). Left
out: scripts and styles, elements marked ``lang="en"``, ``translate="no"`` or ``<code>``,
every text stored in the database (the test data: names, aliases, usernames, titles typed
by the tests), URLs, e-mail addresses, code-like tokens (with a digit, an underscore, a dot
or a colon inside), the few codes in ``CODES`` and the app names in ``NAMES``. Any other word
of three or more Latin letters fails, with the URL, the word and the text around it. A real
English sentence is to be translated (``sanctuary/locale`` for ours,
``sanctuary/locale_django`` for Django's), not added to ``CODES``.

The audit view is read for codes too: a record type or field code of an entry ("people.person",
"merged_from:12", "alias"), shown as stored instead of in words (``sanctuary.audit.labels``),
fails, even though code-like tokens are left out above."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import reverse

from sanctuary.accounts.models import Role
from tests.access import PUBLIC
from tests.accounts.test_access_matrix import URLS, _world
from tests.conftest import verified_client
from tests.factories import PASSWORD, PersonFactory, UserFactory, totp_device

# Codes a Burmese reader sees as they are, in Latin letters, in every language. Keep it
# short: each one must be a code or a name, never an English word.
CODES = {
    "TOTP",  # the kind of one-time code an authenticator app makes
    "PDF",
    "CSV",
    "XLSX",
    "HXL",  # the Humanitarian Exchange Language tags of an export
    "QR",
    "NRC",  # a Myanmar national registration card number
    "OK",
    "htmx",
    "THB",  # currency codes of the stipends
    "MMK",
    "USD",
    "Sanctuary",  # the product's name
    "SHA",  # SHA-256, the fingerprint of a published table
    "hex",  # how a key is written: hex or base64
    "SMTP",  # the mail server settings
    "TLS",
    "STARTTLS",
    "JPEG",  # file types a scan may be
    "PNG",
    "WebP",
    "STOP",  # the words a contact texts back to stop or restart messages, in every language
    "START",
    "CDM",  # the Civil Disobedience Movement, known by these letters in Myanmar
    "WHO",  # the WHO-5 wellbeing index
    "age",  # the encryption tool whose public key a recipient of evidence gives
}

# Names of the apps and networks people are reached on, written as their makers write them,
# and "English", the English language's own name in the language menus.
NAMES = {"Facebook", "Telegram", "Signal", "WhatsApp", "Viber", "LINE", "TikTok", "YouTube", "English"}

SHOWN_ATTRIBUTES = ("placeholder", "title", "alt", "aria-label")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
PLACEHOLDER = re.compile(r"\{\w+\}")  # a message template's fields, {alias}: typed as they are
# A token with a digit or an underscore in it is a code (record_id_a,score; base64;
# s-TOTAL_FORMS), and so is a dotted or colon-joined name (people.person, vetting:alerts).
CODE_TOKEN = re.compile(r"[A-Za-z0-9.,:/+_-]*[0-9_][A-Za-z0-9.,:/+_-]*|[A-Za-z_]+(?:[.:][A-Za-z_]+)+")
URL_OR_EMAIL = re.compile(r"(?:https?://|/)[^\s<>\"]*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


class _Visible(HTMLParser):
    """The text a person sees or hears on a page, without what is marked as not to translate."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping: list[str] = []  # tag names of the open elements whose text is left out

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skip = (
            tag in ("script", "style", "code", "template")
            or (values.get("lang") or "").startswith("en")
            or values.get("translate") == "no"
        )
        if tag in VOID:
            if not self._skipping and not skip:
                self._attributes(tag, values)
            return
        if self._skipping or skip:
            self._skipping.append(tag)
            return
        self._attributes(tag, values)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            if not self._skipping:
                self._attributes(tag, dict(attrs))
            return
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and tag in self._skipping:
            while self._skipping and self._skipping.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.chunks.append(data)

    def _attributes(self, tag: str, values: dict[str, str | None]) -> None:
        for name in SHOWN_ATTRIBUTES:
            if values.get(name):
                self.chunks.append(values[name] or "")
        if tag == "input" and values.get("type") in ("submit", "button", "reset") and values.get("value"):
            self.chunks.append(values["value"] or "")


def stored_texts() -> list[str]:
    """Every text stored in the database, longest first: the test data, which our pages show
    as typed (names, aliases, usernames, titles). Read through the models, so encrypted fields
    are compared as shown."""
    texts: set[str] = set()
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, (models.CharField, models.TextField))]
        if model._meta.label == "audit.AuditEntry":
            fields = ["actor_username"]  # its codes are shown in words (``raw_codes``), never as stored
        if not fields:
            continue
        for row in model._default_manager.all():
            for name in fields:
                value = getattr(row, name)
                if isinstance(value, str) and len(value) >= 3 and LATIN_WORD.search(value):
                    texts.add(value)
    return sorted(texts, key=len, reverse=True)


ID = re.compile(r"[0-9a-f]*[0-9][0-9a-f]*")  # an entry's record id: shown as it is


def raw_codes(html: str) -> list[str]:
    """The audit codes of the log's entries (record types, non-numeric record ids, field codes)
    that a page shows as stored, instead of in words."""
    from sanctuary.audit import labels
    from sanctuary.audit.models import AuditEntry

    system = {key.removeprefix("system.") for key in labels.declared() if key.startswith("system.")}
    codes: set[str] = set()
    rows = AuditEntry.objects.values_list("object_type", "object_id", "fields", "actor_id", "actor_username")
    for object_type, object_id, fields, actor_id, username in rows:
        codes |= {object_type, *(str(f) for f in fields or [])}
        if object_id and not ID.fullmatch(object_id):
            codes.add(object_id)
        if actor_id is None and username in system:  # the vault or a command, not a person
            codes.add(username)
    codes -= {""}
    parser = _Visible()
    parser.feed(html)
    text = "\n".join(parser.chunks)
    return sorted(code for code in codes if re.search(rf"(?<![\w.:+-]){re.escape(code)}(?![\w.:+-])", text))


def _matcher(data: list[str]) -> re.Pattern[str] | None:
    """Whole stored texts, longest first, not inside a word ("person" is not in "personal")."""
    if not data:
        return None
    alternatives = "|".join(re.escape(value) for value in sorted(set(data), key=len, reverse=True))
    return re.compile(rf"(?<![\w:])(?:{alternatives})(?![\w:])")


def english_words(html: str, data: list[str]) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    text = "\n".join(parser.chunks)
    stored = _matcher(data)
    if stored is not None:
        text = stored.sub(" ", text)
    text = CODE_TOKEN.sub(" ", URL_OR_EMAIL.sub(" ", PLACEHOLDER.sub(" ", text)))
    words = []
    for match in LATIN_WORD.finditer(text):
        if match.group() not in CODES | NAMES:
            around = " ".join(text[max(0, match.start() - 30) : match.end() + 30].split())
            words.append(f"{match.group()} «{around}»")
    return words


def _check(
    failures: dict[str, set[str]], where: str, response: Any, data: list[str], statuses: tuple[int, ...] = (200, 400)
) -> bool:
    if response.status_code not in statuses or "html" not in response.get("Content-Type", ""):
        return False
    html = response.content.decode()
    words = english_words(html, data)
    if response.request["PATH_INFO"].startswith(reverse("audit:list")):
        words += [f"{code} «an audit code shown as stored»" for code in raw_codes(html)]
    if words:
        failures.setdefault(where, set()).update(words)
    return True


def _report(failures: dict[str, set[str]]) -> str:
    return "\n".join(f"{where}: {'; '.join(sorted(words))}" for where, words in sorted(failures.items()))


def _users(make_user: Any, lang: str) -> dict[str, Any]:
    return {role: make_user(role, username=f"u_{role}", language=lang) for role in Role.values}


def crawl(users: dict[str, Any], world: Any, roles: list[str]) -> tuple[dict[str, set[str]], int]:
    """Every page each role may open (GET), then every URL's form posted empty, once, by the
    first of the roles allowed it (a form's errors do not depend on who sees them). The posts
    come after all the pages, so an empty post that does change something cannot hide a page
    from the walk."""
    failures: dict[str, set[str]] = {}
    checked = 0
    paths = {url.name: reverse(url.name, kwargs=url.kwargs(world.objects)) for url in URLS if url.walk}
    data = stored_texts()
    for role in roles:
        client = verified_client(users[role])
        for url in URLS:
            if url.walk and url.method == "GET" and role in url.allowed and url.scope != PUBLIC:
                checked += _check(failures, f"{role} GET {paths[url.name]}", client.get(paths[url.name]), data)
    data = stored_texts()
    login = reverse("accounts:login")
    posted: set[str] = set()
    for role in roles:
        client = verified_client(users[role])
        for url in URLS:
            if not url.walk or role not in url.allowed or url.scope == PUBLIC or url.name in posted:
                continue
            posted.add(url.name)
            response = client.post(paths[url.name], {}, follow=True)
            checked += _check(failures, f"{role} POST {paths[url.name]}", response, data)
            if response.request["PATH_INFO"] == login:  # the post ended the session
                client = verified_client(users[role])
    return failures, checked


@pytest.mark.django_db
@pytest.mark.parametrize(
    "roles",
    [
        [Role.DIRECTOR, Role.AUDITOR],
        [Role.INTAKE_OFFICER, Role.VETTING_OFFICER, Role.CASE_WORKER],
        [Role.SHELTER_MANAGER, Role.FINANCE_OFFICER, Role.TRAINER],
        [Role.COUNSELLOR, Role.COUNSELLOR_LEAD, Role.EVIDENCE_OFFICER],
    ],
    ids=["director-auditor", "intake-vetting-case", "shelter-finance-trainer", "counsel-evidence"],
)
def test_burmese_pages_have_no_english(make_user, team_a, person_a, roles) -> None:  # type: ignore[no-untyped-def]
    users = _users(make_user, "my")
    world = _world(team_a, person_a, users)
    failures, checked = crawl(users, world, roles)
    assert failures == {}, "English on Burmese pages:\n" + _report(failures)
    assert checked > 20 * len(roles) // 2


@pytest.mark.django_db
def test_thai_pages_have_no_english(make_user, team_a, person_a) -> None:  # type: ignore[no-untyped-def]
    users = _users(make_user, "th")
    world = _world(team_a, person_a, users)
    failures, checked = crawl(users, world, [Role.CASE_WORKER])
    assert failures == {}, "English on Thai pages:\n" + _report(failures)
    assert checked > 20


def _anonymous(lang: str) -> Client:
    client = Client()
    client.cookies["django_language"] = lang
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["my", "th"])
def test_login_with_a_wrong_password_is_in_the_language(lang: str) -> None:
    user = UserFactory(username="ko_login", language=lang)
    totp_device(user)
    client = _anonymous(lang)
    data = stored_texts()
    login = reverse("accounts:login")
    failures: dict[str, set[str]] = {}
    assert _check(failures, f"GET {login}", client.get(login), data)
    response = client.post(login, {"username": "ko_login", "password": PASSWORD + "x"})
    assert _check(failures, f"POST {login} (wrong password)", response, data)
    assert _check(failures, f"POST {login} (empty)", client.post(login, {}), data)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(login, {"username": "ko_login", "password": PASSWORD + "x"})
    assert _check(failures, f"POST {login} (locked out)", response, data, (200, 403, 429))
    assert failures == {}, _report(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["my", "th"])
def test_public_intake_form_posted_empty_is_in_the_language(lang: str) -> None:
    from django.utils import translation

    PersonFactory()
    client = _anonymous(lang)
    data = stored_texts()
    failures: dict[str, set[str]] = {}
    public = []
    for url in URLS:
        try:
            kwargs = url.kwargs({}) if url.scope == PUBLIC and url.walk else None
        except KeyError:  # an object's page (a certificate): the role walks open it
            continue
        if kwargs is not None:
            public.append(reverse(url.name, kwargs={**kwargs, **({"lang": lang} if "lang" in kwargs else {})}))
    assert len(public) >= 4
    for path in public:
        _check(failures, f"GET {path}", client.get(path), data)
        response = client.post(path, {})
        _check(failures, f"POST {path}", response, data)
    assert failures == {}, _report(failures)
    with translation.override(lang):
        required = str(translation.gettext("This field is required."))
    assert required != "This field is required."
    form = reverse("intake_public:form_lang", kwargs={"lang": lang})
    assert required in client.post(form, {}).content.decode()
