"""Every write of evidence: screening records, items received and their working copies,
recipient keys, and referral packages from proposal to hand-over.

Custody: every receipt, access, copy, export and hand-over of an item is an audit entry under
the item's id (``object_type="evidence.item"``), in the hash-chained log; the custody report
is those entries. Nothing about evidence goes on the person's timeline, which everyone who
may see the person reads: that someone gave testimony is itself dangerous.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, BinaryIO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary import consent
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.consent.models import Purpose
from sanctuary.evidence import store
from sanctuary.evidence.models import (
    Item,
    Package,
    PackageState,
    RecipientKey,
    Testimony,
    TestimonyState,
    WithdrawalNotice,
)
from sanctuary.lib.refusal import Refusal
from sanctuary.vault import streams

if TYPE_CHECKING:
    from sanctuary.accounts.models import User
    from sanctuary.consent.models import ConsentRecord, Recipient

ITEM = "evidence.item"


class EvidenceRuleError(Refusal):
    messages = {
        "needs_summaries": _("Write the summary for referral in Burmese and in English before the screening is ready."),
        "not_ready": _("The screening record is not ready for referral yet."),
        "closed": _("This testimony is closed."),
        "no_items": _("Choose at least one item for the package."),
        "wrong_items": _("Some of the chosen items are not of this testimony."),
        "failed_item": _("An item failed its hash check: it cannot be packaged."),
        "bad_key": _("This is not an age public key (it starts with age1…)."),
        "key_retired": _("This recipient key is no longer in use: propose the package again with a current key."),
        "four_eyes": _("A second evidence officer must release the package: not the one who proposed it."),
        "changed": _(
            "The testimony, its items, the consent or the key changed after the package was proposed: propose it again."
        ),
        "not_proposed": _("Only a proposed package can be released or cancelled."),
        "not_built": _("The package is not ready to download."),
        "not_downloadable": _("This package can no longer be downloaded."),
        "copy_of_copy": _("A working copy is made from an original, not from another copy."),
        "sent": _("The withdrawal notice was already recorded as sent."),
    }


def custody(actor: User | None, action: str, item: Item, *what: str) -> None:
    record(actor, action, object_type=ITEM, object_id=item.pk, fields=what)


# --- Screening ----------------------------------------------------------------------------


@transaction.atomic
def do_save_testimony(actor: User, testimony: Testimony, changed: Iterable[str]) -> Testimony:
    """Create or update a screening record (``changed``: the form's changed fields)."""
    creating = testimony.pk is None
    if not creating:
        locked = Testimony.objects.select_for_update().get(pk=testimony.pk)
        if locked.state == TestimonyState.CLOSED:
            raise EvidenceRuleError("closed")
    else:
        testimony.officer = actor
    testimony.save()
    record(actor, Action.CREATE if creating else Action.UPDATE, testimony, fields=changed)
    return testimony


@transaction.atomic
def do_set_testimony_state(actor: User, testimony: Testimony, state: str) -> Testimony:
    testimony = Testimony.objects.select_for_update().get(pk=testimony.pk)
    if state == TestimonyState.READY and not (str(testimony.summary_my).strip() and str(testimony.summary_en).strip()):
        raise EvidenceRuleError("needs_summaries")
    testimony.state = state
    testimony.save(update_fields=["state", "updated_at"])
    record(actor, Action.STATUS, testimony, fields=["state"])
    return testimony


# --- Items --------------------------------------------------------------------------------


def do_receive_item(
    actor: User,
    testimony: Testimony,
    stored: store.Stored,
    data: Mapping[str, Any],
    *,
    original: Item | None = None,
) -> Item:
    """An item whose file is already in the store (streamed in by the upload handler, with
    its hashes taken on the way). The file is removed if the row cannot be written."""
    try:
        with transaction.atomic():
            locked = Testimony.objects.select_for_update().get(pk=testimony.pk)
            if locked.state == TestimonyState.CLOSED:
                raise EvidenceRuleError("closed")
            if original is not None and not original.is_original:
                raise EvidenceRuleError("copy_of_copy")
            item = Item(
                testimony=locked,
                original=original,
                derivative_kind=data.get("derivative_kind", "") if original is not None else "",
                kind=data["kind"],
                title=data["title"],
                filename=data.get("filename", "") or "file",
                content_type=(data.get("content_type") or "")[:100],
                size=stored.size,
                sha256=stored.sha256,
                sha512=stored.sha512,
                received_how=data["received_how"],
                received_note=data.get("received_note", ""),
                received_by=actor,
                received_at=data.get("received_at") or timezone.now(),
                stored_name=stored.name,
            )
            item.save()
            custody(actor, Action.CREATE, item, "received", "sha256", "sha512")
            if original is not None:
                custody(actor, Action.COPY, original, "working_copy", f"item:{item.pk}")
            return item
    except BaseException:
        store.delete(stored.name)
        raise


@contextmanager
def opening_item(actor: User, item: Item) -> Iterator[BinaryIO]:
    """An officer opens an item (a download): checked against its hashes first, so a file
    changed on disk is never handed out as the original; then an access entry."""
    if not do_check_item(actor, item):
        raise EvidenceRuleError("failed_item")
    custody(actor, Action.VIEW, item, "downloaded")
    with store.reading(item.stored_name) as plain:
        yield plain


def do_check_item(actor: User | None, item: Item) -> bool:
    """Compare the stored file with the hashes at receipt; a mismatch marks the item and
    is a custody entry (the officers' dashboard shows it)."""
    if store.check(item):
        return True
    with transaction.atomic():
        Item.objects.filter(pk=item.pk, hash_failed_at__isnull=True).update(hash_failed_at=timezone.now())
        custody(actor, Action.HASH_FAILED, item, "sha256", "sha512")
    item.hash_failed_at = item.hash_failed_at or timezone.now()
    return False


# --- Recipient keys -----------------------------------------------------------------------


@transaction.atomic
def do_add_recipient_key(actor: User, recipient: Recipient, public_key: str, label: str = "") -> RecipientKey:
    try:
        streams.recipient(public_key)
    except ValueError:
        raise EvidenceRuleError("bad_key") from None
    key = RecipientKey.objects.create(recipient=recipient, public_key=public_key.strip(), label=label, added_by=actor)
    record(actor, Action.CREATE, key, fields=["recipient", "public_key", "label"])
    return key


@transaction.atomic
def do_retire_recipient_key(actor: User, key: RecipientKey) -> RecipientKey:
    RecipientKey.objects.filter(pk=key.pk).update(active=False)
    key.active = False
    record(actor, Action.UPDATE, key, fields=["active"])
    return key


# --- Packages -----------------------------------------------------------------------------


def fingerprint(testimony: Testimony, key: RecipientKey, consent_record: ConsentRecord, items: Iterable[Item]) -> str:
    """What the second officer approves: the summaries, the recipient and its key, the consent
    record, and each item with its hashes. Any change after the proposal changes it."""
    digest = hashlib.sha256()
    for part in (
        f"testimony:{testimony.pk}",
        hashlib.sha256(str(testimony.summary_my).encode()).hexdigest(),
        hashlib.sha256(str(testimony.summary_en).encode()).hexdigest(),
        f"recipient:{key.recipient_id}",
        f"key:{key.pk}:{key.public_key}",
        f"consent:{consent_record.pk}:{consent_record.state}",
    ):
        digest.update(part.encode() + b"\n")
    for item in sorted(items, key=lambda i: i.pk):
        digest.update(f"item:{item.pk}:{item.size}:{item.sha256}:{item.sha512}\n".encode())
    return digest.hexdigest()


def _check_items(testimony: Testimony, items: list[Item]) -> None:
    if not items:
        raise EvidenceRuleError("no_items")
    if any(item.testimony_id != testimony.pk for item in items):
        raise EvidenceRuleError("wrong_items")
    if any(item.hash_failed_at is not None for item in items):
        raise EvidenceRuleError("failed_item")


@transaction.atomic
def do_propose_package(actor: User, testimony: Testimony, key: RecipientKey, items: Iterable[Item]) -> Package:
    """One officer proposes: the items, for one recipient's key, under the person's testimony
    consent for that recipient (refused at once if there is none)."""
    testimony = Testimony.objects.select_for_update().select_related("person").get(pk=testimony.pk)
    if testimony.state not in (TestimonyState.READY, TestimonyState.REFERRED):
        raise EvidenceRuleError("not_ready")
    chosen = list(Item.objects.filter(pk__in=[i.pk for i in items]))
    _check_items(testimony, chosen)
    if not key.active:
        raise EvidenceRuleError("key_retired")
    allowed = consent.require(testimony.person, Purpose.TESTIMONY, key.recipient)
    package = Package.objects.create(
        testimony=testimony,
        recipient=key.recipient,
        key=key,
        consent=allowed,
        proposed_by=actor,
        fingerprint=fingerprint(testimony, key, allowed, chosen),
    )
    package.items.set(chosen)
    record(actor, Action.CREATE, package, fields=["items", "recipient", "key", "consent"])
    return package


@transaction.atomic
def do_release_package(actor: User, package: Package) -> Package:
    """The second officer releases: not the proposer (also a database constraint), the same
    things as proposed (the fingerprint), and consent still in force. The package is then
    built in the background."""
    from sanctuary.background import runner

    package = Package.objects.select_for_update().select_related("testimony__person", "key").get(pk=package.pk)
    if package.state != PackageState.PROPOSED:
        raise EvidenceRuleError("not_proposed")
    if package.proposed_by_id == actor.pk:
        raise EvidenceRuleError("four_eyes")
    if not RecipientKey.objects.filter(pk=package.key_id, active=True).exists():
        raise EvidenceRuleError("key_retired")
    testimony = Testimony.objects.select_for_update().get(pk=package.testimony_id)
    allowed = consent.require(package.testimony.person, Purpose.TESTIMONY, package.recipient)
    items = list(Item.objects.select_for_update().filter(packages=package))
    _check_items(testimony, items)
    if allowed.pk != package.consent_id or fingerprint(testimony, package.key, allowed, items) != package.fingerprint:
        raise EvidenceRuleError("changed")
    package.state, package.released_by, package.released_at = PackageState.RELEASED, actor, timezone.now()
    package.save(update_fields=["state", "released_by", "released_at"])
    record(actor, Action.STATUS, package, fields=["state", "released_by"])
    package.job = runner.start("evidence.package", actor, params={"package": package.pk})
    Package.objects.filter(pk=package.pk).update(job=package.job)
    return package


@transaction.atomic
def do_cancel_package(actor: User, package: Package) -> Package:
    package = Package.objects.select_for_update().get(pk=package.pk)
    if package.state not in (PackageState.PROPOSED, PackageState.FAILED):
        raise EvidenceRuleError("not_proposed")
    package.state = PackageState.CANCELLED
    package.save(update_fields=["state"])
    store.delete(package.stored_name)
    record(actor, Action.STATUS, package, fields=["state"])
    return package


def export_allowed(package: Package) -> ConsentRecord:
    """At export time (building, every download): the consent must still be in force."""
    return consent.require(package.testimony.person, Purpose.TESTIMONY, package.recipient)


@transaction.atomic
def do_download_package(actor: User, package: Package) -> Package:
    """An officer takes the encrypted package to hand over: consent checked again, and an
    export entry in every item's custody."""
    package = Package.objects.select_for_update().select_related("testimony__person").get(pk=package.pk)
    if package.state not in (PackageState.BUILT, PackageState.TRANSFERRED):
        raise EvidenceRuleError("not_built")
    export_allowed(package)
    record(actor, Action.EXPORT, package, fields=["file"])
    for item in package.items.all():
        custody(actor, Action.EXPORT, item, f"package:{package.pk}")
    return package


@transaction.atomic
def do_mark_transferred(actor: User, package: Package) -> Package:
    package = Package.objects.select_for_update().get(pk=package.pk)
    if package.state != PackageState.BUILT:
        raise EvidenceRuleError("not_built")
    package.state, package.transferred_by, package.transferred_at = PackageState.TRANSFERRED, actor, timezone.now()
    package.save(update_fields=["state", "transferred_by", "transferred_at"])
    Testimony.objects.filter(pk=package.testimony_id).update(state=TestimonyState.REFERRED)
    record(actor, Action.TRANSFER, package, fields=["state"])
    for item in package.items.all():
        custody(actor, Action.TRANSFER, item, f"package:{package.pk}", f"recipient:{package.recipient_id}")
    return package


def on_consent_withdrawn(record_: ConsentRecord, actor: User) -> None:
    """A testimony consent withdrawn (or refused anew): packages not yet out are stopped;
    packages already built or handed over list their recipient for a withdrawal notice.
    Runs inside the withdrawal's transaction."""
    if record_.purpose != Purpose.TESTIMONY:
        return
    packages = Package.objects.select_for_update().filter(testimony__person_id=record_.person_id)
    for package in packages.select_related("recipient"):
        if not record_.covers(package.recipient):
            continue
        if package.state in (PackageState.PROPOSED, PackageState.RELEASED):
            package.state, package.failure = PackageState.CANCELLED, "no_consent"
            package.save(update_fields=["state", "failure"])
            record(actor, Action.STATUS, package, fields=["state", "consent"])
        elif package.state in (PackageState.BUILT, PackageState.TRANSFERRED):
            _notice, made = WithdrawalNotice.objects.get_or_create(package=package, consent=record_)
            if made:
                record(actor, Action.CREATE, _notice, fields=["package", "consent"])


@transaction.atomic
def do_mark_notice_sent(actor: User, notice: WithdrawalNotice) -> WithdrawalNotice:
    notice = WithdrawalNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.sent_at is not None:
        raise EvidenceRuleError("sent")
    notice.sent_by, notice.sent_at = actor, timezone.now()
    notice.save(update_fields=["sent_by", "sent_at"])
    record(actor, Action.UPDATE, notice, fields=["sent_at"])
    return notice
