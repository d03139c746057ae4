"""Building a released package, in the background: the originals are streamed from the
store through their hashes into the bag and the recipient's encryption.

Resumable: a crash leaves the package released with no file (a cut file is removed), and
running the job again builds it from the start. The consent is asked again, inside the
transaction that marks the package built, so a withdrawal during the build wins."""

from __future__ import annotations

import os
import secrets

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.background import runner
from sanctuary.consent.rules import ConsentRefused
from sanctuary.evidence import actions, package, store
from sanctuary.evidence.models import EVIDENCE, Item, Package, PackageState
from sanctuary.evidence.timestamps import TimestampRefused


def _fail(pkg: Package, code: str) -> None:
    """The package stops (it can then be cancelled and proposed again), unless something else
    already moved it (a withdrawal cancelled it)."""
    if Package.objects.filter(pk=pkg.pk, state=PackageState.RELEASED).update(state=PackageState.FAILED, failure=code):
        record(None, Action.STATUS, pkg, fields=["state", "failure"], username="evidence.package")


@runner.kind("evidence.package", module=EVIDENCE, label=_("Referral package"), resumable=True)
def build_package(job: runner.Context) -> None:
    pkg = Package.objects.select_related("testimony__person", "key", "consent", "recipient").get(
        pk=job.params["package"]
    )
    if pkg.state != PackageState.RELEASED or pkg.released_by_id is None:
        raise package.PackageRefused("not_released")
    name = "pk-" + secrets.token_hex(16) + ".age"
    try:
        with transaction.atomic():  # what was released is what is built: checked again first
            actions.check_unchanged(pkg)
        fd = os.open(store.path_of(name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as dest:
            built = package.build(pkg, dest, progress=lambda done, total: job.progress(done, total, "packaging"))
        with transaction.atomic():
            actions.check_unchanged(pkg)  # a withdrawal or a change during the build wins
            locked = Package.objects.select_for_update().get(pk=pkg.pk)
            if locked.state != PackageState.RELEASED:
                raise package.PackageRefused("no_consent")
            locked.state, locked.stored_name = PackageState.BUILT, name
            locked.size, locked.sha256, locked.timestamped = built.size, built.sha256, built.timestamped
            locked.save(update_fields=["state", "stored_name", "size", "sha256", "timestamped"])
            record(None, Action.STATUS, locked, fields=["state", "sha256"], username="evidence.package")
            for item in locked.items.all():
                actions.custody(job.user, Action.COPY, item, f"package:{locked.pk}")
    except package.HashMismatch as mismatch:
        store.delete(name)
        actions.do_check_item(job.user, Item.objects.get(pk=mismatch.item.pk))
        _fail(pkg, "hash_mismatch")
        raise package.PackageRefused("hash_mismatch") from None
    except (ConsentRefused, actions.EvidenceRuleError, package.PackageRefused, TimestampRefused) as refusal:
        store.delete(name)
        _fail(pkg, refusal.code if not isinstance(refusal, ConsentRefused) else "no_consent")
        raise
    except BaseException:
        store.delete(name)
        _fail(pkg, "crashed")
        raise
    job.report(
        gettext("The package is built and encrypted to the recipient."),
        next_url=reverse("evidence:package", args=[pkg.pk]),
    )
