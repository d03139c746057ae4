"""Which vault a backup belongs to, and whether its keys still may be used.

A backup carries its own wrapped data keys (the ``vault_datakey`` rows), so it opens with
the shares of the generation it was made under, whatever the live server did since. Two
things are checked against the vault of this deployment (the configured database), when it
has one and is not the database being restored into:

* **another vault**: a vault is known by when ``vault_init`` made it (``VaultConfig.created_at``,
  which rekeys and rotations never change); a backup of another vault is refused.
* **a destroyed key**: a rotation re-encrypts everything under a new data key and destroys
  the old one (``vault.keys.rotate``). A backup made before it (an older ``key_epoch``) still
  holds the old key; restoring it would bring back a key the organisation destroyed, so it is
  refused, naming the key versions and the shares it would take.

A rekey since the backup is not refused (no data key is destroyed), but the backup needs
the shares of its own generation: the report says which, by their first characters.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import DatabaseError
from django.utils import formats
from django.utils.translation import gettext as _

from sanctuary.backup.refusals import BackupRefused
from sanctuary.vault.shares import encode_share


def vault_id(created_at: datetime) -> str:
    stamp = created_at.astimezone(UTC).isoformat(timespec="microseconds")
    return hashlib.sha256(b"sanctuary vault|" + stamp.encode()).hexdigest()[:20]


def share_prefix(tag: bytes) -> str:
    """The first characters every share of a generation begins with (format version and
    most of the vault tag, ``vault.shares``): how key holders tell their old shares apart."""
    return encode_share(tag, 0, bytes(16))[:6]


@dataclass(frozen=True)
class KeyState:
    vault_id: str
    created_at: datetime
    generation: int
    key_epoch: int
    data_key_versions: tuple[int, ...]
    share_prefix: str

    def as_manifest(self) -> dict[str, Any]:
        return {
            "id": self.vault_id,
            "created_at": self.created_at.isoformat(),
            "generation": self.generation,
            "key_epoch": self.key_epoch,
            "data_key_versions": list(self.data_key_versions),
            "share_prefix": self.share_prefix,
        }

    @classmethod
    def from_manifest(cls, data: dict[str, Any]) -> KeyState:
        return cls(
            vault_id=str(data["id"]),
            created_at=datetime.fromisoformat(str(data["created_at"])),
            generation=int(data["generation"]),
            key_epoch=int(data["key_epoch"]),
            data_key_versions=tuple(int(v) for v in data["data_key_versions"]),
            share_prefix=str(data["share_prefix"]),
        )


def live() -> KeyState | None:
    """The vault of the configured database, or None (no vault, or no tables yet)."""
    from sanctuary.vault.models import DataKey, KeyPurpose, VaultConfig

    try:
        cfg = VaultConfig.objects.first()
        if cfg is None:
            return None
        versions = DataKey.objects.filter(purpose=KeyPurpose.DATA).order_by("version").values_list("version", flat=True)
        return KeyState(
            vault_id=vault_id(cfg.created_at),
            created_at=cfg.created_at,
            generation=cfg.generation,
            key_epoch=cfg.key_epoch,
            data_key_versions=tuple(versions),
            share_prefix=share_prefix(bytes(cfg.tag)),
        )
    except DatabaseError:
        return None


def _day(moment: datetime) -> str:
    return str(formats.date_format(moment, "Y-m-d"))


def check(backup: KeyState, reference: KeyState | None) -> list[str]:
    """Refuse a backup of another vault or one whose data key was destroyed; return notes."""
    if reference is None:
        return []
    if backup.vault_id != reference.vault_id:
        raise BackupRefused("other_vault", backup_made=_day(backup.created_at), ours_made=_day(reference.created_at))
    destroyed = [v for v in backup.data_key_versions if v not in reference.data_key_versions]
    if backup.key_epoch < reference.key_epoch and destroyed:
        raise BackupRefused(
            "key_destroyed",
            epoch=backup.key_epoch,
            versions=", ".join(str(v) for v in destroyed),
            now=reference.key_epoch,
            current=", ".join(str(v) for v in reference.data_key_versions),
            generation=backup.generation,
            prefix=backup.share_prefix,
        )
    if backup.generation < reference.generation:
        return [
            _(
                "This backup needs the shares of generation %(generation)s (they begin %(prefix)s): a rekey has "
                "replaced them since, and today's shares do not open it."
            )
            % {"generation": backup.generation, "prefix": backup.share_prefix}
        ]
    return []
