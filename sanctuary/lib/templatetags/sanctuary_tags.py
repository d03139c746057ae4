"""Template helpers: one way to render a form field everywhere."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.http import HttpRequest
from django.utils.http import urlencode

from sanctuary.lib.forms import ZAWGYI_CHOICE_SUFFIX

register = template.Library()


@register.inclusion_tag("_field.html")
def field(bound: forms.BoundField, **attrs: Any) -> dict[str, Any]:
    """Label, input, help, errors and — when unsure about Zawgyi — the "Did you mean" choice."""
    form = bound.form
    suggestion = getattr(form, "zawgyi_questions", {}).get(bound.name)
    widget = bound.field.widget
    return {
        "field": bound,
        "is_checkbox": isinstance(widget, forms.CheckboxInput),
        "is_multi": isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect),
        "zawgyi_suggestion": suggestion,
        "zawgyi_name": bound.html_name + ZAWGYI_CHOICE_SUFFIX,
        "attrs": attrs,
    }


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (for pagination links)."""
    request: HttpRequest = context["request"]
    params: dict[str, str] = {key: str(value) for key, value in request.GET.items()}
    params.update({key: str(value) for key, value in changes.items()})
    return "?" + urlencode(sorted((k, v) for k, v in params.items() if v))
