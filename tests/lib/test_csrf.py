"""CSRF under Referrer-Policy: no-referrer: a null Origin passes only from the same origin."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _post(origin: str | None, fetch_site: str | None, with_token: bool = True) -> int:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    token = page.context["csrf_token"] if with_token else "x"
    headers = {}
    if origin is not None:
        headers["HTTP_ORIGIN"] = origin
    if fetch_site is not None:
        headers["HTTP_SEC_FETCH_SITE"] = fetch_site
    response = client.post(
        "/accounts/login/", {"username": "a", "password": "b", "csrfmiddlewaretoken": token}, **headers
    )
    return response.status_code


def test_null_origin_from_the_same_origin_is_accepted() -> None:
    assert _post("null", "same-origin") == 200  # the login form re-displays: CSRF passed


@pytest.mark.parametrize("fetch_site", ["cross-site", "same-site", "none", None])
def test_null_origin_from_elsewhere_is_refused(fetch_site: str | None) -> None:
    assert _post("null", fetch_site) == 403


def test_the_token_is_still_required() -> None:
    assert _post("null", "same-origin", with_token=False) == 403


def test_a_foreign_origin_is_refused() -> None:
    assert _post("https://evil.example", "cross-site") == 403
