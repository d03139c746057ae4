"""Statistics, as the core sees it: the access modules, the navigation entry (with the
releases waiting for a second person), and the demo's table definition and a figure others
published. The figures themselves are declared by the stages that own them."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanctuary.accounts.policy import can_use
from sanctuary.lib.stages import Access, NavEntry, Stage, register
from sanctuary.stats import actions
from sanctuary.stats.models import (
    STATS,
    STATS_PUBLISH,
    Counted,
    Dimension,
    ExternalFigure,
    Release,
    ReleaseState,
    TableDefinition,
)


def _waiting(user: Any) -> int:
    """Releases someone else proposed, waiting for this publisher."""
    if not can_use(user, STATS_PUBLISH):
        return 0
    return Release.objects.visible_to(user).filter(state=ReleaseState.PROPOSED).exclude(proposed_by=user).count()


def _demo(demo: Any) -> None:
    """A table of arrivals by force and quarter over the last four whole quarters, and the
    figure People's Embrace published in 2024 (added once)."""
    if TableDefinition.objects.exists():
        return
    director = demo.users["director"]
    today = timezone.localdate()
    quarter_start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    first = date(quarter_start.year - 1, quarter_start.month, 1)
    actions.do_save_table(
        director,
        TableDefinition(
            title_my="တပ်ဖွဲ့အလိုက် ရောက်ရှိသူများ (သုံးလပတ်အလိုက်)",
            title_en="Arrivals by force and quarter",
            title_th="ผู้มาถึงตามเหล่าทัพและไตรมาส",
            counted=Counted.ARRIVED,
            rows=Dimension.FORCE,
            columns=Dimension.QUARTER,
            first=first,
            last=quarter_start - date.resolution,
        ),
    )
    actions.do_add_external_figure(
        director,
        ExternalFigure(
            count=12341,
            what="military and police personnel who joined the Civil Disobedience Movement",
            breakdown="3,015 soldiers, 9,326 police",
            as_of="mid-2024",
            source="People's Embrace",
            via="The Irrawaddy",
            published_on=date(2024, 7, 5),
            retrieved_on=max(date(2024, 7, 5), min(today, date(2025, 1, 10))),
        ),
    )


# Audit codes of statistics that are no field, in words: the file a release was downloaded as.
AUDIT_LABELS = {
    "stats.release.csv": _("CSV file"),
    "stats.release.xlsx": _("XLSX file"),
    "stats.release.pdf": _("PDF file"),
}


register(
    Stage(
        app="stats",
        audit_labels=AUDIT_LABELS,
        access=(
            Access(STATS, _("The statistics dashboard and approved published tables")),
            Access(STATS_PUBLISH, _("Published tables: define, propose and approve releases; others' figures")),
        ),
        nav=(NavEntry(url="stats:index", label=_("Statistics"), module=STATS, badge=_waiting, order=90),),
        demo=_demo,
        demo_order=90,
    )
)
