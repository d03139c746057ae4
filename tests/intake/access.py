"""Access matrix: the public intake form and triage."""

from __future__ import annotations

from typing import Any

from sanctuary.intake import actions
from sanctuary.intake.models import Submission
from tests.access import ALL, ORG, PEOPLE_WRITERS, PUBLIC, TEAM, Url
from tests.vault.images import tiny_png

INTAKE = frozenset({"director", "intake_officer"})
INTAKE_LOG = frozenset({"director", "intake_officer", "vetting_officer", "case_worker"})


def _submission(o: dict[str, Any]) -> dict[str, Any]:
    return {"pk": o["submission"]}


URLS = [
    Url("intake_public:form", "GET", ALL, PUBLIC),
    Url("intake_public:form_lang", "GET", ALL, PUBLIC, lambda o: {"lang": "en"}),
    Url("intake_public:status", "GET", ALL, PUBLIC),
    Url("intake_public:status_lang", "GET", ALL, PUBLIC, lambda o: {"lang": "en"}),
    Url("intake:queue", "GET", INTAKE),
    Url("intake:log", "GET", INTAKE_LOG),
    Url("intake:detail", "GET", INTAKE, TEAM, _submission),
    # An unlinked first contact belongs to no team yet: every intake officer triages it.
    Url("intake:create_person", "GET", INTAKE & PEOPLE_WRITERS, ORG, lambda o: {"pk": o["unlinked"]}),
    Url(
        "intake:attachment",
        "GET",
        INTAKE,
        TEAM,
        lambda o: {"pk": o["submission"], "attachment_id": o["attachment"]},
    ),
    Url("intake:action", "POST", INTAKE, TEAM, lambda o: {"pk": o["submission"], "action": "public_status"}),
]


def objects(world: Any) -> dict[str, Any]:
    """A first contact linked to the team's person (with its file), and an unlinked one."""
    receipt = actions.do_receive(
        {"story": "s", "handle": "h"}, actions.clean_uploads([tiny_png()]), actions.new_form_token()
    )
    Submission.objects.filter(pk=receipt.submission.pk).update(person=world.person)
    unlinked = actions.do_receive({"story": "t", "handle": "i"}, [], actions.new_form_token()).submission
    return {
        "submission": receipt.submission.pk,
        "attachment": receipt.submission.attachments.get().pk,
        "unlinked": unlinked.pk,
    }
