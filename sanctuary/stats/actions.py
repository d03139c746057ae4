"""Every write of the statistics stage, each in one transaction with its audit record (field
names only, never a value): table definitions, the counting policy, others' figures, and the
two-person release ledger (propose, approve, withdraw), and each download of a release.

A proposal **freezes** the output: the table is counted and the rules run once, then the
result, its rules, the policy and the SHA-256 of the output are stored. Approval approves
exactly that output, whatever the data became since; it is refused if the stored output no
longer matches its hash or breaks its rules. Approving and withdrawing lock the release row,
so two directors approving at once end in one approval and one refusal.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import ON_HOLD, require_settled
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib.refusal import Refusal
from sanctuary.stats import disclosure, outputs, tables
from sanctuary.stats.models import ExternalFigure, Release, ReleaseState, StatsSettings, TableDefinition

if TYPE_CHECKING:
    from sanctuary.accounts.models import User

TABLE_FIELDS = [
    "title_my",
    "title_en",
    "title_th",
    "counted",
    "rows",
    "columns",
    "first",
    "last",
    "threshold",
    "rounding",
    "zeros_disclosive",
    "auto_suppress",
    "epsilon",
    "mechanism",
    "active",
]
FIGURE_FIELDS = ["count", "what", "breakdown", "as_of", "source", "via", "url", "published_on", "retrieved_on"]

PROBLEM_WORDS = {
    "small": _("fewer than the threshold"),
    "zero": _("a zero"),
    "rounding": _("not rounded"),
    "alone": _("the only hidden number of its row or column"),
    "recoverable": _("can be worked out from the totals"),
}


class StatsRefused(Refusal):
    messages = {
        "on_hold": ON_HOLD,
        "fails_rules": _(
            "This table breaks the disclosure rules at: %(cells)s. Coarsen it (fewer categories, longer "
            "periods) or let small cells be suppressed."
        ),
        "pending": _("A release of this table is already waiting for a second person."),
        "own": _("You proposed this release: a second person approves it."),
        "decided": _("This release was already decided."),
        "altered": _(
            "The frozen output no longer matches its SHA-256: it was changed after it was proposed. "
            "Withdraw it and propose it again."
        ),
        "not_approved": _("Only approved releases can be downloaded."),
        "inactive": _("This table is not in use."),
        "format": _("There is no such file format."),
    }


def problems_in_words(data: dict[str, Any], problems: list[disclosure.Problem]) -> str:
    return "; ".join(f"{tables.entry_name(data, p.entry)} ({PROBLEM_WORDS[p.code]})" for p in problems)


@transaction.atomic
def do_save_table(user: User, table: TableDefinition) -> TableDefinition:
    created = table.pk is None
    if created:
        table.created_by = user
    table.save()
    record(user, Action.CREATE if created else Action.UPDATE, table, fields=TABLE_FIELDS)
    return table


@transaction.atomic
def do_save_settings(user: User, current: StatsSettings) -> StatsSettings:
    current.updated_by = user
    current.save()
    record(user, Action.UPDATE, current, fields=["count"])
    return current


@transaction.atomic
def do_add_external_figure(user: User, figure: ExternalFigure) -> ExternalFigure:
    figure.created_by = user
    figure.save()
    record(user, Action.CREATE, figure, fields=FIGURE_FIELDS)
    return figure


@transaction.atomic
def do_retire_external_figure(user: User, figure: ExternalFigure) -> ExternalFigure:
    figure.active = False
    figure.save(update_fields=["active"])
    record(user, Action.UPDATE, figure, fields=["active"])
    return figure


@transaction.atomic
def do_propose_release(user: User, table: TableDefinition) -> Release:
    """Count the table now, run its rules and freeze the result for a second person.

    Refused, naming the cells, when the result breaks the rules (small cells with automatic
    suppression off); refused when another release of the table is still waiting."""
    table = TableDefinition.objects.select_for_update().get(pk=table.pk)
    if not table.active:
        raise StatsRefused("inactive")
    if table.releases.filter(state=ReleaseState.PROPOSED).exists():
        raise StatsRefused("pending")
    policy = StatsSettings.current().count
    output, grid = tables.compute(table, policy)
    problems = disclosure.check_grid(grid, disclosure.Rules.from_json(output.data["rules"]))
    if problems:
        raise StatsRefused("fails_rules", cells=problems_in_words(output.data, problems))
    rules = output.data["rules"]
    try:
        with transaction.atomic():
            release = Release.objects.create(
                table=table,
                output=output.data,
                rules=rules,
                policy=output.data["policy"],
                epsilon=Decimal(str(rules["epsilon"])) if rules["epsilon"] is not None else None,
                sha256=output.sha256,
                proposed_by=user,
                proposed_at=timezone.now(),
            )
    except IntegrityError as error:  # another proposal of this table won the race
        raise StatsRefused("pending") from error
    record(user, Action.CREATE, release, fields=["output", "rules", "policy", "epsilon", "sha256"])
    return release


@transaction.atomic
def do_approve_release(user: User, release: Release) -> Release:
    """A second person approves exactly the frozen output."""
    release = Release.objects.select_for_update().get(pk=release.pk)
    if release.state != ReleaseState.PROPOSED:
        raise StatsRefused("decided")
    if release.proposed_by_id == user.pk:
        raise StatsRefused("own")
    require_settled(user, StatsRefused)
    if tables.Output(release.output).sha256 != release.sha256:
        raise StatsRefused("altered")
    problems = disclosure.check(
        disclosure.Published.from_json(release.output["table"]), disclosure.Rules.from_json(release.rules)
    )
    if problems:
        raise StatsRefused("fails_rules", cells=problems_in_words(release.output, problems))
    release.state, release.approved_by, release.approved_at = ReleaseState.APPROVED, user, timezone.now()
    release.save(update_fields=["state", "approved_by", "approved_at"])
    record(user, Action.UPDATE, release, fields=["state", "approved_by", "approved_at"])
    return release


@transaction.atomic
def do_withdraw_release(user: User, release: Release) -> Release:
    """Either person takes back a release still waiting (nothing is deleted)."""
    release = Release.objects.select_for_update().get(pk=release.pk)
    if release.state != ReleaseState.PROPOSED:
        raise StatsRefused("decided")
    release.state, release.withdrawn_at = ReleaseState.WITHDRAWN, timezone.now()
    release.save(update_fields=["state", "withdrawn_at"])
    record(user, Action.UPDATE, release, fields=["state"])
    return release


FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pdf": ("application/pdf", "pdf"),
}


@transaction.atomic
def do_export_release(user: User, release: Release, file_format: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of an approved release, in the user's language;
    the download is audited."""
    if file_format not in FORMATS:
        raise StatsRefused("format")
    if release.state != ReleaseState.APPROVED:
        raise StatsRefused("not_approved")
    if file_format == "csv":
        content = outputs.to_csv(release)
    elif file_format == "xlsx":
        content = outputs.to_xlsx(release)
    else:
        others = list(ExternalFigure.objects.filter(active=True))
        content = outputs.to_pdf(release, others)
    content_type, suffix = FORMATS[file_format]
    record(user, Action.EXPORT, release, fields=[file_format])
    return content, content_type, f"table-{release.pk}.{suffix}"
