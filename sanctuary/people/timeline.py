"""What a step on the person timeline says, in the reader's language.

A step (``PersonEvent``) stores what happened as message codes and their parameters, never
as a sentence in the language of whoever wrote it: ``message("people.merged_with",
case_code="2026-0002")``. The sentence is made when the step is read, from the message the
core or a stage declared (``sanctuary.lib.stages.TimelineMessage``, in each ``module.py``), in
the active language. A code nobody declares any more (its stage was removed) reads as a
neutral sentence, never as the code, and never fails the page.

The stored value is encrypted like the note (``PersonEvent.message`` is an
``EncryptedTextField``): a code says what happened to someone ("detained by the
authorities"), and a seized disk must not tell it. Parameters are codes, case codes, dates
and counts: never a name or typed text (typed text is the step's ``note``, shown as typed).

Steps written before messages existed carry their sentence in the note, in the language of
whoever wrote it. :func:`convert_old_notes` turns the ones it recognises into messages. It
needs the keys (the note is encrypted), so it cannot be a data migration, which runs while
the vault is sealed and must not import app code: it runs at every unseal, in the server
process that holds the keys, and has nothing left to do after the first (see ``apps.py``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from sanctuary.lib import stages
from sanctuary.vault.fields import is_placeholder

if TYPE_CHECKING:
    from sanctuary.people.models import PersonEvent

log = logging.getLogger(__name__)

# What a step says when its message is not declared (the stage that wrote it was removed).
UNKNOWN = _("A step recorded by a module that is no longer in use.")

Line = tuple[str, dict[str, Any]]

# The parameter saying which earlier sentence (``TimelineMessage.legacy``) a converted note was.
LEGACY = "_legacy"


def _param(value: Any) -> Any:
    """A parameter as stored: a code, a case code, a count, a date (as YYYY-MM-DD) or a list of
    codes. Anything else is a mistake of the caller, refused loudly."""
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, str | int) for v in value):
        return list(value)
    raise TypeError(f"a timeline parameter is a code, a number or a date, not {type(value).__name__}")


def encode(lines: Iterable[tuple[str, Mapping[str, Any]]]) -> str:
    """What ``PersonEvent.message`` stores for these messages (one step may say several
    things: a merge says whom it merged, then what each stage did)."""
    stored = [[code, {name: _param(v) for name, v in sorted(params.items())}] for code, params in lines]
    return json.dumps(stored, ensure_ascii=False, separators=(",", ":")) if stored else ""


def message(code: str, /, **params: Any) -> str:
    """One message, ready for ``PersonEvent(message=...)``."""
    return encode([(code, params)])


def decode(stored: Any) -> list[Line]:
    """The messages of a stored value; ``[]`` for none, or for a value that is not ours."""
    if not stored or not isinstance(stored, str):
        return []
    try:
        data = json.loads(stored)
    except ValueError:
        return []
    if not isinstance(data, list):
        return []
    lines = []
    for item in data:
        if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) and isinstance(item[1], dict):
            lines.append((item[0], item[1]))
        else:
            lines.append(("", {}))  # read as the neutral sentence
    return lines


def render(code: str, params: Mapping[str, Any]) -> str:
    """One message in the active language; the neutral sentence for an unknown code or a
    parameter the message does not expect. A step converted from an old note says the
    earlier sentence it was written with (``LEGACY``)."""
    declared = stages.timeline_message(code)
    if declared is None:
        return str(UNKNOWN)
    text = declared.text
    earlier = params.get(LEGACY)
    if earlier is not None:
        if not isinstance(earlier, int) or not 0 <= earlier < len(declared.legacy):
            return str(UNKNOWN)
        text = declared.legacy[earlier]
    shown: dict[str, Any] = {}
    for name, value in params.items():
        how = declared.params.get(name)
        if name == LEGACY:
            continue
        if how is not None:
            shown[name] = how.show(value)
        elif isinstance(value, list):
            shown[name] = ", ".join(str(v) for v in value) or "—"
        elif isinstance(value, int):
            shown[name] = value  # a count: a plural message chooses its form by it
        else:
            shown[name] = "—" if value is None else str(value)
    try:
        return str(text % shown)
    except (KeyError, ValueError, TypeError):
        return str(UNKNOWN)


def lines_of(event: PersonEvent) -> list[str]:
    """What the step says, one sentence per message, in the active language: the status it
    moved between (a clear column, readable while sealed), then its messages. While sealed the
    messages read as the vault's notice."""
    said = []
    if event.status_to and event.status_from and event.status_from != event.status_to:
        said.append(f"{event.get_status_from_display()} → {event.get_status_to_display()}")
    elif event.status_to and not event.status_from:
        said.append(str(event.get_status_to_display()))
    stored = event.message
    if is_placeholder(stored):
        said.append(str(stored))
    else:
        said.extend(render(code, params) for code, params in decode(stored))
    return said


# --- Notes written before messages ------------------------------------------------------------

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _pattern(template: str) -> re.Pattern[str] | None:
    """A regular expression matching ``template`` filled in, each placeholder a named group."""
    parts, names, last = [], set(), 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[last : match.start()].replace("%%", "%")))
        name = match.group(1)
        if name in names:
            return None
        names.add(name)
        parts.append(f"(?P<{name}>.+?)")
        last = match.end()
    parts.append(re.escape(template[last:].replace("%%", "%")))
    return re.compile("".join(parts), re.DOTALL)


def _parse_with(declared: stages.TimelineMessage, text: str) -> Line | None:
    for lang, _name in settings.LANGUAGES:
        with translation.override(lang):
            own = [(str(t), None) for t in (declared.text, *declared.forms)]
            templates = own + [(str(t), index) for index, t in enumerate(declared.legacy)]
        for template, earlier in templates:
            pattern = _pattern(template) if template else None
            match = pattern.fullmatch(text) if pattern else None
            if match is None:
                continue
            params: dict[str, Any] = {} if earlier is None else {LEGACY: earlier}
            with translation.override(lang):
                for name, value in match.groupdict().items():
                    how = declared.params.get(name)
                    parsed = how.parse(value) if how is not None else (int(value) if value.isdigit() else value)
                    if parsed is None:
                        break
                    params[name] = parsed
                else:
                    return declared.code, params
    return None


def parse(text: str, candidates: Sequence[stages.TimelineMessage]) -> Line | None:
    """The message (code and parameters) whose sentence ``text`` is, in any language."""
    text = text.strip()
    for declared in candidates:
        found = _parse_with(declared, text)
        if found is not None:
            return found
    return None


def convert_note(kind: str, note: str) -> tuple[str, str] | None:
    """(message, note left) for an old note of a step of ``kind``, or None when it is not one
    the code wrote (then it stays a note, shown as typed). A merge's note has the merge on
    its first line and each stage's line after it; a line not recognised stays in the note."""
    from sanctuary.people.models import EventKind

    declared = stages.timeline_messages()
    if kind == EventKind.MERGED:
        first, *rest = note.splitlines() or [""]
        head = parse(first, [declared[c] for c in ("people.merged_with", "people.merged_into") if c in declared])
        if head is None:
            return None
        lines, left = [head], []
        everyone = list(declared.values())
        for line in rest:
            if not line.strip():
                continue
            found = parse(line, everyone)
            if found is None:
                left.append(line)
            else:
                lines.append(found)
        return encode(lines), "\n".join(left)
    app = stages.timeline_kind_app(kind)
    if app is None:
        return None
    own = [m for code, m in declared.items() if code.startswith(f"{app}.")]
    found = parse(note, own)
    return (encode([found]), "") if found is not None else None


def convert_old_notes() -> int:
    """Turn the notes the code wrote before messages existed into messages; notes typed by
    users (status changes and notes) are never looked at. Needs the keys: run at unseal.
    Returns how many steps were converted."""
    from sanctuary.audit.log import record
    from sanctuary.audit.models import Action
    from sanctuary.people.models import EventKind, PersonEvent

    typed = (EventKind.STATUS, EventKind.NOTE, EventKind.CREATED, EventKind.UPDATED)
    converted = 0
    rows = PersonEvent.objects.filter(message="").exclude(note="").exclude(kind__in=typed).select_related("person")
    for event in rows.iterator():
        note = event.note
        if is_placeholder(note):
            continue
        done = convert_note(event.kind, str(note))
        if done is None:
            continue
        event.message, event.note = done
        event.save(update_fields=["message", "note"])
        converted += 1
    if converted:
        record(None, Action.UPDATE, object_type="people.personevent", fields=["message", "note"], username="vault")
        log.info("timeline: %d old notes converted to messages", converted)
    return converted
