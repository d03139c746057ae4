"""Users and the stand-in Telegram bot shared by the outreach tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.outreach import helpers
from tests.outreach.standins import BotApi, telegram_server


@pytest.fixture
def worker(make_user: Any) -> Any:
    return make_user("case_worker", username="worker")


@pytest.fixture
def director(make_user: Any) -> Any:
    return make_user("director", username="boss")


@pytest.fixture
def bot(director: Any) -> Iterator[BotApi]:
    """The stand-in Bot API, set up as the organisation's Telegram channel."""
    with telegram_server() as (api, url):
        helpers.telegram(director, url, api.token)
        yield api
