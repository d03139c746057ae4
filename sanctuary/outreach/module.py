"""Outreach, as the core sees it: its access modules, the navigation (with the sends waiting
for a second person), the dashboard card, the person page's outreach card, the merge step,
the calendar's answers to "how did you hear of us?" (``people.attribution``), the delivery job
and the demo's calendar and templates."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.lib.stages import Access, AuditLabel, DashboardCard, MergeStep, NavEntry, PersonPanel, Stage, register
from sanctuary.outreach import actions
from sanctuary.outreach import jobs as _jobs  # noqa: F401  (registers the delivery job)
from sanctuary.outreach.models import (
    OUTREACH,
    OUTREACH_CONFIG,
    OUTREACH_REPLIES,
    Channel,
    EventKind,
    Language,
    Message,
    MessageState,
    OutreachContact,
    OutreachEvent,
    Platform,
    Reply,
)
from sanctuary.outreach.views import waiting_for_me
from sanctuary.people import attribution, contact

if TYPE_CHECKING:
    from django.http import HttpRequest

    from sanctuary.accounts.models import User
    from sanctuary.people.merge import Merge
    from sanctuary.people.models import Person

OFFERED_DAYS = 90  # calendar entries offered as answers to "how did you hear of us?"
OFFERED_MAX = 15


def _badge(user: User) -> int:
    return waiting_for_me(user)


def _card(request: HttpRequest) -> dict[str, Any] | None:
    user: Any = request.user
    return {
        "waiting": waiting_for_me(user),
        "by_hand": Message.objects.visible_to(user).filter(state=MessageState.BY_HAND).count(),
        "unmatched": Reply.objects.visible_to(user).filter(contact__isnull=True).count(),
    }


def _panel(request: HttpRequest, person: Person) -> dict[str, Any] | None:
    rows = list(OutreachContact.objects.visible_to(request.user).filter(person=person))  # type: ignore[arg-type]
    return {"person": person, "outreach_contacts": rows, "can_add": person.merged_into_id is None}


def _merge(merge: Merge) -> None:
    """Contacts follow the person, encrypted again for the record kept; the folded record's
    own target becomes the kept one's. Two contacts on one channel are both kept (a person
    may have two Telegram accounts); their messages and replies stay with them."""
    old_ref, new_ref = f"person:{merge.secondary.pk}", f"person:{merge.primary.pk}"
    merge.move(OutreachContact.objects.all())
    OutreachContact.objects.filter(person=merge.primary, target_ref=old_ref).update(target_ref=new_ref)


def _sources(public: bool) -> list[tuple[str, Any]]:
    """Recent calendar entries (public ones only on the public form), then our channels."""
    since = timezone.localdate() - timedelta(days=OFFERED_DAYS)
    events = OutreachEvent.objects.filter(on__gte=since, on__lte=timezone.localdate())
    if public:
        events = events.filter(public=True)
    offered: list[tuple[str, Any]] = [(e.ref, str(e)) for e in events.order_by("-on", "-id")[:OFFERED_MAX]]
    return offered + [(f"channel:{value}", label) for value, label in Platform.choices]


def _known(ref: str) -> str | None:
    """The label of one of our references, or None."""
    kind, _sep, value = ref.partition(":")
    if kind == "event" and value.isdigit():
        event = OutreachEvent.objects.filter(pk=int(value)).first()
        return str(event) if event else None
    if kind == "channel" and value in Platform.values:
        return str(Platform(value).label)
    return None


attribution.register_sources(_sources, _known)
contact.on_rule_changed(actions.skip_for_target)


DEMO_TEMPLATES = {
    "Appointment": {
        Language.MY: (
            "{alias} ရေ၊ {appointment} မှာ ရုံးမှာ တွေ့ကြရအောင်။ မလာနိုင်ရင် ပြန်စာ ပို့ပါ။",
            "မင်္ဂလာပါ။ အချိန်ရရင် ပြန်စာ ပို့ပေးပါ။",
        ),
        Language.EN: (
            "{alias}, let us meet at the office at {appointment}. Reply if you cannot come.",
            "Hello, write back when you have a moment.",
        ),
        Language.TH: (
            "{alias} พบกันที่สำนักงานเวลา {appointment} หากมาไม่ได้โปรดตอบกลับ",
            "สวัสดี ว่างเมื่อไหร่ช่วยตอบกลับด้วย",
        ),
    },
}


def _demo(demo: Any) -> None:
    """A month of Sunday talks and a post in the calendar, an appointment template in the
    three languages, and by-hand contacts for a few demo people. Nothing is sent. Added once."""
    if OutreachEvent.objects.exists():
        return
    director = demo.users["director"]
    today = timezone.localdate()
    sunday = today - timedelta(days=(today.weekday() + 1) % 7)
    for weeks in range(4):
        actions.do_save_event(
            director,
            None,
            {
                "kind": EventKind.TALK,
                "on": sunday - timedelta(weeks=weeks),
                "platform": Platform.FACEBOOK,
                "language": Language.MY,
                "topic": "Sunday talk: leaving safely",
                "speaker": "Ko Thunder",
                "audience": 1200 + 150 * weeks,
                "public": True,
            },
        )
    actions.do_save_event(
        director,
        None,
        {
            "kind": EventKind.CAMPAIGN,
            "on": today - timedelta(days=20),
            "ends_on": today + timedelta(days=10),
            "platform": Platform.TELEGRAM,
            "language": Language.MY,
            "topic": "Messages to families of police officers",
            "public": False,
        },
    )
    for name, texts in DEMO_TEMPLATES.items():
        actions.do_save_template(director, None, name, {str(k): v for k, v in texts.items()})
    worker = demo.users.get("caseworker", director)
    from sanctuary.people.models import Person, Status

    people = Person.objects.filter(status=Status.IN_SHELTER, merged_into__isnull=True, team__in=worker.teams.all())
    for person in people.order_by("id")[:4]:
        actions.do_add_contact(worker, person, f"person:{person.pk}", Channel.MANUAL, "", Language.MY)


# Audit codes of outreach that are no field, in words: a channel's settings by name, the
# words a contact texts back (as they are texted), a template's text by language.
AUDIT_LABELS = {
    "outreach.delivery": _("message delivery"),
    "outreach.delivery.body": _("message text"),
    "outreach.delivery.cover": _("cover message"),
    "outreach.delivery.late": _("sent late"),
    "outreach.outreachcontact.word": AuditLabel(_("word texted back"), [("start", "START"), ("stop", "STOP")]),
    "outreach.template.text": AuditLabel(_("text"), Language),
    "outreach.send.address": _("address"),
    "outreach.channelsettings.host": _("server"),
    "outreach.channelsettings.port": _("port"),
    "outreach.channelsettings.security": _("security"),
    "outreach.channelsettings.username": _("username"),
    "outreach.channelsettings.password": _("password"),
    "outreach.channelsettings.from_email": _("sender address"),
    "outreach.channelsettings.token": _("access token"),
    "outreach.channelsettings.api": _("service address"),
    "outreach:contacts": _("outreach contacts"),
    "outreach:replies": _("replies"),
    "outreach:send": _("sending"),
}


register(
    Stage(
        app="outreach",
        audit_labels=AUDIT_LABELS,
        access=(
            Access(OUTREACH, _("Outreach: calendar, templates, messages")),
            Access(OUTREACH_CONFIG, _("Outreach channels' settings")),
            Access(OUTREACH_REPLIES, _("Read what strangers write to the bot (first contacts)")),
        ),
        nav=(NavEntry(url="outreach:home", label=_("Outreach"), module=OUTREACH, badge=_badge, order=25),),
        dashboard=(DashboardCard(template="outreach/_dashboard.html", context=_card, module=OUTREACH, order=25),),
        person_panels=(PersonPanel(template="outreach/_person_panel.html", context=_panel, module=OUTREACH, order=75),),
        merge=MergeStep(models=("outreach.OutreachContact",), apply=_merge),
        demo=_demo,
        demo_order=80,
    )
)
