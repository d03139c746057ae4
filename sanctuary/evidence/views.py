"""Evidence screens, for evidence officers only: screening records, items and their custody,
recipient keys, and referral packages. Views are thin: they fetch through ``visible_to``,
validate a form and call one ``do_*`` action; a refusal is shown in the user's language and
the form comes back with everything typed (a file has to be chosen again)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanctuary.accounts.policy import module_required
from sanctuary.audit import labels
from sanctuary.audit.lists import audit_shown, ids_of
from sanctuary.consent.rules import ConsentRefused
from sanctuary.evidence import actions, keys, package, store
from sanctuary.evidence.actions import EvidenceRuleError
from sanctuary.evidence.forms import WHY_SUMMARY, CopyForm, ItemForm, PackageForm, RecipientKeyForm, TestimonyForm
from sanctuary.evidence.models import (
    EVIDENCE,
    Item,
    Package,
    PackageState,
    RecipientKey,
    Testimony,
    TestimonyState,
    WithdrawalNotice,
)
from sanctuary.evidence.uploads import EvidenceUploadHandler, StoredUpload
from sanctuary.lib.csrf import csrf_protect
from sanctuary.people.models import Person
from sanctuary.people.reach import person_or_404

if TYPE_CHECKING:
    from sanctuary.accounts.models import User

SHOWN = 50


def _status(form: Any) -> int:
    return 400 if form.is_bound else 200


def _person(request: HttpRequest, pk: int) -> Person:
    return person_or_404(request.user, pk, merged_into__isnull=True)


def _testimony(request: HttpRequest, pk: int) -> Testimony:
    return get_object_or_404(Testimony.objects.visible_to(request.user).select_related("person"), pk=pk)  # type: ignore[arg-type]


def _item(request: HttpRequest, pk: int) -> Item:
    return get_object_or_404(
        Item.objects.visible_to(request.user).select_related("testimony__person", "original", "received_by"),  # type: ignore[arg-type]
        pk=pk,
    )


def _package(request: HttpRequest, pk: int) -> Package:
    return get_object_or_404(
        Package.objects.visible_to(request.user).select_related(  # type: ignore[arg-type]
            "testimony__person",
            "recipient",
            "key__added_by",
            "key__confirmed_by",
            "consent",
            "proposed_by",
            "released_by",
            "job",
        ),
        pk=pk,
    )


@require_GET
@module_required(EVIDENCE)
def testimonies(request: HttpRequest) -> HttpResponse:
    """The officer's desk: packages waiting for a second officer, items that failed a hash
    check, withdrawal notices to send, and the screening records."""
    user: User = request.user  # type: ignore[assignment]
    desk = {
        "to_release": list(
            Package.objects.visible_to(user)
            .filter(state=PackageState.PROPOSED)
            .exclude(proposed_by=user)
            .select_related("testimony__person", "recipient", "proposed_by")[:SHOWN]
        ),
        "failed": list(
            Item.objects.visible_to(user)
            .filter(hash_failed_at__isnull=False)
            .select_related("testimony__person")[:SHOWN]
        ),
        "notices": list(
            WithdrawalNotice.objects.visible_to(user)
            .filter(sent_at__isnull=True)
            .select_related("package__recipient", "package__testimony__person")[:SHOWN]
        ),
        "testimonies": list(
            Testimony.objects.visible_to(user)
            .exclude(state=TestimonyState.CLOSED)
            .select_related("person")
            .order_by("-updated_at")[:SHOWN]
        ),
    }
    audit_shown(
        request,
        [
            *ids_of(desk["to_release"], "testimony.person_id"),
            *ids_of(desk["failed"], "testimony.person_id"),
            *ids_of(desk["notices"], "package.testimony.person_id"),
            *ids_of(desk["testimonies"]),
        ],
    )
    return render(request, "evidence/testimonies.html", desk)


@require_http_methods(["GET", "POST"])
@module_required(EVIDENCE)
def testimony_new(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = _person(request, person_pk)
    form = TestimonyForm(request.POST or None, instance=Testimony(person=person))
    if request.method == "POST" and form.is_valid():
        testimony = actions.do_save_testimony(request.user, form.instance, form.changed_data)  # type: ignore[arg-type]
        return redirect("evidence:testimony", testimony.pk)
    return render(
        request,
        "evidence/testimony_form.html",
        {"person": person, "form": form, "why": WHY_SUMMARY},
        status=_status(form),
    )


@require_http_methods(["GET", "POST"])
@module_required(EVIDENCE)
def testimony(request: HttpRequest, pk: int) -> HttpResponse:
    found = _testimony(request, pk)
    form = TestimonyForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_testimony(request.user, form.instance, form.changed_data)  # type: ignore[arg-type]
        except EvidenceRuleError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("evidence:testimony", found.pk)
    return render(
        request,
        "evidence/testimony.html",
        {
            "testimony": found,
            "person": found.person,
            "form": form,
            "why": WHY_SUMMARY,
            "items": found.items.select_related("received_by", "original"),
            "packages": found.packages.select_related("recipient", "proposed_by", "released_by"),
            "states": TestimonyState,
        },
        status=_status(form),
    )


@require_POST
@module_required(EVIDENCE)
def testimony_state(request: HttpRequest, pk: int) -> HttpResponse:
    found = _testimony(request, pk)
    state = request.POST.get("state", "")
    if state not in (TestimonyState.SCREENING, TestimonyState.READY, TestimonyState.CLOSED):
        return HttpResponse(status=400)
    try:
        actions.do_set_testimony_state(request.user, found, state)  # type: ignore[arg-type]
    except EvidenceRuleError as error:
        messages.error(request, error.message)
    return redirect("evidence:testimony", found.pk)


# --- Items: uploads go straight into the store (uploads.py) ---------------------------------


@csrf_exempt
@require_http_methods(["GET", "POST"])
@module_required(EVIDENCE)
def item_add(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The module and the testimony are checked before the body is read: nobody else gets a
    byte into the store. What is not saved is removed (``discard``)."""
    found = _testimony(request, pk)
    handler = EvidenceUploadHandler(request)
    request.upload_handlers = [handler]
    try:
        return csrf_protect(_receive)(request, found, None, ItemForm, handler)
    finally:
        handler.discard()


@csrf_exempt
@require_http_methods(["GET", "POST"])
@module_required(EVIDENCE)
def item_copy(request: HttpRequest, pk: int) -> HttpResponseBase:
    original = _item(request, pk)
    handler = EvidenceUploadHandler(request)
    request.upload_handlers = [handler]
    try:
        return csrf_protect(_receive)(request, original.testimony, original, CopyForm, handler)
    finally:
        handler.discard()


def _receive(
    request: HttpRequest, found: Testimony, original: Item | None, form_class: type[ItemForm], handler: Any
) -> HttpResponse:
    posted = request.method == "POST"
    form = form_class(request.POST if posted else None, request.FILES if posted else None)
    if posted:
        valid = form.is_valid()
        if handler.refusal is not None:
            form.add_error("file", handler.refusal.message)
            valid = False
        if valid:
            upload = form.cleaned_data["file"]
            if isinstance(upload, StoredUpload):
                data = {**form.cleaned_data, "filename": upload.name, "content_type": upload.content_type}
                try:
                    item = actions.do_receive_item(request.user, found, upload.stored, data, original=original)  # type: ignore[arg-type]
                except EvidenceRuleError as error:
                    form.add_error(None, error.message)
                else:
                    handler.uploads.clear()
                    messages.success(request, _("Received. Its SHA-256 and SHA-512 were taken on arrival."))
                    return redirect("evidence:item", item.pk)
        handler.discard()
    return render(
        request,
        "evidence/item_form.html",
        {"testimony": found, "person": found.person, "original": original, "form": form},
        status=_status(form),
    )


@require_GET
@module_required(EVIDENCE)
def item(request: HttpRequest, pk: int) -> HttpResponse:
    found = _item(request, pk)
    custody = package.custody_entries(found)
    for entry in custody:  # what each step did, in the reader's words (a package keeps the codes)
        entry["what"] = labels.field_labels("evidence.item", entry["what"])
    return render(
        request,
        "evidence/item.html",
        {
            "item": found,
            "testimony": found.testimony,
            "person": found.testimony.person,
            "custody": custody,
            "copies": found.derivatives.all(),
        },
    )


@require_POST
@module_required(EVIDENCE)
def item_check(request: HttpRequest, pk: int) -> HttpResponse:
    found = _item(request, pk)
    if actions.do_check_item(request.user, found):  # type: ignore[arg-type]
        messages.success(request, _("The file matches both hashes taken on arrival."))
    else:
        messages.error(request, _("The file no longer matches the hashes taken on arrival. Do not use it."))
    return redirect("evidence:item", found.pk)


@require_GET
@module_required(EVIDENCE)
def item_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The original, bit for bit (a custody entry), streamed in one pass and cut if it no
    longer matches its hashes. The file name is ours, not the sender's."""
    found = _item(request, pk)
    try:
        chunks = actions.stream_item(request.user, found)  # type: ignore[arg-type]
    except EvidenceRuleError as error:
        messages.error(request, error.message)
        return redirect("evidence:item", found.pk)
    response = StreamingHttpResponse(chunks, content_type="application/octet-stream")
    response["Content-Length"] = str(found.size)
    response["Content-Disposition"] = (
        f'attachment; filename="item-{found.pk}{package.safe_suffix(str(found.filename))}"'
    )
    response["Cache-Control"] = "no-store"
    return response


# --- Packages ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@module_required(EVIDENCE)
def package_new(request: HttpRequest, pk: int) -> HttpResponse:
    found = _testimony(request, pk)
    form = PackageForm(request.POST or None, testimony=found)
    if request.method == "POST" and form.is_valid():
        try:
            created = actions.do_propose_package(
                request.user,  # type: ignore[arg-type]
                found,
                form.cleaned_data["key"],
                form.cleaned_data["items"],
            )
        except (EvidenceRuleError, ConsentRefused) as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Proposed. A second evidence officer must release it."))
            return redirect("evidence:package", created.pk)
    return render(
        request,
        "evidence/package_form.html",
        {"testimony": found, "person": found.person, "form": form},
        status=_status(form),
    )


@require_GET
@module_required(EVIDENCE)
def package_view(request: HttpRequest, pk: int) -> HttpResponse:
    found = _package(request, pk)
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "evidence/package.html",
        {
            "package": found,
            "testimony": found.testimony,
            "person": found.testimony.person,
            "items": found.items.all(),
            "may_release": found.state == PackageState.PROPOSED and found.proposed_by_id != user.pk,
            "notices": found.withdrawal_notices.select_related("consent"),
            "states": PackageState,
        },
    )


def _package_action(request: HttpRequest, pk: int, act: Any, done: str) -> HttpResponse:
    found = _package(request, pk)
    try:
        act(request.user, found)
    except (EvidenceRuleError, ConsentRefused) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("evidence:package", found.pk)


@require_POST
@module_required(EVIDENCE)
def package_release(request: HttpRequest, pk: int) -> HttpResponse:
    return _package_action(request, pk, actions.do_release_package, _("Released: the package is being built."))


@require_POST
@module_required(EVIDENCE)
def package_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _package_action(request, pk, actions.do_cancel_package, _("Cancelled."))


@require_POST
@module_required(EVIDENCE)
def package_transferred(request: HttpRequest, pk: int) -> HttpResponse:
    return _package_action(request, pk, actions.do_mark_transferred, _("Recorded as handed to the recipient."))


@require_GET
@module_required(EVIDENCE)
def package_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The encrypted package (only the recipient's key opens it): consent checked again, an
    export entry for every item."""
    found = _package(request, pk)
    try:
        actions.do_download_package(request.user, found)  # type: ignore[arg-type]
    except (EvidenceRuleError, ConsentRefused) as error:
        messages.error(request, error.message)
        return redirect("evidence:package", found.pk)
    response = FileResponse(
        store.path_of(found.stored_name).open("rb"),
        as_attachment=True,
        filename=f"referral-{found.pk}.tar.age",
        content_type="application/octet-stream",
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@module_required(EVIDENCE)
def notice_sent(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(WithdrawalNotice.objects.visible_to(request.user), pk=pk)  # type: ignore[arg-type]
    try:
        actions.do_mark_notice_sent(request.user, notice)  # type: ignore[arg-type]
    except EvidenceRuleError as error:
        messages.error(request, error.message)
    return redirect("evidence:package", notice.package_id)


# --- Recipient keys and the organisation's signing key ---------------------------------------


@require_http_methods(["GET", "POST"])
@module_required(EVIDENCE)
def recipient_keys(request: HttpRequest) -> HttpResponse:
    form = RecipientKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_add_recipient_key(
                request.user,  # type: ignore[arg-type]
                form.cleaned_data["recipient"],
                form.cleaned_data["public_key"],
                form.cleaned_data["label"],
            )
        except EvidenceRuleError as error:
            form.add_error("public_key", error.message)
        else:
            messages.success(request, _("Key added."))
            return redirect("evidence:keys")
    return render(
        request,
        "evidence/keys.html",
        {
            "form": form,
            "keys": RecipientKey.objects.visible_to(request.user).select_related(
                "recipient", "added_by", "confirmed_by"
            ),
            "signing_public": keys.signing_public_hex(),
        },
        status=_status(form),
    )


@require_POST
@module_required(EVIDENCE)
def key_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(RecipientKey.objects.visible_to(request.user), pk=pk)  # type: ignore[arg-type]
    try:
        actions.do_confirm_recipient_key(request.user, key)  # type: ignore[arg-type]
    except EvidenceRuleError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Key confirmed."))
    return redirect("evidence:keys")


@require_POST
@module_required(EVIDENCE)
def key_retire(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(RecipientKey.objects.visible_to(request.user), pk=pk)  # type: ignore[arg-type]
    actions.do_retire_recipient_key(request.user, key)  # type: ignore[arg-type]
    messages.success(request, _("Key retired."))
    return redirect("evidence:keys")
