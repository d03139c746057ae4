"""Every page carries strict security headers and loads nothing from another host."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.accounts.test_access_matrix import URLS, _world
from tests.conftest import verified_client

EXTERNAL = re.compile(r"""(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
CSS_EXTERNAL = re.compile(r"""url\(\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def _assert_headers(response: object) -> None:
    csp = response["Content-Security-Policy"]  # type: ignore[index]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["Referrer-Policy"] == "no-referrer"  # type: ignore[index]
    assert response["X-Frame-Options"] == "DENY"  # type: ignore[index]
    assert "camera=()" in response["Permissions-Policy"]  # type: ignore[index]
    assert response["X-Content-Type-Options"] == "nosniff"  # type: ignore[index]


def _assert_no_inline_script_or_external_asset(html: str, url: str) -> None:
    assert not EXTERNAL.search(html), f"external asset on {url}: {EXTERNAL.search(html)}"
    assert not CSS_EXTERNAL.search(html), url
    for script in re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S):
        assert script.strip() == "", f"inline script on {url}"
    assert not re.search(r"\son[a-z]+\s*=", html), f"inline event handler on {url}"
    assert "style=" not in html, f"inline style on {url}"


@pytest.mark.django_db
def test_every_page_as_director_and_anonymous(users_by_role, person_a, team_a) -> None:  # type: ignore[no-untyped-def]
    director = verified_client(users_by_role["director"])
    world = _world(team_a, person_a, users_by_role)  # real objects: every page renders in full
    for client in (director, Client()):
        for entry in URLS:
            if entry.method != "GET":
                continue
            url = reverse(entry.name, kwargs=entry.kwargs(world.objects))
            response = client.get(url)
            _assert_headers(response)
            if response.get("Content-Type", "").startswith("text/html"):
                _assert_no_inline_script_or_external_asset(response.content.decode(), url)


def test_static_files_reference_no_other_host() -> None:
    for path in Path(settings.STATICFILES_DIRS[0]).rglob("*"):
        if path.suffix in {".css", ".html"}:
            text = path.read_text(encoding="utf-8")
            assert not CSS_EXTERNAL.search(text), path
            assert not EXTERNAL.search(text), path


def test_fonts_for_myanmar_and_thai_are_bundled() -> None:
    fonts = {p.name for p in (Path(settings.STATICFILES_DIRS[0]) / "fonts").glob("*.woff2")}
    assert any("myanmar" in f for f in fonts)
    assert any("thai" in f for f in fonts)
    css = (Path(settings.STATICFILES_DIRS[0]) / "css" / "sanctuary.css").read_text(encoding="utf-8")
    for font in fonts:
        assert font in css
