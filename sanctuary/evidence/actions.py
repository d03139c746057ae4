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
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary import consent
from sanctuary.accounts.policy import ON_HOLD, require_settled
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.consent import rules as consent_rules
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
        "copy_of_copy": _("A working copy is made from an original, not from another copy."),
        "sent": _("The withdrawal notice was already recorded as sent."),
        "pending": _(
            "A package of this testimony waits to be released or built: cancel it before changing the record."
        ),
        "key_own": _("A second evidence officer confirms a key: not the one who added it."),
        "key_confirmed": _("This key is already confirmed, or retired."),
        "key_unconfirmed": _(
            "This key is not confirmed yet: a second officer must read its fingerprint with the recipient first."
        ),
        "key_adder": _("You added this recipient's key: another evidence officer must release the package."),
        "consent_changed": _(
            "The consent this package was made under is no longer the one in force: propose a new package."
        ),
        "on_hold": ON_HOLD,
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
        if pending(locked):
            raise EvidenceRuleError("pending")
    else:
        testimony.officer = actor
    testimony.save()
    record(actor, Action.CREATE if creating else Action.UPDATE, testimony, fields=changed)
    return testimony


@transaction.atomic
def do_set_testimony_state(actor: User, testimony: Testimony, state: str) -> Testimony:
    testimony = Testimony.objects.select_for_update().get(pk=testimony.pk)
    if pending(testimony):
        raise EvidenceRuleError("pending")
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


def stream_item(actor: User, item: Item) -> Iterator[bytes]:
    """An officer downloads an original: a custody entry, then its bytes in one pass, hashed
    as they go, the last piece held back until both hashes match the receipt's. A file changed
    on disk is never handed out whole: the download is cut and the item marked."""
    if item.hash_failed_at is not None:
        raise EvidenceRuleError("failed_item")
    custody(actor, Action.VIEW, item, "downloaded")

    def chunks() -> Iterator[bytes]:
        held, reader = b"", None
        try:
            with store.reading(item.stored_name) as plain:
                reader = store.HashingReader(plain, expected=item.size)
                while chunk := reader.read(store.CHUNK):
                    if held:
                        yield held
                    held = chunk
        except (store.ShortFile, streams.StreamError, OSError):
            reader = None
        if reader is None or not reader.matches(item):
            _mark_failed(actor, item)
            return
        yield held

    return chunks()


def _mark_failed(actor: User | None, item: Item) -> None:
    with transaction.atomic():
        Item.objects.filter(pk=item.pk, hash_failed_at__isnull=True).update(hash_failed_at=timezone.now())
        custody(actor, Action.HASH_FAILED, item, "sha256", "sha512")
    item.hash_failed_at = item.hash_failed_at or timezone.now()


def do_check_item(actor: User | None, item: Item) -> bool:
    """Compare the stored file with the hashes at receipt; a mismatch marks the item and
    is a custody entry (the officers' desk shows it)."""
    if store.check(item):
        return True
    _mark_failed(actor, item)
    return False


# --- Recipient keys -----------------------------------------------------------------------
#
# A package is only as safe as the key it is encrypted to: one officer adds a key, a second
# confirms it (after reading its whole fingerprint with the recipient over another channel; a
# database constraint keeps the two apart), and the officer who added a key may not release a
# package to it. An officer alone cannot send a package to a key of their own.


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
def do_confirm_recipient_key(actor: User, key: RecipientKey) -> RecipientKey:
    key = RecipientKey.objects.select_for_update().get(pk=key.pk)
    if key.added_by_id == actor.pk:
        raise EvidenceRuleError("key_own")
    if key.confirmed_by_id is not None or not key.active:
        raise EvidenceRuleError("key_confirmed")
    require_settled(actor, EvidenceRuleError)
    key.confirmed_by, key.confirmed_at = actor, timezone.now()
    key.save(update_fields=["confirmed_by", "confirmed_at"])
    record(actor, Action.STATUS, key, fields=["confirmed_by"])
    return key


@transaction.atomic
def do_retire_recipient_key(actor: User, key: RecipientKey) -> RecipientKey:
    RecipientKey.objects.filter(pk=key.pk).update(active=False)
    key.active = False
    record(actor, Action.UPDATE, key, fields=["active"])
    return key


# --- Packages -----------------------------------------------------------------------------
#
# Lock order, everywhere: the person's consent records first (``consent.require`` locks them),
# then the package, then its testimony and items. A withdrawal locks the consent records and
# then, through the listener, the packages: the same order, so the two never deadlock.


def fingerprint(testimony: Testimony, key: RecipientKey, consent_record: ConsentRecord, items: Iterable[Item]) -> str:
    """What the second officer approves, byte for byte as it will go into the bag: the
    screening record in both languages, the consent record, and each item with its hashes;
    and the recipient's key. Any change after the proposal changes it."""
    from sanctuary.evidence import package as bag

    digest = hashlib.sha256()
    for part in (
        f"testimony:{testimony.pk}:{testimony.person_id}",
        bag.screening_text(testimony, "my"),
        bag.screening_text(testimony, "en"),
        bag.consent_json(consent_record),
        f"recipient:{key.recipient_id}",
        f"key:{key.pk}:{key.public_key}",
    ):
        digest.update(hashlib.sha256(part.encode()).digest())
    for item in sorted(items, key=lambda i: i.pk):
        line = f"item:{item.pk}:{item.original_id}:{item.kind}:{item.size}:{item.sha256}:{item.sha512}:{item.title}"
        digest.update(hashlib.sha256(line.encode()).digest())
    return digest.hexdigest()


def pending(testimony: Testimony) -> bool:
    """A package of this testimony waits to be released or built: its record stays as it is."""
    return Package.objects.filter(
        testimony_id=testimony.pk, state__in=[PackageState.PROPOSED, PackageState.RELEASED]
    ).exists()


def _check_items(testimony: Testimony, items: list[Item]) -> None:
    if not items:
        raise EvidenceRuleError("no_items")
    if any(item.testimony_id != testimony.pk for item in items):
        raise EvidenceRuleError("wrong_items")
    if any(item.hash_failed_at is not None for item in items):
        raise EvidenceRuleError("failed_item")


def _usable_key(key: RecipientKey) -> RecipientKey:
    key = RecipientKey.objects.select_related("recipient").get(pk=key.pk)
    if not key.active:
        raise EvidenceRuleError("key_retired")
    if key.confirmed_by_id is None:
        raise EvidenceRuleError("key_unconfirmed")
    return key


@transaction.atomic
def do_propose_package(actor: User, testimony: Testimony, key: RecipientKey, items: Iterable[Item]) -> Package:
    """One officer proposes: the items, for one recipient's confirmed key, under the person's
    testimony consent for that recipient (refused at once if there is none)."""
    key = _usable_key(key)
    testimony = Testimony.objects.select_related("person").get(pk=testimony.pk)
    allowed = consent.require(testimony.person, Purpose.TESTIMONY, key.recipient)
    testimony = Testimony.objects.select_for_update().select_related("person").get(pk=testimony.pk)
    if testimony.state not in (TestimonyState.READY, TestimonyState.REFERRED):
        raise EvidenceRuleError("not_ready")
    require_settled(actor, EvidenceRuleError)
    chosen = list(Item.objects.filter(pk__in=[i.pk for i in items]))
    _check_items(testimony, chosen)
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


def check_unchanged(package: Package) -> ConsentRecord:
    """Inside a transaction: the package's own consent is still the one in force (locked), its
    key still usable, its testimony ready, and what would go into the bag is what was proposed."""
    allowed = consent.require(package.testimony.person, Purpose.TESTIMONY, package.recipient)
    if allowed.pk != package.consent_id:
        raise EvidenceRuleError("consent_changed")
    key = _usable_key(package.key)
    testimony = Testimony.objects.select_for_update().select_related("person").get(pk=package.testimony_id)
    if testimony.state not in (TestimonyState.READY, TestimonyState.REFERRED):
        raise EvidenceRuleError("not_ready")
    items = list(Item.objects.select_for_update().filter(packages=package).order_by("pk"))
    _check_items(testimony, items)
    if fingerprint(testimony, key, allowed, items) != package.fingerprint:
        raise EvidenceRuleError("changed")
    return allowed


@transaction.atomic
def do_release_package(actor: User, package: Package) -> Package:
    """The second officer releases: not the proposer (also a database constraint), not the
    officer who added the key, and only what was proposed, under the same consent. The package
    is then built in the background."""
    from sanctuary.background import runner

    package = Package.objects.select_related("testimony__person", "key", "recipient").get(pk=package.pk)
    check_unchanged(package)
    package = (
        Package.objects.select_for_update().select_related("testimony__person", "key", "recipient").get(pk=package.pk)
    )
    if package.state != PackageState.PROPOSED:
        raise EvidenceRuleError("not_proposed")
    if package.proposed_by_id == actor.pk:
        raise EvidenceRuleError("four_eyes")
    if package.key.added_by_id == actor.pk:
        raise EvidenceRuleError("key_adder")
    require_settled(actor, EvidenceRuleError)
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
    name = package.stored_name
    transaction.on_commit(lambda: store.delete(name))
    record(actor, Action.STATUS, package, fields=["state"])
    return package


def _own_consent(package: Package) -> ConsentRecord:
    """At export time (every download, the hand-over): the consent the package was released
    under must still be the one in force, not merely some consent: a package built when the
    person said "my name may go to a court" does not go out under a later "no"."""
    allowed = consent.require(package.testimony.person, Purpose.TESTIMONY, package.recipient)
    if allowed.pk != package.consent_id:
        raise EvidenceRuleError("consent_changed")
    return allowed


@transaction.atomic
def do_download_package(actor: User, package: Package) -> Package:
    """An officer takes the encrypted package to hand over: its consent checked again, and an
    export entry in every item's custody."""
    package = Package.objects.select_related("testimony__person", "recipient").get(pk=package.pk)
    _own_consent(package)
    package = Package.objects.select_for_update().select_related("testimony__person").get(pk=package.pk)
    if package.state not in (PackageState.BUILT, PackageState.TRANSFERRED):
        raise EvidenceRuleError("not_built")
    if package.downloaded_at is None:
        package.downloaded_at = timezone.now()
        package.save(update_fields=["downloaded_at"])
    record(actor, Action.EXPORT, package, fields=["file"])
    for item in package.items.all():
        custody(actor, Action.EXPORT, item, f"package:{package.pk}")
    return package


@transaction.atomic
def do_mark_transferred(actor: User, package: Package) -> Package:
    package = Package.objects.select_related("testimony__person", "recipient").get(pk=package.pk)
    _own_consent(package)
    package = Package.objects.select_for_update().get(pk=package.pk)
    if package.state != PackageState.BUILT:
        raise EvidenceRuleError("not_built")
    package.state, package.transferred_by, package.transferred_at = PackageState.TRANSFERRED, actor, timezone.now()
    package.save(update_fields=["state", "transferred_by", "transferred_at"])
    Testimony.objects.filter(pk=package.testimony_id).update(state=TestimonyState.REFERRED)
    record(actor, Action.TRANSFER, package, fields=["state"])
    for item in package.items.all():
        custody(actor, Action.TRANSFER, item, f"package:{package.pk}")
    return package


def on_consent_withdrawn(record_: ConsentRecord, actor: User) -> None:
    """A testimony consent withdrawn, or a refusal recorded: every package of the person whose
    own consent is no longer the one in force for its recipient is stopped. Not yet out
    (proposed, released): cancelled. Built or handed over: withdrawn, the file removed, and the
    recipient listed for a withdrawal notice if the package may have reached them (downloaded
    or handed over). Runs inside the withdrawal's transaction, the consent records locked."""
    if record_.purpose != Purpose.TESTIMONY:
        return
    live = [PackageState.PROPOSED, PackageState.RELEASED, PackageState.BUILT, PackageState.TRANSFERRED]
    packages = Package.objects.select_for_update().filter(testimony__person_id=record_.person_id, state__in=live)
    for package in packages.select_related("recipient", "testimony__person"):
        still = consent_rules.find(package.testimony.person, Purpose.TESTIMONY, package.recipient)
        if still is not None and still.pk == package.consent_id:
            continue
        reached = package.state == PackageState.TRANSFERRED or package.downloaded_at is not None
        if package.state in (PackageState.PROPOSED, PackageState.RELEASED):
            package.state = PackageState.CANCELLED
        else:
            package.state = PackageState.WITHDRAWN
        package.failure = "no_consent"
        package.save(update_fields=["state", "failure"])
        record(actor, Action.STATUS, package, fields=["state", "consent"])
        name = package.stored_name
        transaction.on_commit(lambda name=name: store.delete(name))  # type: ignore[misc]
        if reached:
            notice, made = WithdrawalNotice.objects.get_or_create(package=package, consent=record_)
            if made:
                record(actor, Action.CREATE, notice, fields=["package", "consent"])


@transaction.atomic
def do_mark_notice_sent(actor: User, notice: WithdrawalNotice) -> WithdrawalNotice:
    notice = WithdrawalNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.sent_at is not None:
        raise EvidenceRuleError("sent")
    notice.sent_by, notice.sent_at = actor, timezone.now()
    notice.save(update_fields=["sent_by", "sent_at"])
    record(actor, Action.UPDATE, notice, fields=["sent_at"])
    return notice
