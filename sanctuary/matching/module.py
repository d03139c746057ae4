"""Duplicate finding, as the registry sees it: its pages in the navigation and its merge step
(blocking keys rebuilt, open review pairs of the merged record closed, partner matches
following the person). The merge itself is ``sanctuary.people.merge``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import Module
from sanctuary.lib.stages import MergeStep, NavEntry, Stage, register
from sanctuary.matching import partners as _partners  # noqa: F401  (registers the partner job kinds)
from sanctuary.matching.actions import refresh_match_keys
from sanctuary.matching.models import Decision, MatchReview, PartnerMatch, PersonMatchKey
from sanctuary.people.models import Person

if TYPE_CHECKING:
    from sanctuary.people.merge import Merge


def _merge(merge: Merge) -> None:
    """Runs last, once contacts and names are on the record kept: its keys are rebuilt."""
    secondary = merge.secondary
    # Pairs still to review with the merged record would ask about a record no longer shown;
    # decided pairs stay as history. A pair with the record kept is the one being decided.
    MatchReview.objects.filter(decision__in=[Decision.PENDING, Decision.UNSURE, Decision.PROPOSED]).filter(
        Q(person_a=secondary) | Q(person_b=secondary)
    ).delete()
    # A partner's record matched to both: the kept record's match stays; the other stays with
    # the folded record, as history (one match per run, person and partner record).
    taken = set(PartnerMatch.objects.filter(person=merge.primary).values_list("run_id", "partner_ref"))
    clashes = [m.pk for m in PartnerMatch.objects.filter(person=secondary) if (m.run_id, m.partner_ref) in taken]
    merge.move(PartnerMatch.objects.exclude(pk__in=clashes))
    PersonMatchKey.objects.filter(person=secondary).delete()
    refresh_match_keys([Person.objects.prefetch_related("contacts").get(pk=merge.primary.pk)])


# Audit codes of matching that are no field, in words.
AUDIT_LABELS = {
    "background.job.found": _("possible duplicates found"),
    "matching.partnerrun.partner_matches": _("partner matches"),
    "matching.partnerrun.pprl_encodings": _("privacy-preserving encodings"),
    "matching:queue": _("possible duplicates"),
}


register(
    Stage(
        app="matching",
        audit_labels=AUDIT_LABELS,
        nav=(
            NavEntry(url="matching:queue", label=_("Duplicates"), module=Module.DUPLICATES, order=70),
            NavEntry(url="matching:partners", label=_("Partners"), module=Module.PARTNERS, order=71),
        ),
        merge=MergeStep(
            models=("matching.PersonMatchKey", "matching.MatchReview", "matching.PartnerMatch"), apply=_merge, order=900
        ),
    )
)
