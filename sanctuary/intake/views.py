"""The public intake pages (no login, no cookie, no JavaScript) and the staff triage queue.

Public pages activate their language from the address (``/intake/`` is Burmese,
``/intake/en/`` and ``/intake/th/``), never from a cookie, and are exempt from Django's
CSRF cookie: a page that sets a cookie before anyone chose to send anything would leave a
trace on a watched phone. A signed one-time token in the form stands in: it expires, and
the same form sent twice is stored once.
"""

from __future__ import annotations

import logging
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanctuary.accounts.policy import Module, module_required
from sanctuary.audit.lists import page_of_people
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.intake import actions, phrases
from sanctuary.intake.forms import (
    FollowUpForm,
    IntakeForm,
    LinkForm,
    LogContactForm,
    MergeForm,
    PhraseForm,
    TriageStatusForm,
    display,
)
from sanctuary.intake.keys import IntakeUnavailable
from sanctuary.intake.models import Attachment, PublicStatus, Submission, TriageState
from sanctuary.intake.module import INTAKE, INTAKE_LOG
from sanctuary.lib.ratelimit import SlidingWindow, client_address, client_key
from sanctuary.matching.actions import candidates_for
from sanctuary.people import attribution, presave, watch
from sanctuary.people.models import Person
from sanctuary.people.reach import hand_over_hint
from sanctuary.people.views import person_form_page
from sanctuary.vault import files
from sanctuary.vault import state as vault_state
from sanctuary.vault.http import file_response

if TYPE_CHECKING:
    from collections.abc import Callable

    from sanctuary.accounts.models import User

log = logging.getLogger(__name__)

PUBLIC_LANGUAGES = ("my", "en", "th")
MAX_REQUEST_BYTES = settings.INTAKE_MAX_FILES * files.MAX_BYTES + 1024 * 1024

_per_client = SlidingWindow(*settings.INTAKE_PER_CLIENT)
_everyone = SlidingWindow(*settings.INTAKE_GLOBAL)
_phrase_tries = SlidingWindow(20, 10 * 60)

# What the form itself finds wrong before any rule is asked; refusals by the rules (an expired
# form, a file we cannot take) carry their own messages.
FORM_ERRORS = {
    "too_large": files.FileRejected.messages["too_large"],
    "too_many": gettext_lazy("You can send at most %(n)s files."),
    "request_too_large": gettext_lazy("The files are too large together. Send fewer or smaller files."),
    "rate_limited": gettext_lazy("Many messages were sent from here just now. Wait a few minutes, then send again."),
    "unavailable": gettext_lazy("This form cannot take messages right now. Please try again later."),
    "cross_site": gettext_lazy("This form must be sent from its own page."),
}
PHRASE_TRIES_EXCEEDED = gettext_lazy("Too many tries from here just now. Wait ten minutes and try again.")


class IntakeUploadHandler(MemoryFileUploadHandler):
    """Files stay in memory (never spooled to disk in clear), up to the form's limit."""

    def handle_raw_input(
        self, input_data: Any, META: Any, content_length: int, boundary: Any, encoding: Any = None
    ) -> None:
        self.activated = content_length <= MAX_REQUEST_BYTES


def public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Language from the address; no CSRF cookie; refuse forms posted from other sites."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, lang: str = "my", base: str = "/intake/", **kwargs: Any) -> HttpResponse:
        if lang not in PUBLIC_LANGUAGES:
            lang = "my"
        request.upload_handlers = [IntakeUploadHandler(request)]
        with translation.override(lang):
            request.LANGUAGE_CODE = lang
            context = {
                "lang": lang,
                "base": base,
                "neutral": settings.INTAKE_NEUTRAL_TITLE,
                "max_files": settings.INTAKE_MAX_FILES,
            }
            response = view(request, context, **kwargs)
            response.headers["Content-Language"] = lang
            return response

    return wrapped


def _client(request: HttpRequest) -> str:
    return client_key(client_address(request))


def _cross_site(request: HttpRequest) -> bool:
    return request.META.get("HTTP_SEC_FETCH_SITE", "same-origin") not in {"same-origin", "none"}


@public
@require_http_methods(["GET", "POST"])
def intake_form(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    if request.method == "GET":
        context["form"] = IntakeForm(initial={"token": actions.new_form_token()})
        return render(request, "intake/public_form.html", context)
    form = IntakeForm(request.POST)
    error, status = _receive_error(request, form)
    message: Any = None
    if error is None:
        uploads = [upload.read() for upload in request.FILES.getlist("files")]
        try:
            if form.cleaned_data["website"]:
                # Probably a bot: thanked like anyone, kept as spam (no files) in case it was not.
                receipt = actions.do_receive(form.payload(), [], form.cleaned_data["token"], spam=True)
                if not receipt.again:
                    _per_client.hit(_client(request))
                    _everyone.hit()
                return _receipt(request, context, receipt.phrase_numbers, again=receipt.again)
            cleaned = actions.clean_uploads(uploads)
            receipt = actions.do_receive(
                form.payload(),
                cleaned,  # type: ignore[arg-type]
                form.cleaned_data["token"],
                heard_via=form.heard_via_value(),
            )
        except (files.FileRejected, actions.IntakeError) as refused:
            error, status, message = refused.code, 400, refused.message
        except IntakeUnavailable:
            error, status = "unavailable", 503
        else:
            if not receipt.again:
                _per_client.hit(_client(request))
                _everyone.hit()
            return _receipt(request, context, receipt.phrase_numbers, again=receipt.again)
    if error in {"expired", "bad_token"}:
        # A fresh token, everything typed kept.
        data = request.POST.copy()
        data["token"] = actions.new_form_token()
        form = IntakeForm(data)
        form.is_valid()
    context["form"] = form
    if message is not None:
        context["error"] = message
    elif error and error != "invalid":
        text = FORM_ERRORS[error]
        context["error"] = str(text) % {"n": settings.INTAKE_MAX_FILES} if error == "too_many" else text
    context["files_lost"] = bool(request.FILES) or int(request.META.get("CONTENT_LENGTH") or 0) > MAX_REQUEST_BYTES
    return render(request, "intake/public_form.html", context, status=status)


def _receive_error(request: HttpRequest, form: IntakeForm) -> tuple[str | None, int]:
    if _cross_site(request):
        return "cross_site", 403
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_REQUEST_BYTES:
        form.is_valid()
        return "request_too_large", 400
    if not form.is_valid():
        return "invalid", 400
    if len(request.FILES.getlist("files")) > settings.INTAKE_MAX_FILES:
        return "too_many", 400
    if any((upload.size or 0) > files.MAX_BYTES for upload in request.FILES.getlist("files")):
        return "too_large", 400
    # Only what was received counts (intake_form): a refused post costs nothing, and the same
    # form sent again gets its receipt whatever the limit says.
    if actions.already_received(form.cleaned_data["token"]) is None and (
        _per_client.over(_client(request)) or _everyone.over()
    ):
        return "rate_limited", 429
    return None, 200


def _receipt(request: HttpRequest, context: dict[str, Any], numbers: list[int], *, again: bool) -> HttpResponse:
    context["phrase"] = phrases.render(numbers, context["lang"])
    context["phrase_words"] = context["phrase"].split(" ")
    context["again"] = again
    return render(request, "intake/public_receipt.html", context)


@public
@require_http_methods(["GET", "POST"])
def intake_status(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """The sender's plain status, and a way to add a message, with the receipt phrase."""
    if request.method == "GET":
        context["form"] = PhraseForm()
        return render(request, "intake/public_status.html", context)
    sending = "message" in request.POST
    form: PhraseForm = FollowUpForm(request.POST) if sending else PhraseForm(request.POST)
    context["form"] = form
    status = 400
    if _cross_site(request):
        context["error"] = FORM_ERRORS["cross_site"]
        return render(request, "intake/public_status.html", context, status=403)
    if form.is_valid():
        if _phrase_tries.hit(_client(request)):
            form.add_error("phrase", str(PHRASE_TRIES_EXCEEDED))
            status = 429
        else:
            try:
                submission = actions.find_by_phrase(form.cleaned_data["phrase"])
            except (phrases.PhraseError, actions.IntakeError) as error:
                form.add_error("phrase", error.message)
            else:
                if sending:
                    try:
                        actions.do_add_follow_up(submission, form.cleaned_data["message"])
                    except IntakeUnavailable:
                        context["error"] = FORM_ERRORS["unavailable"]
                        return render(request, "intake/public_status.html", context, status=503)
                    context["sent"] = True
                shown = actions.primary(submission)
                context["submission"] = shown
                context["public_status"] = PublicStatus(shown.public_status).label
                context["follow_up_form"] = FollowUpForm(initial={"phrase": form.cleaned_data["phrase"]})
                return render(request, "intake/public_status.html", context)
    return render(request, "intake/public_status.html", context, status=status)


# --- Staff: log a contact, triage -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@module_required(INTAKE_LOG)
def log_contact(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = LogContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_log_contact(user, form.payload(), heard_via=form.heard_via_value())
        except IntakeUnavailable:
            messages.error(request, str(FORM_ERRORS["unavailable"]))
        else:
            messages.success(request, _("First contact logged. It is in the triage queue."))
            return redirect("intake:log")
    elif request.method == "POST":
        messages.error(request, _("Please correct the errors below. Nothing you typed has been lost."))
    return render(request, "intake/log_contact.html", {"form": form}, status=400 if form.errors else 200)


URGENCY_ORDER = {"now": 0, "week": 1, "later": 2}


@require_http_methods(["GET", "POST"])
@module_required(INTAKE)
def triage_queue(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    state = request.POST.get("state") or request.GET.get("state") or "open"
    submissions = Submission.objects.visible_to(user).select_related("person", "key")
    if state == "open":
        submissions = submissions.filter(
            Q(state__in=[TriageState.NEW, TriageState.REVIEWING]) | Q(follow_up_pending=True)
        )
    elif state in TriageState.values:
        submissions = submissions.filter(state=state)
    page = page_of_people(request, submissions.order_by("-received_at", "-id"), 50, number=request.GET.get("page") or 1)
    rows: list[tuple[Submission, dict[str, Any] | None]] = []
    if not vault_state.is_sealed():
        for submission in page:
            data = submission.read()
            if not submission.watch_checked:
                actions.do_check_watch_list(submission, data)
            rows.append((submission, data))
        rows.sort(
            key=lambda row: (URGENCY_ORDER.get((row[1] or {}).get("urgency", ""), 3), -row[0].received_at.timestamp())
        )
    else:
        rows = [(submission, None) for submission in page]
    context = {"rows": rows, "page": page, "state": state, "states": TriageState.choices}
    return render(request, "intake/triage_queue.html", context)


def _visible_submission(user: User, pk: int) -> Submission:
    return get_object_or_404(Submission.objects.visible_to(user).select_related("key"), pk=pk)


@require_GET
@module_required(INTAKE)
def triage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    submission = _visible_submission(user, pk)
    data = submission.read()
    if not submission.watch_checked:
        actions.do_check_watch_list(submission, data)
    if submission.follow_up_pending:
        actions.do_mark_follow_up_read(submission)
    record(user, Action.VIEW, submission)
    follow_ups = [(f, f.read()) for f in submission.follow_ups.select_related("key", "submission")]
    merged = [
        (other, other.read(), [(f, f.read()) for f in other.follow_ups.select_related("key", "submission")])
        for other in Submission.objects.visible_to(user).filter(merged_into=submission).select_related("key")
    ]
    # Only people this user may see, on keys they may know (never a count of the others: a
    # contact sent through the public form must not become a way to probe the register).
    shown = presave.showable(user, candidates_for(actions.contact_record(data)))
    matches = list(Person.objects.visible_to(user).filter(pk__in=list(shown)))
    alerts = watch.open_alerts_for_contact(submission)
    context = {
        "submission": submission,
        "data": display(data),
        "follow_ups": follow_ups,
        "merged": merged,
        "matches": [(person, presave.labels(shown[person.pk])) for person in matches],
        "watch_alerts": alerts,
        "status_form": TriageStatusForm(initial={"public_status": submission.public_status}),
        "merge_form": MergeForm(),
        "link_form": LinkForm(),
        "attachments": submission.attachments.all(),
        "heard_via": attribution.label(submission.heard_via),
    }
    return render(request, "intake/triage_detail.html", context)


@require_POST
@module_required(INTAKE)
def triage_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    submission = _visible_submission(user, pk)
    if action == "spam":
        actions.do_set_state(user, submission, TriageState.SPAM)
        messages.success(request, _("Marked as spam."))
        return redirect("intake:queue")
    if action == "reopen":
        actions.do_set_state(user, submission, TriageState.REVIEWING)
        messages.success(request, _("Back in the queue."))
    elif action == "public_status":
        form = TriageStatusForm(request.POST)
        if form.is_valid():
            state = submission.state if submission.state != TriageState.NEW else TriageState.REVIEWING
            actions.do_set_state(user, submission, state, form.cleaned_data["public_status"])
            messages.success(request, _("The sender will see the new status."))
    elif action == "merge":
        merge = MergeForm(request.POST)
        target = None
        if merge.is_valid():
            target = Submission.objects.visible_to(user).filter(pk=merge.cleaned_data["into"]).first()
        if target is None:
            messages.error(request, _("No submission with that number."))
        else:
            try:
                actions.do_merge_submissions(user, target, submission)
            except actions.IntakeError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Merged: it is shown under the earlier submission."))
                return redirect("intake:detail", pk=target.pk)
    elif action == "link":
        link = LinkForm(request.POST)
        person = None
        if link.is_valid():
            person = Person.objects.visible_to(user).filter(case_code=link.cleaned_data["case_code"].strip()).first()
        chosen = request.POST.get("person", "")
        if person is None and chosen.isdigit():
            person = Person.objects.visible_to(user).filter(pk=int(chosen)).first()
        if person is None:
            hint = hand_over_hint(user, link.cleaned_data["case_code"]) if link.is_valid() else ""
            messages.error(request, " ".join([_("No person with that case code that you may see."), hint]))
        else:
            try:
                actions.do_link(user, submission, person)
            except actions.IntakeError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Linked to %(code)s.") % {"code": person.case_code})
                return redirect("people:detail", pk=person.pk)
    else:
        raise PermissionDenied
    return redirect("intake:detail", pk=submission.pk)


@require_GET
@module_required(INTAKE)
def attachment_view(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    submission = _visible_submission(user, pk)
    # Once moved to the person's documents, a file is opened there (under the true-name rule).
    attachment = get_object_or_404(
        Attachment.objects.visible_to(user).filter(submission=submission, moved_to__isnull=True), pk=attachment_id
    )
    data = actions.read_attachment(attachment)
    record(user, Action.VIEW, attachment)
    return file_response(data, attachment.content_type)


@require_http_methods(["GET", "POST"])
@module_required(INTAKE)
@module_required(Module.PEOPLE_EDIT)
def create_person(request: HttpRequest, pk: int) -> HttpResponse:
    """A new person from a first contact: the person form, filled with what they sent."""
    user: User = request.user  # type: ignore[assignment]
    submission = get_object_or_404(Submission.objects.visible_to(user).filter(person__isnull=True), pk=pk)
    if vault_state.is_sealed():
        messages.error(request, _("The vault is sealed: records cannot be edited until key holders unseal it."))
        return redirect("intake:queue")
    sent = submission.read()
    contacts = [{"kind": sent.get("channel") or "other", "value": sent["handle"]}] if sent.get("handle") else []
    intro = _(
        "From first contact #%(n)s: check and complete what they sent. Their files go to the person's documents."
    ) % {"n": submission.pk}
    return person_form_page(
        request,
        None,
        initial=actions.prefill(sent),
        contact_initial=contacts,
        save_new=lambda actor, form, formsets: actions.do_create_person_from_submission(
            actor, submission, form, formsets
        ),
        intro=intro,
        back_url=reverse("intake:detail", args=[submission.pk]),
    )
