"""Work on the whole register, as jobs (``sanctuary.background``)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sanctuary.accounts.policy import Module
from sanctuary.background import runner
from sanctuary.lib.phones import read_phone
from sanctuary.matching.actions import refresh_match_keys
from sanctuary.people.models import ContactKind, Person, refresh_search_tokens

REINDEX = "people.reindex"
BATCH = 500


@runner.kind(REINDEX, module=Module.STAFF, label=_("Search keys of the register"), resumable=True)
def reindex_job(job: runner.Context) -> None:
    """Every stored phone read again by today's one phone rule, then every person's search
    words and duplicate-finding keys rebuilt. Safe to run again.

    A number stored by an older reading keeps its country code, so what was typed is gone:
    ``081 224 8244`` stored as the Myanmar landline ``+95812248244`` cannot be told from a real
    one. Those whose national form is a Thai mobile today are listed for staff to check (in
    the job's encrypted rows), never changed behind their back."""
    people = Person.objects.order_by("pk")
    total = people.count()
    job.progress(0, total, "phones")
    fixed, to_check = 0, []
    last = done = 0
    while True:
        batch = list(people.filter(pk__gt=last).prefetch_related("contacts")[:BATCH])
        if not batch:
            break
        with transaction.atomic():
            for person in batch:
                for contact in person.contacts.all():
                    if contact.kind != ContactKind.PHONE:
                        continue
                    stored = str(contact.value)
                    reading = read_phone(stored)
                    if reading and reading != stored:
                        contact.value = reading
                        contact.save(update_fields=["value", "value_index"])
                        fixed += 1
                    elif stored.startswith("+95"):
                        thai = read_phone("0" + stored[3:])
                        if thai.startswith("+66"):
                            to_check.append(f"{person.case_code}: {stored} / {thai}?")
            current = [p for p in batch if p.merged_into_id is None]
            refresh_search_tokens(current)
            refresh_match_keys(Person.objects.filter(pk__in=[p.pk for p in current]).prefetch_related("contacts"))
        last = batch[-1].pk
        done += len(batch)
        job.progress(done, stage="keys")
    job.count(phones=fixed, people=total, to_check=len(to_check))
    summary = ngettext(
        "%(n)s phone number read again; search and duplicate keys rebuilt.",
        "%(n)s phone numbers read again; search and duplicate keys rebuilt.",
        fixed,
    ) % {"n": fixed}
    if to_check:
        summary += " " + ngettext(
            "%(n)s Myanmar number may be a Thai mobile typed without +66: check it.",
            "%(n)s Myanmar numbers may be Thai mobiles typed without +66: check them.",
            len(to_check),
        ) % {"n": len(to_check)}
    job.report(summary, rows=to_check or None)
