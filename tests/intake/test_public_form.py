"""The public intake form: no cookie, sealed on arrival, receipt phrases, bad input."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import translation

from sanctuary.intake import actions, phrases
from sanctuary.intake.models import Attachment, FollowUp, PublicStatus, Submission
from sanctuary.vault import files, state
from tests.vault.images import jpeg_with_exif, tiny_png

pytestmark = pytest.mark.django_db

STORY = "ကျွန်တော် တပ်ကနေ ထွက်ချင်ပါတယ်။ Secret story 4471"


def _form_data(client: Client, url: str = "/intake/", **changes: Any) -> dict[str, Any]:
    page = client.get(url).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token is not None
    data = {
        "token": token.group(1),
        "writer": "self",
        "name": "မောင်ကျော်",
        "channel": "signal",
        "handle": "+66812345678",
        "force": "army",
        "rank": "Corporal",
        "unit": "LIB 345",
        "service_number": "BA-123456",
        "location": "kayin",
        "urgency": "now",
        "story": STORY,
        "website": "",
    }
    data.update(changes)
    return data


def _phrase(page: str) -> str:
    found = re.search(r'id="receipt-phrase"[^>]*>(.*?)</p>', page, re.S)
    assert found is not None
    return " ".join(re.findall(r"<span>(.*?)</span>", found.group(1)))


def test_the_form_sets_no_cookie_and_loads_nothing_from_elsewhere() -> None:
    client = Client()
    for url in ("/intake/", "/intake/en/", "/intake/th/", "/intake/status/"):
        response = client.get(url)
        assert response.status_code == 200
        assert not response.cookies, url
        page = response.content.decode()
        assert "<script" not in page
        assert "http://" not in page and "https://" not in page
        assert "Sanctuary" not in page  # a neutral title on watched phones
    assert Client().get("/intake/").headers["Content-Language"] == "my"


@pytest.mark.django_db
def test_no_public_page_sets_a_cookie_not_even_an_error_page() -> None:
    """A mistyped address under /intake/ (a 404 page with a form) set a one-year CSRF cookie."""
    client = Client()
    for url in ("/intake/nope/", "/intake/en/x", "/intake/status/nope", "/c/zzzz-zzzz"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert not response.cookies, url
    staff = Client().get("/accounts/login/")
    assert "csrftoken" in staff.cookies  # staff pages keep theirs


def test_a_submission_is_stored_only_as_ciphertext_and_keeps_no_address() -> None:
    client = Client(REMOTE_ADDR="203.0.113.77")
    photo = jpeg_with_exif("Owner Secret Name")
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = _form_data(client, "/intake/en/")
    data["files"] = [SimpleUploadedFile("me.jpg", photo, content_type="image/jpeg")]
    response = client.post("/intake/en/", data)
    assert response.status_code == 200, response.content.decode()[:2000]
    assert not response.cookies
    phrase = _phrase(response.content.decode())
    assert len(phrase.split()) == phrases.PHRASE_WORDS
    submission = Submission.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM intake_submission")
        row = " ".join(str(v) for v in cursor.fetchone())
    for secret in ("Secret story", "+66812345678", "BA-123456", "203.0.113.77", phrase.split()[0]):
        assert secret not in row
    attachment = Attachment.objects.get()
    blob = (files.storage_dir() / attachment.stored_name).read_bytes()
    assert b"Owner Secret Name" not in blob and b"JFIF" not in blob
    data_read = submission.read()
    assert data_read["story"] == STORY and data_read["handle"] == "+66812345678"
    assert b"Owner Secret Name" not in actions.read_attachment(attachment)


def test_submissions_arrive_while_sealed_and_are_read_after_unsealing(vault_shares: list[str]) -> None:
    client = Client()
    data = _form_data(client)
    state.seal()
    response = client.post("/intake/", data)
    assert response.status_code == 200
    submission = Submission.objects.get()
    with pytest.raises(state.VaultSealed):
        submission.read()
    state.unseal_with_shares(vault_shares[:2])
    assert submission.read()["story"] == STORY


def test_the_same_form_sent_twice_is_stored_once_with_the_same_phrase() -> None:
    client = Client()
    data = _form_data(client)
    first = client.post("/intake/", data).content.decode()
    second = client.post("/intake/", data).content.decode()
    assert _phrase(first) == _phrase(second)
    assert Submission.objects.count() == 1


def test_status_and_follow_up_with_the_phrase_in_any_language() -> None:
    client = Client()
    phrase_my = _phrase(client.post("/intake/", _form_data(client)).content.decode())
    numbers = phrases.parse(phrase_my)
    phrase_en = phrases.render(numbers, "en")
    # Burmese typed without spaces, English with odd spacing and capitals.
    for typed in (phrase_my.replace(" ", ""), "  " + phrase_en.upper().replace(" ", " ,  ") + " "):
        page = client.post("/intake/en/status/", {"phrase": typed}).content.decode()
        assert 'id="public-status"' in page, typed
        with translation.override("en"):
            assert str(PublicStatus.RECEIVED.label) in page
    response = client.post("/intake/en/status/", {"phrase": phrase_en, "message": "I am at the border now"})
    assert "Your new message was received" in response.content.decode()
    follow_up = FollowUp.objects.get()
    assert "border" not in follow_up.payload and follow_up.read() == "I am at the border now"


def test_wrong_and_expired_phrases_get_a_clear_message() -> None:
    client = Client()
    phrase_en = phrases.render(
        phrases.parse(_phrase(client.post("/intake/", _form_data(client)).content.decode())), "en"
    )
    words = phrase_en.split()
    unknown = client.post("/intake/en/status/", {"phrase": " ".join([*words[:5], "zzzz"])})
    assert unknown.status_code == 400 and "Word 6 is not one of ours" in unknown.content.decode()
    short = client.post("/intake/en/status/", {"phrase": " ".join(words[:4])})
    assert "six words" in short.content.decode()
    other = phrases.render([(n + 1) % 1024 for n in phrases.parse(phrase_en)], "en")
    assert "could not find" in client.post("/intake/en/status/", {"phrase": other}).content.decode()
    from datetime import timedelta

    from django.utils import timezone

    Submission.objects.update(phrase_expires_at=timezone.now() - timedelta(days=1))
    expired = client.post("/intake/en/status/", {"phrase": phrase_en}).content.decode()
    assert "has expired" in expired


def test_bad_input_keeps_everything_typed() -> None:
    client = Client()
    data = _form_data(client, "/intake/en/", story="   ", handle="<script>alert(1)</script>")
    response = client.post("/intake/en/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "LIB 345" in page and "BA-123456" in page
    assert Submission.objects.count() == 0


def test_wrong_type_and_oversize_files_are_refused_with_the_answers_kept() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client()
    data = _form_data(client, "/intake/en/")
    data["files"] = [SimpleUploadedFile("x.exe", b"MZ\x90\x00 not an image", content_type="image/png")]
    response = client.post("/intake/en/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Only photos" in page and "LIB 345" in page and "choose them again" in page
    data = _form_data(client, "/intake/en/")
    data["files"] = [SimpleUploadedFile("big.jpg", b"\xff" * (files.MAX_BYTES + 10), content_type="image/jpeg")]
    response = client.post("/intake/en/", data)
    assert response.status_code == 400 and "larger than 10 MB" in response.content.decode()
    data = _form_data(client, "/intake/en/")
    data["files"] = [SimpleUploadedFile(f"{n}.png", tiny_png(), content_type="image/png") for n in range(4)]
    assert "at most 3 files" in client.post("/intake/en/", data).content.decode()
    assert Submission.objects.count() == 0


def test_zawgyi_is_stored_as_unicode() -> None:
    client = Client()
    zawgyi = "ေမာင္ေက်ာ္ ေရွ႕ကို ထြက္ေျပးခ်င္ပါတယ္"
    client.post("/intake/", _form_data(client, story=zawgyi, name="ေမာင္ေက်ာ္"))
    data = Submission.objects.get().read()
    assert data["story"] != zawgyi and "ကျော်" in data["story"] and data["name"] == "မောင်ကျော်"


def test_expired_form_is_shown_again_with_a_fresh_token() -> None:
    client = Client()
    data = _form_data(client, "/intake/en/")
    data["token"] = "not-a-token"
    response = client.post("/intake/en/", data)
    page = response.content.decode()
    assert response.status_code == 400 and "send it again" in page and STORY.split()[0] in page
    fresh = re.search(r'name="token" value="([^"]+)"', page)
    assert fresh is not None and fresh.group(1) != "not-a-token"
    data["token"] = fresh.group(1)
    assert client.post("/intake/en/", data).status_code == 200


def test_honeypot_and_rate_limits() -> None:
    client = Client(REMOTE_ADDR="198.51.100.9")
    response = client.post("/intake/", _form_data(client, website="http://spam.example"))
    assert response.status_code == 200  # a bot is thanked; kept as spam, out of the queue
    assert list(Submission.objects.values_list("state", flat=True)) == ["spam"]
    for _n in range(4):  # the bot's try counted too: five per client in ten minutes
        assert client.post("/intake/", _form_data(client)).status_code == 200
    limited = client.post("/intake/en/", _form_data(client, "/intake/en/"))
    assert limited.status_code == 429 and "Wait a few minutes" in limited.content.decode()
    assert "LIB 345" in limited.content.decode()  # what was typed is kept
    assert Submission.objects.exclude(state="spam").count() == 4
    assert Client(REMOTE_ADDR="198.51.100.10").post("/intake/", _form_data(client)).status_code == 200


def test_a_form_posted_from_another_site_is_refused() -> None:
    client = Client()
    response = client.post("/intake/", _form_data(client), HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403 and Submission.objects.count() == 0


def test_secret_path_serves_the_same_form(settings: Any) -> None:
    from django.urls import clear_url_caches

    settings.INTAKE_SECRET_PATH = "help-4f7k2q"
    import importlib

    import sanctuary.urls

    importlib.reload(sanctuary.urls)
    clear_url_caches()
    try:
        client = Client()
        response = client.get("/help-4f7k2q/en/")
        assert response.status_code == 200 and 'href="/help-4f7k2q/en/status/"' in response.content.decode()
        assert client.post("/help-4f7k2q/en/", _form_data(client, "/help-4f7k2q/en/")).status_code == 200
    finally:
        settings.INTAKE_SECRET_PATH = ""
        importlib.reload(sanctuary.urls)
        clear_url_caches()


def test_phrases_have_sixty_bits_and_words_are_unique() -> None:
    words, lookup = phrases.word_table()
    assert len(words["en"]) == 1024
    for language in ("en", "my", "th"):
        assert len(set(words[language])) == 1024, language
    assert phrases.bits_per_word() * phrases.PHRASE_WORDS >= 60
    assert len(lookup) == 3 * 1024  # no word is shared between languages either


def test_the_triage_queue_reads_each_submission_without_a_query_each(
    make_user, login, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    from sanctuary.intake.models import Submission as Row

    officer = login(make_user("intake_officer"))
    for _n in range(2):
        actions.do_receive({"story": "s", "handle": "h"}, [], actions.new_form_token())
    officer.get("/triage/")  # the watch-list check runs once per new submission
    # (A request resets Django's query log, so a count taken from one request cannot bound
    # the next: a fixed bound below the one-query-per-row line does.)
    with django_assert_max_num_queries(20):
        officer.get("/triage/")
    for _n in range(8):
        actions.do_receive({"story": "s", "handle": "h"}, [], actions.new_form_token())
    officer.get("/triage/")
    with django_assert_max_num_queries(20):
        page = officer.get("/triage/").content.decode()
    assert page.count("/triage/") >= Row.objects.count()


def test_refused_posts_are_not_counted_and_a_form_sent_again_gets_its_receipt() -> None:
    """Issue 16: the limit counted refused posts, and pressing "send" again on an accepted
    form past the limit answered 429 instead of the same receipt."""
    client = Client(REMOTE_ADDR="198.51.100.20")
    for _n in range(8):  # refused: a forged token; none counts
        data = _form_data(client)
        data["token"] = "not-a-token"
        assert client.post("/intake/", data).status_code == 400
    sent = []
    for _n in range(5):
        data = _form_data(client)
        assert client.post("/intake/", data).status_code == 200
        sent.append(data)
    assert client.post("/intake/", _form_data(client)).status_code == 429  # a sixth new one: limited
    again = client.post("/intake/", sent[0])  # the first form, sent again: its receipt
    assert again.status_code == 200
    assert Submission.objects.count() == 5
