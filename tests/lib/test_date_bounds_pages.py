"""Every page that takes a date, posted with year 9999, year 1800 and year 1 as a person (or a
crafted POST) would: the answer is a 4xx page naming the allowed range in the user's language
(or, where the page sends the user back, that message on the next page), what was typed stays,
nothing is written, and never a 500.

The pages are reached through the access matrix (``tests/<module>/access.py``): every URL of
every module is opened by a user allowed to use it, every form on it is filled in as it stands
(its initial values, a word in each empty text box, the first choice of each list), and each
date box in turn gets a far date. A few actions are also called without their form: they
refuse too."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.urls import resolve, reverse
from django.utils import timezone, translation

from sanctuary.accounts.models import Role
from sanctuary.lib import bounds
from tests.accounts.test_access_matrix import URLS, _world
from tests.conftest import verified_client

FAR_DAYS = ("9999-12-31", "1800-01-01", "0001-01-01")
DATE_TYPES = {"date", "datetime-local", "month"}
PARTIAL_DATES = re.compile(r"(^|-)(birth_date|defection_date|on)$")  # text boxes that hold a partial date
NOT_WRITES = {"audit", "sessions", "background", "otp_totp", "otp_static"}  # a page view is audited


class _Forms(HTMLParser):
    """The forms of a page: action, method, and each field as the browser would send it."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._select: dict[str, Any] | None = None
        self._textarea: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get").lower(), "fields": []})
            return
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and a.get("name"):
            fields.append({"tag": "input", **a})
        elif tag == "select" and a.get("name"):
            self._select = {"tag": "select", "name": a["name"], "options": [], "selected": None}
            fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))
            if "selected" in a:
                self._select["selected"] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = {"tag": "textarea", "name": a["name"], "value": ""}
            fields.append(self._textarea)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea["value"] += data


def _filled(form: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """What a person would send without changing anything, and the date boxes (name, type)."""
    data: dict[str, Any] = {}
    dates: list[tuple[str, str]] = []
    for field in form["fields"]:
        name, kind = field["name"], field.get("type", "text").lower()
        if field["tag"] == "select":
            choices = [o for o in field["options"] if o]
            data[name] = field["selected"] if field["selected"] else (choices[0] if choices else "")
        elif field["tag"] == "textarea":
            data[name] = field["value"].strip() or "Test"
        elif kind in ("checkbox", "radio"):
            if "checked" in field or (kind == "radio" and name not in data):
                data[name] = field.get("value", "on")
        elif kind in ("file", "submit", "button", "reset", "image"):
            if kind == "submit" and name:
                data.setdefault(name, field.get("value", ""))
        elif kind in DATE_TYPES or (kind == "text" and PARTIAL_DATES.search(name)):
            data[name] = field.get("value", "")
            dates.append((name, kind))
        elif kind == "number":
            data[name] = field.get("value") or field.get("min") or "1"
        else:
            data[name] = field.get("value") or ("Test" if kind != "hidden" else "")
    return data, dates


def _far(kind: str, day: str) -> str:
    return {"datetime-local": f"{day}T10:00", "month": day[:7]}.get(kind, day[:4] if kind == "text" else day)


def _rows() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label not in NOT_WRITES and not model._meta.proxy
    }


def _messages_shown() -> set[str]:
    """The range message of every range, in the language of the page (ISO days)."""
    shown = set()
    for value in vars(bounds).values():
        if isinstance(value, bounds.DateRange):
            shown.add(str(bounds.MESSAGE % bounds.limits_shown(value)))
    return shown


def _user_for(url: Any, users: dict[str, Any]) -> Any | None:
    roles = [Role.DIRECTOR, *sorted(url.allowed)]
    return next((users[r] for r in roles if r in url.allowed), None)


@pytest.mark.django_db
def test_far_dates_on_every_page_are_refused_with_the_range(users_by_role, person_a, team_a) -> None:  # type: ignore[no-untyped-def]
    world = _world(team_a, person_a, users_by_role)
    tried: set[tuple[str, str]] = set()
    filled: dict[tuple[str, str], tuple[Any, str, dict[str, Any], str]] = {}
    failures: list[str] = []
    for url in URLS:
        if not url.walk or url.method != "GET":
            continue
        user = _user_for(url, users_by_role)
        if user is None:
            continue
        client = verified_client(user)
        page_path = reverse(url.name, kwargs=url.kwargs(world.objects))
        page = client.get(page_path)
        if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
            continue
        parser = _Forms()
        parser.feed(page.content.decode())
        for form in parser.forms:
            data, dates = _filled(form)
            target = form["action"] or page_path
            for name, kind in dates:
                for day in FAR_DAYS:
                    sent = {**data, name: _far(kind, day)}
                    before = _rows()
                    if form["method"] == "post":
                        response = client.post(target, sent, follow=True)
                    else:
                        response = client.get(target, sent, follow=True)
                    where = f"{url.name} {form['method']} {target} {name}={sent[name]}"
                    tried.add((resolve(target.split("?")[0]).view_name, name))
                    filled[(resolve(target.split("?")[0]).view_name, name)] = (client, target, data, kind)
                    if response.status_code >= 500:
                        failures.append(f"{where}: {response.status_code}")
                        continue
                    if _rows() != before:
                        changed = {k for k, v in _rows().items() if before.get(k) != v}
                        failures.append(f"{where}: wrote {sorted(changed)}")
                    body = response.content.decode()
                    with translation.override(response.get("Content-Language") or "my"):
                        messages = _messages_shown()
                    if not any(message in body for message in messages):
                        failures.append(f"{where}: {response.status_code} without the range")
                    elif form["method"] == "post" and not response.redirect_chain and response.status_code < 400:
                        failures.append(f"{where}: {response.status_code}, not a 4xx")
    assert failures == [], "\n".join(failures)
    must = {
        ("shelter:place", "start"),
        ("shelter:extend", "requested_end"),
        ("shelter:move_out", "ended_on"),
        ("journeys:check_in_add", "due_at"),
        ("stipends:runs", "month"),
        ("training:cohort_new_for", "start"),
    }
    assert must <= tried, sorted(must - tried)
    assert len(tried) > 40
    # The forms were filled in well enough to be saved: with a sane date, these write.
    soon = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    for key in [
        ("shelter:extend", "requested_end"),
        ("journeys:check_in_add", "due_at"),
        ("training:cohort_new_for", "start"),
    ]:
        client, target, data, kind = filled[key]
        before = _rows()
        response = client.post(target, {**data, key[1]: _far(kind, soon)})
        assert response.status_code == 302 and _rows() != before, key


@pytest.mark.django_db
def test_a_crafted_extension_to_9999_writes_no_nights(users_by_role, person_a, team_a) -> None:  # type: ignore[no-untyped-def]
    """Without the form: the actions refuse too, in the user's language, and nothing is written."""
    from sanctuary.shelter import actions
    from sanctuary.shelter.models import Bed, BedNight, Extension, Stay

    world = _world(team_a, person_a, users_by_role)
    stay = Stay.objects.get(pk=world["stay"])
    manager = users_by_role[Role.SHELTER_MANAGER]
    nights, extensions = BedNight.objects.count(), Extension.objects.count()
    for end in (dt.date(9999, 12, 31), stay.start + dt.timedelta(days=bounds.STAY_LONGEST)):
        with pytest.raises(actions.ShelterRuleError) as refused:
            actions.do_request_extension(manager, stay, end, "longer")
        assert refused.value.code in {"date_range", "too_long"}
        with translation.override("my"):
            assert refused.value.message and "%(" not in refused.value.message
    with pytest.raises(actions.ShelterRuleError):
        actions.do_place(manager, world.other, Bed.objects.first(), dt.date(9999, 12, 31))
    with pytest.raises(actions.ShelterRuleError):
        actions.do_move_out(manager, stay, dt.date(1, 1, 1), "independent")
    assert (BedNight.objects.count(), Extension.objects.count()) == (nights, extensions)
    # An extension asked before the bound existed is refused when decided, not written.
    old = Extension.objects.create(
        stay=stay, requested_end=dt.date(9999, 12, 31), reason="r", requested_by=users_by_role[Role.DIRECTOR]
    )
    with pytest.raises(actions.ShelterRuleError):
        actions.do_decide_extension(manager, old, approve=True)
    assert BedNight.objects.count() == nights
    today = timezone.localdate()
    assert actions.do_request_extension(manager, stay, today + dt.timedelta(days=30), "ok").pk
