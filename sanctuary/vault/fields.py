"""Encrypted model fields and blind indexes.

``EncryptedTextField`` stores ``s1.<key version>.<base64(nonce|ciphertext|tag)>``. The
associated data is ``<table>|<field>|<row uid>``: a value copied to another row or field
does not decrypt. The row uid (``EncryptedModel.uid``) exists before the row is inserted,
unlike the primary key, so the value can be encrypted on the first save.

A row that belongs to another (a person's phone, household member, timeline step, document
or vetting note; a journey's stage) names its parent in ``VAULT_PARENT``: the parent's uid is
in the associated data too (stored as ``s2.…``), so a database writer who points the row at
another person gets a value that no longer decrypts. Moving such a row on purpose (a merge)
goes through :func:`rebind_to_parent`, which encrypts it again for its new parent.

Values are decrypted lazily, on attribute access, because only then is the row known
(``from_db_value`` does not see the instance). While sealed, an attribute reads as
``SEALED``; a value that does not decrypt reads as ``UNREADABLE``. Both render as a short
notice, so a page still renders. Neither can be saved back.

Plain text never reaches the database by another path: ``get_db_prep_value`` refuses any
value that did not come out of ``pre_save`` (so ``QuerySet.update(alias=...)``,
``bulk_update`` and ``filter(alias=...)`` fail loudly instead of storing or comparing
plain text). Search works through blind indexes instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from sanctuary.vault import crypto, state


class Ciphertext(str):
    """A stored value as read from the database, not yet decrypted."""


class _Encrypted(str):
    """A value encrypted by ``pre_save``, on its way to the database."""


class _Placeholder:
    label: Any = ""
    css = ""

    def __str__(self) -> str:
        return str(self.label)

    def __bool__(self) -> bool:
        return True

    def __html__(self) -> str:
        from django.utils.html import format_html

        return format_html('<span class="{}">{}</span>', self.css, str(self.label))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self))

    def __hash__(self) -> int:
        return hash(type(self))


class Sealed(_Placeholder):
    label = _("🔒 sealed")
    css = "sealed"


class Unreadable(_Placeholder):
    label = _("⚠ unreadable (altered or moved)")
    css = "unreadable"


SEALED = Sealed()
UNREADABLE = Unreadable()


def is_placeholder(value: object) -> bool:
    return isinstance(value, _Placeholder)


class EncryptedQuerySet(models.QuerySet[Any]):
    """Refuses ``update()`` of an encrypted field with anything but a value from pre_save or
    the database: expressions such as ``Value("x")`` would otherwise store plain text."""

    def update(self, **kwargs: Any) -> int:
        for name, value in kwargs.items():
            field = self.model._meta.get_field(name)
            if isinstance(field, EncryptedTextField) and not (
                value in (None, "") or isinstance(value, _Encrypted | Ciphertext)
            ):
                raise TypeError(f"{self.model.__name__}.{name} is encrypted: update it through save()")
        return super().update(**kwargs)


class EncryptedModel(models.Model):
    """Base for models with encrypted fields: gives each row a uid known before insert.

    ``VAULT_PARENT``: the path to the row this one belongs to (``"person"``, or
    ``"stay.person"``), whose uid is bound into the associated data of every encrypted value.
    """

    VAULT_PARENT: ClassVar[str] = ""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    objects = EncryptedQuerySet.as_manager()

    class Meta:
        abstract = True

    def vault_parent_uid(self) -> str:
        """The uid of the parent row named by ``VAULT_PARENT`` ("" when there is none)."""
        if not self.VAULT_PARENT:
            return ""
        target: Any = self
        for part in self.VAULT_PARENT.split("."):
            target = getattr(target, part)
        return str(target.uid)


class _EncryptedDescriptor:
    def __init__(self, field: EncryptedTextField) -> None:
        self.field = field

    def __get__(self, instance: models.Model | None, owner: type) -> Any:
        if instance is None:
            return self
        attname = self.field.attname
        raw = instance.__dict__.get(attname)
        if isinstance(raw, Ciphertext):
            try:
                ring = state.keyring()
            except state.VaultSealed:
                return SEALED
            aad = self.field.aad(instance, stored=raw)
            try:
                plain = ring.decrypt(raw, aad).decode("utf-8")
            except crypto.DecryptError:
                return UNREADABLE
            # Keep the ciphertext too: saving an unchanged value in the same place must not
            # re-encrypt it.
            instance.__dict__[attname] = plain
            instance.__dict__.setdefault("_vault_loaded", {})[attname] = (plain, raw, aad)
            return plain
        return raw

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    """A text value stored encrypted. Empty stays empty (only emptiness is visible).

    ``max_length`` applies to the plain text, in forms; the column holds the ciphertext.
    """

    descriptor_class = _EncryptedDescriptor  # type: ignore[assignment]

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        from django import forms

        if self.max_length is not None and self.max_length <= 300:
            # Short values (names, numbers) get a one-line input, as a CharField would.
            return models.Field.formfield(
                self, **{"form_class": forms.CharField, "max_length": self.max_length, **kwargs}
            )
        return super().formfield(**{"widget": forms.Textarea, **kwargs})

    def aad(self, instance: models.Model, stored: str | None = None) -> bytes:
        """The associated data of this field of ``instance``: bound to its parent row, unless
        ``stored`` is a value written before parents were bound (``s1`` in a bound model)."""
        parent = ""
        if getattr(instance, "VAULT_PARENT", "") and (stored is None or crypto.is_bound(stored)):
            parent = instance.vault_parent_uid()  # type: ignore[attr-defined]
        return crypto.aad_for(instance._meta.db_table, self.name, str(instance.uid), parent)  # type: ignore[attr-defined]

    def prefix(self, instance: models.Model) -> str:
        return crypto.BOUND_PREFIX if getattr(instance, "VAULT_PARENT", "") else crypto.PREFIX

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return Ciphertext(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname)
        if value is None or value == "":
            return value
        if isinstance(value, Ciphertext):
            return _Encrypted(value)
        if is_placeholder(value):
            raise state.VaultSealed("a sealed or unreadable value cannot be saved")
        aad = self.aad(model_instance)
        loaded = model_instance.__dict__.get("_vault_loaded", {}).get(self.attname)
        if loaded is not None and loaded[0] == value and loaded[2] == aad:
            return _Encrypted(loaded[1])
        ring = state.keyring()
        return _Encrypted(ring.cipher.encrypt(str(value).encode("utf-8"), aad, prefix=self.prefix(model_instance)))

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None or value == "" or isinstance(value, _Encrypted | Ciphertext):
            return str(value) if value is not None else None
        raise TypeError(f"{self.model.__name__}.{self.name} is encrypted: plain values cannot be stored or compared")

    def to_python(self, value: Any) -> Any:
        return value

    def value_to_string(self, obj: models.Model) -> str:
        return ""  # serialisation (dumpdata, fixtures) never writes plain text

    def get_lookup(self, lookup_name: str) -> Any:
        # Only lookups that compare whole stored values make sense on ciphertext; the
        # others (icontains, startswith …) would silently compare plain text to ciphertext.
        if lookup_name not in {"exact", "isnull", "in"}:
            return None
        return super().get_lookup(lookup_name)


class BlindIndexField(models.CharField):
    """Keyed HMAC of a normalised source field, for exact lookups on encrypted values.

    Computed in ``pre_save`` from the plain value being saved; an unchanged (still
    encrypted) source keeps its index. An empty source gives an empty index.
    """

    def __init__(
        self,
        *args: Any,
        source: str = "",
        normaliser: Callable[[str], str] | None = None,
        purpose: str = "",
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        self.source = source
        self.normaliser = normaliser
        self.purpose = purpose
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = model_instance.__dict__.get(self.source)
        if isinstance(value, Ciphertext) or is_placeholder(value):
            return getattr(model_instance, self.attname)
        index = index_for(self.purpose or self.source, value or "", self.normaliser)
        setattr(model_instance, self.attname, index)
        return index


def index_for(purpose: str, value: str, normaliser: Callable[[str], str] | None = None) -> str:
    """The blind index of one value, or "" when it normalises to nothing."""
    normalised = normaliser(value) if normaliser else value.strip().lower()
    if not normalised:
        return ""
    return crypto.blind_index(state.index_key(), purpose, normalised)


def encrypted_fields_of(model: type[models.Model]) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def read_values(row: models.Model) -> dict[str, str]:
    """Every encrypted value of ``row``, decrypted; a value that cannot be read (sealed,
    altered) raises rather than being lost by a later save."""
    values = {}
    for field in encrypted_fields_of(type(row)):
        value = getattr(row, field.attname)
        if is_placeholder(value):
            raise state.VaultSealed(f"{type(row).__name__} {row.pk}: a value cannot be read")
        values[field.attname] = value
    return values


def write_values(row: models.Model, values: dict[str, str], also: tuple[str, ...] = ()) -> None:
    """Save ``values`` (from :func:`read_values`) back: ``pre_save`` encrypts each again when
    the row's place (its parent) changed, and keeps the stored ciphertext when it did not."""
    for attname, value in values.items():
        row.__dict__[attname] = value
    row.save(update_fields=[*also, *values])


def rebind_to_parent(row: EncryptedModel, parent: models.Model, field_name: str = "") -> None:
    """Point ``row`` at another parent and encrypt its values again for it: the one way a
    bound row changes hands (a file of the row is the caller's to re-encrypt)."""
    name = field_name or row.VAULT_PARENT.split(".")[0]
    values = read_values(row)  # decrypted with the old parent
    setattr(row, name, parent)
    write_values(row, values, also=(name,))
