"""Days left, said the way a case worker reads them: "12 days left to find a new employer",
"3 days over", "expires in 20 days", with plurals from the user's language (``ngettext``),
so a count of one is never "1 days"."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext, ngettext

register = template.Library()


@register.filter
def employer_clock(days: int | None) -> str:
    if days is None:
        return ""
    if days < 0:
        return ngettext("%(n)d day over", "%(n)d days over", -days) % {"n": -days}
    return ngettext("%(n)d day left to find a new employer", "%(n)d days left to find a new employer", days) % {
        "n": days
    }


@register.filter
def expiry(days: int | None) -> str:
    if days is None:
        return gettext("no expiry date")
    if days < 0:
        return ngettext("expired %(n)d day ago", "expired %(n)d days ago", -days) % {"n": -days}
    if days == 0:
        return gettext("expires today")
    return ngettext("expires in %(n)d day", "expires in %(n)d days", days) % {"n": days}
