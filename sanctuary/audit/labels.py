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
- codes that are no model or field (the vault, a list page's URL name, "searched", a
  refusal's code) by the labels apps declare in their ``module.py`` (``Stage.audit_labels``):
  ``"<type>.<code>"`` for a code of one record type (``"contact.refused.never"``,
  ``"people.person.merged_from"``), or the bare code for every type;
- the system's own actors (a command, the vault) by ``"system.<name>"``.

A code nobody names is shown as stored (an auditor still needs it);
``tests/audit/test_labels.py`` fails on one.
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

Table = dict[str, AuditLabel]


def declared() -> Table:
    """Every label the apps declare, by code."""
    found: Table = {}
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
    named = model._meta.original_attrs.get("verbose_name_plural" if plural else "verbose_name")
    return str(named) if named else None


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _declared(table: Table, kind: str, code: str) -> AuditLabel | None:
    """The label declared for ``code`` on records of type ``kind``, else for every type."""
    return table.get(f"{kind}.{code}") or table.get(code)


def _name(kind: str, name: str, table: Table) -> str | None:
    """A field (or relation) of the records of type ``kind`` in words, a declared label, or
    a model named by its label (what a merge moved); None when nothing names it."""
    model = model_of(kind)
    found = _field(model, name)
    if found is not None:
        given = getattr(found, "_verbose_name", None)
        if given:
            return str(given)
    label = _declared(table, kind, name)
    if label is not None:
        return str(label.label)
    if found is not None and found.is_relation and not found.concrete and found.related_model is not None:
        named = model_name(found.related_model, plural=found.one_to_many or found.many_to_many)
        if named:
            return named
    target = model_of(name)
    if target is not None:
        return model_name(target, plural=True)
    return None


def _value(kind: str, name: str, value: str, table: Table) -> str:
    """The value part of ``name:value``: an id as it is, a choice in words, ``a->b`` as a → b."""
    if "->" in value:
        return " → ".join(_value(kind, name, part, table) for part in value.split("->"))
    if _NUMBER.fullmatch(value):
        return value
    label = _declared(table, kind, f"{name}:{value}")
    if label is not None:
        return str(label.label)
    declared_label = _declared(table, kind, name)
    choices = declared_label.choices if declared_label is not None else None
    if choices is None:
        found = _field(model_of(kind), name)
        choices = getattr(found, "choices", None) if found is not None else None
    if choices:
        labels = {str(code): label for code, label in getattr(choices, "choices", choices)}
        if value in labels:
            return str(labels[value])
    named = model_of(value)
    if named is not None:
        return model_name(named) or value
    return value


def field_label(kind: str, code: str, table: Table | None = None) -> str:
    """One field code of an entry about records of type ``kind`` in words (as stored when
    nothing names it)."""
    table = declared() if table is None else table
    whole = _declared(table, kind, code)
    if whole is not None and ":" in code:
        return str(whole.label)  # a code with its value, named as a whole ("refused:limit")
    if ":" in code:
        name, value = code.split(":", 1)
        named = _name(kind, name, table)
        if named is None:
            return code
        words = _value(kind, name, value, table)
        return f"{named} {words}" if _NUMBER.fullmatch(value) else f"{named}: {words}"
    named = _name(kind, code, table)
    if named is not None:
        return named
    if "." in code:
        relation, rest = code.split(".", 1)
        found = _field(model_of(kind), relation)
        related = found.related_model if found is not None and found.is_relation else None
        outer = _name(kind, relation, table)
        inner = _name(related._meta.label_lower, rest, table) if related is not None else None
        if outer and inner:
            return f"{outer}: {inner}"
    return code


def field_labels(object_type: str, codes: list[str]) -> list[str]:
    table = declared()
    kind = object_type.lower()
    return [field_label(kind, str(code), table) for code in codes]


def type_label(object_type: str, table: Table | None = None) -> str:
    """An entry's record type in words (as stored when nothing names it)."""
    table = declared() if table is None else table
    label = table.get(object_type)
    if label is not None:
        return str(label.label)
    model = model_of(object_type)
    named = model_name(model) if model is not None else None
    return named or object_type


def actor_label(actor_id: int | None, username: str) -> str:
    """Who acted: a staff member by their username, as they chose it; the system's own
    actors (a command, the vault, a job: entries with no user) by what they are, declared as
    ``"system.<name>"``."""
    if actor_id is None and username:
        label = declared().get(f"system.{username}")
        if label is not None:
            return str(label.label)
    return username


def record_label(object_type: str, object_id: str, action: str = "") -> str:
    """The record in words: "person 301", "the vault: wrong key", "person list, page 2"."""
    table = declared()
    kind = type_label(object_type, table) if object_type else ""
    object_id = str(object_id or "")
    if not object_id:
        return kind
    if (action == "list" or ":" in object_type) and object_id.isdigit():  # a list page: which page
        return _("%(list)s, page %(page)s") % {"list": kind, "page": object_id}
    if _NUMBER.fullmatch(object_id):
        return f"{kind} {object_id}".strip()
    label = _declared(table, object_type.lower(), object_id)  # a code ("vault.wrong_key")
    if label is not None:
        words = str(label.label)
    elif ":" in object_id:  # a reference ("relative:12")
        words = field_label(object_type.lower(), object_id, table)
    else:
        words = object_id
    return f"{kind}: {words}" if kind else words
