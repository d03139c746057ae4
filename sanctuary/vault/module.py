"""The vault, as the registry sees it: the audit codes its entries carry, in words (the vault
has no pages of its own in the registry; sealing and unsealing are accounts' and vault's
views)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sanctuary.lib.stages import Stage, register
from sanctuary.vault.state import UnsealError

# Why a share was refused (the entry's record id), shorter than what the key holder is told.
_REFUSED = {
    "checksum": _("a share with a typing mistake"),
    "length": _("a share too short or too long"),
    "bad_character": _("a share with a character that cannot be in one"),
    "version": _("a share of another version"),
    "foreign": _("a share of another vault or of replaced keys"),
    "duplicate": _("a share entered twice"),
    "wrong_key": _("shares that did not open the vault"),
    "wrong_share": _("a share that is not this vault's"),
    "not_initialised": _("no vault yet"),
    "too_many": _("too many shares"),
    "too_few": _("not enough shares"),
}

register(
    Stage(
        app="vault",
        audit_labels={
            "vault": _("the vault"),
            # The vault and its commands, when they act (entries with no user).
            "system.vault": _("the vault"),
            "system.vault_init": _("the command that makes the vault"),
            "system.vault_unseal": _("the unseal command"),
            "system.vault_seal": _("the seal command"),
            "system.vault_rekey": _("the command that makes new keys"),
            # Backups (``sanctuary.backup``): made, restored, drilled.
            "system.backup": _("the backup command"),
            "system.restore": _("the restore command"),
            "system.restore_drill": _("the restore drill"),
            "elsewhere": _("restored into another database"),
            "vault.rekeyed": _("sealed after new keys"),
            "vault.flood": _("many refused shares"),
            "vault.index": _("share number"),  # "index:<n>"
            "vault.unreadable": _("a share that could not be read"),
            **{f"vault.{code}": _REFUSED.get(code, message) for code, message in UnsealError.messages.items()},
        },
    )
)
