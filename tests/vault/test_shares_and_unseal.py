"""Key holders unseal with k of n shares; wrong, foreign and stale shares are refused clearly."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from sanctuary.audit.models import Action, AuditEntry
from sanctuary.vault import state
from sanctuary.vault.models import DataKey, VaultConfig
from sanctuary.vault.shares import ShareError, decode_share, encode_share

pytestmark = pytest.mark.django_db


def test_share_text_round_trip_and_typo_detection() -> None:
    text = encode_share(b"\x01\x02", 3, bytes(range(16)))
    assert len(text.split("-")) == 9
    share = decode_share(text.lower().replace("-", " "))
    assert (share.vault_tag, share.index, share.value) == (b"\x01\x02", 3, bytes(range(16)))
    # O/0 and I/L/1 read the same, as in Crockford's base32
    assert decode_share(text.replace("0", "O").replace("1", "I")) == share
    for position in range(0, 36, 5):
        chars = list(text.replace("-", ""))
        chars[position] = "Z" if chars[position] != "Z" else "Y"
        with pytest.raises(ShareError):
            decode_share("".join(chars))


def test_nothing_secret_is_stored(vault_shares) -> None:  # type: ignore[no-untyped-def]
    cfg = VaultConfig.objects.get()
    stored = bytes(cfg.salt) + cfg.verifier.encode() + b"".join(bytes(k.wrapped) for k in DataKey.objects.all())
    for share in vault_shares:
        assert decode_share(share).value not in stored


def test_two_of_three_unseal_with_progress(vault_shares) -> None:  # type: ignore[no-untyped-def]
    state.seal()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.get("/healthz").json()["sealed"] is True
    page = client.get("/unseal/").content.decode()
    assert "0 of 2" in page
    client.post("/unseal/", {"share": vault_shares[2]})
    assert "1 of 2" in client.get("/unseal/").content.decode()
    assert state.is_sealed()
    client.post("/unseal/", {"share": vault_shares[0]})
    assert not state.is_sealed()
    assert client.get("/healthz").json()["sealed"] is False
    assert AuditEntry.objects.filter(action=Action.UNSEALED).count() == 1


def test_wrong_and_foreign_shares_are_refused_counted_and_audited(vault_shares) -> None:  # type: ignore[no-untyped-def]
    state.seal()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    typo = vault_shares[0][:-1] + ("A" if vault_shares[0][-1] != "A" else "B")
    response = client.post("/unseal/", {"share": typo})
    assert response.status_code == 400
    assert "typing mistake" in response.content.decode()
    assert typo not in response.content.decode()  # a share is a secret: never echoed back
    foreign = encode_share(b"\xff\xfe", 1, bytes(16))
    response = client.post("/unseal/", {"share": foreign})
    assert "another vault" in response.content.decode()
    assert state.status().wrong_shares >= 2
    assert AuditEntry.objects.filter(action=Action.UNSEAL_REFUSED).count() == 2
    # Never locked out: the right shares still work right after.
    client.post("/unseal/", {"share": vault_shares[0]})
    client.post("/unseal/", {"share": vault_shares[1]})
    assert not state.is_sealed()
    # Shares themselves are never in the log.
    log = b"".join(e.canonical() for e in AuditEntry.objects.all())
    assert vault_shares[0].encode() not in log and typo.encode() not in log


def _junk(shares: list[str], index: int, n: int = 0) -> str:
    """A well-formed share of this vault (right tag, right checksum) with a made-up value:
    anyone who saw one share's first groups can make these."""
    return encode_share(decode_share(shares[0]).vault_tag, index, n.to_bytes(16, "big"))


def test_twenty_junk_shares_on_the_page_never_lock_out_the_holders(vault_shares) -> None:  # type: ignore[no-untyped-def]
    """The attack: twenty (and more) junk shares through the unseal page, all from the same
    address as the holders (a reverse proxy on the server makes everyone 127.0.0.1). Each is
    refused at once and counts for nothing; the real holders then unseal at once."""
    state.seal()
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    for n in range(25):
        response = page.post("/unseal/", {"share": _junk(vault_shares, 1 + n % 3, n)})
        assert response.status_code == 400
        assert "it was not counted" in response.content.decode()
    assert state.status().progress == 0
    page.post("/unseal/", {"share": vault_shares[0]})
    assert state.status().progress == 1
    page.post("/unseal/", {"share": vault_shares[1]})
    assert not state.is_sealed()
    assert AuditEntry.objects.filter(action=Action.UNSEALED).count() == 1


def test_a_junk_share_never_counts(vault_shares) -> None:  # type: ignore[no-untyped-def]
    """A junk share with a holder's index is refused on its own: it is not counted towards
    the threshold, and does not spoil the attempt the real shares are making."""
    state.seal()
    state.submit_share(vault_shares[0])
    with pytest.raises(state.UnsealError) as error:
        state.submit_share(_junk(vault_shares, decode_share(vault_shares[1]).index))
    assert error.value.code == "wrong_share"
    assert state.status().progress == 1 and state.is_sealed()
    state.submit_share(vault_shares[1])
    assert not state.is_sealed()


def test_junk_for_one_index_does_not_block_another(vault_shares) -> None:  # type: ignore[no-untyped-def]
    """A flood for share 3 (past the audit limit) leaves shares 1 and 2 untouched, and the
    log holds a bounded number of refusals, not one per junk share."""
    from sanctuary.vault import views

    state.seal()
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    third = decode_share(vault_shares[2]).index
    for n in range(views.REFUSALS_AUDITED_PER_INDEX + 15):
        page.post("/unseal/", {"share": _junk(vault_shares, third, n)})
    refusals = AuditEntry.objects.filter(action=Action.UNSEAL_REFUSED)
    assert refusals.count() == views.REFUSALS_AUDITED_PER_INDEX + 1  # and one "flood" entry
    assert refusals.filter(object_id="flood").count() == 1
    response = page.post("/unseal/", {"share": vault_shares[0]})
    assert response.status_code == 302
    page.post("/unseal/", {"share": vault_shares[1]})
    assert not state.is_sealed()


def test_the_holder_of_a_flooded_index_still_gets_in(vault_shares) -> None:  # type: ignore[no-untyped-def]
    """Junk for share 1, past every limit: share 1's real holder is still accepted."""
    state.seal()
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    first = decode_share(vault_shares[0]).index
    for n in range(40):
        page.post("/unseal/", {"share": _junk(vault_shares, first, n)})
    page.post("/unseal/", {"share": vault_shares[0]})
    page.post("/unseal/", {"share": vault_shares[2]})
    assert not state.is_sealed()


def test_a_vault_made_before_share_verifiers_unseals_and_gets_them(vault_shares) -> None:  # type: ignore[no-untyped-def]
    """Old vaults have no share verifiers: they still unseal, and the first unseal stores a
    verifier for every holder's share, those not entered too (from the polynomial the
    entered ones fix). From then on junk is refused at once."""
    cfg = VaultConfig.objects.get()
    made_at_init = dict(cfg.share_verifiers)
    assert sorted(made_at_init) == ["1", "2", "3"]
    VaultConfig.objects.update(share_verifiers={})
    state.seal()
    state.submit_share(_junk(vault_shares, 2))  # the old way: kept beside the real ones
    with pytest.raises(state.UnsealError) as error:
        state.submit_share(vault_shares[0])
    assert error.value.code == "wrong_key"
    state.submit_share(vault_shares[2])
    assert not state.is_sealed()
    assert VaultConfig.objects.get().share_verifiers == made_at_init
    state.seal()
    with pytest.raises(state.UnsealError) as error:
        state.submit_share(_junk(vault_shares, 2))
    assert error.value.code == "wrong_share"
    state.submit_share(vault_shares[1])  # the share nobody entered: its verifier was right
    state.submit_share(vault_shares[2])
    assert not state.is_sealed()


def test_command_endpoints_answer_only_on_loopback(vault_shares) -> None:  # type: ignore[no-untyped-def]
    remote = Client(REMOTE_ADDR="203.0.113.9")
    assert remote.post("/unseal/api/", '{"shares": ["x"]}', content_type="application/json").status_code == 403
    assert remote.post("/unseal/seal-api/").status_code == 403


def test_the_command_endpoint_needs_the_control_token(vault_shares) -> None:  # type: ignore[no-untyped-def]
    """Behind a proxy on the server every web request comes from loopback: loopback alone
    does not reach the command endpoint, the control token from var/ does."""
    from sanctuary.vault.views import control_token

    state.seal()
    body = {"shares": vault_shares[:2]}
    local = Client()
    assert local.post("/unseal/api/", body, content_type="application/json").status_code == 403
    assert state.is_sealed()
    response = local.post(
        "/unseal/api/", body, content_type="application/json", HTTP_X_SANCTUARY_CONTROL_TOKEN=control_token()
    )
    assert response.status_code == 200 and response.json()["sealed"] is False


def test_partial_unseal_expires(vault_shares, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import time as time_module

    state.seal()
    state.submit_share(vault_shares[0])
    assert state.status().progress == 1
    real = time_module.monotonic
    monkeypatch.setattr(state.time, "monotonic", lambda: real() + state.PARTIAL_UNSEAL_SECONDS + 1)
    assert state.status().progress == 0
    state.submit_share(vault_shares[1])
    assert state.is_sealed()  # the first share was forgotten


def test_seal_now_forgets_keys_and_ends_every_session(make_user, login, person_a) -> None:  # type: ignore[no-untyped-def]
    director = login(make_user("director"))
    worker = login(make_user("case_worker"))
    assert worker.get(f"/people/{person_a.pk}/").status_code == 200
    response = director.post("/accounts/seal/")
    assert response.status_code == 302
    assert state.is_sealed()
    assert Session.objects.count() == 0
    assert worker.get("/people/").status_code == 302  # logged out
    assert AuditEntry.objects.filter(action=Action.SEALED).exists()


def test_only_directors_can_seal(make_user, login) -> None:  # type: ignore[no-untyped-def]
    assert login(make_user("case_worker")).post("/accounts/seal/").status_code == 403
    assert not state.is_sealed()
    assert Client().post("/unseal/seal-api/", HTTP_X_SANCTUARY_CONTROL_TOKEN="guess").status_code == 403
    assert not state.is_sealed()


def test_sealed_pages_render_with_placeholders(make_user, login, person_a) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user("case_worker"))
    state.seal()
    page = client.get("/people/").content.decode()
    assert "sealed" in page and person_a.case_code in page
    detail = client.get(f"/people/{person_a.pk}/")
    assert detail.status_code == 200
    assert "Ko Thiha" not in detail.content.decode()
    edit = client.get(f"/people/{person_a.pk}/edit/")
    assert edit.status_code == 302
    search = client.post("/people/", {"q": "Thiha"}).content.decode()
    assert "Search needs the vault unsealed" in search
