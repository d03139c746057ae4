"""The vault's management commands, against a real running server where they need one."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from sanctuary.vault import state
from sanctuary.vault.models import DataKey, VaultConfig
from sanctuary.vault.shares import decode_share


@pytest.mark.django_db
def test_vault_init_prints_shares_once_and_refuses_twice() -> None:
    VaultConfig.objects.all().delete()
    DataKey.objects.all().delete()
    out = io.StringIO()
    call_command("vault_init", holders=5, threshold=3, stdout=out)
    shares = [line.split(": ", 1)[1] for line in out.getvalue().splitlines() if line.startswith("share ")]
    assert len(shares) == 5 and len({decode_share(s).index for s in shares}) == 5
    public = VaultConfig.objects.get().audit_public_key
    assert len(public) == 64 and f"audit public key: {public}" in out.getvalue()
    with pytest.raises(CommandError, match="already exists"):
        call_command("vault_init", holders=5, threshold=3, stdout=io.StringIO())
    state.seal()
    state.unseal_with_shares(shares[1:4])
    assert not state.is_sealed()


@pytest.mark.django_db
def test_vault_init_rejects_a_bad_threshold() -> None:
    VaultConfig.objects.all().delete()
    with pytest.raises(CommandError, match="threshold"):
        call_command("vault_init", holders=2, threshold=3, stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_unseal_status_and_seal_through_the_running_server(live_server, vault_shares, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SANCTUARY_URL = live_server.url
    state.seal()
    out = io.StringIO()
    call_command("vault_status", stdout=out)
    assert "2 of 3 shares" in out.getvalue() and "server: sealed" in out.getvalue()
    typo = vault_shares[0][:-1] + ("0" if vault_shares[0][-1] != "0" else "1")
    with pytest.raises(CommandError, match="typing mistake"):
        call_command("vault_unseal", stdin=io.StringIO(typo + "\n"), stdout=io.StringIO())
    out = io.StringIO()
    call_command("vault_unseal", stdin=io.StringIO("\n".join(vault_shares[1:3])), stdout=out)
    assert "unsealed" in out.getvalue()
    assert not state.is_sealed()
    from sanctuary.audit.models import Checkpoint

    newest = Checkpoint.objects.order_by("-seq").first()
    assert newest is not None and f"signed audit head (keep a copy elsewhere): {newest.head_text()}" in out.getvalue()
    call_command("vault_seal", stdout=io.StringIO())
    assert state.is_sealed()
    assert Checkpoint.objects.order_by("-seq").first().reason == "seal"  # type: ignore[union-attr]


@pytest.mark.django_db(transaction=True)
def test_the_command_unseals_whatever_the_page_was_sent(live_server, vault_shares, settings) -> None:  # type: ignore[no-untyped-def]
    """Junk shares flooding the unseal page (from loopback, as through a proxy) neither block
    nor slow ``vault_unseal`` on the server."""
    from django.test import Client

    from sanctuary.vault.shares import encode_share

    settings.SANCTUARY_URL = live_server.url
    state.seal()
    tag = decode_share(vault_shares[0]).vault_tag
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    for n in range(30):
        page.post("/unseal/", {"share": encode_share(tag, 1 + n % 3, n.to_bytes(16, "big"))})
    junk = encode_share(tag, 3, bytes(16))
    with pytest.raises(CommandError, match="share 2 refused: This share is not one of this vault's shares"):
        call_command("vault_unseal", stdin=io.StringIO(f"{vault_shares[0]}\n{junk}\n"), stdout=io.StringIO())
    assert state.is_sealed()
    out = io.StringIO()
    call_command("vault_unseal", stdin=io.StringIO("\n".join(vault_shares[:2])), stdout=out)
    assert "unsealed" in out.getvalue()
    assert not state.is_sealed()
