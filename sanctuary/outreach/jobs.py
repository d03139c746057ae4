"""Delivering a send, in the background (where the keys are: addresses are read inside the
vault). One pass over the messages that are due; a failure that may pass queues the same job
again for when its retry is due (``actions.deliver_due``). Resumable: a message is claimed
before it is sent and a claimed one is never sent again by a rerun (``recover_interrupted``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sanctuary.background import runner
from sanctuary.outreach import actions
from sanctuary.outreach.models import OUTREACH, Send


@runner.kind(actions.DELIVER_JOB, module=OUTREACH, label=_("Sending messages"), resumable=True)
def deliver_job(job: runner.Context) -> None:
    send = Send.objects.get(pk=job.params["send"])
    user = job.user
    if user is None or not user.is_active:
        job.report(error=gettext("The person who approved these messages can no longer send them."))
        return
    counts = actions.deliver_due(send, user)
    job.count(**counts)
    done = sum(counts.values())
    job.report(gettext("%(n)d messages handled") % {"n": done}, next_url=reverse("outreach:send", args=[send.pk]))
