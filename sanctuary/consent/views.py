"""Consent screens: a person's consents (and a new one), one record with its history and
what can be done with it, and the directory of partners data may go to.

Views are thin: fetched through ``visible_to``, one ``do_*`` action each, refusals shown in
the user's language with everything typed kept.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanctuary.accounts.policy import Module, can_use, module_required
from sanctuary.consent import actions, words
from sanctuary.consent.actions import ConsentRuleError
from sanctuary.consent.forms import AnswerForm, ConsentForm, RecipientForm, RenewForm, WithdrawForm
from sanctuary.consent.models import ConsentRecord, Recipient, State
from sanctuary.people.models import Person
from sanctuary.people.reach import person_or_404
from sanctuary.vault import files


def _status(form: Any) -> int:
    return 400 if form.is_bound else 200


def _person(request: HttpRequest, pk: int) -> Person:
    return person_or_404(request.user, pk)


def _record(request: HttpRequest, pk: int) -> ConsentRecord:
    found = ConsentRecord.objects.visible_to(request.user).select_related("person", "recipient", "scan")  # type: ignore[arg-type]
    return get_object_or_404(found, pk=pk)


def _too_large(request: HttpRequest) -> bool:
    return int(request.META.get("CONTENT_LENGTH") or 0) > files.MAX_BYTES + 64 * 1024


def _run(form: Any, call: Any) -> Any:
    """Call an action; a refusal or a rejected scan becomes an error on the form."""
    try:
        return call()
    except ConsentRuleError as error:
        form.add_error(None, error.message)
    except files.FileRejected as error:
        form.add_error("scan", error.message)
    return None


@require_http_methods(["GET", "POST"])
@module_required(Module.PEOPLE)
def person_consents(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    records = list(
        ConsentRecord.objects.visible_to(request.user)  # type: ignore[arg-type]
        .filter(person=person)
        .select_related("recipient", "scan")
        .order_by("purpose", "-requested_at", "-pk")
    )
    may_record = can_use(request.user, Module.CONSENT)
    form = None
    if may_record:
        if request.method == "POST" and _too_large(request):
            form = ConsentForm(request.POST, user=request.user)
            form.add_error("scan", files.FileRejected("too_large").message)
        else:
            form = ConsentForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            saved = _run(
                form,
                lambda: actions.do_record_consent(
                    request.user,  # type: ignore[arg-type]
                    person,
                    purpose=data["purpose"],
                    recipient=data.get("recipient"),
                    category=data.get("category") or "",
                    notice_version=data["notice_version"],
                    notice_language=data["notice_language"],
                    retain_until=data["retain_until"],
                    answer=form.answer(),
                    note=data.get("note") or "",
                ),
            )
            if saved is not None:
                messages.success(request, _("Consent recorded."))
                return redirect("consent:person", person.pk)
    elif request.method == "POST":
        return HttpResponse(status=403)
    rows = [(r, words.sentence(r), words.sentence_in_notice_language(r)) for r in records]
    context = {"person": person, "rows": rows, "form": form}
    return render(request, "consent/person.html", context, status=_status(form) if form is not None else 200)


@require_GET
@module_required(Module.PEOPLE)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    consent = _record(request, pk)
    return _detail(request, consent)


def _detail(request: HttpRequest, consent: ConsentRecord, **forms: Any) -> HttpResponse:
    may = can_use(request.user, Module.CONSENT)
    state = consent.state
    context = {
        "consent": consent,
        "may_see_relative": may,  # a relative's name and reason: for those who record consents
        "person": consent.person,
        "sentence": words.sentence(consent),
        "read_back": words.sentence_in_notice_language(consent),
        "events": consent.events.select_related("by"),
        "answer_form": forms.get("answer") or (AnswerForm() if may and state == State.REQUESTED else None),
        "withdraw_form": forms.get("withdraw") or (WithdrawForm() if may and state == State.GIVEN else None),
        "renew_form": forms.get("renew")
        or (RenewForm(initial=_renew_initial(consent)) if may and state == State.GIVEN else None),
    }
    bound = any(form is not None and form.is_bound for form in forms.values())
    return render(request, "consent/detail.html", context, status=400 if bound else 200)


def _renew_initial(consent: ConsentRecord) -> dict[str, Any]:
    return {"notice_version": consent.notice_version, "notice_language": consent.notice_language}


@require_POST
@module_required(Module.CONSENT)
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    consent = _record(request, pk)
    form = AnswerForm(request.POST, request.FILES)
    if _too_large(request):
        form = AnswerForm(request.POST)
        form.add_error("scan", files.FileRejected("too_large").message)
    elif form.is_valid() and _run(form, lambda: actions.do_answer_consent(request.user, consent, form.answer())):  # type: ignore[arg-type]
        messages.success(request, _("Answer recorded."))
        return redirect("consent:detail", consent.pk)
    return _detail(request, consent, answer=form)


@require_POST
@module_required(Module.CONSENT)
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    consent = _record(request, pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        done = _run(
            form,
            lambda: actions.do_withdraw_consent(
                request.user,  # type: ignore[arg-type]
                consent,
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                reason=form.cleaned_data.get("reason") or "",
            ),
        )
        if done is not None:
            messages.success(request, _("Withdrawn. Nothing more is shared for this, from now on."))
            return redirect("consent:detail", consent.pk)
    return _detail(request, consent, withdraw=form)


@require_POST
@module_required(Module.CONSENT)
def renew(request: HttpRequest, pk: int) -> HttpResponse:
    consent = _record(request, pk)
    form = RenewForm(request.POST, request.FILES)
    if _too_large(request):
        form = RenewForm(request.POST)
        form.add_error("scan", files.FileRejected("too_large").message)
    elif form.is_valid():
        data = form.cleaned_data
        renewal = _run(
            form,
            lambda: actions.do_renew_consent(
                request.user,  # type: ignore[arg-type]
                consent,
                notice_version=data["notice_version"],
                notice_language=data["notice_language"],
                retain_until=data["retain_until"],
                answer=form.answer(),
            ),
        )
        if renewal is not None:
            messages.success(request, _("Renewed."))
            return redirect("consent:detail", renewal.pk)
    return _detail(request, consent, renew=form)


@require_GET
@module_required(Module.CONSENT)
def recipients(request: HttpRequest) -> HttpResponse:
    rows = Recipient.objects.visible_to(request.user)  # type: ignore[arg-type]
    return render(
        request, "consent/recipients.html", {"recipients": rows, "may_edit": can_use(request.user, Module.PARTNERS)}
    )


@require_http_methods(["GET", "POST"])
@module_required(Module.PARTNERS)
def recipient_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    found = Recipient.objects.visible_to(request.user)  # type: ignore[arg-type]
    recipient = get_object_or_404(found, pk=pk) if pk else Recipient()
    form = RecipientForm(request.POST or None, instance=recipient)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_recipient(request.user, form.save(commit=False), list(form.changed_data))  # type: ignore[arg-type]
        except ConsentRuleError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("consent:recipients")
    return render(request, "consent/recipient_form.html", {"form": form, "recipient": recipient}, status=_status(form))
