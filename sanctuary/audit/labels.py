"""The audit view in words: what an entry's record type and field codes are called in the
reader's language.

An entry stores codes (``object_type`` "people.person", ``fields`` ["alias",
"merged_from:12", "contacts.value"]), never values; the view shows them in words:

- a model's type by its ``Meta.verbose_name``, a model label ("stipends.PaymentLine", what a
  merge moved) by its ``verbose_name_plural``;
- a field by its ``verbose_name``; ``relation.field`` (a formset's field) by the related
  model's name and its field's;
- a code made of a name and a value, ``name:value`` ("merged_from:12", "state:draft->sent",
  "count:3"): the name in words, then the value: an id or a number as it is, a choice in
  words (from the field's choices or the label's), ``a->b`` as "a → b";
- codes that are no model or field (the vault, a list page's name, "searched", a refusal's
  code) by the labels apps declare, ``Stage.audit_labels`` in their ``module.py``.

A code nobody names is shown as stored (the auditor still needs it), and
``tests/audit/test_labels.py`` fails on it.
"""

from __future__ import annotations

import re
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _

from sanctuary.lib import stages
from sanctuary.lib.stages import AuditLabel

_NUMBER = re.compile(r"[0-9a-f]*[0-9][0-9a-f]*")  # ids, counts, hex keys


def declared() -> dict[str, AuditLabel]:
    """Every label the apps declare, by code."""
    found: dict[str, AuditLabel] = {}
    for stage in stages.stages():
        for code, label in stage.audit_labels.items():
            found[code] = label if isinstance(label, AuditLabel) else AuditLabel(label)
    return found


def model_of(code: str) -> type[models.Model] | None:
    if "." not in code or ":" in code:
        return None
    try:
        return apps.get_model(code)
    except (LookupError, ValueError):
        return None


def model_name(model: type[models.Model], plural: bool = False) -> str | None:
    """The model's own translated name, or None when it gives itself none."""
    key = "verbose_name_plural" if plural else "verbose_name"
    named = model._meta.original_attrs.get(key)
    return str(named) if named else None


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _field_name(model: type[models.Model] | None, name: str, table: dict[str, AuditLabel]) -> str | None:
    """A field (or relation) of ``model`` in words, or a declared label (``"<model>.<field>"``
    for one model's field, or the bare code)."""
    found = _field(model, name)
    if found is not None:
        given = getattr(found, "_verbose_name", None)
        if given:
            return str(given)
        scoped = f"{model._meta.label_lower}.{name}" if model is not None else ""
        if scoped in table:
            return str(table[scoped].label)
        if found.is_relation and not found.concrete and found.related_model is not None:
            named = model_name(found.related_model, plural=found.one_to_many or found.many_to_many)
            if named:
                return named
    if name in table:
        return str(table[name].label)
    target = model_of(name)
    if target is not None:
        return model_name(target, plural=True)
    return None


def _value_in_words(model: type[models.Model] | None, name: str, value: str, table: dict[str, AuditLabel]) -> str:
    """The value part of ``name:value``: an id as it is, a choice in words, ``a->b`` as a → b."""
    if "->" in value:
        return " → ".join(_value_in_words(model, name, part, table) for part in value.split("->"))
    if _NUMBER.fullmatch(value):
        return value
    choices = table[name].choices if name in table and table[name].choices is not None else None
    if choices is None:
        found = _field(model, name)
        choices = getattr(found, "choices", None) if found is not None else None
    if choices:
        labels = {str(code): label for code, label in getattr(choices, "choices", choices)}
        if value in labels:
            return str(labels[value])
    full = f"{name}:{value}"
    if full in table:
        return str(table[full].label)
    if value in table:
        return str(table[value].label)
    named = model_of(value)
    if named is not None:
        return model_name(named) or value
    return value


def field_label(model: type[models.Model] | None, code: str, table: dict[str, AuditLabel] | None = None) -> str:
    """One field code of an entry about ``model`` in words (as stored when nothing names it)."""
    table = declared() if table is None else table
    if code in table:
        return str(table[code].label)
    if ":" in code:
        name, value = code.split(":", 1)
        named = _field_name(model, name, table)
        if named is not None:
            words = _value_in_words(model, name, value, table)
            return f"{named} {words}" if _NUMBER.fullmatch(value) else f"{named}: {words}"
        return code
    if "." in code and model_of(code) is None:
        relation, rest = code.split(".", 1)
        found = _field(model, relation)
        related = found.related_model if found is not None and found.is_relation else None
        outer = _field_name(model, relation, table)
        inner = _field_name(related, rest, table) if related is not None else None
        if outer and inner:
            return f"{outer}: {inner}"
        return code
    return _field_name(model, code, table) or code


def field_labels(object_type: str, codes: list[str]) -> list[str]:
    table = declared()
    model = model_of(object_type)
    return [field_label(model, str(code), table) for code in codes]


def type_label(object_type: str, table: dict[str, AuditLabel] | None = None) -> str:
    """An entry's record type in words (as stored when nothing names it)."""
    table = declared() if table is None else table
    if object_type in table:
        return str(table[object_type].label)
    model = model_of(object_type)
    named = model_name(model) if model is not None else None
    return named or object_type


def record_label(object_type: str, object_id: str) -> str:
    """The record in words: "person 301", "the vault: wrong key", "list of people, page 2"."""
    table = declared()
    kind = type_label(object_type, table) if object_type else ""
    object_id = str(object_id or "")
    if not object_id:
        return kind
    if ":" in object_type and object_id.isdigit():  # a list page (its URL name): which page
        return _("%(list)s, page %(page)s") % {"list": kind, "page": object_id}
    if _NUMBER.fullmatch(object_id):
        return f"{kind} {object_id}".strip()
    words = _value_in_words(model_of(object_type), object_type, object_id, table)
    if ":" in object_id and words == object_id:
        words = field_label(None, object_id, table)
    return f"{kind}: {words}" if kind else words
