"""As people would, on a 360 px phone, in Burmese: a director writes a Burmese template (an
unsafe placeholder is refused first, what was typed kept), drafts a broadcast to the people on
the bot and proposes it; it does not go. A second director approves it from the dashboard,
and the stand-in Telegram server receives each message, with the person's alias filled in.
One person writes ရပ် (STOP) to the bot; the next broadcast leaves them out."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

from sanctuary.outreach import actions
from sanctuary.outreach.models import Channel, ContactState, OutreachContact, Send, SendState
from sanctuary.people.models import Status
from tests.e2e.test_login_person_flow import _log_in
from tests.factories import PersonFactory
from tests.outreach import helpers
from tests.outreach.standins import telegram_server

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir()) / "shots"


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"outreach-{name}.png"), full_page=True)


def _submit(page: Any, selector: str) -> None:
    page.evaluate("document.activeElement && document.activeElement.blur()")
    with page.expect_navigation():
        page.click(selector)


def _session(browser: Any, live_server: Any, user: Any) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="my-MM")
    page = context.new_page()
    page.set_default_timeout(20_000)
    _log_in(page, live_server, user)
    assert page.locator("html").get_attribute("lang") == "my"
    return context, page


def _narrow(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 362


def test_a_broadcast_drafted_by_one_director_and_approved_by_another_reaches_the_bot(
    browser, live_server, make_user, team_a
) -> None:  # type: ignore[no-untyped-def]
    first = make_user("director", language="my", username="director1")
    second = make_user("director", language="my", username="director2")
    people = [PersonFactory(team=team_a, alias=alias, status=Status.ACCEPTED) for alias in ("ကိုဇော်", "ကိုလင်း", "မသီတာ")]
    with telegram_server() as (bot, api):
        helpers.telegram(first, api, bot.token)
        rows = [helpers.contact(first, person, Channel.TELEGRAM, str(4401 + n)) for n, person in enumerate(people)]
        context, page = _session(browser, live_server, first)
        url = live_server.url

        # 1. A template: an unsafe placeholder is refused, what was typed kept.
        page.goto(f"{url}/outreach/templates/new/")
        page.fill("#id_name", "အစည်းအဝေး")
        page.fill("#id_body_my", "{alias} ရေ၊ {village} မှာ တွေ့ကြမယ်")
        _submit(page, "#save-template")
        assert "{village}" in page.locator(".errorlist").inner_text()
        assert page.input_value("#id_body_my") == "{alias} ရေ၊ {village} မှာ တွေ့ကြမယ်"
        _narrow(page)
        _shot(page, "1-unsafe-placeholder")
        page.fill("#id_body_my", "{alias} ရေ၊ တနင်္ဂနွေ ဟောပြောပွဲကို လာနားထောင်ပါ")
        _submit(page, "#save-template")

        # 2. The broadcast: counted, proposed, and it does not go.
        page.goto(f"{url}/outreach/send/")
        page.check("#id_channel_2")  # Telegram
        _submit(page, "#preview")
        assert set(page.locator("#audience-count").inner_text()) & {"3", "၃"}
        _submit(page, "#propose")
        send = Send.objects.get()
        assert send.state == SendState.PROPOSED and bot.sent == []
        assert page.locator("#approve").count() == 0  # not by the one who proposed it
        _narrow(page)
        _shot(page, "2-proposed")
        context.close()

        # 3. A second director approves it from the dashboard; the bot receives each message.
        context, page = _session(browser, live_server, second)
        assert page.locator("#outreach-waiting").inner_text().strip() in ("1", "၁")
        page.click("section[aria-labelledby=h-outreach-card] a >> nth=0")
        page.click(f"a[href='/outreach/sends/{send.pk}/']")
        _submit(page, "#approve")
        send.refresh_from_db()
        assert send.state == SendState.DONE and send.approved_by == second
        assert sorted(m["chat_id"] for m in bot.sent) == ["4401", "4402", "4403"]
        texts = {m["chat_id"]: m["text"] for m in bot.sent}
        assert texts["4401"] == "ကိုဇော် ရေ၊ တနင်္ဂနွေ ဟောပြောပွဲကို လာနားထောင်ပါ"
        _narrow(page)
        _shot(page, "3-approved-and-sent")

        # 4. One person writes STOP in Burmese; the next broadcast leaves them out.
        bot.add_update(4402, "ရပ်")
        actions.poll_telegram()
        assert OutreachContact.objects.get(pk=rows[1].pk).state == ContactState.STOPPED
        page.goto(f"{url}/outreach/send/")
        page.check("#id_channel_2")
        _submit(page, "#preview")
        counted = page.locator("#audience-count").inner_text()
        assert set(counted) & {"2", "၂"} and not set(counted) & {"3", "၃"}
        context.close()
