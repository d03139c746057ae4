"""Outreach screens. Thin: fetch through ``visible_to``, validate a form, call one ``do_*``
action, show a refusal beside its field in the user's language with everything typed kept.
Addresses and the words of replies are read only on the pages that need them, and audited
(``view`` with the field names)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanctuary.accounts.policy import can_use, module_required
from sanctuary.audit.lists import audit_shown, ids_of, page_of_people
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib.refusal import Refusal
from sanctuary.outreach import actions
from sanctuary.outreach.adapters import ADAPTERS
from sanctuary.outreach.forms import (
    AudienceForm,
    ChannelSettingsForm,
    ContactForm,
    ContactStateForm,
    EventForm,
    LinkReplyForm,
    PeriodForm,
    ReplyForm,
    TemplateForm,
)
from sanctuary.outreach.models import (
    OUTREACH,
    OUTREACH_CONFIG,
    OUTREACH_REPLIES,
    Channel,
    ChannelSettings,
    ContactState,
    Message,
    MessageState,
    OutreachContact,
    OutreachEvent,
    Platform,
    Reply,
    Send,
    SendState,
    Template,
)
from sanctuary.people import attribution, contact
from sanctuary.people.models import Person
from sanctuary.people.reach import hand_over_hint, person_or_404

if TYPE_CHECKING:
    from django import forms

    from sanctuary.accounts.models import User

PAGE_SIZE = 25


def _status(form: forms.BaseForm) -> int:
    return 400 if form.is_bound else 200


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _attempt(request: HttpRequest, do: Callable[[], object], done: str = "") -> None:
    """Run one action for a button: its refusal shown in the user's language, or ``done``."""
    try:
        do()
    except Refusal as refused:
        messages.error(request, refused.message)
    else:
        if done:
            messages.success(request, done)


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- Overview ------------------------------------------------------------------------------------


def waiting_for_me(user: User) -> int:
    """Sends someone else proposed, waiting for a second person."""
    return int(Send.objects.visible_to(user).filter(state=SendState.PROPOSED).exclude(proposed_by=user).count())


@require_GET
@module_required(OUTREACH)
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    contacts = OutreachContact.objects.visible_to(user)
    by_state = dict(contacts.order_by().values_list("state").annotate(n=Count("id")))
    context = {
        "upcoming": OutreachEvent.objects.visible_to(user).filter(on__gte=today).order_by("on", "id")[:8],
        "recent": OutreachEvent.objects.visible_to(user).filter(on__lt=today).order_by("-on", "-id")[:8],
        "waiting": Send.objects.visible_to(user)
        .filter(state=SendState.PROPOSED)
        .select_related("template", "proposed_by")[:20],
        "by_hand": Message.objects.visible_to(user).filter(state=MessageState.BY_HAND).count(),
        "unmatched": Reply.objects.visible_to(user).filter(contact__isnull=True).count(),
        "states": [(value, label, by_state.get(value, 0)) for value, label in ContactState.choices],
        "telegram": Channel.TELEGRAM in actions.enabled_channels(),
        "can_configure": can_use(user, OUTREACH_CONFIG),
    }
    return render(request, "outreach/home.html", context)


@require_POST
@module_required(OUTREACH)
def poll(request: HttpRequest) -> HttpResponse:
    polled = actions.poll_telegram()
    if polled.ok:
        messages.success(request, _("%(n)d new replies.") % {"n": polled.new})
    else:
        messages.error(request, _("The bot could not be asked for everything: try again in a minute."))
    return redirect("outreach:replies" if can_use(_user(request), OUTREACH_REPLIES) else "outreach:home")


# --- Calendar ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@module_required(OUTREACH)
def calendar(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = EventForm(request.POST or None, initial={"on": timezone.localdate(), "public": True})
    if request.method == "POST" and form.is_valid():
        actions.do_save_event(user, None, form.cleaned_data)
        messages.success(request, _("Saved in the calendar."))
        return redirect("outreach:calendar")
    events = OutreachEvent.objects.visible_to(user).order_by("-on", "-id")
    return render(
        request, "outreach/calendar.html", {"form": form, "page": _page(request, events)}, status=_status(form)
    )


@require_http_methods(["GET", "POST"])
@module_required(OUTREACH)
def event(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    found = get_object_or_404(OutreachEvent.objects.visible_to(user), pk=pk)
    initial = {name: getattr(found, name) for name in actions.EVENT_FIELDS}
    form = EventForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actions.do_save_event(user, found, form.cleaned_data)
        messages.success(request, _("Saved in the calendar."))
        return redirect("outreach:calendar")
    return render(request, "outreach/event.html", {"form": form, "event": found}, status=_status(form))


# --- Templates -----------------------------------------------------------------------------------


@require_GET
@module_required(OUTREACH)
def templates(request: HttpRequest) -> HttpResponse:
    found = Template.objects.visible_to(_user(request)).filter(retired=False).prefetch_related("texts")
    return render(request, "outreach/templates.html", {"templates": found})


def _template_form(request: HttpRequest, template: Template | None) -> HttpResponse:
    user = _user(request)
    initial: dict[str, Any] = {}
    if template is not None:
        initial["name"] = template.name
        for text in template.texts.all():
            initial[f"body_{text.language}"] = text.body
            initial[f"cover_{text.language}"] = text.cover
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_template(user, template, form.cleaned_data["name"], form.texts())
        except Refusal as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Template saved."))
            return redirect("outreach:templates")
    context = {"form": form, "template": template, "converted": getattr(form, "converted_fields", [])}
    return render(request, "outreach/template_form.html", context, status=_status(form))


@require_http_methods(["GET", "POST"])
@module_required(OUTREACH)
def template_add(request: HttpRequest) -> HttpResponse:
    return _template_form(request, None)


@require_http_methods(["GET", "POST"])
@module_required(OUTREACH)
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Template.objects.visible_to(_user(request)), pk=pk, retired=False)
    return _template_form(request, found)


@require_POST
@module_required(OUTREACH)
def template_retire(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Template.objects.visible_to(_user(request)), pk=pk)
    actions.do_retire_template(_user(request), found)
    messages.success(request, _("Template retired."))
    return redirect("outreach:templates")


# --- Contacts ------------------------------------------------------------------------------------


@require_GET
@module_required(OUTREACH)
def contacts(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", ContactState.ACTIVE)
    if state not in ContactState.values:
        state = ContactState.ACTIVE
    rows = OutreachContact.objects.visible_to(_user(request)).filter(state=state).select_related("person")
    page = page_of_people(request, rows.order_by("-id"), PAGE_SIZE)
    context = {"page": page, "state": state, "states": ContactState.choices}
    return render(request, "outreach/contacts.html", context)


@require_http_methods(["GET", "POST"])
@module_required(OUTREACH)
def contact_add(request: HttpRequest, person_pk: int) -> HttpResponse:
    user = _user(request)
    person = person_or_404(user, person_pk)
    targets = contact.targets_of(person, user)
    form = ContactForm(request.POST or None, targets=targets, channels=actions.enabled_channels())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row = actions.do_add_contact(
                user, person, data["target"], data["channel"], data["address"], data["language"], data["means"]
            )
        except Refusal as refused:
            named = {"relative_by_hand": "channel", "target": "target"}.get(refused.code, "address")
            form.add_error(named if refused.code in actions.OutreachError.messages else None, refused.message)
        else:
            messages.success(request, _("Contact saved."))
            return redirect("outreach:contact", pk=row.pk)
    return render(request, "outreach/contact_form.html", {"form": form, "person": person}, status=_status(form))


def _contact(request: HttpRequest, pk: int) -> OutreachContact:
    return get_object_or_404(OutreachContact.objects.visible_to(_user(request)).select_related("person"), pk=pk)


@require_GET
@module_required(OUTREACH)
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    row = _contact(request, pk)
    replies = list(row.replies.select_related("contact", "recorded_by").order_by("-received_at")[:20])
    record(user, Action.VIEW, row, fields=["address"] + (["replies"] if replies else []))
    context = {
        "contact": row,
        "replies": [(reply, actions.needs_confirming(reply) and reply.recorded_by_id != user.pk) for reply in replies],
        "messages_sent": row.messages.select_related("send").order_by("-id")[:20],
        "moves": [(s, ContactState(s).label) for s in actions.STAFF_MOVES.get(row.state, set())],
        "reply_form": ReplyForm(),
    }
    return render(request, "outreach/contact.html", context)


@require_POST
@module_required(OUTREACH)
def contact_state(request: HttpRequest, pk: int) -> HttpResponse:
    row = _contact(request, pk)
    form = ContactStateForm(request.POST)
    if form.is_valid():
        state = form.cleaned_data["state"]
        _attempt(request, lambda: actions.do_change_contact_state(_user(request), row, state), _("Saved."))
    return redirect("outreach:contact", pk=row.pk)


@require_POST
@module_required(OUTREACH)
def contact_reply(request: HttpRequest, pk: int) -> HttpResponse:
    row = _contact(request, pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write what they sent."))
        return redirect("outreach:contact", pk=row.pk)
    try:
        reply = actions.do_record_reply(_user(request), row, row.channel, form.cleaned_data["text"])
    except Refusal as refused:
        messages.error(request, refused.message)
        return redirect("outreach:contact", pk=row.pk)
    if reply is not None and actions.needs_confirming(reply):
        messages.warning(request, _("Recorded. A second person must confirm it before it lifts a STOP."))
    elif reply is not None and reply.word:
        messages.success(request, _("Recorded: %(word)s.") % {"word": reply.get_word_display()})
    else:
        messages.success(request, _("Reply recorded."))
    return redirect("outreach:contact", pk=row.pk)


# --- Replies not matched to anyone ---------------------------------------------------------------


@require_POST
@module_required(OUTREACH)
def reply_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    reply = get_object_or_404(Reply.objects.visible_to(_user(request)), pk=pk, contact__isnull=False)
    _attempt(request, lambda: actions.do_confirm_reply(_user(request), reply), _("Confirmed."))
    return redirect("outreach:contact", pk=reply.contact_id)


@require_GET
@module_required(OUTREACH_REPLIES)
def replies(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    # A stranger's reply is open to every reply reader; the person a colleague proposed it is
    # from is named only to those who may see that person (the others are told a link waits).
    rows = (
        Reply.objects.visible_to(user)
        .filter(contact__isnull=True)
        .select_related("link_person", "link_proposed_by")
        .annotate(link_visible=Exists(Person.objects.visible_to(user).filter(pk=OuterRef("link_person_id"))))
        .order_by("-received_at")
    )
    page = page_of_people(request, rows, PAGE_SIZE, person=lambda r: r.link_person_id if r.link_visible else None)
    if page.object_list:
        record(user, Action.VIEW, object_type="outreach.reply", fields=["text"])
    return render(request, "outreach/replies.html", {"page": page, "form": LinkReplyForm()})


@require_POST
@module_required(OUTREACH_REPLIES)
def reply_link_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    reply = get_object_or_404(Reply.objects.visible_to(user), pk=pk, contact__isnull=True)
    if reply.link_person_id is None or not Person.objects.visible_to(user).filter(pk=reply.link_person_id).exists():
        messages.error(request, _("No person with this case code that you may see."))
        return redirect("outreach:replies")
    try:
        row = actions.do_confirm_link(user, reply)
    except Refusal as refused:
        messages.error(request, refused.message)
        return redirect("outreach:replies")
    messages.success(request, _("Linked: the person can now be messaged on Telegram."))
    return redirect("outreach:contact", pk=row.pk)


@require_POST
@module_required(OUTREACH_REPLIES)
def reply_link(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    reply = get_object_or_404(Reply.objects.visible_to(user), pk=pk, contact__isnull=True)
    form = LinkReplyForm(request.POST)
    person = None
    if form.is_valid():
        person = Person.objects.visible_to(user).filter(case_code=form.cleaned_data["case_code"].strip()).first()
    if person is None:
        hint = hand_over_hint(user, form.cleaned_data["case_code"]) if form.is_valid() else ""
        messages.error(request, " ".join([_("No person with this case code that you may see."), hint]))
        return redirect("outreach:replies")
    try:
        actions.do_propose_link(user, reply, person, form.cleaned_data["language"])
    except Refusal as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Proposed. A second person must confirm the link."))
    return redirect("outreach:replies")


# --- Sending -------------------------------------------------------------------------------------


def _audience(user: User, form: AudienceForm) -> Any:
    rows = OutreachContact.objects.visible_to(user).filter(state=ContactState.ACTIVE)
    ids = form.contact_ids()
    if ids:
        return OutreachContact.objects.visible_to(user).filter(pk__in=ids)
    data = form.cleaned_data
    if data.get("status"):
        rows = rows.filter(person__status__in=data["status"])
    if data.get("channel"):
        rows = rows.filter(channel__in=data["channel"])
    if data.get("language"):
        rows = rows.filter(language__in=data["language"])
    return rows


@require_http_methods(["GET", "POST"])
@module_required(OUTREACH)
def send_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    choices = list(Template.objects.visible_to(user).filter(retired=False).values_list("pk", "name"))
    audience = None
    if request.method == "GET":
        # From a person's page: their contacts, chosen; nothing else is asked yet.
        chosen = str(request.GET.get("contacts", ""))
        form = AudienceForm(initial={"contacts": chosen}, templates=choices)
        ids = [int(part) for part in chosen.split(",") if part.strip().isdigit()]
        if ids:
            audience = OutreachContact.objects.visible_to(user).filter(pk__in=ids).select_related("person")
    else:
        form = AudienceForm(request.POST, templates=choices)
    shown: Template | None = None
    if request.method == "POST" and form.is_valid():
        audience = _audience(user, form).select_related("person").order_by("id")
        shown = get_object_or_404(Template.objects.visible_to(user), pk=form.cleaned_data["template"])
        if request.POST.get("go") == "propose":
            try:
                proposed = actions.do_propose_send(
                    user,
                    shown,
                    list(audience),
                    form.cleaned_data["appointment"],
                    seen=form.cleaned_data["seen"],
                )
            except Refusal as refused:
                form.add_error(None, refused.message)
            else:
                if proposed.left_out:
                    messages.warning(
                        request,
                        _("%(n)d contacts were left out (stopped, blocked, or no text in their language).")
                        % {"n": proposed.left_out},
                    )
                if proposed.send.state == SendState.PROPOSED:
                    messages.success(request, _("Proposed. A second person must approve it before it is sent."))
                else:
                    messages.success(request, _("Sent to the outbox."))
                return redirect("outreach:send", pk=proposed.send.pk)
    context = {
        "form": form,
        "shown_texts": sorted(actions.texts_of(shown).items()) if shown else None,
        "seen": actions.seen_fingerprint(shown) if shown else "",
        "audience": audience[:50] if audience is not None else None,
        "audience_count": audience.count() if audience is not None else None,
    }
    return render(request, "outreach/send_new.html", context, status=400 if form.errors else 200)


@require_GET
@module_required(OUTREACH)
def sends(request: HttpRequest) -> HttpResponse:
    rows = Send.objects.visible_to(_user(request)).select_related("template", "proposed_by", "approved_by")
    return render(request, "outreach/sends.html", {"page": _page(request, rows)})


def _send(request: HttpRequest, pk: int) -> Send:
    return get_object_or_404(
        Send.objects.visible_to(_user(request)).select_related("template", "proposed_by", "approved_by"), pk=pk
    )


@require_GET
@module_required(OUTREACH)
def send_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    found = _send(request, pk)
    rows = list(
        Message.objects.visible_to(user).filter(send=found).select_related("contact", "contact__person", "send")
    )
    by_hand = []
    for m in rows:
        if m.state == MessageState.BY_HAND:
            refused = actions.refused_now(m, user)
            by_hand.append(
                (
                    m,
                    "" if refused else actions.by_hand_text(m),
                    "" if refused else str(m.contact.address or ""),
                    refused,
                )
            )
    if by_hand:
        record(user, Action.VIEW, found, fields=["address"])
    audit_shown(request, ids_of(rows, "contact.person_id"))
    counts: dict[str, int] = {}
    for m in rows:
        counts[m.state] = counts.get(m.state, 0) + 1
    context = {
        "send": found,
        "messages_list": rows,
        "hidden": found.recipients - len(rows),
        "by_hand": by_hand,
        "counts": [(MessageState(s).label, n) for s, n in counts.items()],
        "can_approve": found.state == SendState.PROPOSED and found.proposed_by_id != user.pk,
        "can_cancel": found.state in (SendState.PROPOSED, SendState.APPROVED)
        and (user.pk in (found.proposed_by_id, found.approved_by_id) or not (found.recipients - len(rows))),
        "texts": sorted(found.text_map().items()),
    }
    return render(request, "outreach/send.html", context)


@require_POST
@module_required(OUTREACH)
def send_approve(request: HttpRequest, pk: int) -> HttpResponse:
    found = _send(request, pk)
    _attempt(
        request, lambda: actions.do_approve_send(_user(request), found), _("Approved: the messages are being sent.")
    )
    return redirect("outreach:send", pk=found.pk)


@require_POST
@module_required(OUTREACH)
def send_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    found = _send(request, pk)
    _attempt(request, lambda: actions.do_cancel_send(_user(request), found), _("Cancelled: nothing more will be sent."))
    return redirect("outreach:send", pk=found.pk)


def _message(request: HttpRequest, pk: int) -> Message:
    return get_object_or_404(Message.objects.visible_to(_user(request)).select_related("send"), pk=pk)


@require_POST
@module_required(OUTREACH)
def message_sent(request: HttpRequest, pk: int) -> HttpResponse:
    found = _message(request, pk)
    _attempt(request, lambda: actions.do_mark_sent(_user(request), found))
    return redirect("outreach:send", pk=found.send_id)


@require_POST
@module_required(OUTREACH)
def message_retry(request: HttpRequest, pk: int) -> HttpResponse:
    found = _message(request, pk)
    _attempt(request, lambda: actions.do_retry_message(_user(request), found), _("It will be tried again."))
    return redirect("outreach:send", pk=found.send_id)


# --- Attribution ---------------------------------------------------------------------------------


@require_GET
@module_required(OUTREACH)
def attribution_report(request: HttpRequest) -> HttpResponse:
    """First contacts and accepted people by campaign and by channel: counts only, from clear
    columns (it works while sealed)."""
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    since, until = today - timedelta(days=90), today
    if form.is_valid():
        since = form.cleaned_data.get("since") or since
        until = form.cleaned_data.get("until") or until
    counts = attribution.counts(since, until)
    events = {
        e.ref: e
        for e in OutreachEvent.objects.visible_to(_user(request)).filter(
            pk__in=[int(ref[6:]) for ref in counts if ref.startswith("event:") and ref[6:].isdigit()]
        )
    }
    labels = dict(attribution.WORD_OF_MOUTH) | {f"channel:{v}": label for v, label in Platform.choices}
    by_campaign: list[tuple[str, int, int]] = []
    by_channel: dict[str, tuple[int, int]] = {}
    for ref, row in sorted(counts.items(), key=lambda pair: -pair[1].first_contacts):
        found = events.get(ref)
        label = str(found) if found else str(labels.get(ref) or (_("Not said") if not ref else _("Unknown")))
        by_campaign.append((label, row.first_contacts, row.accepted))
        platform = found.get_platform_display() if found else labels.get(ref) if ref.startswith("channel:") else None
        key = str(platform or (_("Word of mouth") if ref.startswith("word:") else _("Not said")))
        first, accepted = by_channel.get(key, (0, 0))
        by_channel[key] = (first + row.first_contacts, accepted + row.accepted)
    context = {
        "form": form,
        "since": since,
        "until": until,
        "by_campaign": by_campaign,
        "by_channel": sorted(by_channel.items(), key=lambda pair: -pair[1][0]),
        "total": sum(row.first_contacts for row in counts.values()),
    }
    return render(request, "outreach/attribution.html", context)


# --- Channel settings (directors) ----------------------------------------------------------------


def _settings_page(
    request: HttpRequest, bound: ChannelSettingsForm | None = None, bound_channel: str = ""
) -> HttpResponse:
    stored = {row.channel: row for row in ChannelSettings.objects.visible_to(_user(request))}
    channel_forms = []
    for channel in (Channel.EMAIL, Channel.TELEGRAM):
        if bound is not None and channel == bound_channel:
            form = bound
        else:
            config = actions.channel_config(channel) if channel in stored else None
            initial = {k: v for k, v in (config or {}).items() if k not in ("password", "token")}
            initial["enabled"] = stored[channel].enabled if channel in stored else True
            form = ChannelSettingsForm(initial=initial, channel=channel)
        channel_forms.append((channel, Channel(channel).label, form, stored.get(channel)))
    return render(request, "outreach/settings.html", {"channel_forms": channel_forms}, status=400 if bound else 200)


@require_GET
@module_required(OUTREACH_CONFIG)
def channel_settings(request: HttpRequest) -> HttpResponse:
    return _settings_page(request)


@require_POST
@module_required(OUTREACH_CONFIG)
def channel_save(request: HttpRequest, channel: str) -> HttpResponse:
    if channel not in (Channel.EMAIL, Channel.TELEGRAM):
        return redirect("outreach:settings")
    form = ChannelSettingsForm(request.POST, channel=channel)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in ADAPTERS[channel].fields}
        try:
            actions.do_save_channel(_user(request), channel, data, enabled=form.cleaned_data["enabled"])
        except Refusal as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Channel saved."))
            return redirect("outreach:settings")
    return _settings_page(request, form, channel)
