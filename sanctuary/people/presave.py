"""The check before the person form saves: "this may be someone already registered".

It must not become a silent oracle (issue 17, item 3). Typing a known phone, NRC, service
number or true name plus birth year used to answer "N possible matches in other teams", and
named a visible person matched on their true identity to someone without a grant. Now:

- a user is shown only people they may see, and only for what they may know of them: a
  match on an identity key (NRC, service number, the true name or father's name) is shown
  only to a user holding a true-name grant for that person; a match on a phone, unit, birth
  date or home town is shown by alias, naming only those keys;
- every other match is withheld, without a count: once the person is saved the pair goes
  to the duplicates queue, where only reviewers who may see both people decide it (directors
  for two teams);
- every check is audited as a search (which kind, never what was typed) and counted
  (:class:`~sanctuary.people.models.PresaveCheck`): more than ``PRESAVE_CHECKS_PER_HOUR``
  in an hour are refused, and many checks with few saves alert the directors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.actions import alert_directors
from sanctuary.accounts.models import AccountAlert, AccountChange
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.people.models import IdentityRequest, IdentityRequestStatus, Person, PresaveCheck

if TYPE_CHECKING:
    from sanctuary.accounts.models import User

# Blocking rules built from a true-identity field (sanctuary/linkage/blocking.py): the "name"
# of a record is its true name when it has one.
IDENTITY_RULES = frozenset(
    {"nrc", "svc", "name+year", "name+father", "name+unit", "name+town", "father+date", "father+unit"}
    | {"father+t+y", "father+town"}
)


RULE_LABELS = {
    "tel": _("phone"),
    "date+town": _("birth date and home town"),
    "unit+year": _("unit and birth year"),
    "unit+town": _("unit and home town"),
    "nrc": _("NRC"),
    "svc": _("service number"),
    "name+year": _("name and birth year"),
    "name+father": _("name and father's name"),
    "name+unit": _("name and unit"),
    "name+town": _("name and home town"),
    "father+date": _("father's name and birth date"),
    "father+unit": _("father's name and unit"),
    "father+t+y": _("father's name, home town and birth year"),
    "father+town": _("father's name and home town"),
}


def per_hour() -> int:
    return int(getattr(settings, "PRESAVE_CHECKS_PER_HOUR", 120))


@dataclass
class Result:
    """What the form may show: ``shown`` people (visible, by alias) with the keys it may
    name, and the ids of every match, to queue once the person is saved."""

    check: PresaveCheck
    shown: dict[int, list[str]] = field(default_factory=dict)
    queue: list[tuple[int, list[str]]] = field(default_factory=list)

    def listed(self) -> list[tuple[Person, list[str]]]:
        """The people shown, by case code, with the keys they matched on, in words."""
        people = Person.objects.filter(pk__in=list(self.shown)).only("pk", "case_code", "alias").order_by("case_code")
        return [(p, labels(self.shown[p.pk])) for p in people]


class TooManyChecks(Exception):
    """Over the hourly limit: nothing was checked, nothing saved."""


def start(user: User) -> PresaveCheck:
    """Count one check, or refuse when the user is over the limit (audited either way)."""
    now = timezone.now()
    recent = PresaveCheck.objects.filter(user=user, at__gte=now - timedelta(hours=1)).count()
    if recent >= per_hour():
        record(user, Action.SEARCH, object_type="people.person", fields=["presave", "refused:limit"])
        _alert(user)  # going over the limit is itself worth a director's look
        raise TooManyChecks
    days = int(getattr(settings, "PRESAVE_RETENTION_DAYS", 30))
    PresaveCheck.objects.filter(at__lt=now - timedelta(days=days)).delete()
    return PresaveCheck.objects.create(user=user, at=now)


def showable(user: User, matches: list[tuple[int, list[str]]]) -> dict[int, list[str]]:
    """Of the matcher's candidates, those ``user`` may be told of, with the keys they may be
    told: people they may see; identity keys only with a true-name grant for that person."""
    visible = set(
        Person.objects.visible_to(user).filter(pk__in=[pk for pk, _r in matches]).values_list("pk", flat=True)
    )
    granted = set(
        IdentityRequest.objects.filter(
            requester=user, person_id__in=visible, status=IdentityRequestStatus.APPROVED, expires_at__gt=timezone.now()
        ).values_list("person_id", flat=True)
    )
    shown = {}
    for pk, rules in matches:
        allowed = [rule for rule in rules if pk in granted or rule not in IDENTITY_RULES]
        if pk in visible and allowed:
            shown[pk] = allowed
    return shown


def labels(rules: list[str]) -> list[str]:
    return [str(RULE_LABELS.get(rule, rule)) for rule in rules]


def sort(user: User, check: PresaveCheck, matches: list[tuple[int, list[str]]]) -> Result:
    """Split the matcher's candidates into what this user may be shown and what is withheld;
    audit the check as a search (kind only, never values)."""
    result = Result(check=check, queue=matches, shown=showable(user, matches))
    check.withheld = len(matches) - len(result.shown)
    check.save(update_fields=["withheld"])
    fields = ["presave", "matches_shown" if result.shown else "no_match_shown"]
    if check.withheld:
        fields.append("matches_withheld")
    record(user, Action.SEARCH, object_type="people.person", fields=fields)
    _maybe_alert(user)
    return result


def saved(check: PresaveCheck | None) -> None:
    if check is not None:
        PresaveCheck.objects.filter(pk=check.pk).update(saved=True)


def _maybe_alert(user: User) -> None:
    """Many checks and few saves in a day looks like probing the register: the directors
    are told, once a day per user."""
    since = timezone.now() - timedelta(hours=24)
    checks = PresaveCheck.objects.filter(user=user, at__gte=since)
    total = checks.count()
    if total < int(getattr(settings, "PRESAVE_PROBE_CHECKS", 15)):
        return
    if checks.filter(saved=True).count() * 3 > total:
        return
    _alert(user)


def _alert(user: User) -> None:
    """One alert per user and day on the directors' pages."""
    since = timezone.now() - timedelta(hours=24)
    if not AccountAlert.objects.filter(user=user, change=AccountChange.PROBING, created_at__gte=since).exists():
        alert_directors(user, user, AccountChange.PROBING)  # done by the user themself
