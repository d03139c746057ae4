"""The audit view shows words, never codes (issue 16): every model names itself and every
field has a name, in Burmese and Thai; the codes the log writes that are no model or field
(pseudo-fields, list pages, refusals, ids in a code) are named by the app that writes them;
and every entry the stages write while they work reads in words."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation

from sanctuary.audit import labels
from sanctuary.audit.log import record
from sanctuary.audit.models import Action, AuditEntry
from sanctuary.vault.fields import BlindIndexField
from tests.factories import PersonFactory
from tests.test_no_english_pages import english_words, raw_codes


def _ours() -> list[Any]:
    return [m for m in apps.get_models() if m.__module__.startswith("sanctuary.")]


def _in_words(text: str, code: str) -> bool:
    return text != code and not english_words(text, [])


@pytest.mark.parametrize("lang", ["my", "th"])
def test_every_model_names_itself(lang: str) -> None:
    """A translated ``verbose_name`` and ``verbose_name_plural`` of its own, not Django's
    made-up English one."""
    missing = []
    for model in _ours():
        for key in ("verbose_name", "verbose_name_plural"):
            given = model._meta.original_attrs.get(key)
            with translation.override("en"):
                english = str(given) if given else ""
            with translation.override(lang):
                said = str(given) if given else ""
            if not given or not _in_words(said, model._meta.label) or said == english:
                missing.append(f"{model._meta.label}.{key}: {said!r}")
    assert missing == []


@pytest.mark.parametrize("lang", ["my", "th"])
def test_every_field_has_a_name(lang: str) -> None:
    """Every field an entry may name (all but the surrogate keys and the blind indexes, which
    are never audited) reads in words."""
    missing = []
    with translation.override(lang):
        table = labels.declared()
        for model in _ours():
            kind = model._meta.label_lower
            for field in [*model._meta.concrete_fields, *model._meta.many_to_many]:
                if field.primary_key or field.name == "uid" or isinstance(field, BlindIndexField):
                    continue
                said = labels.field_label(kind, field.name, table)
                if not _in_words(said, field.name):
                    missing.append(f"{kind}.{field.name}: {said!r}")
    assert missing == []


def _codes_written() -> set[str]:
    """Every audit code the code writes as a literal: the strings in ``fields=[...]`` of the
    calls that write entries, and the names before ":" of the codes made with a value
    (f"merged_from:{pk}")."""
    found: set[str] = set()
    writers = {"record", "audit", "record_list", "custody"}
    for path in Path(settings.BASE_DIR, "sanctuary").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in writers:
                continue
            items: list[ast.expr] = list(node.args[3:]) if name == "custody" else []
            for keyword in node.keywords:
                if keyword.arg == "fields":
                    items.append(keyword.value)
                if keyword.arg == "username" and isinstance(keyword.value, ast.Constant):
                    found.add(f"system.{keyword.value.value}")  # the system acting: a command, the vault
            for item in items:
                found |= _literals(item)
    return found


def _literals(node: ast.AST) -> set[str]:
    """The codes an expression writes: its strings, and the name before ":" of an f-string."""
    if isinstance(node, ast.JoinedStr):
        head = node.values[0] if node.values else None
        if isinstance(head, ast.Constant) and str(head.value).endswith(":"):
            return {str(head.value)[:-1]}
        return set()
    if isinstance(node, ast.Constant):
        return {node.value.split(":")[0]} if isinstance(node.value, str) and node.value else set()
    return {code for child in ast.iter_child_nodes(node) for code in _literals(child)}


def test_every_code_the_code_writes_has_a_name() -> None:
    """A code written to the log as a literal is a field of some model with a name, or a code
    an app names (``Stage.audit_labels``), for some record type, and the system's actors
    (``username="vault"``) are named too: a new pseudo-field without a name fails here,
    before anyone reads the log."""
    codes = _codes_written()
    assert {"merged_records", "merged_from", "searched", "roll_call", "presave", "+role", "system.vault"} <= codes
    table = labels.declared()
    named_fields = {
        f.name for m in _ours() for f in [*m._meta.get_fields()] if getattr(f, "_verbose_name", None) or f.is_relation
    }

    def named(code: str) -> bool:
        return (
            code in table
            or any(key.endswith(f".{code}") for key in table)
            or code in named_fields
            or labels.model_of(code) is not None
        )

    # "lines.status": a relation's field, each part named.
    unnamed = sorted(code for code in codes if not named(code) and not all(map(named, code.split("."))))
    assert unnamed == []


@pytest.mark.django_db
def test_the_stages_entries_read_in_words(users_by_role: Any, person_a: Any, team_a: Any) -> None:
    """The access matrix's world (every stage at work), a merge, a refused contact and the
    vault's own entries: every record and field of every entry reads in Burmese words."""
    from sanctuary.people.merge import do_merge
    from tests.accounts.test_access_matrix import _world

    _world(team_a, person_a, users_by_role)
    do_merge(users_by_role["director"], PersonFactory(team=team_a), PersonFactory(team=team_a))
    record(None, Action.UNSEAL_REFUSED, object_type="vault", object_id="wrong_key")
    record(None, Action.UNSEAL_REFUSED, object_type="vault", object_id="flood", fields=["index:2"])
    record(None, Action.CREATE, object_type="contact.refused", object_id="relative:3", fields=["never"])
    problems = []
    entries = AuditEntry.objects.all()
    assert entries.count() > 50
    with translation.override("my"):
        for entry in entries:
            shown = [entry.record_label(), *entry.field_labels()]
            codes = [entry.object_type, entry.object_id, *entry.fields]
            if english_words(" ".join(shown), []) or any(code in shown for code in codes if not code.isdigit()):
                problems.append(f"{entry.object_type} {entry.object_id} {entry.fields}: {shown}")
    assert problems == []


@pytest.mark.django_db
def test_the_audit_view_shows_a_merge_in_words(make_user: Any, login: Any, team_a: Any) -> None:
    from sanctuary.people.merge import do_merge

    kept, folded = PersonFactory(team=team_a), PersonFactory(team=team_a)
    do_merge(make_user("director"), kept, folded)
    record(None, Action.UNSEAL_REFUSED, object_type="vault", object_id="wrong_key")
    page = login(make_user("auditor", language="my")).get("/audit/").content.decode()
    assert raw_codes(page) == []
    assert f"ပေါင်းစည်းလာသည့် မှတ်တမ်း {folded.pk}" in page  # merged_from:<id>
    assert f"ပေါင်းစည်းသွားသည့် မှတ်တမ်း {kept.pk}" in page  # merged_into:<id>
    assert "သော့သေတ္တာ: သော့သေတ္တာကို မဖွင့်နိုင်ခဲ့သော သော့အပိုင်းများ" in page  # the vault: wrong_key
    assert "merged_from" not in page and "wrong_key" not in page
    # The walk's check finds a code shown as stored (as this page showed them before).
    assert raw_codes(f"<table><td>merged_from:{folded.pk}</td><td>people.person {kept.pk}</td></table>") == [
        f"merged_from:{folded.pk}",
        "people.person",
    ]


def test_codes_with_values_relations_and_lists_in_words() -> None:
    with translation.override("en"):
        assert labels.field_labels("people.person", ["merged_from:12", "case_worker:5", "contacts.value"]) == [
            "merged from record 12",
            "case worker 5",
            "contacts: number or handle",
        ]
        assert labels.field_labels("accounts.user", ["+role:director", "count:3"]) == [
            "role given: Director",
            "times 3",
        ]
        assert labels.field_labels("outreach.outreachcontact", ["state:active->stopped", "word:stop"]) == [
            "state: Active → Stopped (opted out)",
            "word texted back: STOP",
        ]
        assert labels.field_labels("people.person", ["stipends.PaymentLine"]) == ["payments"]
        assert labels.record_label("people:list", "2", "list") == "person list, page 2"
        assert labels.record_label("contact.refused", "relative:12") == "contact refused: relative 12"
        # A code nobody names stays as stored: the auditor still sees what was written.
        assert labels.field_labels("people.person", ["made_up_code"]) == ["made_up_code"]
        assert labels.record_label("nothing.known", "7") == "nothing.known 7"
